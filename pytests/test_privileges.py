"""Least privilege: the whole flow as an ordinary migration role (owner of its
database, not a superuser, no CREATEROLE), with an extension in the live
schema whose member objects belong to another role — the hard case of a real
server — and a preflight that names what a role lacks before changing anything."""

from __future__ import annotations

import json
import os

import psycopg2
import pytest
from conftest import MIGRATOR, drop_database, embedded_target, harness_cli, query, scalar
from typer.testing import CliRunner

from harness import db, fingerprint, migrate, rollback, samples, testing
from harness.cli import app
from harness.schemas import Schemas

PUBLIC = Schemas("public")


def live_fingerprint(target) -> dict:
    with db.connect(target) as conn, conn.cursor() as cur:
        return fingerprint.fingerprint(cur, "public")


def legacy_with_trusted_extension(target) -> None:
    """The migrator generates the legacy schema and installs a trusted extension in it:
    the extension is the migrator's, its member objects the bootstrap superuser's."""
    samples.generate(target, PUBLIC, "minimal_sample")
    with db.connect(target, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("create extension citext schema public")


def test_the_whole_flow_works_for_an_ordinary_role_with_a_foreign_owned_extension(as_migrator, monkeypatch,
                                                                                   default_dbt_threads):
    target = db.resolve(as_migrator("leastprivilege"))
    legacy_with_trusted_extension(target)
    # the hard case, for real: this role may not move the extension
    with db.connect(target) as conn, conn.cursor() as cur:
        cur.execute("create schema elsewhere")
        with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="must be owner"):
            cur.execute("alter extension citext set schema elsewhere")
        conn.rollback()
    before = live_fingerprint(target)
    opened = []
    real_open = db._open
    monkeypatch.setattr(db, "_open", lambda *args: opened.append(args[1]) or real_open(*args))
    done = migrate.migrate(target, PUBLIC, confirm=lambda plan: True)
    assert done.stopped_after == "done"
    assert len(opened) <= 4, opened  # one migrate reuses its connections (dbt and pg_dump have their own)
    assert done.cut.extensions_left == ["citext"]  # left with the legacy schema, said so
    assert scalar(target, "select count(*) from public.organizations") == 3
    rollback.rollback(target, PUBLIC)
    assert fingerprint.differences(before, live_fingerprint(target)) == []  # extension back exactly as it was


def test_the_rehearsal_works_without_createrole_and_says_what_it_skipped(as_migrator):
    target = as_migrator("rehearsal")
    # roles are cluster-wide: a rehearsal run earlier by the superuser may have left the role behind
    with db.connect(embedded_target("postgres"), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("select 1 from pg_roles where rolname = %s", (testing.APP_ROLE,))
        if cur.fetchone():
            cur.execute(f"alter role {testing.APP_ROLE} rename to {testing.APP_ROLE}_{os.getpid()}")
    result = CliRunner().invoke(app, ["--dsn", target.dsn, "--json", "test", "--type", "rollback",
                                      "--sample-size", "minimal_sample", "--keep"])
    assert result.exit_code == 0, result.output[-2000:]
    (scenario,) = json.loads(result.stdout)["scenarios"]
    assert scenario["verdict"] == "pass" and scenario["numbers"]["round_trip_identical"] is True
    assert any("CREATEROLE" in note for note in scenario["notes"])
    # --keep: the rehearsal's database stays, with the legacy schema back in it
    kept = embedded_target(scenario["database"])
    assert scalar(kept, "select count(*) from public.organizations") == 3
    drop_database(kept)


def test_a_missing_privilege_is_one_line_before_any_change(as_migrator):
    target = as_migrator("notrigger")
    samples.generate(target, PUBLIC, "minimal_sample")
    with db.connect(embedded_target(target.database), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("alter table public.inventory owner to postgres")  # another role's table
        cur.execute(f"grant select on public.inventory to {MIGRATOR}")
    before = live_fingerprint(target)
    refused = harness_cli("migrate", "--yes", dsn=target.dsn)
    assert refused.returncode == 2, refused.stderr
    assert "cannot create triggers on public.inventory" in refused.stderr
    assert f"GRANT TRIGGER ON public.inventory TO {MIGRATOR}" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert fingerprint.differences(before, live_fingerprint(target)) == []


def test_the_harness_and_dbt_meet_in_one_database_as_an_ordinary_role(as_migrator, monkeypatch):
    # the DSN names no database: libpq takes PGDATABASE; dbt must work in that very database
    target = as_migrator("pgdatabase")
    samples.generate(target, PUBLIC, "minimal_sample")
    monkeypatch.setenv("PGDATABASE", target.database)
    result = CliRunner().invoke(app, ["--dsn", f"host={target.params['host']} user={MIGRATOR}", "validate"])
    assert result.exit_code == 0, result.output[-2000:]
    assert scalar(target, "select count(*) from public_stage.organization_type_map") > 0  # a seed dbt loaded
    assert scalar(target, "select count(*) from public_stage.stg_legacy__organizations") == 3  # a model dbt built
    assert query(embedded_target("postgres"), "select nspname from pg_namespace where nspname = 'public_stage'") == []
