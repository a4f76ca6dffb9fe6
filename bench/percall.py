"""What a monitored call costs when it leaks nothing, on a big heap.

Builds a heap of about N live objects (default 10^6, as bench/pause.py), then
times the same small function (it builds and drops about 300 objects: a
list of instances, a dict of strs, ints and floats) in three ways, in this
one process:
  - bare: the function alone;
  - deltas: under @memalot.leak_monitor with call deltas (the default on
    every supported Python): call-start arms the births log, call-end checks it and appends a
    ~120-byte delta image;
  - full: the same monitor with call_deltas=False: a full heap image at the
    start and at the end of every call.
Prints the median extra time per call over bare, and the ratio full/deltas.
Target (issues #3, #15): a clean call costs <= 1 ms extra at 10^6 live
objects, O(objects created in the call), not O(heap).

Usage: python bench/percall.py [N] [CALLS]   (PYTHONPATH must hold the build's package)
"""
import os
import statistics
import sys
import tempfile
import time

from heap import Item, build_heap

import memalot
from memalot import _session


def work():
    """Creates ~300 objects, keeps none."""
    parts = [Item(i) for i in range(40)]
    names = {i: str(i) * 2 for i in range(60)}
    total = sum(i * i + 1 for i in range(100)) + sum(p.weight * 1.5 for p in parts)
    return None if total < 0 or not names else None


def heavy_work():
    """Creates ~100,000 objects, keeps none: shows the cost per object created."""
    parts = [Item(i) for i in range(20000)]
    return None if parts else None


def time_calls(func, calls):
    times = []
    for _ in range(calls):
        t0 = time.perf_counter_ns()
        func()
        times.append(time.perf_counter_ns() - t0)
    return statistics.median(times) / 1e6, times


def monitored(directory, name, **options):
    return memalot.leak_monitor(max_object_age_calls=1, report=False, quiet=True,
                                dump_file=os.path.join(directory, name), **options)(work)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
    calls = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    heap = build_heap(n)
    directory = tempfile.mkdtemp(prefix="memalot-percall-")
    bare_ms, _ = time_calls(work, calls)
    deltas = monitored(directory, "deltas.mlt")
    deltas()  # the first call takes the base image
    delta_file = memalot.dump_path()
    size_base = os.path.getsize(delta_file)
    deltas_ms, _ = time_calls(deltas, calls)
    size_after = os.path.getsize(delta_file)
    heavy_bare_ms, _ = time_calls(heavy_work, 20)
    heavy = memalot.leak_monitor(max_object_age_calls=1, report=False, quiet=True)(heavy_work)
    heavy_ms, _ = time_calls(heavy, 20)
    # A fresh monitor for the full-image run (one dump file per monitor).
    _session.close()
    full = monitored(directory, "full.mlt", call_deltas=False)
    full_calls = max(3, calls // 40)
    full()
    full_ms, _ = time_calls(full, full_calls)
    print("heap: %d live objects (%d Items); %d calls each (%d with full images)"
          % (n, len(heap), calls, full_calls))
    print("bare call:                 %8.3f ms" % bare_ms)
    print("monitored, call deltas:    %8.3f ms  (+%.3f ms per call; target <= 1 ms)"
          % (deltas_ms, deltas_ms - bare_ms))
    print("monitored, full images:    %8.3f ms  (+%.3f ms per call)" % (full_ms, full_ms - bare_ms))
    print("call creating 100,000 objects: %.2f ms bare, %.2f ms with deltas (+%.0f ns per object created)"
          % (heavy_bare_ms, heavy_ms, (heavy_ms - heavy_bare_ms) * 1e6 / 100000))
    print("ratio full/deltas (extra time): %.0fx"
          % ((full_ms - bare_ms) / max(deltas_ms - bare_ms, 1e-6)))
    print("dump with deltas: base image %d bytes, then %.0f bytes per clean call"
          % (size_base, (size_after - size_base) / max(calls, 1)))
    _session.close()


if __name__ == "__main__":
    main()
