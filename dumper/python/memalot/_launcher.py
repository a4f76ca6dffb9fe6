"""memalot-dump: runs a Python program under time-based monitoring, unchanged.

    memalot-dump [options] script.py [args...]
    memalot-dump [options] -m module [args...]
    memalot-dump [options] attach PID        (Python 3.14+)

The program runs in this interpreter as ``__main__`` (like ``python -m
cProfile``): sys.argv and sys.path[0] are what ``python script.py`` would
give it, its exit code and uncaught exceptions are its own. Options come
from flags or MEMALOT_* environment variables; flags win.
"""

from __future__ import annotations

import argparse
import atexit
import importlib.machinery
import os
import re
import signal
import sys
import types
from typing import Any, Dict, List, Optional, Sequence, Tuple

from memalot import __version__, _attach, _children, _messages, _options, _session, api

# (flag dest, environment variable)
ENVIRONMENT = {
    "lifetime": "MEMALOT_LIFETIME",
    "warmup": "MEMALOT_WARMUP",
    "interval": "MEMALOT_INTERVAL",
    "dir": "MEMALOT_DIR",
    "output": "MEMALOT_OUTPUT",
    "max_disk_bytes": "MEMALOT_MAX_DISK_BYTES",
    "values": "MEMALOT_VALUES",
    "value_cap": "MEMALOT_VALUE_CAP",
    "compression_level": "MEMALOT_COMPRESSION_LEVEL",
    "signal": "MEMALOT_SIGNAL",
    "no_argv": "MEMALOT_NO_ARGV",
    "no_fork": "MEMALOT_NO_FORK",
    "fork_timeout": "MEMALOT_FORK_TIMEOUT",
    "no_follow_fork": "MEMALOT_NO_FOLLOW_FORK",
    "follow_children": "MEMALOT_FOLLOW_CHILDREN",
    "quiet": "MEMALOT_QUIET",
}
BOOLEAN_OPTIONS = ("no_argv", "no_fork", "no_follow_fork", "follow_children", "quiet")
EXIT_USAGE = 2


class UsageError(Exception):
    pass


# ------------------------------------------------------------------ parsing


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="memalot-dump",
        usage="memalot-dump [options] (script.py | -m module) [args...]\n"
        "       memalot-dump [options] attach PID",
        description="Run a Python program under memalot's time-based leak monitoring. "
        "Heap images go to one dump file per process; analyze it with memalot-analyze. "
        "Every option can also be set with the MEMALOT_* environment variable named in its help; "
        "a flag wins over the variable.",
    )
    add = parser.add_argument
    add("--lifetime", metavar="SECONDS", help="objects older than this are potential leaks (default 60; MEMALOT_LIFETIME)")
    add("--warmup", metavar="SECONDS", help="ignore objects created during this start-up time (default: the lifetime; MEMALOT_WARMUP)")
    add("--interval", metavar="SECONDS", help="seconds between images (default lifetime/2 within [0.5, 60]; MEMALOT_INTERVAL)")
    add("--dir", metavar="DIR", help="directory for dump files (default ~/.memalot/dumps; MEMALOT_DIR)")
    add("-o", "--output", metavar="FILE", help="write the dump to FILE instead of a new file in the directory (MEMALOT_OUTPUT)")
    add("--max-disk-bytes", metavar="N", help="disk budget for the run: every followed process's file together; K/M/G suffixes allowed (MEMALOT_MAX_DISK_BYTES)")
    add("--values", metavar="MODE", help="'none' (default) or 'truncated': store short previews of str/bytes/int/float values (MEMALOT_VALUES)")
    add("--value-cap", metavar="BYTES", help="longest value preview with --values truncated (default 64; MEMALOT_VALUE_CAP)")
    add("--compression-level", metavar="N", help="zstd level, -7..22 (default 3; MEMALOT_COMPRESSION_LEVEL)")
    add("--signal", metavar="NAME", help="signal that writes an image on demand (default USR2, 'none' to disable; MEMALOT_SIGNAL)")
    add("--no-argv", action="store_const", const=True, help="do not record the program's argv in the dump (MEMALOT_NO_ARGV=1)")
    add("--no-fork", action="store_const", const=True, help="walk the heap in-process instead of in a forked child (MEMALOT_NO_FORK=1)")
    add("--fork-timeout", metavar="SECONDS", help="kill an image child that runs longer and take later images in-process (default: 10x the previous image, at least 20; MEMALOT_FORK_TIMEOUT)")
    add("--no-follow-fork", action="store_const", const=True, help="a forked child (a server's worker) stops monitoring instead of writing a file of its own (MEMALOT_NO_FOLLOW_FORK=1)")
    add("--follow-children", action="store_const", const=True, help="also monitor Python children started through a new interpreter of this Python (multiprocessing spawn/forkserver, subprocess, uvicorn --workers), each into its own file (MEMALOT_FOLLOW_CHILDREN=1)")
    add("--quiet", action="store_const", const=True, help="print nothing but warnings (MEMALOT_QUIET=1)")
    add("-m", dest="module", metavar="MODULE", help="run a library module as a script, like python -m")
    add("--version", action="version", version="%(prog)s " + __version__)
    return parser


FLAGS_WITHOUT_VALUE = ("--no-argv", "--no-fork", "--no-follow-fork", "--follow-children", "--quiet", "-h", "--help", "--version")


def split_command_line(argv: Sequence[str]) -> Tuple[List[str], Optional[str], List[str]]:
    """Separates the launcher's options from the program and its arguments.

    Everything after the script (or after `-m module`) belongs to the program,
    even when it looks like one of our options (`-m json.tool --help`), which
    argparse alone cannot express.
    """
    ours: List[str] = []
    index = 0
    while index < len(argv):
        token = argv[index]
        if token == "--":
            return ours, None, list(argv[index + 1:])
        if token == "-m":
            if index + 1 >= len(argv):
                raise UsageError("-m needs a module name")
            return ours, argv[index + 1], list(argv[index + 2:])
        if token.startswith("-m") and not token.startswith("--"):
            return ours, token[2:], list(argv[index + 1:])
        if not token.startswith("-") or token == "-":
            return ours, None, list(argv[index:])
        ours.append(token)
        if token not in FLAGS_WITHOUT_VALUE and "=" not in token and index + 1 < len(argv):
            ours.append(argv[index + 1])
            index += 1
        index += 1
    return ours, None, []


def _environment_value(name: str, environ: Dict[str, str]) -> Any:
    raw = environ.get(ENVIRONMENT[name])
    if raw is None or raw == "":
        return None
    if name in BOOLEAN_OPTIONS:
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return None
        raise UsageError("%s must be 1 or 0, got %r" % (ENVIRONMENT[name], raw))
    return raw


def _number(name: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise UsageError("%s must be a number of seconds, got %r" % (name, text)) from None


def _integer(name: str, text: str) -> int:
    try:
        return int(text, 10)
    except ValueError:
        raise UsageError("%s must be an integer, got %r" % (name, text)) from None


_SIZE_SUFFIXES = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_size(name: str, text: str) -> int:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(?:i?[bB])?\s*", text)
    if not match:
        raise UsageError("%s must be a byte count such as 500M or 2G, got %r" % (name, text))
    value = int(float(match.group(1)) * _SIZE_SUFFIXES[match.group(2).lower()])
    if value <= 0:
        raise UsageError("%s must be more than zero bytes, got %r" % (name, text))
    return value


def parse_signal(text: str) -> Optional[int]:
    lowered = text.strip().lower()
    if lowered in ("none", "off", "0", ""):
        return None
    if lowered.isdigit():
        return int(lowered)
    name = text.strip().upper()
    if not name.startswith("SIG"):
        name = "SIG" + name
    number = getattr(signal, name, None)
    if not isinstance(number, int) or name.startswith("SIG_"):
        raise UsageError("--signal: unknown signal %r (use a name like USR2 or a number)" % (text,))
    return int(number)


def _signal_label(number: int) -> str:
    """USR2 for SIGUSR2, as `kill -USR2` takes it; the number for anything unnamed."""
    try:
        return signal.Signals(number).name[3:]
    except ValueError:
        return str(number)


class Config:
    def __init__(self) -> None:
        self.lifetime = _options.DEFAULT_LIFETIME
        self.warmup: Optional[float] = None
        self.interval: Optional[float] = None
        self.signal: Optional[int] = getattr(signal, "SIGUSR2", None)
        self.options: Dict[str, Any] = {}
        self.quiet = False
        self.follow_children = False


def build_config(args: argparse.Namespace, environ: Dict[str, str]) -> Config:
    merged = {}
    for name in ENVIRONMENT:
        flag = getattr(args, name, None)
        merged[name] = flag if flag is not None else _environment_value(name, environ)
    config = Config()
    if merged["lifetime"] is not None:
        config.lifetime = _number("--lifetime", merged["lifetime"])
    if merged["warmup"] is not None:
        config.warmup = _number("--warmup", merged["warmup"])
    if merged["interval"] is not None:
        config.interval = _number("--interval", merged["interval"])
    if merged["signal"] is not None:
        config.signal = parse_signal(merged["signal"])
    options = config.options
    if merged["dir"] is not None:
        options["report_directory"] = merged["dir"]
    if merged["output"] is not None:
        options["dump_file"] = merged["output"]
    if merged["max_disk_bytes"] is not None:
        options["max_disk_bytes"] = parse_size("--max-disk-bytes", merged["max_disk_bytes"])
    if merged["values"] is not None:
        options["values"] = merged["values"]
    if merged["value_cap"] is not None:
        options["value_cap"] = _integer("--value-cap", merged["value_cap"])
    if merged["compression_level"] is not None:
        options["compression_level"] = _integer("--compression-level", merged["compression_level"])
    options["record_argv"] = not merged["no_argv"]
    options["use_fork"] = not merged["no_fork"]
    options["follow_fork"] = not merged["no_follow_fork"]
    config.follow_children = bool(merged["follow_children"])
    if merged["fork_timeout"] is not None:
        options["fork_timeout"] = _number("--fork-timeout", merged["fork_timeout"])
    options["quiet"] = config.quiet = bool(merged["quiet"])
    options["report"] = False  # the launcher's output is the dump file; reports are memalot-analyze's job
    return config


# ------------------------------------------------------------------ running


def _prepare_script(path: str, args: List[str]) -> types.CodeType:
    """Reads and compiles the script the way `python script.py` would (source
    encoding from its cookie, tracebacks naming the file)."""
    with open(path, "rb") as source_file:
        source = source_file.read()
    code = compile(source, path, "exec", dont_inherit=True)
    sys.argv[:] = [path] + args
    return code


def _fresh_main_module(file: Optional[str]) -> types.ModuleType:
    """A new __main__ that stays in sys.modules until exit, so the exit image
    still sees the program's globals as module globals of __main__."""
    import builtins

    module = types.ModuleType("__main__")
    module.__dict__["__builtins__"] = builtins  # the module, as in python's own __main__
    if sys.version_info < (3, 14):  # python's __main__ starts with one until PEP 649
        module.__dict__["__annotations__"] = {}
    if file is not None:
        module.__file__ = file
    sys.modules["__main__"] = module
    return module


def _set_search_path(first: str, launcher_dir: Optional[str]) -> None:
    """sys.path[0] is the script's folder (or the cwd for -m), as with python;
    the launcher's own folder (bin/) does not belong to the program."""
    if launcher_dir is not None:
        sys.path[:] = [p for p in sys.path if os.path.realpath(p or ".") != launcher_dir]
    sys.path.insert(0, first)


def _run_script(path: str, args: List[str], launcher_dir: Optional[str]) -> None:
    import runpy

    if os.path.isdir(path) or _is_zip(path):
        # A folder or zip with __main__.py: runpy knows that layout.
        sys.argv[:] = [path] + args
        _set_search_path(path, launcher_dir)
        runpy.run_path(path, run_name="__main__")
        return
    # Since 3.9 python makes __main__.__file__ (and tracebacks) absolute; argv[0] stays as typed.
    file = os.path.abspath(path) if sys.version_info >= (3, 9) else path
    code = _prepare_script(file, args)
    sys.argv[0] = path
    # python resolves symlinks for sys.path[0], so a linked script imports from its real folder.
    _set_search_path(os.path.dirname(os.path.realpath(path)), launcher_dir)
    module = _fresh_main_module(file)
    module.__dict__["__cached__"] = None
    module.__dict__["__spec__"] = None
    module.__dict__["__loader__"] = importlib.machinery.SourceFileLoader("__main__", file)
    exec(code, module.__dict__)


def _is_zip(path: str) -> bool:
    import zipfile

    return os.path.isfile(path) and not path.endswith(".py") and zipfile.is_zipfile(path)


def _run_module(name: str, args: List[str], launcher_dir: Optional[str]) -> None:
    import runpy

    sys.argv[:] = [name] + args  # runpy replaces argv[0] with the module's file
    _set_search_path(os.getcwd(), launcher_dir)
    _fresh_main_module(None)
    run_as_main = getattr(runpy, "_run_module_as_main", None)
    if run_as_main is not None:
        # What `python -m` itself calls: runs in the real __main__ module.
        run_as_main(name, alter_argv=True)
    else:  # pragma: no cover - every supported CPython has it
        runpy.run_module(name, run_name="__main__", alter_sys=True)


def _trimmed_traceback(tb: Any) -> Any:
    """Drops the launcher's and runpy's frames so the traceback reads like the
    one python would print for the program."""
    import runpy

    ours = {os.path.abspath(__file__), os.path.abspath(runpy.__file__)}
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) in ours:
        tb = tb.tb_next
    return tb


# -------------------------------------------------------- monitoring hooks


def _install_signal_handler(signum: Optional[int], monitor: Any) -> None:
    """The handler runs in the main thread between bytecodes, a safe point for
    a walk. A handler the program had before is still called after ours."""
    if signum is None:
        return
    previous = signal.getsignal(signum)

    def on_signal(number: int, frame: Any) -> None:
        try:
            # A followed forked child has a monitor of its own.
            current = api.current_periodic_monitor() or monitor
            current.write_image("signal")
        except Exception:
            pass
        if callable(previous):
            previous(number, frame)

    try:
        signal.signal(signum, on_signal)
    except (ValueError, OSError) as exc:
        _messages.warn_once(
            "signal", "cannot install the handler for signal %d: %s" % (signum, exc), _session.current_settings()
        )


def _final_image_at_exit(monitor: Any, pid: int) -> None:
    """Runs after the program's own atexit handlers (ours was registered
    first). A forked child inherits this handler; when it follows its parent
    (a server's worker that exits), its own monitor writes its exit image."""
    if os.getpid() != pid:
        monitor = api.current_periodic_monitor()
        if monitor is None or not _session.is_open():
            return
    api.finish_with_exit_image(monitor)


# -------------------------------------------------------------------- main


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = _parser()
    launcher_dir = os.path.dirname(os.path.realpath(sys.argv[0])) if argv is None and sys.argv and sys.argv[0] else None
    try:
        ours, module, target = split_command_line(list(sys.argv[1:] if argv is None else argv))
    except UsageError as exc:
        parser.print_usage(sys.stderr)
        sys.stderr.write("memalot-dump: error: %s\n" % (exc,))
        return EXIT_USAGE
    args = parser.parse_args(ours)
    args.module = module
    try:
        config = build_config(args, dict(os.environ))
        _options.make_settings(**config.options)  # fail on bad options before the program runs
    except (UsageError, TypeError, ValueError) as exc:
        parser.print_usage(sys.stderr)
        sys.stderr.write("memalot-dump: error: %s\n" % (str(exc).replace("memalot: ", ""),))
        return EXIT_USAGE
    except RuntimeError:
        pass  # the other options are valid; the missing extension is reported by the start or the attach
    if args.module is None and len(target) == 2 and target[0] == "attach":
        return _attach_to(target[1], config)
    if args.module is None and not target:
        parser.print_usage(sys.stderr)
        sys.stderr.write("memalot-dump: error: give a script to run, or -m module\n")
        return EXIT_USAGE
    if args.module is None and not os.path.exists(target[0]):
        sys.stderr.write("memalot-dump: can't open file %r: no such file\n" % (target[0],))
        return EXIT_USAGE
    return _run_monitored(args.module, target, config, launcher_dir)


def _attach_to(pid_text: str, config: Config) -> int:
    try:
        return _attach.attach(
            pid_text,
            lifetime=config.lifetime,
            warmup=config.warmup,
            interval=config.interval,
            options=config.options,
            quiet=config.quiet,
        )
    except _attach.AttachRefused as exc:
        sys.stderr.write("memalot-dump attach: %s\n" % (exc,))
        return EXIT_USAGE


def _run_monitored(module: Optional[str], target: List[str], config: Config, launcher_dir: Optional[str]) -> int:
    if module is not None:
        program, program_argv = module, [module] + target
    else:
        program, program_argv = os.path.splitext(os.path.basename(target[0]))[0], list(target)
    sys.argv[:] = program_argv  # recorded in the dump file's header as the program will see it
    if config.follow_children:
        os.environ.update(_children.environment_for_children(
            config.lifetime, config.warmup, config.interval, dict(config.options, program_name=program), os.environ))
    try:
        monitor = api.start_leak_monitoring(
            config.lifetime, config.warmup, interval=config.interval, program_name=program, **config.options
        )
    except (RuntimeError, TypeError, ValueError) as exc:
        sys.stderr.write("memalot-dump: %s\n" % (str(exc).replace("memalot: ", ""),))
        return EXIT_USAGE
    if _session.is_open():
        _install_signal_handler(config.signal, monitor)
        atexit.register(_final_image_at_exit, monitor, os.getpid())
        if not config.quiet and config.signal is not None:
            sys.stderr.write("memalot: kill -%s %d writes an image now\n" % (_signal_label(config.signal), os.getpid()))
    try:
        if module is not None:
            _run_module(module, target, launcher_dir)
        else:
            _run_script(target[0], target[1:], launcher_dir)
    except (SystemExit, KeyboardInterrupt):
        raise  # the interpreter turns these into the exit status, as for the program alone
    except BaseException as exc:
        # The default hook prints the exception's own __traceback__, so trim that.
        trimmed = _trimmed_traceback(exc.__traceback__)
        exc.__traceback__ = trimmed
        sys.excepthook(type(exc), exc, trimmed)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
