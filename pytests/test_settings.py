"""A server's and a role's settings cannot change the result (harness/common/session.py pins them).

As the ordinary role, with settings a DBA's server carries (`ALTER ROLE ... IN DATABASE ...
SET`, set by the superuser): the target is the one a default server gives, row for row and
hash for hash (one default build, the settings applied to copies of its sample, grouped so
that a difference still names its setting), and each setting alone is pinned in the harness's
and dbt's sessions; a hiding row-level security policy fails instead
of filtering."""

from __future__ import annotations

import pytest
from helpers import FIXTURES, query
from pool import MIGRATOR, embedded_target
from typer.testing import CliRunner

from harness.cli.commands import app
from harness.common import session
from harness.common.schemas import Schemas
from harness.db import connection as db
from harness.db import fingerprint
from harness.dbt_bridge import dbt_runner
from harness.flows import build, migrate, samples

PUBLIC = Schemas("public")

# what a role may carry, set by the superuser; grouped by what they would change, so that a
# difference still names its setting (the message, or the table that differs)
ROLE_SETTINGS = {
    "literals, formats and encoding": (
        "standard_conforming_strings = off",  # '\s' in a regex becomes 's': "Workshop" -> "Work hop"
        "backslash_quote = on",
        "DateStyle = 'SQL, DMY'",  # psycopg2 cannot read the dates
        "IntervalStyle = 'sql_standard'",
        "TimeZone = 'Pacific/Kiritimati'",  # timestamptz '2000-01-01' is 14 hours earlier
        "extra_float_digits = -15",
        "quote_all_identifiers = on",
        "client_encoding = 'LATIN1'",  # an em dash cannot be sent; a value beyond Latin-1 cannot come back
    ),
    "transactions, search path and timeouts": (
        "search_path = pg_catalog",
        "default_transaction_isolation = 'serializable'",
        "default_transaction_read_only = on",  # every write refused
        "default_transaction_deferrable = on",
        "statement_timeout = '1ms'",
        "lock_timeout = '1ms'",
        "idle_in_transaction_session_timeout = '100ms'",
        "idle_session_timeout = '300ms'",
        "transaction_timeout = '400ms'",
    ),
}


def as_role(target) -> db.Target:
    return db.Target(db.make_dsn({**target.params, "user": MIGRATOR}), embedded=True)


def owned_by_the_role(work) -> db.Target:
    with db.connect(embedded_target("postgres"), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(f'alter database "{work.database}" owner to {MIGRATOR}')
    return as_role(work)


def sample_of_the_role(work) -> None:
    """A minimal sample the ordinary role owns, with the rows a setting or a locale would change."""
    role = owned_by_the_role(work)
    samples.generate(role, PUBLIC, "minimal_sample")
    with db.connect(role) as conn, conn.cursor() as cur:
        cur.execute((FIXTURES / "settings_edges.sql").read_text())
        conn.commit()
    role.close()


def built_by_the_role(work) -> None:
    role = owned_by_the_role(work)
    result = build.build(role, PUBLIC)
    assert result.success, result.failure_summary()
    role.close()


def target_facts(target, schema: str = "public_next") -> dict:
    """What identical means here: every table's rows (count and hash) and the catalog's digest."""
    with db.connect(target) as conn, conn.cursor() as cur:
        return {
            "rows": fingerprint.table_hashes(cur, schema),
            "catalog": fingerprint.digest(fingerprint.catalog(cur, schema)),
        }


@pytest.fixture(scope="module")
def default_build(templates, migrator_role):
    """The sample template, and what the role's build of it gives on a default server."""
    sample = templates("settings_sample", sample_of_the_role)
    built = embedded_target(templates("settings_built", built_by_the_role, base=sample))
    facts = target_facts(built)
    built.close()
    return sample, facts


def set_for_role(database: str, settings) -> None:
    with db.connect(embedded_target("postgres"), autocommit=True) as conn, conn.cursor() as cur:
        for setting in settings:
            cur.execute(f'alter role {MIGRATOR} in database "{database}" set {setting}')


def stored_for_role(target) -> list[str]:
    """The settings the role carries in the target's database (pg_db_role_setting)."""
    found = query(
        target,
        "select unnest(setconfig) as setting from pg_db_role_setting"
        " where setrole = current_user::regrole and setdatabase = (select oid from pg_database"
        " where datname = current_database())",
    )
    return [row["setting"] for row in found]


def dbt_session_setting(target, name: str, monkeypatch) -> str:
    """`name` as a session of dbt's has it: the environment dbt_runner.invoke gives dbt, read by libpq
    as dbt-postgres connects (the profile's parameters; PGOPTIONS and PGCLIENTENCODING from the
    environment). dbt itself is not run: a build per setting would cost minutes."""
    import os

    import dbt.cli.main
    import psycopg2

    seen = {}

    class Runner:
        def __init__(self, callbacks):
            pass

        def invoke(self, cli):
            env = os.environ
            conn = psycopg2.connect(
                host=env["HARNESS_PGHOST"],
                port=env.get("HARNESS_PGPORT"),
                user=env["HARNESS_PGUSER"],
                password=env.get("HARNESS_PGPASSWORD"),
                dbname=env["HARNESS_PGDATABASE"],
            )
            try:
                with conn.cursor() as cur:
                    cur.execute("select current_setting(%s)", (name,))
                    seen["value"] = cur.fetchone()[0]
            finally:
                conn.close()
            return type("Result", (), {"success": True, "result": None, "exception": None})()

    monkeypatch.setattr(dbt.cli.main, "dbtRunner", Runner)
    dbt_runner.invoke("build", target, PUBLIC)
    return seen["value"]


@pytest.mark.parametrize("setting", [setting for group in ROLE_SETTINGS.values() for setting in group])
def test_each_setting_a_role_carries_is_pinned_in_the_harnesss_and_dbts_sessions(setting, as_migrator, monkeypatch):
    name = setting.split("=")[0].strip()
    role = as_migrator(name)
    set_for_role(role.database, [setting])
    assert [s for s in stored_for_role(role) if s.lower().startswith(name.lower() + "=")], "the role carries it"
    pinned = session.settings(db.server_version(role)) | {"client_encoding": session.CLIENT_ENCODING}
    with db.connect(role) as conn, conn.cursor() as cur:
        cur.execute("select current_setting(%s)", (name,))
        assert cur.fetchone()[0] == pinned[name], "the harness's own session"
    assert dbt_session_setting(role, name, monkeypatch) == pinned[name], "dbt's session"


@pytest.mark.parametrize("group", list(ROLE_SETTINGS))
def test_a_roles_settings_change_nothing_the_build_makes(group, default_build, as_migrator):
    sample, expected = default_build
    role = as_migrator(group, template=sample)
    set_for_role(role.database, ROLE_SETTINGS[group])
    result = build.build(role, PUBLIC)
    assert result.success, result.failure_summary()
    found = target_facts(role.with_database(role.database))
    assert found["catalog"] == expected["catalog"]
    assert [t for t in expected["rows"] if found["rows"].get(t) != expected["rows"][t]] == []


def test_a_latin1_database_under_the_c_locale_migrates_to_the_same_target(default_build, as_migrator):
    _, expected = default_build
    role = as_migrator("latin1")
    role.close()
    with db.connect(embedded_target("postgres"), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(f'drop database "{role.database}" with (force)')
        cur.execute(
            f"create database \"{role.database}\" template template0 encoding 'LATIN1' locale 'C' owner {MIGRATOR}"
        )
    samples.generate(role, PUBLIC, "minimal_sample")
    with db.connect(role) as conn, conn.cursor() as cur:
        cur.execute((FIXTURES / "settings_edges.sql").read_text())
        conn.commit()
    done = migrate.migrate(role, PUBLIC, confirm=lambda plan: True)
    assert done.stopped_after == "done" and done.post.ok
    found = target_facts(role, "public")
    assert [t for t in expected["rows"] if found["rows"].get(t) != expected["rows"][t]] == []


def test_a_sql_ascii_database_is_refused_in_one_line_naming_the_encoding(as_migrator):
    role = as_migrator("sql_ascii")
    role.close()
    with db.connect(embedded_target("postgres"), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(f'drop database "{role.database}" with (force)')
        cur.execute(
            f"create database \"{role.database}\" template template0 encoding 'SQL_ASCII' locale 'C' owner {MIGRATOR}"
        )
    refused = CliRunner().invoke(app, ["--dsn", role.dsn, "validate"])
    assert refused.exit_code == 2, refused.output
    assert refused.stdout == "" and len(refused.stderr.splitlines()) == 1, refused.output
    assert "SQL_ASCII" in refused.stderr and "Traceback" not in refused.stderr


def test_a_policy_that_hides_legacy_rows_fails_the_stage_instead_of_filtering(as_migrator, templates):
    sample = templates("settings_sample", sample_of_the_role)
    role = as_migrator("row security", template=sample)
    with db.connect(embedded_target(role.database), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("alter table public.parts owner to postgres")
        cur.execute(f"grant select on public.parts to {MIGRATOR}")
        cur.execute("alter table public.parts enable row level security")
        cur.execute("create policy hide_some on public.parts using (part_number like '%1%')")
    with pytest.raises(Exception, match="row-level security"):
        build.build(role, PUBLIC, mode="dry-run")
    assert query(role, "select to_regclass('public_next.parts') as built") == [{"built": None}]


# ---------------------------------------------------------------- failures the server caused


def test_a_statement_timeout_the_operator_set_is_named_in_one_line(built_minimal, monkeypatch):
    monkeypatch.setenv("HARNESS_STATEMENT_TIMEOUT", "1ms")
    failed = CliRunner().invoke(app, ["--dsn", built_minimal.dsn, "build", "--no-stage"])
    assert failed.exit_code == 1, failed.output
    error = [line for line in failed.output.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and "statement_timeout = 1ms" in error[0], failed.output
    assert "HARNESS_STATEMENT_TIMEOUT" in error[0] and "dbt node(s) failed" not in error[0]


# the server's own words when a write finds the disk full (SQLSTATE 53100), raised when the build
# creates the mart dbt starts first (test_trust.py): what a full disk does to whichever node writes
DISK_FULL = """
create schema disk_full;
create function disk_full.on_create() returns event_trigger language plpgsql as $$
begin
    if exists (
        select from pg_event_trigger_ddl_commands()
        where object_identity = 'public_next.maintenance_indicators'
    ) then
        raise exception 'could not extend file "base/16384/41000": No space left on device'
            using errcode = 'disk_full', hint = 'Check free disk space.';
    end if;
end $$;
create event trigger disk_full on ddl_command_end execute function disk_full.on_create();
"""


def test_a_full_disk_during_a_build_is_one_line_naming_it(built_minimal):
    with db.connect(embedded_target(built_minimal.database), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(DISK_FULL)
    failed = CliRunner().invoke(app, ["--dsn", built_minimal.dsn, "build", "--no-stage"])
    assert failed.exit_code == 2, failed.output
    error = [line for line in failed.output.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and "the server ran out of disk space in model maintenance_indicators" in error[0]
    assert "No space left on device" in error[0] and "dbt node(s) failed" not in error[0], failed.output
