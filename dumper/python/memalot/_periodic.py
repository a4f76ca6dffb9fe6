"""Time-based monitoring: a daemon thread that writes an image every interval.

The thread only decides when; the extension stops the world (it holds the
GIL while walking the heap), so no other Python code runs during a walk.
The first image is written right away so objects created after the start
can be dated against it.
"""

from __future__ import annotations

import threading
import time
from typing import Optional

from memalot import _messages, _session

_session.count_as_monitor_code(__name__)  # the thread's frames are on the stack of every periodic image


class Stoppable:
    """Returned by start_leak_monitoring, as in the memalot package on PyPI."""

    def stop(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def join(self, timeout: Optional[float] = None) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class PeriodicMonitor(Stoppable):
    def __init__(self, lifetime: float, warmup: float, interval: float) -> None:
        self.lifetime = lifetime
        self.warmup = warmup
        self.interval = interval
        self._criterion = ("time", lifetime, warmup)  # built once: nothing new in flight per image
        self._stop = threading.Event()
        self._started_at = time.monotonic()
        self._warmup_image_written = False
        self._thread = threading.Thread(target=self._run, name="memalot-monitor", daemon=True)

    @property
    def criterion(self) -> tuple:
        return self._criterion

    def start(self) -> None:
        self._started_at = time.monotonic()
        self._thread.start()

    def stop(self) -> None:
        """Asks the thread to stop after the image it may be writing now."""
        self._stop.set()

    def join(self, timeout: Optional[float] = None) -> None:
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def write_image(self, trigger: str) -> Optional[dict]:
        """One image with this monitor's criterion (also used for signal/exit images)."""
        after_warmup = False
        if not self._warmup_image_written and time.monotonic() - self._started_at >= self.warmup:
            after_warmup = True
        result = _session.dump(trigger, 0, None, self._criterion, after_warmup)
        if after_warmup and result is not None and "error" not in result:
            self._warmup_image_written = True
        return result

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                self.write_image("periodic")
                if _session.disabled_reason() is not None or not _session.is_open():
                    return  # the session warned already; nothing more to write
                self._stop.wait(self.interval)
        except BaseException:  # never let the thread print a traceback into the program's output
            _messages.warn_once(
                "thread", "the memalot monitoring thread stopped on an unexpected error", _session.current_settings()
            )
