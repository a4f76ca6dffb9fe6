#!/usr/bin/env python3
"""memalot-analyze against the `memalot` package from PyPI, on the same leak.

One program keeps about 10^6 new objects (Record instances, each with a str
and an int) during the second call of a monitored function. Both tools use
the call-based criterion (max_object_age_calls=1, warmup_calls=1):

  * PyPI memalot (its own virtual environment, referrer search off, which is
    its fastest setting): the report is produced synchronously at the end of
    the call, so the report time is the call's time minus the same call
    without monitoring;
  * memalot (this project): the program writes per-call images
    (report=False), then `memalot-analyze report --json` analyses the dump:
    identity across images, dominators, retained sizes and retainer paths.

Prints both times, peak memory and the ratio.

    python3 bench/analyze_vs_memalot.py --build build [--objects 1000000]
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

PROGRAM = r'''
import json, resource, sys, time
mode, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
kept = []

class Record:
    def __init__(self, i):
        self.i = i + 100000      # an int object of its own
        self.name = "r%d" % i    # a str of its own

def work(count):
    for i in range(count):
        kept.append(Record(i))

import memalot
if mode == "pypi":
    work = memalot.leak_monitor(max_object_age_calls=1, warmup_calls=1, check_referrers=False,
                                output_func=lambda s: None, save_reports=False)(work)
elif mode == "ours":
    work = memalot.leak_monitor(max_object_age_calls=1, warmup_calls=1, report=False,
                                dump_file=out)(work)
work(10)
start = time.perf_counter()
work(n // 3)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}))
'''


def run_program(python, mode, objects, out, env):
    proc = subprocess.run([python, "-c", PROGRAM, mode, str(objects), out], env=env,
                          capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0:
        raise RuntimeError("%s failed:\n%s" % (mode, proc.stderr[-3000:]))
    return json.loads(proc.stdout.strip().splitlines()[-1])


def peer_venv(python, root):
    venv = os.path.join(root, "venv-analyze")
    exe = os.path.join(venv, "bin", "python")
    if not os.path.exists(exe):
        subprocess.run([python, "-m", "venv", venv], check=True)
    if subprocess.run([exe, "-c", "import memalot.api"], capture_output=True).returncode != 0:
        subprocess.run([exe, "-m", "pip", "install", "-q", "memalot"], check=True)
    return exe


def time_analyzer(analyze, dump):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([analyze, "report", "--json", "--exit-zero", dump],
                          capture_output=True, text=True, timeout=3600)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError("memalot-analyze failed:\n" + proc.stderr[-3000:])
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    report = json.loads(proc.stdout)
    # ru_maxrss of children is the largest child so far: run this first.
    return seconds, max(before.ru_maxrss, after.ru_maxrss) / 1024.0, report


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=os.path.join(REPO, "build"))
    parser.add_argument("--objects", type=int, default=1000000)
    parser.add_argument("--venvs", default=os.path.expanduser("~/.cache/memalot-bench"))
    args = parser.parse_args()

    with open(os.path.join(args.build, "memalot-pythons.json")) as f:
        configured = json.load(f)[0]
    python = configured["executable"]
    ours_env = dict(os.environ, PYTHONPATH=configured["package_dir"])
    analyze = os.path.join(args.build, "bin", "memalot-analyze")

    with tempfile.TemporaryDirectory(prefix="memalot-bench-") as tmp:
        dump = os.path.join(tmp, "calls.mlt")
        ours_run = run_program(python, "ours", args.objects, dump, ours_env)
        seconds, rss, report = time_analyzer(analyze, dump)
        stored = os.path.getsize(dump)
    leaked = report["summary"]["candidates"]

    venv_python = peer_venv(python, args.venvs)
    plain_env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    baseline = run_program(venv_python, "none", args.objects, "-", plain_env)
    pypi = run_program(venv_python, "pypi", args.objects, "-", plain_env)
    pypi_report = pypi["seconds"] - baseline["seconds"]

    print("program keeps ~%d objects in one monitored call (Python %s)" % (args.objects, configured["version"]))
    print("%-46s %10s %12s" % ("", "seconds", "peak RSS MB"))
    print("%-46s %10.2f %12.0f" % ("memalot-analyze report (dump %.1f MB, %d candidates)"
                                    % (stored / 1e6, leaked), seconds, rss))
    print("%-46s %10.2f %12.0f" % ("memalot from PyPI, one report (referrers off)", pypi_report,
                                    pypi["maxrss_mb"]))
    print("speed-up: %.0fx" % (pypi_report / seconds))


if __name__ == "__main__":
    main()
