"""The dumps recorded in samples/dumps/ still read, and analyze to what they
held when they were recorded.

They were written by an earlier build (samples/dumps/record.py), so a change
of the format that the current reader cannot read, or reads differently,
fails here even when a writer and reader changed together keep every
round-trip test green. Each NAME.mlt has NAME.expected.json: the header and
images `memalot-analyze info --json` must show, and the verdict of
`memalot-analyze report --json` (criterion from the dump, counts per type,
clusters, roots). The verdicts follow from how record.py took the images
(see its docstring), not from a run of the analyzer.
"""
import glob
import json
import os
import re
import subprocess

import pytest

from conftest import REPO, tool

DUMPS = os.path.join(REPO, "samples", "dumps")
EXPECTED = sorted(glob.glob(os.path.join(DUMPS, "*.expected.json")))


def load(path):
    with open(path) as f:
        return json.load(f)


def analyze(*args, expect_status=(0,)):
    proc = subprocess.run([tool("memalot-analyze")] + list(args), capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode in expect_status, "memalot-analyze %s: exit %d\n%s" % (
        " ".join(args), proc.returncode, proc.stderr)
    return proc


def normalized(shape):
    """Instance-dict steps written as attribute steps: how a step is spelled
    may change with the renderer, what it names may not."""
    return re.sub(r"__dict__ -> \['([A-Za-z_][A-Za-z0-9_]*)'\]", r".\1", shape)


def dump_of(expected_path):
    expected = load(expected_path)
    path = os.path.join(DUMPS, expected["dump"])
    assert os.path.exists(path), "%s names a dump that is not there" % expected_path
    return expected, path


def test_every_recorded_dump_has_expectations():
    dumps = sorted(os.path.basename(p) for p in glob.glob(os.path.join(DUMPS, "*.mlt")))
    assert dumps, "no recorded dumps in samples/dumps"
    assert dumps == sorted(load(p)["dump"] for p in EXPECTED)


def test_the_recorded_dumps_stay_small():
    """They live in git: a re-recording must not bloat the repository."""
    for path in glob.glob(os.path.join(DUMPS, "*.mlt")):
        assert os.path.getsize(path) < 1024 * 1024, path


@pytest.mark.parametrize("expected_path", EXPECTED, ids=[os.path.basename(p) for p in EXPECTED])
def test_info_reads_the_header_and_every_image(expected_path):
    expected, path = dump_of(expected_path)
    want = expected["info"]
    info = json.loads(analyze("info", "--json", path).stdout)
    assert info["schema"] == "memalot-info/1"
    header = info["file"]
    for field in ("format_version", "producer", "python_version", "python_implementation",
                  "platform", "pointer_size", "byte_order", "run_id", "argv_withheld"):
        assert header[field] == want[field], field
    assert header["argv"] is None  # withheld when recorded
    assert info["tail"]["status"] == want["tail"]
    assert info["file_size"] == os.path.getsize(path)
    images = info["images"]
    assert [(i["trigger"], i["call_counter"], i["function"]) for i in images] == \
        [(i["trigger"], i["call_counter"], i["function"]) for i in want["images"]]
    assert [i["index"] for i in images] == list(range(len(images)))
    times = [i["wall_time"] for i in images]
    assert times == sorted(times) and times[0] >= header["start_time"]
    for image in images:
        # A bare interpreter holds some ten thousand objects; every image has them all.
        assert image["objects"] > 5000 and image["edges"] > image["objects"]
        assert 0 < image["stored_bytes"] < image["objects"] * 32


@pytest.mark.parametrize("expected_path", EXPECTED, ids=[os.path.basename(p) for p in EXPECTED])
def test_report_finds_what_was_recorded(expected_path):
    expected, path = dump_of(expected_path)
    want = expected["report"]
    report = json.loads(analyze("report", "--json", path, expect_status=(1,)).stdout)
    assert report["schema"] == "memalot-report/1"
    criterion = report["criterion"]
    assert criterion["source"] == "dump"
    for field, value in want["criterion"].items():
        if isinstance(value, float):
            assert criterion[field] == pytest.approx(value), field
        else:
            assert criterion[field] == value, field
    assert report["evaluated_image"] == want["evaluated_image"]
    assert {leak["type"]: leak["count"] for leak in report["leaks"]} == want["leaks"]
    assert report["summary"]["candidates"] == sum(want["leaks"].values())
    assert report["summary"]["undated"] == want.get("undated", 0)
    assert report["verdict"] == want.get("verdict", "growing")
    assert report["leaks_found"] is True
    clusters = sorted((c["type"], c["count"], normalized(c["shape"])) for c in report["clusters"])
    assert clusters == sorted((c["type"], c["count"], normalized(c["shape"])) for c in want["clusters"])
    for type_name, root in want["roots"].items():
        [leak] = [leak for leak in report["leaks"] if leak["type"] == type_name]
        assert leak["examples"], type_name
        for example in leak["examples"]:
            first = example["paths"][0]
            assert (first["root"], first["root_kind"]) == (root["root"], root["root_kind"])
            assert example["identity_approximate"] is False


@pytest.mark.parametrize("expected_path", EXPECTED, ids=[os.path.basename(p) for p in EXPECTED])
def test_text_report_and_diff_read_them_too(expected_path):
    expected, path = dump_of(expected_path)
    text = analyze("report", "--no-color", path, expect_status=(1,)).stdout
    for type_name, count in expected["report"]["leaks"].items():
        assert re.search(r"\b%d\b.*%s" % (count, re.escape(type_name)), text), type_name
    last = len(expected["info"]["images"]) - 1
    diff = json.loads(analyze("diff", "%s@0" % path, "%s@%d" % (path, last), "--json").stdout)
    grown = {t["type"]: t["count_delta"] for t in diff["types"]}
    # Every dated leaked object was created after image 0 and is alive at the last
    # image (undated ones may have replaced objects that died, like the warm-up's).
    leaks = expected["report"]["leaks"]
    undated_per_type = expected["report"].get("undated", 0) // len(leaks)
    for type_name, count in leaks.items():
        assert grown.get(type_name, 0) >= count - undated_per_type, type_name
