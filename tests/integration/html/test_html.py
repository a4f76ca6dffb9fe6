"""The --html report in a real browser (headless Chromium): it renders, the
summary table has one row per leaking type, the growth chart one series per
leaking type, no script from the dump made it into the page, and the page
logs nothing to the console (a blocked resource or script would).

Dumps come from `test_cli_info --write-dumps DIR` (see test_cli.py); the
synthetic heap includes a type named <script>alert('type')</script>.
"""
import json
import os
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
BUILD = os.environ.get("MEMALOT_BUILD_DIR", os.path.join(REPO, "build"))
CONSOLE = re.compile(r":CONSOLE[:(]")


def built(name):
    path = os.path.join(BUILD, "bin", name)
    if not os.path.exists(path):
        pytest.skip("%s was not built at %s" % (name, path))
    return path


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("no Chromium found (Debian package 'chromium')")


def browse(page, *extra):
    """Returns (dom, console lines) of page loaded headless."""
    proc = subprocess.run([chromium(), "--headless", "--disable-gpu", "--no-sandbox",
                           "--enable-logging=stderr", "--v=0", *extra,
                           "--dump-dom", "file://" + page],
                          capture_output=True, text=True, timeout=180)
    console = [line for line in proc.stderr.splitlines() if CONSOLE.search(line)]
    return proc.stdout, console


class Census(HTMLParser):
    """Counts what the browser's DOM holds."""

    def __init__(self):
        super().__init__()
        self.rows, self.series, self.scripts, self.details = [], [], 0, 0
        self.in_summary = False
        self.sections = []  # series per <section class="report">

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and attrs.get("class") == "report":
            self.sections.append([])
        if tag == "table" and "summary" in (attrs.get("class") or ""):
            self.in_summary = True
        if tag == "tr" and self.in_summary and attrs.get("class") == "leak":
            self.rows.append(attrs.get("data-type"))
        if tag in ("polyline", "path") and attrs.get("class") == "series":
            self.series.append(attrs.get("data-type"))
            if self.sections:
                self.sections[-1].append(attrs.get("data-type"))
        if tag == "script":
            self.scripts += 1
        if tag == "details":
            self.details += 1

    def handle_endtag(self, tag):
        if tag == "table":
            self.in_summary = False


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
    with open(control, "w") as f:
        f.write("<!DOCTYPE html><title>c</title><script>console.error('boom')</script>")
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
    assert census.details == examples
    assert census.scripts == 0  # the hostile type name stayed text
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
