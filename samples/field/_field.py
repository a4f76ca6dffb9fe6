"""Shared plumbing of the field programs (samples/field/): how long to run,
the side file of leaked-object creation times, the rotating cache key and
the thread a server runs in. (The servers bind port 0 themselves, so no
other process can take the port between choosing and binding it.)

Kept out of the programs so each reads as the service it imitates. Nothing
here keeps per-request Python objects alive: the side file is written line by
line through one open file, so the log itself leaks nothing the analyzer could
report.
"""
import os
import threading
import time

SECONDS = float(os.environ.get("MEMALOT_FIELD_SECONDS", "20"))
MAX_REQUESTS = int(os.environ.get("MEMALOT_FIELD_MAX_REQUESTS", "20000"))
# Requests' own bound: a stuck server must not keep the program alive.
CLIENT_TIMEOUT = 10.0
# The bounded caches are keyed by time slot: one new key every SLOT_SECONDS,
# so a cache of 64 entries holds the last 64 x 0.05 = 3.2 s of keys however
# fast or slow the requests come (a loaded machine slows them, not the clock).
# Each entry outlives the lifetime (1.5 s), so a cache is a suspect; it fills
# with entries made after the warm-up 3.2 s after it ends, well inside the
# half of the run a stable verdict needs it to hold still for.
SLOT_SECONDS = 0.05

_started = time.monotonic()


def keep_going(done, per_second=None):
    """True while the run has time and requests left; `done` requests so far.
    With per_second, first waits until the run is that slow at most."""
    if per_second is not None:
        ahead = done / per_second - (time.monotonic() - _started)
        if ahead > 0:
            time.sleep(ahead)
    return done < MAX_REQUESTS and time.monotonic() - _started < SECONDS


def cache_slot():
    """The bounded caches' key: the current time slot."""
    return int(time.monotonic() / SLOT_SECONDS)


class CreationLog:
    """One line per leaked object, `TYPE BEFORE AFTER`: time.monotonic()
    (CLOCK_MONOTONIC, the clock of each image's monotonic_time) just before
    the object was created and just after it was stored where it leaks. An
    image taken between the two cannot tell the test whether it saw the
    object, so the test allows exactly those objects either way."""

    def __init__(self):
        path = os.environ.get("MEMALOT_FIELD_TIMES")
        self._file = open(path, "w") if path else None
        self._lock = threading.Lock()

    def stored(self, type_name, before):
        after = time.monotonic()
        if self._file is not None:
            with self._lock:
                self._file.write("%s %.9f %.9f\n" % (type_name, before, after))

    def close(self):
        if self._file is not None:
            self._file.close()


def in_thread(target, name):
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread
