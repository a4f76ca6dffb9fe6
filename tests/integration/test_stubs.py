"""The type stubs of the extension (memalot/_memalot.pyi) describe the real module.

The package ships _memalot.pyi and py.typed, so a type checker believes the
stub: a name or a parameter the stub has and the extension lacks (or the
reverse) is a wrong promise to every user. The names and each function's
parameters are compared on every built Python; `mypy.stubtest`, which also
compares types and defaults, runs when the configured interpreter has mypy.
"""
import ast
import json
import os
import subprocess

import pytest

STUB_NAME = "_memalot.pyi"

RUNTIME_FACTS = """
import inspect, json
from memalot import _memalot
names = sorted(n for n in dir(_memalot) if not n.startswith("_") or n == "__version__")
params = {n: list(inspect.signature(getattr(_memalot, n)).parameters)
          for n in names if callable(getattr(_memalot, n))}
print(json.dumps(dict(names=names, params=params)))
"""


def _stub_path(python):
    path = os.path.join(python.package_dir, "memalot", STUB_NAME)
    assert os.path.exists(path), "the build did not put %s next to the extension" % STUB_NAME
    return path


def _is_type_check_only(node):
    return any(getattr(d, "id", None) == "type_check_only" for d in node.decorator_list)


def stub_facts(path):
    """The public names the stub declares at runtime (type-checking-only
    classes and private aliases excluded) and each function's parameters."""
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    names, params = set(), {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
            args = node.args
            params[node.name] = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
        elif isinstance(node, ast.ClassDef) and not _is_type_check_only(node):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    public = {n for n in names if not n.startswith("_") or n == "__version__"}
    return public, params


def test_stub_names_and_parameters_match_the_extension(python):
    proc = python.run_code(RUNTIME_FACTS)
    assert proc.returncode == 0, proc.stderr
    runtime = json.loads(proc.stdout)
    names, params = stub_facts(_stub_path(python))
    assert names == set(runtime["names"]), "stub only: %s; extension only: %s" % (
        sorted(names - set(runtime["names"])), sorted(set(runtime["names"]) - names))
    assert params == runtime["params"]


def test_the_package_is_marked_typed(python):
    assert os.path.exists(os.path.join(python.package_dir, "memalot", "py.typed"))


def test_stubtest_finds_no_difference(default_python):
    probe = default_python.run_code("import mypy.stubtest")
    if probe.returncode != 0:
        pytest.skip("mypy is not installed for %s (pip install mypy runs mypy.stubtest here)"
                    % default_python.executable)
    env = default_python.env(MYPYPATH=default_python.package_dir)
    proc = subprocess.run([default_python.executable, "-m", "mypy.stubtest", "memalot._memalot"],
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
