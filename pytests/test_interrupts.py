"""Ctrl-C and SIGTERM while the harness itself waits on a query (not dbt): the query is
cancelled on the server and the command stops as interrupted, exit 130 (143 for SIGTERM),
in one line, never as a failed statement. The waits of dbt's nodes and of the fault
points: pytests/test_trust.py."""

from __future__ import annotations

import signal
import time

import psycopg2
import pytest
from helpers import harness_cli, query


def waiting_harness_queries(target) -> list[dict]:
    """The harness's queries waiting on a lock: the query, and the relation it waits for (if one)."""
    return query(
        target,
        "select a.pid, a.query, l.relation::regclass::text as relation from pg_stat_activity as a"
        " left join pg_locks as l on l.pid = a.pid and not l.granted"
        " where a.datname = current_database() and a.application_name like 'abparts-migrate%%'"
        " and a.wait_event_type = 'Lock'",
    )


def wait_until_the_harness_waits(target, process, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        waiting = waiting_harness_queries(target)
        if waiting:
            return waiting[0]
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise AssertionError("the harness never waited on the locked table")


@pytest.mark.parametrize(
    ("signal_name", "exit_code", "said"), [("SIGINT", 130, "interrupted:"), ("SIGTERM", 143, "interrupted by SIGTERM")]
)
def test_a_signal_while_the_harness_waits_on_its_own_query_stops_it_as_interrupted(
    built_minimal, signal_name, exit_code, said
):
    target = built_minimal
    # the application (or a DBA) holds a legacy table: the stage's copy of it waits on the server
    holder = psycopg2.connect(target.dsn, application_name="the application")
    try:
        holder.cursor().execute("lock table public.parts in access exclusive mode")
        process = harness_cli("stage", dsn=target.dsn, background=True)
        # the first query of the stage that reads the table waits (what surrounds it, or its copy)
        waited_on = wait_until_the_harness_waits(target, process)
        assert waited_on["relation"] in ("parts", "public.parts"), waited_on
        sent = time.monotonic()
        process.send_signal(getattr(signal, signal_name))
        _, stderr = process.communicate(timeout=60)
        assert time.monotonic() - sent < 5
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert process.returncode == exit_code, stderr
        assert len(lines) == 1 and lines[0].startswith(said), lines
        assert "statement" not in stderr and "Traceback" not in stderr
        assert waiting_harness_queries(target) == []  # cancelled on the server, not left waiting there
    finally:
        holder.close()


def test_ctrl_c_while_the_cutover_waits_for_the_live_tables_changes_nothing(built_minimal):
    import json

    target = built_minimal
    # the application is in the middle of a write: the swap's lock on the live tables waits for it
    application = psycopg2.connect(target.dsn, application_name="the application")
    try:
        application.cursor().execute("lock table public.inventory in row exclusive mode")
        process = harness_cli("cutover", "--lock-timeout", "600000", dsn=target.dsn, background=True)
        waited_on = wait_until_the_harness_waits(target, process, seconds=120)
        assert waited_on["query"].startswith("lock table"), waited_on
        assert waited_on["relation"] in ("inventory", "public.inventory"), waited_on
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert process.returncode == 130, stderr
        assert len(lines) == 1 and lines[0].startswith("interrupted:"), lines
        assert waiting_harness_queries(target) == []
    finally:
        application.close()
    status = json.loads(harness_cli("--json", "status", dsn=target.dsn).stdout)
    assert status["phase"] == "built" and status["live_holds"] == "legacy", status
