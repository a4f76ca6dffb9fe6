"""End-to-end tests of the _memalot extension itself (not the Python API).

Each test writes a small program, runs it under every supported Python that
has a built extension (the `python` fixture of conftest.py), lets it call
memalot._memalot directly, and reads the dump back with the build's
`mlt-dumpjson` tool (the format library's reader, printed as JSON lines).
The programs record what the test must find (id(), sys.getsizeof, ...) in a
JSON side file; the assertions compare the two.
"""
import json
import os
import re
import subprocess
import textwrap

import pytest

from conftest import project_version, tool

NEW, APPROX, GC_TRACKED, IMMORTAL, FROZEN = 0x01, 0x02, 0x04, 0x08, 0x10
STATIC = 0x80

PRELUDE = textwrap.dedent(
    """
    import gc, json, os, sys
    from memalot import _memalot
    DUMP = sys.argv[1]
    FACTS = {}
    def record(name, obj, **extra):
        FACTS[name] = dict(id=id(obj), size=sys.getsizeof(obj), **extra)
    def save_facts():
        with open(DUMP + ".facts.json", "w") as f:
            json.dump(FACTS, f)
    def dump_ok(**kwargs):
        result = _memalot.dump("manual", **kwargs)
        assert "error" not in result, result
        return result
    """
)


class Image:
    """One image of a dump, as printed by mlt-dumpjson."""

    def __init__(self, header):
        self.header = header
        self.objects = []
        self.roots = []
        self.previews = {}
        self.by_address = {}

    def obj(self, address):
        return self.objects[self.by_address[address]]

    def type_of(self, address):
        return self.obj(address)["t"]

    def edges(self, address):
        """[(target address, label kind, label), ...]"""
        return [(self.objects[t]["a"], kind, label) for t, kind, label in self.obj(address)["e"]]


def read_dump(path, only=None, addresses=None):
    """Images of a dump. With `addresses`, objects at other addresses are not
    decoded (their lines are skipped), which keeps long dumps quick."""
    args = [tool("mlt-dumpjson"), path] + ([str(only)] if only is not None else [])
    out = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    images = []
    address_re = re.compile(r'^\{"o":\d+,"a":(\d+),')
    for line in out.stdout.splitlines():
        if line.startswith('{"file"'):
            continue
        if line.startswith('{"image"'):
            images.append(Image(json.loads(line)))
            continue
        img = images[-1]
        if line.startswith('{"o"'):
            if addresses is not None and int(address_re.match(line).group(1)) not in addresses:
                img.objects.append(None)
                continue
            rec = json.loads(line)
            img.by_address[rec["a"]] = rec["o"]
            img.objects.append(rec)
        elif line.startswith('{"root"'):
            img.roots.append(json.loads(line))
        elif line.startswith('{"preview"'):
            rec = json.loads(line)
            img.previews[rec["preview"]] = rec
    return images


def read_file_info(path):
    out = subprocess.run([tool("mlt-dumpjson"), path, "999999"], capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.splitlines()[0])["file"]


def run_program(python, dump_dir, body, name="prog", timeout=600):
    path = os.path.join(dump_dir, name + ".py")
    with open(path, "w") as f:
        f.write(PRELUDE + textwrap.dedent(body))
    dump = os.path.join(dump_dir, name + ".mlt")
    result = python.run([path, dump], timeout=timeout)
    assert result.returncode == 0, "program failed:\n%s\n%s" % (result.stdout, result.stderr)
    facts_path = dump + ".facts.json"
    facts = {}
    if os.path.exists(facts_path):
        with open(facts_path) as f:
            facts = json.load(f)
    return dump, facts, result


def version_of(python):
    return tuple(int(x) for x in python.version.split("."))


# --------------------------------------------------------------------- content

CONTENT_PROGRAM = """
import collections
class Plain:
    def __init__(self):
        self.alpha = ["alpha-value"]
        self.beta = "beta-" + str(7)
class Slotted:
    __slots__ = ("p", "q")
def outer():
    captured = ["captured-value"]
    def inner():
        return captured
    return inner
GLOBAL_LIST = ["global-value", 1]
plain = Plain()
slotted = Slotted(); slotted.p = {"in": "slot"}; slotted.q = 3.25
keyed = {"alpha": [1], 42: [2], ("t", 1): [3]}
seq = [["first"], ["second"]]
tup = (["t0"], ["t1"])
closure = outer()
odict = collections.OrderedDict(a=1)
dq = collections.deque(range(100))
bigint = 12345678901234567890123456789
text = "preview text that is long " + "x" * 50
flt = 1.5 + len(text)
nonascii = "h\\u00e9llo \\u4e16\\u754c" * 3
for name in ("plain", "slotted", "keyed", "seq", "tup", "closure", "odict", "dq",
             "bigint", "text", "flt", "nonascii", "GLOBAL_LIST"):
    record(name, globals()[name])
record("plain.alpha", plain.alpha)
record("plain.beta", plain.beta)
record("slotted.p", slotted.p)
record("keyed.alpha", keyed["alpha"])
record("keyed.42", keyed[42])
record("keyed.tuplekey", ("t", 1))
record("keyed.tuplevalue", keyed[("t", 1)])
record("seq.1", seq[1])
record("tup.0", tup[0])
record("captured", closure.__closure__[0].cell_contents)
record("cell", closure.__closure__[0])
record("Plain", Plain)
def gen_fn():
    gen_local = ["gen-local"]
    yield gen_local
gen = gen_fn()
record("gen_local", next(gen))
record("gen", gen if sys.version_info >= (3, 11) else gen.gi_frame)
def frame_fn():
    frame_local = ["frame-local"]
    return sys._getframe(), frame_local
kept_frame, frame_local_value = frame_fn()
record("kept_frame", kept_frame)
record("frame_local", frame_local_value)
def in_frame():
    local_thing = ["local-value"]
    record("local_thing", local_thing)
    _memalot.open_monitor(DUMP, value_cap=16, use_fork=MODE == "fork")
    # References held right now, minus getrefcount's own argument; from 3.14
    # a local goes to the call as a borrowed reference (LOAD_FAST_BORROW), so
    # there is none to subtract.
    FACTS["refcounts"] = {"GLOBAL_LIST": sys.getrefcount(GLOBAL_LIST) - 1,
                          "seq.1": sys.getrefcount(seq[1]) - 1,
                          "local_thing": sys.getrefcount(local_thing)
                                         - (sys.version_info < (3, 14))}
    dump_ok()
    _memalot.close_monitor()
MODE = sys.argv[2] if len(sys.argv) > 2 else "inprocess"
keep_set = set(range(50)); record("set", keep_set)
in_frame()
save_facts()
"""


@pytest.fixture(params=["inprocess", "fork"])
def mode(request):
    return request.param


def run_content(python, dump_dir, mode):
    path = os.path.join(dump_dir, "content.py")
    with open(path, "w") as f:
        f.write(PRELUDE + textwrap.dedent(CONTENT_PROGRAM))
    dump = os.path.join(dump_dir, "content.mlt")
    result = python.run([path, dump, mode])
    assert result.returncode == 0, result.stderr
    with open(dump + ".facts.json") as f:
        facts = json.load(f)
    [img] = read_dump(dump)
    img.refcounts = facts.pop("refcounts")
    return img, facts


def test_types_and_sizes_match_the_program(python, dump_dir, mode):
    img, facts = run_content(python, dump_dir, mode)
    expected_types = {
        "plain": "__main__.Plain", "slotted": "__main__.Slotted", "keyed": "builtins.dict",
        "seq": "builtins.list", "tup": "builtins.tuple", "closure": "builtins.function",
        "odict": "collections.OrderedDict", "dq": "collections.deque", "bigint": "builtins.int",
        "text": "builtins.str", "flt": "builtins.float", "Plain": "builtins.type",
        "cell": "builtins.cell", "set": "builtins.set",
    }
    for name, type_name in expected_types.items():
        assert img.type_of(facts[name]["id"]) == type_name, name
    # Sizes: every one of these types has a C-level __sizeof__ (or none), so the
    # dump must equal sys.getsizeof exactly.
    for name, fact in facts.items():
        assert img.obj(fact["id"])["s"] == fact["size"], name
    for name, count in img.refcounts.items():
        assert img.obj(facts[name]["id"])["r"] == count, name


def test_edge_labels(python, dump_dir, mode):
    img, facts = run_content(python, dump_dir, mode)
    ident = {name: fact["id"] for name, fact in facts.items()}

    def labels_to(source, target):
        return [(kind, label) for t, kind, label in img.edges(ident[source]) if t == ident[target]]

    # Instance attributes: inline values / managed dict on 3.11+, a __dict__ on 3.10.
    if version_of(python) >= (3, 11):
        assert ("attr", "alpha") in labels_to("plain", "plain.alpha")
        assert ("attr", "beta") in labels_to("plain", "plain.beta")
    else:
        [(dict_address, _, _)] = [e for e in img.edges(ident["plain"]) if e[2] == "__dict__"]
        assert (ident["plain.alpha"], "key-str", "alpha") in img.edges(dict_address)
    assert ("attr", "p") in labels_to("slotted", "slotted.p")
    assert ("key-str", "alpha") in labels_to("keyed", "keyed.alpha")
    key_obj = [(k, l) for k, l in labels_to("keyed", "keyed.42") if k == "key-obj"]
    assert len(key_obj) == 1 and img.objects[key_obj[0][1]]["t"] == "builtins.int"
    tuple_key = [(k, l) for k, l in labels_to("keyed", "keyed.tuplevalue") if k == "key-obj"]
    assert img.objects[tuple_key[0][1]]["a"] == ident["keyed.tuplekey"]
    assert ("index", 1) in labels_to("seq", "seq.1")
    assert ("index", 0) in labels_to("tup", "tup.0")
    assert ("cell", "captured") in labels_to("closure", "cell")
    assert ("other", "cell_contents") in labels_to("cell", "captured")
    # Locals owned by a suspended generator (its frame object on 3.10) and by a
    # frame object that outlived its call.
    assert ("local", "gen_local") in labels_to("gen", "gen_local")
    assert ("local", "frame_local") in labels_to("kept_frame", "frame_local")


def test_roots(python, dump_dir, mode):
    img, facts = run_content(python, dump_dir, mode)
    def roots_of(address):
        index = img.by_address[address]
        return [r for r in img.roots if r["o"] == index]
    globals_ = [(r["name"], r["ctx"]) for r in roots_of(facts["GLOBAL_LIST"]["id"])
                if r["root"] == "module-global"]
    assert ("GLOBAL_LIST", "__main__") in globals_
    local = [r for r in roots_of(facts["local_thing"]["id"]) if r["root"] == "frame-local"]
    assert len(local) == 1
    assert local[0]["name"] == "local_thing" and local[0]["ctx"] == "in_frame"
    assert local[0]["tid"] != 0
    modules = {r["name"] for r in img.roots if r["root"] == "module"}
    assert {"sys", "builtins", "__main__", "collections"} <= modules
    sys_roots = {r["name"] for r in img.roots if r["root"] == "sys"}
    assert {"sys", "builtins"} <= sys_roots <= {"sys", "builtins", "(small ints)", "(interned)"}


def test_objects_outside_the_heap_are_flagged_static(python, dump_dir):
    # Static types of the core and of a C extension, a runtime-static singleton,
    # and on 3.11/3.12 a deep-frozen code object (os is a frozen module there;
    # 3.13 unmarshals frozen code onto the heap): never allocated, so never
    # marked NEW, and possibly unreachable at the previous image.
    body = """
    import _datetime, posixpath
    extension_type = _datetime.date
    record("int_type", int)
    record("none", None)
    record("extension_type", extension_type)
    record("frozen_code", posixpath.join.__code__, frozen=posixpath.__spec__.origin == "frozen")
    heap_list = [1, 2, 3]
    record("heap_list", heap_list)
    record("heap_type", type("HeapType", (), {}))
    _memalot.open_monitor(DUMP, use_fork=False)
    dump_ok()
    dump_ok()
    _memalot.close_monitor()
    save_facts()
    """
    dump, facts, _ = run_program(python, dump_dir, body)
    images = read_dump(dump)
    assert len(images) == 2
    for img in images:
        for name in ("int_type", "none", "extension_type"):
            assert img.obj(facts[name]["id"])["f"] & STATIC, name
        for name in ("heap_list", "heap_type"):
            assert not img.obj(facts[name]["id"])["f"] & STATIC, name
        code = img.obj(facts["frozen_code"]["id"])
        if version_of(python)[:2] in ((3, 11), (3, 12)) and facts["frozen_code"]["frozen"]:
            assert code["f"] & STATIC
        # The first image flags everything NEW (no base); later ones never flag a static object NEW.
        if img.header["has_base"]:
            assert not any(o["f"] & STATIC and o["f"] & NEW for o in img.objects)


def test_objects_only_the_interpreter_holds_are_rooted(python, dump_dir):
    # 3.10's small ints are heap objects the interpreter keeps in an array,
    # 3.12+'s compiler-interned strs are immortal and kept by the interned
    # dict: without a root for them an image misses those nothing else holds,
    # and the next image, where the program holds one, shows it "existed at
    # the previous image but was not in it".
    body = '''
    import secrets
    name = "memalot_probe_" + secrets.token_hex(8)
    namespace = {}
    exec(compile(name + " = 1", "<probe>", "exec"), namespace)
    interned = next(key for key in namespace if key.startswith("memalot_probe_"))
    record("interned", interned)
    FACTS["small"] = [id(n) for n in range(-5, 257)]
    del namespace, interned
    _memalot.open_monitor(DUMP, use_fork=False)
    dump_ok()
    _memalot.close_monitor()
    save_facts()
    '''
    dump, facts, _ = run_program(python, dump_dir, body)
    [img] = read_dump(dump)
    late = {}
    for r in img.roots:
        if r["root"] == "sys" and r["name"] in ("(small ints)", "(interned)"):
            late.setdefault(img.objects[r["o"]]["a"], []).append(r["name"])
    rooted = {r["o"] for r in img.roots if r["name"] not in ("(small ints)", "(interned)")}
    referenced = {t for o in img.objects for t, _, _ in o["e"]}
    for address, names in late.items():
        assert len(names) == 1  # one late root per object, and only for what nothing else reached
        assert img.by_address[address] not in rooted | referenced
    version = version_of(python)
    if version < (3, 11):
        assert all(address in img.by_address for address in facts["small"])
        assert all(img.type_of(a) == "builtins.int" for a, n in late.items() if n == ["(small ints)"])
    else:
        assert "(small ints)" not in {n for names in late.values() for n in names}
    if version >= (3, 12):
        assert late.get(facts["interned"]["id"]) == ["(interned)"]
        assert img.type_of(facts["interned"]["id"]) == "builtins.str"
    else:
        assert "(interned)" not in {n for names in late.values() for n in names}


def test_previews_and_flags(python, dump_dir, mode):
    img, facts = run_content(python, dump_dir, mode)
    def preview(name):
        return img.previews[img.by_address[facts[name]["id"]]]
    assert preview("text")["v"] == "preview text tha" and preview("text")["trunc"] == 1
    assert preview("bigint")["v"] == "1234567890123456" and preview("bigint")["trunc"] == 1
    assert preview("flt")["v"] == repr(1.5 + 26 + 50) and preview("flt")["trunc"] == 0
    assert img.obj(facts["seq"]["id"])["f"] & GC_TRACKED
    assert not img.obj(facts["text"]["id"])["f"] & GC_TRACKED
    # Everything was created before the monitor opened: the first image has no
    # base, so every object is flagged new.
    assert all(o["f"] & NEW for o in img.objects)
    assert img.header["has_base"] == 0
    # Untracked objects reached only through referents are present (the str keys,
    # the float inside the slot).
    assert img.type_of(facts["plain.beta"]["id"]) == "builtins.str"
    if version_of(python) >= (3, 12):
        none_like = [o for o in img.objects if o["t"] == "builtins.NoneType"]
        assert none_like and all(o["f"] & IMMORTAL for o in none_like)


# --------------------------------------------------------------------- identity

IDENTITY_PROGRAM = """
import sys
MODE = sys.argv[2]
ROUNDS = 12
class Thing:
    def __init__(self, tag):
        self.tag = tag
def make_frame():
    return sys._getframe()
_memalot.open_monitor(DUMP, use_fork=MODE == "fork")
survivor = ["survivor"]
records = []
for round_ in range(ROUNDS):
    live = {}
    objs = []
    for j in range(40):
        tag = "%d-%d" % (round_, j)
        objs.append(("list", [tag]))
        objs.append(("dict", {"tag": tag}))
        objs.append(("tuple", (tag, j, round_)))
        objs.append(("float", float(round_ * 1000 + j) + 0.5))
        objs.append(("instance", Thing(tag)))
        objs.append(("frame", make_frame()))
    for kind, obj in objs:
        live[id(obj)] = [kind, "%d-%d" % (round_, len(live))]
    live[id(survivor)] = ["survivor", "survivor"]
    dump_ok()
    records.append(live)
    del objs, live, obj
_memalot.close_monitor()
with open(DUMP + ".facts.json", "w") as f:
    json.dump({"records": records}, f)
"""


def test_address_reuse_never_links_different_objects(python, dump_dir, mode):
    dump, facts, _ = run_program(python, dump_dir, IDENTITY_PROGRAM.replace(
        "MODE = sys.argv[2]", "MODE = %r" % mode), name="identity")
    records = [{int(k): v for k, v in r.items()} for r in facts["records"]]
    addresses = set()
    for r in records:
        addresses.update(r)
    images = read_dump(dump, addresses=addresses)
    assert len(images) == len(records)
    reused = false_links = approx_reused = 0
    for k in range(1, len(images)):
        img, before = images[k], records[k - 1]
        assert img.header["has_base"] == 1 and img.header["base"] == k - 1
        for address, (kind, token) in records[k].items():
            obj = img.obj(address)
            if address not in before or before[address][1] == token:
                continue
            reused += 1  # a different object now sits where an old one was
            if obj["f"] & NEW:
                continue
            if obj["f"] & APPROX:
                approx_reused += 1
                continue
            false_links += 1
    # The survivor keeps its identity: not new after the first image.
    survivor = [a for a, (kind, _) in records[-1].items() if kind == "survivor"][0]
    assert not images[-1].obj(survivor)["f"] & (NEW | APPROX)
    assert reused > 100, "the program did not make addresses be reused (%d)" % reused
    assert false_links == 0
    if version_of(python) >= (3, 13) or version_of(python) < (3, 11):
        assert approx_reused == 0


def test_identity_source_per_version(python, dump_dir):
    body = """
    _memalot.open_monitor(DUMP)
    FACTS["status"] = _memalot.identity_status()
    FACTS["path"] = _memalot.monitor_path()
    _memalot.close_monitor()
    _memalot.close_monitor()
    FACTS["after"] = _memalot.identity_status()
    FACTS["path_after"] = _memalot.monitor_path()
    save_facts()
    """
    dump, facts, _ = run_program(python, dump_dir, body)
    expected = "reftracer" if version_of(python) >= (3, 13) else "alloc-hook"
    assert facts["status"] == {"source": expected, "tracer_replaced": 0, "trashcan_always": False}
    assert facts["path"] == dump and facts["path_after"] is None
    assert facts["after"]["source"] == "none"


def test_open_calls_must_be_a_context_variable(python, dump_dir):
    # The births log reads the variable with PyContextVar_Get: anything else
    # is refused at open, and the refused open leaves no monitor behind.
    body = """
    import contextvars
    class Loud:
        def __repr__(self):
            FACTS["repr_ran"] = True
            return "loud"
    FACTS["errors"] = []
    for bad in (Loud(), "open", contextvars.copy_context()):
        try:
            _memalot.open_monitor(DUMP, open_calls=bad)
        except TypeError as exc:
            FACTS["errors"].append(str(exc))
    FACTS["path"] = _memalot.monitor_path()
    _memalot.open_monitor(DUMP, use_fork=False, open_calls=contextvars.ContextVar("calls"))
    FACTS["opened"] = _memalot.monitor_path()
    _memalot.close_monitor()
    save_facts()
    """
    dump, facts, _ = run_program(python, dump_dir, body)
    assert facts["errors"] == ["open_calls must be a ContextVar or None, got %s" % name
                               for name in ("Loud", "str", "_contextvars.Context")]
    assert "repr_ran" not in facts and facts["path"] is None
    assert facts["opened"] == dump


def test_replaced_tracer_is_counted_and_images_become_approximate(python, dump_dir):
    if version_of(python) < (3, 13):
        pytest.skip("PyRefTracer exists from 3.13 on")
    body = """
    import tracemalloc
    _memalot.open_monitor(DUMP, use_fork=False)
    keep = [[i] for i in range(100)]
    record("keep", keep)
    dump_ok()
    tracemalloc.start()   # takes the single tracer slot
    tracemalloc.stop()    # and leaves it empty
    dump_ok()
    FACTS["status"] = _memalot.identity_status()
    dump_ok()
    _memalot.close_monitor()
    save_facts()
    """
    dump, facts, _ = run_program(python, dump_dir, body)
    assert facts["status"]["tracer_replaced"] == 1
    images = read_dump(dump, addresses={facts["keep"]["id"]})
    keep = facts["keep"]["id"]
    assert images[1].obj(keep)["f"] & APPROX and not images[1].obj(keep)["f"] & NEW
    assert not images[2].obj(keep)["f"] & (NEW | APPROX)  # re-installed, exact again


# --------------------------------------------------------------------- robustness

def test_freeing_a_deeply_nested_list_does_not_crash(python, dump_dir):
    body = """
    _memalot.open_monitor(DUMP, use_fork=False)
    deep = []
    for _ in range(1000000):
        deep = [deep]
    del deep
    nested = {}
    for _ in range(200000):
        nested = {"x": nested, "t": (nested,)}
    dump_ok()   # the walk is iterative: a deep chain is no problem either
    del nested
    _memalot.close_monitor()
    FACTS["done"] = True
    save_facts()
    """
    _, facts, _ = run_program(python, dump_dir, body)
    assert facts["done"]


def test_frozen_objects_are_present(python, dump_dir):
    body = """
    frozen_marker = ["frozen-marker"]
    record("frozen", frozen_marker)
    gc.freeze()
    fresh = ["not frozen"]
    record("fresh", fresh)
    _memalot.open_monitor(DUMP, use_fork=False)
    dump_ok()
    _memalot.close_monitor()
    save_facts()
    """
    dump, facts, _ = run_program(python, dump_dir, body)
    [img] = read_dump(dump)
    assert img.obj(facts["frozen"]["id"])["f"] & (FROZEN | GC_TRACKED) == FROZEN | GC_TRACKED
    assert not img.obj(facts["fresh"]["id"])["f"] & FROZEN


def test_threads_allocating_while_dumping(python, dump_dir, mode):
    body = """
    import threading, time
    MODE = %r
    _memalot.open_monitor(DUMP, use_fork=MODE == "fork")
    stop = threading.Event()
    def churn(n):
        bag = []
        while not stop.is_set():
            bag.append({"n": n, "v": [n] * 5, "f": float(n)})
            if len(bag) > 2000:
                bag = bag[1000:]
    threads = [threading.Thread(target=churn, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    results = []
    deadline = time.time() + 3
    while time.time() < deadline or len(results) < 3:  # (a loaded machine may need longer)
        results.append(dump_ok())
        time.sleep(0.05)
    # The periodic thread of the package calls dump from a thread too.
    side = threading.Thread(target=lambda: results.append(dump_ok()))
    side.start(); side.join()
    stop.set()
    for t in threads:
        t.join()
    _memalot.close_monitor()
    FACTS["images"] = len(results)
    FACTS["modes"] = sorted({r["mode"] for r in results})
    save_facts()
    """ % mode
    dump, facts, _ = run_program(python, dump_dir, body)
    assert facts["modes"] == [mode]
    images = read_dump(dump, addresses=set())
    assert len(images) == facts["images"] >= 3
    for k, img in enumerate(images):
        assert img.header["image"] == k and len(img.objects) == img.header["objects"]
        threads = {r["tid"] for r in img.roots if r["root"] == "frame-local"}
        assert len(threads) >= 2


def test_disk_errors_come_back_as_a_message(python, dump_dir, mode):
    body = """
    import resource, signal
    MODE = %r
    _memalot.open_monitor(DUMP, use_fork=MODE == "fork")
    first = _memalot.dump("manual")
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    limit = first["file_size"] + 1000
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
    big = [str(i) * 3 for i in range(100000)]
    FACTS["second"] = _memalot.dump("manual")
    resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    FACTS["third"] = _memalot.dump("manual")
    _memalot.close_monitor()
    save_facts()
    """ % mode
    dump, facts, _ = run_program(python, dump_dir, body)
    assert list(facts["second"]) == ["error"] and dump in facts["second"]["error"]
    assert "error" not in facts["third"]
    images = read_dump(dump, addresses=set())
    assert [img.header["image"] for img in images] == [0, 1]
    # The failed image broke the identity chain: the next one has no base.
    assert images[1].header["has_base"] == 0


def test_forked_child_drops_the_monitor(python, dump_dir):
    body = """
    os.register_at_fork(after_in_child=_memalot.after_fork_child)
    _memalot.open_monitor(DUMP, use_fork=False)
    dump_ok()
    size = os.path.getsize(DUMP)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        junk = [[i] for i in range(10000)]
        ok = _memalot.monitor_path() is None and "error" in _memalot.dump("manual")
        os.write(w, b"1" if ok else b"0")
        os._exit(0)
    os.waitpid(pid, 0)
    FACTS["child_ok"] = os.read(r, 1) == b"1"
    FACTS["size_unchanged"] = os.path.getsize(DUMP) == size
    dump_ok()
    _memalot.close_monitor()
    save_facts()
    """
    dump, facts, _ = run_program(python, dump_dir, body)
    assert facts["child_ok"] and facts["size_unchanged"]
    assert len(read_dump(dump, addresses=set())) == 2


def test_open_monitor_errors(python, dump_dir):
    body = """
    try:
        _memalot.open_monitor(os.path.join(DUMP, "no", "such", "dir.mlt"))
    except OSError as exc:
        FACTS["oserror"] = str(exc)
    _memalot.open_monitor(DUMP)
    try:
        _memalot.open_monitor(DUMP + ".2")
    except RuntimeError as exc:
        FACTS["twice"] = str(exc)
    FACTS["bad_trigger"] = None
    try:
        _memalot.dump("sometimes")
    except ValueError as exc:
        FACTS["bad_trigger"] = str(exc)
    r = _memalot.dump("call-end", call_counter=3, function="mod.fn", criterion=("calls", 5, 1))
    FACTS["result_keys"] = sorted(r)
    _memalot.close_monitor()
    FACTS["no_monitor"] = _memalot.dump("manual")
    save_facts()
    """
    dump, facts, _ = run_program(python, dump_dir, body)
    assert "no" in facts["oserror"]
    assert "already open" in facts["twice"]
    assert "trigger" in facts["bad_trigger"]
    assert facts["result_keys"] == sorted(["image", "objects", "edges", "roots", "bytes",
                                           "file_size", "pause_ns", "total_ns", "mode", "kind",
                                           "call_born", "monotonic_time"])
    assert "error" in facts["no_monitor"]
    [img] = read_dump(dump, addresses=set())
    assert img.header["trigger"] == "call-end" and img.header["call_counter"] == 3
    assert img.header["function"] == "mod.fn" and img.header["criterion"] == 2


def test_compact_keeps_the_protected_and_newest_images(python, dump_dir, mode):
    body = """
    MODE = %r
    _memalot.open_monitor(DUMP, use_fork=MODE == "fork")
    keep = ["kept across compaction"]
    record("keep", keep)
    sizes = [dump_ok()["file_size"] for _ in range(6)]
    FACTS["target"] = sizes[-1] // 2
    FACTS["compact"] = _memalot.compact(FACTS["target"], 1)
    FACTS["size_after"] = os.path.getsize(DUMP)
    FACTS["next"] = dump_ok()
    _memalot.close_monitor()
    FACTS["closed"] = _memalot.compact(10)
    save_facts()
    """ % mode
    dump, facts, _ = run_program(python, dump_dir, body)
    assert facts["compact"]["file_size"] == facts["size_after"] <= facts["target"]
    assert "error" in facts["closed"]
    images = read_dump(dump, addresses={facts["keep"]["id"]})
    kept = [i.header["image"] for i in images]
    assert len(kept) == 7 - facts["compact"]["dropped"] and facts["compact"]["dropped"] >= 2
    assert 1 in kept and kept[-2:] == [5, 6]  # protected, newest, and the one after
    assert images[-1].header["has_base"] == 1 and images[-1].header["base"] == 5
    # The list existed all along: re-based images still link it.
    assert not images[-1].obj(facts["keep"]["id"])["f"] & NEW
    assert not images[1].obj(facts["keep"]["id"])["f"] & NEW


def test_child_forked_without_the_hook_leaves_the_parent_file_alone(python, dump_dir):
    body = """
    _memalot.open_monitor(DUMP, use_fork=False)
    dump_ok()
    size = os.path.getsize(DUMP)
    r, w = os.pipe()
    pid = os.fork()   # no after_fork_child registered
    if pid == 0:
        result = _memalot.dump("manual")
        ok = "error" in result and _memalot.monitor_path() is None
        _memalot.close_monitor()
        os.write(w, b"1" if ok else b"0")
        os._exit(0)
    os.waitpid(pid, 0)
    FACTS["child_ok"] = os.read(r, 1) == b"1"
    FACTS["size_unchanged"] = os.path.getsize(DUMP) == size
    dump_ok()
    _memalot.close_monitor()
    save_facts()
    """
    dump, facts, _ = run_program(python, dump_dir, body)
    assert facts["child_ok"] and facts["size_unchanged"]
    assert [i.header["image"] for i in read_dump(dump, addresses=set())] == [0, 1]


def test_dump_from_finalizers_and_gc_callbacks(python, dump_dir, mode):
    body = """
    MODE = %r
    _memalot.open_monitor(DUMP, use_fork=MODE == "fork")
    results = []
    class Finalized:
        def __del__(self):
            results.append(_memalot.dump("manual"))
    for _ in range(3):
        a = Finalized(); b = Finalized(); a.other = b; b.other = a
        a.junk = [[j] for j in range(100)]
        del a, b
        gc.collect()   # __del__ runs while the collector holds the cycle
    gc.callbacks.append(lambda phase, info: results.append(_memalot.dump("periodic")))
    gc.collect()
    gc.callbacks.clear()
    _memalot.close_monitor()
    FACTS["errors"] = [r["error"] for r in results if "error" in r]
    FACTS["count"] = len(results)
    save_facts()
    """ % mode
    dump, facts, _ = run_program(python, dump_dir, body)
    assert facts["errors"] == [] and facts["count"] == 8
    assert len(read_dump(dump, addresses=set())) == 8


def test_previews_of_other_values(python, dump_dir):
    body = """
    values = {"nonascii": "h\\u00e9\\u4e16" * 10, "raw": b"\\x00\\xffabc", "neg": -123456789,
              "bigneg": -(10 ** 30) - 7, "flt": -0.1, "short": "ok"}
    for name, value in values.items():
        record(name, value)
    _memalot.open_monitor(DUMP, value_cap=10, use_fork=False)
    dump_ok()
    _memalot.close_monitor()
    save_facts()
    """
    dump, facts, _ = run_program(python, dump_dir, body)
    [img] = read_dump(dump)
    def preview(name):
        p = img.previews[img.by_address[facts[name]["id"]]]
        return p["v"], p["trunc"]
    # "h\u00e9\u4e16" is 1+2+3 UTF-8 bytes; a 10-byte cap keeps 9 bytes, since the
    # next character (3 bytes) must not be split. mlt-dumpjson prints each byte
    # >= 0x80 as its own code point, hence latin-1.
    text = "h\u00e9\u4e16h\u00e9".encode("utf-8")
    assert preview("nonascii") == (text.decode("latin-1"), 1)
    assert preview("raw") == ("\x00\xffabc", 0)
    assert preview("neg") == ("-123456789", 0)
    assert preview("bigneg") == ("-100000000", 1)
    assert preview("flt") == ("-0.1", 0)
    assert preview("short") == ("ok", 0)


def test_file_header_and_append(python, dump_dir):
    body = """
    import platform, time
    FACTS["version"] = platform.python_version()
    FACTS["hexversion"] = sys.hexversion
    FACTS["pid"] = os.getpid()
    _memalot.open_monitor(DUMP, argv=["prog", "--secret=1"], run_id=2**63 + 5,
                          start_time=1234.5)
    dump_ok()
    _memalot.close_monitor()
    _memalot.open_monitor(DUMP, append=True, argv=["ignored"], run_id=7)
    dump_ok()
    _memalot.close_monitor()
    _memalot.open_monitor(DUMP + ".2", argv_withheld=True)
    _memalot.close_monitor()
    _memalot.open_monitor(DUMP + ".3")
    _memalot.close_monitor()
    FACTS["sys_argv"] = sys.argv
    FACTS["memalot_version"] = _memalot.__version__
    save_facts()
    """
    dump, facts, _ = run_program(python, dump_dir, body)
    info = read_file_info(dump)
    assert info["producer"] == "memalot " + facts["memalot_version"]
    assert facts["memalot_version"] == project_version()
    assert info["python_version"] == facts["version"]
    assert info["python_hexversion"] == facts["hexversion"]
    assert info["python_implementation"] == "cpython"
    assert info["python_build"].startswith(facts["version"])
    assert info["platform"].startswith("linux-") and info["pointer_size"] == 8
    assert info["gc_preheader_size"] == 16 and info["byte_order"] == 0
    assert info["pid"] == facts["pid"] and info["run_id"] == 2**63 + 5
    assert info["start_time"] == 1234.5
    assert info["argv"] == ["prog", "--secret=1"] and info["argv_withheld"] == 0
    # append continued the file: both images, the first monitor's header.
    images = read_dump(dump, addresses=set())
    assert [(i.header["image"], i.header["run_id"]) for i in images] == [(0, 2**63 + 5), (0, 7)]
    withheld = read_file_info(dump + ".2")
    assert withheld["argv_withheld"] == 1 and withheld["argv"] == []
    assert read_file_info(dump + ".3")["argv"] == facts["sys_argv"]


def test_memory_reports_the_monitors_own_parts(python, dump_dir):
    body = """
    FACTS["closed"] = _memalot.memory()
    _memalot.open_monitor(DUMP, use_fork=False)
    FACTS["fresh"] = _memalot.memory()
    keep = [[i] for i in range(20000)]
    dump_ok()
    FACTS["after_image"] = _memalot.memory()
    _memalot.close_monitor()
    save_facts()
    """
    dump, facts, _ = run_program(python, dump_dir, body)
    assert facts["closed"] is None
    parts = ("marks", "visited", "maps", "snapshot", "calllog")
    for key in ("fresh", "after_image"):
        sizes = facts[key]
        assert sorted(sizes) == sorted(parts + ("total",))
        assert sizes["total"] > sum(sizes[p] for p in parts)  # plus the monitor struct itself
    assert facts["fresh"]["visited"] == 0 and facts["fresh"]["calllog"] == 0  # nothing walked or logged yet
    assert facts["after_image"]["marks"] > 0 and facts["after_image"]["visited"] > 0
    # 20,000 lists and their ints, about 2.5 MB: the walk's visited set is far smaller
    assert facts["after_image"]["visited"] < 1 << 20
