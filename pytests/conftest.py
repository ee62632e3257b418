"""What pytest finds here: the session's settings (a root of its own for pytest's
temporary directories, a temporary HARNESS_HOME), the order the suite's files run in (LONGEST_FIRST),
and the fixtures, those of the databases imported from pool.py.

Everything the harness writes (reports, logs, dbt target, profiles, the
embedded server's data directory) goes to that HARNESS_HOME, so the suite never
touches the developer's files. The databases and their speed-ups (one server
per session, names reused for dbt's partial parse, templates copied instead of
rebuilt) are pool.py's; the functions tests import by name are helpers.py's.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import pytest
from helpers import PROJECT

# pool.py's asserts are explained when they fail (as conftest's are) if pytest knows it before its import
pytest.register_assert_rewrite("pool")
from pool import (  # noqa: E402, F401  the fixtures of the databases (pool.py), visible to every test
    as_migrator,
    built_as_migrator,
    built_minimal,
    migrator_role,
    module_database,
    new_database,
    project_copy,
    server,
    templates,
)

# Every checkout has its own root for pytest's numbered temporary directories: pytest removes all
# but the newest three of them when a run starts, so two checkouts running the suite at once (two
# worktrees on one machine) would otherwise remove each other's server data directory mid-run.
os.environ.setdefault(
    "PYTEST_DEBUG_TEMPROOT",
    str(Path(tempfile.gettempdir()) / ("abparts-pytest-" + hashlib.sha1(str(PROJECT).encode()).hexdigest()[:8])),
)
Path(os.environ["PYTEST_DEBUG_TEMPROOT"]).mkdir(exist_ok=True)


# The suite's files, the longest first (measured: docs/benchmarks.md, "The suite"). Each file
# runs whole on one xdist worker (--dist loadfile); handing out the longest first keeps one
# worker from running a long file alone at the end. A file not listed runs after these.
LONGEST_FIRST = (
    "test_corpus.py",
    "test_validation.py",
    "test_trust.py",
    "test_json.py",
    "test_operator.py",
    "test_rehearsal.py",
    "test_settings.py",
    "test_load.py",
    "test_refusals.py",
    "test_odd_data.py",
    "test_every_write.py",
    "test_secrets.py",
    "test_proofs.py",
    "test_mapping_rules.py",
    "test_extract.py",
    "test_cutover.py",
    "test_capture.py",
    "test_surroundings.py",
    "test_build.py",
    "test_interrupts.py",
    "test_privileges.py",
    "test_grants.py",
    "test_cli.py",
    "test_flow.py",
    "test_target_schema.py",
    "test_samples.py",
    "test_html_report_browser.py",
)


# dbt's threads in the suite (HARNESS_DBT_THREADS), but for the tests of `default_dbt_threads`
SUITE_DBT_THREADS = "1"


def pytest_collection_modifyitems(items):
    rank = {name: position for position, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: a file's own order is kept


@pytest.fixture(scope="session", autouse=True)
def harness_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    saved = {
        k: os.environ.get(k)
        for k in ("HARNESS_HOME", "HARNESS_PGDATA", "HARNESS_DSN", "XDG_RUNTIME_DIR", "HARNESS_DBT_THREADS")
    }
    os.environ["HARNESS_HOME"] = str(home)
    os.environ["HARNESS_PGDATA"] = str(home / "pgdata")
    # the suite's workers keep every core busy: a dbt node at a time takes ~7 % less CPU than two.
    # The whole flows of `default_dbt_threads` run with dbt's default (nodes side by side)
    os.environ["HARNESS_DBT_THREADS"] = SUITE_DBT_THREADS
    os.environ.pop("HARNESS_DSN", None)
    os.environ.pop("XDG_RUNTIME_DIR", None)
    yield home
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture
def default_dbt_threads(monkeypatch):
    """dbt runs as many nodes at once as it would for an operator (by the CPUs): for the whole
    flows that prove building marts side by side (their locks on shared parents) stays safe."""
    monkeypatch.delenv("HARNESS_DBT_THREADS")
