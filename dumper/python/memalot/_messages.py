"""What memalot tells the user: informational lines and one warning per kind
of problem per session.

Lines go to the output_func of the settings the caller passes (the
session's, or those of the call being made) when they have one, else to
stderr; warnings go through output_func or the warnings module. Nothing here raises
into the monitored program: a broken output_func or a warnings filter that
turns warnings into errors falls back to stderr.
"""

from __future__ import annotations

import sys
import warnings
from typing import Optional, Set

from memalot._options import Settings


class MemalotWarning(RuntimeWarning):
    """Issued once when memalot stops writing images; the program is unaffected."""


# Kinds of problem warned about in this session (see warn_once).
_warned: Set[str] = set()


def forget_warnings() -> None:
    """A new session (or a forked child) warns afresh about every kind of problem."""
    global _warned
    _warned = set()


def say(message: str, settings: Optional[Settings] = None) -> None:
    """Informational line (where dumps go): output_func, else stderr."""
    if settings is not None and settings.quiet:
        return
    emit("memalot: " + message, settings)


def emit(line: str, settings: Optional[Settings]) -> None:
    """One line through settings.output_func, else stderr; never raises."""
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
    if key in _warned:
        return
    _warned.add(key)
    if settings is not None and settings.output_func is not None:
        emit("memalot warning: " + message, settings)
        return
    try:
        warnings.warn(message, MemalotWarning, stacklevel=3)
    except Exception:
        emit("memalot warning: " + message, None)
