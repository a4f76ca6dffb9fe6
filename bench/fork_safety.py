"""What fork-mode images cost programs whose other threads hold locks.

Runs each workload of tests/workloads for a fixed amount of work, plainly and
under memalot-dump in fork mode with an image every 0.5 s, alternating the
two RUNS times, and prints per workload the median wall time of each, their
ratio (target: at most 1.2x), the number of images and whether the output
was identical. The amount of work is calibrated once so that a plain run
takes about SECONDS (default 12: 20+ images at 0.5 s).

Workloads: numpy's matrix products with OpenBLAS's threads (main thread and a
second thread; numpy from PyPI into a venv under the build folder), four
allocating threads with the system malloc, jemalloc and tcmalloc (Debian's
libjemalloc2 and libtcmalloc-minimal4, through LD_PRELOAD), sqlite3 in four
threads, and a thread holding locks inside hashlib.

Usage: python3 bench/fork_safety.py [--build build] [--seconds 12] [--runs 2]
       [--only NAME]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKLOADS = os.path.join(REPO, "tests", "workloads")
LIBDIR = "/usr/lib/x86_64-linux-gnu"
PRELOADS = {"jemalloc": os.path.join(LIBDIR, "libjemalloc.so.2"),
            "tcmalloc": os.path.join(LIBDIR, "libtcmalloc_minimal.so.4")}


def configured_python(build):
    with open(os.path.join(build, "memalot-pythons.json")) as f:
        return json.load(f)[0]


def numpy_python(build, python):
    folder = os.path.join(build, "bench-venvs", "py%s-numpy" % python["version"])
    exe = os.path.join(folder, "bin", "python")
    if not os.path.exists(exe):
        subprocess.run([python["executable"], "-m", "venv", folder], check=True)
        subprocess.run([exe, "-m", "pip", "install", "-q", "--only-binary=:all:", "numpy"],
                       check=True)
    return exe


def workloads(build, python):
    exe = python["executable"]
    found = []
    try:
        np_exe = numpy_python(build, python)
        found += [("numpy main thread", np_exe, ["numpy_matmul.py"], None),
                  ("numpy second thread", np_exe, ["numpy_matmul.py", "--thread"], None)]
    except (subprocess.CalledProcessError, OSError) as exc:
        print("numpy workloads skipped: cannot install numpy (%s)" % exc)
    found.append(("4 threads, system malloc", exe, ["alloc_threads.py"], None))
    for name, library in PRELOADS.items():
        if os.path.exists(library):
            found.append(("4 threads, %s" % name, exe, ["alloc_threads.py"], library))
        else:
            print("%s skipped: %s is not installed" % (name, library))
    found += [("sqlite3, 4 threads", exe, ["sqlite_threads.py"], None),
              ("lock held in hashlib", exe, ["locks_held.py"], None)]
    return found


def run(command, env):
    t0 = time.monotonic()
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    wall = time.monotonic() - t0
    if proc.returncode != 0:
        sys.exit("failed (%d): %s\n%s" % (proc.returncode, " ".join(command), proc.stderr[-2000:]))
    return wall, proc


def rounds_in(stderr):
    for line in stderr.splitlines():
        if line.startswith("rounds "):
            return int(line.split()[1])
    raise SystemExit("workload printed no rounds line: %s" % stderr[-500:])


def image_count(build, dump):
    out = subprocess.run([os.path.join(build, "bin", "memalot-analyze"), "info", "--json", dump],
                         capture_output=True, text=True, check=True).stdout
    return len(json.loads(out)["images"])


def measure(build, python, entry, seconds, runs, folder):
    name, exe, args, preload = entry
    env = dict(os.environ, PYTHONPATH=python["package_dir"])
    env.pop("MEMALOT_NO_FORK", None)
    if preload:
        env["LD_PRELOAD"] = preload
    script = [os.path.join(WORKLOADS, args[0])]
    extra = args[1:]
    _, probe = run([exe] + script + ["2"] + extra, env)
    rounds = max(1, int(rounds_in(probe.stderr) * seconds / 2))
    work = script + ["rounds=%d" % rounds] + extra
    plain, monitored, images, same = [], [], [], True
    for k in range(runs):
        wall, base = run([exe] + work, env)
        plain.append(wall)
        dump = os.path.join(folder, "%s-%d.mlt" % (name.replace(" ", "_").replace(",", ""), k))
        wall, watched = run([exe, "-m", "memalot", "--lifetime", "1", "--interval", "0.5",
                             "--quiet", "-o", dump] + work, env)
        monitored.append(wall)
        images.append(image_count(build, dump))
        same = same and watched.stdout == base.stdout
        os.remove(dump)
    p, m = statistics.median(plain), statistics.median(monitored)
    print("%-26s plain %6.2f s  fork mode %6.2f s  ratio %.3fx  images %-9s output %s"
          % (name, p, m, m / p, "/".join(str(i) for i in images), "same" if same else "DIFFERENT"),
          flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(REPO, "build"))
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--only", default=None, help="run the workloads whose name contains this")
    a = parser.parse_args()
    python = configured_python(a.build)
    folder = os.path.join(a.build, "bench-fork-safety")
    os.makedirs(folder, exist_ok=True)
    print("python %s (%s); load average %.1f" % (python["version"], python["executable"],
                                                 os.getloadavg()[0]))
    for entry in workloads(a.build, python):
        if a.only is None or a.only in entry[0]:
            measure(a.build, python, entry, a.seconds, a.runs, folder)


main()
