"""Stack tests run only when asked for (`-m stack`, as scripts/stack-test.sh does).

They need a Docker engine, compose v2 and the project's images, which the driver provides; in a
plain `pytest` run they are deselected (reported as such), not skipped.
"""


def pytest_collection_modifyitems(config, items):
    if "stack" in (config.getoption("markexpr") or ""):
        return
    stack = [item for item in items if item.get_closest_marker("stack")]
    if stack:
        config.hook.pytest_deselected(items=stack)
        items[:] = [item for item in items if not item.get_closest_marker("stack")]
