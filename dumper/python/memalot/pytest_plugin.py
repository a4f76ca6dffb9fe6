"""pytest plugin: fail a test when its code leaks, with memalot's report.

Loaded automatically when memalot is installed (entry point ``pytest11``),
or explicitly with ``pytest -p memalot.pytest_plugin``. It offers:

- the marker ``@pytest.mark.no_leaks(iterations=3, max_object_age_calls=1,
  warmup_calls=1, included_type_names=(), excluded_type_names=())``: the test
  body runs `iterations` times as monitored calls (fixtures are set up once,
  before the first), and the test fails with the report if objects created
  after the warm-up outlived the calls;
- the fixture ``memalot_no_leaks``: ``memalot_no_leaks(func, *args,
  iterations=3, ...)``, memalot.assert_no_leaks failing the test the same way.

Importing this module does not load the extension: a test session that uses
neither the marker nor the fixture is not affected.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

import pytest

from memalot import testing

MARKER_HELP = (
    "no_leaks(iterations=3, max_object_age_calls=1, warmup_calls=1, included_type_names=(), "
    "excluded_type_names=(), max_object_details=None): run the test body ITERATIONS times as "
    "memalot-monitored calls; fail with memalot's report if objects created after the warm-up "
    "calls outlive MAX_OBJECT_AGE_CALLS calls"
)


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", MARKER_HELP)


def _fail_with_report(error: testing.LeaksFound) -> None:
    __tracebackhide__ = True
    pytest.fail(str(error), pytrace=False)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: Any) -> Any:
    """Runs a test marked no_leaks under a leak check instead of once."""
    marker = pyfuncitem.get_closest_marker("no_leaks")
    if marker is None:
        return None
    if marker.args:
        raise pytest.UsageError(
            "%s: no_leaks takes keyword arguments only, got %r" % (pyfuncitem.nodeid, marker.args)
        )
    function = pyfuncitem.obj
    if inspect.iscoroutinefunction(function):
        raise pytest.UsageError("%s: no_leaks does not support async tests" % pyfuncitem.nodeid)
    arguments = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    unknown = sorted(set(marker.kwargs) - set(inspect.signature(testing.leak_check).parameters))
    if unknown:
        raise pytest.UsageError("%s: no_leaks got unknown options %s" % (pyfuncitem.nodeid, unknown))
    found = None
    try:
        with testing.leak_check(**marker.kwargs) as run:
            run(function, **arguments)
    except testing.LeaksFound as error:
        found = error
    if found is not None:  # outside the except: pytest shows the report once, not chained
        _fail_with_report(found)
    return True


@pytest.fixture
def memalot_no_leaks() -> Callable[..., None]:
    """memalot.assert_no_leaks that fails the test with the report:
    ``memalot_no_leaks(func, *args, iterations=3, ...)``."""

    def check(func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        __tracebackhide__ = True
        found = None
        try:
            testing.assert_no_leaks(func, *args, **kwargs)
        except testing.LeaksFound as error:
            found = error
        if found is not None:
            _fail_with_report(found)

    return check
