"""Loads the ``_memalot`` extension lazily.

``import memalot`` loads nothing native: the pytest plugin is imported into
every pytest session where memalot is installed, and a session that uses
neither its marker nor its fixture must not be affected. memalot supports
CPython 3.10 to 3.14 (requires-python in pyproject.toml keeps installers
off older versions, where the package is not meant to import). On an
interpreter it installs on but cannot monitor (a newer CPython, a
free-threaded build: the extension imports there and says SUPPORTED =
False), or where the extension is missing, ``import memalot`` still works
and starting monitoring raises one clear RuntimeError.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Optional

_imported: Optional[ModuleType] = None  # the extension, whether or not it can monitor
_cached: Optional[ModuleType] = None  # the extension once it said it can monitor


def _unavailable(reason: str) -> RuntimeError:
    version = "%d.%d.%d" % sys.version_info[:3]
    return RuntimeError(
        "memalot cannot monitor this interpreter (Python %s, %s): %s. "
        "memalot supports CPython 3.10 to 3.14 with its _memalot extension built for that version."
        % (version, sys.implementation.name, reason)
    )


def _import() -> ModuleType:
    global _imported
    if _imported is None:
        try:
            from memalot import _memalot as module
        except ImportError as exc:
            raise _unavailable("the _memalot extension could not be imported (%s)" % exc) from None
        _imported = module
    return _imported


def load() -> ModuleType:
    """Returns the extension module, or raises RuntimeError saying why it cannot be used."""
    global _cached
    if _cached is not None:
        return _cached
    module = _import()
    if not module.SUPPORTED:
        raise _unavailable("the _memalot extension reports this version as unsupported")
    _cached = module
    return module


def loaded() -> Optional[ModuleType]:
    """The extension if it was loaded already; never imports it (safe in fork handlers)."""
    return _cached


def preview_max() -> int:
    """The longest value preview the writer stores (MLT_PREVIEW_MAX). Read
    even where the extension cannot monitor, so that a bad value_cap is
    reported as such there too; RuntimeError when there is no extension."""
    return _import().PREVIEW_MAX
