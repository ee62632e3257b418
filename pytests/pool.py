"""The databases of the suite, and what makes them cheap: the fixtures `server`,
`templates`, `new_database`, `module_database`, `built_minimal`,
`migrator_role`, `as_migrator`, `built_as_migrator` and `project_copy`, and the
functions behind them (`embedded_target`, `sample_template`, `rename_database`,
`drop_database`, `built_by_the_ordinary_role`).

Three speed-ups, each worth seconds per test:

- **One throwaway server per session** (per xdist worker), with fsync and full-page
  writes off: a build commits hundreds of times and none of them waits for the disk.
- **Names are reused.** dbt keeps its partial parse per database name, and a
  new name costs a full parse of the project (5-10 s). Tests get their
  databases from a small pool of names (t1, t2, ... per test, dropped
  afterwards); templates and module databases are made under the pool's first
  name, whose parse the session keeps warm, and renamed afterwards.
- **Templates are copied, not rebuilt.** A database state worth sharing
  (a generated sample, a built target) is made once per session and copied
  with CREATE DATABASE ... TEMPLATE (a fraction of a second) for each test
  that needs it.

conftest.py makes the fixtures visible to every test; the functions are
imported by name (`from pool import sample_template`).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from helpers import PROJECT

TEMPLATE_WORKBENCH = "tpl_workbench"
POOL_FIRST = "t1"  # the first name new_database hands out
MIGRATOR = "abparts_migrator"
# the application's own tables in the live schema of `built_as_migrator`: no uuid id
APP_TABLES = (
    "create table public.app_settings (key text primary key, value text)",
    "create table public.app_counters (id bigint generated always as identity primary key, note text)",
    "insert into public.app_settings values ('theme', 'dark'), ('locale', 'en')",
    "insert into public.app_counters (note) values ('first')",
)


@pytest.fixture(scope="session")
def server(harness_home):
    from harness.db import embedded

    status = embedded.start()
    assert status.running
    # a throwaway server: no commit waits for the disk (a build commits hundreds of times);
    # commits stay synchronous (the swap's durability before it returns is tested)
    from harness.db import connection as db

    with db.connect(embedded_target("postgres"), autocommit=True) as conn, conn.cursor() as cur:
        for setting in ("fsync", "full_page_writes"):
            cur.execute(f"alter system set {setting} = off")
        cur.execute("select pg_reload_conf()")
    yield status
    embedded.stop()


def embedded_target(name: str):
    from harness.db import connection as db
    from harness.db import embedded

    return db.Target(embedded.dsn(name), embedded=True)


@pytest.fixture(scope="session")
def templates(server):
    """Database states worth sharing, made once per session: a test copies one
    with CREATE DATABASE ... TEMPLATE (a fraction of a second) instead of
    generating and building again (seconds). Keyed by a name; `make(target)`
    brings a fresh database (or a copy of `base`) into the state."""
    from harness.db import connection as db

    made: dict[str, str] = {}

    def template(name: str, make, base: str | None = None) -> str:
        """`base`: the name of a template database to start from (a state built on another)."""
        if name not in made:
            # made under one name and renamed after: dbt's partial parse is kept per database name,
            # so every template after the first is made without a full parse of the project. The
            # name is the pool's first (new_database) when no test holds it: the tests' own
            # builds and the templates' then share one parse
            server_db = embedded_target("postgres")
            with db.connect(server_db) as conn, conn.cursor() as cur:
                cur.execute("select 1 from pg_database where datname = %s", (POOL_FIRST,))
                work = embedded_target(TEMPLATE_WORKBENCH if cur.fetchone() else POOL_FIRST)
            db.create_database(server_db, work.database, template=base, replace=True)
            make(work)
            made[name] = rename_database(work, f"tpl_{name}")
        return made[name]

    yield template
    for database in made.values():
        db.drop_database(embedded_target("postgres"), database)


@pytest.fixture
def new_database(server):
    """Factory: a fresh database on the session server, empty or a copy of a template.

    Names come from a small pool (t1, t2, ... per test, dropped afterwards):
    dbt keeps its partial parse per connection, so reusing a name across
    tests saves a full re-parse of the project each time. The label is for
    the reader of the test only.
    """
    from harness.db import connection as db

    created = []

    def make(label: str = "", template: str | None = None) -> db.Target:
        name = f"t{len(created) + 1}"
        db.create_database(embedded_target("postgres"), name, template=template, replace=True)
        target = embedded_target(name)
        created.append(target)
        return target

    yield make
    for target in created:
        target.close()
        drop_database(target)


def rename_database(work, name: str) -> str:
    """Gives the database `work` was made in the name `name` (replacing a database of that
    name): made under a pool name whose dbt parse is warm, kept under its own."""
    from harness.db import connection as db

    work.close()  # a database being renamed (or a template copied) must have no open session
    server_db = embedded_target("postgres")
    db.drop_database(server_db, name)
    with db.connect(server_db, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(f'alter database "{work.database}" rename to "{name}"')
    return name


def drop_database(target) -> None:
    from harness.db import connection as db

    target.close()
    db.drop_database(target.with_database("postgres"), target.database)


def sample_template(size: str, *, dirty: bool = False, build: bool = False, force: bool = False):
    """A template maker: a generated sample, optionally built."""

    def make(target) -> None:
        from harness.common.schemas import Schemas
        from harness.flows import build as build_mod
        from harness.flows import samples

        samples.generate(target, Schemas("public"), size, dirty=dirty)
        if build:
            result = build_mod.build(target, Schemas("public"), force=force)
            assert result.success, result.failure_summary()

    return make


@pytest.fixture
def built_minimal(templates, new_database):
    """A minimal sample, staged with change capture and built into public_next (a copy per test)."""
    return new_database("built", template=templates("built_minimal", sample_template("minimal_sample", build=True)))


@pytest.fixture(scope="module")
def module_database(server):
    """Factory: the database shared by the tests of one module (made once, read many times).

    `module_database(prepare)` runs `prepare(target)` on a new database and returns the
    database and what `prepare` returned. It is made under the pool's first name, whose dbt
    parse the session keeps warm, and renamed before the module's tests take that name."""
    from harness.db import connection as db

    name = "m1"
    server_db = embedded_target("postgres")

    def make(prepare, template: str | None = None):
        """`template`: the module's database starts as a copy of that template database."""
        work = embedded_target(POOL_FIRST)
        db.create_database(server_db, POOL_FIRST, template=template, replace=True)
        value = prepare(work)
        return embedded_target(rename_database(work, name)), value

    yield make
    db.drop_database(server_db, name)


@pytest.fixture
def project_copy(tmp_path, monkeypatch):
    """A private copy of the dbt project and a harness home of its own, for tests that edit
    seeds like a DBA would. The home starts with dbt's parses of the session (the parse only,
    no artefact): dbt then parses again just the files the test edits, not the whole project."""
    from harness.dbt_bridge.dbt_runner import PROJECT_FILES

    copy = tmp_path / "project"
    copy.mkdir()
    for name in PROJECT_FILES:
        source = PROJECT / name
        if source.is_dir():
            shutil.copytree(source, copy / name)
        elif source.exists():
            shutil.copy(source, copy / name)
    home = tmp_path / "home"
    for parse in (Path(os.environ["HARNESS_HOME"]) / "target").glob("*/partial_parse.msgpack"):
        (home / "target" / parse.parent.name).mkdir(parents=True)
        shutil.copy2(parse, home / "target" / parse.parent.name)
    monkeypatch.setenv("HARNESS_PROJECT_DIR", str(copy))
    monkeypatch.setenv("HARNESS_HOME", str(home))
    return copy


@pytest.fixture(scope="session")
def migrator_role(server):
    """An ordinary migration role, as a DBA has one: owner of its database, not a superuser, no
    CREATEROLE; CREATEDB for the rehearsal's scratch databases."""
    from harness.db import connection as db

    with db.connect(embedded_target("postgres"), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("select 1 from pg_roles where rolname = %s", (MIGRATOR,))
        if not cur.fetchone():
            cur.execute(f"create role {MIGRATOR} login nosuperuser nocreaterole createdb")
    return MIGRATOR


@pytest.fixture
def as_migrator(migrator_role, new_database):
    """Factory: a database owned by the ordinary role, and a Target connecting as that role."""
    from harness.db import connection as db

    def make(label: str = "", template: str | None = None) -> db.Target:
        """`template`: a copy of that template database (its objects keep their owners)."""
        owned = new_database(label, template=template)
        with db.connect(embedded_target("postgres"), autocommit=True) as conn, conn.cursor() as cur:
            cur.execute(f'alter database "{owned.database}" owner to {migrator_role}')
        return db.Target(db.make_dsn({**owned.params, "user": migrator_role}), embedded=True)

    return make


def built_by_the_ordinary_role(work) -> None:
    """A template maker: the database handed to the ordinary role, which generates the minimal
    sample, adds the application's own tables (APP_TABLES) and builds (change capture on)."""
    from harness.common.schemas import Schemas
    from harness.db import connection as db
    from harness.flows import build, samples

    with db.connect(embedded_target("postgres"), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(f'alter database "{work.database}" owner to {MIGRATOR}')
    as_role = db.Target(db.make_dsn({**work.params, "user": MIGRATOR}), embedded=True)
    samples.generate(as_role, Schemas("public"), "minimal_sample")
    with db.connect(as_role) as conn, conn.cursor() as cur:
        for statement in APP_TABLES:
            cur.execute(statement)
        conn.commit()
    result = build.build(as_role, Schemas("public"))
    assert result.success, result.failure_summary()
    as_role.close()


@pytest.fixture
def built_as_migrator(templates, as_migrator, migrator_role):
    """The minimal sample with the application's own tables, built by the ordinary role (a copy per test,
    connecting as that role)."""
    return as_migrator("built", template=templates("built_minimal_migrator", built_by_the_ordinary_role))
