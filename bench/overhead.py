#!/usr/bin/env python3
"""Between-image overhead of memalot's identity hooks, against its peers.

Runs one allocation-heavy workload (lists, dicts, tuples, instances and strings
built and dropped in a loop) in fresh subprocesses:

  * baseline: no tool;
  * memalot: the dump file open and the identity hooks installed, no image
    taken during the timed loop (what a production process pays between images);
  * tracemalloc (stdlib, default 1 frame), memray (Tracker, in process) and the
    `memalot` package from PyPI in time-based mode, each peer in its own
    virtual environment.

It prints the best-of-N time of each and its ratio to the baseline of the
same interpreter, plus peak RSS. Targets (issue 3): memalot <= 1.05x on 3.13,
<= 1.10x on 3.10-3.12.

    python3 bench/overhead.py --build build [--repeat 3] [--iterations 3000000]
    python3 bench/overhead.py --build build --callgrind   # instruction counts

On a shared or noisy machine wall-clock ratios wander; --callgrind instead
counts instructions under valgrind (repeatable to the instruction) and
prints the per-iteration ratio: the slope between a run of 0 and of N
iterations, so start-up and import costs cancel out.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

WORKLOAD = r'''
import json, os, resource, sys, time

class Item:
    def __init__(self, a, b):
        self.a = a
        self.b = b

def workload(n):
    for i in range(n):
        lst = [i, i + 1, i + 2]
        dct = {"a": i, "b": lst}
        tup = (i, lst, dct)
        obj = Item(tup, str(i))
        text = "k" + str(i)
        del lst, dct, tup, obj, text

mode, n, out_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
stop = None
if mode in ("none", "memalot") and os.environ.get("PYTHONPATH"):
    from memalot import _memalot  # loaded in both runs, so only the hooks differ
if mode == "memalot":
    from memalot import _memalot
    _memalot.open_monitor(os.path.join(out_dir, "bench.mlt"))
    stop = _memalot.close_monitor
elif mode == "tracemalloc":
    import tracemalloc
    tracemalloc.start()
    stop = tracemalloc.stop
elif mode == "memray":
    import memray
    tracker = memray.Tracker(os.path.join(out_dir, "bench.bin"))
    tracker.__enter__()
    stop = lambda: tracker.__exit__(None, None, None)
elif mode == "memalot-pypi":
    import memalot
    monitor = memalot.start_leak_monitoring(max_object_lifetime=1.0, warmup_time=0.5,
                                            output_func=lambda s: None, save_reports=False)
    stop = monitor.stop
workload(n // 20)  # warm caches and freelists outside the timed part
start = time.perf_counter()
workload(n)
seconds = time.perf_counter() - start
if stop:
    stop()
print(json.dumps({"seconds": seconds,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}))
'''


def callgrind_instructions(python, mode, iterations, env):
    with tempfile.TemporaryDirectory(prefix="memalot-cg-") as out_dir:
        proc = subprocess.run(
            ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + os.path.join(out_dir, "cg.out"),
             python, "-c", WORKLOAD, mode, str(iterations), out_dir],
            capture_output=True, text=True, env=env, timeout=3600)
    if proc.returncode != 0:
        raise RuntimeError("callgrind %s %s failed:\n%s" % (python, mode, proc.stderr[-2000:]))
    for line in proc.stderr.splitlines():
        if "Collected :" in line:
            return int(line.split("Collected :")[1].split()[0])
    raise RuntimeError("no instruction count in callgrind's output")


def per_iteration_instructions(python, mode, iterations, env):
    return (callgrind_instructions(python, mode, iterations, env)
            - callgrind_instructions(python, mode, 0, env)) / float(iterations)


def callgrind_main(args):
    """Instruction counts are exact for one hash seed but move by several
    percent from seed to seed (the baseline more than memalot's run), so each
    of --repeat runs uses its own PYTHONHASHSEED for both sides, and the
    median ratio is printed with the range."""
    print("%-8s %22s %22s %8s   (median of %d hash seeds; range)"
          % ("python", "baseline instr/iter", "memalot instr/iter", "ratio", args.repeat))
    for entry in built_pythons(args.build):
        base, ours, ratios = [], [], []
        for seed in range(args.repeat):
            env = clean_env(PYTHONPATH=entry["package_dir"], PYTHONHASHSEED=str(seed))
            base.append(per_iteration_instructions(entry["executable"], "none", args.iterations, env))
            ours.append(per_iteration_instructions(entry["executable"], "memalot", args.iterations, env))
            ratios.append(ours[-1] / base[-1])
        print("%-8s %22.0f %22.0f %7.3fx   %.3f-%.3f"
              % (entry["version"], statistics.median(base), statistics.median(ours),
                 statistics.median(ratios), min(ratios), max(ratios)))


def built_pythons(build):
    path = os.path.join(build, "memalot-pythons.json")
    if not os.path.exists(path):
        sys.exit("no %s: build first (cmake -S . -B build && cmake --build build)" % path)
    with open(path) as f:
        return json.load(f)


def run_once(python, mode, iterations, env):
    with tempfile.TemporaryDirectory(prefix="memalot-bench-") as out_dir:
        proc = subprocess.run([python, "-c", WORKLOAD, mode, str(iterations), out_dir],
                              capture_output=True, text=True, env=env, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError("%s %s failed:\n%s" % (python, mode, proc.stderr[-2000:]))
    return json.loads(proc.stdout.strip().splitlines()[-1])


def best_of(python, mode, iterations, repeat, env):
    runs = [run_once(python, mode, iterations, env) for _ in range(repeat)]
    return min(r["seconds"] for r in runs), max(r["maxrss_mb"] for r in runs)


def best_of_interleaved(python, modes, iterations, repeat, env):
    """best_of for several modes, their runs alternating: a machine whose
    load drifts during the benchmark then skews every mode alike instead of
    whichever ran last."""
    runs = {mode: [] for mode in modes}
    for _ in range(repeat):
        for mode in modes:
            runs[mode].append(run_once(python, mode, iterations, env))
    return [(min(r["seconds"] for r in runs[mode]), max(r["maxrss_mb"] for r in runs[mode]))
            for mode in modes]


def peer_venv(python, version, root):
    """A virtual environment per Python holding memray and PyPI's memalot."""
    venv = os.path.join(root, "venv-%s" % version)
    exe = os.path.join(venv, "bin", "python")
    if not os.path.exists(exe):
        subprocess.run([python, "-m", "venv", venv], check=True)
    probe = subprocess.run([exe, "-c", "import memray, memalot"], capture_output=True)
    if probe.returncode != 0:
        subprocess.run([exe, "-m", "pip", "install", "-q", "memray", "memalot"], check=True)
    return exe


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(extra)
    return env


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=os.path.join(REPO, "build"))
    parser.add_argument("--iterations", type=int, default=3000000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--peers", default="3.12", help="Python version to run the peers on ('' for none)")
    parser.add_argument("--venvs", default=os.path.expanduser("~/.cache/memalot-bench"))
    parser.add_argument("--callgrind", action="store_true",
                        help="count instructions under valgrind instead of timing (100k iterations)")
    args = parser.parse_args()
    if args.callgrind:
        if args.iterations == parser.get_default("iterations"):
            args.iterations = 100000
        callgrind_main(args)
        return

    rows = []
    for entry in built_pythons(args.build):
        python, version = entry["executable"], entry["version"]
        ours_env = clean_env(PYTHONPATH=entry["package_dir"])
        (base, base_rss), (ours, ours_rss) = best_of_interleaved(
            python, ["none", "memalot"], args.iterations, args.repeat, ours_env)
        rows.append((version, "baseline", base, base_rss, 1.0))
        rows.append((version, "memalot (hooks, between images)", ours, ours_rss, ours / base))
        if version == args.peers:
            t, rss = best_of(python, "tracemalloc", args.iterations, args.repeat, ours_env)
            rows.append((version, "tracemalloc", t, rss, t / base))
            venv_python = peer_venv(python, version, args.venvs)
            vbase, _ = best_of(venv_python, "none", args.iterations, args.repeat, clean_env())
            t, rss = best_of(venv_python, "memray", args.iterations, args.repeat, clean_env())
            rows.append((version, "memray", t, rss, t / vbase))
            t, rss = best_of(venv_python, "memalot-pypi", args.iterations, 1, clean_env())
            rows.append((version, "memalot from PyPI (time-based)", t, rss, t / vbase))

    print("%-8s %-34s %10s %12s %8s" % ("python", "run", "best (s)", "peak RSS MB", "ratio"))
    for version, name, seconds, rss, ratio in rows:
        print("%-8s %-34s %10.3f %12.1f %7.2fx" % (version, name, seconds, rss, ratio))


if __name__ == "__main__":
    main()
