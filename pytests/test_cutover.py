"""Cutover and rollback on the real embedded server: the drift guard refuses
writes made after the stage, post-cutover writes are never dropped, readers
never see an error, backups can be restored. (Out-of-order commands: the corpus,
pytests/corpus.py, one case per state and command.)

That an untouched migrate + rollback gives back the legacy schema identical —
every row, column, constraint, index, trigger, grant, owner, default privilege
and extension, with an application role and an extension in the live schema —
is checked for every sample size, clean and dirty, by `harness test --type
comprehensive` (pytests/test_operator.py, harness/flows/testing.py)."""

from __future__ import annotations

import json
import re
import stat
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg2
import pytest
from helpers import query, scalar
from typer.testing import CliRunner

from harness.cli.commands import app
from harness.common import paths
from harness.common.errors import CheckFailed
from harness.common.schemas import Schemas
from harness.db import audit, fingerprint, swap
from harness.db import connection as db
from harness.flows import backup, build, cutover, rollback, state

PUBLIC = Schemas("public")


def execute(target, *statements, params=None):
    with db.connect(target) as conn, conn.cursor() as cur:
        for statement in statements:
            cur.execute(statement, params)
        conn.commit()


def test_a_write_after_the_stage_stops_the_cutover_before_any_backup(built_minimal):
    # the application writes between the build and the cutover: the drift guard refuses under the
    # swap's locks and nothing is cut over (migrate --catch-up restages and rebuilds instead:
    # pytests/test_load.py, under load)
    target = built_minimal
    execute(target, "update public.organizations set address = 'Busy' where name = 'Autoboss Inc'")
    dumps = set(paths.backups_dir().glob("*.dump"))
    with pytest.raises(swap.SwapRefused, match=r"organizations 1 writes") as drift:
        cutover.cutover(target, PUBLIC)
    assert drift.value.reason == "drift" and drift.value.writes == {"organizations": 1}
    with db.connect(target) as conn, conn.cursor() as cur:
        current = state.describe(cur, PUBLIC)
        assert current.live_kind == "legacy" and current.next_exists and not current.cutover
    # refused before the backups: no pg_dump was taken for a cutover that could not happen (the
    # snapshots were taken by the build, of the staged tables)
    assert set(paths.backups_dir().glob("*.dump")) == dumps
    (refused,) = query(target, "select outcome, details, message from migration_audit.steps where step = 'cutover'")
    assert refused["outcome"] == "refused" and refused["details"] == {"reason": "drift", "writes": {"organizations": 1}}
    assert "changed since the stage" in refused["message"] and "--catch-up" in refused["message"]
    assert scalar(target, "select address from public.organizations where name = 'Autoboss Inc'") == "Busy"


NEW = {
    "org": "ee000000-0000-0000-0000-000000000001",
    "part": "ee000000-0000-0000-0000-000000000002",
    "machine": "ee000000-0000-0000-0000-000000000003",
    "consumption": "ee000000-0000-0000-0000-000000000004",
    "adjustment": "ee000000-0000-0000-0000-000000000005",
    "warehouse": "ee000000-0000-0000-0000-000000000006",
}


def write_after_cutover(target) -> dict:
    """One post-cutover write of every kind the rollback carries back, plus one
    it cannot (a warehouse). Returns the stock position the ledger rows touch."""
    held = query(
        target,
        "select i.warehouse_id::text as warehouse_id, i.part_id::text as part_id,"
        " w.organization_id::text as organization_id, i.current_stock"
        " from public.inventory i join public.warehouses w on w.id = i.warehouse_id"
        " join public.organizations o on o.id = w.organization_id"
        " where o.organization_type = 'customer' and i.current_stock >= 5 order by i.id limit 1",
    )[0]
    admin = scalar(target, "select id::text from public.users where role = 'super_admin' order by id limit 1")
    params = {**NEW, **held, "admin": admin}
    execute(
        target,
        "insert into public.organizations (id, name, organization_type)"
        " values (%(org)s, 'Post Cutover Customer', 'customer')",
        "update public.users set name = 'Renamed After Cutover' where id = %(admin)s",
        "insert into public.parts (id, part_number, name) values (%(part)s, 'PN-POST-1', 'Post Cutover Filter')",
        "insert into public.machines (id, customer_organization_id, model_type, name, serial_number)"
        " values (%(machine)s, %(org)s, 'V4.0', 'Post Cutover Machine', 'POST-SN-1')",
        # the application's trigger moves the stock: -2 then -1
        "insert into public.transactions (id, transaction_type, part_id, from_warehouse_id, quantity, unit_of_measure,"
        " performed_by_user_id, transaction_date)"
        " values (%(consumption)s, 'consumption', %(part_id)s, %(warehouse_id)s, 2, 'pieces', %(admin)s, now())",
        "insert into public.transactions (id, transaction_type, part_id, to_warehouse_id, quantity, unit_of_measure,"
        " performed_by_user_id, transaction_date, notes) values (%(adjustment)s, 'adjustment', %(part_id)s,"
        " %(warehouse_id)s, -1, 'pieces', %(admin)s, now(), 'stocktake')",
        "insert into public.warehouses (id, organization_id, name)"
        " values (%(warehouse)s, %(org)s, 'Post Cutover Depot')",
        params=params,
    )
    return params


def test_writes_after_cutover_block_rollback_and_force_carries_each_kind_back(built_minimal):
    target = built_minimal
    cutover.cutover(target, PUBLIC)
    written = write_after_cutover(target)
    organisation_stock = scalar(
        target,
        "select sum(i.current_stock) from public.inventory i join public.warehouses w on w.id = i.warehouse_id"
        " where w.organization_id = %(organization_id)s and i.part_id = %(part_id)s",
        written,
    )

    with pytest.raises(swap.SwapRefused, match="writes were made") as refused:
        rollback.rollback(target, PUBLIC)
    assert refused.value.writes["transactions"] == 2 and refused.value.writes["organizations"] == 1
    with db.connect(target) as conn, conn.cursor() as cur:
        assert state.describe(cur, PUBLIC).phase == "cut over"  # refused: nothing changed

    done = rollback.rollback(target, PUBLIC, force=True)
    export = Path(done.carried.export_path)
    assert stat.S_IMODE(export.stat().st_mode) == 0o600
    exported = [json.loads(line) for line in export.read_text().splitlines()]
    changes = [e for e in exported if "table_name" in e]
    assert len(changes) == done.carried.changes and {e["table_name"] for e in changes} >= {
        "organizations",
        "users",
        "parts",
        "machines",
        "transactions",
        "inventory",
        "warehouses",
    }
    # every kind is back in the legacy schema, which is live again
    assert query(target, "select name, type from public.organizations where id = %(org)s", written) == [
        {"name": "Post Cutover Customer", "type": "Customer"}
    ]
    assert query(target, "select name, role from public.users where id = %(admin)s", written) == [
        {"name": "Renamed After Cutover", "role": "Oraseas Admin"}
    ]  # legacy role string kept
    assert scalar(target, "select name from public.parts where id = %(part)s", written) == "Post Cutover Filter"
    assert scalar(target, "select serial_number from public.machines where id = %(machine)s", written) == "POST-SN-1"
    legacy_stock = scalar(
        target,
        "select current_stock from public.inventory"
        " where organization_id = %(organization_id)s and part_id = %(part_id)s",
        written,
    )
    assert organisation_stock == written["current_stock"] - 3  # the trigger applied both ledger rows
    assert legacy_stock == organisation_stock  # stock level per organisation and part, carried back
    assert query(
        target,
        "select quantity_used, part_id::text, customer_organization_id::text as org"
        " from public.part_usage where id = %(consumption)s",
        written,
    ) == [{"quantity_used": 2, "part_id": written["part_id"], "org": written["organization_id"]}]
    assert query(
        target,
        "select quantity_adjusted, reason_code, notes from public.stock_adjustments where id = %(adjustment)s",
        written,
    ) == [{"quantity_adjusted": -1, "reason_code": "Other", "notes": "stocktake"}]
    not_carried = {n["table"] for n in done.carried.not_carried}
    assert "warehouses" in not_carried  # listed, not silently dropped
    assert (
        scalar(target, f"select count(*) from {done.rolledback_schema}.warehouses where id = %(warehouse)s", written)
        == 1
    )  # and still in the rolled-back target
    with db.connect(target) as conn, conn.cursor() as cur:
        assert "warehouses" not in db.tables_in(cur, "public")  # the live schema is the legacy one again


def test_a_busy_table_makes_the_cutover_give_up_cleanly_and_readers_never_see_an_error(built_minimal):
    target = built_minimal

    # 1. an open write transaction holds a lock the swap needs: retries, then a clean refusal
    blocker = psycopg2.connect(target.dsn)
    try:
        with blocker.cursor() as cur:
            cur.execute(
                "update public.parts set name = name where id = (select id from public.parts order by id limit 1)"
            )
        with pytest.raises(CheckFailed, match="could not get the locks .* within 100 ms after 3 attempts"):
            cutover.cutover(target, PUBLIC, lock_timeout_ms=100, retries=2)
    finally:
        blocker.rollback()
        blocker.close()
    with db.connect(target) as conn, conn.cursor() as cur:
        current = state.describe(cur, PUBLIC)
        assert current.live_kind == "legacy" and current.next_exists and not current.cutover

    # 2. once the writer is gone it goes through, while readers query in a loop
    stop, errors, seen = threading.Event(), [], {"legacy": 0, "target": 0}

    def reader():
        conn = psycopg2.connect(target.dsn)
        conn.autocommit = True
        with conn.cursor() as cur:
            while not stop.is_set():
                try:
                    # valid in both schemas; to_regclass tells which one answered
                    cur.execute(
                        "select count(*), to_regclass('public.warehouses') is not null from public.organizations"
                    )
                    count, is_target = cur.fetchone()
                    assert count > 0
                    seen["target" if is_target else "legacy"] += 1
                except psycopg2.Error as exc:  # a lock wait would block, not raise: anything here is a failure
                    errors.append(str(exc).strip())
        conn.close()

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    result = cutover.cutover(target, PUBLIC)
    time.sleep(0.3)
    stop.set()
    for t in threads:
        t.join(timeout=10)
    assert result.attempts == 1
    assert errors == []
    assert seen["legacy"] > 0 and seen["target"] > 0
    assert result.lock_window_ms < 5000


def test_the_swap_releases_its_locks_before_the_wal_flush_and_returns_once_it_is_flushed(new_database):
    # the COMMIT inside the lock window does not wait for the disk (nor for a synchronous standby);
    # the swap is on disk before exchange() returns all the same
    target = new_database("swap")
    with db.connect(target) as conn, conn.cursor() as cur:
        audit.ensure(cur)
        cur.execute(
            "create schema app; create table app.t (id int); create schema app_next; create table app_next.t (id int)"
        )
        conn.commit()
    inside = {}

    def details():  # in the swap's transaction, after the renames, before its audit row and COMMIT
        with conn.cursor() as cur:
            cur.execute("select current_setting('synchronous_commit'), pg_current_wal_insert_lsn()::text")
            inside["synchronous_commit"], inside["lsn"] = cur.fetchone()
        return {}

    conn = psycopg2.connect(target.dsn)
    try:
        swap.exchange(
            conn,
            "cutover",
            live="app",
            run_id="r1",
            incoming="app_next",
            outgoing="app_old",
            prepare=lambda cur: None,
            guard=lambda cur: None,
            details=details,
            started_at=datetime.now(UTC),
            carry=[],  # two bare schemas, no legacy tables: app.t is swapped, not carried along
        )
        with conn.cursor() as cur:
            cur.execute(
                "select current_setting('synchronous_commit'), pg_current_wal_flush_lsn() >= %s::pg_lsn",
                (inside["lsn"],),
            )
            after, flushed = cur.fetchone()
    finally:
        conn.close()
    assert inside["synchronous_commit"] == "off" and after == "on"  # that transaction only
    assert flushed  # the renames' WAL is on disk when it returns (the WAL writer may also have flushed it)
    with db.connect(target) as conn, conn.cursor() as cur:
        assert db.schema_exists(cur, "app_old") and not db.schema_exists(cur, "app_next")


def test_backups_are_private_and_restore_into_a_new_schema_or_database(built_minimal):
    target = built_minimal
    with db.connect(target) as conn, conn.cursor() as cur:
        legacy = fingerprint.table_hashes(cur, "public")
    cut = cutover.cutover(target, PUBLIC)
    dump = Path(cut.backup.dump_path)
    assert stat.S_IMODE(dump.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    # public_<run>.dump (.1.dump, ... for a later attempt of the same run: the template's run is shared)
    assert re.fullmatch(rf"public_{cut.run_id}(\.\d+)?\.dump", dump.name) and cut.backup.dump_bytes > 0
    assert cut.backup.snapshot_rows["inventory"] == 20  # minimal_sample
    assert scalar(target, "select count(*) from migration_backup.public__inventory") == 20

    runner = CliRunner()
    restored = runner.invoke(app, ["--dsn", target.dsn, "restore", "--from", str(dump), "--schema-name", "legacy_copy"])
    assert restored.exit_code == 0, restored.output
    with db.connect(target) as conn, conn.cursor() as cur:
        assert fingerprint.table_hashes(cur, "legacy_copy") == legacy
    twice = runner.invoke(app, ["--dsn", target.dsn, "restore", "--from", str(dump), "--schema-name", "legacy_copy"])
    assert twice.exit_code == 2 and "already exists" in twice.output
    other = backup.restore(target, dump, into_database="restored_db")
    try:
        assert other.tables == 11
        with db.connect(target.with_database("restored_db")) as conn, conn.cursor() as cur:
            assert fingerprint.table_hashes(cur, "public") == legacy
    finally:
        from pool import drop_database

        drop_database(target.with_database("restored_db"))
    missing = runner.invoke(app, ["--dsn", target.dsn, "restore", "--from", "backups/nope.dump"])
    assert missing.exit_code == 2 and "does not exist" in missing.output


def test_prune_keeps_the_archive_a_rollback_needs(built_minimal):
    target = built_minimal  # a round trip leaves a rolled-back target
    cutover.cutover(target, PUBLIC)
    rollback.rollback(target, PUBLIC)
    assert build.build(target, PUBLIC).success
    cut = cutover.cutover(target, PUBLIC)
    runner = CliRunner()
    result = runner.invoke(app, ["--dsn", target.dsn, "prune", "--keep", "0", "--yes"])
    assert result.exit_code == 0, result.output
    assert f"keep {cut.archive_schema}" in result.output
    with db.connect(target) as conn, conn.cursor() as cur:
        cur.execute("select nspname from pg_namespace where nspname like 'public\\_%' order by 1")
        remaining = [r[0] for r in cur.fetchall()]
    assert remaining == [cut.archive_schema]
    assert rollback.rollback(target, PUBLIC).writes_after_cutover == {}  # still possible
    assert runner.invoke(app, ["--dsn", target.dsn, "prune", "--yes"]).exit_code == 0
