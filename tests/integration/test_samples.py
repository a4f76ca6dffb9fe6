"""Every sample program on every Python found, under each criterion its
samples/expected/NAME.json lists, checked against that file.

- time: `python -m memalot --lifetime L --warmup W samples/NAME.py` (the
  memalot-dump launcher; the sample runs as __main__) for `sample_seconds`.
- calls: `python samples/run_calls.py samples/NAME.py --calls M ...`, which
  wraps the sample's handle in @memalot.leak_monitor (the module is NAME).
  A criterion named `calls-X` or `time-X` is another run of the same kind.

The report comes from `memalot-analyze report --json`. What each expected
file states, and how it is checked (see samples/README.md for the format):

- Counts are derived from what the program does, per handle call. Under the
  call-based criterion the qualifying calls are known exactly: calls
  K+1 .. M-N+1 create objects that outlive N calls by the last image, so
  Q = M - N - K + 1. Under the time-based criterion Q is the number of handle
  calls made in the window the criterion covers: created after the image that
  ends the warm-up and at least the lifetime before the evaluated image. The
  sample's "census" type (one or more instances per call, none ever freed)
  counts those calls: its instance count between the two images that bound
  the window (`memalot-analyze diff`, a census straight from the images,
  independent of identities and criteria) divided by its per-call number.
  Each type must then be reported at least min_fraction * per_call * Q times
  and at most max_per_call * Q times (time: Q + 2, for the one call an image
  at each end of the window may split): too few is a lost leak, too many
  means objects of the warm-up or too young ones were counted.
- Every reported type must be one the file lists: anything else is a false
  positive. The controls ("no_leaks") must report nothing at all.
- Roots and path shapes: examples of the type are held from the expected
  root, and clusters whose shape contains every listed substring hold at
  least min_fraction of the expected count. Shapes are compared with
  instance-dict steps (`__dict__ -> ['x']`, CPython 3.10) written as `.x`, as
  3.11+ renders inline attributes, and {module} replaced by __main__ (time)
  or the sample's name (calls).

Runs are expensive (a few seconds each), so the first test of a Python runs
every run that the session selected for that Python in a small thread pool,
and each test then checks its own result. A time-based run whose images
happen to leave no window (a loaded machine stretches the intervals) is
repeated once, two seconds longer.
"""
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading

import pytest

from conftest import REPO, SANITIZED, skip_if_sanitized, tool

SAMPLES = os.path.join(REPO, "samples")
EXPECTED_DIR = os.path.join(SAMPLES, "expected")
RUNNER = os.path.join(SAMPLES, "run_calls.py")
# Time-based runs mostly wait (the samples sleep between batches), so three
# runs share the two cores the suite gets without slowing each other much.
WORKERS = 3
COMPRESSION_LEVEL = "1"  # throwaway dumps: the fastest level, not the smallest files
# The time window spans at least one image interval (>= 0.5 s); the samples
# make a batch of 100 calls at least every 0.05 s plus the batch's own time.
MIN_CALLS_IN_WINDOW = 50

# Cases that expose a real bug in the dumper or analyzer, kept failing on
# purpose (strict: the mark must go when the bug is fixed).
# (sample, criterion) -> reason; optional third key: Python versions ("3.10").
KNOWN_BUGS = {}


def load_expected():
    expected = {}
    for name in sorted(os.listdir(EXPECTED_DIR)):
        if name.endswith(".json"):
            with open(os.path.join(EXPECTED_DIR, name)) as f:
                expected[name[:-len(".json")]] = json.load(f)
    return expected


EXPECTED = load_expected()
CASES = [(name, criterion) for name, doc in EXPECTED.items() for criterion in sorted(doc["criteria"])]


def test_every_sample_has_an_expected_report():
    programs = sorted(name[:-3] for name in os.listdir(SAMPLES)
                      if name.endswith(".py") and not name.startswith("_") and name != "run_calls.py")
    assert programs == sorted(EXPECTED), "samples without expected/NAME.json, or the reverse"
    for name, doc in EXPECTED.items():
        assert doc["sample"] == name + ".py"
        assert doc.get("no_leaks") or doc["leaks"], name
        censuses = [leak for leak in doc.get("leaks", []) if leak.get("census")]
        assert doc.get("no_leaks") or len(censuses) == 1, "%s: exactly one census type" % name


# ------------------------------------------------------------------ running


class Run:
    """One sample run under one criterion: the report and, for time-based
    runs, the census of the sample's own type at the window's bounds."""

    def __init__(self, returncode, stderr, report=None, census=None, error=None):
        self.returncode = returncode
        self.stderr = stderr
        self.report = report
        self.census = census
        self.error = error


def analyze(*args):
    proc = subprocess.run([tool("memalot-analyze")] + list(args), capture_output=True, text=True,
                          timeout=300)
    if proc.returncode not in (0, 1):
        raise AssertionError("memalot-analyze %s: exit %d\n%s" % (" ".join(args), proc.returncode,
                                                                  proc.stderr))
    return json.loads(proc.stdout)


def image_times(report):
    """The times the analyzer measures ages with: monotonic when every image has one."""
    images = report["images"]
    if all(image.get("monotonic_time") for image in images):
        return [image["monotonic_time"] for image in images]
    return [image["wall_time"] for image in images]


def time_window(report, lifetime, warmup):
    """(a, b): objects first seen in images a+1 .. b were created after the
    warm-up and are at least `lifetime` old at the evaluated image, so every
    object of a never-freed type created between images a and b qualifies."""
    times = image_times(report)
    evaluated = report["evaluated_image"]
    after_warmup = [f for f in range(1, evaluated + 1) if times[f - 1] >= times[0] + warmup]
    old_enough = [f for f in range(1, evaluated + 1) if times[evaluated] - times[f] >= lifetime - 1e-9]
    if not after_warmup or not old_enough or after_warmup[0] > old_enough[-1]:
        return None
    return after_warmup[0] - 1, old_enough[-1]


def census_count(path, window, census_suffix):
    a, b = window
    diff = analyze("diff", "%s@%d" % (path, a), "%s@%d" % (path, b), "--json")
    return sum(t["count_delta"] for t in diff["types"] if t["type"].endswith(census_suffix))


def run_sample(python, name, criterion, workdir):
    doc = EXPECTED[name]
    params = doc["criteria"][criterion]
    run = run_once(python, name, criterion, workdir, params.get("sample_seconds"))
    if kind_of(criterion) == "time" and run.error is None and run.census is None and not doc.get("no_leaks"):
        # A loaded machine can space the images so that none bounds the window:
        # timing noise, not a finding. One longer run settles it.
        run = run_once(python, name, criterion, workdir, params["sample_seconds"] + 2)
    return run


def kind_of(criterion):
    """'time' or 'calls': an expected file may list several variants of each,
    named e.g. 'calls-default'."""
    return criterion.split("-")[0]


def run_once(python, name, criterion, workdir, seconds):
    doc = EXPECTED[name]
    params = doc["criteria"][criterion]
    sample = os.path.join(SAMPLES, name + ".py")
    dump = os.path.join(workdir, "%s-%s-%s.mlt" % (name, criterion, python.version))
    if kind_of(criterion) == "time":
        env = python.env(MEMALOT_SAMPLE_SECONDS=seconds)
        args = ["-m", "memalot", "--lifetime", str(params["lifetime"]), "--warmup",
                str(params["warmup"]), "--quiet", "--compression-level", COMPRESSION_LEVEL,
                "--output", dump, sample]
    else:
        env = python.env()
        args = [RUNNER, sample, "--calls", str(params["calls"]),
                "--max-object-age-calls", str(params["max_object_age_calls"]),
                "--warmup-calls", str(params["warmup_calls"]), "--compression-level", COMPRESSION_LEVEL,
                "--output", dump]
    proc = python.run(args, env=env, timeout=300, cwd=workdir)
    try:
        if proc.returncode != 0 or not os.path.exists(dump):
            return Run(proc.returncode, proc.stderr, error="the run failed or wrote no dump")
        report = analyze("report", "--json", "--exit-zero", dump)
        census = None
        if kind_of(criterion) == "time" and not doc.get("no_leaks"):
            window = time_window(report, params["lifetime"], params["warmup"])
            if window is not None:
                suffix = [leak for leak in doc["leaks"] if leak.get("census")][0]["type"]
                census = census_count(dump, window, suffix)
        return Run(proc.returncode, proc.stderr, report, census)
    except Exception as exc:  # reported by the test of this case, not by a neighbour's
        return Run(proc.returncode, proc.stderr, error="analysis failed: %s" % exc)
    finally:
        if os.path.exists(dump):
            os.unlink(dump)  # up to tens of megabytes each


class SampleRuns:
    """Runs, per Python, every (sample, criterion) the session selected, once."""

    def __init__(self, session):
        self.session = session
        self.lock = threading.Lock()
        self.results = {}
        self.workdir = tempfile.mkdtemp(prefix="memalot-samples-")

    def selected_for(self, python):
        wanted = set()
        for item in self.session.items:
            params = getattr(getattr(item, "callspec", None), "params", {})
            if params.get("python") is python and "sample" in params:
                if SANITIZED and kind_of(params["criterion"]) == "time":
                    continue  # skipped there (see sample_marks): not worth running
                wanted.add((params["sample"], params["criterion"]))
        return wanted

    def get(self, python, name, criterion):
        with self.lock:
            key = (python.executable, name, criterion)
            if key not in self.results:
                jobs = self.selected_for(python) | {(name, criterion)}
                with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
                    futures = {job: pool.submit(run_sample, python, job[0], job[1], self.workdir)
                               for job in sorted(jobs)}
                    for job, future in futures.items():
                        self.results[(python.executable,) + job] = future.result()
            return self.results[key]

    def close(self):
        shutil.rmtree(self.workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def sample_runs(request):
    runs = SampleRuns(request.session)
    yield runs
    runs.close()


# ----------------------------------------------------------------- checking


def normalized(shape):
    """Instance-dict steps as attribute steps, the way 3.11+ renders inline values."""
    return re.sub(r"__dict__ -> \['([A-Za-z_][A-Za-z0-9_]*)'\]", r".\1", shape)


def expand(text, module):
    return text.replace("{module}", module)


def qualifying_calls(doc, criterion, run):
    params = doc["criteria"][criterion]
    if kind_of(criterion) == "calls":
        return params["calls"] - params["max_object_age_calls"] - params["warmup_calls"] + 1
    census = [leak for leak in doc["leaks"] if leak.get("census")][0]
    assert run.census is not None, (
        "no pair of images bounds a window after the %gs warm-up and %gs before the last image; "
        "images at %s" % (params["warmup"], params["lifetime"],
                          ["%.2f" % image["seconds_since_start"] for image in run.report["images"]]))
    calls = run.census / census["per_call"]
    assert calls >= MIN_CALLS_IN_WINDOW, (
        "the images in the window hold only %d new %s: the program did not run, or the dumper "
        "missed its objects" % (run.census, census["type"]))
    return calls


def check_criterion(report, doc, criterion):
    params = doc["criteria"][criterion]
    recorded = report["criterion"]
    assert recorded["source"] == "dump", "the criterion must come from the dump"
    if kind_of(criterion) == "time":
        assert recorded["kind"] == "time"
        assert recorded["lifetime_seconds"] == pytest.approx(params["lifetime"])
        assert recorded["warmup_seconds"] == pytest.approx(params["warmup"])
    else:
        assert recorded["kind"] == "calls"
        assert recorded["calls"] == params["max_object_age_calls"]
        assert recorded["warmup_calls"] == params["warmup_calls"]
        ends = [image for image in report["images"] if image["trigger"] == "call-end"]
        # (3.13+: a call that left nothing alive is a call delta, counted apart)
        assert len(ends) + report.get("call_deltas", 0) == params["calls"], \
            "one call-end image or call delta per monitored call"


def matching_leak(doc, type_name):
    for leak in doc["leaks"]:
        if type_name == leak["type"] or (leak["type"].startswith(".") and type_name.endswith(leak["type"])):
            return leak
    return None


def straddling_calls(module):
    """Under the time criterion the census counts calls between two images, and
    an image can land inside a call: a call whose census object was born before
    the image that opens the window may bear its other objects after it (and
    likewise at the closing image). At most one such call per bounding image."""
    return 2 if module == "__main__" else 0


def check_leaks(report, doc, module, calls, problems):
    reported = {leak["type"]: leak for leak in report["leaks"]}
    fraction = doc["min_fraction"]
    for type_name, leak in sorted(reported.items()):
        if matching_leak(doc, type_name) is None:
            problems.append("false positive: %d x %s (%s)" % (
                leak["count"], type_name, "; ".join(
                    c["shape"] for c in report["clusters"] if c["type"] == type_name)[:500]))
    for expected in doc["leaks"]:
        names = [t for t in reported if matching_leak(doc, t) is expected]
        count = sum(reported[t]["count"] for t in names)
        low = fraction * expected["per_call"] * calls
        high = expected.get("max_per_call", expected["per_call"]) * (calls + straddling_calls(module))
        if not low <= count <= high:
            problems.append("%s: %d candidates, expected %g to %g (%g qualifying calls)" % (
                expected["type"], count, low, high, calls))
        if expected.get("root") and count:
            check_root(reported, names, expected, module, fraction, problems)
        for path in expected.get("paths", []):
            check_shape(report, names, path, expected, module, fraction * calls, problems)
    for forbidden in doc.get("forbidden_shapes", []):
        for cluster in report["clusters"]:
            if expand(forbidden, module) in normalized(cluster["shape"]):
                problems.append("forbidden shape (%s): %d x %s" % (
                    doc.get("forbidden_shapes_note", ""), cluster["count"], cluster["shape"]))


def check_root(reported, names, expected, module, fraction, problems):
    root = expand(expected["root"], module)
    examples = [example for t in names for example in reported[t]["examples"]]
    held = [example for example in examples if example["paths"] and
            root in example["paths"][0]["root"] and
            example["paths"][0]["root_kind"] == expected["root_kind"]]
    if len(held) < fraction * len(examples) or not held:
        problems.append("%s: %d of %d examples held from %s (%s); first paths: %s" % (
            expected["type"], len(held), len(examples), root, expected["root_kind"],
            [(e["paths"][0]["root"], e["paths"][0]["root_kind"]) if e["paths"] else None
             for e in examples[:5]]))


def check_shape(report, names, path, expected, module, scaled_calls, problems):
    substrings = [expand(s, module) for s in path["shape"]]
    matched = sum(cluster["count"] for cluster in report["clusters"]
                  if cluster["type"] in names and
                  all(s in normalized(cluster["shape"]) for s in substrings))
    want = path.get("per_call", expected["per_call"]) * scaled_calls
    if matched < want:
        problems.append("%s: %d candidates on paths shaped %s, expected at least %g; shapes: %s" % (
            expected["type"], matched, substrings, want,
            ["%d x %s" % (c["count"], c["shape"]) for c in report["clusters"] if c["type"] in names][:6]))


def sample_marks(criterion):
    if kind_of(criterion) != "time":
        return ()
    return (skip_if_sanitized(
        "time-based runs need images at the configured interval to bound a census window, and "
        "ASan's slower walk and fork on a loaded machine spaces them by seconds (seen: images at "
        "0.00, 1.01, 6.45 s); the calls-based runs of every sample still run here, and the "
        "-Werror stage runs these"),)


@pytest.mark.parametrize("sample,criterion", [
    pytest.param(name, criterion, id="%s-%s" % (name, criterion), marks=sample_marks(criterion))
    for name, criterion in CASES])
def test_sample(python, sample, criterion, sample_runs, request):
    tool("memalot-analyze")  # skips here, not inside a worker thread
    bug = KNOWN_BUGS.get((sample, criterion))
    if bug is not None:
        request.node.add_marker(pytest.mark.xfail(strict=True, reason=bug))
    doc = EXPECTED[sample]
    run = sample_runs.get(python, sample, criterion)
    assert run.error is None, "%s (exit %s)\nstderr:\n%s" % (run.error, run.returncode, run.stderr[-3000:])
    report = run.report
    check_criterion(report, doc, criterion)
    if doc.get("no_leaks"):
        assert report["summary"]["candidates"] == 0 and not report["leaks"], (
            "control reported leaks: %s" % ["%d x %s" % (c["count"], c["shape"]) for c in report["clusters"]])
        return
    module = "__main__" if kind_of(criterion) == "time" else sample
    calls = qualifying_calls(doc, criterion, run)
    problems = []
    check_leaks(report, doc, module, calls, problems)
    assert not problems, "%s under %s on %s:\n  %s" % (sample, criterion, python, "\n  ".join(problems))
