"""Privacy: what a dump holds, and `memalot-analyze redact` taking it out.

A real program leaves three secrets where a dump can see them: one on its
command line (argv), one as a str value (a preview with --values truncated),
one as a str dict key (an edge label, recorded whatever --values says). The
secrets are computed at run time, so no code constant or file name holds
them. Each check first proves the secret is in the original dump, so it
cannot pass by looking in the wrong place, then that no form of it is left in
the redacted copy: not in `info --json`, not in `report --json`, and not in
any decompressed byte of the file (mlt_raw_bytes walks the framing by the
spec, without the reader, and prints every block's raw content).
"""
import hashlib
import json
import os
import stat
import subprocess
import textwrap

import pytest

from conftest import BUILD, tool


def secret(tag):
    return "%s-%s" % (tag, hashlib.sha256(tag.encode()).hexdigest()[:20])


ARGV_SECRET = "argv-secret-6b1f0c9e2d"
VALUE_SECRET = secret("memalot-value")
KEY_SECRET = secret("memalot-key")

PROGRAM = textwrap.dedent(
    """
    import hashlib, sys, time

    def secret(tag):
        return "%s-%s" % (tag, hashlib.sha256(tag.encode()).hexdigest()[:20])

    class Vault:
        pass

    vault = Vault()
    vault.held = {secret("memalot-key"): [secret("memalot-value")]}
    deadline = time.time() + 1.6
    while time.time() < deadline:
        time.sleep(0.05)
    """
)


def analyze(*args):
    proc = subprocess.run([tool("memalot-analyze")] + [str(a) for a in args],
                          capture_output=True, text=True, timeout=300)
    assert "Sanitizer" not in proc.stderr, proc.stderr
    return proc


def raw_bytes(path):
    """Every byte the dump carries, decompressed."""
    proc = subprocess.run([tool("mlt_raw_bytes"), path], capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def forms(text):
    """A secret as text, and as the hash redact would give it (a hash is fine
    to keep, but the raw bytes must not hold the text in any encoding)."""
    raw = text.encode()
    return [raw, text.encode("utf-16-le"), raw.hex().encode()]


def dump_program(python, folder, values):
    script = os.path.join(folder, "vault.py")
    with open(script, "w") as f:
        f.write(PROGRAM)
    dumps = os.path.join(folder, "dumps")  # does not exist yet: the dumper creates it
    args = ["-m", "memalot", "--lifetime", "0.5", "--dir", dumps, "--quiet"]
    if values:
        args += ["--values", "truncated"]
    proc = python.run(args + [script, ARGV_SECRET], env=python.env(), cwd=folder, timeout=300)
    assert proc.returncode == 0, proc.stderr
    files = [os.path.join(dumps, name) for name in os.listdir(dumps) if name.endswith(".mlt")]
    assert len(files) == 1, files
    return dumps, files[0]


@pytest.fixture
def original(default_python, dump_dir):
    return dump_program(default_python, dump_dir, values=True)


def test_dump_is_private_and_previews_are_off_unless_asked(default_python, dump_dir):
    folder, path = dump_program(default_python, dump_dir, values=False)
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    raw = raw_bytes(path)
    assert KEY_SECRET.encode() in raw  # dict keys are recorded: that is why redact exists
    assert VALUE_SECRET.encode() not in raw  # no --values: no previews


def test_original_holds_every_secret(original):
    folder, path = original
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    raw = raw_bytes(path)
    for text in (ARGV_SECRET, VALUE_SECRET, KEY_SECRET):
        assert text.encode() in raw, text
    info = analyze("info", path, "--json")
    assert ARGV_SECRET in info.stdout


@pytest.mark.parametrize("hash_names", [False, True], ids=["keys", "hash-names"])
def test_redacted_copy_holds_no_secret(original, hash_names):
    folder, path = original
    out = os.path.join(folder, "shared.mlt")
    proc = analyze("redact", path, out, *(["--hash-names"] if hash_names else []))
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600

    raw = raw_bytes(out)
    info = analyze("info", out, "--json")
    assert info.returncode == 0, info.stderr
    report = analyze("report", out, "--json", "--lifetime", "0.2", "--warmup", "0",
                     "--max-object-details", "1000")
    assert report.returncode in (0, 1), report.stderr
    for text in (ARGV_SECRET, VALUE_SECRET, KEY_SECRET):
        for form in forms(text):
            assert form not in raw, (text, form)
        assert text not in info.stdout and text not in report.stdout, text
    file_info = json.loads(info.stdout)["file"]
    assert file_info["argv_withheld"] is True and file_info["argv"] is None

    # The redaction keeps what the analysis needs: the same objects per image.
    before = json.loads(analyze("info", path, "--json").stdout)["images"]
    after = json.loads(info.stdout)["images"]
    assert [i["objects"] for i in before] == [i["objects"] for i in after]
    if hash_names:
        assert b"__main__.Vault" not in raw and b"vault.py" not in raw
    else:
        assert b"__main__.Vault" in raw


def test_redact_refuses_bad_input(dump_dir):
    bogus = os.path.join(dump_dir, "not-a-dump.mlt")
    with open(bogus, "wb") as f:
        f.write(b"not a dump at all")
    proc = analyze("redact", bogus, os.path.join(dump_dir, "out.mlt"))
    assert proc.returncode == 2
    assert "not-a-dump.mlt" in proc.stderr
    assert not os.path.exists(os.path.join(dump_dir, "out.mlt"))
