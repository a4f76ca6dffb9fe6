"""The sanitizer build's harness itself (conftest.py): a python started by a
test really runs with the ASan runtime, and a report it writes reaches the
per-test check even when the test looked only at the exit status. Skipped in
a plain build, where there is nothing to check."""
import pytest

import conftest

pytestmark = pytest.mark.skipif(not conftest.SANITIZED,
                                reason="not a sanitizer build (%s): no harness to check" % conftest.BUILD)

DOUBLE_FREE = """
import ctypes
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
block = ctypes.c_void_p(libc.malloc(16))
libc.free(block)
libc.free(block)
print("not reached")
"""


def test_a_report_from_a_python_reaches_the_per_test_check(default_python):
    proc = default_python.run_code("import memalot._memalot\n" + DOUBLE_FREE)
    # abort_on_error: a report is a SIGABRT, never an exit status of the program's own
    assert proc.returncode == -6, (proc.returncode, proc.stdout, proc.stderr)
    assert "not reached" not in proc.stdout
    # Collected here so that the autouse check does not fail this test for it.
    reports = conftest._new_sanitizer_reports(conftest._REPORTED)
    assert len(reports) == 1, reports
    assert "attempting double-free" in reports[0]


def test_pythons_run_without_leak_checks_and_tools_with(default_python):
    env = default_python.env()
    assert "detect_leaks=0" in env["ASAN_OPTIONS"]
    assert conftest.ASAN_RUNTIME in env["LD_PRELOAD"].split()
    proc = default_python.run_code("import os; print(os.environ['ASAN_OPTIONS'])")
    assert proc.returncode == 0, proc.stderr
    assert "detect_leaks=0" in proc.stdout
    # the ASan-built C tools the tests start inherit the pytest process's options
    assert "detect_leaks=1" in conftest.os.environ["ASAN_OPTIONS"]
