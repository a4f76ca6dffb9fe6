"""The two ways to install memalot lay out working tools and an importable package."""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import pytest

from conftest import BUILD, REPO, project_version, skip_if_sanitized

# Both installs compile their own copy without the sanitizer flags, so here
# they would only repeat the plain build's test, at the cost of two builds.
pytestmark = skip_if_sanitized("pip install and cmake --install build their own copy without "
                               "ASan/UBSan; the -Werror stage runs this test")


@pytest.fixture
def prefix():
    path = tempfile.mkdtemp(prefix="memalot-install-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _run(args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, timeout=1200, **kwargs)


DUMP_CODE = """
import sys, memalot
held = [bytearray(64) for _ in range(10)]
memalot.dump(sys.argv[1])
"""


def _make_dump(python, path, env=None):
    """A dump written by the installed package, read back by the installed analyzer."""
    proc = _run([python, "-c", DUMP_CODE, path], env=env)
    assert proc.returncode == 0, proc.stderr
    assert os.path.getsize(path) > 0


def test_cmake_install_lays_out_everything(prefix, default_python):
    proc = _run(["cmake", "--install", BUILD, "--prefix", prefix])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for rel in ("bin/memalot-analyze", "bin/memalot-dump", "include/memalot/format.h",
                "include/memalot/analysis.h", "share/doc/memalot/docs/format.md"):
        assert os.path.exists(os.path.join(prefix, rel)), rel
    assert glob.glob(os.path.join(prefix, "lib*", "libmemalot_format.a"))
    site = glob.glob(os.path.join(prefix, "lib*", "python3.*", "site-packages"))
    assert len(site) == 1, site
    assert glob.glob(os.path.join(site[0], "memalot", "_memalot*.so"))
    for typing_file in ("_memalot.pyi", "py.typed"):  # type checkers see the package as typed
        assert os.path.exists(os.path.join(site[0], "memalot", typing_file)), typing_file

    env = dict(os.environ, PYTHONPATH=site[0])
    proc = _run([default_python.executable, "-c",
                 "import memalot, memalot._memalot; print(memalot.__file__)"], env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().startswith(site[0])

    # The installed launcher finds its package relative to itself, wherever P is.
    proc = _run([os.path.join(prefix, "bin", "memalot-dump"), "--help"],
                env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert proc.returncode == 0, proc.stderr
    assert "memalot-dump" in proc.stdout

    dump = os.path.join(prefix, "example.mlt")
    _make_dump(default_python.executable, dump, env=env)
    proc = _run([os.path.join(prefix, "bin", "memalot-analyze"), "info", "--json", dump])
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["images"][0]["objects"] > 1000


LINKING_PROGRAM = r"""
#include <stdio.h>
#include "memalot/analysis.h"
int main(int argc, char **argv) {
    mla_options options;
    mla_options_init(&options);
    mla_report_set *set = NULL;
    mlt_error err;
    if (argc != 2 || mla_analyze_file(argv[1], &options, &set, &err) != MLT_OK) return 1;
    printf("reports %zu\n", mla_report_set_count(set));
    mla_report_set_free(set);
    return 0;
}
"""


def test_cmake_install_has_a_pkg_config_file_that_links(prefix, default_python):
    proc = _run(["cmake", "--install", BUILD, "--prefix", prefix])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pc_dirs = glob.glob(os.path.join(prefix, "lib*", "**", "pkgconfig"), recursive=True)
    assert len(pc_dirs) == 1 and os.path.exists(os.path.join(pc_dirs[0], "memalot.pc")), pc_dirs
    env = dict(os.environ, PKG_CONFIG_PATH=pc_dirs[0])
    proc = _run(["pkg-config", "--cflags", "--libs", "--static", "memalot"], env=env)
    assert proc.returncode == 0, proc.stderr
    flags = proc.stdout.split()
    for flag in ("-lmemalot_analysis", "-lmemalot_format", "-lzstd", "-lxxhash", "-ljansson"):
        assert flag in flags, (flag, flags)
    # The flags are enough to build a program against the installed libraries
    # (the .pc names its prefix relative to itself: this prefix is not the configured one).
    source = os.path.join(prefix, "uses_memalot.c")
    with open(source, "w") as f:
        f.write(LINKING_PROGRAM)
    program = os.path.join(prefix, "uses_memalot")
    proc = _run(["cc", "-std=c11", source, "-o", program] + flags)
    assert proc.returncode == 0, proc.stderr
    dump = os.path.join(prefix, "example.mlt")
    site = glob.glob(os.path.join(prefix, "lib*", "python3.*", "site-packages"))
    _make_dump(default_python.executable, dump, env=dict(os.environ, PYTHONPATH=site[0]))
    proc = _run([program, dump])
    assert proc.returncode == 0 and proc.stdout.startswith("reports "), proc.stdout + proc.stderr


def test_installed_readme_links_resolve(prefix):
    proc = _run(["cmake", "--install", BUILD, "--prefix", prefix])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    docdir = os.path.join(prefix, "share", "doc", "memalot")
    with open(os.path.join(docdir, "README.md")) as f:
        readme = f.read()
    targets = [link.split("#")[0] for link in re.findall(r"\]\(([^)\s]+)\)", readme)]
    relative = sorted({t for t in targets if t and not re.match(r"[a-z]+:", t)})
    assert len(relative) >= 5, relative  # the README links its docs; a parse that finds none is wrong
    missing = [t for t in relative if not os.path.exists(os.path.join(docdir, t))]
    assert not missing, "README links that do not resolve in %s: %s" % (docdir, missing)


def _venv_python(python, venv):
    proc = _run([python, "-m", "venv", venv])
    if proc.returncode != 0:
        pytest.skip("cannot create a virtual environment with %s (Debian: apt-get install "
                    "python3-venv): %s" % (python, proc.stderr.strip()[-300:]))
    return os.path.join(venv, "bin", "python")


def test_pip_install_builds_package_and_both_tools(prefix, default_python):
    venv_python = _venv_python(default_python.executable, os.path.join(prefix, "venv"))
    # Build from a clean copy of the sources so stale build trees cannot leak in.
    src = os.path.join(prefix, "src")
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns("build*", ".git", "__pycache__"))
    proc = _run([venv_python, "-m", "pip", "install", "-q", src])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    bindir = os.path.dirname(venv_python)
    for tool in ("memalot-analyze", "memalot-dump"):
        assert os.access(os.path.join(bindir, tool), os.X_OK), tool
    proc = _run([venv_python, "-c",
                 "import memalot, memalot._memalot, importlib.metadata as m;"
                 "print(m.version('python-memalot'))"], cwd=prefix)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == project_version()  # pyproject.toml reads CMakeLists.txt
    proc = _run([os.path.join(bindir, "memalot-dump"), "--help"], cwd=prefix)
    assert proc.returncode == 0, proc.stderr
    dump = os.path.join(prefix, "example.mlt")
    _make_dump(venv_python, dump)
    proc = _run([os.path.join(bindir, "memalot-analyze"), "info", "--json", dump])
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["images"][0]["objects"] > 1000
