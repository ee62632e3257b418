"""Row-level security never hides rows from the stage, and the preflight knows what the
harness's own schemas need (issue 27), as the ordinary migration role (owner of its database,
no superuser, no CREATEROLE) on the embedded server. Policies and harness schemas of another
owner are made by the superuser."""

from __future__ import annotations

import pytest
from helpers import query
from pool import MIGRATOR, embedded_target
from typer.testing import CliRunner

from harness.cli.commands import app
from harness.common.schemas import Schemas
from harness.db import audit, privileges
from harness.db import connection as db
from harness.flows import samples, stage

PUBLIC = Schemas("public")


def as_superuser(database: str, *statements: str) -> None:
    with db.connect(embedded_target(database), autocommit=True) as conn, conn.cursor() as cur:
        for statement in statements:
            cur.execute(statement)


def invoke(target, *args: str):
    return CliRunner().invoke(app, ["--dsn", target.dsn, *args])


def one_line(result) -> str:
    assert "Traceback" not in result.output, result.output[-3000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


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
