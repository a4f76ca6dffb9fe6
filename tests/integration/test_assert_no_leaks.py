"""memalot.assert_no_leaks, leak_check and the pytest plugin, end to end.

A generated test module runs in a pytest subprocess (`-p
memalot.pytest_plugin`) under every interpreter the build covered that has
pytest installed. It checks a leaking sample's handle (request_log: every
Request is kept in a module-level list) and a control (control_short_lived:
nothing outlives a call) through the marker, the fixture, the function and
the context manager. The leaking cases must fail with the report naming the
leaked type and what holds it; the controls must pass. Outcomes and failure
messages are read from the subprocess's JUnit XML.
"""
import os
import textwrap
import xml.etree.ElementTree as ElementTree

import pytest

from conftest import REPO

SAMPLES = os.path.join(REPO, "samples")

TESTS = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {samples!r})

    import pytest

    import memalot
    import control_short_lived
    import request_log


    @pytest.mark.no_leaks(iterations=3)
    def test_marker_leaking():
        request_log.handle(7)


    @pytest.mark.no_leaks(iterations=3)
    def test_marker_control():
        control_short_lived.handle(7)


    @pytest.fixture
    def payload():
        return [1, 2, 3]  # set up once, before the first monitored call


    @pytest.mark.no_leaks(iterations=4, max_object_age_calls=2, warmup_calls=1)
    def test_marker_control_with_fixture(payload):
        control_short_lived.handle(sum(payload))


    def test_fixture_leaking(memalot_no_leaks):
        memalot_no_leaks(request_log.handle, 7)


    def test_fixture_control(memalot_no_leaks):
        memalot_no_leaks(control_short_lived.handle, 7, iterations=5)


    def test_function_leaking_names_the_type_and_count():
        with pytest.raises(AssertionError) as caught:
            memalot.assert_no_leaks(request_log.handle, 7, iterations=4)
        # Calls 2, 3 and 4 come after the warm-up call; each keeps one Request.
        assert caught.value.candidates == 9  # a Request, its headers dict and its path str each
        assert "holds:    3 request_log.Request" in str(caught.value)


    def test_function_leak_filtered_out_by_type():
        memalot.assert_no_leaks(request_log.handle, 7, excluded_type_names=["request_log.", "builtins."])


    def test_context_manager_leaking():
        with memalot.leak_check(iterations=3) as run:
            run(control_short_lived.handle, 1)
            run(request_log.handle, 1)


    def test_context_manager_control():
        with memalot.leak_check(iterations=3) as run:
            run(control_short_lived.handle, 1)
            run(control_short_lived.handle, 2)


    def test_too_few_iterations_is_a_usage_error():
        with pytest.raises(ValueError, match="at least 3 iterations"):
            memalot.assert_no_leaks(request_log.handle, 7, iterations=2, max_object_age_calls=2)
    """
)

EXPECTED_FAILURES = {"test_marker_leaking", "test_fixture_leaking", "test_context_manager_leaking"}


def run_pytest(python, directory):
    path = os.path.join(directory, "test_generated_leaks.py")
    with open(path, "w") as f:
        f.write(TESTS.format(samples=SAMPLES))
    xml = os.path.join(directory, "results.xml")
    temp = os.path.join(directory, "tmp")
    os.mkdir(temp)
    proc = python.run(["-m", "pytest", "-p", "memalot.pytest_plugin", "-p", "no:cacheprovider",
                       "-q", "--junitxml", xml, "--basetemp", os.path.join(directory, "basetemp"), path],
                      env=python.env(TMPDIR=temp), cwd=directory, timeout=600)
    assert os.path.exists(xml), "pytest did not run:\n%s\n%s" % (proc.stdout, proc.stderr)
    outcomes = {}
    for case in ElementTree.parse(xml).getroot().iter("testcase"):
        failure = case.find("failure")
        error = case.find("error")
        if error is not None:
            outcomes[case.get("name")] = ("error", error.get("message", "") + (error.text or ""))
        elif failure is not None:
            outcomes[case.get("name")] = ("failed", (failure.get("message") or "") + (failure.text or ""))
        else:
            outcomes[case.get("name")] = ("passed", "")
    return proc, outcomes


def test_assert_no_leaks_and_the_pytest_plugin(python, dump_dir):
    probe = python.run_code("import pytest")
    if probe.returncode != 0:
        pytest.skip("pytest is not installed for %s" % python)
    proc, outcomes = run_pytest(python, dump_dir)
    transcript = "stdout:\n%s\nstderr:\n%s" % (proc.stdout[-6000:], proc.stderr[-3000:])
    assert len(outcomes) == TESTS.count("\ndef test_"), transcript
    for name, (outcome, message) in sorted(outcomes.items()):
        if name in EXPECTED_FAILURES:
            assert outcome == "failed", "%s should fail with a leak report: %s\n%s" % (name, outcome, transcript)
            assert "request_log.Request" in message, message
            assert "module global request_log.recent_requests" in message, message
            assert "outlived" in message, message
            assert "control_short_lived" not in message, message  # the control's calls left nothing
        else:
            assert outcome == "passed", "%s: %s\n%s\n%s" % (name, outcome, message, transcript)
    # The failure is reported as the report, not as a traceback into memalot's code.
    assert "memalot/testing.py" not in outcomes["test_marker_leaking"][1]
    # Every check removed its private dump, whether it passed or failed.
    assert os.listdir(os.path.join(dump_dir, "tmp")) == []


IN_PROCESS = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {samples!r})
    import memalot
    import control_short_lived, request_log
    memalot.assert_no_leaks(control_short_lived.handle, 1)
    try:
        memalot.assert_no_leaks(request_log.handle, 1)
    except AssertionError as error:
        print("CANDIDATES", error.candidates)
        print(error)
    else:
        print("NO LEAK FOUND")
    """
)


def test_the_verdict_needs_no_memalot_analyze_on_path(default_python):
    """The check analyzes its dump through the extension's report(): its
    count of candidates and its text, with no command-line tool to run."""
    proc = default_python.run_code(IN_PROCESS.format(samples=SAMPLES), env=default_python.env(PATH="/nonexistent"))
    assert proc.returncode == 0, proc.stderr
    assert "CANDIDATES 6" in proc.stdout, proc.stdout  # calls 2 and 3: a Request, a dict, a str each
    assert "module global request_log.recent_requests" in proc.stdout
