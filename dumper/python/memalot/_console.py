"""The console report printed after each image, as memalot prints it: the
objects that first met the criterion at this image.

The extension runs the same analysis and renderer as memalot-analyze,
without the GIL, so the console and the CLI agree on the same dump. Nothing
is printed when nothing new qualifies, and a failing report never reaches
the program: it is warned about once.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Dict, Optional

from memalot import _messages
from memalot._options import Settings


def report_after_image(
    settings: Optional[Settings], ext: Any, path: Optional[str], result: Dict[str, Any], trigger: str
) -> None:
    """Prints the report of the image just written to path (result is the
    extension's answer for it). A call-start image has nothing to report
    yet, and a call delta holds nothing new."""
    if (settings is None or not settings.report or ext is None or path is None
            or trigger == "call-start" or result.get("kind") == "delta"):
        return
    try:
        outcome = ext.report(
            path,
            each=True,
            include=sorted(settings.included_type_names),
            exclude=sorted(settings.excluded_type_names),
            max_object_details=settings.max_object_details,
            color=_in_color(settings),
        )
    except Exception as exc:
        outcome = {"error": "%s: %s" % (type(exc).__name__, exc)}
    if "error" in outcome:
        _messages.warn_once("report", "the console report failed: %s" % outcome["error"], settings)
        return
    if outcome.get("candidates", 0) > 0:
        _messages.emit(outcome["text"].rstrip("\n"), settings)


def _in_color(settings: Settings) -> bool:
    if settings.output_func is not None or os.environ.get("NO_COLOR"):
        return False
    try:
        return sys.stderr.isatty()
    except Exception:
        return False
