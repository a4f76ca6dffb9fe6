"""How long the program stops for one memalot image, next to a full gc.collect().

Builds a heap of about N live objects (default 10^6: instances with a list,
a str and a float each, plus dicts and tuples), then measures, each a few
times (the median is printed):
  - gc.collect() wall time;
  - _memalot.dump() pause_ns in fork mode (the program stops for fork()) and in
    in-process mode (it stops for the walk; encoding runs without the GIL);
  - total_ns of each dump, and the image size.
Target (issue): fork-mode pause <= 0.5 x gc.collect() at 10^6 objects.

Usage: python bench/pause.py [N] [REPEATS]   (PYTHONPATH must hold the build's package)
"""
import gc
import os
import statistics
import sys
import tempfile
import time

from heap import build_heap

from memalot import _memalot


def median_ms(values):
    return statistics.median(values) / 1e6


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    heap = build_heap(n)
    gc_times = []
    for _ in range(repeats):
        t0 = time.perf_counter_ns()
        gc.collect()
        gc_times.append(time.perf_counter_ns() - t0)
    path = os.path.join(tempfile.mkdtemp(prefix="memalot-bench-"), "pause.mlt")
    _memalot.open_monitor(path)
    results = {"fork": [], "inprocess": []}
    for _ in range(repeats):
        for mode in results:
            r = _memalot.dump("manual", fork=(mode == "fork"))
            if "error" in r:
                sys.exit("dump failed: %s" % r["error"])
            results[mode].append(r)
    _memalot.close_monitor()
    gc_ms = median_ms(gc_times)
    objects = results["fork"][-1]["objects"]
    print("python %s, %d objects in the image, %d live Items" % (
        sys.version.split()[0], objects, len(heap)))
    print("gc.collect():            %8.1f ms" % gc_ms)
    for mode, rs in results.items():
        pause = median_ms([r["pause_ns"] for r in rs])
        total = median_ms([r["total_ns"] for r in rs])
        size = statistics.median([r["bytes"] for r in rs])
        print("%-10s pause %8.1f ms  (%.2fx gc.collect)   total %8.1f ms   image %.1f MB"
              " (%.1f bytes/object)" % (mode, pause, pause / gc_ms, total, size / 1e6,
                                        size / objects))
    os.unlink(path)


if __name__ == "__main__":
    main()
