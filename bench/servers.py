#!/usr/bin/env python3
"""What following a prefork server's workers costs its throughput.

Serves samples/servers/audit_service.py (Flask) on gunicorn with two sync
workers, plain and under memalot-dump (every worker followed into its own
file, an image every --interval seconds), and drives each with the same
loopback client: --requests orders from --clients concurrent urllib clients.
Prints requests per second, the best of --repeat runs of each (alternated,
so drift hits both), and the ratio memalot/plain of the time for the same
requests, plus the images the workers wrote.

    python3 bench/servers.py --build build [--python python3] [--repeat 3]

The venv with Flask and gunicorn (binary wheels from PyPI) is made once under
BUILD/bench-venvs. The leak in the sample grows every worker's heap by one
object per request, as in the tests.
"""
import argparse
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SAMPLE_DIR = os.path.join(REPO, "samples", "servers")
PACKAGES = ["flask", "gunicorn"]


def venv_python(build, python):
    key = hashlib.sha256((os.path.realpath(python) + " ".join(PACKAGES)).encode()).hexdigest()[:12]
    folder = os.path.join(build, "bench-venvs", "servers-" + key)
    exe = os.path.join(folder, "bin", "python")
    if not os.path.exists(os.path.join(folder, "ready")):
        subprocess.run([python, "-m", "venv", "--clear", folder], check=True)
        subprocess.run([exe, "-m", "pip", "install", "-q", "--only-binary=:all:"] + PACKAGES, check=True)
        open(os.path.join(folder, "ready"), "w").close()
    return exe


def start(command, env):
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    port = []
    listening = threading.Event()

    def read():
        for line in proc.stdout:
            found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line)
            if found:
                port.append(int(found.group(1)))
                listening.set()
        listening.set()

    threading.Thread(target=read, daemon=True).start()
    if not listening.wait(120) or not port:
        proc.kill()
        sys.exit("gunicorn did not start: %s" % " ".join(command))
    url = "http://127.0.0.1:%d" % port[0]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/health", timeout=2).read()
            break
        except OSError:
            time.sleep(0.1)
    return proc, url


def drive(url, requests, clients):
    def client(first):
        for n in range(first, requests, clients):
            body = json.dumps({"id": n, "items": [["tea", 1 + n % 3]]}).encode()
            request = urllib.request.Request(url + "/order", data=body,
                                             headers={"Content-Type": "application/json"})
            urllib.request.urlopen(request, timeout=30).read()

    began = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        for done in [pool.submit(client, k) for k in range(clients)]:
            done.result()
    return time.monotonic() - began


def one_run(args, exe, monitored, run_dir):
    venv = os.path.dirname(os.path.dirname(exe))
    env = dict(os.environ, VIRTUAL_ENV=venv, PATH=os.path.join(venv, "bin") + os.pathsep + os.environ["PATH"])
    server = ["-m", "gunicorn", "--chdir", SAMPLE_DIR, "-b", "127.0.0.1:0", "-w", "2", "audit_service:app"]
    if monitored:
        command = [os.path.join(args.build, "bin", "memalot-dump"), "--lifetime", str(args.lifetime),
                   "--interval", str(args.interval), "--quiet", "--dir", run_dir] + server
    else:
        command = [exe] + server
    proc, url = start(command, env)
    try:
        time.sleep(args.settle)
        seconds = drive(url, args.requests, args.clients)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(120)
    return seconds


def files_in(build, run_dir):
    """Per file of the run: (name, images, bytes, first image's pause ms, median pause ms)."""
    rows = []
    for name in sorted(os.listdir(run_dir)):
        path = os.path.join(run_dir, name)
        out = subprocess.run([os.path.join(build, "bin", "memalot-analyze"), "info", "--json", path],
                             capture_output=True, text=True)
        if out.returncode != 0:
            continue
        images = json.loads(out.stdout)["images"]
        pauses = [image.get("pause_ns", 0) / 1e6 for image in images]
        rows.append((name, len(images), os.path.getsize(path), pauses[0] if pauses else 0.0,
                     sorted(pauses)[len(pauses) // 2] if pauses else 0.0))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=os.path.join(REPO, "build"))
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--lifetime", type=float, default=10.0)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--settle", type=float, default=2.0, help="seconds between start-up and traffic")
    args = parser.parse_args()
    exe = venv_python(args.build, args.python)
    best = {False: None, True: None}
    files = []
    for _ in range(args.repeat):
        for monitored in (False, True):
            with tempfile.TemporaryDirectory(prefix="memalot-bench-servers-") as run_dir:
                seconds = one_run(args, exe, monitored, run_dir)
                if monitored:
                    files = files_in(args.build, run_dir)
            if best[monitored] is None or seconds < best[monitored]:
                best[monitored] = seconds
    version = subprocess.run([exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True).stdout.strip()
    print("gunicorn -w 2 (sync), Python %s, %d requests from %d clients, best of %d"
          % (version, args.requests, args.clients, args.repeat))
    print("%-10s %10s %10s" % ("run", "seconds", "req/s"))
    for monitored, label in ((False, "plain"), (True, "memalot")):
        print("%-10s %10.2f %10.0f" % (label, best[monitored], args.requests / best[monitored]))
    print("ratio memalot/plain (time for the same requests): %.3fx" % (best[True] / best[False]))
    print("files of the last monitored run (the master's has one pid in its name):")
    print("%-48s %7s %10s %14s %14s" % ("file", "images", "bytes", "first pause ms", "median pause ms"))
    for name, count, size, first, median in files:
        print("%-48s %7d %10d %14.1f %14.1f" % (name, count, size, first, median))


if __name__ == "__main__":
    main()
