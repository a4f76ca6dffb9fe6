"""The dumper's own memory next to the program's heap.

Builds a heap of about N live objects (default 10^6, bench/heap.py), takes
images in fork mode (the default) and in-process, and prints:
  - the program's heap: RSS growth while building it;
  - the monitor's C memory between images (`_memalot.memory()`: identity
    marks, the walk's visited set and maps, kept image buffers, the births
    log) and its ratio to the heap. Target (issue #3): below 5%;
  - the peak during an in-process image (growth of this process's maximum
    RSS while it is taken), and in fork mode the dump child's maximum RSS
    (it shares the parent's pages copy-on-write, so that includes them).

Usage: python bench/footprint.py [N]   (PYTHONPATH must hold the build's package)
"""
import os
import resource
import sys
import tempfile

from heap import build_heap

from memalot import _memalot


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def max_rss_bytes(who=resource.RUSAGE_SELF):
    return resource.getrusage(who).ru_maxrss * 1024


def mib(n):
    return n / (1 << 20)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
    before = rss_bytes()
    heap = build_heap(n)
    heap_bytes = rss_bytes() - before
    path = os.path.join(tempfile.mkdtemp(prefix="memalot-footprint-"), "footprint.mlt")
    _memalot.open_monitor(path)
    print("heap: about %d objects (%d Items), %.1f MiB of RSS" % (n, len(heap), mib(heap_bytes)))
    for mode in ("fork", "inprocess"):
        peak_before = max_rss_bytes()
        for _ in range(3):
            result = _memalot.dump("manual", fork=mode == "fork")
            assert "error" not in result, result
        parts = _memalot.memory()
        peak = max_rss_bytes() - peak_before
        print("%-9s images of %d objects, %d edges:" % (mode, result["objects"], result["edges"]))
        print("    between images: %.2f MiB = %.2f%% of the heap (target < 5%%): %s"
              % (mib(parts["total"]), 100.0 * parts["total"] / heap_bytes,
                 ", ".join("%s %.2f" % (k, mib(v)) for k, v in parts.items() if k != "total")))
        if mode == "inprocess":
            print("    peak during an image: +%.1f MiB of this process's RSS (%.0f%% of the heap)"
                  % (mib(peak), 100.0 * peak / heap_bytes))
        else:
            print("    dump child's maximum RSS: %.1f MiB (shared pages included)"
                  % mib(max_rss_bytes(resource.RUSAGE_CHILDREN)))
    _memalot.close_monitor()


if __name__ == "__main__":
    main()
