"""Validated settings shared by the time-based and call-based monitors.

Every public entry point turns its keyword arguments into a ``Settings``
through ``make_settings`` so that a wrong option fails at once, in the
caller's thread, with a message naming the option, the value and what was
expected; nothing is validated later in the background thread. The longest
value preview is the extension's fact (PREVIEW_MAX), so ``make_settings``
imports the extension, and raises RuntimeError where there is none (after
checking every other option).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any, Callable, FrozenSet, Iterable, Optional

from memalot import _ext

DEFAULT_LIFETIME = 60.0
DEFAULT_VALUE_CAP = 64
DEFAULT_COMPRESSION_LEVEL = 3
MIN_COMPRESSION_LEVEL = -7  # zstd's fast levels
MAX_COMPRESSION_LEVEL = 22
MIN_INTERVAL = 0.5
MAX_INTERVAL = 60.0
VALUE_MODES = ("none", "truncated")

# Options of the memalot package on PyPI that steer its in-process reports.
# Our reports come from the offline analyzer, so these are accepted (code
# written for that package keeps working) and have no effect.
COMPAT_IGNORED_OPTIONS = frozenset(
    {
        "max_types_in_leak_summary",
        "compute_size_in_leak_summary",
        "max_untracked_search_depth",
        "check_referrers",
        "referrers_max_depth",
        "referrers_search_timeout",
        "single_object_referrer_limit",
        "referrers_module_prefixes",
        "referrers_max_untracked_search_depth",
        "str_func",
        "str_max_length",
        "force_terminal",
        "tee_console",
        "color",
    }
)


@dataclass(frozen=True)
class Settings:
    included_type_names: FrozenSet[str] = frozenset()
    excluded_type_names: FrozenSet[str] = frozenset()
    max_object_details: Optional[int] = None  # None: the analysis default (_memalot.ANALYSIS_DEFAULTS)
    output_func: Optional[Callable[[str], None]] = None
    save_reports: bool = True
    report_directory: Optional[str] = None  # None: MEMALOT_DIR or ~/.memalot/dumps
    dump_file: Optional[str] = None  # an exact file instead of a generated name in the directory
    report: bool = True
    max_disk_bytes: Optional[int] = None
    values: str = "none"
    value_cap: int = DEFAULT_VALUE_CAP
    compression_level: int = DEFAULT_COMPRESSION_LEVEL
    use_fork: bool = True
    fork_timeout: Optional[float] = None  # seconds to wait for an image child; None: derived
    call_deltas: bool = True  # a clean monitored call writes a tiny delta, not a full image
    follow_fork: bool = True  # a forked child keeps monitoring, into a file of its own
    record_argv: bool = True
    quiet: bool = False
    program_name: Optional[str] = None  # names the dump file; default from sys.argv[0]

    @property
    def stored_value_cap(self) -> int:
        """What the extension is told: 0 stores no values at all."""
        return self.value_cap if self.values == "truncated" else 0


def default_dump_directory() -> str:
    """MEMALOT_DIR when set, else ~/.memalot/dumps (the PyPI package keeps reports in ~/.memalot)."""
    configured = os.environ.get("MEMALOT_DIR")
    if configured:
        return os.path.abspath(os.path.expanduser(configured))
    return os.path.join(os.path.expanduser("~"), ".memalot", "dumps")


def dump_directory(settings: Settings) -> str:
    if settings.report_directory is not None:
        return os.path.abspath(os.path.expanduser(settings.report_directory))
    return default_dump_directory()


def default_interval(lifetime: float) -> float:
    """Half the lifetime, so an object that outlives it shows up in at least two
    images, clamped to [0.5 s, 60 s] so short lifetimes do not stop the program
    all the time and long ones still leave a trail of images."""
    return min(MAX_INTERVAL, max(MIN_INTERVAL, lifetime / 2.0))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_seconds(name: str, value: Any, *, allow_zero: bool) -> float:
    if not _is_number(value) or math.isnan(value) or math.isinf(value):
        raise TypeError("memalot: %s must be a finite number of seconds, got %r" % (name, value))
    if value < 0 or (value == 0 and not allow_zero):
        expected = "zero or more" if allow_zero else "more than zero"
        raise ValueError("memalot: %s must be %s seconds, got %r" % (name, expected, value))
    return float(value)


def check_count(name: str, value: Any, *, minimum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("memalot: %s must be an integer, got %r" % (name, value))
    if value < minimum:
        raise ValueError("memalot: %s must be at least %d, got %d" % (name, minimum, value))
    return value


def _check_type_names(name: str, value: Any) -> FrozenSet[str]:
    if isinstance(value, (str, bytes)):
        raise TypeError(
            "memalot: %s must be a set of type-name substrings such as {%r}, not a single string"
            % (name, value)
        )
    try:
        items = list(value)  # type: Iterable[Any]
    except TypeError:
        raise TypeError("memalot: %s must be a set of strings, got %r" % (name, value)) from None
    for item in items:
        if not isinstance(item, str):
            raise TypeError("memalot: %s must contain only strings, found %r" % (name, item))
    return frozenset(items)


def _check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("memalot: %s must be True or False, got %r" % (name, value))
    return value


def _check_path(name: str, value: Any) -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError("memalot: %s must be a path (str or os.PathLike), got %r" % (name, value))
    text = os.fspath(value)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    if not text:
        raise ValueError("memalot: %s must not be empty" % name)
    return text


def default_use_fork() -> bool:
    """Fork mode unless MEMALOT_NO_FORK is set, as for memalot-dump: one switch
    for a process whose allocator is not fork-safe (e.g. under AddressSanitizer)."""
    return os.environ.get("MEMALOT_NO_FORK", "").strip().lower() not in ("1", "true", "yes", "on")


def make_settings(
    *,
    included_type_names: Any = frozenset(),
    excluded_type_names: Any = frozenset(),
    max_object_details: Any = None,
    output_func: Any = None,
    save_reports: Any = True,
    report_directory: Any = None,
    dump_file: Any = None,
    report: Any = True,
    max_disk_bytes: Any = None,
    values: Any = "none",
    value_cap: Any = DEFAULT_VALUE_CAP,
    compression_level: Any = DEFAULT_COMPRESSION_LEVEL,
    use_fork: Any = None,
    fork_timeout: Any = None,
    call_deltas: Any = True,
    follow_fork: Any = True,
    record_argv: Any = True,
    quiet: Any = False,
    program_name: Any = None,
    **compat: Any
) -> Settings:
    unknown = sorted(set(compat) - COMPAT_IGNORED_OPTIONS)
    if unknown:
        raise TypeError("memalot: unknown option%s %s" % ("s" if len(unknown) > 1 else "", ", ".join(unknown)))
    if output_func is not None and not callable(output_func):
        raise TypeError("memalot: output_func must be callable (it receives one str), got %r" % (output_func,))
    if max_disk_bytes is not None:
        max_disk_bytes = check_count("max_disk_bytes", max_disk_bytes, minimum=1)
    if values not in VALUE_MODES:
        raise ValueError("memalot: values must be 'none' or 'truncated', got %r" % (values,))
    value_cap = check_count("value_cap", value_cap, minimum=1)
    compression_level = check_count("compression_level", compression_level, minimum=MIN_COMPRESSION_LEVEL)
    if compression_level > MAX_COMPRESSION_LEVEL:
        raise ValueError(
            "memalot: compression_level must be between %d and %d (zstd levels), got %d"
            % (MIN_COMPRESSION_LEVEL, MAX_COMPRESSION_LEVEL, compression_level)
        )
    if program_name is not None and not isinstance(program_name, str):
        raise TypeError("memalot: program_name must be a str, got %r" % (program_name,))
    settings = Settings(
        included_type_names=_check_type_names("included_type_names", included_type_names),
        excluded_type_names=_check_type_names("excluded_type_names", excluded_type_names),
        max_object_details=(
            None if max_object_details is None else check_count("max_object_details", max_object_details, minimum=0)
        ),
        output_func=output_func,
        save_reports=_check_bool("save_reports", save_reports),
        report_directory=_check_path("report_directory", report_directory),
        dump_file=_check_path("dump_file", dump_file),
        report=_check_bool("report", report),
        max_disk_bytes=max_disk_bytes,
        values=values,
        value_cap=value_cap,
        compression_level=compression_level,
        use_fork=_check_bool("use_fork", default_use_fork() if use_fork is None else use_fork),
        fork_timeout=None if fork_timeout is None else check_seconds("fork_timeout", fork_timeout, allow_zero=False),
        call_deltas=_check_bool("call_deltas", call_deltas),
        follow_fork=_check_bool("follow_fork", follow_fork),
        record_argv=_check_bool("record_argv", record_argv),
        quiet=_check_bool("quiet", quiet),
        program_name=program_name,
    )
    # Last, so that every other option is checked even where there is no extension.
    longest = _ext.preview_max()  # the writer refuses longer previews
    if value_cap > longest:
        raise ValueError("memalot: value_cap must be at most %d bytes, got %d" % (longest, value_cap))
    return settings
