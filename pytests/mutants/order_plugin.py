"""A pytest plugin of `make mutants` (pytests/mutants/run.py): runs the test files in the order
the run found them (MUTANTS_ORDER, nearest first), after conftest.py's own ordering, so that a
run stopping at the first failure (-x) stops as early as it can."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    order = [Path(p) for p in os.environ.get("MUTANTS_ORDER", "").split(os.pathsep) if p]
    if not order:
        return
    rank = {path.resolve(): position for position, path in enumerate(order)}
    items.sort(key=lambda item: rank.get(Path(item.path).resolve(), len(rank)))
