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
"""

from __future__ import annotations

import array
import inspect
import os
import re
import secrets
import shutil
import sys
import tempfile
import threading
import time
import warnings
from typing import Any, Dict, Optional, Tuple

from memalot import _ext
from memalot._options import Settings, dump_directory

TRIGGERS = ("periodic", "call-start", "call-end", "manual", "signal", "exit")


class MemalotWarning(RuntimeWarning):
    """Issued once when memalot stops writing images; the program is unaffected."""


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
        self.warned: set = set()
        # images, file size, stored size of the newest image (the file growth it
        # caused), in preallocated machine words: an int above 256 stored in an
        # attribute is a new object that would live from one image to the next,
        # and the images of a monitored call would report it as created by the call.
        # The first image after warm-up (-1: none yet) is kept the same way.
        self._counts = array.array("q", [0, 0, 0, -1])
        self.run_id = 0
        self.forked_child = False  # monitors inherited through fork stay silent

    @property
    def images(self) -> int:
        return self._counts[0]

    @images.setter
    def images(self, value: int) -> None:
        self._counts[0] = value

    @property
    def file_size(self) -> int:
        return self._counts[1]

    @file_size.setter
    def file_size(self, value: int) -> None:
        self._counts[1] = value

    @property
    def protected_image(self) -> Optional[int]:
        """The first image after the warm-up, which the disk budget keeps."""
        value = self._counts[3]
        return None if value < 0 else value

    @protected_image.setter
    def protected_image(self, value: Optional[int]) -> None:
        self._counts[3] = -1 if value is None else value

    @property
    def last_image_bytes(self) -> int:
        return self._counts[2]

    @last_image_bytes.setter
    def last_image_bytes(self, value: int) -> None:
        self._counts[2] = value


_state = _State()


# ------------------------------------------------------------------ messages


def say(message: str, settings: Optional[Settings] = None) -> None:
    """Informational line (where dumps go): output_func, else stderr."""
    settings = settings or _state.settings
    if settings is not None and settings.quiet:
        return
    _emit("memalot: " + message, settings)


def _emit(line: str, settings: Optional[Settings]) -> None:
    func = settings.output_func if settings is not None else None
    if func is not None:
        try:
            func(line)
            return
        except Exception:  # a broken output_func must not break the program
            pass
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except Exception:
        pass


def warn_once(key: str, message: str, settings: Optional[Settings] = None) -> None:
    """One warning per kind of problem per session, through output_func or warnings.

    warnings.warn can raise (a program running with -W error); that must not
    reach the program from a decorator or the background thread, so the
    text then goes to stderr instead.
    """
    if key in _state.warned:
        return
    _state.warned.add(key)
    settings = settings or _state.settings
    if settings is not None and settings.output_func is not None:
        _emit("memalot warning: " + message, settings)
        return
    try:
        warnings.warn(message, MemalotWarning, stacklevel=3)
    except Exception:
        _emit("memalot warning: " + message, None)


# --------------------------------------------------------------- file names


def _program_name(settings: Settings) -> str:
    name = settings.program_name
    if not name:
        argv0 = sys.argv[0] if sys.argv and sys.argv[0] else ""
        name = os.path.splitext(os.path.basename(argv0))[0] if argv0 not in ("", "-c", "-") else ""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name or "python").strip("._") or "python"
    return name[:64]


def default_file_name(settings: Settings, now: Optional[float] = None) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(time.time() if now is None else now))
    return "%s-%d-%s.mlt" % (_program_name(settings), os.getpid(), stamp)


def _make_private_directory(path: str) -> None:
    """Creates every missing component with mode 0700 (images may hold values and
    argv); an existing directory is left as the user set it up."""
    missing = []
    current = path
    while not os.path.isdir(current):
        missing.append(current)
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:
            continue
        os.chmod(directory, 0o700)  # mkdir's mode is filtered by the umask


def _unused_path(directory: str, name: str) -> str:
    """Reopening in the same second would reuse a name; never overwrite a dump."""
    candidate = os.path.join(directory, name)
    stem, ext = os.path.splitext(name)
    counter = 1
    while os.path.exists(candidate):
        candidate = os.path.join(directory, "%s-%d%s" % (stem, counter, ext))
        counter += 1
    return candidate


def _choose_path(settings: Settings, explicit: Optional[str]) -> Tuple[str, Optional[str]]:
    """Returns (file path, temporary directory to remove at close or None)."""
    if explicit is None:
        explicit = settings.dump_file
    if explicit is not None:
        explicit = os.path.abspath(os.path.expanduser(explicit))
        if os.path.isdir(explicit):
            return _unused_path(explicit, default_file_name(settings)), None
        parent = os.path.dirname(explicit)
        if parent and not os.path.isdir(parent):
            _make_private_directory(parent)
        return explicit, None
    if not settings.save_reports:
        temp_dir = tempfile.mkdtemp(prefix="memalot-")  # mkdtemp creates it 0700
        return os.path.join(temp_dir, default_file_name(settings)), temp_dir
    directory = dump_directory(settings)
    _make_private_directory(directory)
    return _unused_path(directory, default_file_name(settings)), None


# ---------------------------------------------------------------- lifecycle


def is_open() -> bool:
    return _state.is_open


def current_path() -> Optional[str]:
    return _state.path


def disabled_reason() -> Optional[str]:
    return _state.disabled_reason


def in_forked_child() -> bool:
    return _state.forked_child


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
        try:
            chosen, temp_dir = _choose_path(settings, path)
        except OSError as exc:
            _disable("cannot create the dump directory (%s)" % exc, settings)
            return False
        run_id = secrets.randbits(64)
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
        _state.images = 0
        _state.last_image_bytes = 0
        _state.file_size = _file_size()
        _state.protected_image = None
        _state.forked_child = False
        where = chosen if temp_dir is None else chosen + " (temporary: save_reports=False)"
        say("writing heap images to %s" % where, settings)
        return True


def _monitor_code() -> tuple:
    """Code objects of the package's functions: module-level functions and
    methods (properties included) of the modules that take images. Their
    frames at the top of the dumping thread's stack are the monitor's own
    while an image is taken; the extension flags what they hold so the
    analyzer does not count it as the program's (docs/design-dumper.md).
    The wrappers that decorated functions run in (nested functions of
    _calls.wrap) are not among them: they are the program's call."""
    from memalot import _calls, _periodic, api  # imported by now; lazy to avoid a cycle

    codes = []
    for module in (sys.modules[__name__], _calls, _periodic, api):
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


def close() -> None:
    """Closes the dump file (a no-op when none is open). Never raises."""
    ext = _ext.loaded()
    with _state.lock:
        if not _state.is_open:
            # A session that never opened (bad directory) may be retried by a new start.
            _state.disabled_reason = None
            _state.warned = set()
            return
        _state.is_open = False
        try:
            if ext is not None:
                ext.close_monitor()
        except Exception as exc:
            warn_once("close", "closing the dump file failed: %s" % exc)
        if _state.temp_dir is not None:
            shutil.rmtree(_state.temp_dir, ignore_errors=True)
            _state.temp_dir = None
        _state.disabled_reason = None
        _state.warned = set()


def _disable(reason: str, settings: Optional[Settings] = None) -> None:
    _state.disabled_reason = reason
    warn_once("disabled", "memalot stopped writing heap images: %s. The program continues unmonitored." % reason, settings)


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
        if not _budget_allows_next_image(ext):
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
            warn_once("fork", str(result.get("discarded")), _state.settings)
            return result
        if result.get("image") is None:
            return result  # call-start with deltas: the births log was armed, nothing written
        _state.images += 1
        size = int(result.get("file_size", 0) or 0)
        _state.last_image_bytes = max(0, size - _state.file_size)
        _state.file_size = size
        if after_warmup and _state.protected_image is None:
            _state.protected_image = int(result.get("image", _state.images - 1))
        _enforce_budget_after(ext, result)
    finally:
        lock.release()
    _report_after_image(result, trigger)
    return result


def _budget_allows_next_image(ext: Any) -> bool:
    """Refuses an image that would likely push the file past max_disk_bytes,
    estimating its size by the previous image's, so the budget is kept
    before the disk is touched rather than noticed after."""
    settings = _state.settings
    if settings is None or settings.max_disk_bytes is None or _state.images == 0:
        return True
    size = _file_size()
    if size + _state.last_image_bytes <= settings.max_disk_bytes:
        return True
    return _compact(ext, settings.max_disk_bytes - _state.last_image_bytes)


def _enforce_budget_after(ext: Any, result: Dict[str, Any]) -> None:
    settings = _state.settings
    if settings is None or settings.max_disk_bytes is None:
        return
    size = int(result.get("file_size", 0) or 0)
    if size > settings.max_disk_bytes:
        _compact(ext, settings.max_disk_bytes)


def _compact(ext: Any, target_bytes: int) -> bool:
    """Drops old images through the extension when it can; otherwise stops
    writing images, because the budget must hold whatever happens.

    Contract: ``_memalot.compact(target_bytes, protected_image) -> dict``
    rewrites the open file to at most target_bytes with mlt_compact_to_budget
    (format/include/memalot/compact.h), keeping the image whose sequence is
    protected_image (None: none) and the newest image, then goes on appending;
    it returns {"dropped": n, "file_size": bytes} or {"error": message}.
    """
    settings = _state.settings
    assert settings is not None and settings.max_disk_bytes is not None
    compact = getattr(ext, "compact", None)
    if compact is not None and target_bytes > 0:
        try:
            outcome = compact(target_bytes, _state.protected_image)
        except Exception as exc:
            outcome = {"error": "%s: %s" % (type(exc).__name__, exc)}
        if isinstance(outcome, dict) and "error" not in outcome and _file_size() <= target_bytes:
            _state.file_size = _file_size()
            return True
        reason = outcome.get("error") if isinstance(outcome, dict) else None
        reason = reason or "still %d bytes after compaction" % _file_size()
        _disable("the dump file cannot be kept under max_disk_bytes=%d (%s)" % (settings.max_disk_bytes, reason))
        return False
    _disable(
        "the dump file reached max_disk_bytes=%d and this build cannot drop old images" % settings.max_disk_bytes
    )
    return False


def _file_size() -> int:
    try:
        return os.stat(_state.path).st_size if _state.path else 0
    except OSError:
        return 0


def _report_after_image(result: Dict[str, Any], trigger: str) -> None:
    """The console report of the image just written, as memalot prints it:
    the objects that first met the criterion at this image. The extension
    runs the same analysis and renderer as memalot-analyze, without the GIL,
    so the console and the CLI agree on the same dump. Nothing is printed
    when nothing new qualifies, and a failing report never reaches the
    program: it is warned about once."""
    settings = _state.settings
    ext = _ext.loaded()
    if (settings is None or not settings.report or ext is None or _state.path is None
            or trigger == "call-start" or not hasattr(ext, "report")
            or result.get("kind") == "delta"):
        return  # a call delta holds nothing new to report
    try:
        outcome = ext.report(
            _state.path,
            each=True,
            include=sorted(settings.included_type_names),
            exclude=sorted(settings.excluded_type_names),
            max_object_details=settings.max_object_details,
            color=_report_in_color(settings),
        )
    except Exception as exc:
        outcome = {"error": "%s: %s" % (type(exc).__name__, exc)}
    if "error" in outcome:
        warn_once("report", "the console report failed: %s" % outcome["error"], settings)
        return
    if outcome.get("candidates", 0) > 0:
        _emit(outcome["text"].rstrip("\n"), settings)


def _report_in_color(settings: Settings) -> bool:
    if settings.output_func is not None or os.environ.get("NO_COLOR"):
        return False
    try:
        return sys.stderr.isatty()
    except Exception:
        return False


# --------------------------------------------------------------------- fork


def _after_fork_in_child() -> None:
    """A forked child must not write into the parent's file (two writers would
    corrupt it) and has no monitor thread: it stops monitoring. It may start
    its own monitoring, which opens a new file named with its own pid."""
    global _state
    was_active = _state.is_open or _state.forked_child
    ext = _ext.loaded()
    if ext is not None:
        try:
            ext.after_fork_child()
        except Exception:
            pass
    _state = _State()
    _state.forked_child = was_active


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
