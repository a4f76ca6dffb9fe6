#!/usr/bin/env python3
"""Soak: a monitored program runs for a long time with an image every second.

The program (run under one interpreter with the build's memalot package)
churns short-lived objects and leaks `SoakLeak` objects at a known rate,
each holding a 16 KiB bytes payload, so the leak's memory is known exactly
(it reports how many it has leaked and their size). It runs
start_leak_monitoring(lifetime, warmup, interval=1) with a small
max_disk_bytes so that compaction runs over and over.

Meanwhile this script samples, every second, the program's RSS
(/proc/PID/status) and the dump file's size. It checks that

  * the dumper's own memory stays flat: the residual RSS - (leaked objects x
    their size) has a least-squares slope over the second half of the run of
    at most --slope-tolerance bytes/s (a falling residual, e.g. the kernel
    reclaiming pages, is not a leak);
  * the file stays under the budget: after every image, file size <=
    max_disk_bytes + that image's growth over the previous one (the budget
    is kept by estimating the next image by the previous one; see
    docs/user-guide.md), and every per-second sample as well;
  * compaction ran, no image failed and memalot never warned;
  * `memalot-analyze report --json` on the final dump finds SoakLeak as a
    leak with a count consistent with leak rate x (last image time -
    warm-up - lifetime), within --count-tolerance.

It prints its figures and exits 1 on any failure.

    python3 bench/soak.py --build build [--seconds 600] [--python /usr/bin/python3]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

PROGRAM = r'''
import json, os, sys, time
import memalot
from memalot import _memalot

seconds, rate, lifetime, warmup, budget, path = sys.argv[1:7]
seconds, rate, lifetime, warmup, budget = (float(seconds), int(rate), float(lifetime),
                                           float(warmup), int(budget))
images, compactions = [], []
_real_dump, _real_compact = _memalot.dump, _memalot.compact

def dump(*args, **kw):
    r = _real_dump(*args, **kw)
    images.append({k: r.get(k) for k in ("image", "file_size", "bytes", "total_ns", "error")})
    return r

def compact(*args, **kw):
    r = _real_compact(*args, **kw)
    compactions.append(r)
    return r

_memalot.dump, _memalot.compact = dump, compact

class SoakLeak:
    __slots__ = ("payload", "serial")
    def __init__(self, serial):
        self.payload = bytes(16384)
        self.serial = serial

leaked = []
one = SoakLeak(-1)
item_bytes = sys.getsizeof(one) + sys.getsizeof(one.payload)
del one
print("ITEM %d" % item_bytes, flush=True)
start = time.monotonic()
memalot.start_leak_monitoring(lifetime, warmup, interval=1.0, dump_file=path,
                              max_disk_bytes=budget, report=False)
tick = 0
while time.monotonic() - start < seconds:
    tick += 1
    for k in range(rate):
        leaked.append(SoakLeak(len(leaked)))
    # Churn: short-lived containers, instances and strings, dropped within the tick.
    deadline = start + tick
    while time.monotonic() < deadline:
        batch = [{"i": i, "s": str(i), "l": [i, float(i)]} for i in range(2000)]
        del batch
        time.sleep(0.02)
    print("LEAKED %d %.3f" % (len(leaked), time.monotonic() - start), flush=True)
memalot.stop_leak_monitoring()
print("RESULT " + json.dumps({"images": images, "compactions": compactions,
                              "leaked": len(leaked)}), flush=True)
'''


def configured_python(build):
    with open(os.path.join(build, "memalot-pythons.json")) as f:
        entries = json.load(f)
    return entries[0]["executable"], {e["version"]: e["package_dir"] for e in entries}


def package_for(build, python):
    _, packages = configured_python(build)
    version = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    if version not in packages:
        raise SystemExit("soak: the build at %s has no memalot package for Python %s" % (build, version))
    return packages[version], version


def rss_bytes(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def slope(points):
    """Least-squares slope of [(x, y), ...]."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
    return sxy / sxx if sxx else 0.0


class Sampler(threading.Thread):
    """Reads the program's stdout (leak counts) while sampling RSS and file size."""

    def __init__(self, proc, path):
        super().__init__(daemon=True)
        self.proc, self.path = proc, path
        self.item_bytes = None
        self.leaked = 0
        self.samples = []  # (seconds, rss, leaked, file size)
        self.result = None
        self.lines = []

    def run(self):
        reader = threading.Thread(target=self._read, daemon=True)
        reader.start()
        start = time.monotonic()
        while self.proc.poll() is None:
            rss = rss_bytes(self.proc.pid)
            try:
                size = os.path.getsize(self.path)
            except OSError:
                size = 0
            if rss is not None and self.leaked:  # from the first tick on: monitoring runs
                self.samples.append((time.monotonic() - start, rss, self.leaked, size))
            time.sleep(1.0)
        reader.join()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)
            if line.startswith("ITEM "):
                self.item_bytes = int(line.split()[1])
            elif line.startswith("LEAKED "):
                self.leaked = int(line.split()[1])
            elif line.startswith("RESULT "):
                self.result = json.loads(line[len("RESULT "):])


def find_leak(report, type_name):
    """(count, shallow bytes) of type_name among the report's leak types."""
    for entry in report.get("leaks", []):
        if entry.get("type") == type_name:
            return entry.get("count", 0), entry.get("shallow_bytes", 0)
    return 0, 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=os.environ.get("MEMALOT_BUILD_DIR", os.path.join(REPO, "build")))
    parser.add_argument("--python", help="interpreter (default: the one the build was configured with)")
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--rate", type=int, default=10, help="SoakLeak objects leaked per second")
    parser.add_argument("--lifetime", type=float, default=3.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    # Small enough that compaction runs every few images, large enough that the
    # newest images kept after a compaction still span more than the lifetime
    # (see docs/reliability.md: with fewer, time-based reports find nothing).
    parser.add_argument("--budget", type=int, default=6 << 20, help="max_disk_bytes")
    parser.add_argument("--slope-tolerance", type=float, default=16384.0,
                        help="bytes/s the residual RSS may grow or shrink (default 16 KiB/s)")
    parser.add_argument("--count-tolerance", type=float, default=0.10,
                        help="relative error allowed on the reported leak count")
    parser.add_argument("--keep", help="directory to keep the dump in (default: a temporary one)")
    args = parser.parse_args(argv)

    build = os.path.abspath(args.build)
    python = args.python or configured_python(build)[0]
    package, version = package_for(build, python)
    analyze = os.path.join(build, "bin", "memalot-analyze")
    workdir = args.keep or tempfile.mkdtemp(prefix="memalot-soak-")
    os.makedirs(workdir, exist_ok=True)
    dump = os.path.join(workdir, "soak.mlt")
    if os.path.exists(dump):
        os.unlink(dump)
    env = dict(os.environ, PYTHONPATH=package, PYTHONDONTWRITEBYTECODE="1")
    env.pop("MEMALOT_DIR", None)
    print("soak: Python %s (%s), %gs, an image every 1s, leak %d x SoakLeak/s, lifetime %gs, "
          "warm-up %gs, max_disk_bytes %d" % (version, python, args.seconds, args.rate,
                                              args.lifetime, args.warmup, args.budget), flush=True)
    proc = subprocess.Popen([python, "-c", PROGRAM, str(args.seconds), str(args.rate),
                             str(args.lifetime), str(args.warmup), str(args.budget), dump],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = Sampler(proc, dump)
    sampler.start()
    stderr = proc.stderr.read()
    proc.wait()
    sampler.join()
    failures = []
    try:
        failures = check(args, analyze, dump, proc.returncode, stderr, sampler)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    if failures:
        for failure in failures:
            print("soak: FAIL: " + failure)
        return 1
    print("soak: OK")
    return 0


def check(args, analyze, dump, returncode, stderr, sampler):
    failures = []
    if returncode != 0 or sampler.result is None:
        return ["the program failed (exit %s): %s" % (returncode, stderr[-2000:])]
    if "MemalotWarning" in stderr or "memalot warning" in stderr:
        failures.append("memalot warned: %s" % stderr[-1000:])
    result, item = sampler.result, sampler.item_bytes
    images = result["images"]
    errors = [i for i in images if i.get("error")]
    if errors:
        failures.append("%d images failed, first: %s" % (len(errors), errors[0]["error"]))

    # Memory: the residual RSS beyond the known leak must not grow.
    points = [(t, rss - leaked * item) for t, rss, leaked, _ in sampler.samples]
    half = [p for p in points if p[0] >= args.seconds / 2]
    rss_slope = slope(half) if len(half) >= 3 else float("nan")
    first, last = sampler.samples[0], sampler.samples[-1]
    print("RSS: start %.1f MiB, end %.1f MiB; known leak %.1f MiB (%d x %d B); residual start "
          "%.1f MiB, end %.1f MiB; residual slope over the second half %+.0f B/s (tolerance "
          "+-%.0f B/s; the leak itself grows %.0f B/s)"
          % (first[1] / 2**20, last[1] / 2**20, last[2] * item / 2**20, last[2], item,
             points[0][1] / 2**20, points[-1][1] / 2**20, rss_slope, args.slope_tolerance,
             args.rate * item))
    # Only growth is a leak in the leak finder: RSS can fall (pages reclaimed,
    # arenas returned), as a 60 s run under load showed at -58 KB/s.
    if not rss_slope <= args.slope_tolerance:
        failures.append("residual RSS slope %+.0f B/s exceeds %.0f B/s" % (rss_slope, args.slope_tolerance))

    # Disk: under the budget after every image, up to that image's growth.
    written = [i for i in images if not i.get("error")]
    worst_over, allowance = 0, 0
    for previous, image in zip(written, written[1:]):
        growth = max(0, image["bytes"] - previous["bytes"])
        allowance = max(allowance, growth)
        if image["file_size"] > args.budget + growth:
            worst_over = max(worst_over, image["file_size"] - args.budget - growth)
    max_sampled = max(size for _, _, _, size in sampler.samples)
    max_after_image = max(i["file_size"] for i in written)
    compactions = result["compactions"]
    dropped = sum(c.get("dropped", 0) for c in compactions)
    print("disk: max_disk_bytes %d; largest file after an image %d, largest sampled %d; image "
          "size %d-%d B; %d compactions dropped %d images; %d images written"
          % (args.budget, max_after_image, max_sampled, min(i["bytes"] for i in written),
             max(i["bytes"] for i in written), len(compactions), dropped, len(written)))
    if worst_over:
        failures.append("the file outgrew the budget by %d B beyond the image's growth" % worst_over)
    if max_sampled > args.budget + allowance:
        failures.append("a sampled file size %d exceeds the budget %d + %d" % (max_sampled, args.budget, allowance))
    if len(compactions) < 3 or dropped == 0:
        failures.append("compaction ran %d times (dropped %d): the budget did not make it work"
                        % (len(compactions), dropped))
    totals = sorted(i["total_ns"] for i in written)
    print("images: %d, time per image median %.0f ms, max %.0f ms"
          % (len(written), totals[len(totals) // 2] / 1e6, totals[-1] / 1e6))

    # The report finds the planted leak.
    listing = json.loads(subprocess.run([analyze, "info", "--json", dump], capture_output=True,
                                        text=True, check=True).stdout)
    kept = listing["images"]
    proc = subprocess.run([analyze, "report", "--json", dump], capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        return failures + ["report failed: %s" % proc.stderr]
    report = json.loads(proc.stdout)
    count, shallow = find_leak(report, "__main__.SoakLeak")
    span = kept[-1]["seconds_since_start"] - args.warmup - args.lifetime
    expected = args.rate * span
    top = sorted(report.get("leaks", []), key=lambda e: -e.get("count", 0))[:4]
    print("report: %d images kept in the file (%s); SoakLeak candidates %d, expected about %.0f "
          "(%d/s x (%.1fs - warm-up %gs - lifetime %gs)); top types %s; tail %s"
          % (len(kept), ", ".join(str(i["sequence"]) for i in kept[:3]) + ", ...", count, expected,
             args.rate, kept[-1]["seconds_since_start"], args.warmup, args.lifetime,
             [(e.get("type"), e.get("count")) for e in top], listing["tail"]["status"]))
    # Compaction keeps the warm-up image and the newest ones; the analyzer
    # measures the warm-up from the run's start (the file header), so every
    # leaked object past the warm-up and older than the lifetime is found,
    # less those whose proven age the coarse gap between kept images cuts short.
    slack = max(args.count_tolerance * expected, 2 * args.rate)
    if not expected - slack <= count <= expected + slack:
        failures.append("report found %d SoakLeak, expected %.0f +- %.0f" % (count, expected, slack))
    if listing["tail"]["status"] != "clean":
        failures.append("the dump's tail is %s" % listing["tail"])
    return failures


if __name__ == "__main__":
    sys.exit(main())
