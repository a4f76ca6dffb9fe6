"""memalot-analyze as a user and a CI job see it: exit statuses, the JSON
documents (the report validated against docs/report-schema.json), and one
real program's dump when the dumper is built.

The synthetic dumps come from `test_cli_info --write-dumps DIR` (the C unit
test that writes them through the format library; see
tests/unit/analyzer/cli_synth.h for what they hold), so these tests check
known heaps without a compiler of their own.
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

from conftest import BUILD, REPO, tool

SCHEMA_PATH = os.path.join(REPO, "docs", "report-schema.json")
LEAKY = ["--lifetime", "5", "--warmup", "0"]


@pytest.fixture(scope="module")
def dumps():
    writer = os.path.join(BUILD, "bin", "test_cli_info")
    if not os.path.exists(writer):
        pytest.skip("the synthetic dump writer was not built at %s" % writer)
    folder = tempfile.mkdtemp(prefix="memalot-cli-")
    subprocess.run([writer, "--write-dumps", folder], check=True, timeout=60)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def analyze(*args, env=None):
    proc = subprocess.run([tool("memalot-analyze")] + [str(a) for a in args], capture_output=True,
                          text=True, timeout=300, env=env)
    # a sanitizer build's report would otherwise pass as an ordinary exit 1
    assert "Sanitizer" not in proc.stderr, proc.stderr
    return proc


def validator():
    try:
        import jsonschema
    except ImportError:
        pytest.skip("python jsonschema is not installed for %s (Debian: apt-get install "
                    "python3-jsonschema; .ci installs it)" % sys.executable)
    with open(SCHEMA_PATH) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_schema_file_is_valid_json_schema_2020_12():
    validator()


@pytest.mark.parametrize("name, extra, status", [
    ("leaky.mlt", LEAKY, 1),
    ("leaky.mlt", LEAKY + ["--each"], 1),
    ("leaky.mlt", LEAKY + ["--no-retained", "--max-paths", "1"], 1),
    ("leaky.mlt", LEAKY + ["--at", "1", "--exit-zero"], 0),
    ("clean.mlt", LEAKY, 0),
    ("torn.mlt", LEAKY, 1),
    ("withheld.mlt", [], None),
])
def test_report_json_validates_against_the_schema(dumps, name, extra, status):
    check = validator()
    proc = analyze("report", os.path.join(dumps, name), "--json", *extra)
    if status is not None:
        assert proc.returncode == status, proc.stderr
    document = json.loads(proc.stdout)
    errors = sorted(check.iter_errors(document), key=str)
    assert not errors, "\n".join("%s at %s" % (e.message, list(e.path)) for e in errors[:5])
    reports = document["reports"] if document.get("each") else [document]
    for report in reports:
        assert report["leaks_found"] == (report["summary"]["candidates"] > 0)


def test_the_schema_rejects_a_report_missing_a_required_field(dumps):
    check = validator()
    document = json.loads(analyze("report", os.path.join(dumps, "leaky.mlt"), "--json",
                                  *LEAKY).stdout)
    assert check.is_valid(document)
    example = document["leaks"][0]["examples"][0]
    del example["paths"]
    assert not check.is_valid(document)


def test_required_report_fields(dumps):
    proc = analyze(os.path.join(dumps, "leaky.mlt"), "--json", *LEAKY)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["schema"] == "memalot-report/1"
    assert [image["index"] for image in report["images"]] == [0, 1, 2, 3]
    for image in report["images"]:
        assert {"index", "time", "trigger", "objects"} <= set(image)
        assert image["time"].endswith("Z")
    assert report["criterion"]["kind"] == "time"
    assert report["criterion"]["lifetime_seconds"] == 5
    types = {leak["type"]: leak for leak in report["leaks"]}
    assert "app.Request" in types and "app.Temp" not in types
    request = types["app.Request"]
    assert len(request["growth"]) == 4 and request["growth"][-1] == request["count"]
    for example in request["examples"]:
        assert example["address"].startswith("0x")
        assert example["age_seconds"] >= 10
        assert example["age_calls"] is None  # the synthetic program has no call counter
        assert example["shallow_bytes"] == 48
        for path in example["paths"]:
            assert "cache" in path["root"] and path["edges"][-1].startswith("[")
    assert report["clusters"] and all("shape" in c for c in report["clusters"])


def test_exit_statuses(dumps):
    leaky = os.path.join(dumps, "leaky.mlt")
    assert analyze("report", leaky, *LEAKY).returncode == 1
    assert analyze("report", leaky, "--exit-zero", *LEAKY).returncode == 0
    assert analyze("report", os.path.join(dumps, "clean.mlt"), *LEAKY).returncode == 0
    for args, needle in [
        (["report", os.path.join(dumps, "missing.mlt")], "missing.mlt"),
        (["report", os.path.join(dumps, "garbage.mlt")], "garbage.mlt"),
        (["report", leaky, "--lifetime", "soon"], "--lifetime: 'soon'"),
        (["report", leaky, "--warmup", "3"], "--warmup needs --lifetime"),
        (["report", leaky, "--at", "1", "--each"], "--at and --each"),
        (["report", leaky, "--color", "--no-color"], "--color and --no-color"),
        (["report"], "expected dump FILEs or directories"),
        (["info", os.path.join(dumps, "notes.txt")], "notes.txt"),
    ]:
        proc = analyze(*args)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert needle in proc.stderr, (args, proc.stderr)


def test_no_color_means_no_escape_bytes(dumps):
    env = dict(os.environ, NO_COLOR="1")
    proc = analyze("report", os.path.join(dumps, "leaky.mlt"), *LEAKY, env=env)
    assert "app.Request" in proc.stdout
    assert "\x1b" not in proc.stdout and "\x1b" not in proc.stderr


def test_other_documents_name_their_schema(dumps):
    leaky = os.path.join(dumps, "leaky.mlt")
    info = json.loads(analyze("info", leaky, "--json").stdout)
    assert info["schema"] == "memalot-info/1" and len(info["images"]) == 4
    listing = json.loads(analyze("list", dumps, "--json").stdout)
    assert listing["schema"] == "memalot-list/1"
    assert [d["file"] for d in listing["dumps"]] == ["clean.mlt", "copy.bin", "garbage.mlt",
                                                     "leaky.mlt", "torn.mlt", "withheld.mlt"]
    diff = json.loads(analyze("diff", leaky + "@0", leaky, "--json").stdout)
    assert diff["schema"] == "memalot-diff/1"
    rows = {row["type"]: row for row in diff["types"]}
    assert (rows["app.Request"]["count_a"], rows["app.Request"]["count_b"]) == (10, 40)
    deltas = [row["shallow_bytes_delta"] for row in diff["types"]]
    assert deltas == sorted(deltas, reverse=True)
    paths = json.loads(analyze("paths", leaky, "--id", "0x100000", "--json").stdout)
    assert paths["schema"] == "memalot-paths/1" and paths["type"] == "app.Request"


def test_diff_compares_two_runs_summed_over_their_processes(dumps, tmp_path):
    """A run folder is the last image of every dump in it: one copy of
    leaky.mlt against two copies (two processes) doubles every count."""
    leaky = os.path.join(dumps, "leaky.mlt")
    one, two = tmp_path / "one", tmp_path / "two"
    for folder, copies in ((one, 1), (two, 2)):
        (folder / "nested").mkdir(parents=True)
        for k in range(copies):
            shutil.copy(leaky, folder / ("nested" if k else ".") / ("worker-%d.mlt" % k))
    diff = json.loads(analyze("diff", one, two, "--json").stdout)
    assert diff["a"]["image"] is None and len(diff["a"]["files"]) == 1
    assert len(diff["b"]["files"]) == 2 and diff["b"]["objects"] == 2 * diff["a"]["objects"]
    rows = {row["type"]: row for row in diff["types"]}
    assert (rows["app.Request"]["count_a"], rows["app.Request"]["count_b"]) == (40, 80)
    assert all(row["count_b"] == 2 * row["count_a"] for row in diff["types"])
    text = analyze("diff", one, leaky + "@0").stdout
    assert "(the last image of each of 1 files)" in text and "image 0" in text
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = analyze("diff", empty, leaky)
    assert proc.returncode == 2 and "no dump files (*.mlt) in the directory" in proc.stderr, proc.stderr


def test_a_real_program(default_python, dump_dir):
    """The report on a real dump validates and finds the sample's leak. Six seconds of a
    1 s lifetime: on a loaded machine the interval slips, and a leak first seen in the first
    image after the warm-up is not yet a candidate (issue #12 makes that a warning)."""
    check = validator()
    sample = os.path.join(REPO, "samples", "request_log.py")
    folder = os.path.join(dump_dir, "dumps")
    proc = default_python.run(["-m", "memalot", "--lifetime", "1", "--dir", folder, sample],
                              env=default_python.env(MEMALOT_SAMPLE_SECONDS="6"),
                              cwd=os.path.dirname(sample))
    assert proc.returncode == 0, proc.stderr
    files = glob.glob(os.path.join(folder, "*.mlt"))
    assert len(files) == 1, files
    proc = analyze("report", files[0], "--json")
    assert proc.returncode == 1, proc.stderr
    document = json.loads(proc.stdout)
    assert not list(check.iter_errors(document))
    assert any(leak["type"].endswith("Request") for leak in document["leaks"]), \
        [leak["type"] for leak in document["leaks"]]
    html = os.path.join(dump_dir, "report.html")
    assert analyze("report", files[0], "--html", html, "--exit-zero").returncode == 0
    assert os.path.getsize(html) > 0


def test_the_readme_demo_prints_one_suspect_and_no_warning(python, dump_dir):
    """The README's demo (unbounded_cache.py under a 1 s lifetime) on every Python: one
    growing suspect, at the cache, and no warning at all. Objects outside the heap
    (static types, deep-frozen code: flagged STATIC) and objects only the interpreter's
    caches hold (3.10's small ints, 3.12+'s interned strs: rooted) made nearly every
    report end with "existed at the previous image", calling every identity approximate;
    the warm-up-end image leaves no candidate undated; and the Response, its key and its
    user_id int are one leak, not three findings."""
    sample = os.path.join(REPO, "samples", "unbounded_cache.py")
    dump = os.path.join(dump_dir, "demo.mlt")
    proc = python.run(["-m", "memalot", "--lifetime", "1", "--output", dump, sample],
                      env=python.env(MEMALOT_SAMPLE_SECONDS="3"), cwd=os.path.dirname(sample))
    assert proc.returncode == 0, proc.stderr
    proc = analyze("report", "--exit-zero", dump)
    assert proc.returncode == 0, proc.stderr
    shown = proc.stdout + proc.stderr
    assert "1 leak suspect growing:" in shown, shown[-2000:]
    assert "#1 growing:" in shown and "#2" not in shown, shown[-2000:]
    assert "at module global __main__.response_cache (builtins.dict)" in shown, shown[-2000:]
    assert "warning" not in shown, shown[-2000:]
    document = json.loads(analyze("report", "--exit-zero", "--json", dump).stdout)
    assert document["warnings"] == [] and document["verdict"] == "growing"
    [suspect] = document["suspects"]
    assert suspect["trend"] == "growing" and suspect["undated"] == 0
    # 3.10 keeps each instance's attributes in a dict of its own
    assert {"__main__.Response", "builtins.str"} <= set(suspect["types"]) <= \
        {"__main__.Response", "builtins.str", "builtins.int", "builtins.dict"}
    assert suspect["accumulation_point"]["path"] == "module global __main__.response_cache"
