"""Least privilege: the whole flow as an ordinary migration role (owner of its
database, not a superuser, no CREATEROLE), with an extension in the live
schema whose member objects belong to another role — the hard case of a real
server — and a preflight that names what a role lacks before changing anything.
The whole flow is the role's own rehearsal (`harness test --type rollback
--keep`: a database it creates, migrated and rolled back, then kept), which is
what a DBA runs before the real thing; its migrate is recorded as it runs."""

from __future__ import annotations

import json
import os

import psycopg2
import pytest
from helpers import harness_cli, query, scalar
from pool import MIGRATOR, drop_database, embedded_target
from typer.testing import CliRunner

from harness.cli.commands import app
from harness.common.schemas import Schemas
from harness.db import connection as db
from harness.db import fingerprint
from harness.flows import migrate, samples, testing

PUBLIC = Schemas("public")


def live_fingerprint(target) -> dict:
    with db.connect(target) as conn, conn.cursor() as cur:
        return fingerprint.fingerprint(cur, "public")


@pytest.fixture(scope="module")
def rehearsed(migrator_role):
    """`harness test --type rollback --keep` run by the ordinary role: the whole flow (generate,
    migrate, rollback, the round trip) in a database it creates, with the production-like extras
    it may create: a trusted extension (citext) in the live schema, which makes it the hard case
    of a real server (the extension is the role's, its member objects the bootstrap superuser's).
    Records each migrate of the rehearsal and the connections it opened."""
    server = db.Target(db.make_dsn({**embedded_target("postgres").params, "user": migrator_role}), embedded=True)
    # roles are cluster-wide: a rehearsal run earlier by the superuser may have left the role behind
    with db.connect(embedded_target("postgres"), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("select 1 from pg_roles where rolname = %s", (testing.APP_ROLE,))
        if cur.fetchone():
            cur.execute(f"alter role {testing.APP_ROLE} rename to {testing.APP_ROLE}_{os.getpid()}")
    migrations: list[tuple] = []
    real_open, real_migrate = db._open, migrate.migrate

    def recorded_migrate(*args, **kwargs):
        opened: list[str] = []
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(db, "_open", lambda *a: opened.append(a[1]) or real_open(*a))
            done = real_migrate(*args, **kwargs)
        migrations.append((done, opened))
        return done

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(migrate, "migrate", recorded_migrate)
        patch.delenv("HARNESS_DBT_THREADS")  # a whole flow: dbt's default (conftest's default_dbt_threads)
        result = CliRunner().invoke(
            app,
            ["--dsn", server.dsn, "--json", "test", "--type", "rollback", "--sample-size", "minimal_sample", "--keep"],
        )
    assert result.exit_code == 0, result.output[-2000:]
    (scenario,) = json.loads(result.stdout)["scenarios"]
    kept = db.Target(db.make_dsn({**server.params, "dbname": scenario["database"]}), embedded=True)
    yield scenario, migrations, kept
    drop_database(embedded_target(scenario["database"]))


def test_the_whole_flow_works_for_an_ordinary_role_with_a_foreign_owned_extension(rehearsed):
    scenario, migrations, kept = rehearsed
    ((done, opened),) = migrations
    assert done.stopped_after == "done"
    assert len(opened) <= 4, opened  # one migrate reuses its connections (dbt and pg_dump have their own)
    assert done.cut.extensions_left == ["citext"]  # left with the legacy schema, said so
    assert scenario["verdict"] == "pass" and scenario["numbers"]["round_trip_identical"] is True
    # back exactly as it was (the round trip) in the live schema, and the hard case was real: this
    # role may not move the extension
    assert (
        scalar(kept, "select extnamespace::regnamespace::text from pg_extension where extname = 'citext'") == "public"
    )
    with db.connect(kept) as conn, conn.cursor() as cur:
        cur.execute("create schema elsewhere")
        with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="must be owner"):
            cur.execute("alter extension citext set schema elsewhere")
        conn.rollback()


def test_the_rehearsal_works_without_createrole_and_says_what_it_skipped(rehearsed):
    scenario, _, kept = rehearsed
    assert scenario["verdict"] == "pass" and scenario["numbers"]["round_trip_identical"] is True
    assert any("CREATEROLE" in note for note in scenario["notes"])
    # --keep: the rehearsal's database stays, with the legacy schema back in it
    assert scalar(kept, "select count(*) from public.organizations") == 3


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


def test_the_harness_and_dbt_meet_in_one_database_as_an_ordinary_role(rehearsed, monkeypatch):
    # the DSN names no database: libpq takes PGDATABASE; dbt must work in that very database
    _, _, target = rehearsed  # the ordinary role's own database (the rehearsal's, kept)
    monkeypatch.setenv("PGDATABASE", target.database)
    result = CliRunner().invoke(app, ["--dsn", f"host={target.params['host']} user={MIGRATOR}", "validate"])
    assert result.exit_code == 0, result.output[-2000:]
    assert scalar(target, "select count(*) from public_stage.organization_type_map") > 0  # a seed dbt loaded
    assert scalar(target, "select count(*) from public_stage.stg_legacy__organizations") == 3  # a model dbt built
    assert query(embedded_target("postgres"), "select nspname from pg_namespace where nspname = 'public_stage'") == []
