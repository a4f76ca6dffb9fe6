"""uWSGI as a Python program (pyuwsgi from PyPI), so memalot-dump can run it:
`memalot-dump run_uwsgi.py UWSGI-OPTIONS...`, the same as `uwsgi OPTIONS`."""
import sys

import pyuwsgi

if __name__ == "__main__":
    sys.exit(pyuwsgi.run())
