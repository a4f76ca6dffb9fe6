"""The memalot Python API end to end: real programs, real extension, real dump files.

Each test runs a small program in a subprocess under every supported Python
the build covered (the `python` fixture). The program records what the
package asks of the extension by wrapping `_memalot.dump` (the real dump
still runs and writes the file), and prints one JSON line with what it saw.
When the build has mlt-dumpjson, the file itself is read back too.
"""
import json
import re
import math
import os
import stat
import subprocess
import sys
import textwrap

import pytest

from conftest import BUILD, tool
from image_children import STOP_FIRST_IMAGE_CHILD

# Wraps the extension's dump so the program can report every image request
# and the extension's answer; the wrapped call is the real one.
PRELUDE = textwrap.dedent(
    """
    import json, os, sys, warnings
    import memalot
    from memalot import _memalot as _ext_module
    RECORD = []
    _real_dump = _ext_module.dump
    def _recording_dump(trigger, **kw):
        result = _real_dump(trigger, **kw)
        RECORD.append(dict(trigger=trigger, call_counter=kw.get("call_counter", 0),
                           function=kw.get("function"), criterion=kw.get("criterion"),
                           result=result))
        return result
    _ext_module.dump = _recording_dump
    def report(**extra):
        print("RESULT " + json.dumps(dict(record=RECORD, **extra), default=repr), flush=True)
    """
)


def run_program(python, body, dump_dir=None, env_extra=None, timeout=300):
    env = python.env(**(env_extra or {}))
    if dump_dir is not None:
        env["MEMALOT_DIR"] = dump_dir
    code = PRELUDE + textwrap.dedent(body)
    proc = python.run(["-c", code], env=env, timeout=timeout)
    return proc, _result_of(proc)


def _result_of(proc):
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    return None


def expect_ok(proc, result):
    assert proc.returncode == 0, "exit %d\nstdout:\n%s\nstderr:\n%s" % (
        proc.returncode, proc.stdout, proc.stderr)
    assert result is not None, proc.stdout + proc.stderr
    return result


def images_of(record):
    """The images the requests wrote, in file order (no error; a call-start
    with call deltas only arms the births log and answers "image": None). A
    call-end whose verdict waited ("kind": "deferred") is written by the next
    request, first: that request's result carries it as "settled"."""
    written, waiting = [], None
    for entry in record:
        result = entry["result"]
        if not isinstance(result, dict) or "error" in result:
            continue
        settled = result.get("settled")
        if settled is not None and waiting is not None and settled.get("image") is not None:
            written.append(dict(waiting, result=settled))
            waiting = None
        if result.get("kind") == "deferred":
            waiting = entry
        elif result.get("image") is not None:
            written.append(entry)
    return written


def uses_call_deltas(record):
    """True when call-starts armed the births log instead of writing (3.13+)."""
    return any(isinstance(e["result"], dict) and e["result"].get("kind") == "armed" for e in record)


def dump_files(directory):
    return sorted(os.path.join(directory, name) for name in os.listdir(directory) if name.endswith(".mlt"))


def dumpjson(path):
    """Image metadata read back from the file by the format library's tool, or
    None when the build does not have it yet."""
    tool = os.path.join(BUILD, "bin", "mlt-dumpjson")
    if not os.path.exists(tool):
        return None
    proc = subprocess.run([tool, path], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    images = []
    for line in proc.stdout.splitlines():
        line = line.strip()
        if line:
            record = json.loads(line)
            if "trigger" in record:
                images.append(record)
    return images


CRITERION_NONE, CRITERION_TIME, CRITERION_CALLS = 0, 1, 2  # mlt_criterion_kind
CRITERION_KINDS = {None: CRITERION_NONE, "time": CRITERION_TIME, "calls": CRITERION_CALLS}


def check_file_matches_record(path, record):
    """The file holds the images the extension reported, with the same metadata."""
    images = dumpjson(path)
    if images is None:
        return
    written = images_of(record)
    assert [image["trigger"] for image in images][: len(written)] == [e["trigger"] for e in written]
    for image, entry in zip(images, written):
        if entry["function"] is not None:
            assert image.get("function") == entry["function"]
        assert image.get("call_counter", 0) == entry["call_counter"]
        kind = entry["criterion"][0] if entry["criterion"] else None
        assert image["criterion"] == CRITERION_KINDS[kind]
        assert image["image"] == entry["result"]["image"]


def warnings_in(stderr):
    return [line for line in stderr.splitlines() if "MemalotWarning" in line or "memalot warning" in line]


# --------------------------------------------------------------- time-based


def test_periodic_thread_writes_images_with_the_time_criterion(python, dump_dir):
    proc, result = run_program(python, """
        import time
        monitor = memalot.start_leak_monitoring(max_object_lifetime=1.0, interval=0.5)
        path = memalot.dump_path()
        keep = []
        while len(RECORD) < 3:  # each image needs the thread to wake up; no timing asserted
            keep.append([object() for _ in range(100)])
            time.sleep(0.05)
        memalot.stop_leak_monitoring()
        report(path=path, thread_alive=monitor.is_alive(), after_stop=memalot.dump_path())
    """, dump_dir)
    result = expect_ok(proc, result)
    record = result["record"]
    assert len(record) >= 3
    for entry in record:
        assert entry["trigger"] in ("periodic", "warmup-end")
        assert entry["criterion"] == ["time", 1.0, 1.0]  # warm-up defaults to the lifetime
        assert "error" not in entry["result"], entry["result"]
        assert entry["result"]["objects"] > 100
    images = [entry["result"]["image"] for entry in record]
    assert images == sorted(images) and len(set(images)) == len(images)
    assert result["thread_alive"] is False and result["after_stop"] is None
    path = result["path"]
    assert os.path.dirname(path) == dump_dir
    assert os.path.basename(path).startswith("-c-") is False
    assert "writing heap images to %s" % path in proc.stderr
    check_file_matches_record(path, record)


def image_times(path, field="monotonic_time"):
    """Monotonic times (or another field) of the file's images, as the analyzer reads them."""
    proc = subprocess.run([tool("memalot-analyze"), "report", "--json", "--exit-zero", path],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return [image[field] for image in json.loads(proc.stdout)["images"]]


def test_periodic_images_keep_a_fixed_grid_and_one_at_the_warmup_end(python, dump_dir):
    # Every third image overruns the next slot (the wrapper sleeps after the real
    # dump, as a slow walk on a loaded machine would). The images must stay on the
    # grid start + k * interval, the thread never sleeping through a slot it did
    # not overrun and never catching up in a burst, and one more image must mark
    # the warm-up's end (off the grid here: 1.5 s = 2.5 intervals). Tolerances are
    # wide: a loaded machine wakes the thread late.
    interval, warmup = 0.6, 1.5
    slack = 0.25 * interval
    proc, result = run_program(python, """
        import time
        _inner_dump = _ext_module.dump
        ENDS = []  # when each dump call returned to the thread, as RECORD lists them
        def _slow_dump(trigger, **kw):
            answer = _inner_dump(trigger, **kw)
            if len(RECORD) %% 3 == 2:
                time.sleep(%(interval)r * 1.4)
            ENDS.append(time.monotonic())
            return answer
        _ext_module.dump = _slow_dump
        memalot.start_leak_monitoring(1.0, warmup_time=%(warmup)r, interval=%(interval)r, report=False)
        path = memalot.dump_path()
        while len(ENDS) < 9:  # no timing asserted: as long as the images take
            time.sleep(0.05)
        memalot.stop_leak_monitoring()
        report(path=path, ends=ENDS)
    """ % dict(interval=interval, warmup=warmup), dump_dir)
    result = expect_ok(proc, result)
    times = image_times(result["path"])
    written = [(entry["result"]["monotonic_time"], end) for entry, end in zip(result["record"], result["ends"])
               if entry in images_of(result["record"])]
    assert len(written) >= 9 and [t for t, _ in written] == times[: len(written)]  # dump() says what the file holds
    start, warmup_end = times[0], times[0] + warmup
    shown = [round(t - start, 3) for t in times]
    warmup_image = next(t for t in times if t >= warmup_end)
    # It says it ends the warm-up, and it alone: the analyzer ends the warm-up there.
    triggers = image_times(result["path"], "trigger")
    assert triggers.count("warmup-end") == 1 and triggers[times.index(warmup_image)] == "warmup-end", \
        (triggers, shown)
    grid = [t for t in times if t != warmup_image]
    for t in grid:
        k = round((t - start) / interval)
        assert abs(t - (start + k * interval)) < slack, ("off the grid", round(t - start, 3), shown)
    for (_, ended), (began, _) in zip(written, written[1:]):
        # Nothing was due between the end of one image and the start of the next.
        k = math.floor((ended + slack - start) / interval) + 1
        assert start + k * interval > began - slack, ("slept through a slot", round(ended - start, 3), shown)
        if ended + slack < warmup_end < began - slack:
            raise AssertionError(("slept through the warm-up's end", shown))
    assert warmup_image - warmup_end < 0.25 or any(
        began == warmup_image and warmup_image - ended < slack for (_, ended), (began, _) in zip(written, written[1:])
    ), ("no image at the warm-up's end", shown)
    for earlier, later in zip(times, times[1:]):
        if warmup_image not in (earlier, later):
            assert later - earlier > interval / 2, ("a burst", shown)


def test_periodic_schedule_arithmetic(python):
    # The schedule's arithmetic on its own (no thread, no clock): what the
    # timing test above can only sample.
    proc = python.run(["-c", textwrap.dedent("""
        from memalot._periodic import next_image_time as due, SAME_TIME
        assert due(10.0, 1.0, 10.0, None) == 11.0
        assert due(10.0, 1.0, 10.999, None) == 11.0
        assert due(10.0, 1.0, 13.7, None) == 14.0           # slots overrun are skipped
        assert due(10.0, 1.0, 10.2, 12.5) == 11.0           # a slot before the warm-up's end
        assert due(10.0, 1.0, 12.1, 12.5) == 12.5           # the warm-up's end before the next slot
        assert due(10.0, 1.0, 12.6, 12.5) == 12.6           # passed (a late image): at once
        assert due(10.0, 1.0, 12.6, 13.0 - SAME_TIME / 2) == 13.0   # one image for both
        assert due(10.0, 1.0, 12.6, 13.0 + SAME_TIME / 2) == 13.0 + SAME_TIME / 2
        assert due(10.0, 1.0, 12.6, 13.0 - 2 * SAME_TIME) == 13.0 - 2 * SAME_TIME
        print("ok")
    """)], env=python.env())
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stdout + proc.stderr


def test_second_start_returns_the_running_monitor(python, dump_dir):
    proc, result = run_program(python, """
        lines = []
        first = memalot.start_leak_monitoring(30.0)
        second = memalot.start_leak_monitoring(5.0, output_func=lines.append)
        same = first is second
        memalot.stop_leak_monitoring()
        report(same=same, lifetime=second.lifetime, lines=lines)
    """, dump_dir)
    result = expect_ok(proc, result)
    assert result["same"] is True and result["lifetime"] == 30.0
    assert len(result["lines"]) == 1 and "already running" in result["lines"][0]


def test_interval_defaults_from_lifetime_and_warmup_alias(python, dump_dir):
    proc, result = run_program(python, """
        from memalot import api
        shown = []
        for kwargs in (dict(max_object_lifetime=0.4), dict(max_object_lifetime=10.0, warmup_time=3.0),
                       dict(max_object_lifetime=500.0, warmup_period=2.0)):
            m = memalot.start_leak_monitoring(**kwargs)
            shown.append([m.interval, m.warmup, m.lifetime])
            memalot.stop_leak_monitoring()
        try:
            memalot.start_leak_monitoring(1.0, warmup_time=1, warmup_period=2)
        except TypeError as exc:
            shown.append(str(exc))
        report(shown=shown)
    """, dump_dir)
    shown = expect_ok(proc, result)["shown"]
    assert shown[0] == [0.5, 0.4, 0.4]     # lifetime/2 = 0.2, clamped up to 0.5 s
    assert shown[1] == [5.0, 3.0, 10.0]
    assert shown[2] == [60.0, 2.0, 500.0]  # clamped down to 60 s
    assert "warmup_period" in shown[3]


# --------------------------------------------------------------- call-based


def test_decorator_writes_call_start_and_end_for_outermost_calls(python, dump_dir):
    proc, result = run_program(python, """
        @memalot.leak_monitor
        def walk(n):
            return walk(n - 1) + 1 if n else 0

        class Service:
            @memalot.leak_monitor(max_object_age_calls=3, warmup_calls=2)
            def handle(self, x):
                if x == "fail":
                    raise KeyError("passes through")
                return x * 2

        values = [walk(4), walk(0)]
        svc = Service()
        values.append(svc.handle(21))
        try:
            svc.handle("fail")
        except KeyError as exc:
            values.append("KeyError:" + str(exc))
        report(values=values, name=walk.__name__)
    """, dump_dir)
    result = expect_ok(proc, result)
    assert result["values"] == [4, 0, 42, "KeyError:'passes through'"]
    assert result["name"] == "walk"  # functools.wraps keeps the function's identity
    record = result["record"]
    triples = [(e["trigger"], e["call_counter"], e["function"]) for e in record]
    assert triples == [
        ("call-start", 1, "__main__.walk"), ("call-end", 1, "__main__.walk"),
        ("call-start", 2, "__main__.walk"), ("call-end", 2, "__main__.walk"),
        ("call-start", 1, "__main__.Service.handle"), ("call-end", 1, "__main__.Service.handle"),
        ("call-start", 2, "__main__.Service.handle"), ("call-end", 2, "__main__.Service.handle"),
    ]
    assert record[0]["criterion"] == ["calls", 1, 1]  # the PyPI package's defaults
    assert record[4]["criterion"] == ["calls", 3, 2]
    assert all("error" not in e["result"] for e in record)
    check_file_matches_record(dump_files(dump_dir)[0], record)


def test_async_decorator_spans_the_awaited_coroutine(python, dump_dir):
    proc, result = run_program(python, """
        import asyncio
        events = []
        @memalot.leak_monitor(max_object_age_calls=2)
        async def fetch(x):
            events.append(("body-start", len(RECORD)))
            await asyncio.sleep(0)
            events.append(("body-end", len(RECORD)))
            return x + 1
        async def main():
            return [await fetch(1), await fetch(2)]
        values = asyncio.run(main())
        report(values=values, events=events, is_coroutine=asyncio.iscoroutinefunction(fetch))
    """, dump_dir)
    result = expect_ok(proc, result)
    assert result["values"] == [2, 3]
    assert result["is_coroutine"] is True
    # The start image precedes the body and the end image follows the awaited body.
    assert result["events"] == [["body-start", 1], ["body-end", 1], ["body-start", 3], ["body-end", 3]]
    triples = [(e["trigger"], e["call_counter"], e["function"]) for e in result["record"]]
    assert triples == [("call-start", 1, "__main__.fetch"), ("call-end", 1, "__main__.fetch"),
                       ("call-start", 2, "__main__.fetch"), ("call-end", 2, "__main__.fetch")]


def test_context_manager_is_reusable_and_labels_the_block(python, dump_dir):
    proc, result = run_program(python, """
        named = memalot.create_leak_monitor(function_name="batch", max_object_age_calls=2)
        anonymous = memalot.create_leak_monitor()
        for _ in range(3):
            with named:
                with anonymous:  # nested inside a monitored block: writes nothing
                    pass
        with anonymous():        # the PyPI package's `with monitor():` form
            pass
        report(started=named.calls_started)
    """, dump_dir)
    result = expect_ok(proc, result)
    assert result["started"] == 3
    triples = [(e["trigger"], e["call_counter"], e["function"]) for e in result["record"]]
    assert triples == [("call-start", 1, "batch"), ("call-end", 1, "batch"),
                       ("call-start", 2, "batch"), ("call-end", 2, "batch"),
                       ("call-start", 3, "batch"), ("call-end", 3, "batch"),
                       ("call-start", 1, "<block>"), ("call-end", 1, "<block>")]


# -------------------------------------------------------------- manual dumps


def test_dump_opens_the_given_path_and_refuses_another(python, dump_dir):
    target = os.path.join(dump_dir, "nested", "deeper", "mine.mlt")
    proc, result = run_program(python, """
        lines = []
        first = memalot.dump(sys.argv[1])
        second = memalot.dump()
        third = memalot.dump(sys.argv[1] + ".other", output_func=lines.append)
        fourth = memalot.dump(sys.argv[1] + ".another", output_func=lines.append)
        report(first=first, second=second, third=third, fourth=fourth, path=memalot.dump_path(), lines=lines)
    """.replace("sys.argv[1]", repr(target)), dump_dir)
    result = expect_ok(proc, result)
    assert result["path"] == target
    assert result["first"]["image"] < result["second"]["image"]
    assert [e["trigger"] for e in result["record"]] == ["manual"] * 4
    assert result["record"][0]["criterion"] is None
    # One process writes one file: another path goes to the open file, warned once.
    assert result["third"]["image"] > result["second"]["image"]
    assert not os.path.exists(target + ".other")
    assert len(result["lines"]) == 1 and "already open" in result["lines"][0]
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(target)).st_mode) == 0o700
    assert result["fourth"]["file_size"] == os.path.getsize(target)
    check_file_matches_record(target, result["record"])


def test_default_directory_and_file_permissions(python, dump_dir):
    home = os.path.join(dump_dir, "home")
    os.mkdir(home)
    proc, result = run_program(python, """
        memalot.dump()
        report(path=memalot.dump_path(), pid=os.getpid())
    """, env_extra={"HOME": home})
    result = expect_ok(proc, result)
    directory = os.path.join(home, ".memalot", "dumps")
    path = result["path"]
    assert os.path.dirname(path) == directory
    name = os.path.basename(path)
    assert name.startswith("python-%d-" % result["pid"]) and name.endswith(".mlt")
    assert len(name.split("-")[-2]) == 8 and len(name.split("-")[-1]) == len("HHMMSS.mlt")
    for folder in (os.path.join(home, ".memalot"), directory):
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700, folder
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_options_reach_the_extension(python, dump_dir):
    proc, result = run_program(python, """
        opened = []
        _real_open = _ext_module.open_monitor
        def _recording_open(path, **kw):
            opened.append(kw)
            return _real_open(path, **kw)
        _ext_module.open_monitor = _recording_open
        memalot.dump(values="truncated", value_cap=100, compression_level=5, use_fork=False)
        memalot.stop_leak_monitoring()
        memalot.dump(record_argv=False)
        report(opened=opened)
    """, dump_dir)
    opened = expect_ok(proc, result)["opened"]
    assert opened[0]["value_cap"] == 100 and opened[0]["compression_level"] == 5
    assert opened[0]["use_fork"] is False and opened[0]["argv"] == ["-c"]
    assert opened[0]["argv_withheld"] is False and opened[0]["append"] is False
    assert 0 < opened[0]["run_id"] < 2 ** 64 and opened[0]["run_id"] != opened[1]["run_id"]
    assert opened[1]["value_cap"] == 0  # values="none" is the default: nothing stored
    assert opened[1]["argv"] is None and opened[1]["argv_withheld"] is True


@pytest.mark.parametrize("call, expected", [
    ("memalot.start_leak_monitoring(-1)", "ValueError: memalot: max_object_lifetime must be more than zero"),
    ("memalot.start_leak_monitoring('60')", "TypeError: memalot: max_object_lifetime must be a finite number"),
    ("memalot.start_leak_monitoring(1, interval=0)", "ValueError: memalot: interval must be more than zero"),
    ("memalot.start_leak_monitoring(1, values='all')", "values must be 'none' or 'truncated', got 'all'"),
    ("memalot.start_leak_monitoring(1, value_cap=5000, values='truncated')", "value_cap must be at most 4096"),
    ("memalot.start_leak_monitoring(1, compression_level=99)", "compression_level must be between -7 and 22"),
    ("memalot.start_leak_monitoring(1, max_disk_bytes=0)", "max_disk_bytes must be at least 1"),
    ("memalot.start_leak_monitoring(1, included_type_names='numpy')", "not a single string"),
    ("memalot.start_leak_monitoring(1, bogus=1)", "TypeError: memalot: unknown option bogus"),
    ("memalot.leak_monitor(max_object_age_calls=0)", "max_object_age_calls must be at least 1"),
    ("memalot.create_leak_monitor(warmup_calls=-1)", "warmup_calls must be at least 0"),
    ("memalot.dump(output_func=3)", "output_func must be callable"),
])
def test_bad_options_fail_at_once_with_a_clear_message(default_python, dump_dir, call, expected):
    code = "import memalot\ntry:\n    %s\nexcept Exception as exc:\n    print('%%s: %%s' %% (type(exc).__name__, exc))\n" % call
    proc = default_python.run_code(code, env=default_python.env(MEMALOT_DIR=dump_dir))
    assert proc.returncode == 0, proc.stderr
    assert expected in proc.stdout, proc.stdout
    assert dump_files(dump_dir) == []


def test_pypi_report_options_are_accepted(default_python, dump_dir):
    proc, result = run_program(default_python, """
        @memalot.leak_monitor(check_referrers=False, str_max_length=10, color=False,
                              included_type_names={"myapp"}, max_object_details=5)
        def f():
            return 1
        report(value=f())
    """, dump_dir)
    assert expect_ok(proc, result)["value"] == 1


# --------------------------------------------------------- failure handling


def test_unwritable_directory_warns_once_and_the_program_runs_on(python, dump_dir):
    blocker = os.path.join(dump_dir, "a-file")
    with open(blocker, "w") as f:
        f.write("not a directory")
    proc, result = run_program(python, """
        memalot.start_leak_monitoring(1.0, interval=0.5)
        @memalot.leak_monitor
        def work(x):
            return x * 3
        values = [work(i) for i in range(3)]
        values.append(memalot.dump())
        report(values=values, path=memalot.dump_path())
    """, env_extra={"MEMALOT_DIR": os.path.join(blocker, "dumps")})
    result = expect_ok(proc, result)
    assert result["values"] == [0, 3, 6, None]
    assert result["path"] is None and result["record"] == []
    found = warnings_in(proc.stderr)
    assert len(found) == 1, proc.stderr
    assert "cannot create the dump directory" in found[0]


def test_extension_error_warns_once_through_output_func(python, dump_dir):
    proc, result = run_program(python, """
        _ext_module.dump = lambda trigger, **kw: (RECORD.append(dict(trigger=trigger, call_counter=0,
            function=None, criterion=None, result={"error": "walk failed: simulated"})),
            {"error": "walk failed: simulated"})[1]
        lines = []
        @memalot.leak_monitor(output_func=lines.append)
        def work(x):
            if x == 2:
                raise ValueError("own error")
            return x
        values = []
        for i in range(4):
            try:
                values.append(work(i))
            except ValueError as exc:
                values.append(str(exc))
        report(values=values, lines=lines)
    """, dump_dir)
    result = expect_ok(proc, result)
    assert result["values"] == [0, 1, "own error", 3]
    assert len(result["record"]) == 1  # after the first error no image is attempted
    warned = [line for line in result["lines"] if line.startswith("memalot warning")]
    assert len(warned) == 1 and "walk failed: simulated" in warned[0]
    assert warnings_in(proc.stderr) == []


def test_warning_filter_error_does_not_reach_the_program(default_python, dump_dir):
    blocker = os.path.join(dump_dir, "a-file")
    with open(blocker, "w") as f:
        f.write("x")
    proc, result = run_program(default_python, """
        warnings.simplefilter("error")
        @memalot.leak_monitor
        def work():
            return "fine"
        report(value=work())
    """, env_extra={"MEMALOT_DIR": os.path.join(blocker, "sub")})
    assert expect_ok(proc, result)["value"] == "fine"
    assert "memalot warning" in proc.stderr


def test_disk_budget_stops_images_before_the_file_outgrows_it(python, dump_dir):
    """When compaction fails, the budget still holds: images stop, with one warning."""
    proc, result = run_program(python, """
        _ext_module.compact = lambda target, protected: {"error": "simulated: cannot compact"}
        first = memalot.dump()
        second = memalot.dump()
        image_bytes = second["file_size"] - first["file_size"]
        budget = first["file_size"] + image_bytes + image_bytes // 2
        memalot.stop_leak_monitoring()
        lines = []
        results = [memalot.dump(max_disk_bytes=budget, output_func=lines.append) for _ in range(5)]
        report(results=results, budget=budget, path=memalot.dump_path(), lines=lines)
    """, dump_dir)
    result = expect_ok(proc, result)
    written = [r for r in result["results"] if r is not None]
    assert 1 <= len(written) < 5
    assert all(r is None for r in result["results"][len(written):])
    assert os.path.getsize(result["path"]) <= result["budget"]
    assert sum("max_disk_bytes" in line for line in result["lines"]) == 1
    assert any("simulated: cannot compact" in line for line in result["lines"])


# --------------------------------------------------------------------- fork


FORK_PROGRAM = """
    import threading, time
    memalot.start_leak_monitoring(1.0, interval=0.5, follow_fork=FOLLOW)
    @memalot.leak_monitor
    def work():
        return 5
    work()
    before = len(RECORD)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        value = work()
        time.sleep(0.8)  # past the followed child's grace: its periodic images
        seen = dict(value=value, path=memalot.dump_path(), images=len(RECORD) - before,
                    threads=[t.name for t in threading.enumerate()], pid=os.getpid())
        memalot.stop_leak_monitoring()
        os.write(write_end, json.dumps(seen).encode())
        os._exit(0)
    os.close(write_end)
    child = json.loads(os.read(read_end, 65536).decode())
    _, status = os.waitpid(pid, 0)
    work()
    parent_path = memalot.dump_path()
    memalot.stop_leak_monitoring()
    report(child=child, status=status, parent_images=len(RECORD) - before, parent_path=parent_path,
           pid=os.getpid())
"""


def test_forked_child_without_follow_fork_stops_monitoring_cleanly(python, dump_dir):
    if not hasattr(os, "fork"):
        pytest.skip("no fork on this platform")
    proc, result = run_program(python, "FOLLOW = False\n" + textwrap.dedent(FORK_PROGRAM), dump_dir)
    result = expect_ok(proc, result)
    child = result["child"]
    assert result["status"] == 0
    assert child["value"] == 5 and child["path"] is None and child["images"] == 0
    assert "memalot-monitor" not in child["threads"]
    assert result["parent_images"] >= 2  # the parent carries on writing its file
    files = dump_files(dump_dir)
    assert len(files) == 1  # the child opened nothing of its own
    check_file_matches_record(files[0], result["record"])


def file_info(path):
    proc = subprocess.run([tool("memalot-analyze"), "info", "--json", path], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_forked_child_follows_into_a_file_of_its_own(python, dump_dir):
    if not hasattr(os, "fork"):
        pytest.skip("no fork on this platform")
    proc, result = run_program(python, "FOLLOW = True\n" + textwrap.dedent(FORK_PROGRAM), dump_dir)
    result = expect_ok(proc, result)
    child, parent_path = result["child"], result["parent_path"]
    assert result["status"] == 0 and child["value"] == 5
    assert child["path"] is not None and child["path"] != parent_path
    assert os.path.dirname(child["path"]) == os.path.dirname(parent_path)  # one launch, one folder
    assert re.match(r"python-%d-%d-\d{8}-\d{6}\.mlt$" % (child["pid"], result["pid"]),
                    os.path.basename(child["path"])), child["path"]  # PROGRAM-PID-PARENTPID-STAMP
    assert child["images"] >= 2  # its call's images and its own periodic monitor's
    assert "memalot-monitor" in child["threads"]
    assert result["parent_images"] >= 2
    assert sorted(dump_files(dump_dir)) == sorted([parent_path, child["path"]])
    parent, mine = file_info(parent_path), file_info(child["path"])
    assert mine["file"]["pid"] == child["pid"]
    assert mine["file"]["parent_pid"] == result["pid"]
    assert mine["file"]["parent_run_id"] == parent["file"]["run_id"]
    assert mine["file"]["launch_id"] == parent["file"]["launch_id"] == parent["file"]["run_id"]
    assert len(mine["images"]) >= 2
    check_file_matches_record(parent_path, result["record"])  # only the parent's images


# ------------------------------------------- an interpreter it cannot monitor
# memalot needs Python 3.10+ (requires-python): older versions are not meant
# to import it. Where it installs but cannot monitor (a newer CPython or a
# free-threaded build, whose extension says SUPPORTED = False) or where the
# extension is missing, import works and every start raises one RuntimeError.


def package_copy(default_python, directory, fake_extension=None):
    """The build's pure-Python package, linked into directory/pkg, with no
    extension, or with fake_extension as the source of a _memalot.py.
    Returns the folder to put on PYTHONPATH."""
    package = os.path.join(directory, "pkg", "memalot")
    os.makedirs(package)
    source = os.path.join(default_python.package_dir, "memalot")
    for name in os.listdir(source):
        if name.endswith(".py"):
            os.symlink(os.path.join(source, name), os.path.join(package, name))
    if fake_extension is not None:
        with open(os.path.join(package, "_memalot.py"), "w") as f:
            f.write(fake_extension)
    return os.path.dirname(package)


# The periodic thread stuck in an image for far longer than stop's timeout:
# its image child is stopped with SIGSTOP and the fork deadline is 120 s.
STUCK_AT_STOP = STOP_FIRST_IMAGE_CHILD + textwrap.dedent("""
    import signal, threading, time
    stopped = []
    def stop_first_child():
        stopped.append(stop_first_image_child())
    memalot.start_leak_monitoring(1.0, interval=0.2, use_fork=True, fork_timeout=120)  # fork mode even where the suite defaults to in-process (ASan)
    stopper = threading.Thread(target=stop_first_child, daemon=True)
    stopper.start()
    stopper.join(60)
    time.sleep(0.2)  # the thread is inside that image, waiting on the child
    started = time.monotonic()
    memalot.stop_leak_monitoring(timeout=1.0)
    elapsed = time.monotonic() - started
    still_open = memalot.dump_path()
    for pid in stopped:
        os.kill(pid, signal.SIGKILL)
    report(elapsed=elapsed, stopped=len(stopped), still_open=still_open)
""")


def test_stop_is_bounded_by_its_timeout_while_an_image_is_stuck(python, dump_dir):
    """stop_leak_monitoring(timeout) returns about when it says, even when
    the thread holds the session far longer (an image child stopped by
    someone, a long fork_timeout): the file is left open with a warning, and
    the program goes on. Before, stop waited out the whole image."""
    if not hasattr(os, "fork"):
        pytest.skip("no fork on this platform")
    proc, result = run_program(python, STUCK_AT_STOP, dump_dir)
    result = expect_ok(proc, result)
    assert result["stopped"] == 1, proc.stderr
    # timeout 1 s + the 1 s grace for the session, with room for a loaded machine
    assert result["elapsed"] < 10.0, (result["elapsed"], proc.stderr)
    assert "the dump file is left open" in proc.stderr, proc.stderr
    assert result["still_open"] is not None


def test_without_the_extension_import_works_and_every_start_raises(default_python, dump_dir):
    code = textwrap.dedent("""
        import memalot
        for start in (lambda: memalot.start_leak_monitoring(1.0), lambda: memalot.leak_monitor(lambda: 0),
                      lambda: memalot.dump()):
            try:
                start()
                print("no error")
            except RuntimeError as exc:
                print("RuntimeError", exc)
    """)
    env = default_python.env(PYTHONPATH=package_copy(default_python, dump_dir), MEMALOT_DIR=dump_dir)
    proc = default_python.run_code(code, env=env)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 3
    for line in lines:
        assert line.startswith("RuntimeError memalot cannot monitor this interpreter (Python 3."), line
        assert "the _memalot extension could not be imported" in line
        assert "supports CPython 3.10 to 3.14" in line
    assert dump_files(dump_dir) == []


def test_save_reports_false_keeps_the_dump_only_while_monitoring(python, dump_dir):
    proc, result = run_program(python, """
        first = memalot.dump(save_reports=False)
        path = memalot.dump_path()
        existed = os.path.exists(path)
        mode = oct(os.stat(os.path.dirname(path)).st_mode & 0o777)
        memalot.stop_leak_monitoring()
        report(path=path, existed=existed, mode=mode, gone=not os.path.exists(os.path.dirname(path)))
    """, dump_dir)
    result = expect_ok(proc, result)
    assert result["existed"] and result["gone"] and result["mode"] == "0o700"
    assert not result["path"].startswith(dump_dir)
    assert dump_files(dump_dir) == []
    assert "temporary: save_reports=False" in proc.stderr


def test_extension_that_reports_unsupported_stops_at_start(default_python, dump_dir):
    """An extension built for a CPython it does not know (3.15, free-threaded)
    loads but says SUPPORTED = False; it still exports the format's facts."""
    fake = "SUPPORTED = False\nPREVIEW_MAX = 4096\n"
    env = default_python.env(PYTHONPATH=package_copy(default_python, dump_dir, fake), MEMALOT_DIR=dump_dir)
    proc = default_python.run_code(textwrap.dedent("""
        import memalot
        try:
            memalot.create_leak_monitor()
        except RuntimeError as exc:
            print(exc)
    """), env=env)
    assert proc.returncode == 0, proc.stderr
    assert "reports this version as unsupported" in proc.stdout
    assert dump_files(dump_dir) == []


def test_threads_each_write_their_outermost_calls(python, dump_dir):
    proc, result = run_program(python, """
        import threading
        @memalot.leak_monitor
        def work(n):
            return sum(range(n))
        threads = [threading.Thread(target=lambda: [work(100) for _ in range(3)]) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        report()
    """, dump_dir)
    record = expect_ok(proc, result)["record"]
    starts = sorted(e["call_counter"] for e in record if e["trigger"] == "call-start")
    ends = sorted(e["call_counter"] for e in record if e["trigger"] == "call-end")
    assert starts == ends == list(range(1, 13))  # every call counted once, none lost
    assert all("error" not in e["result"] for e in record)


def test_budget_asks_the_extension_to_compact_keeping_the_warmup_image(python, dump_dir):
    """The contract with an extension that can compact: compact(target_bytes,
    protected_image) with the first image after the warm-up; when the file
    is still too large afterwards, images stop with one warning."""
    proc, result = run_program(python, """
        asked = []
        def fake_compact(target, protected):
            asked.append([target, protected])
            return {"dropped": 0}
        _ext_module.compact = fake_compact
        probe = memalot.dump()
        memalot.stop_leak_monitoring()
        lines = []
        # Full images at every call (3.13+ would write call deltas for these clean calls).
        @memalot.leak_monitor(warmup_calls=1, max_disk_bytes=4 * probe["file_size"], output_func=lines.append,
                              call_deltas=False)
        def work():
            return 1
        values = [work() for _ in range(6)]
        report(asked=asked, lines=lines, values=values)
    """, dump_dir)
    result = expect_ok(proc, result)
    assert result["values"] == [1] * 6
    images = images_of(result["record"])[1:]  # after the probe's file
    second_call_start = [e["result"]["image"] for e in images
                         if e["trigger"] == "call-start" and e["call_counter"] == 2]
    assert len(result["asked"]) == 1
    target, protected = result["asked"][0]
    assert protected == second_call_start[0]  # warm-up of 1 call: call 2 starts the real run
    assert 0 < target <= 4 * result["record"][0]["result"]["file_size"]
    warned = [line for line in result["lines"] if line.startswith("memalot warning")]
    assert len(warned) == 1 and "max_disk_bytes" in warned[0] and "after compaction" in warned[0]


def test_budget_with_compaction_keeps_writing_under_the_budget(python, dump_dir):
    proc, result = run_program(python, """
        first = memalot.dump()
        second = memalot.dump()
        image_bytes = second["file_size"] - first["file_size"]
        header = first["file_size"] - image_bytes
        memalot.stop_leak_monitoring()
        RECORD.clear()
        budget = header + 6 * image_bytes + image_bytes // 2
        lines = []
        keep = []
        @memalot.leak_monitor(warmup_calls=1, max_disk_bytes=budget, output_func=lines.append)
        def work():
            keep.append([object() for _ in range(50)])
        for _ in range(10):
            work()
        path = memalot.dump_path()
        report(budget=budget, lines=lines, path=path, size=os.path.getsize(path))
    """, dump_dir)
    result = expect_ok(proc, result)
    record = result["record"]
    deltas = uses_call_deltas(record)
    # Every call wrote its images (both, or with call deltas the call-end one,
    # since every call leaks): the budget did not stop them. With deltas each
    # call-end's verdict waits for the next call, so the last call's image is
    # written when the monitor closes, with no dump() answer to record.
    assert len(images_of(record)) == (9 if deltas else 20)
    # No "memalot warning: ..." (the budget never stopped the images); the console
    # reports printed through output_func may carry the analyzer's own warnings.
    assert [line for line in result["lines"] if line.startswith("memalot warning")] == []
    assert result["size"] <= result["budget"]
    images = dumpjson(result["path"])
    if images is None:
        return
    sequences = [image["image"] for image in images]
    assert len(sequences) < len(images_of(record))
    if not deltas:  # (a call-start armed with deltas wrote no image to protect)
        protected = [e["result"]["image"] for e in record if e["trigger"] == "call-start" and e["call_counter"] == 2]
        assert protected[0] in sequences  # the first image after the warm-up survives every compaction
    newest = images_of(record)[-1]["result"]["image"] + (1 if deltas else 0)
    assert sequences[-1] == newest  # and so does the newest
    for previous, image in zip(images, images[1:]):
        assert image["has_base"] == 1 and image["base"] == previous["image"]  # re-based on what is kept
