"""Leak assertions for tests.

``assert_no_leaks(func, *args, **kwargs)`` calls ``func`` a few times, each
call monitored like a ``@leak_monitor`` call, into a private temporary dump
file; then the analyzer (in-process, through the extension) reports the
objects created after the warm-up calls that outlived ``max_object_age_calls``
calls and are still alive after the last one. Any such object fails the
assertion with memalot's text report.

``leak_check(...)`` is the same as a context manager, for several functions
or for arguments named like the options::

    with memalot.leak_check(iterations=5) as run:
        run(handler, request)
        run(other_handler, iterations="not an option here")

The check runs at the end of the ``with`` block (not when it ends with an
exception). The pytest plugin (memalot.pytest_plugin) builds a marker and a
fixture on these. See docs/user-guide.md, "Testing for leaks".
"""

from __future__ import annotations

import gc
import inspect
import os
import shutil
import tempfile
from typing import Any, Callable, Iterable, List, Optional

from memalot import _ext, _session, api

__all__ = ["LeaksFound", "LeakCheck", "assert_no_leaks", "leak_check"]


class LeaksFound(AssertionError):
    """Objects outlived the monitored calls. ``str()`` is the report text;
    ``candidates`` how many objects were reported."""

    def __init__(self, message: str, candidates: int, report: str) -> None:
        super().__init__(message)
        self.candidates = candidates
        self.report = report


class LeakCheck:
    """Runs functions as monitored calls and, at ``check()``, fails if
    objects created after the warm-up outlived them. One per check: its
    dump file is private and removed when the check ends."""

    def __init__(
        self,
        iterations: int = 3,
        *,
        max_object_age_calls: int = 1,
        warmup_calls: int = 1,
        included_type_names: Iterable[str] = (),
        excluded_type_names: Iterable[str] = (),
        max_object_details: Optional[int] = None,
    ) -> None:
        for name, value, minimum in (
            ("iterations", iterations, 1),
            ("max_object_age_calls", max_object_age_calls, 1),
            ("warmup_calls", warmup_calls, 0),
            ("max_object_details", 0 if max_object_details is None else max_object_details, 0),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise ValueError("memalot: %s must be an int >= %d, got %r" % (name, minimum, value))
        if iterations < warmup_calls + max_object_age_calls:
            raise ValueError(
                "memalot: iterations=%d cannot show a leak: objects count after warmup_calls=%d calls "
                "and must outlive max_object_age_calls=%d calls, so at least %d iterations are needed"
                % (iterations, warmup_calls, max_object_age_calls, warmup_calls + max_object_age_calls)
            )
        self.iterations = iterations
        self.max_object_age_calls = max_object_age_calls
        self.warmup_calls = warmup_calls
        self.included_type_names = _names("included_type_names", included_type_names)
        self.excluded_type_names = _names("excluded_type_names", excluded_type_names)
        self.max_object_details = max_object_details
        self.calls = 0
        self._messages: List[str] = []
        self._directory: Optional[str] = None
        self._path: Optional[str] = None
        self._monitor: Any = None

    # ------------------------------------------------------------ running

    def __enter__(self) -> "LeakCheck":
        self._start()
        return self

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> bool:
        if exc_type is None:
            self.check()
        else:
            self._finish()
        return False

    def __call__(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Calls func(*args, **kwargs) `iterations` times, each a monitored call.
        The result is dropped inside the call: what the function returns is
        not a leak. Exceptions propagate and end the check without a verdict."""
        if inspect.iscoroutinefunction(func):
            raise TypeError(
                "memalot: a leak check calls functions, and %r is a coroutine function: "
                "check a function that runs it, e.g. lambda: asyncio.run(%s())"
                % (func, getattr(func, "__name__", "func"))
            )
        if self._monitor is None:
            self._start()
        for _ in range(self.iterations):
            with self._monitor:
                func(*args, **kwargs)
                # Unreachable cycles are garbage, not leaks: free them before the call-end image.
                gc.collect()
            self.calls += 1

    def _start(self) -> None:
        if self._monitor is not None:
            return
        _ext.load()  # RuntimeError on an interpreter memalot cannot monitor
        if _session.is_open():
            raise RuntimeError(
                "memalot: a leak check writes a dump file of its own, but this process already writes "
                "one (%s) and one process writes one file; stop monitoring first "
                "(memalot.stop_leak_monitoring()) or run the check outside memalot-dump"
                % _session.current_path()
            )
        self._directory = tempfile.mkdtemp(prefix="memalot-check-")
        self._path = os.path.join(self._directory, "check.mlt")
        self._monitor = api.create_leak_monitor(
            warmup_calls=self.warmup_calls,
            max_object_age_calls=self.max_object_age_calls,
            function_name="memalot.leak_check",
            dump_file=self._path,
            report=False,  # the verdict is the check's, after the last call
            quiet=True,
            compression_level=1,  # a throwaway file: speed over size
            output_func=self._messages.append,
        )

    # ----------------------------------------------------------- verdict

    def check(self) -> None:
        """Closes the dump and raises LeaksFound if anything leaked;
        RuntimeError if the calls could not be recorded or analyzed."""
        try:
            if self.calls == 0:
                raise RuntimeError("memalot: the leak check ran no calls: call it with a function to run")
            # Counted before closing: how many images (full or call deltas) the
            # calls wrote depends on the Python (call deltas or full call-start
            # images), so the session's count is the one that says.
            written = _session.images_written() if self._own_session_open() else 0
            self._close()
            outcome = self._analyze()
            if "error" in outcome:
                raise RuntimeError("memalot: analyzing the leak check's dump failed: %s" % outcome["error"])
            expected_image = written - 1
            if outcome["image"] != expected_image:
                raise RuntimeError(
                    "memalot: the leak check recorded images up to %s instead of %d%s"
                    % (outcome["image"], expected_image, self._said())
                )
            candidates = int(outcome.get("candidates", 0))
            if candidates:
                text = outcome["text"].rstrip("\n")
                raise LeaksFound(
                    "memalot: %d object%s created after the %d warm-up call%s outlived %d call%s and "
                    "%s still alive after %d calls:\n%s"
                    % (candidates, _s(candidates), self.warmup_calls, _s(self.warmup_calls),
                       self.max_object_age_calls, _s(self.max_object_age_calls),
                       "was" if candidates == 1 else "were", self.calls, text),
                    candidates,
                    text,
                )
        finally:
            self._finish()

    def _close(self) -> None:
        api.stop_leak_monitoring()
        if self._path is None or not os.path.exists(self._path):
            raise RuntimeError("memalot: the leak check wrote no dump%s" % self._said())

    def _analyze(self) -> dict:
        """In-process, through the extension's analyzer: {"text",
        "candidates", "image"} or {"error"}."""
        assert self._path is not None
        return _ext.load().report(
            self._path,
            each=False,  # everything alive at the last call's end, not only what qualified last
            include=sorted(self.included_type_names),
            exclude=sorted(self.excluded_type_names),
            max_object_details=self.max_object_details,
            color=False,
        )

    def _own_session_open(self) -> bool:
        return _session.is_open() and _session.current_path() == self._path

    def _finish(self) -> None:
        if self._monitor is not None and self._own_session_open():
            api.stop_leak_monitoring()
        self._monitor = None
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = None

    def _said(self) -> str:
        return "; memalot said: %s" % " | ".join(self._messages) if self._messages else ""


def _names(option: str, value: Iterable[str]) -> frozenset:
    if isinstance(value, str):
        value = (value,)
    try:
        names = frozenset(value)
    except TypeError:
        raise TypeError("memalot: %s must be an iterable of str, got %r" % (option, value)) from None
    if not all(isinstance(name, str) for name in names):
        raise TypeError("memalot: %s must hold only str, got %r" % (option, sorted(map(repr, names))))
    return names


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def leak_check(
    iterations: int = 3,
    *,
    max_object_age_calls: int = 1,
    warmup_calls: int = 1,
    included_type_names: Iterable[str] = (),
    excluded_type_names: Iterable[str] = (),
    max_object_details: Optional[int] = None,
) -> LeakCheck:
    """A context manager: ``with leak_check(iterations=3) as run: run(func, *args)``.
    Each ``run`` calls func `iterations` times as monitored calls; the check
    (LeaksFound on a leak) happens when the block ends without an exception."""
    return LeakCheck(
        iterations,
        max_object_age_calls=max_object_age_calls,
        warmup_calls=warmup_calls,
        included_type_names=included_type_names,
        excluded_type_names=excluded_type_names,
        max_object_details=max_object_details,
    )


def assert_no_leaks(
    func: Callable[..., Any],
    /,
    *args: Any,
    iterations: int = 3,
    max_object_age_calls: int = 1,
    warmup_calls: int = 1,
    included_type_names: Iterable[str] = (),
    excluded_type_names: Iterable[str] = (),
    max_object_details: Optional[int] = None,
    **kwargs: Any,
) -> None:
    """Calls func(*args, **kwargs) `iterations` times as monitored calls and
    raises LeaksFound (an AssertionError) with memalot's report if objects
    created after the first `warmup_calls` calls outlived
    `max_object_age_calls` calls and are still alive after the last one.

    Keyword arguments not named here go to func; to pass func an argument
    named like an option, use leak_check() or functools.partial.
    """
    with leak_check(
        iterations,
        max_object_age_calls=max_object_age_calls,
        warmup_calls=warmup_calls,
        included_type_names=included_type_names,
        excluded_type_names=excluded_type_names,
        max_object_details=max_object_details,
    ) as run:
        run(func, *args, **kwargs)
