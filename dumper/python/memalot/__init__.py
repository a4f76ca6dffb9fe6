"""memalot: finds memory leaks in Python programs from heap images.

The dumper writes compressed heap images of this process to a dump file;
``memalot-analyze`` reads them offline and reports objects that outlived a
time or call threshold, with the paths that keep them alive.

Importing this package never fails because of the interpreter: the native
extension is loaded when monitoring starts, and an interpreter it does not
support gets a RuntimeError there.
"""

from memalot._calls import LeakMonitor
from memalot._periodic import Stoppable
from memalot._messages import MemalotWarning
from memalot.api import (
    create_leak_monitor,
    dump,
    dump_path,
    leak_monitor,
    start_leak_monitoring,
    stop_leak_monitoring,
)
from memalot.testing import assert_no_leaks, leak_check

from memalot._version import __version__

__all__ = [
    "LeakMonitor",
    "MemalotWarning",
    "Stoppable",
    "assert_no_leaks",
    "create_leak_monitor",
    "dump",
    "dump_path",
    "leak_check",
    "leak_monitor",
    "start_leak_monitoring",
    "stop_leak_monitoring",
]
