"""Started by `site` in every Python that memalot-dump --follow-children
runs (this folder leads PYTHONPATH): starts monitoring when the environment
asks for it (memalot/_children.py), then imports the sitecustomize this one
shadows, so a program's or a distribution's own still runs."""


def _start_memalot_child():
    try:
        from memalot import _children
    except Exception:
        return  # an interpreter that cannot import this memalot: unmonitored
    _children.start_in_child()


def _chain_to_shadowed():
    import importlib.machinery
    import importlib.util
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    rest = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules["sitecustomize"] = module
    spec.loader.exec_module(module)


_start_memalot_child()
_chain_to_shadowed()
