"""The corpus of bad inputs: what an operator or a database can get wrong, and
the one line the harness answers with. pytests/test_corpus.py runs every
case (exit code, the words of the line, no traceback, no password, the live
schema unchanged); docs/troubleshooting.md's table of refusals is generated
from it:

    .venv/bin/python pytests/corpus.py --write docs/troubleshooting.md   (make docs-troubleshooting)

A case names the database state it starts from (shared between cases: a
refusal changes nothing, and the test proves it), what makes that state bad if
anything (SQL, the schema's lock held by another command, a live table held by
another session, files in the harness's home: then the case gets a database of
its own), the command, and what must come back: the exit code, the words of the
line and, for a refusal of the swap, the reason its audit step records. Every
refusal the harness can raise needs a case here, or another test of its exit
code and line (pytests/unit/test_refusal_sites.py). Keep adding to it.

Placeholders in a case's SQL, arguments, words, file names and environment:
{socket}, {database} (the case's own), {password}, {home} (HARNESS_HOME), {run}
(the run of the state's build), {source} (the case's database as the harness
names a --from source), {dump} (a backup of the legacy sample's live schema) and
{empty_dump} (a backup holding no table).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from pathlib import Path

PASSWORD = "Corpus-Secret-77"  # in every DSN; never in an answer (trust auth ignores it)
MIGRATOR = "abparts_migrator"
GENERATED_MARKER = "<!-- generated from pytests/corpus.py by: make docs-troubleshooting; do not edit by hand -->"


class Class(StrEnum):
    """What a case gets wrong: the column "class" of docs/troubleshooting.md's table."""

    CONNECTION = "connection"
    ARGUMENTS = "arguments"
    STATE = "state"
    PRIVILEGES = "privileges"
    LEGACY_SHAPE = "legacy shape"
    LEGACY_VALUES = "legacy values"
    FILES = "files"


class State(Enum):
    """The database a case starts from, a minimal sample at some point of a migration (one
    template each, pytests/test_corpus.py)."""

    NO_DATABASE = "none"  # the command fails before it reads one
    LEGACY = "legacy"  # the legacy sample, nothing staged
    BUILT = "built"  # staged with change capture, built into public_next
    DRY = "dry"  # migrated with --dry-run
    CUT = "cut"  # built, then cut over
    ROLLED = "rolled"  # cut over, then rolled back
    VALUES = "values"  # the legacy sample holding every value problem of VALUES_SQL


@dataclass(frozen=True)
class Case:
    name: str
    klass: Class
    situation: str  # what the operator did, or what the database holds, in words
    args: tuple[str, ...]
    exit: int
    words: tuple[str, ...]  # what the line must say: the object from the input, and the way forward
    state: State = State.LEGACY
    # what makes the case's own copy of its state bad:
    sql: tuple[str, ...] = ()  # statements run as the superuser ({database}: the case's database)
    hold_lock: bool = False  # another command (pid 4242) holds the live schema while the case runs
    hold_table: tuple[str, str] | None = None  # (table, lock mode) another session holds in the live schema
    files: dict[str, str] = field(default_factory=dict)  # written under HARNESS_HOME: relative path -> content
    dsn: str | None = None  # another DSN ({socket}, {database}); else the state's database
    user: str | None = None  # connect as this role instead of the superuser
    env: dict = field(default_factory=dict)
    changes_live: bool = False  # the one case that must change the live schema: the comparison can fail
    reason: str | None = None  # a refusal of the swap: the reason its audit step records (outcome refused)

    @property
    def makes_its_state_bad(self) -> bool:
        """Its SQL, the lock or its files: the case runs on a copy of its own, and its answer is its own."""
        return bool(self.sql or self.hold_lock or self.hold_table or self.files)


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
    Case(
        "unreachable server",
        Class.CONNECTION,
        "the DSN points at a server that is not there",
        ("status",),
        2,
        ("cannot connect to", "***"),
        state=State.NO_DATABASE,
        dsn="postgresql://admin:{password}@/abparts?host=/nonexistent-socket-dir",
    ),
    Case(
        "unknown database",
        Class.CONNECTION,
        "the database does not exist on the server",
        ("status",),
        2,
        ("cannot connect", 'database "no_such_db" does not exist'),
        state=State.NO_DATABASE,
        dsn="host={socket} user=postgres dbname=no_such_db password={password}",
    ),
    Case(
        "unknown role",
        Class.CONNECTION,
        "the role does not exist on the server",
        ("status",),
        2,
        ("cannot connect", 'role "ghost"'),
        state=State.NO_DATABASE,
        dsn="host={socket} user=ghost dbname=postgres password={password}",
    ),
    Case(
        "malformed DSN",
        Class.CONNECTION,
        "a quote in the DSN is not closed",
        ("status",),
        2,
        ("error: the DSN is not valid: invalid dsn: unterminated quoted string",),
        state=State.NO_DATABASE,
        dsn="host={socket} password='{password}",
    ),
    Case(
        "malformed URI with a password",
        Class.CONNECTION,
        "a URI whose port is not a number, with a password in it",
        ("status",),
        2,
        ("cannot connect to", 'invalid integer value "notaport"'),
        state=State.NO_DATABASE,
        dsn="postgresql://admin:{password}@localhost:notaport/abparts",
    ),
    Case(
        "unknown DSN parameter",
        Class.CONNECTION,
        "a DSN parameter libpq does not know",
        ("status",),
        2,
        ("the DSN is not valid", '"bogus"'),
        state=State.NO_DATABASE,
        dsn="host={socket} bogus=1 password={password}",
    ),
    Case(
        "malformed HARNESS_DSN",
        Class.CONNECTION,
        "HARNESS_DSN holds a DSN that does not parse",
        ("status",),
        2,
        ("the DSN is not valid",),
        state=State.NO_DATABASE,
        dsn="",
        env={"HARNESS_DSN": "host={socket} password='{password}"},
    ),
    Case(
        "nothing listening",
        Class.CONNECTION,
        "a host and port where no server listens",
        ("status",),
        2,
        ("cannot connect", "localhost"),
        state=State.NO_DATABASE,
        dsn="host=localhost port=1 user=postgres dbname=postgres connect_timeout=3 password={password}",
    ),
    # ---------------------------------------------------------------- arguments
    Case(
        "schema name with SQL in it",
        Class.ARGUMENTS,
        "--schema holds something that is not a name",
        ("--schema", "Public; drop", "build"),
        2,
        ("'Public; drop'", "is not valid: use lower-case letters"),
    ),
    Case(
        "schema name too long",
        Class.ARGUMENTS,
        "--schema longer than 31 characters",
        ("--schema", "s" * 40, "validate"),
        2,
        ("is not valid", "at most 31"),
    ),
    Case(
        "the stage as the live schema",
        Class.ARGUMENTS,
        "--schema names the harness's own stage",
        ("--schema", "public_stage", "validate"),
        2,
        ("public_stage", "one the harness makes"),
    ),
    Case(
        "the target as the live schema",
        Class.ARGUMENTS,
        "--schema names the harness's own target",
        ("--schema", "public_next", "cutover"),
        2,
        ("public_next", "one the harness makes"),
    ),
    Case(
        "the audit as the live schema",
        Class.ARGUMENTS,
        "--schema names the harness's audit schema",
        ("--schema", "migration_audit", "status"),
        2,
        ("error: live schema name 'migration_audit' is reserved",),
    ),
    Case(
        "unknown sample size",
        Class.ARGUMENTS,
        "a sample size the generator does not have",
        ("sample", "generate", "--size", "huge"),
        2,
        ("huge",),
        state=State.NO_DATABASE,
    ),
    Case(
        "oversized seed",
        Class.ARGUMENTS,
        "--seed larger than a bigint",
        ("sample", "generate", "--replace", "--seed", "99999999999999999999"),
        2,
        ("--seed 99999999999999999999 is out of range",),
    ),
    Case(
        "negative seed",
        Class.ARGUMENTS,
        "--seed below zero",
        ("sample", "generate", "--replace", "--seed", "-1"),
        2,
        ("--seed -1 is out of range",),
    ),
    Case(
        "unknown validation phase",
        Class.ARGUMENTS,
        "--phase that is neither pre nor post",
        ("validate", "--phase", "during"),
        2,
        ("during",),
        state=State.NO_DATABASE,
    ),
    Case(
        "unknown test type",
        Class.ARGUMENTS,
        "a rehearsal type that does not exist",
        ("test", "--type", "everything"),
        2,
        ("everything",),
        state=State.NO_DATABASE,
    ),
    Case(
        "two sample sizes for one rehearsal",
        Class.ARGUMENTS,
        "--sample-size twice with --type sample",
        ("test", "--type", "sample", "--sample-size", "small_sample", "--sample-size", "large_sample"),
        2,
        ("rehearses one size",),
        state=State.NO_DATABASE,
    ),
    Case(
        "lock timeout too short",
        Class.ARGUMENTS,
        "--lock-timeout below 10 ms",
        ("cutover", "--lock-timeout", "5"),
        2,
        ("--lock-timeout",),
        state=State.NO_DATABASE,
    ),
    Case(
        "prune keeping a negative number",
        Class.ARGUMENTS,
        "--keep below zero",
        ("prune", "--keep", "-1"),
        2,
        ("--keep",),
        state=State.NO_DATABASE,
    ),
    Case(
        "restore from a missing file",
        Class.ARGUMENTS,
        "--from names a file that does not exist",
        ("restore", "--from", "backups/nope.dump"),
        2,
        ("error: backup file backups/nope.dump does not exist",),
    ),
    Case(
        "restore into a schema and a database",
        Class.ARGUMENTS,
        "--schema-name and --database together",
        ("restore", "--from", "x.dump", "--schema-name", "a", "--database", "b"),
        2,
        ("error: --schema-name and --database exclude each other",),
    ),
    Case(
        "report of an unknown run",
        Class.ARGUMENTS,
        "a run id with no report",
        ("report", "19990101_000000_beef"),
        2,
        ("19990101_000000_beef", "no report"),
        state=State.NO_DATABASE,
    ),
    Case(
        "migrate off a terminal without --yes",
        Class.ARGUMENTS,
        "migrate in a script, without --yes",
        ("migrate",),
        2,
        ("error: migrate needs a terminal to confirm", "--yes"),
    ),
    Case(
        "a statement timeout that is not a duration",
        Class.ARGUMENTS,
        "HARNESS_STATEMENT_TIMEOUT written in words",
        ("validate",),
        2,
        (
            "error: HARNESS_STATEMENT_TIMEOUT='30minutes' is not a duration: give one as PostgreSQL writes it",
            "30min, 2h, 90s, 500ms",
        ),
        state=State.NO_DATABASE,
        dsn="host={socket} user=postgres dbname=postgres password={password}",
        env={"HARNESS_STATEMENT_TIMEOUT": "30 minutes"},
    ),
    # ---------------------------------------------------------------- state machine
    Case(
        "cutover with nothing built",
        Class.STATE,
        "cutover before any build",
        ("cutover",),
        1,
        ("nothing is built", "harness build` (or `harness migrate`) first"),
    ),
    Case(
        "rollback with nothing cut over",
        Class.STATE,
        "rollback before any cutover",
        ("rollback",),
        1,
        ("nothing to roll back", "no cutover is in place"),
    ),
    Case(
        "build without a stage",
        Class.STATE,
        "build --no-stage before any stage",
        ("build", "--no-stage"),
        1,
        ("nothing is staged for this live schema", "harness stage"),
    ),
    Case(
        "post-validation with nothing built",
        Class.STATE,
        "validate --phase post before any build",
        ("validate", "--phase", "post"),
        1,
        ("error: nothing is built for schema 'public': run `harness build` first",),
    ),
    Case(
        "cutover of a dry run",
        Class.STATE,
        "cutover of a target built by migrate --dry-run",
        ("cutover",),
        1,
        ("staged without change capture", "harness build"),
        state=State.DRY,
    ),
    Case(
        "cutover of an interrupted build",
        Class.STATE,
        "cutover after a build that was killed",
        ("cutover",),
        1,
        ("did not finish", "harness build"),
        state=State.BUILT,
        sql=(
            "update migration_audit.steps set outcome = 'running', finished_at = null"
            " where id = (select max(id) from migration_audit.steps where step = 'build')",
        ),
    ),
    Case(
        "cutover of a changed target",
        Class.STATE,
        "a table was dropped from the built target by hand",
        ("cutover",),
        1,
        ("public_next is not what run", "table part_usage is missing", "harness build"),
        state=State.BUILT,
        sql=("drop table public_next.part_usage",),
    ),
    Case(
        "cutover of a target with rows slipped in",
        Class.STATE,
        "rows written into the built target around its guard",
        ("cutover",),
        1,
        ("public_next is not what run", "parts has"),
        state=State.BUILT,
        sql=(
            "alter table public_next.parts disable trigger user",
            "insert into public_next.parts (id, part_number, name) values (gen_random_uuid(), 'X', 'X')",
            "alter table public_next.parts enable trigger user",
        ),
    ),
    Case(
        "a changed stamp on the built target",
        Class.STATE,
        "the comment of <live>_next was changed by hand",
        ("cutover",),
        1,
        ("public_next is not what run", "stamp"),
        state=State.BUILT,
        sql=("comment on schema public_next is 'changed by hand'",),
    ),
    Case(
        "second cutover",
        Class.STATE,
        "cutover while a cutover is in place",
        ("cutover",),
        1,
        ("a cutover is already in place", "harness rollback"),
        state=State.CUT,
    ),
    Case(
        "build while cut over",
        Class.STATE,
        "build while a cutover is in place",
        ("build",),
        1,
        ("a cutover is in place", "roll back first"),
        state=State.CUT,
    ),
    Case(
        "validate while cut over",
        Class.STATE,
        "pre-migration validation while a cutover is in place",
        ("validate",),
        1,
        ("a cutover is in place",),
        state=State.CUT,
    ),
    Case(
        "migrate while cut over",
        Class.STATE,
        "migrate --yes while a cutover is in place",
        ("migrate", "--yes"),
        1,
        ("a cutover is in place",),
        state=State.CUT,
    ),
    Case(
        "stage while cut over",
        Class.STATE,
        "stage while the live schema holds the target",
        ("stage",),
        1,
        ("already holds the target schema (it has warehouses and transactions)", "harness status"),
        state=State.CUT,
    ),
    Case(
        "the application migrated after the cutover",
        Class.STATE,
        "rollback --force after the application's own Alembic migration changed alembic_version",
        ("rollback", "--force"),
        1,
        ("public.alembic_version changed since the cutover", "app_own_revision", "The DBA decides"),
        state=State.CUT,
        reason="alembic_changed",
        sql=(
            "delete from public.alembic_version",
            "insert into public.alembic_version (version_num) values ('app_own_revision')",
        ),
    ),
    Case(
        "second rollback",
        Class.STATE,
        "rollback after the rollback",
        ("rollback",),
        1,
        ("nothing to roll back", "already rolled back"),
        state=State.ROLLED,
    ),
    Case(
        "cutover of a rolled-back run",
        Class.STATE,
        "cutover of a run that was cut over and rolled back",
        ("cutover",),
        1,
        ("nothing is built", "harness build"),
        state=State.ROLLED,
    ),
    Case(
        "sample over a sample",
        Class.STATE,
        "sample generate where a sample exists, without --replace",
        ("sample", "generate", "--size", "minimal_sample"),
        2,
        ("already has 11 tables", "--replace"),
    ),
    Case(
        "another command holds the schema",
        Class.STATE,
        "a second command while another works on the schema",
        ("build",),
        1,
        ("schema 'public' is busy", "harness build (pid 4242)", "since"),
        state=State.LEGACY,
        hold_lock=True,
    ),
    # a missing live schema: exit 2 from every command
    *(
        Case(
            f"{command} of a missing schema",
            Class.STATE,
            f"{command} with --schema naming no schema",
            ("--schema", "nowhere", *command.split()),
            2,
            ("schema 'nowhere' does not exist in this database",),
        )
        for command in ("stage", "build", "validate", "cutover", "rollback", "prune", "migrate --yes")
    ),
    # ---------------------------------------------------------------- privileges
    Case(
        "no trigger privilege",
        Class.PRIVILEGES,
        "the role may not put triggers on a live table",
        ("migrate", "--yes"),
        2,
        ("cannot create triggers on public.inventory", f"GRANT TRIGGER ON public.inventory TO {MIGRATOR}"),
        user=MIGRATOR,
        sql=everything_owned_by_migrator_but("inventory"),
    ),
    Case(
        "no select privilege",
        Class.PRIVILEGES,
        "the role may not read a live table",
        ("validate",),
        2,
        ("cannot read public.parts", f"GRANT SELECT ON public.parts TO {MIGRATOR}"),
        user=MIGRATOR,
        sql=everything_owned_by_migrator_but("parts") + (f"revoke select on public.parts from {MIGRATOR}",),
    ),
    Case(
        "no schema ownership",
        Class.PRIVILEGES,
        "cutover by a role that does not own the live schema",
        ("cutover",),
        2,
        ("does not own schema public", "GRANT"),
        state=State.BUILT,
        user=MIGRATOR,
        sql=(
            f"grant create on database {{database}} to {MIGRATOR}",
            f"grant usage on schema public, migration_audit, public_next to {MIGRATOR}",
            f"grant select on all tables in schema public, migration_audit to {MIGRATOR}",
            f"grant select on all tables in schema public_next to {MIGRATOR}",
        ),
    ),
    Case(
        "no CREATEDB for a rehearsal",
        Class.PRIVILEGES,
        "harness test by a role that may not create databases",
        ("test", "--type", "sample", "--sample-size", "minimal_sample"),
        2,
        ("needs CREATEDB",),
        user="abparts_reader",
        sql=(
            "do $$ begin if not exists (select 1 from pg_roles where rolname ="
            " 'abparts_reader') then create role abparts_reader login; end if; end $$",
        ),
    ),
    Case(
        "a read-only server",
        Class.PRIVILEGES,
        "a server that refuses every write, as a standby does (a role's or the DSN's read-only default is"
        " overridden: the harness pins default_transaction_read_only off)",
        ("validate",),
        2,
        ("error: harness validate: the database refused", "connect to the primary as a role whose transactions"),
        # a standby, as the harness meets it: every DDL refused with SQLSTATE 25006
        sql=(
            "create function public.corpus_standby() returns event_trigger language plpgsql as $$ begin raise"
            " exception using errcode = 'read_only_sql_transaction', message = 'cannot execute ' || tg_tag"
            " || ' in a read-only transaction'; end $$",
            "create event trigger corpus_standby on ddl_command_start execute function public.corpus_standby()",
        ),
    ),
    # ---------------------------------------------------------------- legacy shape
    Case(
        "a missing legacy column",
        Class.LEGACY_SHAPE,
        "a column the models read was dropped",
        ("validate",),
        2,
        ("public.users.email is missing", "seeds/legacy_schema_columns.csv"),
        sql=("alter table public.users drop column email",),
    ),
    Case(
        "a retyped legacy column",
        Class.LEGACY_SHAPE,
        "a column has another type than the legacy DDL",
        ("validate",),
        2,
        ("public.inventory.current_stock is numeric", "the models read integer"),
        sql=("alter table public.inventory alter column current_stock type numeric",),
    ),
    Case(
        "a missing legacy table",
        Class.LEGACY_SHAPE,
        "a legacy table was dropped",
        ("validate",),
        2,
        ("error: schema 'public' is not a legacy ABParts schema: missing tables parts",),
        sql=("drop table public.parts cascade",),
    ),
    Case(
        "not a legacy schema",
        Class.LEGACY_SHAPE,
        "--schema names a schema of other tables",
        ("--schema", "other", "validate"),
        2,
        ("schema 'other' is not a legacy ABParts schema",),
        sql=("create schema other", "create table other.things (id uuid)"),
    ),
    Case(
        "an extra legacy column",
        Class.LEGACY_SHAPE,
        "a legacy column the models do not read holds values",
        ("validate",),
        1,
        ("legacy_columns_not_migrated", "organizations.region is not migrated: 3 non-null"),
        sql=(
            "alter table public.organizations add column region text",
            "update public.organizations set region = 'north'",
        ),
    ),
    Case(
        "a duplicate legacy id",
        Class.LEGACY_SHAPE,
        "two rows of a legacy table share an id (no primary key)",
        ("validate",),
        1,
        ("public.parts holds rows without an id of their own", "(2 rows)"),
        sql=(
            "alter table public.parts drop constraint parts_pkey cascade",
            "alter table public.parts drop constraint parts_part_number_key",
            "insert into public.parts select * from public.parts order by id limit 1",
        ),
    ),
    Case(
        "a partitioned legacy table",
        Class.LEGACY_SHAPE,
        "a legacy table was made a partitioned table",
        ("migrate", "--dry-run"),
        2,
        ("legacy table public.part_usage is partitioned", "migrates plain legacy tables only"),
        sql=PARTITION_PART_USAGE,
    ),
    Case(
        "a partitioned legacy table at the cutover",
        Class.LEGACY_SHAPE,
        "a legacy table was made a partitioned table after the build",
        ("cutover",),
        2,
        ("legacy table public.part_usage is partitioned", "plain table"),
        state=State.BUILT,
        sql=PARTITION_PART_USAGE,
    ),
    # ---------------------------------------------------------------- legacy values (one database holds them all)
    Case(
        "NULL stock",
        Class.LEGACY_VALUES,
        "current_stock is NULL (the live column allows it)",
        ("validate",),
        1,
        ("stock_out_of_range", "ccccc000-0000-0000-0000-000000000001", "error: validation found blocking problems:"),
        state=State.VALUES,
    ),
    Case(
        "stock too large",
        Class.LEGACY_VALUES,
        "current_stock does not fit numeric(10,3)",
        ("validate",),
        1,
        ("stock_out_of_range", "ccccc000-0000-0000-0000-000000000002"),
        state=State.VALUES,
    ),
    Case(
        "order quantity too large",
        Class.LEGACY_VALUES,
        "a supplier order item quantity does not fit numeric(10,3)",
        ("validate",),
        1,
        ("supplier_order_item_quantity_out_of_range", "100000000"),
        state=State.VALUES,
    ),
    Case(
        "usage quantity too large",
        Class.LEGACY_VALUES,
        "a part usage quantity does not fit numeric(10,3)",
        ("validate",),
        1,
        ("usage_quantity_out_of_range", "200000000"),
        state=State.VALUES,
    ),
    Case(
        "adjustment quantity too large",
        Class.LEGACY_VALUES,
        "a stock adjustment quantity does not fit",
        ("validate",),
        1,
        ("adjustment_quantity_out_of_range", "300000000"),
        state=State.VALUES,
    ),
    Case(
        "two rows for one position",
        Class.LEGACY_VALUES,
        "two inventory rows for one organisation and part",
        ("validate",),
        1,
        ("duplicate_inventory_positions", "ccccc000-0000-0000-0000-000000000003"),
        state=State.VALUES,
    ),
    Case(
        "an implausible date",
        Class.LEGACY_VALUES,
        "a usage dated in 1900",
        ("validate",),
        1,
        ("implausible_ledger_dates", "1900-01-01"),
        state=State.VALUES,
    ),
    Case(
        "an opening balance too large",
        Class.LEGACY_VALUES,
        "stock minus the history does not fit numeric(10,3)",
        ("validate",),
        1,
        ("opening_balance_out_of_range", "stock 9000000"),
        state=State.VALUES,
    ),
    # ---------------------------------------------------------------- files
    Case(
        "a damaged report",
        Class.FILES,
        "the report file was cut short",
        ("report", "19990101_000001_dead_pre"),
        2,
        ("cannot be read as a report",),
        state=State.NO_DATABASE,
        files={"reports/validation_report_19990101_000001_dead_pre.json": '{"kind": '},
    ),
    Case(
        "a foreign report",
        Class.FILES,
        "a JSON file in reports/ that the harness did not write",
        ("report", "19990101_000002_dead"),
        2,
        ("is not a report the harness wrote",),
        state=State.NO_DATABASE,
        files={"reports/migration_report_19990101_000002_dead.json": '{"hello": "world"}'},
    ),
    Case(
        "restore from a file that is not a backup",
        Class.FILES,
        "--from names a file that is not a pg_dump archive",
        ("restore", "--from", "{home}/not-a-dump.txt"),
        2,
        ("pg_restore", "not appear to be a valid archive"),
        files={"not-a-dump.txt": "hello"},
    ),
    # ---------------------------------------------------------------- every refusal (test_refusal_sites.py)
    Case(
        "prune off a terminal without --yes",
        Class.ARGUMENTS,
        "prune in a script, without --yes, with something to prune",
        ("prune",),
        2,
        ("error: prune needs a terminal to confirm", "--yes"),
        state=State.ROLLED,
    ),
    Case(
        "a report before any",
        Class.FILES,
        "harness report where no command wrote a report yet",
        ("report",),
        2,
        ("error: no report yet in", "run `harness build` or `harness validate`"),
        state=State.NO_DATABASE,
        env={"HARNESS_HOME": "{home}/no-report-yet"},
    ),
    Case(
        "a rehearsal of a database and a backup",
        Class.ARGUMENTS,
        "harness test --type rehearsal with --from and --from-backup",
        ("test", "--type", "rehearsal", "--from", "host=/nonexistent-socket-dir", "--from-backup", "x.dump"),
        2,
        ("error: --from and --from-backup exclude each other",),
        state=State.NO_DATABASE,
    ),
    Case(
        "a rehearsal of nothing",
        Class.ARGUMENTS,
        "harness test --type rehearsal without --from or --from-backup",
        ("test", "--type", "rehearsal"),
        2,
        ("error: --type rehearsal copies a database: give --from DSN",),
        state=State.NO_DATABASE,
    ),
    Case(
        "a rehearsal's sample of a backup",
        Class.ARGUMENTS,
        "harness test --type rehearsal --sample with --from-backup",
        ("test", "--type", "rehearsal", "--from-backup", "x.dump", "--sample", "small_sample"),
        2,
        ("error: --sample extracts from a database: give --from DSN",),
        state=State.NO_DATABASE,
    ),
    Case(
        "a rehearsal of a database without a legacy schema",
        Class.LEGACY_SHAPE,
        "harness test --type rehearsal --from a database that holds no legacy schema",
        ("test", "--type", "rehearsal", "--from", "host={socket} user=postgres dbname=postgres"),
        2,
        ("has no legacy ABParts schema 'public' (missing tables", "nothing was copied"),
    ),
    Case(
        "a rehearsal on the source's own server",
        Class.ARGUMENTS,
        "harness test --type rehearsal --from a database of the server the copy would be made on",
        ("test", "--type", "rehearsal", "--from", "host={socket} user=postgres dbname={database}"),
        2,
        ("error: the copy would be made on the source's own server", "--same-server"),
    ),
    Case(
        "the demo on a server of your own",
        Class.ARGUMENTS,
        "harness demo with --dsn",
        ("demo",),
        2,
        ("error: the demo runs on the embedded server only", "drop --dsn"),
    ),
    Case(
        "extract anonymised and with personal data",
        Class.ARGUMENTS,
        "sample extract --anonymise --keep-personal-data",
        ("sample", "extract", "--from", "host=/nonexistent-socket-dir", "--anonymise", "--keep-personal-data"),
        2,
        ("error: --anonymise and --keep-personal-data contradict each other",),
        state=State.NO_DATABASE,
    ),
    Case(
        "extract with personal data, unsaid",
        Class.ARGUMENTS,
        "sample extract --no-anonymise without --keep-personal-data",
        ("sample", "extract", "--from", "host=/nonexistent-socket-dir", "--no-anonymise"),
        2,
        ("error: --no-anonymise copies names, emails", "--keep-personal-data"),
        state=State.NO_DATABASE,
    ),
    Case(
        "extract of two sizes",
        Class.ARGUMENTS,
        "sample extract --size and --all together",
        ("sample", "extract", "--from", "host=/nonexistent-socket-dir", "--size", "small_sample", "--all"),
        2,
        ("error: --size, --organizations and --all choose the extract's size",),
        state=State.NO_DATABASE,
    ),
    Case(
        "extract of no organisation",
        Class.ARGUMENTS,
        "sample extract --organizations 0",
        ("sample", "extract", "--from", "host=/nonexistent-socket-dir", "--organizations", "0"),
        2,
        ("error: --organizations 0: give a whole number of 1 or more",),
        state=State.NO_DATABASE,
    ),
    Case(
        "extract onto itself",
        Class.ARGUMENTS,
        "sample extract whose destination is its source",
        ("sample", "extract", "--from", "host={socket} user=postgres dbname={database}"),
        2,
        ("error: the destination is the source", "extract into another --schema"),
    ),
    Case(
        "extract over a schema that holds something",
        Class.ARGUMENTS,
        "sample extract into a schema that has a table",
        ("--schema", "copy", "sample", "extract", "--from", "host={socket} user=postgres dbname={database}"),
        2,
        ("is not empty (1 relations and functions); an extract never writes over anything",),
        sql=("create schema copy", "create table copy.keep_me (id int)"),
    ),
    Case(
        "extract from a schema that does not exist",
        Class.ARGUMENTS,
        "sample extract --from-schema naming no schema",
        (
            "--schema",
            "copy",
            "sample",
            "extract",
            "--from",
            "host={socket} user=postgres dbname={database}",
            "--from-schema",
            "nowhere",
        ),
        2,
        ("schema 'nowhere' does not exist (--from-schema names the legacy schema)",),
    ),
    Case(
        "extract from the target schema",
        Class.STATE,
        "sample extract from a database that was cut over",
        ("--schema", "copy", "sample", "extract", "--from", "host={socket} user=postgres dbname={database}"),
        2,
        ("holds the target schema (warehouses, transactions), not the legacy one",),
        state=State.CUT,
    ),
    Case(
        "extract from a schema without a legacy table",
        Class.LEGACY_SHAPE,
        "sample extract from a legacy schema a table was dropped from",
        ("--schema", "copy", "sample", "extract", "--from", "host={socket} user=postgres dbname={database}"),
        2,
        ("error: source {source}, schema 'public' is not a legacy ABParts schema: missing tables parts",),
        sql=("drop table public.parts cascade",),
    ),
    Case(
        "extract by a role that may not read",
        Class.PRIVILEGES,
        "sample extract from a source the role may not read",
        ("--schema", "copy", "sample", "extract", "--from", f"host={{socket}} user={MIGRATOR} dbname={{database}}"),
        2,
        (f"the role {MIGRATOR} may not read public.", "GRANT SELECT ON ALL TABLES IN SCHEMA public TO it"),
    ),
    Case(
        "extract of a table row-level security hides",
        Class.PRIVILEGES,
        "sample extract by a role row-level security hides a legacy table's rows from",
        ("--schema", "copy", "sample", "extract", "--from", f"host={{socket}} user={MIGRATOR} dbname={{database}}"),
        1,
        ("public.users has row-level security with no policy", "which would hide rows from this role", "BYPASSRLS"),
        sql=(
            f"grant select on all tables in schema public to {MIGRATOR}",
            "alter table public.users enable row level security",
        ),
    ),
    Case(
        "extract of a column it cannot anonymise",
        Class.LEGACY_SHAPE,
        "sample extract of a legacy table with a json column of the application's own",
        ("--schema", "copy", "sample", "extract", "--from", "host={socket} user=postgres dbname={database}"),
        2,
        ("public.parts.extra (jsonb) is not a legacy column and its type may hold anything",),
        sql=("alter table public.parts add column extra jsonb",),
    ),
    Case(
        "restore over the live schema",
        Class.FILES,
        "restore a backup into the schema it came from",
        ("restore", "--from", "{dump}", "--schema-name", "public"),
        2,
        ("error: schema 'public' already exists; choose another with --schema-name",),
    ),
    Case(
        "restore over an earlier restore",
        Class.FILES,
        "restore a backup where <live>_restored exists",
        ("restore", "--from", "{dump}"),
        2,
        ("error: schema 'public_restored' already exists; choose another with --schema-name",),
        sql=("create schema public_restored",),
    ),
    Case(
        "restore over the built target",
        Class.FILES,
        "restore a backup into <live>_next",
        ("restore", "--from", "{dump}", "--schema-name", "public_next"),
        2,
        ("error: schema 'public_next' already exists; choose another with --schema-name",),
        state=State.BUILT,
    ),
    Case(
        "restore over the database itself",
        Class.FILES,
        "restore a backup into a new database named like the one connected to",
        ("restore", "--from", "{dump}", "--database", "{database}"),
        2,
        ("error: database '{database}' already exists; choose another",),
    ),
    Case(
        "restore over another database",
        Class.FILES,
        "restore a backup into a new database named like another of the server",
        ("restore", "--from", "{dump}", "--database", "postgres"),
        2,
        ("error: database 'postgres' already exists; choose another",),
    ),
    Case(
        "restore a backup of nothing",
        Class.FILES,
        "restore a pg_dump file that holds no table",
        ("restore", "--from", "{empty_dump}"),
        2,
        ("holds no table: is it a backup written by the harness?",),
    ),
    Case(
        "a sample over the application's tables",
        Class.STATE,
        "sample generate --replace where the live schema is not a generated sample",
        ("sample", "generate", "--size", "minimal_sample", "--replace"),
        2,
        ("holds tables that this tool did not generate; refusing to replace them",),
        sql=("comment on schema public is 'the application''s own'",),
    ),
    Case(
        "a run id that is not one",
        Class.STATE,
        "the audit names a cutover by a run id the harness never makes",
        ("rollback",),
        2,
        ("error: run id 'not-a-run' is not valid: expected YYYYMMDD_HHMMSS_xxxx",),
        state=State.CUT,
        sql=("update migration_audit.steps set run_id = 'not-a-run' where step = 'cutover'",),
    ),
    Case(
        "cutover of a live schema that is no legacy schema",
        Class.STATE,
        "cutover after a legacy table was dropped from the live schema",
        ("cutover",),
        1,
        ("error: schema 'public' is not a legacy ABParts schema (other); nothing to cut over",),
        state=State.BUILT,
        sql=("drop table public.users cascade",),
    ),
    Case(
        "cutover of legacy tables with row-level security",
        Class.LEGACY_SHAPE,
        "cutover when a legacy table has row-level security the swap would not carry",
        ("cutover",),
        1,
        ("error: the cutover does not carry row-level security to the new tables", "public.users"),
        state=State.BUILT,
        sql=("alter table public.users enable row level security",),
    ),
    Case(
        "cutover after a failed build",
        Class.STATE,
        "cutover when the newest build failed",
        ("cutover",),
        1,
        ("failed: fix it and rebuild before cutting over",),
        state=State.BUILT,
        sql=(
            "update migration_audit.steps set outcome = 'failed'"
            " where id = (select max(id) from migration_audit.steps where step = 'build')",
        ),
    ),
    Case(
        "cutover of a rolled-back run's target",
        Class.STATE,
        "cutover of a run that was cut over and rolled back, a <live>_next in place again",
        ("cutover",),
        1,
        ("was cut over and rolled back; a new cutover needs a new run", "harness build"),
        state=State.ROLLED,
        sql=("create schema public_next",),
    ),
    Case(
        "cutover after another stage took the capture",
        Class.STATE,
        "cutover when the change capture reports to another run than the build's",
        ("cutover",),
        1,
        ("belongs to run 20000101_000000_abcd, not to the built run", "harness build"),
        state=State.BUILT,
        sql=("update migration_audit.capture_runs set run_id = '20000101_000000_abcd' where side = 'legacy'",),
    ),
    Case(
        "cutover where the archive's name is taken",
        Class.STATE,
        "cutover when <live>_archive_<run> exists already",
        ("cutover",),
        1,
        ("schema 'public_archive_{run}' already exists; run `harness status`",),
        state=State.BUILT,
        sql=("create schema public_archive_{run}",),
    ),
    Case(
        "cutover of a build without its fingerprint",
        Class.STATE,
        "cutover when the build's audit row lost its fingerprint",
        ("cutover",),
        1,
        ("left no fingerprint to check public_next against", "harness build"),
        state=State.BUILT,
        sql=(
            "update migration_audit.steps set details = details - 'fingerprint'"
            " where id = (select max(id) from migration_audit.steps where step = 'build')",
        ),
    ),
    Case(
        "cutover after 100 attempts of the same run",
        Class.FILES,
        "cutover when backups/ holds 100 backups named like the run's",
        ("cutover",),
        1,
        ("backup files named like", "exist already: prune backups/ first"),
        state=State.BUILT,
        files={f"backups/public_{{run}}{'' if n == 0 else f'.{n}'}.dump": "an earlier backup" for n in range(100)},
    ),
    Case(
        "the application wrote since the stage",
        Class.STATE,
        "cutover after a write to a live table since the stage",
        ("cutover",),
        1,
        ("error: the live schema 'public' changed since the stage of run", "(parts 1 writes)", "--catch-up"),
        state=State.BUILT,
        sql=(
            "update public.parts set name = name || ' (renamed)'"
            " where id = (select id from public.parts order by id limit 1)",
        ),
        reason="drift",
    ),
    Case(
        "writes to the target since the cutover",
        Class.STATE,
        "rollback after the application wrote to the new live schema",
        ("rollback",),
        1,
        ("writes were made to 'public' after the cutover of run", "(parts 1)", "harness rollback --force"),
        state=State.CUT,
        sql=(
            "update public.parts set name = name || ' (renamed)'"
            " where id = (select id from public.parts order by id limit 1)",
        ),
        reason="writes_after_cutover",
    ),
    Case(
        "a write since the cutover to a table without a primary key",
        Class.STATE,
        "rollback --force after a write to a target table whose primary key was dropped",
        ("rollback", "--force"),
        1,
        ("writes to public.security_events since the cutover of run", "cannot be carried back", "no primary key"),
        state=State.CUT,
        sql=(
            "do $$ declare k text; begin select conname into k from pg_constraint where conrelid ="
            " 'public.security_events'::regclass and contype = 'p';"
            " execute format('alter table public.security_events drop constraint %I', k); end $$",
            "drop trigger abparts_migrate_capture on public.security_events",
            "create trigger abparts_migrate_capture after insert or update or delete on public.security_events"
            " for each row execute function migration_audit.capture_change('public', 'target')",
            "insert into public.security_events (id, event_type) values (gen_random_uuid(), 'login')",
        ),
        reason="not_carriable",
    ),
    Case(
        "rollback without its archive",
        Class.STATE,
        "rollback after the archive of the cutover was dropped",
        ("rollback",),
        1,
        ("is gone (pruned?): restore it from backups/ with `harness restore`",),
        state=State.CUT,
        sql=("drop schema public_archive_{run} cascade",),
    ),
    Case(
        "post-validation without the archive",
        Class.STATE,
        "validate --phase post after the cutover's stage and archive were dropped",
        ("validate", "--phase", "post"),
        1,
        ("of the cutover is gone (pruned?); post validation needs it",),
        state=State.CUT,
        sql=("drop schema public_stage cascade", "drop schema public_archive_{run} cascade"),
    ),
    Case(
        "post-validation of a failed build",
        Class.STATE,
        "validate --phase post when the newest build failed",
        ("validate", "--phase", "post"),
        1,
        ("failed: fix it and rebuild first",),
        state=State.BUILT,
        sql=(
            "update migration_audit.steps set outcome = 'failed'"
            " where id = (select max(id) from migration_audit.steps where step = 'build')",
        ),
    ),
    Case(
        "post-validation after a new stage",
        Class.STATE,
        "validate --phase post when a stage of another run replaced the build's",
        ("validate", "--phase", "post"),
        1,
        ("the stage was replaced after the build", "harness build"),
        state=State.BUILT,
        sql=(
            "insert into migration_audit.steps (live_schema, run_id, step, started_at, finished_at, outcome)"
            " values ('public', '20000101_000000_abcd', 'stage', now(), now(), 'ok')",
        ),
    ),
    Case(
        "build without its stage schema",
        Class.STATE,
        "build --no-stage after the stage schema was dropped",
        ("build", "--no-stage"),
        1,
        ("the stage schema 'public_stage' is gone", "harness stage"),
        state=State.BUILT,
        sql=("drop schema public_stage cascade",),
    ),
    Case(
        "a build a critical finding fails",
        Class.LEGACY_VALUES,
        "build where a user's role is in no role map",
        ("build",),
        1,
        ("error: build of run", "unmapped_roles"),
        state=State.BUILT,
        sql=(
            "update public.users set role = 'Regional Manager'"
            " where id = (select id from public.users order by id limit 1)",
        ),
    ),
    Case(
        "stage while the application holds a legacy table",
        Class.STATE,
        "the first stage while a transaction of the application writes to a legacy table",
        ("stage",),
        1,
        ("could not install change capture on public.organizations", "Capture is on 0 of the 11 legacy tables"),
        hold_table=("organizations", "row exclusive"),
    ),
    Case(
        "rollback while the application holds a live table",
        Class.STATE,
        "rollback --lock-timeout 10 --retries 0 while a transaction of the application writes to a live table",
        ("rollback", "--lock-timeout", "10", "--retries", "0"),
        1,
        ("could not get the locks for the rollback of public within 10 ms after 1 attempts",),
        state=State.CUT,
        hold_table=("parts", "row exclusive"),
    ),
    Case(
        "prune while the application reads a live table",
        Class.STATE,
        "prune --yes of an abandoned build's capture while a transaction of the application reads a live table",
        ("prune", "--yes"),
        1,
        ("could not take change capture off public.customer_order_items", "prune again"),
        state=State.BUILT,
        hold_table=("customer_order_items", "access share"),
    ),
    # each kind of change to the built target, made around its read-only guard: never cut over (refused
    # before the backups; one made during them is refused under the swap's locks: test_refusals.py)
    Case(
        "rows of the built target updated in place",
        Class.STATE,
        "a row of <live>_next updated with its guard disabled for a moment (the row counts unchanged)",
        ("cutover",),
        1,
        ("public_next is not what run", "1 rows of parts were written after the seal", "harness build"),
        state=State.BUILT,
        sql=(
            "alter table public_next.parts disable trigger user",
            "update public_next.parts set name = 'Changed'"
            " where id = (select id from public_next.parts order by id limit 1)",
            "alter table public_next.parts enable trigger user",
        ),
    ),
    Case(
        "rows of the built target written with triggers off",
        Class.STATE,
        "a row of <live>_next updated by a superuser with session_replication_role = replica (no DDL at all)",
        ("cutover",),
        1,
        ("public_next is not what run", "1 rows of parts were written after the seal"),
        state=State.BUILT,
        sql=(
            "set session_replication_role = replica",
            "update public_next.parts set name = 'Changed'"
            " where id = (select id from public_next.parts order by id limit 1)",
        ),
    ),
    Case(
        "a column added to the built target",
        Class.STATE,
        "a column added to a table of <live>_next",
        ("cutover",),
        1,
        ("public_next is not what run", "note is new", "harness build"),
        state=State.BUILT,
        sql=("alter table public_next.parts add column note text",),
    ),
    Case(
        "an index added to the built target",
        Class.STATE,
        "an index created on a table of <live>_next",
        ("cutover",),
        1,
        ("public_next is not what run", "is new"),
        state=State.BUILT,
        sql=("create index corpus_parts_name on public_next.parts (name)",),
    ),
    Case(
        "a trigger added to the built target",
        Class.STATE,
        "a trigger created on a table of <live>_next",
        ("cutover",),
        1,
        ("public_next is not what run", "trigger parts corpus_extra"),
        state=State.BUILT,
        sql=(
            "create trigger corpus_extra after insert on public_next.parts for each row"
            " execute function migration_audit.capture_change('public', 'target')",
        ),
    ),
    Case(
        "the built target's guard disabled",
        Class.STATE,
        "the read-only guard of a table of <live>_next disabled and left so",
        ("cutover",),
        1,
        ("public_next is not what run", "trigger parts abparts_migrate_read_only"),
        state=State.BUILT,
        sql=("alter table public_next.parts disable trigger abparts_migrate_read_only",),
    ),
    Case(
        "a grant on the built target's table",
        Class.STATE,
        "a privilege on a table of <live>_next granted to PUBLIC",
        ("cutover",),
        1,
        ("public_next is not what run", "table_grant parts"),
        state=State.BUILT,
        sql=("grant insert on public_next.parts to public",),
    ),
    Case(
        "a grant on the built target's schema",
        Class.STATE,
        "a privilege on <live>_next itself granted to PUBLIC",
        ("cutover",),
        1,
        ("public_next is not what run", "schema_grant"),
        state=State.BUILT,
        sql=("grant create on schema public_next to public",),
    ),
    # what surrounds the legacy tables (harness/db/surroundings.py): refused by name, or the DBA's SQL
    Case(
        "a view elsewhere on a legacy table",
        Class.STATE,
        "cutover while a view in another schema reads a legacy table, without an --after-swap file",
        ("cutover",),
        1,
        (
            "error: the cutover of public cannot take along 1 object(s) around its tables: view reporting.v_stock",
            "recreate or re-point each dependant in --after-swap FILE",
        ),
        state=State.BUILT,
        sql=(
            "create schema reporting",
            "create view reporting.v_stock as select organization_id, sum(current_stock) as stock"
            " from public.inventory group by organization_id",
        ),
        reason="surroundings",
    ),
    Case(
        "a rule --drop-rule does not know",
        Class.ARGUMENTS,
        "cutover --drop-rule naming no integrity rule of the legacy tables (a typo)",
        ("cutover", "--drop-rule", "users_email_key_typo"),
        2,
        ("--drop-rule users_email_key_typo: no integrity rule of that name on the legacy tables of public",),
        state=State.BUILT,
    ),
    Case(
        "an after-swap file that is not there",
        Class.FILES,
        "cutover --after-swap naming a file that does not exist",
        ("cutover", "--after-swap", "{home}/no_such_after_swap.sql"),
        2,
        ("--after-swap {home}/no_such_after_swap.sql: cannot read it (No such file or directory)",),
        state=State.BUILT,
    ),
    Case(
        "an empty after-swap file",
        Class.FILES,
        "cutover --after-swap with a file holding only blank lines",
        ("cutover", "--after-swap", "{home}/after_swap_empty.sql"),
        2,
        ("--after-swap {home}/after_swap_empty.sql is empty: it holds no SQL to run inside the swap",),
        state=State.BUILT,
        files={"after_swap_empty.sql": "\n\n"},
    ),
    Case(
        "an after-swap file that commits",
        Class.FILES,
        "cutover --after-swap with a file that ends with COMMIT",
        ("cutover", "--after-swap", "{home}/after_swap_commit.sql"),
        2,
        (
            "--after-swap {home}/after_swap_commit.sql has a transaction command (commit)",
            "leave BEGIN, COMMIT, ROLLBACK and SAVEPOINT out",
        ),
        state=State.BUILT,
        files={"after_swap_commit.sql": "create schema reporting;\ncommit;\n"},
    ),
    Case(
        "an after-rollback file that fails",
        Class.FILES,
        "rollback --after-rollback with a file whose SQL fails inside the swap",
        ("rollback", "--after-rollback", "{home}/after_rollback_failing.sql"),
        1,
        (
            "error: --after-rollback {home}/after_rollback_failing.sql failed: relation"
            ' "public.no_such_table" does not exist; the whole swap was rolled back, nothing was rolled back',
        ),
        state=State.CUT,
        files={"after_rollback_failing.sql": "select count(*) from public.no_such_table;\n"},
        reason="dba_sql_failed",
    ),
    Case(
        "prune of a schema a view elsewhere reads",
        Class.STATE,
        "prune --keep 0 while a view in another schema reads the rolled-back target prune would drop",
        ("prune", "--keep", "0", "--yes"),
        1,
        (
            "error: prune would drop 1 object(s) outside the schemas it owns with public_rolledback_{run}",
            "view reporting.old_parts",
            "nothing was pruned",
        ),
        state=State.ROLLED,
        sql=(
            "create schema reporting",
            "create view reporting.old_parts as select count(*) as n from public_rolledback_{run}.parts",
        ),
    ),
    # ---------------------------------------------------------------- the comparison can fail
    Case(
        "a new sample over the live schema",
        Class.ARGUMENTS,
        "sample generate --replace: it changes the live schema (this case proves the corpus would see a change)",
        ("sample", "generate", "--size", "minimal_sample", "--replace", "--seed", "7"),
        0,
        ("legacy sample minimal_sample",),
        changes_live=True,
    ),
)

# the values state: one legacy database holding every value problem above
VALUES_SQL = (
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
