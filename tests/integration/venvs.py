"""Virtual environments with packages from PyPI, for tests that run real
libraries (numpy, web frameworks, ...) under the dumper.

One venv per interpreter and package set, cached under the build folder so a
second run installs nothing. The memalot package is not installed there: the
tests put the build tree's package on PYTHONPATH as for every other test.
Only binary wheels are accepted (building numpy from source would take the
whole CI budget); when PyPI cannot be reached or has no wheel for this
Python, the test is skipped with pip's own words.
"""
import hashlib
import os
import subprocess

import pytest

from conftest import BUILD

VENV_ROOT = os.path.join(BUILD, "test-venvs")


def venv_with(python, packages):
    """Path of a python (python.version) that can import `packages`."""
    # The interpreter is part of the key: two of the same version (pyenv's
    # 3.11 and Debian's) would otherwise share the first one's venv.
    key = hashlib.sha256(" ".join([os.path.realpath(python.executable)] + sorted(packages))
                         .encode()).hexdigest()[:12]
    folder = os.path.join(VENV_ROOT, "py%s-%s" % (python.version, key))
    venv_python = os.path.join(folder, "bin", "python")
    ready = os.path.join(folder, "memalot-test-ready")
    if os.path.exists(ready):
        return venv_python
    made = subprocess.run([python.executable, "-m", "venv", "--clear", folder],
                          capture_output=True, text=True, timeout=300)
    if made.returncode != 0:
        pytest.skip("cannot create a venv with %s (python3-venv missing?): %s"
                    % (python.executable, made.stderr.strip()[-300:]))
    installed = subprocess.run(
        [venv_python, "-m", "pip", "install", "-q", "--disable-pip-version-check",
         "--only-binary=:all:"] + list(packages),
        capture_output=True, text=True, timeout=900)
    if installed.returncode != 0:
        pytest.skip("cannot install %s from PyPI for Python %s: %s"
                    % (" ".join(packages), python.version, installed.stderr.strip()[-400:]))
    with open(ready, "w") as marker:
        marker.write(" ".join(packages) + "\n")
    return venv_python
