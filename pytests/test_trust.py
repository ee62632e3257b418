"""A cutover a DBA can trust on a real server: only the exact successful
build goes live, interruptions leave a consistent state, one operator at a
time. Faults are fired at named points (harness/common/faults.py), never after a
sleep."""

from __future__ import annotations

import json

import pytest
from helpers import harness_cli, paused_build, query
from typer.testing import CliRunner

from harness.cli.commands import app
from harness.common.errors import CheckFailed
from harness.common.schemas import Schemas
from harness.db import connection as db
from harness.db import fingerprint
from harness.flows import cutover, state

PUBLIC = Schemas("public")
# a mart without parents: dbt starts it first, so a test that needs a build in progress waits
# for seconds, not for the whole build


def execute(target, *statements):
    with db.connect(target) as conn, conn.cursor() as cur:
        for statement in statements:
            cur.execute(statement)
        conn.commit()


def live_fingerprint(target) -> dict:
    with db.connect(target) as conn, conn.cursor() as cur:
        return fingerprint.fingerprint(cur, "public")


def test_a_table_dropped_from_the_built_target_is_never_cut_over(built_minimal):
    target = built_minimal
    before = live_fingerprint(target)
    execute(target, "drop table public_next.part_usage")
    with pytest.raises(CheckFailed, match=r"public_next .*part_usage"):
        cutover.cutover(target, PUBLIC)
    assert fingerprint.differences(before, live_fingerprint(target)) == []
    with db.connect(target) as conn, conn.cursor() as cur:
        assert state.describe(cur, PUBLIC).live_kind == "legacy"


def test_the_built_target_is_read_only_and_rows_slipped_in_stop_the_cutover(built_minimal):
    target = built_minimal
    with pytest.raises(Exception, match="read-only until the cutover"):
        execute(target, "insert into public_next.parts (id, part_number, name) values (gen_random_uuid(), 'X', 'X')")
    # somebody with the owner's rights goes around the guard: the row counts differ
    execute(
        target,
        "alter table public_next.parts disable trigger user",
        "insert into public_next.parts (id, part_number, name) values (gen_random_uuid(), 'X', 'X')",
        "alter table public_next.parts enable trigger user",
    )
    with pytest.raises(CheckFailed, match=r"parts"):
        cutover.cutover(target, PUBLIC)


def test_a_killed_rebuild_is_shown_interrupted_and_never_cut_over(built_minimal):
    target = built_minimal
    # killed half-way: organizations is in <live>_next, inventory and transactions are not yet
    killed = harness_cli("build", "--no-stage", dsn=target.dsn, fault="kill@dbt:organizations")
    assert killed.returncode == -9, killed.stderr
    status = json.loads(harness_cli("--json", "status", dsn=target.dsn).stdout)
    assert status["phase"] == "build interrupted", status
    refused = harness_cli("cutover", dsn=target.dsn)
    assert refused.returncode == 1
    assert "did not finish" in refused.stderr and "harness build" in refused.stderr
    assert "Traceback" not in refused.stderr
    archives = query(target, "select nspname from pg_namespace where nspname like 'public\\_archive\\_%'")
    assert archives == []


def test_an_existing_backup_file_is_never_overwritten(built_minimal):
    from harness.common import paths
    from harness.flows import backup

    target = built_minimal
    path = paths.backups_dir() / "public_19990101_000000_beef.dump"
    paths.ensure_private_dir(path.parent)
    path.write_bytes(b"an earlier backup")
    again = backup.dump_schema(target, "public", path)  # a second attempt of the same run
    assert path.read_bytes() == b"an earlier backup"
    assert again.dump_path == str(path.with_name("public_19990101_000000_beef.1.dump"))
    assert not list(path.parent.glob("*.partial*"))


def harness_backends(target) -> list[str]:
    rows = query(
        target,
        "select application_name from pg_stat_activity where datname = current_database()"
        " and pid <> pg_backend_pid() and (application_name like 'abparts-migrate%%'"
        " or application_name = 'dbt')",
    )
    return [r["application_name"] for r in rows]


def stopped_within_seconds(target, process, signal_name: str, exit_code: int) -> None:
    """The signal stops the build within 5 s, cancels every query, and the stop is recorded."""
    import signal
    import time

    sent = time.monotonic()
    process.send_signal(getattr(signal, signal_name))
    _, stderr = process.communicate(timeout=60)
    assert time.monotonic() - sent < 5
    assert process.returncode == exit_code, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert harness_backends(target) == []  # every server-side query of the harness and of dbt was cancelled
    status = json.loads(harness_cli("--json", "status", dsn=target.dsn).stdout)
    assert status["phase"] == "build interrupted"
    assert status["history"][-1]["outcome"] == "interrupted"


def test_ctrl_c_stops_a_build_within_seconds_and_records_it(built_minimal, tmp_path):
    target = built_minimal
    stopped_within_seconds(target, paused_build(target, tmp_path), "SIGINT", 130)


def test_a_second_command_is_refused_at_once_naming_the_holder_and_sigterm_stops_it(built_minimal, tmp_path):
    import time

    target = built_minimal
    first = paused_build(target, tmp_path)
    try:
        for command in (["cutover"], ["build"], ["rollback"], ["prune", "--yes"]):
            started = time.monotonic()
            second = harness_cli(*command, dsn=target.dsn)
            assert second.returncode == 1, (command, second.stderr)
            assert f"pid {first.pid}" in second.stderr and "harness build" in second.stderr, second.stderr
            assert "since" in second.stderr and "Traceback" not in second.stderr
            assert time.monotonic() - started < 15  # at once, not after waiting for the first
        stopped_within_seconds(target, first, "SIGTERM", 143)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(timeout=60)


def test_a_cutover_killed_during_post_validation_is_shown_and_migrate_resumes_it(built_minimal):
    target = built_minimal
    killed = harness_cli("migrate", "--yes", dsn=target.dsn, fault="kill@migrate:post-validate")
    assert killed.returncode == -9
    status = json.loads(harness_cli("--json", "status", dsn=target.dsn).stdout)
    assert status["phase"] == "cut over" and status["post_validation"] == "not finished"
    shown = harness_cli("status", dsn=target.dsn).stdout
    assert "post-validation did not finish" in shown and "harness validate --phase post" in shown
    assert "harness rollback" in shown
    # the resume needs no process of its own (nothing is killed): in-process, without dbt's import
    resumed = CliRunner().invoke(app, ["--dsn", target.dsn, "migrate", "--yes"])
    assert resumed.exit_code == 0, resumed.output[-2000:]
    assert "post-validation: pass" in resumed.stdout
    status = json.loads(harness_cli("--json", "status", dsn=target.dsn).stdout)
    assert status["phase"] == "cut over" and status["post_validation"] == "passed"


def gone(target, process_name: str = "abparts-migrate") -> None:
    """Wait until the server has ended the sessions of a killed harness (its locks go with them)."""
    import time

    deadline = time.monotonic() + 30
    while [name for name in harness_backends(target) if name.startswith(process_name)]:
        assert time.monotonic() < deadline, harness_backends(target)
        time.sleep(0.05)


def uncaptured(facts: dict) -> dict:
    """A fingerprint without the change-capture triggers."""
    triggers = [row for row in facts["structure"]["triggers"] if not str(row[1]).startswith("abparts_migrate_capture")]
    return facts | {"structure": facts["structure"] | {"triggers": triggers}}


def test_a_swap_killed_under_its_locks_changes_nothing_and_runs_again(built_minimal):
    """The runbook's "the swap, before its commit" and "a rollback, before its commit": the
    server rolls the transaction back, and the same command runs again."""
    from harness.flows import rollback

    target = built_minimal
    before = live_fingerprint(target)
    killed = harness_cli("cutover", dsn=target.dsn, fault="kill@swap:cutover-locked")
    assert killed.returncode == -9, killed.stderr
    gone(target)
    assert fingerprint.differences(before, live_fingerprint(target)) == []
    status = json.loads(harness_cli("--json", "status", dsn=target.dsn).stdout)
    assert status["phase"] == "built" and status["live_holds"] == "legacy", status
    assert query(target, "select nspname from pg_namespace where nspname like 'public\\_archive\\_%'") == []
    cut_over(target)

    killed = harness_cli("rollback", dsn=target.dsn, fault="kill@swap:rollback-locked")
    assert killed.returncode == -9, killed.stderr
    gone(target)
    status = json.loads(harness_cli("--json", "status", dsn=target.dsn).stdout)
    assert status["phase"] == "cut over" and status["live_holds"] == "target", status
    rollback.rollback(target, PUBLIC)
    # the legacy schema as it was, but for the change capture a rollback takes off
    assert fingerprint.differences(uncaptured(before), uncaptured(live_fingerprint(target))) == []


def cut_over(target) -> None:
    from harness.flows import cutover as cutover_mod

    cutover_mod.cutover(target, PUBLIC)


def test_rows_written_straight_into_part_usage_and_stock_adjustments_come_back(built_minimal):
    from harness.flows import rollback

    target = built_minimal
    cut_over(target)
    held = query(
        target,
        "select i.id::text as inventory_id, i.warehouse_id::text as warehouse_id,"
        " i.part_id::text as part_id, w.organization_id::text as org from public.inventory i"
        " join public.warehouses w on w.id = i.warehouse_id join public.organizations o"
        " on o.id = w.organization_id where o.organization_type = 'customer' order by i.id limit 1",
    )[0]
    user = query(target, "select id::text from public.users where role = 'super_admin' order by id limit 1")[0]["id"]
    ids = {
        "usage": "ee100000-0000-0000-0000-000000000001",
        "fraction": "ee100000-0000-0000-0000-000000000002",
        "adjustment": "ee100000-0000-0000-0000-000000000003",
    }
    params = held | {"user": user} | ids
    with db.connect(target) as conn, conn.cursor() as cur:
        # what the application's part-usage and stock-adjustment endpoints write: no ledger row
        for usage_id, quantity in ((ids["usage"], 3), (ids["fraction"], 1.5)):
            cur.execute(
                "insert into public.part_usage (id, customer_organization_id, part_id, usage_date, quantity,"
                " warehouse_id, recorded_by_user_id) values (%(id)s, %(org)s, %(part_id)s, now(), %(q)s,"
                " %(warehouse_id)s, %(user)s)",
                params | {"id": usage_id, "q": quantity},
            )
        cur.execute(
            "insert into public.stock_adjustments (id, inventory_id, user_id, quantity_adjusted, reason_code)"
            " values (%(adjustment)s, %(inventory_id)s, %(user)s, 2, 'Found Stock')",
            params,
        )
        conn.commit()
    done = rollback.rollback(target, PUBLIC, force=True)
    assert query(
        target,
        "select quantity_used, customer_organization_id::text as org from public.part_usage where id = %(usage)s",
        ids,
    ) == [{"quantity_used": 3, "org": held["org"]}]
    assert query(
        target, "select quantity_adjusted, reason_code from public.stock_adjustments where id = %(adjustment)s", ids
    ) == [{"quantity_adjusted": 2, "reason_code": "Found Stock"}]
    reasons = {n["row_id"]: n["reason"] for n in done.carried.not_carried}
    assert "fractional" in reasons[ids["fraction"]]
    assert ids["usage"] not in reasons and ids["adjustment"] not in reasons
    assert not [r for r in reasons.values() if "instead" in r]  # no reason that is not true


def test_stock_changed_in_two_warehouses_of_one_organisation_comes_back_as_their_sum(built_minimal):
    from harness.flows import rollback

    target = built_minimal
    cut_over(target)
    row = query(
        target,
        "select w.organization_id::text as org, i.part_id::text as part, i.id::text as inventory,"
        " i.current_stock, (select w2.id::text from public.warehouses w2 where w2.organization_id ="
        " w.organization_id and w2.id <> w.id order by w2.id limit 1) as other"
        " from public.inventory i join public.warehouses w on w.id = i.warehouse_id"
        " where exists (select 1 from public.warehouses w2 where w2.organization_id = w.organization_id"
        " and w2.id <> w.id) and not exists (select 1 from public.inventory i2 join public.warehouses"
        " w3 on w3.id = i2.warehouse_id where w3.organization_id = w.organization_id and i2.part_id ="
        " i.part_id and i2.id <> i.id) order by i.id limit 1",
    )[0]
    with db.connect(target) as conn, conn.cursor() as cur:
        cur.execute("update public.inventory set current_stock = current_stock + 5 where id = %(inventory)s", row)
        cur.execute(
            "insert into public.inventory (warehouse_id, part_id, current_stock, unit_of_measure)"
            " values (%(other)s, %(part)s, 7, 'pieces')",
            row,
        )
        conn.commit()
    rollback.rollback(target, PUBLIC, force=True)
    legacy = query(
        target, "select current_stock from public.inventory where organization_id = %(org)s and part_id = %(part)s", row
    )
    assert legacy == [{"current_stock": row["current_stock"] + 5 + 7}]


def test_a_finished_command_frees_the_schema_at_once(new_database, monkeypatch):
    # a closed session's backend frees its locks a moment after the client moved on, so the lock is
    # released before the close; here the close is held back, as a busy server would, to see it
    from harness.db import locks

    target = new_database("unlock")
    kept = []

    class KeptOpen:
        def __init__(self, conn):
            object.__setattr__(self, "conn", conn)

        def __getattr__(self, name):
            return getattr(self.conn, name)

        def __setattr__(self, name, value):
            setattr(self.conn, name, value)

        def close(self):
            kept.append(self.conn)

    real_open = db.open_connection
    monkeypatch.setattr(db, "open_connection", lambda *args: KeptOpen(real_open(*args)))
    with locks.command_lock(target, "public", "migrate"):
        pass
    assert kept  # the lock's session is still open
    with db.connect(target, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("select pg_try_advisory_lock(%s, hashtext('public'))", (locks.LOCK_CLASS,))
        assert cur.fetchone()[0], "the finished command still holds the schema"
        cur.execute("select pg_advisory_unlock(%s, hashtext('public'))", (locks.LOCK_CLASS,))
    for conn in kept:
        conn.close()


def test_every_command_that_changes_a_schema_holds_it(built_minimal, tmp_path):
    # another session holds the live schema as a harness command would; every flow that changes a
    # schema is refused at once, naming the holder, and does nothing
    from harness.db import locks
    from harness.flows import backup, build, migrate, prune, rollback, samples, schema_lock, stage, validate

    target, schemas = built_minimal, Schemas("public")
    calls = {
        "stage.stage": lambda: stage.stage(target, schemas),
        "build.build": lambda: build.build(target, schemas),
        "validate.validate": lambda: validate.validate(target, schemas),
        "migrate.migrate": lambda: migrate.migrate(target, schemas, confirm=lambda plan: True),
        "cutover.cutover": lambda: cutover.cutover(target, schemas),
        "rollback.rollback": lambda: rollback.rollback(target, schemas, force=True),
        "prune.plan": lambda: prune.plan(target, schemas, 0),
        "prune.apply": lambda: prune.apply(target, schemas, prune.PrunePlan(keep=0)),
        "samples.generate": lambda: samples.generate(target, schemas, "minimal_sample", replace=True),
    }
    assert sorted(calls) == sorted(schema_lock.FLOWS)  # a new flow that holds a schema is called here
    with db.connect(target) as conn, conn.cursor() as cur:
        before = fingerprint.fingerprint(cur, "public"), query(target, "select count(*) from migration_audit.steps")

    def held_by_another_session(schema: str, then) -> None:
        holder = db.open_connection(target, f"abparts-migrate {schema}: cutover (pid 4242)")
        holder.autocommit = True
        try:
            with holder.cursor() as cur:
                cur.execute("select pg_advisory_lock(%s, hashtext(%s))", (locks.LOCK_CLASS, schema))
            then()
        finally:
            holder.close()

    def refused_all() -> None:
        for name, call in calls.items():
            holder = r"schema .public. is busy: harness cutover \(pid 4242\) on this machine"
            with pytest.raises(locks.Busy, match=holder):
                call()
                pytest.fail(f"{name} ran while another session held the schema")

    held_by_another_session("public", refused_all)
    with db.connect(target) as conn, conn.cursor() as cur:
        after = fingerprint.fingerprint(cur, "public"), query(target, "select count(*) from migration_audit.steps")
    assert after == before  # nothing done, nothing recorded

    # restore into a new schema holds that schema
    dump = tmp_path / "legacy.dump"
    backup.dump_schema(target, "public", dump)

    def restore_refused() -> None:
        with pytest.raises(locks.Busy, match=r"schema 'copy' is busy"):
            backup.restore(target, dump, into_schema="copy")

    held_by_another_session("copy", restore_refused)
