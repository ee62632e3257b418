"""Shared fixtures: one embedded PostgreSQL server per test session, in a
temporary data directory, and a fresh database per test that needs one.

Everything the harness writes (reports, logs, dbt target, profiles) goes to
a temporary HARNESS_HOME, so the suite never touches the developer's files.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session", autouse=True)
def harness_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    saved = {k: os.environ.get(k) for k in ("HARNESS_HOME", "HARNESS_PGDATA", "HARNESS_DSN", "XDG_RUNTIME_DIR")}
    os.environ["HARNESS_HOME"] = str(home)
    os.environ["HARNESS_PGDATA"] = str(home / "pgdata")
    os.environ.pop("HARNESS_DSN", None)
    os.environ.pop("XDG_RUNTIME_DIR", None)
    yield home
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def server(harness_home):
    from harness import embedded

    status = embedded.start()
    assert status.running
    yield status
    embedded.stop()


@pytest.fixture
def new_database(server):
    """Factory: a fresh, empty database on the session server.

    Names come from a small pool (t1, t2, ... per test, dropped afterwards):
    dbt keeps its partial parse per connection, so reusing a name across
    tests saves a full re-parse of the project each time. The label is for
    the reader of the test only.
    """
    from harness import db, embedded

    created = []

    def make(label: str = "") -> db.Target:
        name = f"t{len(created) + 1}"
        target = db.Target(embedded.dsn(name), embedded=True)
        drop_database(target)
        db.ensure_database(target)
        created.append(target)
        return target

    yield make
    for target in created:
        drop_database(target)


def drop_database(target) -> None:
    from psycopg2 import sql

    from harness import db

    with db.connect(target.with_database("postgres"), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(target.database)))


@pytest.fixture(scope="module")
def module_database(server):
    """A database shared by the tests of one module (built once, read many times)."""
    from harness import db, embedded

    target = db.Target(embedded.dsn("m1"), embedded=True)
    drop_database(target)
    db.ensure_database(target)
    yield target
    drop_database(target)


@pytest.fixture
def project_copy(tmp_path, monkeypatch):
    """A private copy of the dbt project, for tests that edit seeds like a DBA would."""
    copy = tmp_path / "project"
    copy.mkdir()
    for name in ("dbt_project.yml", "models", "macros", "seeds", "snapshots", "tests"):
        source = PROJECT / name
        if source.is_dir():
            shutil.copytree(source, copy / name)
        elif source.exists():
            shutil.copy(source, copy / name)
    monkeypatch.setenv("HARNESS_PROJECT_DIR", str(copy))
    monkeypatch.setenv("HARNESS_HOME", str(tmp_path / "home"))
    return copy


def load_fixture(target, schemas, *fixtures: str) -> None:
    """Create the legacy schema and load pytests/fixtures/<fixture>.sql files into it, in order."""
    from harness import db, samples

    with db.connect(target) as conn, conn.cursor() as cur:
        samples.create_legacy_schema(cur, schemas, replace=True)
        for fixture in fixtures:
            cur.execute((FIXTURES / f"{fixture}.sql").read_text())
        samples.mark_as_sample(cur, schemas, f"fixture={'+'.join(fixtures)}")
        conn.commit()


def query(target, sql_text: str, params=None) -> list[dict]:
    from harness import db

    with db.connect(target) as conn, conn.cursor() as cur:
        return db.fetch_all(cur, sql_text, params)


def scalar(target, sql_text: str, params=None):
    rows = query(target, sql_text, params)
    return next(iter(rows[0].values())) if rows else None
