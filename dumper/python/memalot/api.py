"""The public API. Names and defaults follow the memalot package on PyPI where
the two overlap; see docs/user-guide.md for the reference.

Every function validates its options in the caller's thread and raises
TypeError/ValueError for a wrong one, and RuntimeError when this interpreter
cannot be monitored. Once monitoring runs, nothing raises into the program.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from typing import Any, Callable, Optional, Union

from memalot import _calls, _ext, _messages, _session
from memalot._calls import LeakMonitor
from memalot._options import DEFAULT_LIFETIME, check_count, check_seconds, default_interval, make_settings
from memalot._periodic import PeriodicMonitor, Stoppable

_session.count_as_monitor_code(__name__)  # dump()'s frame is on the stack of a manual image

_periodic_lock = threading.Lock()
# Seconds stop_leak_monitoring() still waits for the session once its timeout has passed:
# enough for an image that was just ending, and no more.
STILL_WRITING_GRACE = 1.0
_periodic: Optional[PeriodicMonitor] = None


def start_leak_monitoring(
    max_object_lifetime: float = DEFAULT_LIFETIME,
    warmup_time: Optional[float] = None,
    *,
    interval: Optional[float] = None,
    warmup_period: Optional[float] = None,
    **options: Any
) -> Stoppable:
    """Writes a heap image now and then every `interval` seconds from a daemon thread.

    Objects that outlive `max_object_lifetime` seconds after the warm-up of
    `warmup_time` seconds (default: the lifetime) are what the analyzer
    reports. `warmup_period` is an alias of `warmup_time`. `interval`
    defaults to lifetime/2 clamped to [0.5 s, 60 s]. Other options: see
    docs/user-guide.md. Returns an object with stop() and join(); or call
    stop_leak_monitoring().
    """
    global _periodic
    lifetime = check_seconds("max_object_lifetime", max_object_lifetime, allow_zero=False)
    if warmup_time is not None and warmup_period is not None:
        raise TypeError("memalot: give warmup_time or its alias warmup_period, not both")
    warmup_value = warmup_time if warmup_time is not None else warmup_period
    warmup = lifetime if warmup_value is None else check_seconds("warmup_time", warmup_value, allow_zero=True)
    every = default_interval(lifetime) if interval is None else check_seconds("interval", interval, allow_zero=False)
    settings = make_settings(**options)
    _ext.load()
    with _periodic_lock:
        if _periodic is not None and _periodic.is_alive():
            # A program run under memalot-dump may start monitoring itself too;
            # failing there would break a program that works without the launcher.
            _messages.warn_once(
                "already-running",
                "time-based monitoring is already running (lifetime %gs, an image every %gs); "
                "this start_leak_monitoring() call changes nothing" % (_periodic.lifetime, _periodic.interval),
                settings,
            )
            return _periodic
        monitor = PeriodicMonitor(lifetime, warmup, every)
        if _session.ensure_open(settings):
            _messages.say(
                "time-based leak monitoring: an image every %gs; after a warm-up of %gs, objects "
                "older than %gs are potential leaks" % (every, warmup, lifetime),
                settings,
            )
            monitor.start()
        _periodic = monitor
    return monitor


def stop_leak_monitoring(timeout: Optional[float] = 30.0) -> None:
    """Stops the periodic thread (waiting up to `timeout` seconds for an image
    being written) and closes the dump file unless a monitored call is running.
    An image still being written after `timeout` keeps the file open (warned
    about): the program goes on rather than wait for it."""
    global _periodic
    deadline = None if timeout is None else time.monotonic() + timeout
    with _periodic_lock:
        monitor, _periodic = _periodic, None
    if monitor is not None:
        monitor.stop()
        monitor.join(timeout)
    if not _calls._open_calls.get(()):
        # Whatever still holds the session (the thread's image, or a monitored
        # call's image in another thread) gets what is left of the timeout.
        wait = None if deadline is None else max(deadline - time.monotonic(), STILL_WRITING_GRACE)
        _session.close(wait=wait)


def finish_with_exit_image(monitor: PeriodicMonitor) -> None:
    """At exit: stop the periodic thread, write the "exit" image, close the
    file. Never raises (memalot-dump's exit handler, a spawned child's)."""
    try:
        monitor.stop()
        monitor.join(30.0)
        monitor.write_image("exit")
    except Exception:
        pass
    try:
        stop_leak_monitoring(timeout=5.0)
    except Exception:
        pass


def current_periodic_monitor() -> Optional[PeriodicMonitor]:
    return _periodic


def leak_monitor(
    func: Optional[Callable[..., Any]] = None,
    warmup_calls: int = 1,
    max_object_age_calls: int = 1,
    **options: Any
) -> Any:
    """Decorator: an image at the start and at the end of each outermost call.

    Usable bare (``@leak_monitor``) or with options
    (``@leak_monitor(max_object_age_calls=2, warmup_calls=3)``), on plain and
    ``async def`` functions. The function's result and exceptions pass
    through untouched.
    """
    if func is not None and not callable(func):
        raise TypeError("memalot: leak_monitor decorates a function, got %r" % (func,))

    def decorate(target: Callable[..., Any]) -> Callable[..., Any]:
        monitor = _make_call_monitor(warmup_calls, max_object_age_calls, _calls.qualified_name(target), options)
        return _calls.wrap(target, monitor)

    if func is not None:
        return decorate(func)
    _make_call_monitor(warmup_calls, max_object_age_calls, None, options)  # report bad options now
    return decorate


def create_leak_monitor(
    warmup_calls: int = 1,
    max_object_age_calls: int = 1,
    function_name: Optional[str] = None,
    **options: Any
) -> LeakMonitor:
    """A reusable context manager that treats each ``with`` block as one call.
    Images name the block `function_name` (default "<block>")."""
    if function_name is not None and not isinstance(function_name, str):
        raise TypeError("memalot: function_name must be a str, got %r" % (function_name,))
    return _make_call_monitor(warmup_calls, max_object_age_calls, function_name, options)


def _make_call_monitor(warmup_calls: Any, max_age: Any, name: Optional[str], options: dict) -> LeakMonitor:
    calls = check_count("max_object_age_calls", max_age, minimum=1)
    warmup = check_count("warmup_calls", warmup_calls, minimum=0)
    settings = make_settings(**options)
    _ext.load()
    return LeakMonitor(settings, calls, warmup, name)


def dump(path: Union[str, "os.PathLike[str]", None] = None, **options: Any) -> Optional[dict]:
    """Writes one image now (trigger "manual").

    With no dump file open, opens one first: at `path` (a file, or a
    directory to create the default name in) or in the default directory.
    With one open at another path, the image goes there (warned once).
    Returns the extension's result ({"image", "objects", ...}, or
    {"error": ...} after one warning), or None when images cannot be
    written (the reason was warned once).
    """
    settings = make_settings(**options)
    _ext.load()
    requested = None if path is None else os.fspath(path)
    if isinstance(requested, bytes):
        requested = os.fsdecode(requested)
    if requested is not None and _session.is_open():
        open_path = _session.current_path() or ""
        if os.path.abspath(os.path.expanduser(requested)) != open_path:
            _messages.warn_once(
                "dump-path",
                "a dump file is already open (%s); one process writes one file, so the image "
                "goes there and not to %s" % (open_path, requested),
                settings,
            )
    if not _session.ensure_open(settings, requested):
        return None
    periodic = _periodic
    criterion = periodic.criterion if periodic is not None and periodic.is_alive() else None
    return _session.dump("manual", criterion=criterion)


def dump_path() -> Optional[str]:
    """The dump file being written, or None."""
    return _session.current_path() if _session.is_open() else None


def _close_at_exit() -> None:
    try:
        stop_leak_monitoring(timeout=5.0)
    except Exception:
        pass


atexit.register(_close_at_exit)

def _after_fork_in_child() -> None:
    """The periodic thread does not exist in a forked child; its lock may have
    been held by another parent thread at the fork. A child that follows its
    parent (follow_fork, _session's fork handler ran first) gets a periodic
    monitor of its own with the parent's criterion and interval, its warm-up
    measured from the fork."""
    global _periodic_lock, _periodic
    inherited = _periodic
    _periodic_lock = threading.Lock()
    _periodic = None
    follows = _session.followed_parent_settings()
    if inherited is None or follows is None or inherited.stopped():
        return
    try:
        start_followed(inherited.lifetime, inherited.warmup, inherited.interval, follows)
    except Exception:  # never raise into the program's fork
        _messages.warn_once("fork-follow", "memalot could not keep monitoring the forked child", follows)


def start_followed(lifetime: float, warmup: float, interval: float, settings: Any) -> PeriodicMonitor:
    """Time-based monitoring of a followed child (forked, or spawned with
    --follow-children): its thread opens the file after FOLLOW_GRACE, so a
    child that execs or exits at once leaves none."""
    global _periodic
    with _periodic_lock:
        monitor = PeriodicMonitor(lifetime, warmup, interval, follows=settings)
        monitor.start()
        _periodic = monitor
    return monitor


def _before_fork() -> None:
    """A followed child still in its grace (no file yet) that forks (a
    forkserver handing out workers) opens its file now, so its own children
    can follow it and name it as their parent."""
    monitor = _periodic
    follows = monitor.follows if monitor is not None else None
    if follows is None or monitor.stopped() or _session.is_open():
        return
    try:
        _session.ensure_open(follows)
    except Exception:
        pass


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)
