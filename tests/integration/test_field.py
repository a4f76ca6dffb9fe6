"""The field corpus (samples/field/): programs on real PyPI libraries, each
with a planted leak, per-request churn and a bounded cache, run under
memalot-dump on a loaded machine and checked against samples/field/expected.

Each program runs from the build tree's `memalot-dump` in a venv of its own
Python with the libraries from PyPI (venvs.py: binary wheels only; the test
is skipped with pip's message when PyPI cannot be reached). Two CPU-bound
processes load both cores for the whole file, so the dumper's schedule slips
as on a busy production host: the images come later than the interval asks,
and the expected counts follow from the images actually taken.

Exact counts. Each program writes, to MEMALOT_FIELD_TIMES, one line per
leaked object: time.monotonic() just before creating it and just after
storing it where it leaks. The images' monotonic times (CLOCK_MONOTONIC too)
come from the report's `images`. An object is first seen at image f, the
first with t[f] >= its creation time, and is a candidate at the evaluated
image E iff it was created after the warm-up and t[E] - t[f] >= lifetime:

- "first-seen" (the rule of the suspects change): f - 1 >= w, w the image
  the monitor marked warmup-end (the warm-up ends there, however late it
  ran); without one, t[f] > t[0] + warmup (the straddling image's objects
  count, as undated);
- "image-before" (the analyzer before it): t[f-1] >= t[0] + warmup.

The dumper reads an image's time and takes the image under the GIL, so only
an image taken between an object's two logged times can leave the test
unsure whether it saw the object; exactly those objects may count either way
(their number is in the failure message; seen: 0, and 1 in a few numpy runs,
whose logged interval spans the whole spectrum computation).

Two kinds of checks, in separate tests:

- test_field_leaks: the report's `leaks` (per type) as the analyzer writes
  them today: the leaked type's count is the computed one, exactly; the
  types created with it in a fixed ratio (a Document's Sections) likewise;
  its clusters are held from the planted structure; no churn type is
  reported at all. Other candidates are allowed here: start-up objects
  made after the warm-up on a loaded machine (lazy imports, typing's and
  re's caches, uvicorn's first connection) and cyclic garbage not yet
  collected are real candidates, and telling them from a leak is what the
  suspects' trend is for.
- test_field_suspects: the `suspects` of memalot-report/1 (the verdict per
  accumulation point): one growing suspect per planted leak, holding the
  leaked type with the computed count and accumulating in the planted
  structure; the bounded cache, if it is a suspect at all, is stable; no
  other suspect grows.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading

import pytest

from conftest import REPO, skip_if_sanitized, tool
from venvs import venv_with

FIELD = os.path.join(REPO, "samples", "field")
EXPECTED_DIR = os.path.join(FIELD, "expected")
COMPRESSION_LEVEL = "1"  # throwaway dumps: the fastest level
LOAD_PROCESSES = 2       # as many CPU-bound spinners as the machine has cores (2 here)
RUN_TIMEOUT = 240        # a program that has not exited by then hangs: the test fails
# Slack on the lifetime comparison: the analyzer forgives the rounding of
# subtracting two large doubles (criteria.c, at_least); so does the test.
AGE_EPSILON = 1e-9


def load_expected():
    expected = {}
    for name in sorted(os.listdir(EXPECTED_DIR)):
        if name.endswith(".json"):
            with open(os.path.join(EXPECTED_DIR, name)) as f:
                expected[name[:-len(".json")]] = json.load(f)
    return expected


EXPECTED = load_expected()
# One venv per Python for the whole corpus: the union of what the programs import.
PACKAGES = sorted({package for doc in EXPECTED.values() for package in doc["packages"]})

SANITIZER_REASON = (
    "time-based runs of library-sized heaps on a loaded machine: ASan's slower walk spaces the "
    "images by many seconds and the programs' bounded runs would end before a window exists; "
    "the -Werror stage runs these")


def test_every_program_has_an_expected_report():
    programs = sorted(name[:-3] for name in os.listdir(FIELD)
                      if name.endswith(".py") and not name.startswith("_"))
    assert programs == sorted(EXPECTED), "field programs without expected/NAME.json, or the reverse"
    for name, doc in EXPECTED.items():
        assert doc["program"] == name + ".py"
        assert doc["growing"], "%s: a field program plants at least one leak" % name
        assert doc["stable"], "%s: and has a bounded cache" % name
        assert doc["churn"], "%s: and short-lived objects" % name


# ------------------------------------------------------------------ the load


@pytest.fixture(scope="module")
def machine_load():
    """Two spinning processes for the whole file: the images slip as in production."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                for _ in range(LOAD_PROCESSES)]
    yield
    for spinner in spinners:
        spinner.kill()
    for spinner in spinners:
        spinner.wait(timeout=30)


# ------------------------------------------------------------------ running


class FieldRun:
    """One program's run: the report and the logged creation times per type."""

    def __init__(self, proc, report=None, created=None, error=None):
        self.proc = proc
        self.report = report
        self.created = created or {}
        self.error = error


def analyze(*args):
    proc = subprocess.run([tool("memalot-analyze")] + list(args), capture_output=True, text=True,
                          timeout=300)
    if proc.returncode not in (0, 1):
        raise AssertionError("memalot-analyze %s: exit %d\n%s"
                             % (" ".join(args), proc.returncode, proc.stderr))
    return json.loads(proc.stdout)


def read_creation_log(path):
    """{logged type name: [(before, after)]} from the program's side file."""
    created = {}
    with open(path) as f:
        for line in f:
            name, before, after = line.split()
            created.setdefault(name, []).append((float(before), float(after)))
    return created


def run_program(python, name, workdir):
    doc = EXPECTED[name]
    params = doc["run"]
    venv_python = venv_with(python, PACKAGES)
    venv = os.path.dirname(os.path.dirname(venv_python))
    dump = os.path.join(workdir, "%s-%s.mlt" % (name, python.version))
    times = os.path.join(workdir, "%s-%s.times" % (name, python.version))
    # memalot-dump runs the program with the activated environment's python,
    # as for a user who installed the libraries there.
    path = os.path.join(venv, "bin") + os.pathsep + os.environ["PATH"]
    env = python.env(VIRTUAL_ENV=venv, PATH=path, MEMALOT_FIELD_TIMES=times,
                     MEMALOT_FIELD_SECONDS=params["seconds"])
    command = [tool("memalot-dump"), "--lifetime", str(params["lifetime"]),
               "--warmup", str(params["warmup"]), "--interval", str(params["interval"]),
               "--quiet", "--compression-level", COMPRESSION_LEVEL, "--output", dump,
               os.path.join(FIELD, doc["program"])]
    try:
        proc = subprocess.run(command, env=env, capture_output=True, text=True,
                              timeout=RUN_TIMEOUT, cwd=workdir)
    except subprocess.TimeoutExpired as exc:
        return FieldRun(None, error="%s did not exit within %d s: %s"
                        % (doc["program"], RUN_TIMEOUT, (exc.stderr or b"")[-1000:]))
    try:
        if proc.returncode != 0 or not os.path.exists(dump) or not os.path.exists(times):
            return FieldRun(proc, error="the run failed or wrote no dump or no creation log")
        return FieldRun(proc, analyze("report", "--json", "--exit-zero", dump),
                        read_creation_log(times))
    except Exception as exc:  # reported by this program's tests, not a neighbour's
        return FieldRun(proc, error="analysis failed: %s" % exc)
    finally:
        for path in (dump, times):
            if os.path.exists(path):
                os.unlink(path)  # tens of megabytes each


class FieldRuns:
    """Each (Python, program) runs once; both tests of a program read its run."""

    def __init__(self):
        self.lock = threading.Lock()
        self.results = {}
        self.workdir = tempfile.mkdtemp(prefix="memalot-field-")

    def get(self, python, name):
        with self.lock:
            key = (python.executable, name)
            if key not in self.results:
                self.results[key] = run_program(python, name, self.workdir)
            return self.results[key]

    def close(self):
        shutil.rmtree(self.workdir, ignore_errors=True)


@pytest.fixture(scope="module")
def field_runs(machine_load):
    runs = FieldRuns()
    yield runs
    runs.close()


def finished_run(field_runs, python, name):
    tool("memalot-dump")
    tool("memalot-analyze")
    run = field_runs.get(python, name)
    if run.error is not None:
        detail = ""
        if run.proc is not None:
            detail = "exit %s\nstdout: %s\nstderr:\n%s" % (
                run.proc.returncode, run.proc.stdout[-500:], run.proc.stderr[-3000:])
        pytest.fail("%s on %s: %s\n%s" % (name, python, run.error, detail))
    return run


# ------------------------------------------------------- the expected counts


def image_times(report):
    images = report["images"]
    assert all(image.get("monotonic_time") for image in images), \
        "every image records its monotonic time (the analyzer measures ages with it)"
    return [image["monotonic_time"] for image in images]


def first_seen(times, created):
    """Index of the first image taken at or after `created`, or None."""
    return next((f for f, t in enumerate(times) if t >= created), None)


def possible_first_images(times, before, after):
    """The images at which an object created between `before` and `after`
    may be first seen (None: after the last image)."""
    lo, hi = first_seen(times, before), first_seen(times, after)
    if lo is None:
        return [None]
    if hi is None:
        return list(range(lo, len(times))) + [None]
    return list(range(lo, hi + 1))


def is_candidate(times, f, evaluated, lifetime, warmup, rule, warmup_image=None):
    if f is None or f < 1 or f > evaluated:
        return False
    if rule == "first-seen" and warmup_image is not None:
        # The monitor's warm-up-end image (trigger warmup-end) ends the warm-up.
        after_warmup = f - 1 >= warmup_image
    elif rule == "first-seen":
        after_warmup = times[f] > times[0] + warmup  # straddling: undated, still counted
    else:
        after_warmup = times[f - 1] >= times[0] + warmup
    return after_warmup and times[evaluated] - times[f] >= lifetime - AGE_EPSILON


def expected_count(report, params, created, rule):
    """(sure, unsure): objects that are candidates at the evaluated image
    whichever moment of their logged interval they were created at, and those
    for which an image inside the interval makes it depend on that moment."""
    times = image_times(report)
    evaluated = report["evaluated_image"]
    warmup_image = next((i for i, image in enumerate(report["images"])
                         if image["trigger"] == "warmup-end"), None)
    sure = unsure = 0
    for before, after in created:
        verdicts = {is_candidate(times, f, evaluated, params["lifetime"], params["warmup"], rule,
                                 warmup_image)
                    for f in possible_first_images(times, before, after)}
        if verdicts == {True}:
            sure += 1
        elif len(verdicts) == 2:
            unsure += 1
    return sure, unsure


def type_matches(pattern, type_name):
    """A pattern is a fully qualified name, or a suffix starting with '.'."""
    return type_name == pattern or (pattern.startswith(".") and type_name.endswith(pattern))


def expected_types(report, doc, leak, rule):
    """[(type pattern, low, high, unsure)] that the leak's suspect must hold."""
    sure, unsure = expected_count(report, doc["run"], leak["created"], rule)
    return [(item["type"], item["per_object"] * sure, item["per_object"] * (sure + unsure),
             item["per_object"] * unsure) for item in leak["types"]]


def with_logs(run, doc):
    """The expected file's growing leaks, each with its logged creation times."""
    leaks = []
    for leak in doc["growing"]:
        created = run.created.get(leak["logged"], [])
        assert created, "the program logged no %s: it did not leak" % leak["logged"]
        leaks.append(dict(leak, created=created))
    return leaks


def window_text(report, params):
    times = image_times(report)
    return "images at %s s (warm-up %gs, lifetime %gs, evaluated image %d)" % (
        ["%.2f" % (t - times[0]) for t in times], params["warmup"], params["lifetime"],
        report["evaluated_image"])


# ----------------------------------------------- checks against today's leaks


def analyzer_rule(report):
    """The warm-up rule the analyzer that wrote this report applies: the
    suspects change brings "first-seen" (and the suspects array) with it."""
    return "first-seen" if "suspects" in report else "image-before"


def observed_text(run, doc):
    report = run.report
    reported = {leak["type"]: leak["count"] for leak in report["leaks"]}
    parts = []
    for leak in with_logs(run, doc):
        for rule in ("image-before", "first-seen"):
            sure, unsure = expected_count(report, doc["run"], leak["created"], rule)
            parts.append("%s %s: %d+%d" % (leak["logged"], rule, sure, unsure))
        parts.append("reported %s" % {name: n for name, n in reported.items()
                                      if type_matches(leak["types"][0]["type"], name)})
    for cache in doc["stable"]:
        parts.append("cache %s" % {name: n for name, n in reported.items()
                                   if type_matches(cache["type"], name)})
    return "%s: %d images, %s" % (doc["program"], len(report["images"]), "; ".join(parts))


def held_through(report, pattern, structure):
    """Candidates of the type on cluster shapes that pass through `structure`."""
    return sum(c["count"] for c in report["clusters"]
               if type_matches(pattern, c["type"]) and structure in c["shape"])


def count_problem(pattern, count, low, high, unsure, where):
    if low <= count <= high:
        return None
    return "%s: %d %s, expected %d%s" % (
        pattern, count, where, low,
        " to %d (%d created during an image)" % (high, unsure) if unsure else "")


def leak_problems(run, doc):
    report = run.report
    rule = analyzer_rule(report)
    reported = {leak["type"]: leak for leak in report["leaks"]}
    problems = []
    for leak in with_logs(run, doc):
        checks = expected_types(report, doc, leak, rule)
        # The leaked type itself: every candidate of it is the leak's.
        pattern, low, high, unsure = checks[0]
        count = sum(leak_entry["count"] for name, leak_entry in reported.items()
                    if type_matches(pattern, name))
        problems.append(count_problem(pattern, count, low, high, unsure,
                                      "candidates (rule %s)" % rule))
        # It and the types created with it, on paths through the structure.
        for pattern, low, high, unsure in checks:
            problems.append(count_problem(
                pattern, held_through(report, pattern, leak["accumulation_point"]), low, high,
                unsure, "candidates held through %s" % leak["accumulation_point"]))
    for pattern in doc["churn"]:
        for type_name, entry in reported.items():
            if type_matches(pattern, type_name):
                problems.append("churn reported: %d x %s" % (entry["count"], type_name))
    return [problem for problem in problems if problem]


@skip_if_sanitized(SANITIZER_REASON)
@pytest.mark.parametrize("program", sorted(EXPECTED))
def test_field_leaks(python, program, field_runs):
    doc = EXPECTED[program]
    run = finished_run(field_runs, python, program)
    print(observed_text(run, doc))  # shown by pytest -rP: the numbers of a passing run
    problems = leak_problems(run, doc)
    assert not problems, "%s on %s (%s):\n  %s" % (
        program, python, window_text(run.report, doc["run"]), "\n  ".join(problems))


# ------------------------------------------- checks against the suspects array


def suspect_text(suspect):
    point = suspect.get("accumulation_point") or {}
    return "%s %d at %s: %s" % (suspect.get("trend"), suspect.get("count", -1), point.get("path"),
                                dict(list(suspect.get("types", {}).items())[:4]))


def holds(suspect, pattern):
    return any(type_matches(pattern, name) for name in suspect["types"])


def suspect_problems(run, doc):
    report = run.report
    suspects = report["suspects"]
    growing = [s for s in suspects if s["trend"] == "growing"]
    problems = []
    claimed = []
    for leak in with_logs(run, doc):
        checks = expected_types(report, doc, leak, "first-seen")
        main_type = checks[0][0]
        found = [s for s in growing if holds(s, main_type) and s.get("accumulation_point") and
                 leak["accumulation_point"] in s["accumulation_point"]["path"]]
        if len(found) != 1:
            problems.append("%s: %d growing suspects hold it in %s, expected one; suspects: %s" % (
                main_type, len(found), leak["accumulation_point"],
                [suspect_text(s) for s in suspects][:8]))
            continue
        claimed.append(found[0])
        for pattern, low, high, unsure in checks:
            count = sum(n for name, n in found[0]["types"].items() if type_matches(pattern, name))
            if not low <= count <= high:
                problems.append("%s: %d in its growing suspect, expected %d%s" % (
                    pattern, count, low, " to %d: %d created during an image" % (high, unsure)
                    if unsure else ""))
    for cache in doc["stable"]:
        for suspect in suspects:
            if holds(suspect, cache["type"]) and suspect["trend"] != "stable":
                problems.append("bounded cache %s in %s is %s, not stable: %s" % (
                    cache["type"], cache["accumulation_point"], suspect["trend"],
                    suspect_text(suspect)))
    for suspect in growing:
        if not any(suspect is mine for mine in claimed):
            problems.append("growing suspect that is no planted leak: %s" % suspect_text(suspect))
    for pattern in doc["churn"]:
        for suspect in suspects:
            if holds(suspect, pattern):
                problems.append("churn %s in a suspect: %s" % (pattern, suspect_text(suspect)))
    return problems


@skip_if_sanitized(SANITIZER_REASON)
@pytest.mark.parametrize("program", sorted(EXPECTED))
def test_field_suspects(python, program, field_runs):
    doc = EXPECTED[program]
    run = finished_run(field_runs, python, program)
    assert "suspects" in run.report, (
        "the report (%s) has no `suspects` array: the analyzer predates the suspects change"
        % run.report.get("schema"))
    problems = suspect_problems(run, doc)
    assert not problems, "%s on %s (%s):\n  %s" % (
        program, python, window_text(run.report, doc["run"]), "\n  ".join(problems))
