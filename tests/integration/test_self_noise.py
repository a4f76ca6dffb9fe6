"""memalot must not report its own objects.

A monitored program that leaks nothing gets no report: neither from
`memalot-analyze report` on its dump nor on the console after each image, for
decorated functions, async functions, `with` blocks and the periodic thread,
on every Python. The same programs with one leaked object of their own type
per call (or a known number under the time criterion) get exactly that type
and count, held through the program's own container, and nothing of memalot.

Each program runs in a subprocess under every supported Python (the `python`
fixture). Its console report goes through output_func to stderr; the dump
file's path comes back as one JSON line on stdout.
"""
import json
import subprocess
import textwrap

import pytest

from conftest import tool

PRELUDE = textwrap.dedent(
    """
    import asyncio, json, sys, time
    import memalot
    from memalot import _session
    def to_stderr(line):
        # Kept nowhere: a list of printed lines would itself be a growing leak.
        sys.stderr.write(line + "\\n")
    OPTIONS = dict(output_func=to_stderr, report_directory=DUMP_DIR, use_fork=USE_FORK)

    class Leak:
        pass

    LEAKED = []

    def finish(path):
        print("RESULT " + json.dumps(dict(path=path)), flush=True)

    def wait_for_images(count):
        # The periodic thread writes them; waiting on its count rather than on
        # the clock keeps the outcome independent of the machine's speed.
        while _session._state.ledger.images < count:
            time.sleep(0.005)
    """
)

# Each body calls finish(path) itself. LEAKS says how many Leak objects leak.
CALL_BODIES = {
    "function": """
        @memalot.leak_monitor(max_object_age_calls=1, warmup_calls=1, **OPTIONS)
        def handle(i):
            temporary = [object() for _ in range(5)]
            if LEAKS:
                LEAKED.append(Leak())
            return None
        for i in range(6):
            handle(i)
        finish(memalot.dump_path())
    """,
    # Completes without suspending: at its call-end image nothing but the
    # program's frames is in flight, so even a 1-call age is clean.
    "async": """
        async def helper(i):
            return [object() for _ in range(i)]
        @memalot.leak_monitor(max_object_age_calls=1, warmup_calls=1, **OPTIONS)
        async def handle(i):
            temporary = {i: await helper(5)}
            if LEAKS:
                LEAKED.append(Leak())
        async def main():
            for i in range(6):
                await handle(i)
        asyncio.run(main())
        finish(memalot.dump_path())
    """,
    # Suspends: the task's last step runs from an event-loop Handle made during
    # the call, alive (with its callback and the loop's locals) while the
    # call-end image is taken. They die at once, so with an age of 2 calls
    # nothing is reported; leaks of calls 2-5 are (call 6's are 1 call old).
    "async-suspending": """
        @memalot.leak_monitor(max_object_age_calls=2, warmup_calls=1, **OPTIONS)
        async def handle(i):
            temporary = {i: [object() for _ in range(5)]}
            await asyncio.sleep(0)
            if LEAKS:
                LEAKED.append(Leak())
        async def main():
            for i in range(6):
                await handle(i)
        asyncio.run(main())
        finish(memalot.dump_path())
    """,
    "block": """
        monitor = memalot.create_leak_monitor(max_object_age_calls=1, warmup_calls=1,
                                              function_name="block", **OPTIONS)
        for i in range(6):
            with monitor:
                temporary = [str(i) * 300 for _ in range(5)]
                if LEAKS:
                    LEAKED.append(Leak())
                del temporary  # a block's variables are the program's: they would outlive it
        finish(memalot.dump_path())
    """,
}

# The leak (if any) is made after two images and then outlives the lifetime
# by several images, so every leaked object qualifies whatever the timing.
# Nothing is printed and no dump is analyzed before monitoring stops.
PERIODIC_BODY = """
    monitor = memalot.start_leak_monitoring(max_object_lifetime=0.05, warmup_time=0.0,
                                            interval=0.01, **OPTIONS)
    wait_for_images(2)
    for _ in range(LEAKS):
        LEAKED.append(Leak())
    # Images are at least `interval` apart, so 8 more span 0.07 s > the
    # lifetime. The loop keeps no state of its own that lives that long (a
    # clean program's own long-lived objects would rightly be reported).
    seen = _session._state.ledger.images
    while _session._state.ledger.images < seen + 8:
        temporary = [object() for _ in range(5)]
        time.sleep(0.001)
    path = memalot.dump_path()
    memalot.stop_leak_monitoring()
    finish(path)
"""

VARIANTS = ["function", "async", "async-suspending", "block", "periodic"]
# Calls 2-6 after 1 warm-up call (2-5 when the age is 2 calls); 7 made at once.
EXPECTED_LEAKS = {"function": 5, "async": 5, "async-suspending": 4, "block": 5, "periodic": 7}


def run_variant(python, variant, leaks, dump_dir, use_fork=True):
    body = PERIODIC_BODY if variant == "periodic" else CALL_BODIES[variant]
    code = ("DUMP_DIR = %r\nUSE_FORK = %r\nLEAKS = %d\n" % (dump_dir, use_fork, leaks)
            + PRELUDE + textwrap.dedent(body))
    proc = python.run(["-c", code], timeout=300)
    assert proc.returncode == 0, "exit %d\nstdout:\n%s\nstderr:\n%s" % (
        proc.returncode, proc.stdout, proc.stderr)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, proc.stdout + proc.stderr
    result = json.loads(lines[0][len("RESULT "):])
    assert result["path"], result
    return result, proc


def analyze(path):
    proc = subprocess.run([tool("memalot-analyze"), "report", "--json", path],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 1), proc.stderr  # 1: leaks found
    return json.loads(proc.stdout)


def console_reports(proc):
    return [line for line in proc.stderr.splitlines() if "memalot report" in line]


def describe(report):
    return json.dumps([{"type": leak["type"], "count": leak["count"],
                        "paths": [(p["root"], p["edges"]) for e in leak["examples"] for p in e["paths"]]}
                       for leak in report["leaks"]], indent=1)


@pytest.mark.parametrize("variant", VARIANTS)
def test_clean_program_reports_nothing(python, dump_dir, variant):
    result, proc = run_variant(python, variant, 0, dump_dir)
    report = analyze(result["path"])
    assert report["summary"]["candidates"] == 0, describe(report)
    assert report["leaks"] == []
    assert console_reports(proc) == [], proc.stderr
    # Images were taken (3.13+: clean calls as call deltas): the silence is not for lack of them.
    assert len(report["images"]) + report.get("call_deltas", 0) >= 6


def test_clean_program_reports_nothing_with_in_process_images(python, dump_dir):
    result, proc = run_variant(python, "function", 0, dump_dir, use_fork=False)
    report = analyze(result["path"])
    assert report["summary"]["candidates"] == 0, describe(report)
    assert console_reports(proc) == [], proc.stderr


@pytest.mark.parametrize("variant", VARIANTS)
def test_leaking_program_reports_exactly_the_leak(python, dump_dir, variant):
    result, proc = run_variant(python, variant, EXPECTED_LEAKS[variant] if variant == "periodic" else 1,
                               dump_dir)
    report = analyze(result["path"])
    assert [(leak["type"], leak["count"]) for leak in report["leaks"]] == [
        ("__main__.Leak", EXPECTED_LEAKS[variant])], describe(report)
    assert report["summary"]["candidates"] == EXPECTED_LEAKS[variant]
    for example in report["leaks"][0]["examples"]:
        roots = [(path["root"], path["root_kind"]) for path in example["paths"]]
        assert ("__main__.LEAKED", "module-global") in roots, roots
        for path in example["paths"]:
            assert not any(t.startswith("memalot.") for t in path["types"]), path
    assert console_reports(proc), "the console reported nothing for a leaking program"
    assert "__main__.Leak" in proc.stderr
    assert "memalot." not in proc.stderr, proc.stderr  # no type or path of memalot's


# The extension's part, without the package: open_monitor(own_code=...) names
# the functions whose frames at the top of the dumping thread are the
# monitor's. What they hold is flagged MONITOR (0x20) and gets no root record;
# a program frame below them, an own frame under a program frame and an own
# frame on another thread are ordinary.
FLAG_PROGRAM = textwrap.dedent(
    """
    import sys, threading
    from memalot import _memalot as ext

    class HeldByOwn: pass
    class HeldByProgram: pass
    class HeldUnderProgramTop: pass
    class HeldOnOtherThread: pass

    def own_dump():
        held_by_own = HeldByOwn()
        return ext.dump("manual", fork=FORK)

    def program_caller():
        held_by_program = HeldByProgram()
        return own_dump()

    def program_top():
        return ext.dump("manual", fork=FORK)

    def own_under_program():
        held_under_program_top = HeldUnderProgramTop()
        return program_top()

    def own_waiting(started, stop):
        held_on_other_thread = HeldOnOtherThread()
        started.set()
        stop.wait()

    started, stop = threading.Event(), threading.Event()
    other = threading.Thread(target=own_waiting, args=(started, stop))
    other.start()
    started.wait()
    ext.open_monitor(sys.argv[1], own_code=(own_dump.__code__, own_under_program.__code__,
                                            own_waiting.__code__))
    assert "error" not in program_caller()
    assert "error" not in own_under_program()
    stop.set()
    other.join()
    ext.close_monitor()
    """
)


@pytest.mark.parametrize("fork", [True, False], ids=["fork", "inprocess"])
def test_dumper_flags_only_what_the_dumping_threads_own_frames_hold(python, dump_dir, fork):
    path = dump_dir + "/flags.mlt"
    proc = python.run(["-c", "FORK = %r\n" % fork + FLAG_PROGRAM, path], timeout=300)
    assert proc.returncode == 0, proc.stderr
    dumped = subprocess.run([tool("mlt-dumpjson"), path], capture_output=True, text=True,
                            timeout=300, check=True).stdout.splitlines()
    images = []
    for line in dumped:
        record = json.loads(line)
        if "trigger" in record:
            images.append({"objects": {}, "roots": []})
        elif "root" in record:
            images[-1]["roots"].append(record)
        elif "o" in record and "t" in record:
            images[-1]["objects"][record["o"]] = record
    assert len(images) == 2

    def flags_of(image, type_name):
        found = [o["f"] for o in image["objects"].values() if o["t"] == "__main__." + type_name]
        assert len(found) == 1, (type_name, found)
        return found[0]

    def root_contexts(image):
        return {(r["name"], r["ctx"]) for r in image["roots"] if r["root"] == "frame-local"}

    first, second = images
    assert flags_of(first, "HeldByOwn") & 0x20
    assert ("held_by_own", "own_dump") not in root_contexts(first)
    assert not flags_of(first, "HeldByProgram") & 0x20
    assert ("held_by_program", "program_caller") in root_contexts(first)
    assert not flags_of(first, "HeldOnOtherThread") & 0x20
    assert ("held_on_other_thread", "own_waiting") in root_contexts(first)
    assert not flags_of(second, "HeldUnderProgramTop") & 0x20
    assert ("held_under_program_top", "own_under_program") in root_contexts(second)
