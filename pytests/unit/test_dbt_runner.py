"""dbt's target dirs without a database: one per connection dbt's profile sees
and set of vars, so that dbt's partial parse is found again (a full parse of
the project costs 5-10 s)."""

from __future__ import annotations

from harness import db, dbt_runner
from harness.schemas import Schemas


def test_one_target_dir_per_profile_connection_and_vars_whatever_libpq_adds():
    public = Schemas("public")
    given = db.Target("host=/tmp/socket-dir dbname=abparts user=migrator")
    resolved = db.Target("host=/tmp/socket-dir port=5432 dbname=abparts user=migrator sslmode=prefer "
                         "password=secret channel_binding=prefer gssencmode=prefer")

    def dir_of(target, schemas=public, variables=None):
        return dbt_runner.target_path(dbt_runner._connection_env(target, schemas), variables or schemas.dbt_vars())

    assert dir_of(given) == dir_of(resolved)  # the same connection, spelled out by libpq
    assert dir_of(given).name.startswith("abparts-")
    assert dir_of(given) != dir_of(given.with_database("abparts_copy"))
    assert dir_of(given) != dir_of(db.Target("host=/tmp/socket-dir dbname=abparts user=postgres"))
    assert dir_of(given) != dir_of(db.Target("host=/tmp/socket-dir port=5433 dbname=abparts user=migrator"))
    assert dir_of(given) != dir_of(given, Schemas("erp"))
    assert dir_of(given) != dir_of(given, variables=public.dbt_vars() | {"shadow_schema": "public"})


def test_a_run_sets_the_check_modes_on_dbts_sessions_only_and_puts_the_environment_back(monkeypatch):
    import os

    import dbt.cli.main

    seen = {}

    class Runner:  # dbt itself is not needed to see what its sessions would get
        def __init__(self, callbacks):
            pass

        def invoke(self, cli):
            seen["PGOPTIONS"], seen["PGSSLCERT"] = os.environ.get("PGOPTIONS"), os.environ.get("PGSSLCERT")
            seen["vars"] = cli[cli.index("--vars") + 1]
            return type("Result", (), {"success": True, "result": None, "exception": None})()

    monkeypatch.setattr(dbt.cli.main, "dbtRunner", Runner)
    monkeypatch.delenv("PGOPTIONS", raising=False)
    monkeypatch.delenv("PGSSLCERT", raising=False)
    target = db.Target("host=/tmp/socket-dir dbname=abparts user=migrator options='-c statement_timeout=0' "
                       "sslcert=/tmp/client.crt")
    run = dbt_runner.invoke("build", target, Schemas("public"), modes=("force", "strict"))
    assert run.success
    assert seen["PGOPTIONS"] == "-c statement_timeout=0 -c abparts_migrate.force=on -c abparts_migrate.strict=on"
    assert seen["PGSSLCERT"] == "/tmp/client.crt" and "force" not in seen["vars"]
    assert "PGOPTIONS" not in os.environ and "PGSSLCERT" not in os.environ  # nothing of the run is left behind
