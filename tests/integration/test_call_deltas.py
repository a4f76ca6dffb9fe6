"""Per-call delta images (every supported Python): a monitored call that leaves nothing alive
writes a call delta instead of full images, and one that leaks writes a full
image whose new objects made by the call are flagged CALL_BORN.

These run real programs under @leak_monitor / create_leak_monitor and read
the dumps back with mlt-dumpjson and memalot-analyze. 3.13+ log births
through the reference tracer, 3.10-3.12 through the allocator hook, the
freelist wrappers and the stashed float/tuple chains.
"""
import json
import os
import subprocess
import textwrap

import pytest

from conftest import tool

FULL, CALL_DELTA = 0, 1
NEW, CALL_BORN = 0x01, 0x40


def version(python):
    return tuple(int(x) for x in python.version.split(".")[:2])


def needs_deltas(python):
    """Every supported Python has call deltas: 3.13+ through the reference
    tracer, 3.10-3.12 through the allocator hook and the freelist wrappers."""
    if version(python) < (3, 10):
        pytest.skip("memalot supports 3.10+; %s is not" % python.version)


def run(python, dump_dir, body, *args):
    script = os.path.join(dump_dir, "prog.py")
    with open(script, "w") as f:
        f.write(textwrap.dedent(body))
    proc = python.run([script, os.path.join(dump_dir, "run.mlt")] + list(args))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return os.path.join(dump_dir, "run.mlt"), proc.stdout


def images(path, types=()):
    """Image headers, each with "records": its objects whose type is one of types."""
    out = subprocess.run([tool("mlt-dumpjson"), path], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    found = []
    for line in out.stdout.splitlines():
        if line.startswith('{"image"'):
            found.append(dict(json.loads(line), records=[]))
        elif line.startswith('{"o"') and types and any(('"%s"' % t) in line for t in types):
            found[-1]["records"].append(json.loads(line))
    return found


def report(path, *options):
    proc = subprocess.run([tool("memalot-analyze"), "report", "--json", "--exit-zero", path] + list(options),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def candidates(rep):
    return {leak["type"]: leak["count"] for leak in rep["leaks"]}


def leaked(python, count):
    """The candidates of `count` leaked Leaked instances: on 3.10 (no managed
    dicts) each one's __dict__ is a separate candidate, with full images too."""
    expected = {"__main__.Leaked": count}
    if version(python) < (3, 11):
        expected["builtins.dict"] = count
    return expected


# Deaths through every path the births log has to see: instances (inline
# values), __slots__, dicts and strs, the tuple/list/dict/float freelists,
# ints and floats freed by the specialized operations (no DESTROY event, no
# tp_dealloc call through _Py_Dealloc), bytes and str resized in place or
# moved, slices, closures, generators, exceptions with tracebacks.
CHURN = """
import gc, sys
import memalot

class Plain:
    pass

class Slotted:
    __slots__ = ("a", "b")

def gen(n):
    yield from range(n)

def churn(i):
    plain = [Plain() for _ in range(50)]
    for p in plain:
        p.attr = i
    slotted = [Slotted() for _ in range(20)]
    names = {k: str(k) * 3 for k in range(50)}
    small = tuple(range(i % 7 + 1)) + (i, i + 1)
    total = sum(k * k + 1 for k in range(100)) + (i * 3 + 7) * (i + 1)
    scaled = sum(k * 1.5 for k in range(100)) + 0.25 * i + (i * 0.5) * 2.0
    blob = b"x" * 10
    blob += b"y" * 1000
    text = "a" + str(i * 1000)
    text += "b" * 3
    part = [1, 2, 3, 4][1:3]
    inner = (lambda y: lambda: y + 1)(i)()
    try:
        raise ValueError(i)
    except ValueError as exc:
        message = str(exc)
    items = list(range(30))
    items.extend(range(500))
    drained = list(gen(5))
    return None if (total, scaled, blob, text, part, inner, message, drained, names, small, slotted) else 0
"""


def test_clean_calls_write_call_deltas(python, dump_dir):
    needs_deltas(python)
    path, _ = run(python, dump_dir, CHURN + """
mon = memalot.create_leak_monitor(max_object_age_calls=1, warmup_calls=0, report=False,
                                  dump_file=sys.argv[1])
for i in range(40):
    with mon:
        churn(i)
memalot.stop_leak_monitoring()
""")
    found = images(path)
    kinds = [image["kind"] for image in found]
    full_calls = [image["call_counter"] for image in found if image["kind"] == FULL]
    # The first call-end takes the base image; every later clean call is a delta.
    assert kinds[0] == FULL
    assert full_calls == [1], "calls that wrote full images: %s" % full_calls
    assert len(found) == 40 and all(image["trigger"] == "call-end" for image in found)
    assert all(image["objects"] == 0 for image in found[1:])
    assert all(image["base"] == found[0]["image"] and image["has_base"] for image in found[1:])
    rep = report(path)
    assert rep["leaks_found"] is False and rep["call_deltas"] == 39


LEAKY = CHURN + """
kept = []
between = []

class Leaked:
    def __init__(self, i):
        self.i = i

class Between:
    pass

mon = memalot.create_leak_monitor(max_object_age_calls=1, warmup_calls=1, report=False,
                                  dump_file=sys.argv[1], call_deltas=sys.argv[2] == "deltas")
for i in range(1, 21):
    if i % 4 == 0:
        between.append(Between())  # made outside any call: never a candidate
    with mon:
        churn(i)
        if i % 5 == 2:
            kept.append(Leaked(i))
print(json.dumps({"leaked": [[id(k), k.i] for k in kept], "between": [id(b) for b in between]}))
"""


def test_leaking_calls_flag_exactly_their_survivors(python, dump_dir):
    needs_deltas(python)
    path, out = run(python, dump_dir, "import json\n" + LEAKY, "deltas")
    facts = json.loads(out.strip().splitlines()[-1])
    found = images(path, types=("__main__.Leaked", "__main__.Between"))
    full_calls = [image["call_counter"] for image in found if image["kind"] == FULL]
    # Call 1 (base image) and the leaking calls 2, 7, 12, 17; the others are deltas.
    assert full_calls == [1, 2, 7, 12, 17]
    by_call = {image["call_counter"]: image for image in found if image["kind"] == FULL}
    for address, call in facts["leaked"]:
        image = by_call[call]
        record = [o for o in image["records"] if o["a"] == address]
        assert record and record[0]["f"] & CALL_BORN and record[0]["f"] & NEW, (call, record)
    born_elsewhere = [o for image in found for o in image["records"]
                      if o["t"] == "__main__.Between" and o["f"] & CALL_BORN]
    assert born_elsewhere == []  # objects made between calls are never attributed to one
    rep = report(path)
    assert candidates(rep) == leaked(python, 4)
    examples = [ex for leak in rep["leaks"] if leak["type"] == "__main__.Leaked" for ex in leak["examples"]]
    assert sorted(ex["created_in_call"] for ex in examples) == [2, 7, 12, 17]


def test_deltas_and_full_images_give_the_same_verdict(python, dump_dir):
    needs_deltas(python)
    with_deltas, _ = run(python, dump_dir, "import json\n" + LEAKY, "deltas")
    os.rename(with_deltas, with_deltas + ".deltas")
    full_only, _ = run(python, dump_dir, "import json\n" + LEAKY, "full")
    a, b = report(with_deltas + ".deltas"), report(full_only)
    assert candidates(a) == candidates(b) == leaked(python, 4)
    assert a["call_deltas"] == 15 and b["call_deltas"] == 0
    assert os.path.getsize(with_deltas + ".deltas") * 4 < os.path.getsize(full_only)


def test_survivors_come_of_age_calls_later(python, dump_dir):
    needs_deltas(python)
    path, out = run(python, dump_dir, "import json\n" + CHURN + """
keep = {}

class Brief:
    pass

class Long:
    pass

mon = memalot.create_leak_monitor(max_object_age_calls=3, warmup_calls=0, report=False,
                                  dump_file=sys.argv[1])
for i in range(1, 16):
    with mon:
        churn(i)
        if i == 5:
            keep["brief"] = Brief()   # alive at the end of calls 5 and 6 only
        if i == 7:
            del keep["brief"]
        if i == 9:
            keep["long"] = Long()     # alive from call 9 on: 3 calls old at call 11
print(json.dumps({"long": id(keep["long"])}))
""")
    found = images(path, types=("__main__.Brief", "__main__.Long"))
    full_calls = [image["call_counter"] for image in found if image["kind"] == FULL]
    # base, Brief born (5), Brief due (7: dead by then, taken anyway), Long born (9), Long due (11)
    assert full_calls == [1, 5, 7, 9, 11]
    rep = report(path)
    assert candidates(rep) == {"__main__.Long": 1}
    example = rep["leaks"][0]["examples"][0]
    assert example["created_in_call"] == 9 and int(example["address"], 16) == json.loads(out)["long"]


def test_a_survivor_on_a_reused_address_is_the_newest_birth(python, dump_dir):
    needs_deltas(python)
    path, out = run(python, dump_dir, "import json\n" + CHURN + """
kept = []
reused = []

class Plain2:
    pass

mon = memalot.create_leak_monitor(max_object_age_calls=1, warmup_calls=0, report=False,
                                  dump_file=sys.argv[1])
with mon:
    churn(0)
for i in range(1, 9):
    with mon:
        first = Plain2()
        address = id(first)
        del first                  # freed: its address goes back to the allocator
        second = Plain2()          # usually lands on the same address
        reused.append(id(second) == address)
        kept.append(second)
        del second
print(json.dumps({"kept": [id(k) for k in kept], "reused": reused}))
""")
    facts = json.loads(out)
    assert any(facts["reused"]), "the allocator never reused the address; the test proves nothing"
    found = images(path, types=("__main__.Plain2",))
    for call, address in enumerate(facts["kept"], start=1):
        image = [im for im in found if im["call_counter"] == call + 1 and im["kind"] == FULL][0]
        mine = [o for o in image["records"] if o["a"] == address]
        assert mine and mine[0]["f"] & CALL_BORN, (call, mine)
        # Only this call's survivor is flagged: the earlier ones are old now.
        assert [o["a"] for o in image["records"] if o["f"] & CALL_BORN] == [address]


THREADED_HANDLERS = CHURN + """
import json, threading
from memalot import _calls

class Leaked:
    pass

kept = []
leaky_calls = {}   # call counter -> id of what that call kept
clean_calls = []
mon = memalot.create_leak_monitor(max_object_age_calls=2, warmup_calls=0, report=False,
                                  dump_file=sys.argv[1])
with mon:          # the base image, before the threads
    churn(0)
ROUNDS = 12
opened = threading.Barrier(4)
lock = threading.Lock()

def handler(n, i):
    with mon:
        call = _calls._open_calls.get()[0].counter
        churn(i)
        opened.wait(timeout=60)    # the four calls are open at once
        churn(i + 1)
        if n == 0:
            leak = Leaked()
            kept.append(leak)
        opened.wait(timeout=60)    # and still are: the others churned meanwhile
    with lock:
        if n == 0:
            leaky_calls[call] = id(leak)
        else:
            clean_calls.append(call)

def worker(n):
    for i in range(ROUNDS):
        handler(n, i)

threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps({"leaky": leaky_calls, "clean": clean_calls}))
"""


# The same four handlers as asyncio tasks on one thread, open at once
# across awaits; handler 0's Leaked is made by a child task it gathers,
# which runs in a copy of the handler's context: still that call's work.
ASYNC_HANDLERS = CHURN + """
import asyncio, json
from memalot import _calls

class Leaked:
    pass

kept = []
leaky_calls = {}
clean_calls = []
mon = memalot.create_leak_monitor(max_object_age_calls=2, warmup_calls=0, report=False,
                                  dump_file=sys.argv[1])
with mon:
    churn(0)
ROUNDS = 12

async def child(i):
    churn(i)
    await asyncio.sleep(0)
    return Leaked()

async def handler(n, i, opened):
    with mon:
        call = _calls._open_calls.get()[0].counter
        churn(i)
        await opened.wait()         # the four calls are open at once
        made = (await asyncio.gather(child(i + 1)))[0]
        if n == 0:
            kept.append(made)
        else:
            del made
        await asyncio.sleep(0.001)  # the others run meanwhile
    if n == 0:
        leaky_calls[call] = id(made)
    else:
        clean_calls.append(call)

async def round_of(i):
    opened = asyncio.Event()
    tasks = [asyncio.ensure_future(handler(n, i, opened)) for n in range(4)]
    await asyncio.sleep(0.001)
    opened.set()
    await asyncio.gather(*tasks)

async def main():
    for i in range(ROUNDS):
        await round_of(i)

asyncio.run(main())
print(json.dumps({"leaky": leaky_calls, "clean": clean_calls}))
"""


def check_births_attributed_per_flow(path, out, clean_calls_write_deltas=True):
    """Handler 0's calls write full images whose only CALL_BORN Leaked is the
    one that call kept, the clean calls write deltas (or flag no Leaked),
    and the report dates each leaked object to the call that made it."""
    facts = json.loads(out.strip().splitlines()[-1])
    leaky = {int(call): address for call, address in facts["leaky"].items()}
    clean = sorted(facts["clean"])
    assert len(leaky) == 12 and len(clean) == 36
    found = images(path, types=("__main__.Leaked",))
    by_call = {image["call_counter"]: image for image in found}
    assert sorted(by_call) == sorted([1] + list(leaky) + clean), "one image per call-end"
    for call, address in leaky.items():
        image = by_call[call]
        assert image["kind"] == FULL, "call %d kept a Leaked but wrote a delta" % call
        flagged = [o["a"] for o in image["records"] if o["f"] & CALL_BORN]
        assert flagged == [address], "call %d: flagged %s, kept %s" % (call, flagged, address)
    for call in clean:
        flagged = [o for o in by_call[call]["records"] if o["f"] & CALL_BORN]
        assert not flagged, "clean call %d flagged another flow's Leaked" % call
    full_clean = [call for call in clean if by_call[call]["kind"] == FULL]
    if not clean_calls_write_deltas:
        full_clean = []
    # A clean call's end still takes a full image when an older leak comes of
    # age then (max_object_age_calls=2); never because of another thread.
    assert len(full_clean) <= len(leaky), "clean calls with full images: %s" % full_clean
    for call in full_clean:
        assert not [o for o in by_call[call]["records"] if o["f"] & CALL_BORN], call
    rep = report(path)
    examples = [ex for leak in rep["leaks"] if leak["type"] == "__main__.Leaked" for ex in leak["examples"]]
    assert examples and all(ex["created_in_call"] in leaky for ex in examples), \
        [ex["created_in_call"] for ex in examples]
    assert candidates(rep).get("__main__.Leaked", 0) >= 10


def test_overlapping_calls_in_threads_attribute_births_per_thread(python, dump_dir):
    """Four threads each run a monitored handler, all four open at once
    (a barrier inside the call) while each churns; thread 0's handler keeps
    one object per call. Each call's end claims only what its own thread
    made, never what another thread made before, during or after its own
    calls."""
    needs_deltas(python)
    check_births_attributed_per_flow(*run(python, dump_dir, THREADED_HANDLERS))


def test_overlapping_calls_in_tasks_attribute_births_per_task(python, dump_dir):
    """Four asyncio tasks on one thread, each a monitored call, open at once
    across awaits: each call claims what its own task made, and what the
    child tasks it started made (they run in copies of its context). A call
    that awaits still takes a full image: a dead FutureIter in asyncio's own
    freelist looks alive to the births log (design-dumper.md, "Overlapping
    calls"), so only the attribution is checked here."""
    needs_deltas(python)
    path, out = run(python, dump_dir, ASYNC_HANDLERS)
    check_births_attributed_per_flow(path, out, clean_calls_write_deltas=False)


def test_a_value_returned_and_dropped_at_once_costs_no_full_image(python, dump_dir):
    """Each call returns a fresh list that the caller drops at once: alive
    at the call's end, dead by the next call. The verdict waits for the
    next call, so after the base image and the one due after it, every call
    writes a delta (it used to be a full image every call, each scheduling
    the next as due)."""
    needs_deltas(python)
    path, out = run(python, dump_dir, CHURN + """
mon = memalot.create_leak_monitor(max_object_age_calls=2, warmup_calls=0, report=False,
                                  dump_file=sys.argv[1])
def handle(i):
    with mon:
        churn(i)
        return [i] * 3
for i in range(1, 13):
    handle(i)
""")
    found = images(path)
    kinds = {image["call_counter"]: image["kind"] for image in found}
    assert sorted(kinds) == list(range(1, 13)), "one image per call-end: %s" % sorted(kinds)
    full = [call for call, kind in sorted(kinds.items()) if kind == FULL]
    assert full == [1, 2], "full images at calls %s" % full
    assert not [o for image in found for o in image["records"] if o["f"] & CALL_BORN and
                image["call_counter"] > 1], "a dropped value was flagged as surviving"


def test_tracemalloc_inside_a_call_forces_a_full_image(python, dump_dir):
    needs_deltas(python)
    path, out = run(python, dump_dir, CHURN + """
import tracemalloc
mon = memalot.create_leak_monitor(max_object_age_calls=1, warmup_calls=0, report=False,
                                  dump_file=sys.argv[1])
for i in range(1, 9):
    with mon:
        churn(i)
        if i == 3:
            tracemalloc.start()   # takes the reference tracer slot from memalot
        if i == 5:
            tracemalloc.stop()
print(tracemalloc.is_tracing())
""")
    found = images(path)
    full_calls = [image["call_counter"] for image in found if image["kind"] == FULL]
    assert full_calls[0] == 1 and 3 in full_calls  # the log of call 3 is incomplete
    assert full_calls[-1] < 8, "deltas never came back after tracemalloc stopped: %s" % full_calls
    assert out.strip() == "False"


# The random tests' monitor, after a first call (the base image): `kept`
# holds what calls keep, `truth` what each call kept, by call counter.
RANDOM_CALLS = """
kept = []
truth = {}
mon = memalot.create_leak_monitor(max_object_age_calls=1, warmup_calls=0, report=False,
                                  dump_file=sys.argv[1])
with mon:
    churn(0)
"""


def test_random_churn_flags_exactly_the_surviving_births(python, dump_dir):
    """Objects of many sizes and kinds made and dropped at random, so blocks
    are reused across size classes and freelists: in every call-end image,
    the Tracked objects flagged CALL_BORN are exactly those the call made
    and kept, and a call that kept none of anything writes a call delta."""
    needs_deltas(python)
    path, out = run(python, dump_dir, "import json, random\n" + CHURN + """
class Tracked:
    def __init__(self, payload):
        self.payload = payload

rng = random.Random(7)
""" + RANDOM_CALLS + """for call in range(2, 62):
    with mon:
        made = []
        for _ in range(rng.randrange(50, 400)):
            kind = rng.randrange(6)
            if kind == 0:
                value = Tracked(None)
            elif kind == 1:
                value = Tracked([None] * rng.randrange(0, 40))
            elif kind == 2:
                value = Tracked({"k%d" % j: None for j in range(rng.randrange(0, 12))})
            elif kind == 3:
                value = Tracked(b"x" * rng.randrange(0, 3000))
            elif kind == 4:
                value = Tracked(tuple(range(rng.randrange(0, 25))))
            else:
                value = Tracked(rng.random() * 3.5)
            made.append(value)
        keep_now = [t for t in made if t.payload is None and rng.random() < 0.02] if call % 3 else []
        while kept and rng.random() < 0.5:
            kept.pop(rng.randrange(len(kept)))
        start = len(kept)
        kept.extend(keep_now)
        del made, value, keep_now
    # Recorded after the call, so the record itself is not one of its births.
    truth[call] = sorted(id(t) for t in kept[start:])
print(json.dumps(truth))
""")
    truth = {int(k): v for k, v in json.loads(out).items()}
    found = images(path, types=("__main__.Tracked",))
    by_call = {image["call_counter"]: image for image in found}
    checked = 0
    for call, expected in truth.items():
        image = by_call[call]
        if not expected:
            continue
        assert image["kind"] == FULL, "call %d kept %d objects but wrote a delta" % (call, len(expected))
        flagged = sorted(o["a"] for o in image["records"] if o["f"] & CALL_BORN)
        assert flagged == expected, "call %d: flagged %s, made and kept %s" % (call, flagged, expected)
        checked += 1
    assert checked >= 10
    deltas = [call for call, image in by_call.items() if image["kind"] == CALL_DELTA]
    assert len(deltas) >= 10  # every third call keeps nothing at all


def test_random_freelist_churn_never_reports_a_survivor_dead(python, dump_dir):
    """Bare floats (made by specialized float arithmetic, popped from where
    older floats freed by it went), tuples of every
    freelisted size, lists, dicts and slices made and dropped at random, so
    that the freelists are pushed and popped across calls (3.10-3.12 see no
    pop): every one the call kept is flagged CALL_BORN in a full image, and
    the calls that kept nothing wrote deltas, but for those where a full
    collection cleared the freelists (a full image: pushes may be unseen)."""
    needs_deltas(python)
    path, out = run(python, dump_dir, "import json, random\n" + CHURN + """
rng = random.Random(11)
gc.disable()   # a full collection clears the freelists: calls 6 and 9 do one on purpose
""" + RANDOM_CALLS + """
def make(kind, r):
    if kind == 0:
        x = r * 1.5          # specialized BINARY_OP on floats (3.11+), reused in place on 3.12
        return x * x + 0.25
    if kind == 1:
        return tuple(range(int(r * 20) + 1))
    if kind == 2:
        return [None] * int(r * 10)
    if kind == 3:
        return {"k": r}
    return slice(r, None)

old_floats = []

def one_call(keep, collect):
    if collect:
        gc.collect()
    # Locals only: a module-level loop variable (an int above 256) would survive.
    for _ in range(len(old_floats) // 2):
        # Floats made before the call, freed by the specialized add itself
        # (_PyFloat_ExactDealloc, no tp_dealloc on 3.11/3.12) onto the float
        # freelist, where the floats made next are popped from. The sum is
        # not kept: 3.12 may reuse the left operand in place, an old float.
        total = old_floats.pop() + old_floats.pop()
    pool = [make(rng.randrange(5), rng.random()) for _ in range(rng.randrange(100, 600))]
    for _ in range(len(pool) // 2):
        pool.pop(rng.randrange(len(pool)))   # dies: pushed on its freelist
    again = [make(rng.randrange(5), rng.random()) for _ in range(50)]   # pops them
    if keep:
        kept.extend(v for v in pool + again if rng.random() < 0.03)

for call in range(2, 52):
    keep = call % 3 != 0
    if kept and rng.random() < 0.3:
        kept.pop(rng.randrange(len(kept)))
    start = len(kept)
    old_floats.extend(rng.random() + 1.0 for _ in range(60))
    with mon:
        one_call(keep, call in (6, 9))
    truth[call] = sorted(id(v) for v in kept[start:])
print(json.dumps(truth))
""")
    truth = {int(k): v for k, v in json.loads(out).items()}
    found = images(path, types=("builtins.float", "builtins.tuple", "builtins.list",
                                "builtins.dict", "builtins.slice"))
    by_call = {image["call_counter"]: image for image in found}
    checked = deltas = 0
    for call, expected in truth.items():
        image = by_call[call]
        if call in (6, 9):
            # Kept nothing, but the collection cleared the float and tuple
            # freelists mid-call (3.10-3.12: pushes may have gone unseen).
            assert expected == [] and (image["kind"] == FULL or version(python) >= (3, 13)), call
            continue
        if not expected:
            deltas += image["kind"] == CALL_DELTA
            continue
        assert image["kind"] == FULL, "call %d kept %d objects but wrote a delta" % (call, len(expected))
        flagged = {o["a"] for o in image["records"] if o["f"] & CALL_BORN}
        missed = [a for a in expected if a not in flagged]
        assert missed == [], "call %d: survivors reported dead: %s" % (call, missed)
        checked += 1
    assert checked >= 20
    assert deltas >= 10, "clean calls wrote full images"
