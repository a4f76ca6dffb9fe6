"""Time-based monitoring: a daemon thread that writes an image every interval.

The thread only decides when; the extension stops the world (it holds the
GIL while walking the heap), so no other Python code runs during a walk.
The first image is written right away so objects created after the start
can be dated against it (in a followed forked child, FOLLOW_GRACE after the
fork: its warm-up and ages are measured from there).

The schedule is a fixed-rate grid on the monotonic clock: image k is due at
start + k * interval, start being the time the first image records (the
instant the analyzer measures ages and the warm-up from). An image that ends
late does not push the later ones back: the next one is the first slot still
ahead (slots it overran are skipped, never caught up in a burst). One more
image is due at the end of the warm-up (the file's first image + warmup),
unless a slot falls within SAME_TIME of it, when that one image serves both.
That image has trigger "warmup-end": the analyzer ends the warm-up at it, so
no interval straddles the warm-up's end and nothing is left undated
(docs/user-guide.md, start_leak_monitoring; docs/format.md 4.4).
"""

from __future__ import annotations

import array
import math
import threading
import time
from typing import Any, Dict, Optional

from memalot import _messages, _session
from memalot._options import Settings

_session.count_as_monitor_code(__name__)  # the thread's frames are on the stack of every periodic image

SAME_TIME = 0.005  # seconds: a slot this close to the warm-up's end is the warm-up image
# Seconds a followed forked child runs before its first image (and its file):
# a fork that execs (subprocess with preexec_fn, os.fork + os.exec*) or exits
# at once leaves nothing behind; a server's worker lives far longer.
FOLLOW_GRACE = 0.2


def next_image_time(start: float, interval: float, now: float, warmup_end: Optional[float]) -> float:
    """When the next periodic image is due, seen at monotonic time `now`:
    the first slot start + k * interval after now, or the warm-up's end
    (warmup_end; None once an image at or after it exists) when that comes
    first; a warm-up end already past is due at once."""
    slot = start + (math.floor((now - start) / interval) + 1) * interval
    if warmup_end is None or slot < warmup_end - SAME_TIME:
        return slot
    if slot <= warmup_end + SAME_TIME:
        return max(slot, warmup_end)  # one image for both, never before the warm-up's end
    return max(warmup_end, now)


class Stoppable:
    """Returned by start_leak_monitoring, as in the memalot package on PyPI."""

    def stop(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def join(self, timeout: Optional[float] = None) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class PeriodicMonitor(Stoppable):
    def __init__(self, lifetime: float, warmup: float, interval: float, follows: Optional[Settings] = None) -> None:
        """follows: in a forked child, the parent's settings; the thread opens
        the child's own file with them, FOLLOW_GRACE after the fork."""
        self.lifetime = lifetime
        self.warmup = warmup
        self.interval = interval
        self._follows = follows
        self._criterion = ("time", lifetime, warmup)  # built once: nothing new in flight per image
        self._stop = threading.Event()
        # The grid's start, in a preallocated array: a float stored in an
        # attribute after the first image would be a new object living on
        # (see _disk_budget.FileLedger).
        self._grid = array.array("d", [0.0])
        self._warmup_image_written = False
        self._thread = threading.Thread(target=self._run, name="memalot-monitor", daemon=True)

    @property
    def criterion(self) -> tuple:
        return self._criterion

    @property
    def follows(self) -> Optional[Settings]:
        """The settings a followed child's file opens with; None elsewhere."""
        return self._follows

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Asks the thread to stop after the image it may be writing now."""
        self._stop.set()

    def join(self, timeout: Optional[float] = None) -> None:
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def stopped(self) -> bool:
        """Asked to stop (what a forked child can still tell: its copy of the
        thread is gone either way)."""
        return self._stop.is_set()

    def warmup_end(self) -> Optional[float]:
        """Monotonic time the warm-up ends, measured like the analyzer does
        from the file's first image; None before any image."""
        first = _session.first_image_time()
        return None if first is None else first + self.warmup

    def write_image(self, trigger: str) -> Optional[dict]:
        """One image with this monitor's criterion (also used for signal/exit images)."""
        after_warmup = False
        if not self._warmup_image_written:
            end = self.warmup_end()
            after_warmup = self.warmup <= 0 if end is None else time.monotonic() >= end
        # The scheduled image that ends the warm-up says so (trigger 7): the
        # analyzer then ends the warm-up at it, however late it ran, and no
        # interval straddles the warm-up's end (docs/format.md 4.4).
        ends_warmup = after_warmup and trigger == "periodic" and self.warmup > 0
        result = _session.dump("warmup-end" if ends_warmup else trigger, 0, None, self._criterion, after_warmup)
        if ends_warmup and result is not None and "error" not in result and result.get("image") is not None:
            self._warmup_image_written = True
        elif after_warmup and self.warmup <= 0:
            self._warmup_image_written = True
        return result

    def _run(self) -> None:
        try:
            if self._follows is not None:
                # A child that execs or exits within the grace leaves no file.
                if not self._wait_until(time.monotonic() + FOLLOW_GRACE):
                    return
                if not _session.ensure_open(self._follows):
                    return
            attempted = time.monotonic()
            # Not kept in a local: while the thread waits, another thread's
            # image sees its frame as an ordinary one, and the dict would be
            # an object created after the first image that lives on.
            self._grid[0] = _recorded_time(self.write_image("periodic"), attempted)
            while not self._stop.is_set():
                if _session.disabled_reason() is not None or not _session.is_open():
                    return  # the session warned already; nothing more to write
                pending = None if self._warmup_image_written else self.warmup_end()
                due = next_image_time(self._grid[0], self.interval, time.monotonic(), pending)
                if not self._wait_until(due):
                    return
                self.write_image("periodic")
        except BaseException:  # never let the thread print a traceback into the program's output
            _messages.warn_once(
                "thread", "the memalot monitoring thread stopped on an unexpected error", _session.current_settings()
            )

    def _wait_until(self, due: float) -> bool:
        """Sleeps until monotonic time `due`; False when asked to stop first.
        Loops because a timed wait may end a little early."""
        while True:
            left = due - time.monotonic()
            if left <= 0:
                return True
            if self._stop.wait(left):
                return False


def _recorded_time(result: Optional[Dict[str, Any]], attempted: float) -> float:
    """The monotonic time an image records, or when it was asked for when it
    wrote nothing (an error, or a discarded image child)."""
    if isinstance(result, dict) and isinstance(result.get("monotonic_time"), float):
        return result["monotonic_time"]
    return attempted
