"""The leak suspects of the --html report, from real programs, in headless
Chromium: a card per suspect in the JSON report's order (growing, then
stable), one chart per suspect whose growth was measured, with the x axis in
seconds (calls under the call criterion), the first card's examples open and
the others collapsed, every series drawn where no other is, and nothing
logged to the console.

The programs: samples/unbounded_cache.py (one suspect) and a mix written
here (an unbounded cache, two lists growing by the same counts, and a table
filled once after the warm-up), both under memalot-dump --lifetime 1; the
call-criterion dump is the recorded samples/dumps/request_log-calls.mlt;
--each of the first shows the cards of a report per image, which has no
trends to draw.
"""
import json
import os
import shutil
import subprocess
import tempfile

import pytest

from browser import Dom, browse, chromium, classes, write_logging_page
from conftest import REPO, for_python, tool

SAMPLES = os.path.join(REPO, "samples")
MIX = '''
import sys
import time
sys.path.insert(0, %r)
from _sample import run

started = time.monotonic()


class Response:
    def __init__(self, i):
        self.body = "x" * 200


class AuditEntry:
    pass


cache, audit, amounts, table = {}, [], [], {}


def handle(i):
    cache["user:%%d" %% i] = Response(i)
    if i %% 2 == 0:
        audit.append(AuditEntry())
        amounts.append(float(i) + 0.5)  # as many floats as audit entries
    if 1.2 < time.monotonic() - started < 2.0:
        table[i %% 500] = [i]  # made after the warm-up, then left alone


if __name__ == "__main__":
    run(handle)
''' % SAMPLES


def analyze(dump, page, *extra):
    proc = subprocess.run([tool("memalot-analyze"), "report", dump, "--json", "--exit-zero",
                           "--html", page, *extra], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def dump_program(folder, name, program, seconds):
    dump = os.path.join(folder, name + ".mlt")
    env = for_python(dict(os.environ, MEMALOT_SAMPLE_SECONDS=str(seconds)))
    proc = subprocess.run([tool("memalot-dump"), "--lifetime", "1", "--quiet", "--output", dump,
                           program], env=env, cwd=folder, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0 and os.path.exists(dump), proc.stderr
    return dump


@pytest.fixture(scope="module")
def pages():
    """name -> (page, JSON report)."""
    chromium()  # skip before running anything when there is no browser
    folder = tempfile.mkdtemp(prefix="memalot-html-suspects-")
    mix = os.path.join(folder, "mix.py")
    with open(mix, "w") as f:
        f.write(MIX)
    dumps = {"unbounded_cache": dump_program(folder, "unbounded_cache",
                                             os.path.join(SAMPLES, "unbounded_cache.py"), 4),
             "mix": dump_program(folder, "mix", mix, 5),
             "calls": os.path.join(SAMPLES, "dumps", "request_log-calls.mlt")}
    result = {}
    for name, dump in dumps.items():
        page = os.path.join(folder, name + ".html")
        result[name] = (page, analyze(dump, page))
    each = os.path.join(folder, "each.html")
    result["each"] = (each, analyze(dumps["unbounded_cache"], each, "--each"))
    yield result
    shutil.rmtree(folder, ignore_errors=True)


class Suspects(Dom):
    """What the browser built for the suspects and the per-type sparklines."""

    def __init__(self):
        super().__init__()
        self.cards, self.charts, self.no_charts, self.examples = [], {}, [], []
        self.sparks = []  # polylines per type-spark svg
        self.x_ticks, self.axis_titles = {}, {}
        self.scripts = 0

    def card(self, stack):
        for tag, attrs in reversed(stack):
            if tag == "article" and "suspect" in classes(attrs):
                return int(attrs["data-suspect"])
        return None

    def chart(self, stack):
        for tag, attrs in reversed(stack):
            if tag == "svg":
                return attrs
        return None

    def start(self, tag, attrs, stack):
        kind = classes(attrs)
        svg = self.chart(stack)
        if tag == "article" and "suspect" in kind:
            self.cards.append((int(attrs["data-suspect"]), attrs["data-trend"]))
        elif tag == "svg" and kind == ["suspect-chart"]:
            suspect = int(attrs["data-suspect"])
            assert self.card(stack) == suspect  # drawn inside its own card
            self.charts[suspect] = {"x": attrs["data-x"], "lines": []}
        elif tag == "svg" and kind == ["type-spark"]:
            self.sparks.append([])
        elif tag == "polyline" and svg is not None and classes(svg) == ["suspect-chart"]:
            self.charts[int(svg["data-suspect"])]["lines"].append((kind[0], attrs["points"]))
        elif tag == "polyline" and svg is not None and classes(svg) == ["type-spark"]:
            self.sparks[-1].append(attrs["points"])
        elif tag == "p" and kind == ["no-chart"]:
            self.no_charts.append(int(attrs["data-suspect"]))
        elif tag == "details" and kind == ["suspect-examples"]:
            self.examples.append((self.card(stack), "open" in attrs))
        self.scripts += tag == "script"

    def text(self, data, stack):
        if not stack or stack[-1][0] != "text":
            return
        svg = self.chart(stack)
        if svg is None or classes(svg) != ["suspect-chart"]:
            return
        suspect, kind = int(svg["data-suspect"]), classes(stack[-1][1])
        if "x-tick" in kind:
            self.x_ticks.setdefault(suspect, []).append(float(data))
        if "axis-title" in kind:
            self.axis_titles[suspect] = data


def census_of(page):
    dom, console = browse(page)
    assert not console, console
    census = Suspects()
    census.feed(dom)
    assert census.scripts == 0
    return census


def test_console_capture_works(tmp_path):
    """The console checks below can fail: a page that logs is seen logging."""
    control = str(tmp_path / "control.html")
    write_logging_page(control)
    _, console = browse(control)
    assert any("boom" in line for line in console), console


@pytest.mark.parametrize("name", ["unbounded_cache", "mix", "calls"])
def test_one_chart_per_suspect(pages, name):
    page, report = pages[name]
    census = census_of(page)
    suspects = report["suspects"]
    assert len(suspects) >= (3 if name == "mix" else 1)
    assert census.cards == [(s["id"] + 1, s["trend"]) for s in suspects]
    trends = [trend for _, trend in census.cards]
    assert trends == sorted(trends, key=lambda trend: trend != "growing")  # growing first
    measured = [s["id"] + 1 for s in suspects if s["growth"]]
    assert sorted(census.charts) == sorted(measured)
    assert sorted(census.no_charts) == sorted(s["id"] + 1 for s in suspects if not s["growth"])
    per_call = report["criterion"]["kind"] == "calls"
    assert per_call == (name == "calls")
    for suspect in suspects:
        if not suspect["growth"]:
            continue
        number = suspect["id"] + 1
        chart = census.charts[number]
        assert [kind for kind, _ in chart["lines"]] == ["count-line", "bytes-line"]
        assert chart["lines"][0][1] != chart["lines"][1][1]
        assert chart["x"] == ("calls" if per_call else "seconds")
        assert census.axis_titles[number] == (
            "monitored calls completed" if per_call else "seconds since the first image")
        ticks = census.x_ticks[number]
        last = max(g["calls" if per_call else "time"] for g in suspect["growth"])
        assert ticks[0] == 0 and ticks == sorted(set(ticks)) and ticks[-1] <= last + 1e-9
        assert len(ticks) >= 2 or last == 0
    with_examples = [s["id"] + 1 for s in suspects if s["examples"]]
    assert [card for card, _ in census.examples] == with_examples
    assert [opened for _, opened in census.examples] == [i == 0 for i in range(len(with_examples))]
    assert census.examples[0][0] == suspects[0]["id"] + 1


def test_each_says_why_no_chart(pages):
    """A report per image measures no trend: every card says so instead."""
    page, document = pages["each"]
    census = census_of(page)
    suspects = [s for report in document["reports"] for s in report["suspects"]]
    assert suspects and not any(s["growth"] for s in suspects)
    assert not census.charts
    assert census.no_charts == [s["id"] + 1 for s in suspects]


def test_types_are_drawn_one_per_chart(pages):
    """Types with the same counts (AuditEntry and float here) cannot hide each
    other: each type has a sparkline of its own."""
    page, report = pages["mix"]
    census = census_of(page)
    types = [leak["type"] for leak in report["leaks"]]
    assert {"__main__.AuditEntry", "builtins.float"} <= set(types)
    assert len(census.sparks) == len(types)
    assert all(len(lines) == 1 for lines in census.sparks)


def test_screenshot_is_drawn(pages, tmp_path):
    page, _ = pages["mix"]
    shot = str(tmp_path / "mix.png")
    _, console = browse(page, "--screenshot=" + shot, "--window-size=1280,2000")
    assert not console, console
    with open(shot, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert os.path.getsize(shot) > 60000  # a blank page of that size is about 10 KB
