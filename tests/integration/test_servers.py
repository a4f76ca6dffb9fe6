"""Prefork servers under memalot-dump: every worker is followed into a file
of its own, and the fleet report finds a leak that lives only in workers.
gunicorn's workers are forked (followed by default); uvicorn --workers and
multiprocessing's spawn and forkserver workers are new interpreters
(followed with --follow-children).

samples/servers/audit_service.py runs on gunicorn (from PyPI, in a venv of
each Python; skipped with pip's message when PyPI cannot be reached), with
two sync workers, or two gthread workers of four threads each driven by four
concurrent clients (urllib, one connection per request). Every POST /order leaks one AuditRecord in the worker
that served it, and the reply names that worker's pid, so the client knows
exactly how many records each process holds.

The run: wait for a worker to answer /health, then past the workers'
warm-up; send ORDERS orders; wait past the lifetime; SIGTERM the master
(gunicorn stops its workers, each writes its exit image, then the master).
Every leaked record was made after its worker's warm-up and is older than
the lifetime at that worker's exit image, so the fleet's growing suspect
holds exactly ORDERS records, split per pid as the client counted them, none
in the master (which serves nothing), and the per-request Pricing objects
are reported nowhere. With --no-follow-fork only the
master's file is written, and its report finds nothing: the behaviour
before following forks, and why it is not the default.

What runs on which Python: the paths that differ between Python versions
(the fork hooks, the clone image child, the spawned child's bootstrap) run
on every Python found, through one forked server (gunicorn sync), one forked
pool and one spawned process. The rest of the matrix (server kinds, recycled
workers, Celery, uWSGI, the disk budget) exercises the servers, not the
interpreter, and runs on the configured Python only: on all five it took
past 25 min in CI, more than the rest of a stage.
"""
import collections
import concurrent.futures
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import textwrap
import time
import urllib.request

import pytest

from conftest import REPO, skip_if_sanitized, tool
from venvs import venv_with

SAMPLE_DIR = os.path.join(REPO, "samples", "servers")
PACKAGES = ["flask", "gunicorn"]
ORDERS = 240
MAX_REQUESTS = 60  # --max-requests: each worker recycled after about this many orders
LIFETIME = 1.0
WARMUP = 1.0
INTERVAL = 0.5
# Past the workers' warm-up: each worker's first image comes FOLLOW_GRACE
# (0.2 s) after its fork, its warm-up ends WARMUP later.
AFTER_HEALTH = WARMUP + 2.0
AFTER_ORDERS = LIFETIME + 1.5
# The orders are spread over at least this long: a leak that arrives in one
# burst and then holds still for most of the run is what a bounded cache
# looks like too (the analyzer's half-span rule reads it stable), and a fast
# server takes 240 orders within one image interval.
TRAFFIC_SECONDS = 4.0
# A spawned uvicorn worker imports FastAPI after its first image: its
# warm-up must cover that start-up, as a user's would.
UVICORN_WARMUP = 5.0
BOOT_TIMEOUT = 90
CLIENT_TIMEOUT = 10
EXIT_TIMEOUT = 90

SANITIZER_REASON = ("real servers on a loaded machine with exact counts: under ASan the images "
                    "come seconds late and a bounded run's last orders are not yet a lifetime old "
                    "(seen: 230 of 240); the -Werror stage runs these")
# A marker, for the whole file: every test here is such a run.
pytestmark = skip_if_sanitized(SANITIZER_REASON)


def gunicorn_command(worker_args):
    return ["-m", "gunicorn", "--chdir", SAMPLE_DIR, "-b", "127.0.0.1:0", "--log-level", "info",
            "--graceful-timeout", "30"] + worker_args + ["audit_service:app"]


def free_port():
    """uvicorn --workers logs the port it was given, not the one bound: pick one."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def uvicorn_command(port, workers):
    return ["-m", "uvicorn", "--app-dir", SAMPLE_DIR, "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers), "--log-level", "info", "fastapi_audit:app"]


class Server:
    """memalot-dump -m SERVER ..., its port read from the server's log."""

    def __init__(self, venv_python, python, run_dir, server_args, flags=(), warmup=WARMUP,
                 env_extra=None, cwd=None):
        venv = os.path.dirname(os.path.dirname(venv_python))
        env = python.env(VIRTUAL_ENV=venv,
                         PATH=os.path.join(venv, "bin") + os.pathsep + os.environ["PATH"],
                         **(env_extra or {}))
        command = [tool("memalot-dump"), "--lifetime", str(LIFETIME), "--warmup", str(warmup),
                   "--interval", str(INTERVAL), "--compression-level", "1", "--dir", run_dir]
        command += list(flags) + server_args
        self.proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, cwd=cwd)
        self.lines = []
        self.port = None
        self.listening = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)
            found = re.search(r"(?:Listening at: |running on |bound to TCP address )(?:http://)?"
                              r"127\.0\.0\.1:(\d+)", line)
            if found:
                self.port = int(found.group(1))
                self.listening.set()
            elif re.search(r"celery@\S+ ready\.", line):
                self.port = 0  # a Celery worker listens to its broker, not a port
                self.listening.set()
        self.listening.set()

    def log(self):
        return "".join(self.lines[-60:])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=EXIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)
            pytest.fail("the server did not stop within %d s of SIGTERM:\n%s" % (EXIT_TIMEOUT, self.log()))
        self.reader.join(30)


def get_json(url, body=None):
    data = None if body is None else json.dumps(body).encode()
    headers = {} if body is None else {"Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=CLIENT_TIMEOUT) as reply:
        return json.loads(reply.read())


def wait_for_health(server):
    if not server.listening.wait(BOOT_TIMEOUT) or server.port is None:
        pytest.fail("gunicorn never said where it listens:\n%s" % server.log())
    deadline = time.monotonic() + BOOT_TIMEOUT
    while time.monotonic() < deadline:
        try:
            get_json("http://127.0.0.1:%d/health" % server.port)
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail("no worker answered /health within %d s:\n%s" % (BOOT_TIMEOUT, server.log()))


def place_orders(port, count, clients, pause=0.0):
    """Sends `count` orders from `clients` concurrent clients, each pausing
    `pause` seconds after each order; returns {pid: orders that pid served}."""
    url = "http://127.0.0.1:%d/order" % port
    served = collections.Counter()
    lock = threading.Lock()

    def client(first):
        for n in range(first, count, clients):
            reply = get_json(url, {"id": n, "items": [["tea", 1 + n % 3]]})
            with lock:
                served[reply["pid"]] += 1
            time.sleep(pause)

    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        for done in [pool.submit(client, k) for k in range(clients)]:
            done.result()
    return served


def fleet_report(run_dir):
    proc = subprocess.run([tool("memalot-analyze"), "report", "--json", "--exit-zero", run_dir],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def serve_and_leak(python, tmp_path, server_args, clients, flags=(), packages=PACKAGES,
                   warmup=WARMUP, pause=None):
    venv_python = venv_with(python, packages)
    run_dir = str(tmp_path / "run")
    server = Server(venv_python, python, run_dir, server_args, flags, warmup)
    try:
        wait_for_health(server)
        time.sleep(AFTER_HEALTH - WARMUP + warmup)
        if pause is None:
            pause = TRAFFIC_SECONDS * clients / ORDERS
        served = place_orders(server.port, ORDERS, clients, pause)
        time.sleep(AFTER_ORDERS)
    finally:
        server.stop()
    return served, run_dir, server


def where(suspect):
    """The accumulation point's path, or the head's shape without one (a
    leak whose list the worker made after its warm-up: a spawned worker
    imports the app then)."""
    return (suspect.get("accumulation_point") or {}).get("path") or suspect.get("shape") or ""


def check_fleet(report, served, workers):
    processes = report["processes"]
    roles = collections.Counter(p["role"] for p in processes)
    assert roles["master"] == 1, processes
    assert roles["worker"] == workers, "one file per worker: %s" % processes
    master = next(p for p in processes if p["role"] == "master")
    worker_pids = {p["pid"] for p in processes if p["role"] == "worker"}
    assert set(served) <= worker_pids, "every pid that served an order wrote a file"
    assert all(p["parent_pid"] == master["pid"] for p in processes if p["role"] == "worker")
    assert len({p["launch_id"] for p in processes}) == 1, "one launch"
    growing = [s for s in report["suspects"] if s["trend"] == "growing"]
    leaks = [s for s in growing if "AUDIT" in where(s)]
    assert len(leaks) == 1, "one suspect for the AUDIT leak across the workers: %s" % [
        ((s.get("accumulation_point") or {}).get("path"), s.get("shape"), s["types"]) for s in growing]
    leak = leaks[0]
    assert leak["types"].get("orders.AuditRecord") == sum(served.values()) == ORDERS, leak["types"]
    held = {share["pid"]: share["types"].get("orders.AuditRecord", 0) for share in leak["per_process"]}
    assert held == dict(served), "per worker, the records its replies counted"
    for suspect in report["suspects"]:
        assert "orders.Pricing" not in suspect["types"], "per-request churn is no suspect"
    # The master serves nothing; what its shutdown replaces (gunicorn's
    # LISTENERS list, a thread's context) may outlive a 1 s lifetime while
    # it waits for its workers, but none of the leak is there.
    assert master["pid"] not in held


def test_gunicorn_sync_workers_are_followed_on_every_python(python, tmp_path):
    check_gunicorn_fleet(python, tmp_path, "sync", 2)


@pytest.mark.parametrize("kind,workers", [("sync", 4), ("gthread", 2)])
def test_gunicorn_workers_are_followed_and_the_fleet_finds_their_leak(default_python, tmp_path, kind,
                                                                       workers):
    check_gunicorn_fleet(default_python, tmp_path, kind, workers)


def check_gunicorn_fleet(python, tmp_path, kind, workers):
    if kind == "sync":
        served, run_dir, _ = serve_and_leak(python, tmp_path, gunicorn_command(["-w", str(workers)]),
                                            clients=workers // 2)
    else:
        served, run_dir, _ = serve_and_leak(
            python, tmp_path, gunicorn_command(["-w", "2", "-k", "gthread", "--threads", "4"]), clients=4)
    check_fleet(fleet_report(run_dir), served, workers=workers)
    names = sorted(os.listdir(run_dir))
    assert len(names) == workers + 1, names
    assert sum(1 for name in names if re.match(r"gunicorn-\d+-\d+-\d{8}-\d{6}\.mlt$", name)) == workers, \
        "workers' files are named PROGRAM-PID-PARENTPID-STAMP: %s" % names


def uwsgi_command(port, workers):
    """uWSGI (pyuwsgi's wheel) runs Python threads only with --enable-threads,
    and calls CPython's after-fork hook in its workers, which following
    needs, only with --py-call-osafterfork (docs/user-guide.md)."""
    return [os.path.join(SAMPLE_DIR, "run_uwsgi.py"), "--http-socket", "127.0.0.1:%d" % port,
            "--master", "--processes", str(workers), "--chdir", SAMPLE_DIR,
            "--module", "audit_service:app", "--enable-threads", "--py-call-osafterfork",
            "--die-on-term"]


def test_uwsgi_workers_are_followed(default_python, tmp_path):
    python = default_python
    if tuple(int(x) for x in python.version.split(".")[:2]) >= (3, 13):
        # uWSGI 2.0.30's --py-call-osafterfork aborts every worker on 3.13
        # ("_PyRecursiveMutex_Unlock: unlocking a recursive mutex that is not
        # owned by the current thread"), with or without memalot: it calls
        # PyOS_AfterFork_Child without PyOS_BeforeFork in the master.
        pytest.skip("uWSGI's --py-call-osafterfork crashes its workers on Python %s" % python.version)
    served, run_dir, _ = serve_and_leak(python, tmp_path, uwsgi_command(free_port(), 2), clients=2,
                                        packages=["flask", "pyuwsgi"])
    check_fleet(fleet_report(run_dir), served, workers=2)


def test_gunicorn_preload_and_recycled_workers(default_python, tmp_path):
    python = default_python
    """--preload imports the app in the master before forking (the leak's
    list is the master's, copied into each worker); --max-requests recycles
    each worker after MAX_REQUESTS orders (gunicorn adds up to the jitter),
    so workers exit mid-run and new ones are forked. Every worker that
    served writes a file; the leak is one suspect across them, in no more
    than the orders each served (a worker forked late counts what it got
    before its warm-up ended as start-up, one recycled early what was
    younger than the lifetime at its exit)."""
    args = ["-w", "2", "--preload", "--max-requests", str(MAX_REQUESTS), "--max-requests-jitter", "5"]
    # Paced (about 20 orders a second), so a worker lives some 6 s: past its
    # warm-up and the lifetime before gunicorn recycles it.
    served, run_dir, _ = serve_and_leak(python, tmp_path, gunicorn_command(args), clients=1,
                                        pause=0.05)
    report = fleet_report(run_dir)
    workers = {p["pid"]: p for p in report["processes"] if p["role"] == "worker"}
    assert len(served) >= ORDERS // (MAX_REQUESTS + 5), "workers were recycled: %s" % dict(served)
    assert set(served) <= set(workers), "every worker that served wrote a file"
    leaks = [s for s in report["suspects"] if s["trend"] == "growing" and "AUDIT" in where(s)]
    assert len(leaks) == 1, [(where(s), s["types"]) for s in report["suspects"]]
    held = {share["pid"]: share["types"].get("orders.AuditRecord", 0)
            for share in leaks[0]["per_process"]}
    assert len(held) >= 2, held
    assert all(0 < count <= served[pid] for pid, count in held.items()), (held, dict(served))


def test_uvicorn_spawned_workers_are_followed_with_follow_children(default_python, tmp_path):
    python = default_python
    served, run_dir, _ = serve_and_leak(python, tmp_path, uvicorn_command(free_port(), 2), clients=2,
                                        flags=["--follow-children"],
                                        packages=["fastapi", "uvicorn", "pydantic"],
                                        warmup=UVICORN_WARMUP)
    report = fleet_report(run_dir)
    # uvicorn's master serves nothing; its two spawned workers (and
    # multiprocessing's resource tracker, if one starts) write files too.
    workers = sum(1 for p in report["processes"] if p["role"] == "worker")
    assert workers >= 2, report["processes"]
    check_fleet(report, served, workers)


def test_gunicorn_uvicorn_workers_serving_fastapi(default_python, tmp_path):
    python = default_python
    """gunicorn forks uvicorn's worker class (-k uvicorn.workers.UvicornWorker),
    each serving the FastAPI app on its own event loop: followed as forks,
    no flag needed."""
    args = ["-w", "2", "-k", "uvicorn.workers.UvicornWorker"]
    command = gunicorn_command(args)
    command[-1] = "fastapi_audit:app"
    served, run_dir, _ = serve_and_leak(python, tmp_path, command, clients=2,
                                        packages=["fastapi", "uvicorn", "gunicorn", "pydantic"],
                                        warmup=UVICORN_WARMUP)
    check_fleet(fleet_report(run_dir), served, workers=2)


def test_without_follow_fork_only_the_master_writes(default_python, tmp_path):
    python = default_python
    served, run_dir, _ = serve_and_leak(python, tmp_path, gunicorn_command(["-w", "2"]), clients=1,
                                        flags=["--no-follow-fork"], pause=0.0)
    assert sum(served.values()) == ORDERS
    names = os.listdir(run_dir)
    assert len(names) == 1, names
    report = fleet_report(run_dir)
    assert not [s for s in report["suspects"] if "orders.AuditRecord" in s["types"]]


# ------------------------------------------------------------ multiprocessing

POOL_WORKERS = 2
POOL_JOBS = 150


def run_pool(python, tmp_path, method, follow_children=True, kind="process"):
    run_dir = str(tmp_path / "run")
    command = [tool("memalot-dump"), "--lifetime", str(LIFETIME), "--warmup", str(WARMUP),
               "--interval", str(INTERVAL), "--compression-level", "1", "--quiet", "--dir", run_dir]
    if follow_children:
        command.append("--follow-children")
    command += [os.path.join(SAMPLE_DIR, "pool_jobs.py"), method, str(POOL_WORKERS), str(POOL_JOBS), kind]
    proc = subprocess.run(command, env=python.env(), capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = dict(line.split(" ", 1) for line in proc.stdout.splitlines() if " " in line)
    assert lines.get("exit") == "codes [0]", proc.stdout + proc.stderr[-2000:]
    assert "warning" not in proc.stderr.lower(), proc.stderr  # forkserver's "unexpected pid" above all
    return [int(pid) for pid in lines["workers"].split()], run_dir


# A forked pool and a spawned process on every Python; the other four
# (method, kind) pairs on the configured one.
EVERY_PYTHON_POOLS = [("fork", "pool"), ("spawn", "process")]
CONFIGURED_PYTHON_POOLS = [(method, kind) for method in ["fork", "spawn", "forkserver"]
                           for kind in ["process", "pool"] if (method, kind) not in EVERY_PYTHON_POOLS]


@pytest.mark.parametrize("method,kind", EVERY_PYTHON_POOLS)
def test_multiprocessing_workers_are_followed_on_every_python(python, tmp_path, method, kind):
    check_pool_fleet(python, tmp_path, method, kind)


@pytest.mark.parametrize("method,kind", CONFIGURED_PYTHON_POOLS)
def test_multiprocessing_workers_are_followed(default_python, tmp_path, method, kind):
    check_pool_fleet(default_python, tmp_path, method, kind)


def check_pool_fleet(python, tmp_path, method, kind):
    workers, run_dir = run_pool(python, tmp_path, method, kind=kind)
    report = fleet_report(run_dir)
    leaks = [s for s in report["suspects"] if s["trend"] == "growing"
             and "RESULTS" in (s.get("accumulation_point") or {}).get("path", "")]
    assert len(leaks) == 1, [((s.get("accumulation_point") or {}).get("path"), s["types"])
                             for s in report["suspects"]]
    held = {share["pid"]: share["types"].get("pool_jobs.JobResult", 0) +
            share["types"].get("__mp_main__.JobResult", 0) + share["types"].get("__main__.JobResult", 0)
            for share in leaks[0]["per_process"]}
    assert held == {pid: POOL_JOBS for pid in workers}, "every job's result, in its worker"
    by_pid = {p["pid"]: p for p in report["processes"]}
    assert set(workers) <= set(by_pid), "each worker wrote a file"
    master = next(p for p in report["processes"] if p["role"] == "master")
    # Forked workers (and the forkserver's) name their parent; spawned ones the master.
    for pid in workers:
        assert by_pid[pid]["launch_id"] == master["launch_id"]
        assert by_pid[pid]["parent_pid"] in by_pid


def test_spawned_workers_are_not_followed_without_follow_children(default_python, tmp_path):
    python = default_python
    workers, run_dir = run_pool(python, tmp_path, "spawn", follow_children=False)
    assert len(os.listdir(run_dir)) == 1, os.listdir(run_dir)


# --------------------------------------------------------------------- Celery


def free_redis(tmp_path):
    """Debian's redis-server on a free loopback port, no persistence."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server; "
                    ".ci/install-deps --tests installs it)")
    port = free_port()
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                probe.sendall(b"PING\r\n")
                if probe.recv(16).startswith(b"+PONG"):
                    return proc, "redis://127.0.0.1:%d/0" % port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    pytest.fail("redis-server did not answer on port %d" % port)


def test_celery_prefork_pool_workers_are_followed(default_python, tmp_path):
    python = default_python
    venv_python = venv_with(python, ["celery", "redis", "packaging"])
    redis, url = free_redis(tmp_path)
    run_dir = str(tmp_path / "run")
    try:
        server = Server(venv_python, python, run_dir,
                        ["-m", "celery", "-A", "celery_jobs", "worker", "--pool", "prefork",
                         "--concurrency", "2", "--loglevel", "INFO", "--without-heartbeat",
                         "--without-mingle", "--without-gossip"],
                        env_extra={"MEMALOT_SAMPLE_REDIS": url}, cwd=SAMPLE_DIR)
        try:
            if not server.listening.wait(BOOT_TIMEOUT) or server.port is None:
                pytest.fail("the Celery worker never said it was ready:\n%s" % server.log())
            time.sleep(AFTER_HEALTH)
            client = subprocess.run([venv_python, "celery_jobs.py", "client", str(ORDERS),
                                     str(TRAFFIC_SECONDS)],
                                    cwd=SAMPLE_DIR, env=python.env(MEMALOT_SAMPLE_REDIS=url),
                                    capture_output=True, text=True, timeout=300)
            assert client.returncode == 0, client.stderr[-2000:]
            served = collections.Counter({int(pid): n for pid, n in json.loads(client.stdout).items()})
            time.sleep(AFTER_ORDERS)
        finally:
            server.stop()
    finally:
        redis.kill()
        redis.wait(30)
    check_fleet(fleet_report(run_dir), served, workers=2)


# ------------------------------------------------------- the run's disk budget

BUDGETED = textwrap.dedent("""
    import os, sys, time
    heap = [{"k": [i, str(i) * 3]} for i in range(20000)]  # every image is some 0.5 MB at level 1
    children = []
    for _ in range(2):
        pid = os.fork()
        if pid == 0:
            break
        children.append(pid)
    end = time.monotonic() + float(sys.argv[1])
    while time.monotonic() < end:
        churn = [[i] for i in range(2000)]
        time.sleep(0.005)
    for pid in children:
        os.waitpid(pid, 0)
    if not children:
        sys.exit(0)
""")


def test_max_disk_bytes_bounds_the_whole_run(default_python, tmp_path):
    python = default_python
    """A parent and two followed children, each writing an image every 0.1 s
    for 6 s (some 60 images of up to 0.8 MB each per process unbounded): the
    run folder stays within the budget, give or take one image per process
    (each measures the others' files before it writes), every file still
    reads, and each process dropped its own old images to stay in it."""
    script = tmp_path / "budgeted.py"
    script.write_text(BUDGETED)
    run_dir = tmp_path / "run"
    budget = 3 * 1024 * 1024
    proc = subprocess.run([tool("memalot-dump"), "--lifetime", "1", "--interval", "0.1", "--quiet",
                           "--compression-level", "1", "--max-disk-bytes", str(budget),
                           "--dir", str(run_dir), str(script), "6"],
                          env=python.env(), capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    files = sorted(run_dir.iterdir())
    assert len(files) == 3, files
    sizes, largest_image, dropped = [], 0, 0
    for path in files:
        info = subprocess.run([tool("memalot-analyze"), "info", "--json", str(path)],
                              capture_output=True, text=True, timeout=120)
        assert info.returncode == 0, info.stderr
        listing = json.loads(info.stdout)
        images = listing["images"]
        assert images, "%s kept images" % path
        largest_image = max([largest_image] + [image["stored_bytes"] for image in images])
        sequences = [image["sequence"] for image in images]
        dropped += sequences[-1] + 1 - len(sequences)  # sequence numbers of dropped images are gaps
        sizes.append(path.stat().st_size)
    assert dropped > 0, "the budget was exercised: images were dropped"
    assert sum(sizes) <= budget + len(files) * largest_image, (sizes, budget, largest_image)
