"""The corpus of bad inputs: what an operator or a database can get wrong, and
the one line the harness answers with. pytests/test_corpus.py runs every
case (exit code, the words of the line, no traceback, no password, the live
schema unchanged); docs/troubleshooting.md's table of refusals is generated
from it:

    .venv/bin/python pytests/corpus.py --write docs/troubleshooting.md   (make docs-troubleshooting)

A case names the database state it starts from (shared between cases: a
refusal changes nothing, and the test proves it), optional SQL that makes the
state bad (then the case gets a database of its own), the command, and what
must come back. Keep adding to it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

PASSWORD = "Corpus-Secret-77"  # in every DSN; never in an answer (trust auth ignores it)
MIGRATOR = "abparts_migrator"
GENERATED_MARKER = "<!-- generated from pytests/corpus.py by: make docs-troubleshooting; do not edit by hand -->"


@dataclass(frozen=True)
class Case:
    name: str
    klass: str  # connection | arguments | state | privileges | legacy shape | legacy values | files
    situation: str  # what the operator did, or what the database holds, in words
    args: tuple[str, ...]
    exit: int
    words: tuple[str, ...]  # what the line must say: the object from the input, and the way forward
    state: str = "legacy"  # none | legacy | built | dry | cut | rolled | values
    setup: tuple[str, ...] = ()  # SQL (as the superuser) that makes the case's own copy of the state bad
    dsn: str | None = None  # another DSN ({socket}, {database}); else the state's database
    user: str | None = None  # connect as this role instead of the superuser
    env: dict = field(default_factory=dict)
    changes_live: bool = False  # the one case that must change the live schema: the comparison can fail


def everything_owned_by_migrator_but(table: str) -> tuple[str, ...]:
    return (
        f"alter database {{database}} owner to {MIGRATOR}",
        f"do $$ declare t record; begin for t in select tablename from pg_tables where schemaname = 'public'"
        f" and tablename <> '{table}' loop execute format('alter table public.%I owner to {MIGRATOR}', t.tablename);"
        " end loop; end $$",
        f"grant select on public.{table} to {MIGRATOR}",
    )


# a legacy table made partitioned (by hash of its id) by hand: its rows moved, its name kept
PARTITION_PART_USAGE = (
    "create table public.part_usage_parted (like public.part_usage including all) partition by hash (id)",
    "create table public.part_usage_p0 partition of public.part_usage_parted for values with (modulus 2, remainder 0)",
    "create table public.part_usage_p1 partition of public.part_usage_parted for values with (modulus 2, remainder 1)",
    "insert into public.part_usage_parted select * from public.part_usage",
    "drop table public.part_usage",
    "alter table public.part_usage_parted rename to part_usage",
)


CASES: tuple[Case, ...] = (
    # ---------------------------------------------------------------- connection
    Case("unreachable server", "connection", "the DSN points at a server that is not there",
         ("status",), 2, ("cannot connect to", "***"), state="none",
         dsn="postgresql://admin:{password}@/abparts?host=/nonexistent-socket-dir"),
    Case("unknown database", "connection", "the database does not exist on the server",
         ("status",), 2, ("cannot connect", 'database "no_such_db" does not exist'), state="none",
         dsn="host={socket} user=postgres dbname=no_such_db password={password}"),
    Case("unknown role", "connection", "the role does not exist on the server",
         ("status",), 2, ("cannot connect", 'role "ghost"'), state="none",
         dsn="host={socket} user=ghost dbname=postgres password={password}"),
    Case("malformed DSN", "connection", "a quote in the DSN is not closed",
         ("status",), 2, ("the DSN is not valid", "unterminated quoted string"), state="none",
         dsn="host={socket} password='{password}"),
    Case("malformed URI with a password", "connection", "a URI whose port is not a number, with a password in it",
         ("status",), 2, ("cannot connect to", 'invalid integer value "notaport"'), state="none",
         dsn="postgresql://admin:{password}@localhost:notaport/abparts"),
    Case("unknown DSN parameter", "connection", "a DSN parameter libpq does not know",
         ("status",), 2, ("the DSN is not valid", '"bogus"'), state="none",
         dsn="host={socket} bogus=1 password={password}"),
    Case("malformed HARNESS_DSN", "connection", "HARNESS_DSN holds a DSN that does not parse",
         ("status",), 2, ("the DSN is not valid",), state="none", dsn="",
         env={"HARNESS_DSN": "host={socket} password='{password}"}),
    Case("nothing listening", "connection", "a host and port where no server listens",
         ("status",), 2, ("cannot connect", "localhost"), state="none",
         dsn="host=localhost port=1 user=postgres dbname=postgres connect_timeout=3 password={password}"),
    # ---------------------------------------------------------------- arguments
    Case("schema name with SQL in it", "arguments", "--schema holds something that is not a name",
         ("--schema", "Public; drop", "build"), 2, ("'Public; drop'", "is not valid")),
    Case("schema name too long", "arguments", "--schema longer than 31 characters",
         ("--schema", "s" * 40, "validate"), 2, ("is not valid", "at most 31")),
    Case("the stage as the live schema", "arguments", "--schema names the harness's own stage",
         ("--schema", "public_stage", "validate"), 2, ("public_stage", "one the harness makes")),
    Case("the target as the live schema", "arguments", "--schema names the harness's own target",
         ("--schema", "public_next", "cutover"), 2, ("public_next", "one the harness makes")),
    Case("the audit as the live schema", "arguments", "--schema names the harness's audit schema",
         ("--schema", "migration_audit", "status"), 2, ("migration_audit", "reserved")),
    Case("unknown sample size", "arguments", "a sample size the generator does not have",
         ("sample", "generate", "--size", "huge"), 2, ("huge",), state="none"),
    Case("oversized seed", "arguments", "--seed larger than a bigint",
         ("sample", "generate", "--replace", "--seed", "99999999999999999999"), 2,
         ("--seed 99999999999999999999 is out of range",)),
    Case("negative seed", "arguments", "--seed below zero",
         ("sample", "generate", "--replace", "--seed", "-1"), 2, ("--seed -1 is out of range",)),
    Case("unknown validation phase", "arguments", "--phase that is neither pre nor post",
         ("validate", "--phase", "during"), 2, ("during",), state="none"),
    Case("unknown test type", "arguments", "a rehearsal type that does not exist",
         ("test", "--type", "everything"), 2, ("everything",), state="none"),
    Case("two sample sizes for one rehearsal", "arguments", "--sample-size twice with --type sample",
         ("test", "--type", "sample", "--sample-size", "small_sample", "--sample-size", "large_sample"), 2,
         ("rehearses one size",), state="none"),
    Case("lock timeout too short", "arguments", "--lock-timeout below 10 ms",
         ("cutover", "--lock-timeout", "5"), 2, ("--lock-timeout",), state="none"),
    Case("prune keeping a negative number", "arguments", "--keep below zero",
         ("prune", "--keep", "-1"), 2, ("--keep",), state="none"),
    Case("restore from a missing file", "arguments", "--from names a file that does not exist",
         ("restore", "--from", "backups/nope.dump"), 2, ("backups/nope.dump", "does not exist")),
    Case("restore into a schema and a database", "arguments", "--schema-name and --database together",
         ("restore", "--from", "x.dump", "--schema-name", "a", "--database", "b"), 2, ("exclude each other",)),
    Case("report of an unknown run", "arguments", "a run id with no report",
         ("report", "19990101_000000_beef"), 2, ("19990101_000000_beef", "no report"), state="none"),
    Case("migrate off a terminal without --yes", "arguments", "migrate in a script, without --yes",
         ("migrate",), 2, ("needs a terminal", "--yes")),
    # ---------------------------------------------------------------- state machine
    Case("cutover with nothing built", "state", "cutover before any build",
         ("cutover",), 1, ("nothing is built", "harness build")),
    Case("rollback with nothing cut over", "state", "rollback before any cutover",
         ("rollback",), 1, ("nothing to roll back", "no cutover is in place")),
    Case("build without a stage", "state", "build --no-stage before any stage",
         ("build", "--no-stage"), 1, ("nothing is staged", "harness stage")),
    Case("post-validation with nothing built", "state", "validate --phase post before any build",
         ("validate", "--phase", "post"), 1, ("nothing is built",)),
    Case("cutover of a dry run", "state", "cutover of a target built by migrate --dry-run",
         ("cutover",), 1, ("staged without change capture", "harness build"), state="dry"),
    Case("cutover of an interrupted build", "state", "cutover after a build that was killed",
         ("cutover",), 1, ("did not finish", "harness build"), state="built",
         setup=("update migration_audit.steps set outcome = 'running', finished_at = null"
                " where id = (select max(id) from migration_audit.steps where step = 'build')",)),
    Case("cutover of a changed target", "state", "a table was dropped from the built target by hand",
         ("cutover",), 1, ("public_next is not what run", "table part_usage is missing", "harness build"),
         state="built", setup=("drop table public_next.part_usage",)),
    Case("cutover of a target with rows slipped in", "state", "rows written into the built target around its guard",
         ("cutover",), 1, ("public_next is not what run", "parts has"), state="built",
         setup=("alter table public_next.parts disable trigger user",
                "insert into public_next.parts (id, part_number, name) values (gen_random_uuid(), 'X', 'X')",
                "alter table public_next.parts enable trigger user")),
    Case("a changed stamp on the built target", "state", "the comment of <live>_next was changed by hand",
         ("cutover",), 1, ("public_next is not what run", "stamp"), state="built",
         setup=("comment on schema public_next is 'changed by hand'",)),
    Case("second cutover", "state", "cutover while a cutover is in place",
         ("cutover",), 1, ("a cutover is already in place", "harness rollback"), state="cut"),
    Case("build while cut over", "state", "build while a cutover is in place",
         ("build",), 1, ("a cutover is in place", "roll back first"), state="cut"),
    Case("validate while cut over", "state", "pre-migration validation while a cutover is in place",
         ("validate",), 1, ("a cutover is in place",), state="cut"),
    Case("migrate while cut over", "state", "migrate --yes while a cutover is in place",
         ("migrate", "--yes"), 1, ("a cutover is in place",), state="cut"),
    Case("stage while cut over", "state", "stage while the live schema holds the target",
         ("stage",), 1, ("already holds the target schema", "harness status"), state="cut"),
    Case("the application migrated after the cutover", "state",
         "rollback --force after the application's own Alembic migration changed alembic_version",
         ("rollback", "--force"), 1, ("public.alembic_version changed since the cutover", "app_own_revision",
                                      "The DBA decides"), state="cut",
         setup=("delete from public.alembic_version",
                "insert into public.alembic_version (version_num) values ('app_own_revision')")),
    Case("second rollback", "state", "rollback after the rollback",
         ("rollback",), 1, ("nothing to roll back", "already rolled back"), state="rolled"),
    Case("cutover of a rolled-back run", "state", "cutover of a run that was cut over and rolled back",
         ("cutover",), 1, ("nothing is built", "harness build"), state="rolled"),
    Case("sample over a sample", "state", "sample generate where a sample exists, without --replace",
         ("sample", "generate", "--size", "minimal_sample"), 2, ("already has 11 tables", "--replace")),
    Case("another command holds the schema", "state", "a second command while another works on the schema",
         ("build",), 1, ("schema 'public' is busy", "harness build (pid 4242)", "since"), state="legacy",
         setup=("hold the advisory lock",)),
    # a missing live schema: exit 2 from every command
    *(Case(f"{command} of a missing schema", "state", f"{command} with --schema naming no schema",
           ("--schema", "nowhere", *command.split()), 2, ("schema 'nowhere' does not exist",))
      for command in ("stage", "build", "validate", "cutover", "rollback", "prune", "migrate --yes")),
    # ---------------------------------------------------------------- privileges
    Case("no trigger privilege", "privileges", "the role may not put triggers on a live table",
         ("migrate", "--yes"), 2, ("cannot create triggers on public.inventory",
                                   f"GRANT TRIGGER ON public.inventory TO {MIGRATOR}"),
         user=MIGRATOR, setup=everything_owned_by_migrator_but("inventory")),
    Case("no select privilege", "privileges", "the role may not read a live table",
         ("validate",), 2, ("cannot read public.parts", f"GRANT SELECT ON public.parts TO {MIGRATOR}"),
         user=MIGRATOR, setup=everything_owned_by_migrator_but("parts") + (f"revoke select on public.parts from "
                                                                             f"{MIGRATOR}",)),
    Case("no schema ownership", "privileges", "cutover by a role that does not own the live schema",
         ("cutover",), 2, ("does not own schema public", "GRANT"), state="built", user=MIGRATOR,
         setup=(f"grant create on database {{database}} to {MIGRATOR}",
                f"grant usage on schema public, migration_audit, public_next to {MIGRATOR}",
                f"grant select on all tables in schema public, migration_audit to {MIGRATOR}",
                f"grant select on all tables in schema public_next to {MIGRATOR}")),
    Case("no CREATEDB for a rehearsal", "privileges", "harness test by a role that may not create databases",
         ("test", "--type", "sample", "--sample-size", "minimal_sample"), 2, ("needs CREATEDB",),
         user="abparts_reader", setup=("do $$ begin if not exists (select 1 from pg_roles where rolname ="
                                       " 'abparts_reader') then create role abparts_reader login; end if; end $$",)),
    Case("a read-only session", "privileges", "the role's transactions are read-only",
         ("validate",), 2, ("read-only", "primary"),
         dsn="host={socket} user=postgres dbname={database} options='-c default_transaction_read_only=on'"
             " password={password}"),
    # ---------------------------------------------------------------- legacy shape
    Case("a missing legacy column", "legacy shape", "a column the models read was dropped",
         ("validate",), 2, ("public.users.email is missing", "seeds/legacy_schema_columns.csv"),
         setup=("alter table public.users drop column email",)),
    Case("a retyped legacy column", "legacy shape", "a column has another type than the legacy DDL",
         ("validate",), 2, ("public.inventory.current_stock is numeric", "the models read integer"),
         setup=("alter table public.inventory alter column current_stock type numeric",)),
    Case("a missing legacy table", "legacy shape", "a legacy table was dropped",
         ("validate",), 2, ("not a legacy ABParts schema", "missing tables parts"),
         setup=("drop table public.parts cascade",)),
    Case("not a legacy schema", "legacy shape", "--schema names a schema of other tables",
         ("--schema", "other", "validate"), 2, ("schema 'other' is not a legacy ABParts schema",),
         setup=("create schema other", "create table other.things (id uuid)")),
    Case("an extra legacy column", "legacy shape", "a legacy column the models do not read holds values",
         ("validate",), 1, ("legacy_columns_not_migrated", "organizations.region is not migrated: 3 non-null"),
         setup=("alter table public.organizations add column region text",
                "update public.organizations set region = 'north'")),
    Case("a duplicate legacy id", "legacy shape", "two rows of a legacy table share an id (no primary key)",
         ("validate",), 1, ("public.parts holds rows without an id of their own", "(2 rows)"),
         setup=("alter table public.parts drop constraint parts_pkey cascade",
                "alter table public.parts drop constraint parts_part_number_key",
                "insert into public.parts select * from public.parts order by id limit 1")),
    Case("a partitioned legacy table", "legacy shape", "a legacy table was made a partitioned table",
         ("migrate", "--dry-run"), 2, ("legacy table public.part_usage is partitioned", "plain table"),
         setup=PARTITION_PART_USAGE),
    Case("a partitioned legacy table at the cutover", "legacy shape",
         "a legacy table was made a partitioned table after the build",
         ("cutover",), 2, ("legacy table public.part_usage is partitioned", "plain table"), state="built",
         setup=PARTITION_PART_USAGE),
    # ---------------------------------------------------------------- legacy values (one database holds them all)
    Case("NULL stock", "legacy values", "current_stock is NULL (the live column allows it)",
         ("validate",), 1, ("stock_out_of_range", "ccccc000-0000-0000-0000-000000000001"), state="values"),
    Case("stock too large", "legacy values", "current_stock does not fit numeric(10,3)",
         ("validate",), 1, ("stock_out_of_range", "ccccc000-0000-0000-0000-000000000002"), state="values"),
    Case("order quantity too large", "legacy values", "a supplier order item quantity does not fit numeric(10,3)",
         ("validate",), 1, ("supplier_order_item_quantity_out_of_range", "100000000"), state="values"),
    Case("usage quantity too large", "legacy values", "a part usage quantity does not fit numeric(10,3)",
         ("validate",), 1, ("usage_quantity_out_of_range", "200000000"), state="values"),
    Case("adjustment quantity too large", "legacy values", "a stock adjustment quantity does not fit",
         ("validate",), 1, ("adjustment_quantity_out_of_range", "300000000"), state="values"),
    Case("two rows for one position", "legacy values", "two inventory rows for one organisation and part",
         ("validate",), 1, ("duplicate_inventory_positions", "ccccc000-0000-0000-0000-000000000003"), state="values"),
    Case("an implausible date", "legacy values", "a usage dated in 1900",
         ("validate",), 1, ("implausible_ledger_dates", "1900-01-01"), state="values"),
    Case("an opening balance too large", "legacy values", "stock minus the history does not fit numeric(10,3)",
         ("validate",), 1, ("opening_balance_out_of_range", "stock 9000000"), state="values"),
    # ---------------------------------------------------------------- files
    Case("a damaged report", "files", "the report file was cut short",
         ("report", "19990101_000001_dead_pre"), 2, ("cannot be read as a report",), state="none",
         setup=("file reports/validation_report_19990101_000001_dead_pre.json {\"kind\": ",)),
    Case("a foreign report", "files", "a JSON file in reports/ that the harness did not write",
         ("report", "19990101_000002_dead"), 2, ("is not a report the harness wrote",), state="none",
         setup=("file reports/migration_report_19990101_000002_dead.json {\"hello\": \"world\"}",)),
    Case("restore from a file that is not a backup", "files", "--from names a file that is not a pg_dump archive",
         ("restore", "--from", "{home}/not-a-dump.txt"), 2, ("pg_restore", "not appear to be a valid archive"),
         setup=("file not-a-dump.txt hello",)),
    # ---------------------------------------------------------------- the comparison can fail
    Case("a new sample over the live schema", "arguments", "sample generate --replace: it changes the live schema "
         "(this case proves the corpus would see a change)",
         ("sample", "generate", "--size", "minimal_sample", "--replace", "--seed", "7"), 0,
         ("legacy sample minimal_sample",), changes_live=True),
)

# the values state: one legacy database holding every value problem above
VALUES_SETUP = (
    "alter table public.inventory alter column current_stock drop not null",
    "alter table public.inventory drop constraint inventory_organization_id_part_id_key",
    "update public.inventory set id = 'ccccc000-0000-0000-0000-000000000001', current_stock = null"
    " where id = (select id from public.inventory order by id limit 1)",
    "update public.inventory set id = 'ccccc000-0000-0000-0000-000000000002', current_stock = 20000000"
    " where id = (select id from public.inventory where id::text not like 'ccccc%' order by id limit 1)",
    "insert into public.inventory (id, organization_id, part_id, location, current_stock)"
    " select 'ccccc000-0000-0000-0000-000000000003', organization_id, part_id, location, 1 from public.inventory"
    " where id::text not like 'ccccc%' order by id limit 1",
    "update public.supplier_order_items set quantity = 100000000"
    " where id = (select id from public.supplier_order_items order by id limit 1)",
    "insert into public.part_usage (id, customer_organization_id, part_id, usage_date, quantity_used)"
    " select 'ccccc000-0000-0000-0000-000000000004', organization_id, part_id, '1900-01-01', 200000000"
    " from public.inventory where current_stock is not null order by id limit 1",
    "insert into public.stock_adjustments (id, inventory_id, user_id, quantity_adjusted, reason_code)"
    " select 'ccccc000-0000-0000-0000-000000000005', i.id, u.id, 300000000, 'Other'"
    " from public.inventory i, public.users u where i.current_stock is not null order by i.id, u.id limit 1",
    # an opening balance out of range: 9,000,000 held, 5,000,000 consumed in the history
    "update public.inventory set current_stock = 9000000"
    " where id = (select id from public.inventory where id::text not like 'ccccc%' order by id offset 5 limit 1)",
    "insert into public.part_usage (id, customer_organization_id, part_id, usage_date, quantity_used)"
    " select 'ccccc000-0000-0000-0000-000000000006', organization_id, part_id, now() - interval '1 day', 5000000"
    " from public.inventory where current_stock = 9000000",
)


def troubleshooting_table() -> str:
    lines = ["| class | situation | exit | the line says (in part) |", "|---|---|---|---|"]
    for case in CASES:
        if case.changes_live:
            continue
        said = " … ".join(f"`{w}`" for w in case.words).replace("|", "\\|")
        lines.append(f"| {case.klass} | {case.situation} | {case.exit} | {said} |")
    return "\n".join(lines)


def troubleshooting_document(current: str) -> str:
    head = current.split(GENERATED_MARKER)[0].rstrip("\n")
    return f"{head}\n\n{GENERATED_MARKER}\n\n{troubleshooting_table()}\n"


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"]:
        path = Path(sys.argv[2])
        path.write_text(troubleshooting_document(path.read_text()))
    else:
        print(troubleshooting_table())
