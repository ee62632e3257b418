"""Privileges are never widened, row-level security never hides rows from the stage, and the
preflight knows what the swap needs (issue 27), as the ordinary migration role (owner of its
database, no superuser, no CREATEROLE) on the embedded server.

One migrate serves most of the claims: a database set up as the runbook's privileges section
says (the tables owned by the application role, which the migration role is a member of) with
two more roles a real database has: an API role with grants only and a reporting role with
narrow grants, some of them on columns. The roles are created by the superuser (the migration
role may not)."""

from __future__ import annotations

import json

import psycopg2
import pytest
from helpers import query, scalar
from pool import MIGRATOR, embedded_target
from typer.testing import CliRunner

from harness.cli.commands import app
from harness.common.errors import UsageError
from harness.common.schemas import Schemas
from harness.db import audit, parity, privileges
from harness.db import connection as db
from harness.flows import grants, samples, stage

pytestmark = pytest.mark.timeout(300)  # the module's fixture is one whole migrate; the default is 120 s
PUBLIC = Schemas("public")
OWNER = "abparts_app"  # owns the application's tables (the runbook's set-up)
API = "abparts_api"  # the application's API: grants, not ownership
REPORTING = "abparts_reporting"  # narrow grants: two tables, three columns of users
RUNBOOK_GRANTS = [  # docs/runbook.md#privileges, word for word but for the database's name
    "alter database {db} owner to abparts_migrator",
    "grant connect, create on database {db} to abparts_migrator",
    "grant usage on schema public to abparts_migrator",
    "grant select on all tables in schema public to abparts_migrator",
    "grant trigger on all tables in schema public to abparts_migrator",
    "grant update on all tables in schema public to abparts_migrator",
    "grant abparts_app to abparts_migrator",
]


def as_superuser(database: str, *statements: str) -> None:
    with db.connect(embedded_target(database), autocommit=True) as conn, conn.cursor() as cur:
        for statement in statements:
            cur.execute(statement)


def create_roles(*names: str) -> None:
    with db.connect(embedded_target("postgres"), autocommit=True) as conn, conn.cursor() as cur:
        for name in names:
            cur.execute("select 1 from pg_roles where rolname = %s", (name,))
            if not cur.fetchone():
                cur.execute(f"create role {name} nologin")


def invoke(target, *args: str):
    return CliRunner().invoke(app, ["--dsn", target.dsn, *args])


def one_line(result) -> str:
    assert "Traceback" not in result.output, result.output[-3000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def runbook_setup(database: str) -> None:
    """The legacy tables owned by the application role, the migration role granted what the
    runbook says; an API role with grants and a reporting role with narrow ones."""
    create_roles(OWNER, API, REPORTING)
    tables = "organizations, users, machines, parts, inventory, supplier_orders, supplier_order_items, "
    tables += "customer_orders, customer_order_items, part_usage, stock_adjustments"
    as_superuser(
        database,
        *[f"alter table public.{t} owner to {OWNER}" for t in tables.split(", ")],
        *[g.format(db=database) for g in RUNBOOK_GRANTS],
        f"grant usage on schema public to {API}, {REPORTING}",
        f"grant select, insert, update, delete on all tables in schema public to {API}",
        f"grant select on public.parts, public.inventory to {REPORTING}",
        f"grant select (id, username, email) on public.users to {REPORTING}",
        # planners adjust recommendations; the target has no location column (dropped)
        f"grant update (minimum_stock_recommendation, location) on public.inventory to {REPORTING}",
        # default privileges, of the tables' owner and of another role (the runbook: the migration
        # role is a member of each role that holds default privileges in the live schema); per
        # schema they can only add to the global ones, so a revoke here would be no entry at all
        f"alter default privileges for role {OWNER} in schema public grant usage, select on sequences to {API}",
        f"grant {API} to abparts_migrator",
        f"alter default privileges for role {API} in schema public grant select on tables to {REPORTING}",
    )


@pytest.fixture(scope="module")
def migrated(module_database, migrator_role):
    """The runbook's set-up, migrated (`migrate --yes --json`) by the ordinary role."""

    def prepare(work):
        samples.generate(work, PUBLIC, "minimal_sample")
        runbook_setup(work.database)
        as_migrator = db.Target(db.make_dsn({**work.params, "user": migrator_role}), embedded=True)
        result = invoke(as_migrator, "--json", "migrate", "--yes")
        # the command's idle connection (a process keeps it until it ends) goes before the rename
        as_superuser(
            "postgres",
            f"select pg_terminate_backend(pid) from pg_stat_activity where datname = '{work.database}'"
            f" and usename = '{migrator_role}'",
        )
        return result

    target, result = module_database(prepare)
    return db.Target(db.make_dsn({**target.params, "user": migrator_role}), embedded=True), result


def done(migrated) -> dict:
    target, result = migrated
    assert result.exit_code == 0, result.output[-3000:]
    return json.loads(result.stdout)


def allowed(cur, role: str, statement: str) -> bool:
    """Whether `role` may run `statement`, in the cursor's open transaction: what it does stays
    there, a refusal is undone to a savepoint."""
    cur.execute("savepoint probe")
    try:
        cur.execute(f"set local role {role}")
        cur.execute(statement)
    except psycopg2.errors.InsufficientPrivilege:
        cur.execute("rollback to savepoint probe")
        return False
    cur.execute("reset role")
    cur.execute("release savepoint probe")
    return True


def can(role: str, statement: str, database: str) -> bool:
    """Whether `role` may run `statement` on `database`; nothing it does is kept."""
    with db.connect(embedded_target(database)) as conn, conn.cursor() as cur:
        try:
            return allowed(cur, role, statement)
        finally:
            conn.rollback()


def test_the_runbook_setup_migrates_and_the_reporting_role_gains_nothing(migrated):
    target, _ = migrated
    document = done(migrated)
    assert document["stopped_after"] == "done"
    database = target.database
    assert can(REPORTING, "select * from public.parts", database)
    assert can(REPORTING, "select id, username, email from public.users", database)  # column grants, by name
    for table in ("users", "user_sessions", "security_events", "warehouses", "transactions"):
        assert not can(REPORTING, f"select * from public.{table}", database), table
    assert not can(REPORTING, "select password_hash from public.users", database)
    assert can(REPORTING, "update public.inventory set minimum_stock_recommendation = 1 where false", database)
    assert not can(REPORTING, "update public.inventory set current_stock = 1 where false", database)


def test_the_api_role_with_grants_only_writes_the_new_tables(migrated):
    target, _ = migrated
    done(migrated)
    user = scalar(target, "select id::text from public.users limit 1")
    assert can(
        API,
        f"insert into public.user_sessions (user_id, session_token, expires_at) values ('{user}', 'tok', now())",
        target.database,
    )
    assert can(API, "insert into public.security_events (event_type) values ('login')", target.database)
    # the new tables belong to the role that owned the legacy ones
    owners = {
        r["relowner"]
        for r in query(
            target,
            "select relowner::regrole::text from pg_class c"
            " where relnamespace = 'public'::regnamespace and relkind = 'r'",
        )
    }
    assert owners == {OWNER}


def test_the_live_schema_keeps_its_default_privileges_for_every_kind_of_object(migrated):
    """The new live schema has the legacy schema's default privileges, kind by kind (the legacy
    ones stay with the archived schema), and objects created after the cutover get them."""
    target, _ = migrated
    done(migrated)
    rows = query(
        target,
        "select n.nspname::text as schema, d.defaclrole::regrole::text as role, d.defaclobjtype::text as kind,"
        " d.defaclacl::text as acl from pg_default_acl d join pg_namespace n on n.oid = d.defaclnamespace",
    )
    by_schema: dict[str, set] = {}
    for row in rows:
        by_schema.setdefault(row["schema"], set()).add((row["role"], row["kind"], row["acl"]))
    assert len(by_schema) == 2 and "public" in by_schema, by_schema  # the new live schema and the archive
    assert {(role, kind) for role, kind, _ in by_schema["public"]} == {(OWNER, "S"), (API, "r")}
    assert len(set(map(frozenset, by_schema.values()))) == 1, by_schema

    with db.connect(embedded_target(target.database)) as conn, conn.cursor() as cur:
        cur.execute(f"grant create on schema public to {OWNER}, {API}")  # rolled back with the rest
        assert allowed(cur, OWNER, "create sequence public.probe_sequence")
        assert allowed(cur, API, "create table public.probe_table (id int)")
        assert allowed(cur, API, "select nextval('public.probe_sequence')")
        assert allowed(cur, REPORTING, "select * from public.probe_table")
        assert not allowed(cur, REPORTING, "select nextval('public.probe_sequence')")
        conn.rollback()


def test_the_plan_shows_the_grant_rule_and_the_dropped_column_grant(migrated):
    grants = done(migrated)["plan"]["grants"]
    rows = {(g["table"], g["role"]): g for g in grants["rows"]}
    # the lineage of a manifest a run compiled: a foreign key to users is no flow of rows
    assert grants["rules"]["user_sessions"] == "no legacy source" and grants["rules"]["parts"] == "same name"
    assert grants["rules"]["warehouses"].startswith("derived from ") and "inventory" in grants["rules"]["warehouses"]
    assert rows[("parts", REPORTING)]["privileges"] == ["SELECT"]
    assert rows[("users", REPORTING)]["columns"] == {"SELECT": ["email", "id", "username"]}
    assert ("user_sessions", REPORTING) not in rows
    assert rows[("user_sessions", API)]["privileges"] == ["DELETE", "INSERT", "SELECT", "UPDATE"]
    assert {"table": "inventory", "role": REPORTING, "column": "location", "privilege": "UPDATE"} in grants[
        "dropped_column_grants"
    ]


def test_forced_row_level_security_refuses_the_stage_in_one_line_naming_the_policy(as_migrator):
    target = as_migrator("rls")
    samples.generate(target, PUBLIC, "minimal_sample")  # the role owns the tables: FORCE makes it subject
    as_superuser(
        target.database,
        "alter table public.users enable row level security",
        "alter table public.users force row level security",
        "create policy active_users on public.users using (email is not null)",
    )
    refused = invoke(target, "stage")
    assert refused.exit_code == 2, refused.output
    message = one_line(refused)
    assert "public.users" in message and "active_users" in message
    assert "BYPASSRLS" in message and "NO FORCE ROW LEVEL SECURITY" in message
    assert query(target, "select nspname from pg_namespace where nspname = 'public_stage'") == []


def test_a_policy_on_a_table_the_role_does_not_own_refuses_validate_instead_of_orphans(as_migrator):
    # the documented read-only validation role on tables it does not own: a policy would hide rows
    target = as_migrator("rls-validate")
    samples.generate(target, PUBLIC, "minimal_sample")
    as_superuser(
        target.database,
        "alter table public.inventory owner to postgres",
        f"grant select, trigger, update on public.inventory to {MIGRATOR}",
        "alter table public.inventory enable row level security",
        "create policy own_stock on public.inventory using (current_stock > 0)",
    )
    refused = invoke(target, "validate")
    assert refused.exit_code == 2, refused.output
    message = one_line(refused)
    assert "public.inventory" in message and "own_stock" in message and "orphan" not in message


def test_a_policy_that_comes_after_the_preflight_fails_the_copy_instead_of_filtering(as_migrator, monkeypatch):
    # the stage reads with row_security off: rows a policy would hide fail the copy, named as the preflight does
    target = as_migrator("rls-late")
    samples.generate(target, PUBLIC, "minimal_sample")
    as_superuser(
        target.database,
        "alter table public.part_usage enable row level security",
        "alter table public.part_usage force row level security",
        "create policy recent_usage on public.part_usage using (usage_date > now() - interval '1 day')",
    )
    monkeypatch.setitem(privileges.CHECKS, "read", lambda cur, role, schemas: [])  # the preflight missed it
    with pytest.raises(privileges.PrivilegeMissing, match=r"public\.part_usage .*recent_usage.*nothing was staged"):
        stage.stage(target, PUBLIC, capture=False)
    assert query(target, "select nspname from pg_namespace where nspname = 'public_stage'") == []


def test_a_policy_the_role_bypasses_still_refuses_the_cutover_naming_it(as_migrator):
    target = as_migrator("rls-owner")
    samples.generate(target, PUBLIC, "minimal_sample")  # the owner without FORCE reads every row
    as_superuser(
        target.database,
        "alter table public.users enable row level security",
        "create policy tenant_users on public.users using (organization_id is not null)",
    )
    refused = invoke(target, "migrate", "--yes")
    assert refused.exit_code == 1, refused.output
    message = one_line(refused)
    assert "public.users" in message and "tenant_users" in message and "after-swap" in message
    assert query(target, "select nspname from pg_namespace where nspname = 'public_stage'") == []


def test_a_migration_audit_of_another_owner_is_one_line_naming_the_grant(as_migrator):
    target = as_migrator("audit-owner")
    samples.generate(target, PUBLIC, "minimal_sample")
    with db.connect(embedded_target(target.database)) as conn, conn.cursor() as cur:
        audit.ensure(cur)  # a first run as the superuser
        conn.commit()
    refused = invoke(target, "migrate", "--yes")
    assert refused.exit_code == 2, refused.output
    message = one_line(refused)
    assert "migration_audit" in message and "postgres" in message
    assert f"ALTER SCHEMA migration_audit OWNER TO {MIGRATOR}" in message


def test_a_seed_row_naming_a_role_the_server_lacks_is_refused_before_the_swap(new_database, monkeypatch):
    target = new_database("seed-role")
    wanted = [parity.Adjustment("warehouses", "nobody_here", "SELECT", "grant")]
    monkeypatch.setattr(grants, "adjustments", lambda tables: wanted)
    with db.connect(target) as conn, conn.cursor() as cur:
        with pytest.raises(UsageError, match="names role nobody_here, which this server does not have"):
            grants.inputs(cur)
        monkeypatch.setattr(
            grants, "adjustments", lambda tables: [parity.Adjustment("warehouses", "public", "SELECT", "grant")]
        )
        assert grants.inputs(cur).adjustments[0].role == "public"


def test_an_after_swap_file_that_forgets_the_row_level_security_rolls_the_swap_back(built_as_migrator, tmp_path):
    # the cutover refuses legacy row-level security unless an after-swap file is given; then the swap checks,
    # under its locks, that the file recreated it: a file that forgot is refused and nothing is cut over
    target = built_as_migrator
    policy = "create policy tenant_users on public.users using (organization_id is not null)"
    enable = "alter table public.users enable row level security"
    as_superuser(target.database, enable, policy)
    forgetful = tmp_path / "forgetful.sql"
    forgetful.write_text("select 1;\n")
    refused = invoke(target, "cutover", "--after-swap", str(forgetful))
    assert refused.exit_code == 1, refused.output
    message = one_line(refused)
    assert "did not recreate the legacy row-level security" in message and "tenant_users" in message
    assert "nothing was cut over" in message
    (step,) = query(target, "select outcome, details from migration_audit.steps where step = 'cutover'")
    assert step["outcome"] == "refused" and step["details"]["reason"] == "row_security"
    assert scalar(target, "select count(*) from pg_namespace where nspname like 'public_archive%'") == 0

    recreating = tmp_path / "after_swap.sql"
    recreating.write_text(f"{enable};\n{policy};\n")
    done = invoke(target, "cutover", "--after-swap", str(recreating))
    assert done.exit_code == 0, done.output
    assert query(
        target,
        "select c.relrowsecurity as enabled, p.polname::text as policy from pg_class c"
        " join pg_policy p on p.polrelid = c.oid where c.oid = 'public.users'::regclass",
    ) == [{"enabled": True, "policy": "tenant_users"}]


def test_the_cutover_carries_no_row_level_security_it_was_not_asked_to(migrated):
    target, _ = migrated
    done(migrated)
    assert (
        query(
            target,
            "select relname from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r'"
            " and (relrowsecurity or relforcerowsecurity)",
        )
        == []
    )
    assert (
        query(
            target,
            "select polname from pg_policy p join pg_class c on c.oid = p.polrelid"
            " where c.relnamespace = 'public'::regnamespace",
        )
        == []
    )
