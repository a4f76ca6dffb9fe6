"""`python -m memalot [options] script.py [args...]`: the memalot-dump launcher
for any interpreter, without the generated bin script."""

import os
import sys

# `python -m` put the working directory first on sys.path; the program gets
# the sys.path that `python script.py` (or `python -m module`) would give it.
if sys.path and os.path.realpath(sys.path[0] or ".") == os.path.realpath(os.getcwd()):
    sys.path.pop(0)

from memalot._launcher import main  # noqa: E402

sys.exit(main())
