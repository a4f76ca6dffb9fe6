"""Shared fixtures for memalot's end-to-end tests.

The tests run real Python programs in subprocesses against the build tree.
One CMake build compiles the extension for every supported Python it finds
and lists them in <build>/memalot-pythons.json; a test that takes the
`python` fixture runs once per interpreter found on the machine, and an
interpreter the build did not cover is skipped with a message saying why, as
is a supported version with no interpreter at all. MEMALOT_TEST_PYTHONS, when
set, lists the interpreters to use instead of searching pyenv and /usr/bin.

A sanitizer build (-DMEMALOT_SANITIZE=ON, which writes
<build>/memalot-sanitizers.json) runs the same tests under ASan+UBSan: every
interpreter started through PythonUnderTest gets the ASan runtime preloaded
(an uninstrumented python can load the instrumented extension only when the
runtime comes first) with leak detection off, because CPython frees little at
exit by design; the C tools keep leak detection on. Every sanitizer report of
every process goes to a per-session folder, and a test during which a report
appeared fails with it, even when the process's exit code was what the test
expected (a tool expected to exit non-zero on bad input must not pass by
dying in ASan).
"""
import functools
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import pytest

import hang_report

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("MEMALOT_BUILD_DIR", os.path.join(REPO, "build"))
SUPPORTED = [(3, 10), (3, 11), (3, 12), (3, 13), (3, 14)]


def _asan_runtime():
    """(sanitized, runtime path or None) for the build under test."""
    listing = os.path.join(BUILD, "memalot-sanitizers.json")
    if not os.path.exists(listing):
        return False, None
    with open(listing) as f:
        runtime = json.load(f).get("asan_runtime")
    return True, (runtime if runtime and os.path.exists(runtime) else None)


SANITIZED, ASAN_RUNTIME = _asan_runtime()
SANITIZER_LOGS = tempfile.mkdtemp(prefix="memalot-sanitizer-logs-") if SANITIZED else None


def _sanitizer_options(detect_leaks):
    # abort_on_error: a report kills the process with SIGABRT, never a plain exit
    # code a test could take for the tool's own; log_path: reports also reach the
    # per-test check below when a test swallows the process's stderr.
    common = "halt_on_error=1:abort_on_error=1:log_path=%s" % os.path.join(SANITIZER_LOGS, "report")
    return {"ASAN_OPTIONS": "detect_leaks=%d:%s" % (detect_leaks, common),
            "UBSAN_OPTIONS": "print_stacktrace=1:" + common}


if SANITIZED:
    # Inherited by every process a test starts: the ASan-built C tools
    # (memalot-analyze, mlt-dumpjson, ...) check for leaks too.
    os.environ.update(_sanitizer_options(detect_leaks=1))


# GCC 12's ASan runtime has no fork handler (LLVM's gained one in 18): a fork()
# while another thread is inside the ASan allocator copies that allocator's lock
# held, and a forked child that then mallocs deadlocks. The dumper's image child
# allocates nothing from it (docs/design-dumper.md, "The image child"); the
# program's own fork children still can.
FORK_WHILE_ANOTHER_THREAD_ALLOCATES = (
    "fork() while another thread is in the ASan allocator deadlocks the dump child "
    "(GCC 12's ASan runtime has no fork handler; glibc's malloc has one); the -Werror "
    "stage runs this test")

# Tests that cannot run in a sanitizer build, as file::function -> reason. Kept
# here rather than as marks in the test files so one place lists them all.
SANITIZER_SKIPS = {
    # The children it forks allocate at once while the parent's writer thread
    # compresses (in-process mode) or collects its dump child: gdb on a hung
    # child showed it waiting in SizeClassAllocator64::GetFromAllocator's lock
    # from list_resize (6 of 12 runs on 3.13 under ASan; 0 in the plain build).
    "test_faults.py::test_fork_while_the_thread_writes":
        FORK_WHILE_ANOTHER_THREAD_ALLOCATES,
    # Its bound on the visited set's bytes assumes glibc's layout: the set is an
    # address-keyed radix map, and ASan's allocator puts each size class in its
    # own distant region, so the same program needs more leaves (measured:
    # 427 KB plain, 1.9-2.2 MB under ASan, against a 1 MiB bound).
    "test_dumper_core.py::test_memory_reports_the_monitors_own_parts":
        "the visited set's size bound assumes glibc malloc's address layout; under ASan's "
        "allocator the same program's set measured 1.9-2.2 MB against the 1 MiB bound "
        "(427 KB in the plain build, where this test runs)",
}


def pytest_collection_modifyitems(config, items):
    if not SANITIZED:
        return
    for item in items:
        key = "%s::%s" % (os.path.basename(str(item.fspath)), getattr(item, "originalname", item.name))
        if key in SANITIZER_SKIPS:
            item.add_marker(pytest.mark.skip(
                reason="sanitizer build (%s): %s" % (BUILD, SANITIZER_SKIPS[key])))


def skip_if_sanitized(reason):
    """Marks a test that cannot run under ASan+UBSan; reason says why."""
    return pytest.mark.skipif(SANITIZED, reason="sanitizer build (%s): %s" % (BUILD, reason))


class PythonUnderTest:
    """One interpreter plus the build-tree package compiled for it."""

    def __init__(self, version, executable, package_dir):
        self.version = version
        self.executable = executable
        self.package_dir = package_dir

    def __repr__(self):
        return "Python %s (%s)" % (self.version, self.executable)

    def env(self, **extra):
        env = dict(os.environ)
        env["PYTHONPATH"] = self.package_dir
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("MEMALOT_DIR", None)
        if SANITIZED:
            env.update(sanitized_python_env(env))
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def run(self, args, timeout=300, check=False, **kwargs):
        """Runs `python args...` with the package on the path."""
        env = kwargs.pop("env", None) or self.env()
        return hang_report.run([self.executable] + list(args), env=env, timeout=timeout,
                               text=True, check=check, **kwargs)

    def run_code(self, code, *args, **kwargs):
        return self.run(["-c", code] + list(args), **kwargs)


def sanitized_python_env(env):
    """What a python needs to load a sanitizer build's extension: the ASan
    runtime preloaded, and no leak check (CPython leaks at exit by design)."""
    preload = " ".join(filter(None, [ASAN_RUNTIME, env.get("LD_PRELOAD")]))
    extra = _sanitizer_options(detect_leaks=0)
    extra["LD_PRELOAD"] = preload
    # GCC 12's ASan runtime has no fork handler: a fork while another thread is
    # inside its allocator leaves the dump child stuck on that lock (see
    # docs/reliability.md). Images are taken in-process unless a test asks for
    # fork mode itself; the plain stage covers fork mode everywhere.
    extra["MEMALOT_NO_FORK"] = "1"
    return extra


def for_python(env):
    """env, plus in a sanitizer build what a python needs to load the extension;
    for a test that starts an interpreter without PythonUnderTest.env()."""
    if SANITIZED:
        env.update(sanitized_python_env(env))
    return env


def _built_pythons():
    listing = os.path.join(BUILD, "memalot-pythons.json")
    if not os.path.exists(listing):
        return {}
    with open(listing) as f:
        entries = json.load(f)
    return {entry["version"]: entry["package_dir"] for entry in entries}


# A colon- (or os.pathsep-) separated list of interpreter paths that replaces
# the search below, so a run can be pinned to the Pythons a machine is meant to
# have (MEMALOT_TEST_PYTHONS=/usr/bin/python3) or to none at all (set and empty).
TEST_PYTHONS_VARIABLE = "MEMALOT_TEST_PYTHONS"


def _candidate_executables():
    listed = os.environ.get(TEST_PYTHONS_VARIABLE)
    if listed is not None:
        separators = "[:%s]" % re.escape(os.pathsep)
        return [exe for exe in re.split(separators, listed) if exe]
    candidates = []
    roots = []
    try:
        roots.append(subprocess.run(["pyenv", "root"], capture_output=True, text=True,
                                    timeout=20).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    roots.append(os.path.expanduser("~/.pyenv"))
    for root in filter(None, roots):
        candidates.extend(sorted(glob.glob(os.path.join(root, "versions", "3.*", "bin", "python3"))))
    candidates.append("/usr/bin/python3")
    return candidates


@functools.lru_cache(maxsize=None)
def _all_interpreters():
    """(version "3.X", executable) of every interpreter found, one per real path."""
    result = []
    seen = set()
    for exe in _candidate_executables():
        real = os.path.realpath(exe)
        if real in seen or not os.path.exists(exe):
            continue
        seen.add(real)
        try:
            out = subprocess.run([exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                 capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            continue
        if re.fullmatch(r"\d+\.\d+", out):
            result.append((out, exe))
    return tuple(result)


def interpreters_of(versions):
    """[(version, executable)] of the interpreters found whose "3.X" is in versions."""
    return [(version, exe) for version, exe in _all_interpreters() if version in versions]


def _python_params():
    built = _built_pythons()
    supported = ["%d.%d" % v for v in SUPPORTED]
    params = []
    for version, exe in interpreters_of(supported):
        ident = "py%s-%s" % (version, "debian" if exe.startswith("/usr/") else "pyenv")
        package_dir = built.get(version)
        marks = []
        if SANITIZED and ASAN_RUNTIME is None:
            marks.append(pytest.mark.skip(
                reason="sanitizer build without a shared ASan runtime to preload into python "
                       "(see memalot-sanitizers.json in %s)" % BUILD))
        elif package_dir is None:
            marks.append(pytest.mark.skip(
                reason="%s found at %s, but the build has no extension for it "
                       "(reconfigure so CMake sees it)" % (version, exe)))
        params.append(pytest.param(PythonUnderTest(version, exe, package_dir),
                                   id=ident, marks=marks))
    # A version with no interpreter still gets a param, skipped with a message,
    # so every run's summary says which Pythons it did not cover.
    found = {version for version, _ in interpreters_of(supported)}
    for version in supported:
        if version not in found:
            where = ("not in %s" % TEST_PYTHONS_VARIABLE if TEST_PYTHONS_VARIABLE in os.environ
                     else "not installed on this machine")
            params.append(pytest.param(None, id="py%s-missing" % version, marks=pytest.mark.skip(
                reason="Python %s is %s" % (version, where))))
    return params


PYTHON_PARAMS = _python_params()


@pytest.fixture(params=PYTHON_PARAMS)
def python(request):
    """A supported interpreter with the memalot package built for it."""
    return request.param


@pytest.fixture
def default_python():
    """The interpreter the build was configured for (one run, not one per version)."""
    listing = os.path.join(BUILD, "memalot-pythons.json")
    if not os.path.exists(listing):
        pytest.skip("no build at %s (set MEMALOT_BUILD_DIR)" % BUILD)
    with open(listing) as f:
        configured = json.load(f)[0]  # CMake writes the configured interpreter first
    if SANITIZED and ASAN_RUNTIME is None:
        pytest.skip("sanitizer build without a shared ASan runtime to preload into python")
    return PythonUnderTest(configured["version"], configured["executable"],
                           configured["package_dir"])


def project_version():
    """The version the build was configured with: project(VERSION) in the top
    CMakeLists.txt, as CMake records it in the build's cache."""
    cache = os.path.join(BUILD, "CMakeCache.txt")
    if not os.path.exists(cache):
        pytest.skip("no build at %s (set MEMALOT_BUILD_DIR)" % BUILD)
    with open(cache) as f:
        for line in f:
            if line.startswith("CMAKE_PROJECT_VERSION:"):
                return line.split("=", 1)[1].strip()
    raise AssertionError("no CMAKE_PROJECT_VERSION in %s" % cache)


def tool(name):
    """Path of a built command-line tool; the test skips when it was not built."""
    path = os.path.join(BUILD, "bin", name)
    if not os.path.exists(path):
        pytest.skip("%s was not built at %s" % (name, path))
    return path


@pytest.fixture
def dump_dir():
    path = tempfile.mkdtemp(prefix="memalot-test-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _new_sanitizer_reports(seen):
    reports = []
    for name in sorted(os.listdir(SANITIZER_LOGS)):
        if name not in seen:
            seen.add(name)
            with open(os.path.join(SANITIZER_LOGS, name), errors="replace") as f:
                reports.append("--- %s\n%s" % (name, f.read()))
    return reports


_REPORTED = set()


@pytest.fixture(autouse=True)
def no_sanitizer_report():
    """Fails the test during which any process wrote an ASan/UBSan report."""
    yield
    if SANITIZED:
        reports = _new_sanitizer_reports(_REPORTED)
        if reports:
            pytest.fail("sanitizer report(s) from a process this test started:\n"
                        + "\n".join(reports), pytrace=False)


def pytest_sessionfinish(session):
    """A report written outside any test (a module fixture's teardown) fails the run."""
    if not SANITIZED:
        return
    reports = _new_sanitizer_reports(_REPORTED)
    if reports:
        sys.stderr.write("sanitizer report(s) outside a test:\n" + "\n".join(reports) + "\n")
        session.exitstatus = 1
    shutil.rmtree(SANITIZER_LOGS, ignore_errors=True)
