"""The dumper under faults: the program must never crash, hang or lose an
earlier image, and memalot's hooks must be gone once monitoring stops.

Each test runs a real program (one per supported Python, the `python`
fixture) and judges it from the outside: exit status and output of the
program, `memalot-analyze info --json` / `report --json` and mlt-dumpjson on
the dump, and the interpreter's hook slots read through ctypes before
monitoring and after it stopped (the OBJ allocator, the 3.13 reference
tracer and the tp_dealloc of the freelist types the dumper wraps).
docs/reliability.md records what each test showed on each version.
"""
import json
import os
import random
import select
import shutil
import signal
import subprocess
import tempfile
import textwrap
import time
import zlib

import pytest

from conftest import BUILD, tool
from test_dumper_core import APPROX, FROZEN, NEW, read_dump, version_of

# Hook slots as the interpreter sees them, read without the dumper's help.
HOOKS = textwrap.dedent(
    """
    import ctypes
    class _Allocator(ctypes.Structure):
        _fields_ = [(n, ctypes.c_void_p) for n in ("ctx", "malloc", "calloc", "realloc", "free")]
    def hook_slots():
        obj = _Allocator()
        ctypes.pythonapi.PyMem_GetAllocator(2, ctypes.byref(obj))   # PYMEM_DOMAIN_OBJ
        # tp_dealloc is the 7th pointer-sized field of a type object (64-bit layout).
        slots = {"obj_malloc": obj.malloc,
                 "deallocs": [ctypes.c_void_p.from_address(id(t) + 6 * 8).value
                              for t in (float, tuple, list, dict, slice)]}
        if hasattr(ctypes.pythonapi, "PyRefTracer_GetTracer"):
            get = ctypes.pythonapi.PyRefTracer_GetTracer
            get.restype = ctypes.c_void_p
            get.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
            slots["tracer"] = get(ctypes.byref(ctypes.c_void_p()))
        return slots
    """
)

# Records every image the package asks for and the extension's answer.
PACKAGE_PRELUDE = HOOKS + textwrap.dedent(
    """
    import gc, json, os, sys, threading, time
    import memalot
    from memalot import _memalot
    DUMP = sys.argv[1]
    RECORD = []
    _real_dump = _memalot.dump
    def _recording_dump(*args, **kw):
        result = _real_dump(*args, **kw)
        RECORD.append(result)
        return result
    _memalot.dump = _recording_dump
    def wait_images(n, limit=120):
        deadline = time.monotonic() + limit
        while sum("error" not in r for r in RECORD) < n and time.monotonic() < deadline:
            time.sleep(0.01)
    def result(**extra):
        print("RESULT " + json.dumps(dict(extra, record=RECORD), default=repr), flush=True)
    """
)


def write_program(dump_dir, name, body, prelude=PACKAGE_PRELUDE):
    path = os.path.join(dump_dir, "prog_" + name + ".py")  # never shadows a module
    with open(path, "w") as f:
        f.write(prelude + textwrap.dedent(body))
    return path


def result_of(proc):
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise AssertionError("no RESULT line\nexit %s\nstdout:\n%s\nstderr:\n%s"
                         % (proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:]))


def no_crash(proc):
    """No interpreter abort, fatal error or stray traceback in the output."""
    for text in (proc.stdout, proc.stderr):
        for marker in ("Fatal Python error", "Segmentation fault", "Traceback (most recent",
                       "AddressSanitizer", "Exception ignored"):
            assert marker not in text, text[-4000:]


def info(path):
    proc = subprocess.run([tool("memalot-analyze"), "info", "--json", path],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, "info failed on %s: %s" % (path, proc.stderr)
    return json.loads(proc.stdout)


def report_at(path, index):
    proc = subprocess.run([tool("memalot-analyze"), "report", "--json", "--no-retained",
                           "--at", str(index), path], capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 1), "report --at %d of %s: %s" % (index, path, proc.stderr)
    report = json.loads(proc.stdout)
    assert report["schema"].startswith("memalot-report/")
    return report


def successes(record):
    return [r for r in record if isinstance(r, dict) and "error" not in r]


def assert_chain(images):
    """Sequences grow and each image's base is the one before it (nothing lost in between)."""
    for previous, image in zip(images, images[1:]):
        assert image["sequence"] > previous["sequence"]


def is_primary(python):
    """The interpreter the build was configured with runs the long variants."""
    with open(os.path.join(BUILD, "memalot-pythons.json")) as f:
        return os.path.realpath(json.load(f)[0]["executable"]) == os.path.realpath(python.executable)


# ----------------------------------------------------------------- SIGKILL

KILL_PROGRAM = """
import os, sys
from memalot import _memalot
path, mode = sys.argv[1], sys.argv[2]
class Node:
    def __init__(self, i):
        self.i = i
        self.payload = [i, str(i)]
heap = [Node(i) for i in range(40000)]
_memalot.open_monitor(path, use_fork=not mode.startswith("inprocess"))
print("OPEN %d" % os.path.getsize(path), flush=True)
leak = []
while True:
    leak.append([Node(-1) for _ in range(300)])
    r = _memalot.dump("periodic", criterion=("time", 0.1, 0.0))
    if "error" in r:
        print("ERROR " + r["error"], flush=True)
        break
    print("IMAGE %d %d" % (r["image"], r["file_size"]), flush=True)
"""


def kill_once(python, program, path, mode, delay):
    """Starts the program, SIGKILLs it `delay` seconds after its monitor opened,
    and returns (header size, [(sequence, file size) of images it saw complete]).
    "fork-parent" kills only the program: its dump child finishes the image
    and still holds the program's stdout, so reading to EOF waits for it.
    "inprocess-midwrite" waits after the delay until the file grows, so the
    kill lands while an image is being written."""
    proc = subprocess.Popen([python.executable, program, path, mode], env=python.env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        assert ready, "the program did not open its monitor"
        first = proc.stdout.readline()
        assert first.startswith("OPEN "), first + proc.stderr.read()
        time.sleep(delay)
        if mode == "inprocess-midwrite":
            # Kill as soon as the file grows: an image is being written right now.
            size, deadline = os.path.getsize(path), time.monotonic() + 30
            while os.path.getsize(path) == size and time.monotonic() < deadline:
                time.sleep(0.0002)
        if mode == "fork-parent":
            os.kill(proc.pid, signal.SIGKILL)
        else:
            os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, err)
    assert "ERROR" not in out, out
    known = [tuple(int(x) for x in line.split()[1:]) for line in out.splitlines()
             if line.startswith("IMAGE ")]
    return int(first.split()[1]), known


def test_sigkill_mid_image_keeps_every_complete_image(python, dump_dir):
    kills = 50 if is_primary(python) else 12
    program = os.path.join(dump_dir, "killed.py")
    with open(program, "w") as f:
        f.write(KILL_PROGRAM)
    rng = random.Random(6 * 1000 + kills)
    torn = reopened = 0
    outcomes = []
    for attempt in range(kills):
        mode = ("inprocess", "inprocess-midwrite", "inprocess", "fork-group",
                "fork-parent")[attempt % 5]
        path = os.path.join(dump_dir, "kill-%d.mlt" % attempt)
        header, known = kill_once(python, program, path, mode, rng.uniform(0.05, 0.6))
        listing = info(path)
        images = listing["images"]
        # Every image the program saw complete is there, unchanged.
        assert len(images) >= len(known), (mode, known, images)
        assert [i["sequence"] for i in images[:len(known)]] == [s for s, _ in known]
        assert_chain(images)
        complete_end = known[-1][1] if known else header
        size = os.path.getsize(path)
        if listing["tail"]["status"] == "clean":
            # A clean tail ends exactly at an image boundary.
            assert size == header + sum(i["stored_bytes"] for i in images), (mode, size, images)
        else:
            torn += 1
            assert size > complete_end and listing["tail"]["offset"] >= complete_end
        if mode == "fork-parent":
            # The orphaned dump child completed its image: never a torn tail.
            assert listing["tail"]["status"] == "clean", listing["tail"]
        if images:
            report = report_at(path, len(images) - 1)
            assert report["evaluated_image"] == len(images) - 1
        if listing["tail"]["status"] != "clean" and reopened == 0:
            # The torn file can be continued: the tail is cut, the new image follows.
            cont = python.run_code(
                "import sys; from memalot import _memalot\n"
                "_memalot.open_monitor(sys.argv[1], append=True, use_fork=False)\n"
                "r = _memalot.dump('manual'); assert 'error' not in r, r\n"
                "_memalot.close_monitor()\n", path)
            assert cont.returncode == 0, cont.stderr
            after = info(path)
            assert after["tail"]["status"] == "clean"
            assert len(after["images"]) == len(images) + 1
            reopened += 1
        outcomes.append((mode, len(known), len(images), listing["tail"]["status"]))
    print("%s: %d kills, %d torn tails, outcomes %s" % (python.version, kills, torn, outcomes))
    # Ten mid-write kills must have torn some tails, or the torn path went
    # untested (about 2 in 3 tear; the 12-kill runs are too short to insist).
    if kills >= 50:
        assert torn >= 1


# ----------------------------------------------------------- disk problems

@pytest.fixture
def small_fs():
    """A 2 MiB tmpfs (needs root / CAP_SYS_ADMIN); None when it cannot be mounted."""
    where = tempfile.mkdtemp(prefix="memalot-tmpfs-")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", where],
                             capture_output=True).returncode == 0
    yield where if mounted else None
    if mounted:
        subprocess.run(["umount", "-l", where], capture_output=True)
    shutil.rmtree(where, ignore_errors=True)


FULL_PROGRAM = """
import resource, signal
LIMIT = int(sys.argv[2])
if LIMIT:   # no tmpfs: a file size limit stands in for the full disk
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, resource.RLIM_INFINITY))
before = hook_slots()
lines = []
memalot.start_leak_monitoring(60.0, interval=0.05, dump_file=DUMP, report=False)
grow = []
total = 0
for step in range(60):
    grow.append([str(step * 1000 + k) for k in range(3000)])
    total += step
    print("WORK %d" % step, flush=True)
    time.sleep(0.02)
deadline = time.monotonic() + 120
while not any("error" in r for r in RECORD) and time.monotonic() < deadline:
    time.sleep(0.02)   # the disk fills up while the images grow
memalot.stop_leak_monitoring()
result(total=total, before=before, after=hook_slots(), status=_memalot.identity_status())
"""


def check_disk_fault(proc, dump, expect_stop_reason):
    no_crash(proc)
    assert proc.returncode == 0, proc.stderr
    result = result_of(proc)
    assert result["total"] == sum(range(60))
    assert [l for l in proc.stdout.splitlines() if l.startswith("WORK")] == \
        ["WORK %d" % k for k in range(60)]  # the program's output is intact
    warned = [l for l in proc.stderr.splitlines() if "MemalotWarning" in l]
    assert len(warned) == 1 and expect_stop_reason in warned[0], proc.stderr
    record = result["record"]
    written = successes(record)
    assert written and "error" in record[len(written)] and len(record) == len(written) + 1
    assert result["after"] == result["before"] and result["status"]["source"] == "none"
    listing = info(dump)
    assert [i["sequence"] for i in listing["images"]] == [r["image"] for r in written]
    assert listing["tail"]["status"] == "clean"  # the failed image was cut off
    report_at(dump, len(written) - 1)
    return listing


@pytest.mark.parametrize("mode", ["fork", "inprocess"])
def test_disk_full_warns_once_and_the_program_runs_on(python, dump_dir, small_fs, mode):
    program = write_program(dump_dir, "full", FULL_PROGRAM.replace(
        "report=False", "report=False, use_fork=%r" % (mode == "fork")))
    if small_fs is not None:
        dump, limit, how = os.path.join(small_fs, "full.mlt"), 0, "tmpfs of 2 MiB"
    else:
        dump, limit, how = os.path.join(dump_dir, "full.mlt"), 2 << 20, "RLIMIT_FSIZE of 2 MiB"
    proc = python.run([program, dump, str(limit)], timeout=300)
    listing = check_disk_fault(proc, dump, "image")
    assert os.path.getsize(dump) <= 2 << 20
    print("%s %s: %s, %d images kept" % (python.version, mode, how, len(listing["images"])))


def test_directory_turning_read_only_stops_images(python, dump_dir, small_fs):
    if small_fs is None:
        pytest.skip("cannot mount a tmpfs here (needs root); root ignores chmod, so no other "
                    "way to make a directory unwritable")
    body = FULL_PROGRAM.replace("for step in range(60):", textwrap.dedent("""\
        wait_images(2)
        os.system("mount -o remount,ro " + os.path.dirname(DUMP))
        for step in range(60):"""))
    program = write_program(dump_dir, "readonly", body)
    dump = os.path.join(small_fs, "ro.mlt")
    proc = python.run([program, dump, "0"], timeout=300)
    listing = check_disk_fault(proc, dump, "image")
    assert len(listing["images"]) >= 2


# ------------------------------------------------------------------- fork

FORK_PROGRAM = """
MODE = sys.argv[2]
before = hook_slots()
memalot.start_leak_monitoring(60.0, interval=0.02, dump_file=DUMP, report=False,
                              use_fork=MODE == "fork")
wait_images(1)
keep = []
children = []
for k in range(40):
    keep.append([object() for _ in range(200)])
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        junk = [[i] for i in range(20000)]
        ok = memalot.dump_path() is None and _memalot.monitor_path() is None \\
            and "error" in _real_dump("manual")
        os.write(write_end, b"1" if ok else b"0")
        if k % 2:
            os.execv("/bin/true", ["true"])
        os._exit(0)
    os.close(write_end)
    deadline = time.monotonic() + 30
    status = None
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.005)
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        status = "hung"
    children.append([status, os.read(read_end, 1).decode()])
    os.close(read_end)
    time.sleep(0.003 * (k % 7))
memalot.stop_leak_monitoring()
result(children=children, before=before, after=hook_slots(), pid=os.getpid())
"""


@pytest.mark.parametrize("mode", ["fork", "inprocess"])
def test_fork_while_the_thread_writes(python, dump_dir, mode):
    program = write_program(dump_dir, "forks", FORK_PROGRAM)
    dump = os.path.join(dump_dir, "forks.mlt")
    proc = python.run([program, dump, mode], timeout=600)
    no_crash(proc)
    assert proc.returncode == 0, proc.stderr
    result = result_of(proc)
    assert result["children"] == [[0, "1"]] * 40  # none hung, each saw no monitor
    assert result["after"] == result["before"]
    written = successes(result["record"])
    assert len(written) == len(result["record"]) >= 2
    listing = info(dump)
    assert listing["tail"]["status"] == "clean"
    # Exactly the parent's images: a child writing would add images or tear the file.
    assert [i["sequence"] for i in listing["images"]] == [r["image"] for r in written]
    headers = [json.loads(l) for l in subprocess.run(
        [tool("mlt-dumpjson"), dump], capture_output=True, text=True, timeout=600
    ).stdout.splitlines() if l.startswith('{"image"')]
    assert {h["pid"] for h in headers} == {result["pid"]}
    report_at(dump, len(written) - 1)


# --------------------------------------------------------------- threads

THREADS_PROGRAM = """
MODE = sys.argv[2]
before = hook_slots()
stop = threading.Event()
def churn(n):
    bag = []
    while not stop.is_set():
        bag.append({"n": n, "v": [n] * 5, "f": float(n), "s": str(n)})
        if len(bag) > 3000:
            del bag[:1500]
threads = [threading.Thread(target=churn, args=(i,), name="churn-%d" % i) for i in range(32)]
for t in threads:
    t.start()
memalot.start_leak_monitoring(60.0, interval=0.05, dump_file=DUMP, report=False,
                              use_fork=MODE == "fork")
wait_images(6)
memalot.stop_leak_monitoring()
stop.set()
for t in threads:
    t.join()
result(before=before, after=hook_slots())
"""


@pytest.mark.parametrize("mode", ["fork", "inprocess"])
def test_many_threads_allocating(python, dump_dir, mode):
    program = write_program(dump_dir, "threads", THREADS_PROGRAM)
    dump = os.path.join(dump_dir, "threads.mlt")
    proc = python.run([program, dump, mode], timeout=600)
    no_crash(proc)
    assert proc.returncode == 0, proc.stderr
    result = result_of(proc)
    assert result["after"] == result["before"]
    written = successes(result["record"])
    assert len(written) == len(result["record"]) >= 6
    images = read_dump(dump, addresses=set())
    assert [img.header["image"] for img in images] == [r["image"] for r in written]
    for img, r in zip(images, written):
        assert img.header["objects"] == len(img.objects) == r["objects"]
        assert img.header["has_base"] == (img is not images[0])
        # The 32 churning threads are all seen, with their frames' locals.
        tids = {root["tid"] for root in img.roots if root["root"] == "frame-local"}
        assert len(tids) >= 33


# -------------------------------------------------------------- shutdown

SHUTDOWN_PROGRAM = """
MODE, HOW = sys.argv[2], sys.argv[3]
heap = [{"k": [i, str(i)], "t": (i, float(i))} for i in range(80000)]
memalot.start_leak_monitoring(60.0, interval=0.01, dump_file=DUMP, report=False,
                              use_fork=MODE == "fork")
wait_images(1)
time.sleep(float(sys.argv[4]))   # the thread is somewhere in its next image
print("EXITING %d" % len(RECORD), flush=True)
if HOW == "sys.exit":
    sys.exit(3)
elif HOW == "os._exit":
    os._exit(4)
elif HOW == "exception":
    raise KeyError("the program's own error")
# "end": the main module just ends
"""

RAW_SHUTDOWN_PROGRAM = """
import sys, threading, time
from memalot import _memalot
heap = [{"k": [i, str(i)], "t": (i, float(i))} for i in range(80000)]
_memalot.open_monitor(sys.argv[1], use_fork=sys.argv[2] == "fork")
done = []
def loop():   # a daemon thread of the program's own, dumping until finalization
    while True:
        r = _memalot.dump("periodic")
        if "error" in r:
            return
        done.append(r["image"])
threading.Thread(target=loop, daemon=True).start()
while not done:
    time.sleep(0.005)
time.sleep(float(sys.argv[4]))
print("EXITING %d" % len(done), flush=True)
"""


@pytest.mark.parametrize("mode", ["fork", "inprocess"])
@pytest.mark.parametrize("how,code", [("sys.exit", 3), ("end", 0), ("exception", 1),
                                      ("os._exit", 4), ("raw-daemon", 0)])
def test_interpreter_exit_while_an_image_is_written(python, dump_dir, mode, how, code):
    seed = zlib.crc32(("%s %s %s" % (python.version, mode, how)).encode())
    delay = "%.3f" % random.Random(seed).uniform(0.05, 0.4)
    if how == "raw-daemon":
        program = write_program(dump_dir, "shutdown", RAW_SHUTDOWN_PROGRAM, prelude="")
    else:
        program = write_program(dump_dir, "shutdown", SHUTDOWN_PROGRAM)
    dump = os.path.join(dump_dir, "shutdown.mlt")
    proc = python.run([program, dump, mode, how, delay], timeout=600)
    assert proc.returncode == code, proc.stderr[-3000:]
    if how == "exception":
        assert "KeyError: \"the program's own error\"" in proc.stderr
        proc.stderr = proc.stderr.replace("Traceback (most recent", "")
    for marker in ("Fatal Python error", "Segmentation fault", "Exception ignored", "Traceback"):
        assert marker not in proc.stderr, proc.stderr[-3000:]
    seen = int([l for l in proc.stdout.splitlines() if l.startswith("EXITING")][0].split()[1])
    listing = info(dump)
    images = listing["images"]
    assert len(images) >= seen >= 1
    assert_chain(images)
    if not (how == "os._exit" and mode == "inprocess"):
        # Exit handlers wait for the image in flight; after os._exit a fork-mode
        # child still finishes it. Only an in-process write cut by os._exit tears.
        assert listing["tail"]["status"] == "clean", listing["tail"]
    report_at(dump, len(images) - 1)


# -------------------------------------------------------------- gc.freeze

FREEZE_PROGRAM = """
MODE = sys.argv[2]
early = ["frozen before monitoring"]
gc.freeze()
memalot.start_leak_monitoring(60.0, interval=0.05, dump_file=DUMP, report=False,
                              use_fork=MODE == "fork")
late = ["frozen while monitoring"]
fresh_before = len(RECORD)
wait_images(fresh_before + 2)
before_freeze = len(RECORD)
gc.freeze()
after_freeze = len(RECORD)
never = ["never frozen"]
wait_images(after_freeze + 3)
gc.unfreeze()
memalot.stop_leak_monitoring()
result(early=id(early), late=id(late), never=id(never), before_freeze=before_freeze,
       after_freeze=after_freeze, frozen_count=gc.get_freeze_count())
"""


@pytest.mark.parametrize("mode", ["fork", "inprocess"])
def test_gc_freeze_before_and_during_monitoring(python, dump_dir, mode):
    program = write_program(dump_dir, "freeze", FREEZE_PROGRAM)
    dump = os.path.join(dump_dir, "freeze.mlt")
    proc = python.run([program, dump, mode], timeout=600)
    no_crash(proc)
    assert proc.returncode == 0, proc.stderr
    r = result_of(proc)
    assert r["frozen_count"] == 0
    written = successes(r["record"])
    assert len(written) == len(r["record"])
    images = read_dump(dump, addresses={r["early"], r["late"], r["never"]})
    assert len(images) == len(written)
    for k, img in enumerate(images):
        early = img.obj(r["early"])
        assert early["f"] & FROZEN
        # `late` may be younger than the first image. An image written before the
        # second freeze cannot show it frozen; one started after it must.
        late = img.obj(r["late"]) if r["late"] in img.by_address else None
        if k < r["before_freeze"] and late is not None:
            assert not late["f"] & FROZEN
        if k > r["after_freeze"]:
            assert late["f"] & FROZEN
            # Freezing moves objects between GC lists: identities must survive it.
            assert not late["f"] & (NEW | APPROX) and not early["f"] & (NEW | APPROX)
        if r["never"] in img.by_address:
            assert not img.obj(r["never"])["f"] & FROZEN
    assert len(images) >= r["after_freeze"] + 2


# --------------------------------------------------------- subinterpreters

SUBINTERP_PROGRAM = """
try:
    import _interpreters as interpreters
except ImportError:
    try:
        import _xxsubinterpreters as interpreters
    except ImportError:
        interpreters = None
if interpreters is None:
    result(skip="no _interpreters/_xxsubinterpreters module")
    sys.exit(0)
before = hook_slots()
memalot.start_leak_monitoring(60.0, interval=0.05, dump_file=DUMP, report=False)
wait_images(1)
trashcan_before = _memalot.identity_status()["trashcan_always"]
SUB = '''
import sys
junk = [[i, str(i), {"k": float(i)}] for i in range(20000)]
try:
    from memalot import _memalot
    try:
        _memalot.open_monitor(OUT + ".mlt")
        opened = "opened"
    except RuntimeError as exc:
        opened = str(exc)
    outcome = "import ok; path=%r; dump=%s; open=%s" % (
        _memalot.monitor_path(), _memalot.dump("manual").get("error"), opened)
    _memalot.close_monitor()   # must not close the main interpreter's monitor
except BaseException as exc:
    outcome = "%s: %s" % (type(exc).__name__, exc)
with open(OUT, "w") as f:
    f.write(outcome)
del junk
'''
outcomes = []
def run_sub(k):
    out = DUMP + ".sub%d" % k
    interp = interpreters.create()
    try:
        code = "OUT = %r\\n" % out + SUB
        if hasattr(interpreters, "exec"):
            err = interpreters.exec(interp, code)
        else:
            err = interpreters.run_string(interp, code)
        if err is not None:
            outcomes.append("exec error: %r" % (err,))
    finally:
        interpreters.destroy(interp)
    if os.path.exists(out):
        with open(out) as f:
            outcomes.append(f.read())
for k in range(4):
    t = threading.Thread(target=run_sub, args=(k,))
    t.start()
    t.join()
count = len(RECORD)
wait_images(count + 2)
# An interpreter alive across images: on 3.12 the wrappers' nesting count
# could race with its own GIL, so container deaths take the trashcan from now.
held = interpreters.create()
wait_images(len(RECORD) + 2)
trashcan_after = _memalot.identity_status()["trashcan_always"]
interpreters.destroy(held)
deep = []
for _ in range(300000):
    deep = [deep]
del deep   # through the trashcan alone now: must not recurse on the C stack
memalot.stop_leak_monitoring()
result(outcomes=outcomes, before=before, after=hook_slots(), skip=None,
       trashcan=[trashcan_before, trashcan_after])
"""


def test_subinterpreters_while_the_main_interpreter_is_monitored(python, dump_dir):
    program = write_program(dump_dir, "subinterp", SUBINTERP_PROGRAM)
    dump = os.path.join(dump_dir, "sub.mlt")
    proc = python.run([program, dump], timeout=600)
    no_crash(proc)
    assert proc.returncode == 0, proc.stderr
    r = result_of(proc)
    if r.get("skip"):
        pytest.skip(r["skip"])
    assert r["after"] == r["before"]
    # Container deaths skip the trashcan while nesting is shallow, counted
    # under the GIL; a second interpreter on 3.12 (own GIL) ends that.
    shared_gil = version_of(python) < (3, 12) or version_of(python) >= (3, 13)
    assert r["trashcan"] == ([False, False] if shared_gil else [False, True])
    assert len(r["outcomes"]) == 4
    print("%s subinterpreter outcomes: %s" % (python.version, sorted(set(r["outcomes"]))))
    for outcome in r["outcomes"]:
        if version_of(python) >= (3, 12):
            # Isolated subinterpreters refuse single-phase-init extensions.
            assert outcome.startswith("ImportError") and "subinterpreters" in outcome, outcome
        else:
            # Shared-GIL subinterpreters import it but cannot use the main's monitor.
            assert outcome.startswith("import ok; path=None; dump=memalot: images are taken "
                                      "in the main interpreter only"), outcome
            assert outcome.endswith("open=memalot: monitoring runs in the main interpreter "
                                    "only, not in a subinterpreter"), outcome
    assert not [name for name in os.listdir(os.path.dirname(dump)) if name.endswith(".mlt.mlt")]
    written = successes(r["record"])
    assert len(written) == len(r["record"]) >= 3
    listing = info(dump)
    assert listing["tail"]["status"] == "clean"
    assert [i["sequence"] for i in listing["images"]] == [w["image"] for w in written]
    report_at(dump, len(written) - 1)


# ------------------------------------------------------------- tracemalloc

TRACEMALLOC_PROGRAM = """
import tracemalloc
WHEN = sys.argv[2]
class Thing:
    def __init__(self, tag):
        self.tag = tag
before = hook_slots()
tm = None
if WHEN == "before":
    tracemalloc.start()
    tm = hook_slots()
_memalot.open_monitor(DUMP, use_fork=False)
survivor = ["survivor"]
records = []
for round_ in range(10):
    if round_ == 2 and WHEN == "after":
        tracemalloc.start()
        tm = hook_slots()
    if round_ == 4:
        tracemalloc.stop()   # before: takes its allocator/tracer with it
    objs = []
    for j in range(60):
        tag = "%d-%d" % (round_, j)
        objs += [[tag], {"tag": tag}, Thing(tag), Thing(tag).__dict__, (tag, j)]
    live = {id(o): "%d-%d" % (round_, n) for n, o in enumerate(objs)}
    live[id(survivor)] = "survivor"
    r = _memalot.dump("manual")
    assert "error" not in r, r
    records.append(live)
    del objs, live
status = _memalot.identity_status()
_memalot.close_monitor()
closed = _memalot.identity_status()
result(records=records, status=status, closed=closed, before=before, after=hook_slots(),
       tm=tm, survivor=id(survivor))
"""


@pytest.mark.parametrize("when", ["before", "after"])
def test_tracemalloc_around_memalot_keeps_identity_exact_or_flagged(python, dump_dir, when):
    """tracemalloc started before memalot and stopped while it runs restores the
    allocator (3.10-3.12) or empties the tracer slot (3.13) it found, taking
    memalot's hook with it; started after and stopped again, it hands memalot's
    hook back. Either way no image may link two different objects unflagged,
    and once memalot is closed the interpreter's hooks are as they were."""
    program = write_program(dump_dir, "tracemalloc", TRACEMALLOC_PROGRAM)
    dump = os.path.join(dump_dir, "tm.mlt")
    proc = python.run([program, dump, when], timeout=600)
    no_crash(proc)
    assert proc.returncode == 0, proc.stderr
    r = result_of(proc)
    records = [{int(k): v for k, v in rec.items()} for rec in r["records"]]
    addresses = set().union(*records)
    images = read_dump(dump, addresses=addresses)
    assert len(images) == len(records)
    reused = false_links = flagged = 0
    for k in range(1, len(images)):
        for address, token in records[k].items():
            if address not in records[k - 1] or records[k - 1][address] == token:
                continue
            reused += 1
            flags = images[k].obj(address)["f"]
            if flags & NEW:
                continue
            if flags & APPROX:
                flagged += 1
            else:
                false_links += 1
    assert reused > 50, "no address was reused (%d)" % reused
    assert false_links == 0, "%d different objects linked as one" % false_links
    assert not images[-1].obj(r["survivor"])["f"] & (NEW | APPROX)  # exact again at the end
    assert r["closed"]["source"] == "none"
    after, before = dict(r["after"]), dict(r["before"])
    if version_of(python) >= (3, 13):
        # 3.13.0's tracemalloc.stop() leaves its own (idle) tracer in the slot,
        # so after memalot closes, the slot holds what it held before memalot
        # or tracemalloc's tracer, never memalot's.
        assert after.pop("tracer") in (before.pop("tracer"), r["tm"]["tracer"])
        replaced = r["status"]["tracer_replaced"]
        assert replaced >= 1 if when == "after" else replaced in (0, 1)
    else:
        # The allocator hook dropped by tracemalloc.stop() was noticed once and re-installed.
        assert r["status"]["tracer_replaced"] == (1 if when == "before" else 0)
    assert after == before
