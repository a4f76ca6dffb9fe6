"""The --html report in a real browser (headless Chromium): it renders, the
summary table has one row per leaking type with its own sparkline, no
script or image from the dump made it into the page, and the page logs
nothing to the console (a blocked resource or script would). The suspects
of real programs are checked in test_html_suspects.py.

Dumps come from `test_cli_info --write-dumps DIR` (see test_cli.py); the
synthetic heap includes a type named <script>alert('type')</script>.
"""
import json
import os
import shutil
import subprocess
import tempfile

import pytest

from browser import Dom, browse, classes, write_logging_page

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
BUILD = os.environ.get("MEMALOT_BUILD_DIR", os.path.join(REPO, "build"))


def built(name):
    path = os.path.join(BUILD, "bin", name)
    if not os.path.exists(path):
        pytest.skip("%s was not built at %s" % (name, path))
    return path


class Census(Dom):
    """Counts what the browser's DOM holds."""

    def __init__(self):
        super().__init__()
        self.rows, self.series, self.scripts, self.images = [], [], 0, 0
        self.type_examples = self.suspect_examples = 0
        self.sections = []  # series per <section class="report">

    def start(self, tag, attrs, stack):
        inside = [classes(a) for _, a in stack]
        if tag == "section" and classes(attrs) == ["report"]:
            self.sections.append([])
        if tag == "tr" and classes(attrs) == ["leak"] and ["summary"] in inside:
            self.rows.append(attrs.get("data-type"))
        if tag == "polyline" and classes(attrs) == ["series"]:
            assert ["type-spark"] in inside  # every type in its own small chart
            self.series.append(attrs.get("data-type"))
            if self.sections:
                self.sections[-1].append(attrs.get("data-type"))
        if tag == "div" and classes(attrs) == ["example"]:
            self.type_examples += ["type-examples"] in inside
            self.suspect_examples += ["suspect-examples"] in inside
        self.scripts += tag == "script"
        self.images += tag == "img"


@pytest.fixture(scope="module")
def report():
    folder = tempfile.mkdtemp(prefix="memalot-html-")
    subprocess.run([built("test_cli_info"), "--write-dumps", folder], check=True, timeout=60)
    page = os.path.join(folder, "report.html")
    proc = subprocess.run([built("memalot-analyze"), "report", os.path.join(folder, "leaky.mlt"),
                           "--lifetime", "5", "--warmup", "0", "--json", "--html", page],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr
    yield page, json.loads(proc.stdout), folder
    shutil.rmtree(folder, ignore_errors=True)


def test_console_capture_works(report):
    """The check below can fail: a page that logs is seen logging."""
    folder = report[2]
    control = os.path.join(folder, "control.html")
    write_logging_page(control)
    _, console = browse(control)
    assert any("boom" in line for line in console), console


def test_renders_one_row_and_one_series_per_leaking_type(report):
    page, document, _ = report
    dom, console = browse(page)
    assert not console, console
    census = Census()
    census.feed(dom)
    leaking = [leak["type"] for leak in document["leaks"]]
    assert len(leaking) >= 2
    assert census.rows == leaking
    assert sorted(census.series) == sorted(leaking)
    examples = sum(len(leak["examples"]) for leak in document["leaks"])
    assert census.type_examples == examples
    assert census.suspect_examples == sum(len(s["examples"]) for s in document["suspects"]) > 0
    assert census.scripts == 0  # the hostile type name stayed text
    assert census.images == 0  # so did the attribute named <img src=x onerror=alert(1)>
    assert "<img src=x onerror=alert(1)>" in dom.replace("&lt;", "<").replace("&gt;", ">")
    assert "<script>alert('type')</script>" in leaking


def test_screenshot_is_drawn(report):
    page, _, folder = report
    shot = os.path.join(folder, "shot.png")
    _, console = browse(page, "--screenshot=" + shot, "--window-size=1200,1600")
    assert not console, console
    with open(shot, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert os.path.getsize(shot) > 30000  # a blank page of that size is about 9 KB


def test_each_has_one_chart_per_image(report):
    _, _, folder = report
    page = os.path.join(folder, "each.html")
    proc = subprocess.run([built("memalot-analyze"), "report", os.path.join(folder, "leaky.mlt"),
                           "--lifetime", "5", "--warmup", "0", "--each", "--json", "--html", page],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr
    reports = json.loads(proc.stdout)["reports"]
    dom, console = browse(page)
    assert not console, console
    census = Census()
    census.feed(dom)
    assert len(census.sections) == len(reports) == 3
    for series, one in zip(census.sections, reports):
        assert sorted(series) == sorted(leak["type"] for leak in one["leaks"])
    assert census.scripts == 0
