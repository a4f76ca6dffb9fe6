"""Fork-mode images must never hang or disturb the program (issue #11).

Each test runs a real workload from tests/workloads under memalot-dump in
fork mode (an image every 0.5 s) and judges it from outside: the program
exits 0 and prints exactly what a plain run prints, and every image of the
dump reads back (mlt-dumpjson verifies each checksum). Before the image
child ran without fork handlers, the numpy workload hung forever in
OpenBLAS; the stuck-child test stops an image child with SIGSTOP and shows
the deadline kill it, the program unaffected and later images in-process.
"""
import json
import os
import subprocess
import textwrap

import pytest

from conftest import REPO, skip_if_sanitized, tool
from image_children import STOP_FIRST_IMAGE_CHILD
from venvs import venv_with

WORKLOADS = os.path.join(REPO, "tests", "workloads")
SECONDS = 10      # with an image every 0.5 s, about 20 images on a quiet machine
MIN_IMAGES = 8    # what a loaded 2-core machine still manages in that time
# Debian's libjemalloc2 and libtcmalloc-minimal4 (.ci/install-deps --tests).
ALLOCATORS = {"jemalloc": "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
              "tcmalloc": "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4"}


def fork_mode_env(python, **extra):
    env = python.env(**extra)
    env.pop("MEMALOT_NO_FORK", None)  # these tests are about fork mode, in every build
    return env


def plain_output(executable, python, args):
    proc = subprocess.run([executable] + args, env=fork_mode_env(python), capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def run_monitored(executable, python, args, dump, launcher=(), env=None, timeout=240):
    command = [executable, "-m", "memalot", "--lifetime", "1", "--interval", "0.5", "-o", dump,
               "--quiet"] + list(launcher) + args
    try:
        return subprocess.run(command, env=env or fork_mode_env(python), capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        pytest.fail("the program hung under memalot-dump (no exit in %d s): %s"
                    % (timeout, (exc.stderr or b"")[-500:]))


def images_of(dump):
    info = subprocess.run([tool("memalot-analyze"), "info", "--json", dump], capture_output=True,
                          text=True, timeout=120)
    assert info.returncode == 0, info.stderr
    every = subprocess.run([tool("mlt-dumpjson"), dump], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True, timeout=600)
    assert every.returncode == 0, "an image does not read back: %s" % every.stderr
    return json.loads(info.stdout)["images"]


def check_undisturbed(executable, python, script, args, dump, **kwargs):
    program = [os.path.join(WORKLOADS, script)]
    expected = plain_output(executable, python, program + ["0"] + args)
    proc = run_monitored(executable, python, program + [str(SECONDS)] + args, dump, **kwargs)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout == expected
    assert "warning" not in proc.stderr, proc.stderr
    images = images_of(dump)
    assert len(images) >= MIN_IMAGES, "only %d images in %d s" % (len(images), SECONDS)
    return proc, images


@pytest.mark.parametrize("where", ["main-thread", "second-thread"])
def test_numpy_openblas_threads(python, tmp_path, where):
    numpy_python = venv_with(python, ["numpy"])
    args = ["--thread"] if where == "second-thread" else []
    check_undisturbed(numpy_python, python, "numpy_matmul.py", args, str(tmp_path / "np.mlt"))


@skip_if_sanitized("the ASan runtime replaces malloc; no other allocator can be preloaded beside it")
@pytest.mark.parametrize("allocator", sorted(ALLOCATORS))
def test_four_allocating_threads_with_another_malloc(python, tmp_path, allocator):
    library = ALLOCATORS[allocator]
    if not os.path.exists(library):
        pytest.skip("%s is not installed (%s; .ci/install-deps --tests)" % (allocator, library))
    env = fork_mode_env(python)
    env["LD_PRELOAD"] = " ".join(filter(None, [env.get("LD_PRELOAD"), library]))
    check_undisturbed(python.executable, python, "alloc_threads.py", [],
                      str(tmp_path / "alloc.mlt"), env=env)


@pytest.mark.parametrize("script", ["alloc_threads.py", "sqlite_threads.py", "locks_held.py"])
def test_threads_holding_locks(default_python, tmp_path, script):
    check_undisturbed(default_python.executable, default_python, script, [],
                      str(tmp_path / "w.mlt"))


# Stops the first image child it sees, as a debugger, the OOM killer's
# freezer or a starved machine would; memalot's deadline must free the program.
STOPPER = STOP_FIRST_IMAGE_CHILD + textwrap.dedent(
    """
    import sys, threading, zlib

    def stop_first_child():
        stop_first_image_child()
        print("stopped an image child", file=sys.stderr, flush=True)

    threading.Thread(target=stop_first_child, daemon=True).start()
    deadline = time.monotonic() + float(sys.argv[1])
    crc = 0
    while time.monotonic() < deadline:
        churn = [bytes(100) for _ in range(100)]
        crc = zlib.crc32(b"steady")
    print("crc %08x" % crc)
    print("done", flush=True)
    """
)


def test_stuck_image_child_is_killed_and_the_program_goes_on(python, tmp_path):
    script = tmp_path / "stopper.py"
    script.write_text(STOPPER)
    dump = str(tmp_path / "stuck.mlt")
    proc = run_monitored(python.executable, python, [str(script), "6"], dump,
                         launcher=["--fork-timeout", "1"])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout == "crc %08x\ndone\n" % (__import__("zlib").crc32(b"steady"))
    assert "stopped an image child" in proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if "did not finish within 1.0 s" in line]
    assert len(warnings) == 1, proc.stderr
    images = images_of(dump)
    # The killed child's image is gone, the file is whole, and images went on in-process.
    assert len(images) >= 4, images
    sequences = [image["sequence"] for image in images]
    assert sequences == sorted(sequences)


# The program's own children, reaped the ways programs reap them, while images
# are taken every 50 ms: a thread blocked in os.wait(), a SIGCHLD handler that
# reaps with waitpid(-1, WNOHANG) (multiprocessing's forkserver, gunicorn's
# master) and counts what it reaps. Neither may ever be handed an image child.
REAPER = textwrap.dedent(
    """
    import os, signal, sys, threading, time

    mine, reaped = set(), []

    def on_sigchld(number, frame):
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            reaped.append(pid)

    deadline = time.monotonic() + float(sys.argv[1])
    waited = []
    while time.monotonic() < deadline:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        child = os.fork()
        if child == 0:
            time.sleep(0.3)
            os._exit(7)
        got = {}
        waiter = threading.Thread(target=lambda: got.update(zip(("pid", "status"), os.wait())))
        waiter.start()
        churn = [[object() for _ in range(50)] for _ in range(2000)]
        waiter.join()
        waited.append((got["pid"] == child, os.waitstatus_to_exitcode(got["status"])))
        signal.signal(signal.SIGCHLD, on_sigchld)
        child = os.fork()
        if child == 0:
            time.sleep(0.3)
            os._exit(0)
        mine.add(child)
        end = time.monotonic() + 0.6
        while time.monotonic() < end:
            churn = [[object() for _ in range(50)] for _ in range(200)]
    time.sleep(0.5)
    print("waited", sorted(set(waited)))
    print("foreign", sorted(set(reaped) - mine))
    """
)


def test_the_programs_wait_never_sees_an_image_child(python, tmp_path):
    script = tmp_path / "reaper.py"
    script.write_text(REAPER)
    dump = str(tmp_path / "reaper.mlt")
    command_args = [str(script), "4"]
    proc = subprocess.run([python.executable, "-m", "memalot", "--lifetime", "1", "--interval",
                           "0.05", "--no-follow-fork", "-o", dump, "--quiet"] + command_args,
                          env=fork_mode_env(python), capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout == "waited [(True, 7)]\nforeign []\n", proc.stdout
    assert len(images_of(dump)) >= 10  # images were taken while it reaped
