"""Collects the integration suite with a given set of Pythons and checks the result.

    python check_collection.py

Runs `pytest --collect-only` on this folder twice, with MEMALOT_TEST_PYTHONS
set to /usr/bin/python3 (a plain Debian 12 machine) and to "" (no interpreter
at all), and fails when collection reports an error, or when a supported
version the run cannot use is missing from the collected tests, or is there
without a skip mark that says why. A machine with every Python installed never
exercises these paths, so without this check a fixture that only works when
all of them are present goes unnoticed until a newcomer's first run.

Run as a pytest plugin too (-p check_collection): after collection it prints
one line per collected test whose id names a missing Python, with its skip
reason, which is what the check above reads.
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MARKER = "MISSING-PARAM "
SUPPORTED = []  # filled by main() from conftest


def pytest_collection_finish(session):
    for item in session.items:
        if "-missing" not in item.nodeid:
            continue
        reasons = [mark.kwargs.get("reason", mark.args[0] if mark.args else "")
                   for mark in item.iter_markers("skip")]
        print("%s%s | %s" % (MARKER, item.nodeid, reasons[0] if reasons else ""))


def collect(pythons):
    env = dict(os.environ, MEMALOT_TEST_PYTHONS=pythons, PYTHONPATH=HERE)
    return subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q",
                           "-p", "no:cacheprovider", "-p", "check_collection", HERE],
                          cwd=HERE, env=env, capture_output=True, text=True, timeout=300)


def check(pythons, present):
    """Collection with MEMALOT_TEST_PYTHONS=pythons, where the supported
    versions in `present` are usable; returns a list of problems."""
    proc = collect(pythons)
    output = proc.stdout + proc.stderr
    label = "MEMALOT_TEST_PYTHONS=%r" % pythons
    problems = []
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    if proc.returncode != 0 or "error" in summary:
        problems.append("%s: collection failed (exit %d):\n%s" % (label, proc.returncode, output[-4000:]))
        return problems
    missing = {}
    for line in proc.stdout.splitlines():
        if line.startswith(MARKER):
            nodeid, _, reason = line[len(MARKER):].partition(" | ")
            version = re.search(r"py(\d+\.\d+)-missing", nodeid)
            if version:
                missing.setdefault(version.group(1), []).append((nodeid, reason))
    for version in SUPPORTED:
        if version in present:
            if version in missing:
                problems.append("%s: Python %s is usable but collected as missing" % (label, version))
            continue
        if version not in missing:
            problems.append("%s: no skipped param for the missing Python %s" % (label, version))
            continue
        for nodeid, reason in missing[version]:
            if "Python %s" % version not in reason:
                problems.append("%s: %s has no skip message naming Python %s (got %r)"
                                % (label, nodeid, version, reason))
    return problems


def _supported():
    """conftest's list of supported versions; its interpreter search is
    emptied first, since this process only needs the list."""
    os.environ["MEMALOT_TEST_PYTHONS"] = ""
    sys.path.insert(0, HERE)
    from conftest import SUPPORTED

    del os.environ["MEMALOT_TEST_PYTHONS"]
    return ["%d.%d" % v for v in SUPPORTED]


def main():
    SUPPORTED[:] = _supported()
    problems = []
    debian = "/usr/bin/python3"
    if os.path.exists(debian):
        version = subprocess.run([debian, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                 capture_output=True, text=True).stdout.strip()
        problems += check(debian, {version})
    else:
        print("no %s: checking the empty set only" % debian)
    problems += check("", set())
    for problem in problems:
        print("FAIL", problem)
    if not problems:
        print("collection passed with MEMALOT_TEST_PYTHONS=%s and with none" % debian)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
