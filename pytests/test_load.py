"""Under load, as the ordinary migration role: eight writers and eight readers of an
application on the live tables, and two writers on a table of its own (a text key),
through five rounds of migrate --catch-up, the cutover and rollback --force. No
application statement fails, every acknowledged write is found afterwards by its id,
the change capture is installed once and never re-created, and the latency of the
application's statements during each swap is reported (it is measured here, and held
to its target by `make bench`, not by a test)."""

from __future__ import annotations

import time

import pytest
from helpers import query, scalar

from harness.common.schemas import Schemas
from harness.db import capture
from harness.db import connection as db
from harness.flows import load, migrate, rollback, samples

PUBLIC = Schemas("public")


def wait_for_writes(driver: load.Load, more: int, seconds: float = 60) -> None:
    wanted = len(driver.result.acknowledged) + more
    deadline = time.monotonic() + seconds
    while len(driver.result.acknowledged) < wanted:
        assert time.monotonic() < deadline, "the writers stopped writing"
        time.sleep(0.05)


ROUNDS = 5


def capture_triggers(target, schema: str) -> dict[str, int]:
    rows = query(
        target,
        "select c.relname, t.oid::int as oid from pg_trigger t join pg_class c on c.oid = t.tgrelid"
        " where c.relnamespace = %s::regnamespace and t.tgname = %s",
        (schema, capture.TRIGGER),
    )
    return {r["relname"]: r["oid"] for r in rows}


def present(target, table: str, key: str, acknowledged: list[str]) -> set[str]:
    rows = query(target, f"select {key}::text as key from public.{table} where {key}::text = any(%s)", (acknowledged,))
    return {r["key"] for r in rows}


@pytest.mark.timeout(600)  # whole flows; the default (pyproject.toml) is 120 s
def test_no_write_is_lost_through_five_catch_up_rounds_cutover_and_rollback_under_load(
    as_migrator, default_dbt_threads
):
    target = as_migrator("load")
    samples.generate(target, PUBLIC, "minimal_sample")
    with db.connect(target) as conn, conn.cursor() as cur:
        cur.execute("create table public.app_settings (key text primary key, value text)")
        conn.commit()
    organisation = scalar(target, "select id::text from public.organizations order by id limit 1")
    # each client pauses 20 ms between statements: 16 clients still put ~600 statements a second on the
    # live tables without taking the CPU the build needs (the benchmark drives them flat out)
    driver = load.Load(
        target.dsn, organisation, writers=8, readers=8, write_interval_s=0.02, read_interval_s=0.02
    ).start()
    settings = load.Load(
        target.dsn, organisation, writers=2, readers=0, write_interval_s=0.02, table="app_settings"
    ).start()
    installed: list[dict[str, int]] = []

    def catch_up(round_: int) -> None:
        installed.append(capture_triggers(target, "public"))
        if round_ == ROUNDS:  # the application pauses its writes for the last round
            driver.pause_writes()
            settings.pause_writes()

    try:
        wait_for_writes(driver, 50)
        # the writers write through the first build and four rebuilds: the drift guard sends migrate
        # round again each time; the application resumes its writes once the swap holds its locks
        done = migrate.migrate(
            target,
            PUBLIC,
            confirm=lambda plan: True,
            catch_up=True,
            catch_up_rounds=ROUNDS,
            on_catch_up=catch_up,
            on_locked=driver.resume_writes,
        )
        assert done.stopped_after == "done" and done.catch_up_rounds == ROUNDS
        # each round's refusal is in the audit, saying why and what to do; then the cutover
        steps = query(
            target, "select outcome, details, message from migration_audit.steps where step = 'cutover' order by id"
        )
        assert [s["outcome"] for s in steps] == ["refused"] * ROUNDS + ["ok"]
        for refused in steps[:-1]:
            assert refused["details"]["reason"] == "drift" and refused["details"]["writes"]["supplier_orders"] > 0
            assert "changed since the stage" in refused["message"] and "--catch-up" in refused["message"]
        # installed once, before the first build: no round re-created a trigger
        assert installed[0] and set(installed[0]) <= set(samples.LEGACY_TABLES) and installed == [installed[0]] * ROUNDS
        # every write acknowledged before the cutover is in the target (the writers go on into it)
        before = list(driver.result.acknowledged)
        assert present(target, "supplier_orders", "id", before) == set(before)
        assert done.post.ok  # the application's writes since the cutover are not the migration's
        wait_for_writes(driver, 300)  # into the target
        undone = rollback.rollback(target, PUBLIC, force=True)  # with the writers writing
        wait_for_writes(driver, 300)  # into the legacy schema again
    finally:
        result = driver.stop()
        own = settings.stop()
    assert len(result.acknowledged) >= 1000 and len(own.acknowledged) >= 100
    assert present(target, "supplier_orders", "id", result.acknowledged) == set(result.acknowledged)  # 0 lost
    assert present(target, "app_settings", "key", own.acknowledged) == set(own.acknowledged)  # back with the legacy
    assert result.errors("read") == [] and result.errors("write") == [] and own.errors("write") == []
    for name, (locked, committed) in (("cutover", done.cut.window), ("rollback", undone.window)):
        writes = result.latencies_ms("write", locked, committed)
        reads = result.latencies_ms("read", locked, committed)
        print(
            f"{name}: locks held {(committed - locked) * 1000:.1f} ms; application statements during the swap: "
            f"{len(writes)} writes p50 {load.percentile(writes, 50):.1f} ms p99 {load.percentile(writes, 99):.1f} ms,"
            f" {len(reads)} reads p50 {load.percentile(reads, 50):.1f} ms p99 {load.percentile(reads, 99):.1f} ms"
        )
