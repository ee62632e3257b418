"""Change capture never breaks, blocks or stalls an application write (issue 25), as
an ordinary migration role (owner of its database, not a superuser, no CREATEROLE):

- capture goes on the eleven legacy tables only, keyed by each table's primary key; the
  application's own tables in the live schema (a text key, an identity column) take
  every write during the build and after the cutover, and so does alembic_version;
- it is installed once: a re-stage issues no DDL and takes no lock a writer could wait
  for on a live table;
- prune takes it off an abandoned build;
- a partitioned legacy table is refused in one line by the dry run and by the cutover;
- a rollback refuses, in one line naming the table, a write it cannot carry back and an
  alembic_version the application changed since the cutover.

The five catch-up rounds under load: pytests/test_load.py."""

from __future__ import annotations

import threading
import time

import corpus
import psycopg2
from helpers import query, scalar
from typer.testing import CliRunner

from harness.cli.commands import app
from harness.common.schemas import Schemas
from harness.db import audit, capture, fingerprint
from harness.db import connection as db
from harness.flows import cutover, stage, state
from harness.flows.samples import LEGACY_TABLES

PUBLIC = Schemas("public")


def execute(target, *statements, params=None):
    with db.connect(target) as conn, conn.cursor() as cur:
        for statement in statements:
            cur.execute(statement, params)
        conn.commit()


def db_tables(target, schema: str) -> list[str]:
    with db.connect(target) as conn, conn.cursor() as cur:
        return db.tables_in(cur, schema)


def capture_triggers(target, schema: str = "public") -> dict[str, int]:
    """table -> oid of its row capture trigger."""
    rows = query(
        target,
        "select c.relname, t.oid::int as oid from pg_trigger t join pg_class c on c.oid = t.tgrelid"
        " where c.relnamespace = %s::regnamespace and t.tgname = %s",
        (schema, capture.TRIGGER),
    )
    return {r["relname"]: r["oid"] for r in rows}


def write_the_application_tables(target, schema: str, new_key: str) -> None:
    """An insert, an update and a delete on each of the application's own tables."""
    execute(
        target,
        f"insert into {schema}.app_settings values (%(key)s, 'EUR')",
        f"update {schema}.app_settings set value = value || '!' where key = 'theme'",
        f"delete from {schema}.app_settings where key = 'locale'",
        f"insert into {schema}.app_counters (note) values (%(key)s)",
        f"update {schema}.app_counters set note = note || '!' where note like 'first%%'",
        f"delete from {schema}.app_counters where note = %(key)s",
        params={"key": new_key},
    )


def test_the_applications_own_tables_and_alembic_version_take_every_write(built_as_migrator):
    target = built_as_migrator
    # during the build: capture is on the legacy tables, and only there
    assert set(capture_triggers(target)) == set(LEGACY_TABLES)
    write_the_application_tables(target, "public", "currency")
    assert query(target, "select key, value from public.app_settings order by key") == [
        {"key": "currency", "value": "EUR"},
        {"key": "theme", "value": "dark!"},
    ]

    cut = cutover.cutover(target, PUBLIC)
    # after the cutover: the target's tables are captured but alembic_version, which the
    # application's next Alembic migration writes
    captured = set(capture_triggers(target))
    assert "alembic_version" not in captured and {"parts", "warehouses", "transactions"} <= captured
    stamp = [r["version_num"] for r in query(target, "select version_num from public.alembic_version")]
    # the application's own migration: a merge of the heads into its next revision
    execute(
        target,
        "delete from public.alembic_version",
        "insert into public.alembic_version (version_num) values ('app_own_revision')",
    )
    # the application's own tables came along into the new live schema (issue 26), uncaptured, writable there
    assert set(db_tables(target, "public")) >= {"app_settings", "app_counters"}
    assert not {"app_settings", "app_counters"} & set(db_tables(target, cut.archive_schema))
    assert not {"app_settings", "app_counters"} & captured
    write_the_application_tables(target, "public", "timezone")
    # a write to a target table is logged under its primary key, the uuid as text
    part = scalar(target, "select id::text from public.parts order by id limit 1")
    execute(target, "update public.parts set name = 'Renamed After Cutover' where id = %s", params=(part,))
    with db.connect(target) as conn, conn.cursor() as cur:
        logged = [(c["table_name"], c["row_id"], c["op"]) for c in audit.changes(cur, "public", cut.run_id)]
    assert logged == [("parts", part, "UPDATE")]

    # the application ran its own migration: the rollback refuses, even forced (the DBA decides)
    for forced in ((), ("--force",)):
        refused = CliRunner().invoke(app, ["--dsn", target.dsn, "rollback", *forced])
        assert refused.exit_code == 1, refused.output
        assert len(refused.stderr.strip().splitlines()) == 1 and "Traceback" not in refused.output
        assert "public.alembic_version changed since the cutover" in refused.stderr
        assert "app_own_revision" in refused.stderr
    with db.connect(target) as conn, conn.cursor() as cur:
        assert state.describe(cur, PUBLIC).phase == "cut over"

    # a table the migration made without a primary key (here: one whose key was dropped, its
    # capture installed again): a write there cannot be carried back, and the rollback says so
    execute(
        target,
        "delete from public.alembic_version",
        "insert into public.alembic_version (version_num) select unnest(%s::text[])",
        params=(stamp,),
    )
    key = scalar(
        target,
        "select conname from pg_constraint where conrelid = 'public.security_events'::regclass and contype = 'p'",
    )
    execute(target, f"alter table public.security_events drop constraint {key}")
    with db.connect(target) as conn, conn.cursor() as cur:
        capture.install(cur, "public", "public", "target", ["security_events"])
        conn.commit()
    execute(target, "insert into public.security_events (id, event_type) values (gen_random_uuid(), 'login')")
    refused = CliRunner().invoke(app, ["--dsn", target.dsn, "rollback", "--force"])
    assert refused.exit_code == 1, refused.output
    assert len(refused.stderr.strip().splitlines()) == 1 and "Traceback" not in refused.output
    assert "writes to public.security_events" in refused.stderr and "no primary key" in refused.stderr
    with db.connect(target) as conn, conn.cursor() as cur:
        assert state.describe(cur, PUBLIC).phase == "cut over"


def test_a_restage_takes_no_lock_a_writer_could_wait_for(built_as_migrator):
    target = built_as_migrator
    installed = capture_triggers(target)
    # the application in the middle of a transaction: it holds ROW EXCLUSIVE on every live table,
    # so any DDL there (a trigger dropped or created) would wait for it
    application = psycopg2.connect(target.dsn, application_name="the application")
    sampler = psycopg2.connect(target.dsn, application_name="lock sampler")
    sampler.autocommit = True
    seen: set[tuple[str, str, bool]] = set()
    stop = threading.Event()

    def sample() -> None:
        with sampler.cursor() as cur:
            while not stop.is_set():
                cur.execute(
                    "select c.relname, l.mode, l.granted from pg_locks l join pg_class c on c.oid = l.relation"
                    " join pg_stat_activity a on a.pid = l.pid where c.relnamespace = 'public'::regnamespace"
                    " and a.application_name like 'abparts-migrate%%'"
                )
                seen.update(cur.fetchall())
                time.sleep(0.002)

    organisation = scalar(target, "select id::text from public.organizations order by id limit 1")
    thread = threading.Thread(target=sample)
    try:
        with application.cursor() as cur:
            cur.execute("update public.organizations set address = 'Mid-transaction' where id = %s", (organisation,))
            for table in LEGACY_TABLES:
                cur.execute(f"lock table public.{table} in row exclusive mode")
        thread.start()
        started = time.perf_counter()
        staged = stage.stage(target, PUBLIC, lock_timeout_ms=100, retries=0)
        seconds = time.perf_counter() - started
    finally:
        stop.set()
        if thread.is_alive():
            thread.join(timeout=10)
        application.commit()  # the application's write lands after the snapshot
        application.close()
        sampler.close()
    assert seen, "the sampler never saw the stage read the live tables"
    assert {mode for _, mode, _ in seen} == {"AccessShareLock"}, seen  # what any SELECT takes
    assert seconds < 10
    assert capture_triggers(target) == installed  # never re-created
    with db.connect(target) as conn, conn.cursor() as cur:
        assert capture.installed_run(cur, "public") == staged.run_id
        snapshot = audit.run(cur, "public", staged.run_id)["snapshot"]
        # the write committed after the snapshot: the drift guard of the new run sees it, keyed by its id
        assert audit.writes_since(cur, "public", "legacy", staged.run_id, snapshot) == {"organizations": 1}
        cur.execute(
            "select row_id from migration_audit.change_log where table_name = 'organizations' order by id desc limit 1"
        )
        assert cur.fetchone()[0] == organisation


def test_a_legacy_table_without_a_primary_key_is_named_and_its_writes_still_count(built_as_migrator):
    target = built_as_migrator
    key = scalar(
        target, "select conname from pg_constraint where conrelid = 'public.part_usage'::regclass and contype = 'p'"
    )
    execute(target, f"alter table public.part_usage drop constraint {key}")
    staged = stage.stage(target, PUBLIC)  # its capture made again for no key: the one DDL, on that table
    assert (
        "legacy table public.part_usage has no primary key: change capture logs its writes without a row id"
        in " ".join(staged.notes)
    )
    execute(
        target,
        "update public.part_usage set notes = 'touched'"
        " where id = (select id from public.part_usage order by id limit 1)",
    )
    with db.connect(target) as conn, conn.cursor() as cur:
        snapshot = audit.run(cur, "public", staged.run_id)["snapshot"]
        assert audit.writes_since(cur, "public", "legacy", staged.run_id, snapshot) == {"part_usage": 1}
        cur.execute(
            "select row_id from migration_audit.change_log where table_name = 'part_usage' order by id desc limit 1"
        )
        assert cur.fetchone()[0] is None


def test_prune_takes_the_capture_off_an_abandoned_build_and_says_so(built_as_migrator):
    target = built_as_migrator
    with db.connect(target) as conn, conn.cursor() as cur:
        run_id = capture.installed_run(cur, "public")
    assert run_id
    pruned = CliRunner().invoke(app, ["--dsn", target.dsn, "prune", "--yes"])
    assert pruned.exit_code == 0, pruned.output
    assert f"remove change capture from the 11 tables of public (run {run_id}" in pruned.output
    assert "removed change capture from 11 tables of public" in pruned.output
    assert capture_triggers(target) == {}
    assert (
        query(
            target,
            "select tgname from pg_trigger t join pg_class c on c.oid = t.tgrelid"
            " where c.relnamespace = 'public'::regnamespace and tgname like 'abparts_migrate%%'",
        )
        == []
    )
    status = CliRunner().invoke(app, ["--dsn", target.dsn, "status"])
    assert "change capture on public: off" in status.output
    refused = CliRunner().invoke(app, ["--dsn", target.dsn, "cutover"])  # the abandoned build is never cut over
    assert refused.exit_code == 1 and "change capture is off" in refused.stderr and "harness build" in refused.stderr
    assert CliRunner().invoke(app, ["--dsn", target.dsn, "prune", "--yes"]).output.strip() == "nothing to prune"


def test_a_partitioned_legacy_table_is_refused_by_the_dry_run_and_the_cutover(built_as_migrator):
    target = built_as_migrator
    execute(target, *corpus.PARTITION_PART_USAGE)
    with db.connect(target) as conn, conn.cursor() as cur:
        before = fingerprint.fingerprint(cur, "public")
    for command in (("migrate", "--dry-run"), ("migrate", "--yes"), ("cutover",), ("validate",)):
        refused = CliRunner().invoke(app, ["--dsn", target.dsn, *command])
        assert refused.exit_code == 2, (command, refused.output[-2000:])
        assert len(refused.stderr.strip().splitlines()) == 1 and "Traceback" not in refused.output
        assert "legacy table public.part_usage is partitioned" in refused.stderr, refused.stderr
    with db.connect(target) as conn, conn.cursor() as cur:
        assert fingerprint.differences(before, fingerprint.fingerprint(cur, "public")) == []
