"""``memalot-dump attach PID``: starts time-based monitoring in a running
process (Python 3.14+, sys.remote_exec, PEP 768).

The target runs a small script that puts this package on its sys.path and
calls memalot.start_leak_monitoring with the launcher's options; it writes
its dump file itself. Everything that can be checked here is checked before
the target is touched, because an error there only reaches its own stderr.
"""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Any, Dict, Optional

from memalot import _ext, _options

ATTACH_SCRIPT = """\
import os, sys
try:
    os.unlink({script!r})
except OSError:
    pass
if {package_dir!r} not in sys.path:
    sys.path.insert(0, {package_dir!r})
try:
    import memalot
    memalot.start_leak_monitoring({lifetime!r}, {warmup!r}, interval={interval!r}, **{options!r})
except Exception as exc:
    sys.stderr.write("memalot attach: monitoring could not start: %s\\n" % (exc,))
"""


class AttachRefused(Exception):
    """The attach cannot be tried (wrong Python, bad PID, no extension here);
    the launcher reports it as a usage error."""


def attach(
    pid_text: str,
    *,
    lifetime: float,
    warmup: Optional[float],
    interval: Optional[float],
    options: Dict[str, Any],
    quiet: bool,
) -> int:
    """Asks process pid_text to start monitoring. Returns 0 once the target
    accepted the script, 1 when it could not be reached; raises AttachRefused
    when attaching cannot be tried at all."""
    if sys.version_info < (3, 14) or not hasattr(sys, "remote_exec"):
        raise AttachRefused(
            "attaching to a running process needs Python 3.14 or newer "
            "(sys.remote_exec, PEP 768); this is Python %d.%d. On older versions start the program "
            "under memalot-dump, or call memalot.start_leak_monitoring() in it." % sys.version_info[:2]
        )
    try:
        pid = int(pid_text)
    except ValueError:
        raise AttachRefused("PID must be a process id, got %r" % (pid_text,)) from None
    try:
        # The target loads this same package on this same Python version: if
        # the extension cannot monitor here, it cannot there either, and the
        # target would only print the error on its own stderr.
        _ext.load()
    except RuntimeError as exc:
        raise AttachRefused("not attaching to process %d: %s" % (pid, exc)) from None
    options = {k: v for k, v in options.items() if k != "report"}
    script = _write_script(lifetime, warmup, interval, options)
    try:
        sys.remote_exec(pid, script)  # type: ignore[attr-defined]
    except Exception as exc:
        os.unlink(script)
        sys.stderr.write("memalot-dump attach: cannot run code in process %d: %s\n" % (pid, exc))
        return 1
    if not quiet:
        sys.stderr.write(
            "memalot-dump: asked process %d to start monitoring; it writes to %s\n"
            % (pid, _options.dump_directory(_options.make_settings(**options)))
        )
    return 0


def _write_script(lifetime: float, warmup: Optional[float], interval: Optional[float], options: Dict[str, Any]) -> str:
    """The script the target runs; it removes itself first."""
    handle, script = tempfile.mkstemp(prefix="memalot-attach-", suffix=".py")
    package_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with os.fdopen(handle, "w") as out:
        out.write(
            ATTACH_SCRIPT.format(
                script=script,
                package_dir=package_dir,
                lifetime=lifetime,
                warmup=warmup,
                interval=interval,
                options=options,
            )
        )
    os.chmod(script, 0o644)  # the target may run as another user with ptrace rights
    return script
