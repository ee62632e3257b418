"""Under load: eight writers and eight readers of an application on the live
tables through migrate --catch-up, the cutover and rollback --force. Every
acknowledged write is found afterwards by its id, no reader sees an error, and
the latency of the application's statements during each swap is reported
(it is measured here, and held to its target by `make bench`, not by a test)."""

from __future__ import annotations

import time

import pytest
from conftest import query, scalar

from harness import load, migrate, rollback, samples
from harness.schemas import Schemas

PUBLIC = Schemas("public")


def wait_for_writes(driver: load.Load, more: int, seconds: float = 60) -> None:
    wanted = len(driver.result.acknowledged) + more
    deadline = time.monotonic() + seconds
    while len(driver.result.acknowledged) < wanted:
        assert time.monotonic() < deadline, "the writers stopped writing"
        time.sleep(0.05)


@pytest.mark.timeout(400)  # whole flows; the default (pyproject.toml) is 120 s
def test_no_write_is_lost_through_catch_up_cutover_and_rollback_under_load(new_database, default_dbt_threads):
    target = new_database("load")
    samples.generate(target, PUBLIC, "minimal_sample")
    organisation = scalar(target, "select id::text from public.organizations order by id limit 1")
    # each client pauses 20 ms between statements: 16 clients still put ~600 statements a second on the
    # live tables without taking the CPU the build needs (the benchmark drives them flat out)
    driver = load.Load(target.dsn, organisation, writers=8, readers=8, write_interval_s=0.02,
                       read_interval_s=0.02).start()
    try:
        wait_for_writes(driver, 50)
        # the writers write through the first build: the drift guard sends migrate round again; the
        # application pauses its writes for the last round and resumes them once the swap holds its locks
        done = migrate.migrate(target, PUBLIC, confirm=lambda plan: True, catch_up=True, catch_up_rounds=3,
                               on_catch_up=lambda round_: driver.pause_writes(), on_locked=driver.resume_writes)
        assert done.stopped_after == "done" and done.catch_up_rounds >= 1
        # each round's refusal is in the audit, saying why and what to do; then the cutover
        steps = query(target, "select outcome, details, message from migration_audit.steps"
                              " where step = 'cutover' order by id")
        assert [s["outcome"] for s in steps] == ["refused"] * done.catch_up_rounds + ["ok"]
        for refused in steps[:-1]:
            assert refused["details"]["reason"] == "drift" and refused["details"]["writes"]["supplier_orders"] > 0
            assert "changed since the stage" in refused["message"] and "--catch-up" in refused["message"]
        assert done.post.ok  # the application's writes since the cutover are not the migration's
        wait_for_writes(driver, 300)  # into the target
        undone = rollback.rollback(target, PUBLIC, force=True)  # with the writers writing
        wait_for_writes(driver, 300)  # into the legacy schema again
    finally:
        result = driver.stop()
    assert len(result.acknowledged) >= 1000
    found = query(target, "select id::text from public.supplier_orders where id = any(%s::uuid[])",
                  (result.acknowledged,))
    assert {r["id"] for r in found} == set(result.acknowledged)  # 0 lost
    assert result.errors("read") == [] and result.errors("write") == []
    for name, (locked, committed) in (("cutover", done.cut.window), ("rollback", undone.window)):
        writes = result.latencies_ms("write", locked, committed)
        reads = result.latencies_ms("read", locked, committed)
        print(f"{name}: locks held {(committed - locked) * 1000:.1f} ms; application statements during the swap: "
              f"{len(writes)} writes p50 {load.percentile(writes, 50):.1f} ms p99 {load.percentile(writes, 99):.1f} ms,"
              f" {len(reads)} reads p50 {load.percentile(reads, 50):.1f} ms p99 {load.percentile(reads, 99):.1f} ms")
