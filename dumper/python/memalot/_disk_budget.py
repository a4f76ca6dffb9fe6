"""The disk budget (max_disk_bytes) of the run: every file of one launch
(the process memalot-dump started and the children it follows) in its run
folder, together.

Each process keeps its own file within the budget less what the launch's
other files take at that moment (the extension's run_bytes reads the
folder): the first processes may use most of it, and when the others grow,
each one drops its own oldest images, never another process's. A file that
can no longer fit even its two kept images stops being written (one
warning, that process goes on unmonitored); the files of processes that
have exited keep their space. A run alone in its folder is a single file's
budget, as before.

The budget must hold whatever happens: an image that would likely push the
file past it is refused before the disk is touched (estimated by the
previous image's size), and a file that outgrew it anyway is compacted by
the extension, which drops old images but keeps the first image after the
warm-up (ages stay computable) and the newest. When compaction cannot bring
the file under the budget, the session stops writing images: the functions
here return the reason and the session disables itself with it.
"""

from __future__ import annotations

import array
import os
from typing import Any, Dict, Optional


class FileLedger:
    """What the budget knows of the open file: images written, file size,
    stored size of the newest image (the file growth it caused), the
    image the budget keeps (the first after the warm-up, -1: none yet) and
    the time of the first image (for the periodic schedule's warm-up image).

    Kept in preallocated machine words: an int above 256 stored in an
    attribute is a new object that would live from one image to the next,
    and the images of a monitored call would report it as created by the call.
    """

    def __init__(self) -> None:
        self._counts = array.array("q", [0, 0, 0, -1])
        self._first_image_time = array.array("d", [0.0])

    @property
    def images(self) -> int:
        return self._counts[0]

    @images.setter
    def images(self, value: int) -> None:
        self._counts[0] = value

    @property
    def file_size(self) -> int:
        return self._counts[1]

    @file_size.setter
    def file_size(self, value: int) -> None:
        self._counts[1] = value

    @property
    def last_image_bytes(self) -> int:
        return self._counts[2]

    @last_image_bytes.setter
    def last_image_bytes(self, value: int) -> None:
        self._counts[2] = value

    @property
    def protected_image(self) -> Optional[int]:
        """The first image after the warm-up, which the disk budget keeps."""
        value = self._counts[3]
        return None if value < 0 else value

    @protected_image.setter
    def protected_image(self, value: Optional[int]) -> None:
        self._counts[3] = -1 if value is None else value

    @property
    def first_image_time(self) -> Optional[float]:
        """The monotonic time the file's first image records (None: no image
        yet): the analyzer measures the warm-up from it."""
        return self._first_image_time[0] if self.images > 0 else None

    def start(self, path: str) -> None:
        """A new file: no images yet, its size as the header left it."""
        self.images = 0
        self.last_image_bytes = 0
        self.file_size = file_size(path)
        self.protected_image = None

    def record_image(self, result: Dict[str, Any], after_warmup: bool) -> None:
        """An image was appended; result is the extension's answer for it."""
        if self.images == 0:
            self._first_image_time[0] = float(result.get("monotonic_time", 0.0) or 0.0)
        self.images += 1
        size = int(result.get("file_size", 0) or 0)
        self.last_image_bytes = max(0, size - self.file_size)
        self.file_size = size
        if after_warmup and self.protected_image is None:
            self.protected_image = int(result.get("image", self.images - 1))


def own_share(ext: Any, path: Optional[str], max_disk_bytes: int, launch_id: int) -> int:
    """What this process's file may take: the run's budget less the
    launch's other files in the folder now (none counted if it cannot be
    listed: the file alone then keeps the budget)."""
    if not path or not launch_id:
        return max_disk_bytes
    try:
        others = ext.run_bytes(os.path.dirname(path), launch_id)
    except Exception:
        return max_disk_bytes
    if not isinstance(others, dict) or "bytes" not in others:
        return max_disk_bytes
    return max_disk_bytes - int(others["bytes"])


def allows_next_image(
    ledger: FileLedger, ext: Any, path: Optional[str], max_disk_bytes: Optional[int], launch_id: int = 0
) -> Optional[str]:
    """None when the next image may be written: it is unlikely to push the
    file past its share of max_disk_bytes, or compaction made room for it.
    Otherwise why the budget cannot be kept."""
    if max_disk_bytes is None or ledger.images == 0:
        return None
    share = own_share(ext, path, max_disk_bytes, launch_id)
    if file_size(path) + ledger.last_image_bytes <= share:
        return None
    return _compact(ledger, ext, path, max_disk_bytes, share - ledger.last_image_bytes, share)


def enforce_after(
    ledger: FileLedger,
    ext: Any,
    path: Optional[str],
    max_disk_bytes: Optional[int],
    result: Dict[str, Any],
    launch_id: int = 0,
) -> Optional[str]:
    """Compacts a file the image just written took past its share of
    max_disk_bytes. None when the file is within it, else why it cannot be."""
    if max_disk_bytes is None:
        return None
    share = own_share(ext, path, max_disk_bytes, launch_id)
    if int(result.get("file_size", 0) or 0) <= share:
        return None
    return _compact(ledger, ext, path, max_disk_bytes, share, share)


def _compact(
    ledger: FileLedger, ext: Any, path: Optional[str], max_disk_bytes: int, target_bytes: int, share: int
) -> Optional[str]:
    """Drops old images through the extension. None when the file now fits
    target_bytes, else why it cannot be kept under the budget.

    Contract: ``_memalot.compact(target_bytes, protected_image) -> dict``
    rewrites the open file to at most target_bytes with mlt_compact_to_budget
    (format/include/memalot/compact.h), keeping the image whose sequence is
    protected_image (None: none) and the newest image, then goes on appending;
    it returns {"dropped": n, "file_size": bytes} or {"error": message}.
    """
    if target_bytes <= 0:
        if share < max_disk_bytes:
            return _cannot_keep(
                max_disk_bytes,
                "the run's other files take %d bytes of it, one image of this process %d"
                % (max_disk_bytes - share, ledger.last_image_bytes),
            )
        return _cannot_keep(max_disk_bytes, "one image takes %d bytes" % ledger.last_image_bytes)
    try:
        outcome = ext.compact(target_bytes, ledger.protected_image)
    except Exception as exc:
        outcome = {"error": "%s: %s" % (type(exc).__name__, exc)}
    if isinstance(outcome, dict) and "error" not in outcome and file_size(path) <= target_bytes:
        ledger.file_size = file_size(path)
        return None
    reason = outcome.get("error") if isinstance(outcome, dict) else None
    return _cannot_keep(max_disk_bytes, reason or "still %d bytes after compaction" % file_size(path))


def _cannot_keep(max_disk_bytes: int, reason: str) -> str:
    return "the dump file cannot be kept under max_disk_bytes=%d (%s)" % (max_disk_bytes, reason)


def file_size(path: Optional[str]) -> int:
    try:
        return os.stat(path).st_size if path else 0
    except OSError:
        return 0
