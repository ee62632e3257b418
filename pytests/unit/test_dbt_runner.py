"""dbt's target dirs without a database: one per connection dbt's profile sees
and set of vars, so that dbt's partial parse is found again (a full parse of
the project costs 5-10 s)."""

from __future__ import annotations

from harness.common.schemas import Schemas
from harness.db import connection as db
from harness.dbt_bridge import dbt_runner


def test_one_target_dir_per_profile_connection_and_vars_whatever_libpq_adds():
    public = Schemas("public")
    given = db.Target("host=/tmp/socket-dir dbname=abparts user=migrator")
    resolved = db.Target(
        "host=/tmp/socket-dir port=5432 dbname=abparts user=migrator sslmode=prefer "
        "password=secret channel_binding=prefer gssencmode=prefer"
    )

    def dir_of(target, schemas=public, variables=None):
        return dbt_runner.target_path(dbt_runner._connection_env(target, schemas), variables or schemas.dbt_vars())

    assert dir_of(given) == dir_of(resolved)  # the same connection, spelled out by libpq
    assert dir_of(given).name.startswith("abparts-")
    assert dir_of(given) != dir_of(given.with_database("abparts_copy"))
    assert dir_of(given) != dir_of(db.Target("host=/tmp/socket-dir dbname=abparts user=postgres"))
    assert dir_of(given) != dir_of(db.Target("host=/tmp/socket-dir port=5433 dbname=abparts user=migrator"))
    assert dir_of(given) != dir_of(given, Schemas("erp"))
    assert dir_of(given) != dir_of(given, variables=public.dbt_vars() | {"shadow_schema": "elsewhere"})


def fake_dbt(monkeypatch) -> dict:
    """dbt itself is not needed to see what a run would get: the environment and the command line."""
    import os

    import dbt.cli.main

    seen: dict = {}

    class Runner:
        def __init__(self, callbacks):
            pass

        def invoke(self, cli):
            seen["env"] = dict(os.environ)
            seen["vars"] = cli[cli.index("--vars") + 1]
            seen["target_path"] = cli[cli.index("--target-path") + 1]
            return type("Result", (), {"success": True, "result": None, "exception": None})()

    monkeypatch.setattr(dbt.cli.main, "dbtRunner", Runner)
    monkeypatch.setattr(db, "server_version", lambda target: 180000)
    return seen


def test_a_run_sets_the_check_modes_on_dbts_sessions_only_and_puts_the_environment_back(monkeypatch):
    import os

    seen = fake_dbt(monkeypatch)
    monkeypatch.delenv("PGOPTIONS", raising=False)
    monkeypatch.delenv("PGSSLCERT", raising=False)
    target = db.Target(
        "host=/tmp/socket-dir dbname=abparts user=migrator options='-c statement_timeout=0' sslcert=/tmp/client.crt"
    )
    run = dbt_runner.invoke("build", target, Schemas("public"), modes=("force", "strict"))
    assert run.success
    # the DBA's own options, then the check modes, then the pinned settings (harness/common/session.py), which win
    assert seen["env"]["PGOPTIONS"].startswith(
        "-c statement_timeout=0 -c abparts_migrate.force=on -c abparts_migrate.strict=on -c DateStyle=ISO,\\ MDY "
    )
    assert seen["env"]["PGOPTIONS"].endswith("-c idle_session_timeout=0 -c transaction_timeout=0")
    assert seen["env"]["PGCLIENTENCODING"] == "UTF8"
    assert seen["env"]["PGSSLCERT"] == "/tmp/client.crt" and "force" not in seen["vars"]
    assert "PGOPTIONS" not in os.environ and "PGSSLCERT" not in os.environ  # nothing of the run is left behind


def test_where_a_validation_reads_is_named_for_that_run_only_and_keeps_the_builds_parse(monkeypatch):
    import os

    seen = fake_dbt(monkeypatch)
    monkeypatch.setenv("HARNESS_READ_TARGET_FROM", "stray")  # an operator's shell: never reaches a build
    target, public = db.Target("host=/tmp/socket-dir dbname=abparts user=migrator"), Schemas("public")
    dbt_runner.invoke("build", target, public)
    built = dict(seen)
    assert "HARNESS_READ_TARGET_FROM" not in built["env"] and "HARNESS_READ_LEGACY_FROM" not in built["env"]

    after_cutover = dbt_runner.ReadFrom(target_tables="public", legacy_tables="public_stage")
    dbt_runner.invoke("build", target, public, modes=("report",), read_from=after_cutover)
    assert seen["env"]["HARNESS_READ_TARGET_FROM"] == "public"
    assert seen["env"]["HARNESS_READ_LEGACY_FROM"] == "public_stage"
    # the same vars and target dir as the build: dbt's partial parse serves both
    assert (seen["vars"], seen["target_path"]) == (built["vars"], built["target_path"])
    assert os.environ["HARNESS_READ_TARGET_FROM"] == "stray" and "HARNESS_READ_LEGACY_FROM" not in os.environ


def test_the_operators_thread_count_reaches_dbt(monkeypatch):
    seen = fake_dbt(monkeypatch)
    target, public = db.Target("host=/tmp/socket-dir dbname=abparts user=migrator"), Schemas("public")
    monkeypatch.setenv("HARNESS_DBT_THREADS", "1")
    dbt_runner.invoke("build", target, public)
    assert seen["env"]["HARNESS_DBT_THREADS"] == "1"
    monkeypatch.delenv("HARNESS_DBT_THREADS")
    dbt_runner.invoke("build", target, public)
    assert int(seen["env"]["HARNESS_DBT_THREADS"]) >= 2  # by the CPUs
