"""memalot-analyze under valgrind: no invalid read or write, no use of
uninitialised memory, no definite leak, on real dumps.

Each command the analyzer has that reads a dump (info, report --json,
report --html, diff, paths) runs under memcheck with --error-exitcode=99, so
any error fails the test with valgrind's report. The dumps are the samples'
recorded ones (samples/dumps/*.mlt) when they exist, else two made here with
the dumper. A sanitizer build is skipped: valgrind cannot run ASan binaries.
"""
import glob
import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import BUILD, REPO, tool

VALGRIND = shutil.which("valgrind")
VALGRIND_ARGS = ["--error-exitcode=99", "--leak-check=full", "--errors-for-leak-kinds=definite",
                 "--track-origins=yes", "--quiet"]
OWN_SAMPLES = ["request_log.py", "del_cycles.py"]

pytestmark = pytest.mark.skipif(
    VALGRIND is None, reason="valgrind is not installed (Debian: apt-get install valgrind; "
                             ".ci/install-deps --tests installs it)")


def sanitized_build():
    cache = os.path.join(BUILD, "CMakeCache.txt")
    if not os.path.exists(cache):
        return False
    with open(cache) as f:
        return re.search(r"^MEMALOT_SANITIZE:BOOL=ON$", f.read(), re.M) is not None


@pytest.fixture(scope="module")
def dumps(tmp_path_factory):
    if sanitized_build():
        pytest.skip("%s is a sanitizer build; valgrind cannot run ASan binaries" % BUILD)
    recorded = sorted(glob.glob(os.path.join(REPO, "samples", "dumps", "*.mlt")))
    if recorded:
        return recorded
    launcher = os.path.join(BUILD, "bin", "memalot-dump")
    if not os.path.exists(launcher):
        pytest.skip("no samples/dumps/*.mlt and no memalot-dump at %s to make dumps" % launcher)
    folder = tmp_path_factory.mktemp("valgrind-dumps")
    made = []
    env = dict(os.environ, MEMALOT_SAMPLE_SECONDS="1")
    for sample in OWN_SAMPLES:
        out = str(folder / sample.replace(".py", ".mlt"))
        subprocess.run([launcher, "--lifetime", "0.5", "--quiet", "--output", out,
                        os.path.join(REPO, "samples", sample)], env=env, check=True,
                       timeout=300, capture_output=True)
        made.append(out)
    return made


def memcheck(*args):
    proc = subprocess.run([VALGRIND] + VALGRIND_ARGS + [tool("memalot-analyze")] +
                          [str(a) for a in args], capture_output=True, text=True, timeout=1800)
    assert proc.returncode != 99, "valgrind found errors in %s:\n%s" % (
        " ".join(map(str, args)), proc.stderr[-6000:])
    assert "==" not in proc.stderr or "ERROR SUMMARY: 0" in proc.stderr, proc.stderr[-6000:]
    return proc


def example_address(dump):
    """An object the report names, found without valgrind (it is only input)."""
    proc = subprocess.run([tool("memalot-analyze"), "report", dump, "--json", "--lifetime",
                           "0.2", "--warmup", "0"], capture_output=True, text=True, timeout=300)
    document = json.loads(proc.stdout)
    for leak in document.get("leaks", []):
        for example in leak.get("examples", []):
            return example["address"]
    return None


def test_info(dumps):
    for dump in dumps:
        assert memcheck("info", dump).returncode == 0


def test_info_json(dumps):
    for dump in dumps:
        assert memcheck("info", dump, "--json").returncode == 0


def test_report_json(dumps):
    for dump in dumps:
        proc = memcheck("report", dump, "--json", "--lifetime", "0.2", "--warmup", "0")
        assert proc.returncode in (0, 1), proc.stderr
        json.loads(proc.stdout)


def test_report_html_each(dumps, tmp_path):
    for dump in dumps:
        html = tmp_path / (os.path.basename(dump) + ".html")
        proc = memcheck("report", dump, "--html", html, "--each", "--lifetime", "0.2",
                        "--warmup", "0", "--exit-zero")
        assert proc.returncode == 0, proc.stderr
        assert html.stat().st_size > 0


def test_diff(dumps):
    for dump in dumps:
        proc = memcheck("diff", dump + "@0", dump, "--all")
        assert proc.returncode == 0, proc.stderr


def test_paths(dumps):
    checked = 0
    for dump in dumps:
        address = example_address(dump)
        if address is None:
            continue
        proc = memcheck("paths", dump, "--id", address)
        assert proc.returncode == 0, proc.stderr
        checked += 1
    if not checked:
        pytest.skip("no dump had a leak example to follow")


def test_redact(dumps, tmp_path):
    for dump in dumps:
        out = tmp_path / ("red-" + os.path.basename(dump))
        proc = memcheck("redact", dump, out, "--hash-names")
        assert proc.returncode == 0, proc.stderr
