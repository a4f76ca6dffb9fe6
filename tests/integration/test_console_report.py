"""The console reports printed during a run and memalot-analyze agree on the same dump."""
import json
import os
import re
import subprocess

from conftest import tool

PROGRAM = r'''
import json, sys
import memalot

printed = []
kept = []

class Order:
    def __init__(self, i):
        self.i = i

@memalot.leak_monitor(max_object_age_calls=1, warmup_calls=1, dump_file=sys.argv[1],
                      output_func=printed.append)
def handle(batch):
    for i in range(40):
        kept.append(Order(i))       # leaks 40 Orders per call
    scratch = [Order(-i) for i in range(30)]  # dies with the call

for batch in range(4):
    handle(batch)
memalot.stop_leak_monitoring()
with open(sys.argv[2], "w") as f:
    json.dump(printed, f)
'''

ROW = re.compile(r"^\s+(\d+)\s+\S+ \S+\s+\S+ \S+\s+\S+\s+\d+ -> \d+\s+(\S+)\s*$")


def console_findings(texts):
    """{evaluated image: {type: count}} from the console's report texts."""
    findings = {}
    for text in texts:
        match = re.search(r"^Evaluated: image (\d+)", text, re.M)
        if not match:
            continue  # informational lines ("writing heap images to ...")
        rows = {}
        for line in text.splitlines():
            row = ROW.match(line)
            if row:
                rows[row.group(2)] = int(row.group(1))
        findings[int(match.group(1))] = rows
    return findings


def cli_findings(dump):
    proc = subprocess.run([tool("memalot-analyze"), "report", "--each", "--json", "--exit-zero", dump],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    findings = {}
    for report in json.loads(proc.stdout)["reports"]:
        if report["summary"]["candidates"] > 0:
            findings[report["evaluated_image"]] = {leak["type"]: leak["count"] for leak in report["leaks"]}
    return findings


def test_console_and_cli_report_the_same_findings(python, dump_dir):
    dump = os.path.join(dump_dir, "calls.mlt")
    printed = os.path.join(dump_dir, "printed.json")
    proc = python.run(["-c", PROGRAM, dump, printed])
    assert proc.returncode == 0, proc.stderr
    with open(printed) as f:
        console = console_findings(json.load(f))
    cli = cli_findings(dump)
    assert console, "the console printed no report"
    assert console == cli
    # The leak itself: 40 Orders from each call after the warm-up call, each reported once.
    orders = [counts.get("__main__.Order", 0) for counts in console.values()]
    assert sum(orders) == 40 * 3, console


DEFAULTS_PROGRAM = r'''
import json, sys
import memalot
from memalot import _memalot

kept, also = [], {}

class Order:
    pass

@memalot.leak_monitor(max_object_age_calls=1, warmup_calls=1, dump_file=sys.argv[1], report=False)
def handle():
    kept.extend(Order() for _ in range(50))
    also[len(also)] = Order()  # a second suspect: max_object_details=1 shows one example in all

for _ in range(3):
    handle()
memalot.stop_leak_monitoring()
defaults = _memalot.ANALYSIS_DEFAULTS
default = _memalot.report(sys.argv[1], each=False)
explicit = _memalot.report(sys.argv[1], each=False, max_object_details=defaults["max_object_details"])
fewer = _memalot.report(sys.argv[1], each=False, max_object_details=1)
json.dump({"defaults": defaults, "same": default == explicit, "fewer_differs": fewer != default},
          sys.stdout)
'''


def test_analysis_defaults_have_one_owner(default_python, dump_dir):
    """The extension's ANALYSIS_DEFAULTS, report()'s None and the CLI's help all
    come from mla_options_init."""
    dump = os.path.join(dump_dir, "defaults.mlt")
    proc = default_python.run(["-c", DEFAULTS_PROGRAM, dump])
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["same"] and result["fewer_differs"], result
    defaults = result["defaults"]
    assert set(defaults) == {"max_object_details", "max_paths", "max_path_length"}
    help_text = subprocess.run([tool("memalot-analyze"), "report", "--help"], capture_output=True,
                               text=True, timeout=60).stdout
    assert "spread over types (default %d)" % defaults["max_object_details"] in help_text
    assert "retainer paths per example (default %d)" % defaults["max_paths"] in help_text
