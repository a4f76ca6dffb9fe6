"""The one dump file of this process and every image written to it.

All monitors of a process (the periodic thread, decorated functions, context
managers, manual and signal dumps) share one open file, because the
extension keeps one identity bitmap per process: identity flags in an image
refer to the previous image of the same file. The first monitor to start
decides the file's options; the others write into it.

Failure policy: nothing here raises into the monitored program once
monitoring runs. An error from the extension, a file that cannot be created
or a disk budget that cannot be kept disables image writing for the rest of
the session, with one warning. The program carries on unmonitored.

This module is the session's lifecycle (open, images, close, fork); where
the file goes is _paths, the disk budget _disk_budget, the report after each
image _console and what the user is told _messages. The monitors that take
images (_calls, _periodic, api) sit above it and import it, never the reverse.
"""

from __future__ import annotations

import inspect
import os
import secrets
import shutil
import sys
import threading
import time
from typing import Any, Dict, List, Optional

from memalot import _children, _console, _disk_budget, _ext, _messages, _paths
from memalot._options import Settings, dump_directory


class _Parent:
    """What a followed child knows of the session it was forked from."""

    def __init__(self, settings: Settings, path: str, pid: int, run_id: int, launch_id: int) -> None:
        self.settings = settings
        self.path = path
        self.pid = pid
        self.run_id = run_id
        self.launch_id = launch_id


class _State:
    """Mutable state of the session; replaced wholesale in a forked child."""

    def __init__(self) -> None:
        # Reentrant: a signal handler may run a dump in the main thread while
        # that thread is inside this module's Python code holding the lock.
        self.lock = threading.RLock()
        self.settings: Optional[Settings] = None
        self.path: Optional[str] = None
        self.temp_dir: Optional[str] = None  # save_reports=False: removed at close
        self.is_open = False
        self.disabled_reason: Optional[str] = None
        self.ledger = _disk_budget.FileLedger()  # images and sizes, for the disk budget
        self.run_id = 0
        self.launch_id = 0  # the run_id of the launch's first process
        self.pid = 0  # the process that opened the file
        self.parent: Optional[_Parent] = None  # set in a followed child until its file opens
        self.forked_child = False  # monitors inherited through fork stay silent (follow_fork off)


_state = _State()

# The package's modules whose functions run while an image is taken (their
# frames sit on the dumping thread's stack; see _monitor_code): this module,
# the ones it imports, and the monitors above it, which add themselves with
# count_as_monitor_code() when they are imported, so this module imports none
# of them.
_monitor_modules: List[str] = [__name__] + [
    m.__name__ for m in (_children, _console, _disk_budget, _messages, _paths)
]


_call_flows: List[Any] = []  # the ContextVar of open calls, once _calls is imported


def follow_call_flows(open_calls: Any) -> None:
    """_calls hands over its ContextVar: the dumper reads it to tell which
    open call a birth belongs to when calls overlap."""
    _call_flows[:] = [open_calls]


def count_as_monitor_code(module_name: str) -> None:
    """Called by each module that takes images, as it is imported."""
    if module_name not in _monitor_modules:
        _monitor_modules.append(module_name)


# ---------------------------------------------------------------- lifecycle


def is_open() -> bool:
    return _state.is_open


def images_written() -> int:
    """Images (full or call deltas) appended to the open file so far."""
    return _state.ledger.images


def first_image_time() -> Optional[float]:
    """Monotonic time recorded by the open file's first image, None before it."""
    return _state.ledger.first_image_time


def current_path() -> Optional[str]:
    return _state.path


def disabled_reason() -> Optional[str]:
    return _state.disabled_reason


def in_forked_child() -> bool:
    return _state.forked_child


def followed_parent_settings() -> Optional[Settings]:
    """In a forked child that follows its parent: the parent's settings, which
    its own file opens with; None elsewhere."""
    parent = _state.parent
    return parent.settings if parent is not None else None


def current_settings() -> Optional[Settings]:
    """The settings of the open (or last opened) session: its output_func and
    quiet apply to messages about it."""
    return _state.settings


def ensure_open(settings: Settings, path: Optional[str] = None) -> bool:
    """Opens the dump file unless one is open. Returns whether images can be written.

    Raises RuntimeError only when the interpreter cannot be monitored at all
    (that is a start-up error the caller should see); file problems warn once.
    """
    ext = _ext.load()
    with _state.lock:
        if _state.is_open:
            return _state.disabled_reason is None
        if _state.disabled_reason is not None:
            return False
        parent = _state.parent  # forked from a monitored process
        spawned = _children.lineage() if parent is None else None  # started by one (--follow-children)
        try:
            if parent is not None and path is None:
                chosen, temp_dir = _paths.child_path(settings, os.path.dirname(parent.path), parent.pid)
            elif spawned is not None and path is None:
                chosen, temp_dir = _paths.child_path(settings, dump_directory(settings), spawned[0])
            else:
                chosen, temp_dir = _paths.choose_path(settings, path)
        except OSError as exc:
            _disable("cannot create the dump directory (%s)" % exc, settings)
            return False
        run_id = secrets.randbits(64)
        if parent is not None:
            parent_pid, parent_run_id, launch_id = parent.pid, parent.run_id, parent.launch_id
        elif spawned is not None:
            parent_pid, parent_run_id, launch_id = spawned
        else:
            parent_pid, parent_run_id, launch_id = 0, 0, run_id
        try:
            ext.open_monitor(
                chosen,
                compression_level=settings.compression_level,
                value_cap=settings.stored_value_cap,
                argv=list(sys.argv) if settings.record_argv else None,
                argv_withheld=not settings.record_argv,
                run_id=run_id,
                start_time=time.time(),
                append=False,
                use_fork=settings.use_fork,
                fork_timeout=settings.fork_timeout or 0.0,
                own_code=_monitor_code(),
                call_deltas=settings.call_deltas,
                parent_pid=parent_pid,
                parent_run_id=parent_run_id,
                launch_id=launch_id,
                open_calls=_call_flows[0] if _call_flows else None,
            )
        except Exception as exc:  # OSError: the file; RuntimeError: the extension's own state
            if temp_dir is not None:
                shutil.rmtree(temp_dir, ignore_errors=True)
            _disable("cannot create the dump file %s (%s)" % (chosen, exc), settings)
            return False
        _state.settings = settings
        _state.path = chosen
        _state.temp_dir = temp_dir
        _state.is_open = True
        _state.run_id = run_id
        _state.launch_id = launch_id
        _state.pid = os.getpid()
        _state.parent = None
        _children.note_open(chosen, _state.pid, run_id, launch_id)
        _state.ledger.start(chosen)
        _state.forked_child = False
        where = chosen if temp_dir is None else chosen + " (temporary: save_reports=False)"
        _messages.say("writing heap images to %s" % where, settings)
        return True


def _monitor_code() -> tuple:
    """Code objects of the package's functions: module-level functions and
    methods (properties included) of the modules that take images. Their
    frames at the top of the dumping thread's stack are the monitor's own
    while an image is taken; the extension flags what they hold so the
    analyzer does not count it as the program's (docs/design-dumper.md).
    The wrappers that decorated functions run in (nested functions of
    _calls.wrap) are not among them: they are the program's call."""
    codes = []
    for module in (sys.modules[name] for name in _monitor_modules):
        for value in vars(module).values():
            members = vars(value).values() if isinstance(value, type) else (value,)
            for member in members:
                if isinstance(member, (staticmethod, classmethod)):
                    member = member.__func__
                parts = (member.fget, member.fset) if isinstance(member, property) else (member,)
                for part in parts:
                    if inspect.isfunction(part) and part.__module__ == module.__name__:
                        codes.append(part.__code__)
    return tuple(codes)


def _settle_waiting_call_end(ext: Any, wait: Optional[float]) -> bool:
    """Before the file closes: the image of a call-end whose verdict waits
    (the dumper writes it at the next image or call), recorded and reported
    like any other. False when another thread's image still held the
    session after `wait` seconds (None: no bound)."""
    if ext is None:
        return True
    lock = _state.lock
    if not _acquire_within(lock, wait):  # not `with`: see dump()
        return False
    try:
        if not _state.is_open or _state.disabled_reason is not None:
            return True
        try:
            settled = ext.settle_pending()
        except Exception as exc:
            settled = {"error": "%s: %s" % (type(exc).__name__, exc)}
        if settled is None:
            return True
        if "error" in settled:
            _messages.warn_once("close", "writing the last call-end image failed: %s" % settled["error"],
                                _state.settings)
            return True
        _state.ledger.record_image(settled, False)
    finally:
        lock.release()
    _console.report_after_image(_state.settings, ext, _state.path, settled, "call-end")
    return True


def close(wait: Optional[float] = None) -> None:
    """Closes the dump file (a no-op when none is open). Never raises.

    wait bounds each of its two waits for an image another thread is
    writing (None: as long as it takes). Past it the file is left open, every image
    in it whole, and the program goes on: stop_leak_monitoring(timeout)
    promises the program a bound, and an image child stopped by someone,
    with a long fork_timeout, would otherwise hold it for that long."""
    ext = _ext.loaded()
    lock = _state.lock
    if not _settle_waiting_call_end(ext, wait) or not _acquire_within(lock, wait):
        _messages.warn_once(
            "close-busy",
            "an image was still being written when monitoring stopped; the dump file is left open "
            "(every image in it is whole)",
            _state.settings,
        )
        return
    try:
        if not _state.is_open:
            # A session that never opened (bad directory) may be retried by a new start.
            _state.disabled_reason = None
            _messages.forget_warnings()
            return
        _state.is_open = False
        try:
            if ext is not None:
                ext.close_monitor()
        except Exception as exc:
            _messages.warn_once("close", "closing the dump file failed: %s" % exc, _state.settings)
        if _state.temp_dir is not None:
            shutil.rmtree(_state.temp_dir, ignore_errors=True)
            _state.temp_dir = None
        _state.disabled_reason = None
        _messages.forget_warnings()
    finally:
        lock.release()


def _acquire_within(lock: Any, wait: Optional[float]) -> bool:
    return lock.acquire(timeout=-1 if wait is None else wait)


def _disable(reason: str, settings: Optional[Settings] = None) -> None:
    _state.disabled_reason = reason
    _messages.warn_once(
        "disabled",
        "memalot stopped writing heap images: %s. The program continues unmonitored." % reason,
        settings or _state.settings,
    )


# -------------------------------------------------------------------- images


def dump(
    trigger: str,
    call_counter: int = 0,
    function: Optional[str] = None,
    criterion: Optional[tuple] = None,
    after_warmup: bool = False,
) -> Optional[Dict[str, Any]]:
    """Writes one image. Returns the extension's dict (with "error" on failure),
    or None when the session cannot write images. Never raises.

    after_warmup marks the first image after the warm-up: the disk budget
    keeps it so ages stay computable after older images are dropped.

    Everything this function and its callers hold while the image is taken
    must be older than the previous image (see "Monitor-internal objects" in
    docs/design-dumper.md): the extension takes its arguments by vectorcall
    (no argument tuple or keyword dict in flight), the lock is taken with acquire()/release()
    (a ``with`` statement keeps a bound __exit__ method on the value stack,
    where the dumper cannot see it), and every new value is stored only after
    the image.
    """
    ext = _ext.loaded()
    if ext is None:
        return None
    lock = _state.lock
    lock.acquire()
    try:
        if not _state.is_open or _state.disabled_reason is not None:
            return None
        max_disk_bytes = _state.settings.max_disk_bytes if _state.settings is not None else None
        refused = _disk_budget.allows_next_image(_state.ledger, ext, _state.path, max_disk_bytes, _state.launch_id)
        if refused is not None:
            _disable(refused)
            return None
        try:
            result = ext.dump(trigger, call_counter=call_counter, function=function, criterion=criterion)
        except Exception as exc:  # the extension should return errors, but never let one escape
            result = {"error": "%s: %s" % (type(exc).__name__, exc)}
        if not isinstance(result, dict) or "error" in result:
            message = result.get("error") if isinstance(result, dict) else repr(result)
            _disable("writing a %s image failed: %s" % (trigger, message))
            return result if isinstance(result, dict) else {"error": message}
        if result.get("kind") == "discarded":
            # The image child overran its deadline and was killed; the program goes on,
            # with in-process images from now on.
            _messages.warn_once("fork", str(result.get("discarded")), _state.settings)
            return result
        settled = result.get("settled")  # a call-end whose verdict waited, written first
        if settled is not None and "error" in settled:
            _disable("writing a call-end image failed: %s" % settled["error"])
            return result
        for written, warmup in ((settled, False), (result, after_warmup)):
            if written is None or written.get("image") is None:
                continue  # call-start: armed; call-end: its verdict waits; nothing written
            _state.ledger.record_image(written, warmup)
            exceeded = _disk_budget.enforce_after(
                _state.ledger, ext, _state.path, max_disk_bytes, written, _state.launch_id
            )
            if exceeded is not None:
                _disable(exceeded)
    finally:
        lock.release()
    if settled is not None:
        _console.report_after_image(_state.settings, ext, _state.path, settled, "call-end")
    if result.get("image") is not None:
        _console.report_after_image(_state.settings, ext, _state.path, result, trigger)
    return result


# --------------------------------------------------------------------- fork


def _after_fork_in_child() -> None:
    """A forked child must not write into the parent's file (two writers would
    corrupt it), and its parent's monitor thread does not exist here. With
    follow_fork (the default) it keeps monitoring into a file of its own,
    beside the parent's, opened at its first image (api restarts the periodic
    monitor; call monitors open it at their next call), so a child that
    execs or exits at once leaves no file. Without, it stops monitoring; it
    may start its own, which opens a new file named with its own pid."""
    global _state
    was_active = _state.is_open or _state.forked_child
    parent = None
    settings = _state.settings
    if _state.is_open and _state.disabled_reason is None and settings is not None and settings.follow_fork:
        parent = _Parent(settings, _state.path or "", _state.pid, _state.run_id, _state.launch_id)
    ext = _ext.loaded()
    if ext is not None:
        try:
            ext.after_fork_child()
        except Exception:
            pass
    _state = _State()
    _state.parent = parent
    _state.forked_child = was_active and parent is None
    _messages.forget_warnings()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
