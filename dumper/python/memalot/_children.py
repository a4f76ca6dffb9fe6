"""Spawned children (`memalot-dump --follow-children`): Python processes the
monitored program starts through a new interpreter (multiprocessing's spawn
and forkserver start methods, `subprocess` running the same Python,
`uvicorn --workers`) start monitoring too, with the launch's settings.

Forked children need none of this (their interpreter is a copy: _session
follows them). A new interpreter learns what to do from its environment:

- MEMALOT_CHILDREN: JSON of the monitoring settings (lifetime, warm-up,
  interval, the options the launch was given, the run folder) and the
  parent's lineage (pid, run id, launch id), which every process that opens
  a file updates in its own os.environ, so a worker's children name that
  worker as their parent;
- PYTHONPATH, led by the _bootstrap folder, whose sitecustomize calls
  start_in_child() and then imports the sitecustomize it shadows, if any.

Only an interpreter that can load this build's extension starts monitoring
(the same cache tag: CPython of the same version); any other, or a child
whose start fails, runs unmonitored and says nothing, as without memalot.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Dict, Optional

ENVIRONMENT = "MEMALOT_CHILDREN"
BOOTSTRAP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_bootstrap")
# The launch's options a child does not inherit: the exact file is the
# launch's own (children write beside it).
NOT_INHERITED = ("dump_file",)


def environment_for_children(lifetime: float, warmup: Optional[float], interval: Optional[float],
                             options: Dict[str, Any], environ: Dict[str, str]) -> Dict[str, str]:
    """What memalot-dump adds to the environment before it runs the program."""
    settings = {
        "lifetime": lifetime,
        "warmup": warmup,
        "interval": interval,
        "options": {k: v for k, v in options.items() if k not in NOT_INHERITED},
        "cache_tag": sys.implementation.cache_tag,
        "parent": None,
    }
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = [BOOTSTRAP, package_parent] + [p for p in environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return {ENVIRONMENT: json.dumps(settings), "PYTHONPATH": os.pathsep.join(path)}


def _settings() -> Optional[Dict[str, Any]]:
    text = os.environ.get(ENVIRONMENT)
    if not text:
        return None
    try:
        settings = json.loads(text)
    except ValueError:
        return None
    return settings if isinstance(settings, dict) else None


def note_open(path: str, pid: int, run_id: int, launch_id: int) -> None:
    """A process of a followed launch opened its file: the children it starts
    from now on name it as their parent and write beside it."""
    settings = _settings()
    if settings is None:
        return
    settings["parent"] = [pid, run_id, launch_id]
    settings["options"]["report_directory"] = os.path.dirname(path)
    os.environ[ENVIRONMENT] = json.dumps(settings)


def lineage() -> Optional[tuple]:
    """(parent pid, parent run id, launch id) for a spawned child, or None."""
    settings = _settings()
    parent = settings.get("parent") if settings else None
    if not isinstance(parent, list) or len(parent) != 3 or parent[0] == os.getpid():
        return None
    return tuple(int(x) for x in parent)


def start_in_child() -> None:
    """Called by the bootstrap sitecustomize at interpreter start. Never raises."""
    settings = _settings()
    if settings is None or settings.get("cache_tag") != sys.implementation.cache_tag:
        return
    if lineage() is None:
        return  # the launch's own process (memalot-dump itself): the launcher monitors it
    try:
        import atexit

        from memalot import _options, api

        lifetime = _options.check_seconds("lifetime", settings["lifetime"], allow_zero=False)
        warmup = lifetime if settings["warmup"] is None else settings["warmup"]
        interval = settings["interval"] or _options.default_interval(lifetime)
        monitor = api.start_followed(lifetime, warmup, interval,
                                     _options.make_settings(**dict(settings["options"], quiet=True)))
        atexit.register(_exit_image, monitor, os.getpid())
    except Exception:
        return


def _exit_image(monitor: Any, pid: int) -> None:
    if os.getpid() != pid:
        return
    from memalot import api

    api.finish_with_exit_image(monitor)
