# Type stubs for memalot._memalot, the CPython extension (dumper/src/py_module.c,
# py_report.c, py_compact.c). The result dicts are TypedDicts where their shape
# is fixed; they and the unions of them (private aliases) exist for type
# checkers only (@type_check_only). Trigger names
# and criterion kinds stay `str` here: the extension exports them (TRIGGERS,
# CRITERION_KINDS) and a Literal would be a second copy of that list.

from contextvars import ContextVar
from os import PathLike
from types import CodeType
from typing import Any, Literal, Sequence, TypeAlias, TypedDict, Union, type_check_only

SUPPORTED: bool
__version__: str
TRIGGERS: tuple[str, ...]
CRITERION_KINDS: tuple[str, ...]
PREVIEW_MAX: int

@type_check_only
class AnalysisDefaults(TypedDict):
    max_object_details: int
    max_paths: int
    max_path_length: int

ANALYSIS_DEFAULTS: AnalysisDefaults  # mla_options_init's values, the one owner

@type_check_only
class Error(TypedDict):
    error: str

@type_check_only
class ImageWritten(TypedDict):
    image: int
    objects: int
    edges: int
    roots: int
    bytes: int
    file_size: int
    pause_ns: int
    total_ns: int
    mode: Literal["fork", "inprocess"]
    kind: Literal["full", "delta"]
    call_born: int
    monotonic_time: float

@type_check_only
class ImageArmed(TypedDict):
    """A call-start with call deltas: the births log was armed, nothing written."""

    image: None
    kind: Literal["armed"]
    total_ns: int

@type_check_only
class ImageDiscarded(TypedDict):
    """The image child overran its deadline and was killed."""

    image: None
    kind: Literal["discarded"]
    discarded: str
    total_ns: int

_DumpResult: TypeAlias = Union[ImageWritten, ImageArmed, ImageDiscarded, Error]

@type_check_only
class Report(TypedDict):
    text: str
    candidates: int
    image: int

_ReportResult: TypeAlias = Union[Report, Error]

@type_check_only
class Compacted(TypedDict):
    dropped: int
    file_size: int

_CompactResult: TypeAlias = Union[Compacted, Error]

@type_check_only
class RunBytes(TypedDict):
    bytes: int

_RunBytesResult: TypeAlias = Union[RunBytes, Error]

@type_check_only
class IdentityStatus(TypedDict):
    source: Literal["reftracer", "alloc-hook", "none"]
    tracer_replaced: int
    trashcan_always: bool

@type_check_only
class Memory(TypedDict):
    marks: int
    visited: int
    maps: int
    snapshot: int
    calllog: int
    total: int

def open_monitor(
    path: Union[str, bytes, PathLike[str], PathLike[bytes]],
    *,
    compression_level: int = 3,
    value_cap: int = 0,
    argv: Union[Sequence[str], None] = None,
    argv_withheld: bool = False,
    run_id: int = 0,
    start_time: float = 0.0,
    append: bool = False,
    use_fork: bool = True,
    own_code: Union[tuple[CodeType, ...], None] = None,
    call_deltas: bool = True,
    fork_timeout: float = 0.0,
    parent_pid: int = 0,
    parent_run_id: int = 0,
    launch_id: int = 0,
    open_calls: Union[ContextVar[Any], None] = None,
) -> None: ...
def dump(
    trigger: str,
    *,
    call_counter: int = 0,
    function: Union[str, None] = None,
    criterion: Union[tuple[str, float, float], tuple[str, int, int], None] = None,
    fork: Union[bool, None] = None,
) -> _DumpResult: ...
def settle_pending() -> Union[dict[str, Any], None]: ...
def close_monitor() -> None: ...
def monitor_path() -> Union[str, None]: ...
def identity_status() -> IdentityStatus: ...
def memory() -> Union[Memory, None]: ...
def after_fork_child() -> None: ...
def report(
    path: str,
    *,
    each: bool = True,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    max_object_details: Union[int, None] = None,
    color: bool = False,
) -> _ReportResult: ...
def compact(target_bytes: int, protected_image: Union[int, None] = None) -> _CompactResult: ...
def run_bytes(directory: Union[str, bytes, PathLike[str], PathLike[bytes]], launch_id: int) -> _RunBytesResult: ...
