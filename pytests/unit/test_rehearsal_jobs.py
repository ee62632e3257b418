"""`harness test --jobs N` without a database: scenarios run in N worker
processes, each on a scratch database of its own, and come back in the
plan's order. (The suite rehearses whole flows with --jobs 1, in-process:
the same run_scenario, without paying dbt's start-up in two new processes.)"""

from __future__ import annotations

from harness.db import connection as db
from harness.flows import testing


def test_parallel_scenarios_run_in_their_own_processes_and_databases_and_keep_the_plan_order():
    unreachable = db.Target("host=/nonexistent/abparts-socket dbname=postgres user=nobody connect_timeout=2")
    plan = [("minimal_sample", False, True), ("minimal_sample", True, True), ("small_sample", False, True)]
    finished: dict[int, testing.Scenario] = {}
    names = testing._run_parallel(
        unreachable, plan, [None, None, None], 2, lambda index, scenario: finished.setdefault(index, scenario)
    )
    assert names == [f"{testing.SCRATCH_DATABASE}_1", f"{testing.SCRATCH_DATABASE}_2"]
    assert sorted(finished) == [0, 1, 2]
    assert [finished[i].name for i in range(3)] == [
        "minimal_sample/clean",
        "minimal_sample/dirty",
        "small_sample/clean",
    ]
    for scenario in finished.values():
        # each failed on its own, in a worker, with one line saying why; none took the others down
        assert scenario.verdict == "fail" and scenario.database in names
        assert len(scenario.reasons) == 1 and "\n" not in scenario.reasons[0]
        assert scenario.reasons[0].startswith("cannot connect to ")
