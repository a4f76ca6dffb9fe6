"""Call-based monitoring: an image when a monitored call starts and when it ends.

Only the outermost monitored call dumps. The nesting depth lives in a
ContextVar, so it is per thread and per asyncio task: an inner or recursive
monitored call in the same flow of control writes nothing, while two
threads or tasks each running a monitored call both write images.

Nothing memalot creates between the call-start and the call-end image may
still be alive at the call-end image, or the analyzer would count it as
created by the call: ContextVar.set builds a new context mapping (HAMT) and
tuple each time, so the outermost call sets the variable before its
call-start image and restores it after its call-end image; the criterion
tuple is built once per monitor.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import itertools
from typing import Any, Callable, Optional, Tuple

from memalot import _ext, _session
from memalot._options import Settings

_session.count_as_monitor_code(__name__)  # LeakMonitor's frames hold the call while its images are taken


class _OpenCall:
    """The outermost monitored call open in a flow of control. The dumper
    tells which call a birth belongs to by this object: a task or a
    copy_context() started inside the call carries it too."""

    __slots__ = ("counter",)

    def __init__(self, counter: int) -> None:
        self.counter = counter


# The monitored calls open in this flow of control: (the _OpenCall, then 0
# per nested call), or () once its calls have ended. Unset before its first
# call (no default), which the dumper reads as "never ran one".
_open_calls: "contextvars.ContextVar[Tuple[Any, ...]]" = contextvars.ContextVar("memalot_open_calls")
_session.follow_call_flows(_open_calls)


class LeakMonitor:
    """A reusable context manager; each ``with`` block counts as one call.

    Mirrors memalot.LeakMonitor from the PyPI package: ``with monitor:``
    (also ``with monitor():``).
    """

    def __init__(self, settings: Settings, calls: int, warmup_calls: int, function_name: Optional[str]) -> None:
        self._settings = settings
        self.max_object_age_calls = calls
        self.warmup_calls = warmup_calls
        self.function_name = function_name or "<block>"
        # next() on a count is atomic under the GIL; a lock could be left held
        # by another thread in a forked child and hang its next monitored call.
        self._counter = itertools.count(1)
        self._calls_started = 0
        self._criterion = ("calls", calls, warmup_calls)

    def __call__(self) -> "LeakMonitor":
        return self

    @property
    def calls_started(self) -> int:
        return self._calls_started

    @property
    def criterion(self) -> tuple:
        return self._criterion

    def __enter__(self) -> "LeakMonitor":
        open_calls = _open_calls.get(())
        if open_calls:
            _open_calls.set(open_calls + (0,))  # nested: part of the outer call
            return self
        counter = next(self._counter)
        self._calls_started = max(self._calls_started, counter)
        # Set before the call-start image: the new mapping and tuple are then
        # older than the call.
        _open_calls.set((_OpenCall(counter),))
        self._write("call-start", counter)
        return self

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> bool:
        open_calls = _open_calls.get(())
        if len(open_calls) == 1:
            self._write("call-end", open_calls[0].counter)
        # Restored after the call-end image, for the same reason.
        _open_calls.set(open_calls[:-1])
        return False  # the block's own exception passes through untouched

    def _write(self, trigger: str, counter: int) -> None:
        """Never raises: the monitored code must behave as if memalot were absent."""
        if _session.in_forked_child() or _ext.loaded() is None:
            return
        try:
            if not _session.ensure_open(self._settings):
                return
        except Exception:
            return  # unsupported interpreter: start-up already told the user
        _session.dump(
            trigger, counter, self.function_name, self._criterion,
            trigger == "call-start" and counter == self.warmup_calls + 1,
        )


def qualified_name(func: Callable[..., Any]) -> str:
    module = getattr(func, "__module__", None) or "<unknown>"
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", None) or repr(func)
    return "%s.%s" % (module, name)


def wrap(func: Callable[..., Any], monitor: LeakMonitor) -> Callable[..., Any]:
    """The call spans the whole body: for ``async def`` that is the awaited
    coroutine, not just its creation."""
    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            with monitor:
                return await func(*args, **kwargs)

        async_wrapper.leak_monitor = monitor  # type: ignore[attr-defined]
        return async_wrapper

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with monitor:
            return func(*args, **kwargs)

    wrapper.leak_monitor = monitor  # type: ignore[attr-defined]
    return wrapper
