#!/usr/bin/env python3
"""What following a fork costs the child at its start.

A parent with a 20,000-object heap forks --forks children, one at a time;
each child notes how long os.fork() took to return in it (the at-fork
handlers run before it does: memalot's keep the parent's settings and start
the child's monitor thread) and exits at once. Three parents, each in a
fresh interpreter: no memalot; memalot monitoring with follow_fork=False;
memalot monitoring with follow_fork=True (the default). Prints the median
and 90th percentile of the child-side fork time and the ratio to the plain
parent's, in the same run. The child's first image, 0.2 s later, is the
other start-up cost: bench/servers.py prints the workers' first-image pauses.

    python3 bench/follow_fork.py --build build [--forks 200]
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

PARENT = r'''
import json, os, sys, time
mode, forks, out_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
heap = [{"k": [i, str(i)]} for i in range(20000)]
if mode != "plain":
    import memalot
    memalot.start_leak_monitoring(60.0, interval=30.0, report=False, quiet=True,
                                  follow_fork=(mode == "follow"), report_directory=out_dir)
    time.sleep(0.5)
times = []
for _ in range(forks):
    read_end, write_end = os.pipe()
    began = time.perf_counter_ns()
    pid = os.fork()
    if pid == 0:
        took = time.perf_counter_ns() - began
        os.write(write_end, str(took).encode())
        os._exit(0)
    os.close(write_end)
    times.append(int(os.read(read_end, 64)))
    os.close(read_end)
    os.waitpid(pid, 0)
print(json.dumps(times))
'''


def run(build, mode, forks):
    env = dict(os.environ, PYTHONPATH=os.path.join(build, "python"))
    with tempfile.TemporaryDirectory(prefix="memalot-bench-fork-") as out_dir:
        proc = subprocess.run([sys.executable, "-c", PARENT, mode, str(forks), out_dir], env=env,
                              capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            sys.exit(proc.stderr)
        return json.loads(proc.stdout.splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=os.path.join(REPO, "build"))
    parser.add_argument("--forks", type=int, default=200)
    args = parser.parse_args()
    rows = {mode: run(args.build, mode, args.forks) for mode in ("plain", "no-follow", "follow")}
    base = statistics.median(rows["plain"])
    print("child-side os.fork() time, %d forks each, Python %d.%d" % ((args.forks,) + sys.version_info[:2]))
    print("%-10s %12s %12s %8s" % ("parent", "median us", "p90 us", "ratio"))
    for mode, times in rows.items():
        ordered = sorted(times)
        median = statistics.median(ordered)
        p90 = ordered[int(0.9 * (len(ordered) - 1))]
        print("%-10s %12.0f %12.0f %7.2fx" % (mode, median / 1000, p90 / 1000, median / base))


if __name__ == "__main__":
    main()
