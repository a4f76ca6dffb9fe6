"""Where the dump file of a session goes, and what it is called.

A generated name carries the program, the pid and the start time; an
existing dump is never overwritten, and every directory memalot creates is
private (images may hold values and argv).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from typing import Optional, Tuple

from memalot._options import Settings, dump_directory


def _program_name(settings: Settings) -> str:
    name = settings.program_name
    if not name:
        argv0 = sys.argv[0] if sys.argv and sys.argv[0] else ""
        name = os.path.splitext(os.path.basename(argv0))[0] if argv0 not in ("", "-c", "-") else ""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name or "python").strip("._") or "python"
    return name[:64]


def _stamp(now: Optional[float]) -> str:
    return time.strftime("%Y%m%d-%H%M%S", time.localtime(time.time() if now is None else now))


def default_file_name(settings: Settings, now: Optional[float] = None) -> str:
    return "%s-%d-%s.mlt" % (_program_name(settings), os.getpid(), _stamp(now))


def child_file_name(settings: Settings, parent_pid: int, now: Optional[float] = None) -> str:
    """A followed child's file: PROGRAM-PID-PARENTPID-STAMP.mlt."""
    return "%s-%d-%d-%s.mlt" % (_program_name(settings), os.getpid(), parent_pid, _stamp(now))


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


def child_path(settings: Settings, directory: str, parent_pid: int) -> Tuple[str, Optional[str]]:
    """A followed child's file, in its parent's folder (one launch, one
    folder), never the parent's own: an explicit --output names the parent's
    file only. With save_reports=False, a temporary directory of its own (the
    parent removes its directory when it closes)."""
    name = child_file_name(settings, parent_pid)
    if not settings.save_reports:
        temp_dir = tempfile.mkdtemp(prefix="memalot-")
        return os.path.join(temp_dir, name), temp_dir
    _make_private_directory(directory)
    return _unused_path(directory, name), None


def choose_path(settings: Settings, explicit: Optional[str]) -> Tuple[str, Optional[str]]:
    """Returns (file path, temporary directory to remove at close or None).
    Raises OSError when a directory cannot be created."""
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
