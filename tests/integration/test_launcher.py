"""memalot-dump: runs a program unchanged under monitoring.

Under every supported Python the launcher runs as `python -m memalot`; the
generated build/bin/memalot-dump (configured interpreter only) is checked
too. A program must see the same argv, sys.path[0], __name__, exit code and
traceback as under plain python.
"""
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time

import pytest

from conftest import BUILD, for_python, interpreters_of, project_version, tool
from test_api import CRITERION_TIME, dump_files, dumpjson

PROGRAM = textwrap.dedent(
    """
    import json, os, sys
    import helper_module
    print("SEEN " + json.dumps(dict(argv=sys.argv, path0=sys.path[0], name=__name__,
                                    file=__file__, helper=helper_module.VALUE)))
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "raise":
        def fail():
            raise ValueError("the program's own error")
        fail()
    if mode == "exit-text":
        sys.exit("stopped with a message")
    sys.exit(int(sys.argv[-1]) if sys.argv[-1].isdigit() else 0)
    """
)


@pytest.fixture
def program_dir(dump_dir):
    folder = os.path.join(dump_dir, "app")
    os.mkdir(folder)
    with open(os.path.join(folder, "prog.py"), "w") as f:
        f.write(PROGRAM)
    with open(os.path.join(folder, "helper_module.py"), "w") as f:
        f.write("VALUE = 'helper found'\n")
    with open(os.path.join(folder, "progmod.py"), "w") as f:
        f.write(PROGRAM)
    return folder


def launch(python, args, dump_dir, cwd, env_extra=None, timeout=300):
    env = python.env(**(env_extra or {}))
    env.setdefault("MEMALOT_DIR", os.path.join(dump_dir, "dumps"))
    return python.run(["-m", "memalot"] + list(args), env=env, cwd=cwd, timeout=timeout)


def plain(python, args, cwd):
    env = python.env()
    env.pop("PYTHONPATH", None)
    return python.run(list(args), env=env, cwd=cwd)


def seen(proc):
    for line in proc.stdout.splitlines():
        if line.startswith("SEEN "):
            return json.loads(line[5:])
    raise AssertionError("the program printed nothing:\n" + proc.stdout + proc.stderr)


def only_program_stderr(stderr):
    return "\n".join(line for line in stderr.splitlines() if not line.startswith("memalot: "))


def the_dump(dump_dir):
    files = dump_files(os.path.join(dump_dir, "dumps"))
    assert len(files) == 1, files
    return files[0]


def test_script_gets_its_argv_path_and_exit_code(python, dump_dir, program_dir):
    args = ["prog.py", "alpha", "--quiet", "-m", "3"]
    proc = launch(python, ["--lifetime", "2"] + args, dump_dir, program_dir)
    reference = plain(python, args, program_dir)
    assert proc.returncode == reference.returncode == 3, proc.stderr
    assert seen(proc) == seen(reference)
    path = the_dump(dump_dir)
    assert os.path.basename(path).startswith("prog-")
    assert "writing heap images to %s" % path in proc.stderr
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    assert "objects older than 2s" in proc.stderr


def test_module_gets_its_argv_and_exit_code(python, dump_dir, program_dir):
    args = ["-m", "progmod", "--lifetime", "--help", "7"]  # the module's, not the launcher's
    proc = launch(python, ["--quiet"] + args, dump_dir, program_dir)
    reference = plain(python, args, program_dir)
    assert proc.returncode == reference.returncode == 7, proc.stderr
    assert seen(proc) == seen(reference)
    assert proc.stderr == ""  # --quiet
    assert os.path.basename(the_dump(dump_dir)).startswith("progmod-")


def test_uncaught_exception_reads_as_without_the_launcher(python, dump_dir, program_dir):
    proc = launch(python, ["--quiet", "prog.py", "raise"], dump_dir, program_dir)
    reference = plain(python, ["prog.py", "raise"], program_dir)
    assert proc.returncode == reference.returncode == 1
    assert only_program_stderr(proc.stderr) == reference.stderr.rstrip("\n")
    assert "_launcher" not in proc.stderr and "runpy" not in proc.stderr


def test_exit_with_a_message(python, dump_dir, program_dir):
    proc = launch(python, ["--quiet", "prog.py", "exit-text"], dump_dir, program_dir)
    reference = plain(python, ["prog.py", "exit-text"], program_dir)
    assert proc.returncode == reference.returncode == 1
    assert proc.stderr == reference.stderr


def test_signal_writes_an_image_and_exit_writes_the_last(python, dump_dir, program_dir):
    with open(os.path.join(program_dir, "signals.py"), "w") as f:
        f.write(textwrap.dedent("""
            import json, os, signal, time
            from memalot import _memalot as ext
            triggers = []
            real_dump = ext.dump
            def recording(trigger, **kw):
                triggers.append(trigger)
                return real_dump(trigger, **kw)
            ext.dump = recording
            os.kill(os.getpid(), signal.SIGUSR2)
            while "signal" not in triggers:   # the handler runs between bytecodes
                time.sleep(0.01)
            print("SEEN " + json.dumps(dict(triggers=triggers)))
        """))
    proc = launch(python, ["--lifetime", "600", "signals.py"], dump_dir, program_dir)
    assert proc.returncode == 0, proc.stderr
    assert "signal" in seen(proc)["triggers"]
    assert "kill -USR2 " in proc.stderr
    images = dumpjson(the_dump(dump_dir))
    if images is not None:
        triggers = [image["trigger"] for image in images]
        assert triggers[0] == "periodic" and "signal" in triggers and triggers[-1] == "exit"
        assert all(image["criterion"] == CRITERION_TIME for image in images)


def test_signal_handler_chains_to_the_previous_one(python, dump_dir):
    code = textwrap.dedent("""
        import os, signal, time
        import memalot
        from memalot import _launcher, _memalot as ext
        calls = []
        signal.signal(signal.SIGUSR2, lambda n, f: calls.append("previous"))
        real_dump = ext.dump
        ext.dump = lambda trigger, **kw: (calls.append(trigger), real_dump(trigger, **kw))[1]
        monitor = memalot.start_leak_monitoring(600)
        while not calls:
            time.sleep(0.01)        # the first periodic image
        _launcher._install_signal_handler(signal.SIGUSR2, monitor)
        os.kill(os.getpid(), signal.SIGUSR2)
        while "previous" not in calls:
            time.sleep(0.01)
        memalot.stop_leak_monitoring()
        print(calls)
    """)
    proc = python.run_code(code, env=python.env(MEMALOT_DIR=dump_dir))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "['periodic', 'signal', 'previous']"


def test_flags_win_over_environment(python, dump_dir, program_dir):
    flag_dir = os.path.join(dump_dir, "from-flag")
    env = {"MEMALOT_LIFETIME": "5", "MEMALOT_INTERVAL": "0.75", "MEMALOT_SIGNAL": "USR1"}
    proc = launch(python, ["--lifetime", "8", "--dir", flag_dir, "prog.py"], dump_dir, program_dir,
                  env_extra=env)
    assert proc.returncode == 0, proc.stderr
    assert "objects older than 8s" in proc.stderr and "an image every 0.75s" in proc.stderr
    assert "kill -USR1" in proc.stderr
    assert len(dump_files(flag_dir)) == 1
    assert not os.path.exists(os.path.join(dump_dir, "dumps"))  # MEMALOT_DIR lost to --dir


def test_no_argv_and_values_options_reach_the_dump(python, dump_dir, program_dir):
    with open(os.path.join(program_dir, "opened.py"), "w") as f:
        f.write(textwrap.dedent("""
            import json
            from memalot import _session
            s = _session._state.settings
            print("SEEN " + json.dumps(dict(cap=s.stored_value_cap, argv=s.record_argv,
                                            fork=s.use_fork, budget=s.max_disk_bytes,
                                            level=s.compression_level)))
        """))
    proc = launch(python, ["--no-argv", "--values", "truncated", "--value-cap", "32",
                           "--max-disk-bytes", "2M", "opened.py"], dump_dir, program_dir,
                  env_extra={"MEMALOT_NO_FORK": "1", "MEMALOT_COMPRESSION_LEVEL": "7"})
    assert proc.returncode == 0, proc.stderr
    assert seen(proc) == dict(cap=32, argv=False, fork=False, budget=2 * 1024 * 1024, level=7)


@pytest.mark.parametrize("args, message", [
    (["--values", "everything", "prog.py"], "values must be 'none' or 'truncated'"),
    (["--lifetime", "soon", "prog.py"], "--lifetime must be a number of seconds"),
    (["--lifetime", "-3", "prog.py"], "max_object_lifetime must be more than zero"),
    (["--max-disk-bytes", "lots", "prog.py"], "--max-disk-bytes must be a byte count"),
    (["--signal", "NOPE", "prog.py"], "unknown signal 'NOPE'"),
    (["missing.py"], "can't open file 'missing.py'"),
    ([], "give a script to run"),
])
def test_usage_errors(default_python, dump_dir, program_dir, args, message):
    proc = launch(default_python, args, dump_dir, program_dir)
    assert proc.returncode == 2
    assert message in proc.stderr, proc.stderr
    assert not os.path.exists(os.path.join(dump_dir, "dumps"))


def test_attach_needs_python_314(python, dump_dir, program_dir):
    if python.version >= "3.14":
        pytest.skip("attach works on Python %s" % python.version)
    proc = launch(python, ["attach", str(os.getpid())], dump_dir, program_dir)
    assert proc.returncode == 2
    assert "needs Python 3.14" in proc.stderr
    assert "this is Python %s" % python.version in proc.stderr


ATTACH_TARGET = textwrap.dedent(
    """
    import os, sys, time
    class AttachedLeak:
        pass
    kept = []
    print("READY", flush=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not os.path.exists(sys.argv[1]):
        kept.append(AttachedLeak())
        time.sleep(0.005)
    import memalot
    print("PATH " + str(memalot.dump_path()), flush=True)
    """
)


def test_attach_starts_monitoring_in_a_running_process(python, dump_dir, program_dir):
    if python.version < "3.14":
        pytest.skip("attach needs Python 3.14 (sys.remote_exec); this is %s" % python.version)
    target_file = os.path.join(program_dir, "target.py")
    with open(target_file, "w") as f:
        f.write(ATTACH_TARGET)
    stop = os.path.join(program_dir, "stop")
    dumps = os.path.join(dump_dir, "dumps")
    env = python.env()
    env.pop("PYTHONPATH", None)  # the target does not have memalot on its path
    target = subprocess.Popen([python.executable, target_file, stop], env=env, cwd=program_dir,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert target.stdout.readline().strip() == "READY"
        proc = launch(python, ["--lifetime", "1", "--warmup", "0.5", "--interval", "0.2",
                               "--dir", dumps, "attach", str(target.pid)], dump_dir, program_dir)
        assert proc.returncode == 0, proc.stderr
        assert "asked process %d to start monitoring" % target.pid in proc.stderr
        images = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(images) < 10:  # 2 s: past the 1 s lifetime
            time.sleep(0.2)
            files = dump_files(dumps) if os.path.isdir(dumps) else []
            images = (dumpjson(files[0]) or []) if files else []
        open(stop, "w").close()
        out, err = target.communicate(timeout=120)
    finally:
        if target.poll() is None:
            target.kill()
            target.wait()
    assert target.returncode == 0, err
    assert "memalot attach" not in err, err
    files = dump_files(dumps)
    assert len(files) == 1 and "PATH " + files[0] in out
    images = dumpjson(files[0])
    assert len(images) >= 10 and {i["trigger"] for i in images} <= {"periodic", "warmup-end"}
    # The objects the loop kept appending outlived the lifetime: reported.
    report = subprocess.run([tool("memalot-analyze"), "report", "--json", "--exit-zero", files[0]],
                            capture_output=True, text=True, timeout=300)
    assert report.returncode == 0, report.stderr
    leaks = {leak["type"]: leak for leak in json.loads(report.stdout)["leaks"]}
    assert "__main__.AttachedLeak" in leaks, sorted(leaks)


ATTACH_WITHOUT_EXTENSION = """
import sys
calls = []
sys.version_info = (3, 14, 0, "final", 0)   # what attach checks first
sys.remote_exec = lambda *args: calls.append(args)
from memalot import _launcher
code = _launcher.main(["attach", "4242"])
print("CALLS", len(calls), "CODE", code)
"""


def test_attach_refuses_when_the_extension_cannot_monitor(python, dump_dir, program_dir):
    # A package copy without the extension stands in for a Python the
    # extension does not support (3.14 today): attach must say so and not
    # run anything in the target.
    package = os.path.join(program_dir, "pkg", "memalot")
    shutil.copytree(os.path.join(python.package_dir, "memalot"), package,
                    ignore=shutil.ignore_patterns("_memalot*.so"))
    env = python.env(PYTHONPATH=os.path.dirname(package))
    proc = python.run(["-c", ATTACH_WITHOUT_EXTENSION], env=env, cwd=program_dir)
    assert "CALLS 0 CODE 2" in proc.stdout, proc.stdout + proc.stderr
    assert "not attaching to process 4242" in proc.stderr
    assert "memalot cannot monitor this interpreter" in proc.stderr


def test_generated_launcher_script(default_python, dump_dir, program_dir):
    launcher = os.path.join(BUILD, "bin", "memalot-dump")
    if not os.path.exists(launcher):
        pytest.skip("memalot-dump was not generated at %s" % launcher)
    env = for_python(dict(os.environ, MEMALOT_DIR=os.path.join(dump_dir, "dumps")))
    env.pop("PYTHONPATH", None)
    proc = subprocess.run([launcher, "prog.py", "q", "4"], cwd=program_dir, env=env,
                          capture_output=True, text=True, timeout=300)
    reference = plain(default_python, ["prog.py", "q", "4"], program_dir)
    assert proc.returncode == 4, proc.stderr
    assert seen(proc) == seen(reference)  # the launcher's bin/ is not on the program's path
    assert len(dump_files(os.path.join(dump_dir, "dumps"))) == 1


VENV_PROGRAM = textwrap.dedent(
    """
    import json, sys
    import only_in_the_venv
    print("SEEN " + json.dumps(dict(value=only_in_the_venv.VALUE, prefix=sys.prefix)))
    """
)


def _venv_with_a_module(python, folder):
    """A virtual environment of `python` whose site-packages alone holds only_in_the_venv."""
    proc = subprocess.run([python, "-m", "venv", "--without-pip", folder], capture_output=True,
                          text=True, timeout=300)
    if proc.returncode != 0:
        pytest.skip("cannot create a virtual environment with %s (Debian: apt-get install "
                    "python3-venv): %s" % (python, proc.stderr.strip()[-300:]))
    site = subprocess.run([os.path.join(folder, "bin", "python"), "-c",
                           "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, timeout=60).stdout.strip()
    with open(os.path.join(site, "only_in_the_venv.py"), "w") as f:
        f.write("VALUE = 'imported from the venv'\n")


def _activated(venv, dump_dir):
    """The environment `. venv/bin/activate` gives, without the test's PYTHONPATH."""
    env = for_python(dict(os.environ, VIRTUAL_ENV=venv, MEMALOT_DIR=os.path.join(dump_dir, "dumps"),
                          PATH=os.path.join(venv, "bin") + os.pathsep + os.environ.get("PATH", "")))
    env.pop("PYTHONPATH", None)
    return env


def test_generated_launcher_runs_in_the_active_virtual_environment(default_python, dump_dir,
                                                                   program_dir):
    launcher = tool("memalot-dump")
    venv = os.path.join(dump_dir, "venv")
    _venv_with_a_module(default_python.executable, venv)
    with open(os.path.join(program_dir, "venv_prog.py"), "w") as f:
        f.write(VENV_PROGRAM)
    proc = subprocess.run([launcher, "venv_prog.py"], cwd=program_dir, env=_activated(venv, dump_dir),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert seen(proc) == {"value": "imported from the venv", "prefix": venv}
    assert len(dump_files(os.path.join(dump_dir, "dumps"))) == 1  # monitored there, too


def _old_pythons():
    """Interpreters no build has an extension for (memalot needs 3.10+)."""
    return [exe for version in ("3.8", "3.9") for _, exe in interpreters_of([version])[:1]]


def test_generated_launcher_says_what_to_run_for_a_python_it_has_no_extension_for(
        default_python, dump_dir, program_dir):
    launcher = tool("memalot-dump")
    old = _old_pythons()
    if not old:
        pytest.skip("no Python 3.8 or 3.9 installed (an interpreter the build has no extension for)")
    venv = os.path.join(dump_dir, "venv")
    _venv_with_a_module(old[0], venv)
    with open(os.path.join(program_dir, "venv_prog.py"), "w") as f:
        f.write(VENV_PROGRAM)
    proc = subprocess.run([launcher, "venv_prog.py", "an arg"], cwd=program_dir,
                          env=_activated(venv, dump_dir), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert "SEEN" not in proc.stdout  # the program did not run with the wrong interpreter
    assert "has no extension for Python 3." in proc.stderr
    # The line it suggests runs the program, with the configured interpreter.
    suggested = proc.stderr.strip().splitlines()[-1].strip()
    assert suggested.endswith(" -m memalot venv_prog.py 'an arg'"), suggested
    assert not os.path.exists(os.path.join(dump_dir, "dumps"))
    # Running no program, --version answers whatever the environment.
    proc = subprocess.run([launcher, "--version"], env=_activated(venv, dump_dir),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.startswith("memalot-dump "), proc.stderr


def test_both_tools_print_the_version(default_python):
    version = project_version()
    env = for_python(dict(os.environ))
    env.pop("PYTHONPATH", None)
    for name in ("memalot-dump", "memalot-analyze"):
        proc = subprocess.run([tool(name), "--version"], env=env, capture_output=True, text=True,
                              timeout=60)
        assert proc.returncode == 0, (name, proc.stderr)
        assert proc.stdout.strip() == "%s %s" % (name, version), (name, proc.stdout)


def test_package_and_extension_carry_the_version(python):
    proc = python.run_code("import memalot, memalot._memalot as ext;"
                           "print(memalot.__version__, ext.__version__)")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [project_version()] * 2
    proc = python.run(["-m", "memalot", "--version"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "memalot-dump " + project_version()


def test_child_processes_are_not_monitored(python, dump_dir, program_dir):
    with open(os.path.join(program_dir, "parent.py"), "w") as f:
        f.write(textwrap.dedent("""
            import subprocess, sys
            out = subprocess.run([sys.executable, "-c", "import sys; print(sys.argv)"],
                                 capture_output=True, text=True).stdout.strip()
            print("SEEN " + __import__("json").dumps(dict(child=out)))
        """))
    proc = launch(python, ["parent.py"], dump_dir, program_dir)
    assert proc.returncode == 0, proc.stderr
    assert seen(proc)["child"] == "['-c']"
    assert len(dump_files(os.path.join(dump_dir, "dumps"))) == 1  # the parent's only


def test_output_names_the_exact_file(python, dump_dir, program_dir):
    target = os.path.join(dump_dir, "chosen", "run.mlt")
    proc = launch(python, ["-o", target, "prog.py"], dump_dir, program_dir)
    assert proc.returncode == 0, proc.stderr
    assert "writing heap images to %s" % target in proc.stderr
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert not os.path.exists(os.path.join(dump_dir, "dumps"))


INTROSPECT = textwrap.dedent(
    """
    import json, sys
    print("SEEN " + json.dumps(dict(
        builtins=type(__builtins__).__name__, loader=type(__loader__).__name__,
        spec=None if __spec__ is None else __spec__.name, path0=sys.path[0], file=__file__,
        names=sorted(name for name in globals() if name.startswith("__")),
        main_is_us=sys.modules["__main__"].__dict__ is globals())))
    """
)


@pytest.mark.parametrize("how", ["script-through-symlink", "module"])
def test_main_module_looks_like_pythons_own(python, dump_dir, program_dir, how):
    real = os.path.join(program_dir, "real")
    os.mkdir(real)
    with open(os.path.join(real, "introspect.py"), "w") as f:
        f.write(INTROSPECT)
    if how == "module":
        args = ["-m", "introspect"]
        cwd = real
    else:
        os.symlink(os.path.join(real, "introspect.py"), os.path.join(program_dir, "linked.py"))
        args = ["linked.py"]
        cwd = program_dir
    proc = launch(python, ["--quiet"] + args, dump_dir, cwd)
    reference = plain(python, args, cwd)
    assert proc.returncode == 0, proc.stderr
    assert seen(proc) == seen(reference)
    assert seen(proc)["main_is_us"] is True


def test_launcher_without_the_extension_says_so(default_python, dump_dir, program_dir):
    from test_api import package_copy

    env = default_python.env(PYTHONPATH=package_copy(default_python, dump_dir),
                             MEMALOT_DIR=os.path.join(dump_dir, "dumps"))
    proc = subprocess.run([default_python.executable, "-m", "memalot", "prog.py"], cwd=program_dir,
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "cannot monitor this interpreter (Python 3." in proc.stderr
    assert "the _memalot extension could not be imported" in proc.stderr
    assert "SEEN" not in proc.stdout  # the program did not run unmonitored


@pytest.fixture
def launcher_module(default_python):
    """The launcher's pure-Python helpers, imported into the test process."""
    sys.path.insert(0, default_python.package_dir)
    try:
        from memalot import _launcher
        yield _launcher
    finally:
        sys.path.remove(default_python.package_dir)
        for name in [name for name in sys.modules if name == "memalot" or name.startswith("memalot.")]:
            del sys.modules[name]  # other test files may import another build's package


@pytest.mark.parametrize("argv, expected", [
    (["--quiet", "app.py", "--quiet"], (["--quiet"], None, ["app.py", "--quiet"])),
    (["--lifetime", "5", "-m", "pkg.mod", "-m", "x"], (["--lifetime", "5"], "pkg.mod", ["-m", "x"])),
    (["--lifetime=5", "-mjson.tool", "--help"], (["--lifetime=5"], "json.tool", ["--help"])),
    (["--dir", "d", "--", "-weird-name.py", "a"], (["--dir", "d"], None, ["-weird-name.py", "a"])),
    (["attach", "123"], ([], None, ["attach", "123"])),
])
def test_command_line_split(launcher_module, argv, expected):
    assert launcher_module.split_command_line(argv) == expected


@pytest.mark.parametrize("text, value", [("1", 1), ("500M", 500 << 20), ("2G", 2 << 30),
                                         ("1.5k", 1536), ("10MiB", 10 << 20), ("3 mb", 3 << 20)])
def test_sizes(launcher_module, text, value):
    assert launcher_module.parse_size("--max-disk-bytes", text) == value


def test_signal_names(launcher_module):
    assert launcher_module.parse_signal("USR2") == signal.SIGUSR2
    assert launcher_module.parse_signal("sigusr1") == signal.SIGUSR1
    assert launcher_module.parse_signal("10") == 10
    assert launcher_module.parse_signal("none") is None
    with pytest.raises(launcher_module.UsageError):
        launcher_module.parse_signal("SIG_DFL")
