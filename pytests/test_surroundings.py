"""Everything that lives around the legacy tables survives the cutover, or the cutover refuses by
name (issue 26), on the embedded server as the ordinary migration role (owner of its database, not
a superuser, no CREATEROLE):

- a view and a foreign key in another schema, bound to legacy tables by oid, refuse the cutover
  by name with their definitions; with the DBA's --after-swap file they read and reference the
  new live tables (the view's numbers are theirs), and after a rollback with the --after-rollback
  file the legacy tables again;
- the application's own table with its own sequence comes along into the new live schema,
  writable, and goes back with the legacy schema at the rollback;
- a unique index on lower(email) the DBA added refuses until the after-swap file recreates it
  (verified under the locks: a file that forgets it rolls the whole swap back) or --drop-rule;
- prune refuses rather than cascade into what depends on a schema it would drop.

The inventory itself: harness/db/surroundings.py; the runbook's rules per kind:
docs/runbook.md, "What else is in your database"."""

from __future__ import annotations

import json

import psycopg2
import pytest
from helpers import query, scalar
from pool import embedded_target
from typer.testing import CliRunner

from harness.cli.commands import app
from harness.common import paths
from harness.common.errors import UsageError
from harness.common.schemas import Schemas
from harness.db import connection as db
from harness.db import privileges, swap
from harness.flows import build, cutover, migrate, prune, rollback, state

PUBLIC = Schemas("public")

# what a DBA keeps around the legacy tables: a report in another schema, a foreign key from another
# application, the application's own table with a sequence of its own, a rule added to users
AROUND = (
    "create schema reporting",
    "create view reporting.v_stock as select organization_id, sum(current_stock) as stock"
    " from public.inventory group by organization_id",
    "create schema crm",
    "create table crm.notes (id serial primary key, user_id uuid references public.users (id), body text)",
    "insert into crm.notes (user_id, body) select id, 'met them' from public.users order by id limit 1",
    "create sequence public.ticket_numbers start 100",
    "create table public.app_tickets (id bigint primary key default nextval('public.ticket_numbers'), body text)",
    "insert into public.app_tickets (body) values ('before the cutover')",
    "create unique index users_email_lower_key on public.users (lower(email))",
)
# the DBA's SQL inside the swap: the report over the new tables, the foreign key into the new users
# (NOT VALID: validated after the commit), the rule on the new users; its time is in the lock window
AFTER_SWAP = """
drop view reporting.v_stock;
create view reporting.v_stock as
    select w.organization_id, sum(i.current_stock) as stock
    from public.inventory as i join public.warehouses as w on w.id = i.warehouse_id
    group by w.organization_id;
alter table crm.notes drop constraint notes_user_id_fkey;
alter table crm.notes add constraint notes_user_id_fkey foreign key (user_id) references public.users (id) not valid;
create unique index users_email_lower_key on public.users (lower(email));
select pg_sleep(0.05);
"""
# and back: the definitions the refusal printed
AFTER_ROLLBACK = """
drop view reporting.v_stock;
create view reporting.v_stock as
    select organization_id, sum(current_stock) as stock from public.inventory group by organization_id;
alter table crm.notes drop constraint notes_user_id_fkey;
alter table crm.notes add constraint notes_user_id_fkey foreign key (user_id) references public.users (id) not valid;
"""
REPORTED = "select organization_id::text, stock::numeric from reporting.v_stock order by 1"
LEGACY_STOCK = "select organization_id::text, sum(current_stock)::numeric from public.inventory group by 1 order by 1"
NEW_STOCK = (
    "select w.organization_id::text, sum(i.current_stock)::numeric from public.inventory as i"
    " join public.warehouses as w on w.id = i.warehouse_id group by 1 order by 1"
)


def execute(target, *statements, params=None):
    with db.connect(target) as conn, conn.cursor() as cur:
        for statement in statements:
            cur.execute(statement, params)
        conn.commit()


@pytest.fixture
def surrounded(built_as_migrator):
    """The built minimal sample (with the application's own tables), and AROUND its legacy tables."""
    execute(built_as_migrator, *AROUND)
    return built_as_migrator


def phase(target) -> str:
    with db.connect(target) as conn, conn.cursor() as cur:
        return state.describe(cur, PUBLIC).phase


def rows(target, sql_text: str) -> list[tuple]:
    return [tuple(r.values()) for r in query(target, sql_text)]


def test_the_legacy_schema_as_its_application_made_it_has_nothing_refused_or_left_behind(built_as_migrator):
    # the legacy schema's own keys, indexes, defaults and NOT NULLs (harness/common/legacy.py) are the
    # migration's business: only the application's own tables are listed, carried, and what the
    # legacy tables alone use (the stand-in uuid_generate_v4() where uuid-ossp is missing) stays
    around = {r["object"]: r["cutover"] for r in state.status(built_as_migrator, PUBLIC).to_dict()["surroundings"]}
    carried = {name for name, what in around.items() if what.startswith("carried")}
    assert carried == {"public.app_settings", "public.app_counters"}
    assert around.pop("public.app_counters_id_seq") == "moves with its table"
    assert {name: what for name, what in around.items() if name not in carried} in (
        {},
        {"public.uuid_generate_v4()": "stays with the legacy tables in the archive (they use it)"},
    )


def test_what_the_cutover_cannot_take_along_refuses_it_by_name_with_its_definition(surrounded):
    target = surrounded
    dumps = set(paths.backups_dir().glob("*.dump"))
    refused = CliRunner().invoke(app, ["--dsn", target.dsn, "cutover"])
    assert refused.exit_code == 1, refused.output
    first, *lines = refused.stderr.strip().splitlines()
    assert "nothing was cut over" in first and "Traceback" not in refused.output
    for name in ("view reporting.v_stock", "foreign key crm.notes.notes_user_id_fkey", "users_email_lower_key"):
        assert name in first, first
    # one line per object with its definition now, for the DBA to write the new one
    definitions = "\n".join(lines)
    assert "view reporting.v_stock on public.inventory: SELECT organization_id, sum(current_stock)" in definitions
    assert "FOREIGN KEY (user_id) REFERENCES public.users(id)" in definitions
    assert "CREATE UNIQUE INDEX users_email_lower_key ON public.users USING btree (lower((email)::text))" in definitions
    # refused before the backups (no pg_dump taken for nothing), and nothing changed
    assert phase(target) == "built" and set(paths.backups_dir().glob("*.dump")) == dumps
    (step,) = query(target, "select outcome, details from migration_audit.steps where step = 'cutover'")
    assert step["outcome"] == "refused" and step["details"]["reason"] == "surroundings"

    # the plan says the same, with what the cutover does to each object, and refuses before the question
    with db.connect(target) as conn, conn.cursor() as cur:
        run_id = state.describe(cur, PUBLIC).build_run
    built = build.BuildResult(run_id=run_id, live_schema="public", started_at="")
    plan, refusals = migrate.make_plan(target, PUBLIC, built, False)
    shown = {r["object"]: r["cutover"] for r in plan.to_dict()["surroundings"]}
    assert shown["public.app_tickets"].startswith("carried") and shown["public.ticket_numbers"].startswith("carried")
    assert shown["reporting.v_stock"].startswith("refuses the cutover")
    assert shown["users_email_lower_key"].startswith("refused: an integrity rule the target lacks")
    assert {i.object for i in refusals} == {
        "reporting.v_stock",
        "crm.notes.notes_user_id_fkey",
        "users_email_lower_key",
    }
    # --drop-rule lifts the rule's refusal, and only a rule's name is taken
    _, refusals = migrate.make_plan(target, PUBLIC, built, False, drop_rules=("users_email_lower_key",))
    assert "users_email_lower_key" not in {i.object for i in refusals}
    with pytest.raises(UsageError, match="--drop-rule users_email_key_typo: no integrity rule of that name"):
        migrate.make_plan(target, PUBLIC, built, False, drop_rules=("users_email_key_typo",))
    # and status shows the inventory
    status = CliRunner().invoke(app, ["--dsn", target.dsn, "--json", "status"])
    around = {r["object"]: r for r in json.loads(status.output)["surroundings"]}
    assert around["crm.notes.notes_user_id_fkey"]["type"] == "foreign key"


def test_with_the_dbas_sql_everything_around_survives_the_cutover_and_the_rollback(surrounded, tmp_path):
    target = surrounded
    legacy_stock = rows(target, LEGACY_STOCK)
    assert rows(target, REPORTED) == legacy_stock

    # a file that fails rolls the whole swap back; one that forgets the rule is refused under the locks
    failing = tmp_path / "failing.sql"
    failing.write_text(AFTER_SWAP.replace("public.warehouses", "public.no_such_table"))
    with pytest.raises(swap.SwapRefused, match=r"--after-swap .*failing.sql failed: relation .*no_such_table") as bad:
        cutover.cutover(target, PUBLIC, after_swap=failing)
    assert bad.value.reason == "dba_sql_failed" and phase(target) == "built"
    forgetful = tmp_path / "forgetful.sql"
    forgetful.write_text(AFTER_SWAP.replace("create unique index", "-- create unique index"))
    with pytest.raises(swap.SwapRefused, match="left 1 object.*unique index users_email_lower_key") as forgot:
        cutover.cutover(target, PUBLIC, after_swap=forgetful)
    assert "whole swap was rolled back, nothing was cut over" in forgot.value.message and phase(target) == "built"
    assert scalar(target, "select to_regclass('public.app_tickets') is not null")  # still where it was

    after_swap = tmp_path / "after_swap.sql"
    after_swap.write_text(AFTER_SWAP)
    cut = cutover.cutover(target, PUBLIC, after_swap=after_swap)
    assert phase(target) == "cut over"
    # the DBA's SQL ran under the locks: its time is in the lock window
    assert cut.after_swap_ms >= 50 and cut.lock_window_ms >= cut.after_swap_ms
    # the view reads the new live tables: its numbers are theirs (the same stock, now per warehouse)
    assert rows(target, REPORTED) == rows(target, NEW_STOCK) == legacy_stock
    execute(
        target,
        "update public.inventory set current_stock = current_stock + 7"
        " where id = (select id from public.inventory order by id limit 1)",
    )
    assert rows(target, REPORTED) == rows(target, NEW_STOCK) != legacy_stock
    # the foreign key references the new users: validated after the commit, a note for a new user is taken
    execute(target, "alter table crm.notes validate constraint notes_user_id_fkey")
    organisation, user = query(target, "select organization_id::text, id::text from public.users limit 1")[0].values()
    execute(
        target,
        "insert into public.users (id, organization_id, username, password_hash, email, role)"
        " values ('ee000000-0000-0000-0000-0000000000aa', %(org)s, 'new.user', 'x', 'New.User@example.com', 'user')",
        "insert into crm.notes (user_id, body) values ('ee000000-0000-0000-0000-0000000000aa', 'after the cutover')",
        params={"org": organisation},
    )
    with pytest.raises(psycopg2.errors.ForeignKeyViolation):
        execute(target, "insert into crm.notes (user_id, body) values (gen_random_uuid(), 'nobody')")
    # the rule holds on the new users
    with pytest.raises(psycopg2.errors.UniqueViolation):
        execute(
            target,
            "insert into public.users (organization_id, username, password_hash, email, role)"
            " values (%(org)s, 'new.user.2', 'x', 'new.user@EXAMPLE.com', 'user')",
            params={"org": organisation},
        )
    # the application's table and its sequence came along: in the live schema, writable, numbering on
    assert scalar(target, "select to_regclass('public.app_tickets') is not null")
    assert scalar(target, "select to_regclass(%s) is null", (f"{cut.archive_schema}.app_tickets",))
    execute(target, "insert into public.app_tickets (body) values ('after the cutover')")
    assert rows(target, "select id, body from public.app_tickets order by id") == [
        (100, "before the cutover"),
        (101, "after the cutover"),
    ]
    assert "public.app_tickets" in cut.carried and "public.ticket_numbers" in cut.carried

    # the rollback: the view and the foreign key are bound to the new tables now; refused by name without
    # the DBA's SQL, nothing changed
    execute(target, "delete from crm.notes where user_id = 'ee000000-0000-0000-0000-0000000000aa'")
    execute(target, "delete from public.users where id = 'ee000000-0000-0000-0000-0000000000aa'")
    with pytest.raises(swap.SwapRefused, match="reporting.v_stock") as refused:
        rollback.rollback(target, PUBLIC, force=True)
    assert "crm.notes.notes_user_id_fkey" in refused.value.message and "--after-rollback" in refused.value.message
    assert phase(target) == "cut over"
    after_rollback = tmp_path / "after_rollback.sql"
    after_rollback.write_text(AFTER_ROLLBACK)
    undone = rollback.rollback(target, PUBLIC, force=True, after_rollback=after_rollback)
    assert phase(target) == "rolled back"
    # the view reads the legacy tables again, and the foreign key references the legacy users
    assert rows(target, REPORTED) == rows(target, LEGACY_STOCK)
    assert scalar(
        target, "select confrelid::regclass::text from pg_constraint where conname = 'notes_user_id_fkey'"
    ) in ("users", "public.users")
    execute(target, "alter table crm.notes validate constraint notes_user_id_fkey")
    # the application's table is back with the legacy schema, with the row written after the cutover
    assert "public.app_tickets" in undone.moved_back
    assert rows(target, "select id, body from public.app_tickets order by id")[-1] == (101, "after the cutover")
    execute(target, "insert into public.app_tickets (body) values ('after the rollback')")
    assert scalar(target, "select max(id) from public.app_tickets") == 102


def test_prune_refuses_rather_than_cascade(built_as_migrator):
    target = built_as_migrator
    # an old rolled-back target prune would drop, and a report in another schema still reading it
    old = "public_rolledback_20260101_000000_abcd"
    execute(
        target,
        f"create schema {old}",
        f"create table {old}.warehouses (id uuid primary key, name text)",
        "create schema reporting",
        f"create view reporting.old_warehouses as select count(*) as n from {old}.warehouses",
        "create table reporting.visits (warehouse_id uuid references " + old + ".warehouses (id))",
    )
    refused = CliRunner().invoke(app, ["--dsn", target.dsn, "prune", "--keep", "0", "--yes"])
    assert refused.exit_code == 1, refused.output
    first, *lines = refused.stderr.strip().splitlines()
    assert "view reporting.old_warehouses" in first and "foreign key reporting.visits.visits_warehouse_id_fkey" in first
    assert "nothing was pruned" in first
    assert any(f"FROM {old}.warehouses" in line for line in lines)
    assert scalar(target, "select n from reporting.old_warehouses") == 0  # nothing was dropped
    execute(target, "drop view reporting.old_warehouses", "drop table reporting.visits")
    with db.connect(target) as conn, conn.cursor() as cur:
        assert old in prune._plan(cur, PUBLIC, 0).drop_schemas  # nothing depends on it now: it is pruned


def test_a_carried_object_the_role_may_not_move_or_whose_name_the_target_has_is_refused_first(built_as_migrator):
    target = built_as_migrator
    # a function of the application's table's default, owned by a role the migration role is not a member of
    with db.connect(embedded_target(target.database), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("select 1 from pg_roles where rolname = 'abparts_reporter'")
        if not cur.fetchone():
            cur.execute("create role abparts_reporter nologin")
        cur.execute("create function public.ticket_label() returns text language sql as $$ select 'T' $$")
        cur.execute("alter function public.ticket_label() owner to abparts_reporter")
    execute(target, "create table public.app_labels (label text default public.ticket_label())")
    with pytest.raises(
        privileges.PrivilegeMissing, match=r"cannot move the application's function public.ticket_label\(\)"
    ):
        cutover.cutover(target, PUBLIC)
    with db.connect(embedded_target(target.database), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("drop table public.app_labels")
        cur.execute("drop function public.ticket_label()")
    # an application's table named like one of the target's
    execute(target, "create table public.warehouses (id int)")
    refused = CliRunner().invoke(app, ["--dsn", target.dsn, "cutover"])
    assert refused.exit_code == 1 and "relation warehouses" in refused.stderr and "rename" in refused.stderr
    assert phase(target) == "built"
