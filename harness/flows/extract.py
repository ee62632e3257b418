"""Production samples: a closed, representative, anonymised extract of a real legacy
database (`harness sample extract --from DSN`), read-only on the source.

The source is read once: one REPEATABLE READ READ ONLY transaction with row_security
off, catalog queries and one `COPY (SELECT ...) TO STDOUT` per table, nothing else (a
role with SELECT alone will do, and so will a hot standby). Every row is anonymised on
its way (anonymise.py) into the destination, a new schema of the --dsn database or a
new database on its server. Everything else happens there:

1. the whole copy is validated (validate.validate, pre): its kinds — the kinds of
   finding, and the organisation types, roles, order statuses and part types the
   mapping derives — are the source's; the rows of each kind are kept as witnesses;
2. the copy moves to a scratch schema; a candidate set — the organisation of one
   witness per kind (a row without one: the row itself), then organisations in the
   seed's order up to the size — is copied back with its closure and validated;
3. while kinds are missed, more witnesses of them join (4, 16, then all per kind);
4. the source's keys, constraints and indexes go on the extract; the scratch, the
   stage and the audit rows of the validations go.

Closure: a chosen organisation brings its users, machines, inventory, orders with their
items, usage, and the adjustments of its inventory; every row those reference comes
too, from any organisation (a referenced organisation with its users); a reference
that dangles in the source dangles in the extract.
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg2.extensions
from psycopg2 import sql

from harness.common.errors import CheckFailed, InternalError, UsageError
from harness.common.schemas import Schemas, validate_identifier
from harness.db import audit
from harness.db import connection as db
from harness.flows import anonymise, samples, validate
from harness.flows import stage as stage_mod
from harness.flows.schema_lock import holding
from harness.reporting.reports import Result

SCRATCH_SUFFIX = "_extract_all"
ROUNDS = (1, 4, 16, None)  # witnesses per missed kind in each round (None: all of them)
SIBLINGS = 10  # rows sharing a witness's value (the other half of a duplicate) taken with it
APPLICATION_NAME = "abparts-migrate sample extract"
Made = list[tuple[str, str]]  # what the extract made in the destination, (kind, name): undone if it fails

# a legacy row's references: (table, column, parent table), every child before its parents
REFERENCES = (
    ("stock_adjustments", "inventory_id", "inventory"),
    ("stock_adjustments", "user_id", "users"),
    ("supplier_order_items", "supplier_order_id", "supplier_orders"),
    ("supplier_order_items", "part_id", "parts"),
    ("customer_order_items", "customer_order_id", "customer_orders"),
    ("customer_order_items", "part_id", "parts"),
    ("part_usage", "customer_organization_id", "organizations"),
    ("part_usage", "part_id", "parts"),
    ("part_usage", "machine_id", "machines"),
    ("part_usage", "recorded_by_user_id", "users"),
    ("supplier_orders", "ordering_organization_id", "organizations"),
    ("customer_orders", "customer_organization_id", "organizations"),
    ("customer_orders", "oraseas_organization_id", "organizations"),
    ("customer_orders", "ordered_by_user_id", "users"),
    ("inventory", "organization_id", "organizations"),
    ("inventory", "part_id", "parts"),
    ("machines", "organization_id", "organizations"),
    ("users", "organization_id", "organizations"),
)
# the rows an organisation owns, by the column naming it
OWNED = {
    "users": "organization_id",
    "machines": "organization_id",
    "inventory": "organization_id",
    "supplier_orders": "ordering_organization_id",
    "customer_orders": "customer_organization_id",
    "part_usage": "customer_organization_id",
}
# rows that belong to an owned row: (table, column, owned table)
BELONGING = (
    ("supplier_order_items", "supplier_order_id", "supplier_orders"),
    ("customer_order_items", "customer_order_id", "customer_orders"),
    ("stock_adjustments", "inventory_id", "inventory"),
)
# what the mapping derives, per stage relation: (kind, relation, id column, value expression)
DERIVED_KINDS = (
    ("organization_type", "int_organizations__typed", "organization_id", "organization_type"),
    ("role", "int_users__mapped", "user_id", "role"),
    (
        "order_status:supplier",
        "stg_legacy__supplier_orders",
        "supplier_order_id",
        "coalesce(status_normalised, '(blank)')",
    ),
    (
        "order_status:customer",
        "stg_legacy__customer_orders",
        "customer_order_id",
        "coalesce(status_normalised, '(blank)')",
    ),
    ("part_type", "int_parts__classified", "part_id", "part_type"),
)


@dataclass
class ExtractResult(Result):
    source: str
    source_schema: str
    destination: str
    schema: str
    new_database: bool
    selection: str
    seed: int
    anonymised: bool
    snapshot_time: str = ""
    source_row_counts: dict[str, int] = field(default_factory=dict)
    row_counts: dict[str, int] = field(default_factory=dict)
    organizations: list[dict] = field(default_factory=list)  # chosen: id, name (as extracted), type
    parent_organizations: int = 0  # organisations that came only as parents of chosen rows
    kinds_covered: list[str] = field(default_factory=list)
    kinds_missed: list[str] = field(default_factory=list)
    kinds_extra: list[str] = field(default_factory=list)
    source_findings: dict[str, int] = field(default_factory=dict)
    findings: dict[str, int] = field(default_factory=dict)
    validations: int = 0
    notes: list[str] = field(default_factory=list)
    rows_copied: int = 0
    copy_seconds: float = 0.0
    rows_per_second: float = 0.0
    seconds: float = 0.0


@dataclass
class _Table:
    name: str
    columns: list[tuple[str, str, bool, str | None]]  # name, type, not null, default
    treatments: list[str]


@dataclass
class _Catalog:
    tables: dict[str, _Table]
    constraints: list[tuple[str, str, str]]  # table, name, definition
    indexes: list[tuple[str, str, str]]  # table, definition before and after the table's name
    fold_other_letters: bool
    snapshot_time: str
    identity: tuple
    notes: list[str] = field(default_factory=list)
    search_path: list[str] = field(default_factory=list)  # the destination's, where the defaults resolve


def personal_data_choice(anonymise_flag: bool | None, keep_personal_data: bool) -> bool:
    """Whether to anonymise: the default; copying personal data needs --keep-personal-data said."""
    if anonymise_flag and keep_personal_data:
        raise UsageError("--anonymise and --keep-personal-data contradict each other: choose one")
    if anonymise_flag is False and not keep_personal_data:
        raise UsageError(
            "--no-anonymise copies names, emails, addresses and password hashes as they are: "
            "say --keep-personal-data to do that"
        )
    return not keep_personal_data


def organisations_wanted(size: str | None, organizations: int | None, everything: bool) -> tuple[int | None, str]:
    """How many organisations to choose (None: every row) and how the result names it."""
    given = [x for x in (size, organizations, everything or None) if x is not None]
    if len(given) > 1:
        raise UsageError("--size, --organizations and --all choose the extract's size: give one of them")
    if everything:
        return None, "all"
    if organizations is not None:
        if organizations < 1:
            raise UsageError(f"--organizations {organizations}: give a whole number of 1 or more")
        return organizations, f"{organizations} organisations"
    spec = samples.size_named(size or "small_sample")
    return spec.orgs, f"{spec.name} ({spec.orgs} organisations)"


def extract(
    source: db.Target,
    target: db.Target,
    schemas: Schemas,
    *,
    source_schema: str = "public",
    database: str | None = None,
    size: str | None = None,
    organizations: int | None = None,
    everything: bool = False,
    seed: int = 42,
    anonymise_data: bool = True,
    notify: Callable[[str], None] | None = None,
) -> ExtractResult:
    """Extract a sample of the legacy schema `source_schema` of `source` into `schemas.live` of `target`
    (or of a new database `database` on target's server)."""
    started = time.perf_counter()
    notify = notify or (lambda text: None)
    validate_identifier(source_schema, "source schema name")
    if database is not None:
        validate_identifier(database, "database name")
    if not 0 <= seed <= samples.MAX_SEED:
        raise UsageError(f"--seed {seed} is out of range: use a whole number from 0 to {samples.MAX_SEED}")
    wanted, selection = organisations_wanted(size, organizations, everything)
    destination = target.with_database(database) if database else target
    scratch = schemas.live + SCRATCH_SUFFIX
    result = ExtractResult(
        source=source.redacted(),
        source_schema=source_schema,
        destination=destination.redacted(),
        schema=schemas.live,
        new_database=database is not None,
        selection=selection,
        seed=seed,
        anonymised=anonymise_data,
    )
    reader = _SourceReader(source, source_schema)
    try:
        catalog = reader.open()
        with db.connect(target) as conn, conn.cursor() as cur:
            same_database = _identity(cur, target, None)[:2] == catalog.identity[:2]
            if same_database and database is None and schemas.live == source_schema:
                raise UsageError(
                    f"the destination is the source ({source.redacted()}, schema {source_schema!r}): "
                    "extract into another --schema, or a new --database"
                )
            if database is None:
                _require_new_schemas(cur, target, (schemas.live, schemas.stage, scratch))
        if database is not None:
            db.create_database(target, database)
        created: Made = []
        try:
            with holding(destination, schemas.live, "sample extract"):
                anonymiser = anonymise.Anonymiser(fold_other_letters=catalog.fold_other_letters)
                notify(
                    f"copying {len(catalog.tables)} tables from {source.redacted()} ({source_schema}), "
                    f"{'anonymised' if anonymise_data else 'personal data kept'}"
                )
                _copy(reader, catalog, destination, schemas, anonymiser if anonymise_data else None, result, created)
                reader.close()
                _extract_from_copy(destination, schemas, scratch, catalog, wanted, seed, result, notify, created)
        except BaseException:
            _discard(target, destination, database, schemas, scratch, created)
            raise
    finally:
        reader.close()
        if database is not None:
            destination.close()  # its connection would keep the new database busy
    result.notes += catalog.notes
    result.snapshot_time = catalog.snapshot_time
    result.seconds = time.perf_counter() - started
    return result


# ---------------------------------------------------------------- the source, read once


class _SourceReader:
    """One connection to the source, one REPEATABLE READ READ ONLY transaction, SELECT and COPY TO only."""

    def __init__(self, source: db.Target, schema: str):
        self.source, self.schema, self.conn = source, schema, None

    def open(self) -> _Catalog:
        self.conn = db.open_connection(self.source, APPLICATION_NAME)
        self.conn.set_client_encoding("UTF8")
        self.conn.set_session(isolation_level=psycopg2.extensions.ISOLATION_LEVEL_REPEATABLE_READ, readonly=True)
        with self.conn.cursor() as cur:
            # the first statement takes the snapshot every read of the extract sees
            cur.execute(
                "select set_config('row_security', 'off', true), "
                "set_config('search_path', quote_ident(%s), true), now()",
                (self.schema,),
            )
            snapshot_time = cur.fetchone()[2]
            identity = _identity(cur, self.source, self.schema)
            tables = self._legacy_tables(cur)
            self._require_readable(cur, tables)
            catalog = _Catalog(
                tables=self._columns(cur, tables),
                constraints=[],
                indexes=[],
                fold_other_letters=self._folds_other_letters(cur),
                snapshot_time=snapshot_time.isoformat(),
                identity=identity,
            )
            self._constraints(cur, catalog)
        return catalog

    def close(self) -> None:
        if self.conn is not None and not self.conn.closed:
            self.conn.close()

    def where(self) -> str:
        return f"source {self.source.redacted()}, schema {self.schema!r}"

    def _legacy_tables(self, cur) -> list[str]:
        if not db.schema_exists(cur, self.schema):
            raise UsageError(f"{self.where()} does not exist (--from-schema names the legacy schema)")
        present = db.tables_in(cur, self.schema)
        if "warehouses" in present and "transactions" in present:
            raise UsageError(
                f"{self.where()} holds the target schema (warehouses, transactions), not the "
                "legacy one: extract from a legacy database"
            )
        missing = [t for t in stage_mod.REQUIRED_TABLES if t not in present]
        if missing:
            raise UsageError(f"{self.where()} is not a legacy ABParts schema: missing tables {', '.join(missing)}")
        return [t for t in samples.LEGACY_TABLES if t in present]

    def _require_readable(self, cur, tables: list[str]) -> None:
        cur.execute(
            "select c.relname from pg_class as c where c.relnamespace = %s::regnamespace"
            " and c.relname = any(%s) and not has_table_privilege(c.oid, 'select') order by 1",
            (self.schema, tables),
        )
        unreadable = [r[0] for r in cur.fetchall()]
        if unreadable:
            raise UsageError(
                f"the role {self.source.params.get('user') or 'connecting'} may not read "
                f"{self.schema}.{unreadable[0]} ({self.where()}): GRANT SELECT ON ALL TABLES IN SCHEMA "
                f"{self.schema} TO it; nothing was extracted"
            )
        # row_security = off makes a query that a policy would filter fail: say which, before reading
        cur.execute(
            "select c.relname, coalesce(string_agg(p.polname, ', ' order by p.polname), '') from pg_class as c"
            " left join pg_policy as p on p.polrelid = c.oid"
            " where c.relnamespace = %s::regnamespace and c.relname = any(%s) and c.relrowsecurity"
            " and not (select r.rolsuper or r.rolbypassrls from pg_roles as r where r.rolname = current_user)"
            " and (c.relforcerowsecurity or not pg_has_role(c.relowner, 'usage'))"
            " group by c.relname order by 1",
            (self.schema, tables),
        )
        hidden = cur.fetchall()
        if hidden:
            table, policies = hidden[0]
            what = f"policy {policies}" if policies else "row-level security with no policy (every row hidden)"
            raise CheckFailed(
                f"{self.schema}.{table} has {what}, which would hide rows from this role "
                f"({self.where()}): extract as the table's owner or a role with BYPASSRLS; "
                "nothing was extracted"
            )

    def _columns(self, cur, tables: list[str]) -> dict[str, _Table]:
        cur.execute(
            "select c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,"
            " case when a.attgenerated = '' then pg_get_expr(d.adbin, d.adrelid) end"
            " from pg_class as c join pg_attribute as a on a.attrelid = c.oid"
            " left join pg_attrdef as d on d.adrelid = c.oid and d.adnum = a.attnum"
            " where c.relnamespace = %s::regnamespace and c.relname = any(%s) and a.attnum > 0"
            " and not a.attisdropped order by c.relname, a.attnum",
            (self.schema, tables),
        )
        found: dict[str, _Table] = {t: _Table(t, [], []) for t in tables}
        expected = stage_mod.expected_columns()
        for table, column, data_type, not_null, default in cur.fetchall():
            facts = expected.get((table, column))
            if facts and facts[0] != data_type:
                raise UsageError(
                    f"{self.schema}.{table}.{column} is {data_type}, the models read {facts[0]} "
                    f"({self.where()}): nothing was extracted"
                )
            treatment = anonymise.treatment_of(table, column, data_type)
            if treatment is None:
                raise UsageError(
                    f"{self.schema}.{table}.{column} ({data_type}) is not a legacy column and its type "
                    f"may hold anything ({self.where()}): the extract cannot anonymise it; drop it, or "
                    "extract with --no-anonymise --keep-personal-data"
                )
            found[table].columns.append((column, data_type, not_null, default))
            found[table].treatments.append(treatment)
        for (table, column), (data_type, optional) in sorted(expected.items()):
            if table in found and not optional and column not in {c[0] for c in found[table].columns}:
                raise UsageError(
                    f"{self.schema}.{table}.{column} is missing (the models read it as {data_type}; "
                    f"{self.where()}): nothing was extracted"
                )
        return {t: found[t] for t in tables}

    def _folds_other_letters(self, cur) -> bool:
        """Whether the models' normalise() folds letters beyond ASCII in this database: in UTF8 and
        LATIN1 it always does, with ICU too; otherwise it is the database's own lower()
        (case_folding() in macros/text.sql). ASCII SQL: a single-byte database receives it."""
        cur.execute(
            "select pg_encoding_to_char(d.encoding) in ('UTF8', 'LATIN1')"
            " or exists (select 1 from pg_collation where collname = 'und-x-icu')"
            " or case when pg_encoding_max_length(d.encoding) = 1"
            " then lower(chr(192 + 0 * d.encoding)) <> chr(192 + 0 * d.encoding) else false end"
            " from pg_database as d where d.datname = current_database()"
        )
        return bool(cur.fetchone()[0])

    def _constraints(self, cur, catalog: _Catalog) -> None:
        tables = list(catalog.tables)
        cur.execute(
            "select t.relname, c.conname, pg_get_constraintdef(c.oid), c.contype,"
            " c.contype = 'f' and not (c.confrelid in (select oid from pg_class where relnamespace = %s::regnamespace"
            " and relname = any(%s))) from pg_constraint as c join pg_class as t on t.oid = c.conrelid"
            " where t.relnamespace = %s::regnamespace and t.relname = any(%s)"
            " and c.contype in ('p', 'u', 'c', 'x', 'f')"
            " order by c.contype = 'f', t.relname, c.conname",
            (self.schema, tables, self.schema, tables),
        )
        for table, name, definition, _, outside in cur.fetchall():
            if outside:
                catalog.notes.append(
                    f"constraint {name} of {table} references a table outside the legacy tables: not carried"
                )
            else:
                catalog.constraints.append((table, name, definition))
        # pg_get_indexdef names the table with its schema: kept apart, to name the destination's instead
        cur.execute(
            "select t.relname, pg_get_indexdef(i.indexrelid), quote_ident(%s) || '.' || quote_ident(t.relname)"
            " from pg_index as i join pg_class as t on t.oid = i.indrelid join pg_class as x on x.oid = i.indexrelid"
            " where t.relnamespace = %s::regnamespace and t.relname = any(%s) and not exists (select 1 from"
            " pg_constraint as c where c.conindid = i.indexrelid and c.conrelid = i.indrelid"
            " and c.contype in ('p', 'u', 'x')) order by x.relname",
            (self.schema, self.schema, tables),
        )
        for table, definition, qualified in cur.fetchall():
            before, on, after = definition.partition(f" {qualified} USING ")
            if on:
                catalog.indexes.append((table, before, after))
            else:
                catalog.notes.append(f"index of {table} not carried (its definition is not understood): {definition}")

    def copy_out(self, table: _Table, sink: io.TextIOBase) -> None:
        with self.conn.cursor() as cur:
            statement = sql.SQL("copy (select {} from {}) to stdout").format(
                sql.SQL(", ").join(sql.Identifier(c[0]) for c in table.columns), sql.Identifier(self.schema, table.name)
            )
            cur.copy_expert(statement.as_string(cur), sink)


def _identity(cur, target: db.Target, schema: str | None) -> tuple:
    """Which server (its system identifier: a standby shares its primary's), database and schema."""
    cur.execute(
        "select case when has_function_privilege('pg_control_system()', 'execute')"
        " then (select system_identifier::text from pg_control_system()) end, current_database()"
    )
    system, database = cur.fetchone()
    params = target.params
    return (system or f"{params.get('host')}:{params.get('port')}", database, schema)


def _require_new_schemas(cur, target: db.Target, names: tuple[str, ...]) -> None:
    for name in names:
        cur.execute(
            "select (select count(*) from pg_class where relnamespace = n.oid)"
            " + (select count(*) from pg_proc where pronamespace = n.oid) from pg_namespace as n"
            " where n.nspname = %s",
            (name,),
        )
        row = cur.fetchone()
        if row and row[0]:
            raise UsageError(
                f"schema {name!r} of {target.redacted()} is not empty ({row[0]} relations and functions); "
                "an extract never writes over anything: choose another --schema, or a new --database"
            )


# ---------------------------------------------------------------- the copy


class _CopySink(io.TextIOBase):
    """Receives COPY TO's lines, anonymises them, and sends them on in COPY FROM batches."""

    def __init__(self, send: Callable[[str], None], transform: Callable[[str], str] | None, batch_chars: int = 4 << 20):
        self.send, self.transform, self.batch_chars = send, transform, batch_chars
        self.parts: list[str] = []
        self.size = 0
        self.partial = ""
        self.rows = 0

    def writable(self) -> bool:
        return True

    def write(self, data: str) -> int:
        lines = (self.partial + data).split("\n")
        self.partial = lines.pop()  # psycopg2 hands over whole rows; a part of one waits for the rest
        if self.transform is not None:
            lines = [self.transform(line) for line in lines]
        for line in lines:
            self.parts.append(line + "\n")
            self.size += len(line) + 1
        self.rows += len(lines)
        if self.size >= self.batch_chars:
            self.flush_batch()
        return len(data)

    def flush_batch(self, *, last: bool = False) -> None:
        if last and self.partial:
            raise InternalError("COPY ended inside a row")
        if self.parts:
            self.send("".join(self.parts))
            self.parts, self.size = [], 0


@contextlib.contextmanager
def _copy_allowed():
    """psycopg2 runs no COPY under the wait callback that makes queries cancellable (boundary.py):
    the copy goes without it; a Ctrl-C still stops it at the next row (the sink is Python)."""
    callback = psycopg2.extensions.get_wait_callback()
    psycopg2.extensions.set_wait_callback(None)
    try:
        yield
    finally:
        psycopg2.extensions.set_wait_callback(callback)


def _create_tables(cur, schemas: Schemas, catalog: _Catalog, notes: list[str]) -> None:
    """The source's tables (columns, types, NOT NULL, defaults), without keys: loaded first, keyed last."""
    live = sql.Identifier(schemas.live)
    cur.execute(
        sql.SQL("set local search_path to {}").format(sql.SQL(", ").join(map(sql.Identifier, catalog.search_path)))
    )
    for table in catalog.tables.values():
        columns = sql.SQL(", ").join(
            sql.SQL("{} {}{}").format(
                sql.Identifier(name), sql.SQL(data_type), sql.SQL(" not null" if not_null else "")
            )
            for name, data_type, not_null, _ in table.columns
        )
        cur.execute(sql.SQL("create table {}.{} ({})").format(live, sql.Identifier(table.name), columns))
        for name, _, _, default in table.columns:
            if default is None:
                continue
            cur.execute("savepoint column_default")
            try:
                cur.execute(
                    sql.SQL("alter table {}.{} alter column {} set default {}").format(
                        live, sql.Identifier(table.name), sql.Identifier(name), sql.SQL(default)
                    )
                )
            except psycopg2.Error:
                cur.execute("rollback to savepoint column_default")
                notes.append(f"the default of {table.name}.{name} ({default}) does not exist here: not carried")
            cur.execute("release savepoint column_default")


def _copy(
    reader: _SourceReader,
    catalog: _Catalog,
    destination: db.Target,
    schemas: Schemas,
    anonymiser: anonymise.Anonymiser | None,
    result: ExtractResult,
    created: Made,
) -> None:
    started = time.perf_counter()
    with db.connect(destination) as conn, conn.cursor() as cur:
        conn.set_client_encoding("UTF8")
        if not db.schema_exists(cur, schemas.live):
            cur.execute(sql.SQL("create schema {}").format(sql.Identifier(schemas.live)))
            created.append(("schema", schemas.live))
        catalog.search_path = [schemas.live]
        if any("uuid_generate_v4" in (c[3] or "") for t in catalog.tables.values() for c in t.columns):
            how, catalog.search_path = samples._install_uuid_functions(cur, schemas.live)
            if how.startswith(("uuid-ossp (installed", "stand-in")):
                created.append(("extension" if how.startswith("uuid-ossp") else "function", schemas.live))
        _create_tables(cur, schemas, catalog, catalog.notes)
        created.extend(("table", f"{schemas.live}.{t}") for t in catalog.tables)
        for table in catalog.tables.values():
            into = (
                sql.SQL("copy {} ({}) from stdin")
                .format(
                    sql.Identifier(schemas.live, table.name),
                    sql.SQL(", ").join(sql.Identifier(c[0]) for c in table.columns),
                )
                .as_string(cur)
            )
            transform = anonymise.row_transformer(anonymiser, table.treatments) if anonymiser else None
            sink = _CopySink(lambda text, into=into: cur.copy_expert(into, io.StringIO(text)), transform)
            with _copy_allowed():
                reader.copy_out(table, sink)
                sink.flush_batch(last=True)
            result.source_row_counts[table.name] = sink.rows
        conn.commit()
    result.rows_copied = sum(result.source_row_counts.values())
    result.copy_seconds = time.perf_counter() - started
    result.rows_per_second = result.rows_copied / result.copy_seconds if result.copy_seconds else 0.0
    samples.analyze(destination, schemas)


# ---------------------------------------------------------------- choosing, in the destination


def _validated(destination: db.Target, schemas: Schemas, result: ExtractResult) -> validate.ValidationResult:
    run = validate.validate(destination, schemas, phase="pre")
    result.validations += 1
    if run.dbt_errors:
        raise CheckFailed(f"the validation of the extract could not run every check: {run.dbt_errors[0]}")
    return run


def _findings(cur, run: validate.ValidationResult) -> dict[str, int]:
    """Check -> rows, for every check with rows (an info check's are read from its relation)."""
    found = {}
    for check in run.checks:
        rows = check.failing_rows if check.found else 0
        if not rows and check.relation and check.severity == "info":
            cur.execute("select to_regclass(%s)", (check.relation,))
            if cur.fetchone()[0] is not None:
                cur.execute(sql.SQL("select count(*) from {}").format(sql.SQL(check.relation)))
                rows = int(cur.fetchone()[0])
        if rows or check.found:
            found[check.name] = rows
    return found


def _derived_kinds(cur, schemas: Schemas, into: sql.Composable | None = None) -> set[str]:
    """The kinds the mapping derives, read from the stage's models; with `into`, their rows are kept."""
    kinds: set[str] = set()
    for kind, relation, id_column, expression in DERIVED_KINDS:
        value = sql.SQL("{} || ':' || {}").format(sql.Literal(kind), sql.SQL(expression))
        source = sql.Identifier(schemas.stage, relation)
        if into is not None:
            cur.execute(
                sql.SQL("insert into {} (kind, id) select {}, {}::text from {} where {} is not null").format(
                    into, value, sql.Identifier(id_column), source, sql.SQL(expression)
                )
            )
        cur.execute(
            sql.SQL("select distinct {} from {} where {} is not null").format(value, source, sql.SQL(expression))
        )
        kinds |= {r[0] for r in cur.fetchall()}
    return kinds


def _kinds(destination: db.Target, schemas: Schemas, run, witnesses: sql.Composable | None = None):
    with db.connect(destination) as conn, conn.cursor() as cur:
        findings = _findings(cur, run)
        kinds = {f"finding:{name}" for name in findings} | _derived_kinds(cur, schemas, witnesses)
        if witnesses is not None:
            for check in run.checks:
                if check.name not in findings or not check.relation:
                    continue
                cur.execute(
                    "select count(*) from pg_attribute where attrelid = to_regclass(%s)"
                    " and attname in ('id', 'value') and not attisdropped",
                    (check.relation,),
                )
                if cur.fetchone()[0] == 2:
                    cur.execute(
                        sql.SQL(
                            "insert into {} (kind, id, value) select %s, id::text, value::text from {}"
                            " where id is not null"
                        ).format(witnesses, sql.SQL(check.relation)),
                        (f"finding:{check.name}",),
                    )
        conn.commit()
    return findings, kinds


def _owner_query(tables: dict[str, _Table], scratch: str) -> sql.Composable:
    """Every row of the copy with the organisation it belongs to (NULL for parts)."""
    parts = [
        sql.SQL("select id, 'organizations' as tbl, id as owner from {}").format(
            sql.Identifier(scratch, "organizations")
        )
    ]
    for table, column in OWNED.items():
        parts.append(
            sql.SQL("select id, {}, {} from {}").format(
                sql.Literal(table), sql.Identifier(column), sql.Identifier(scratch, table)
            )
        )
    for table, column, parent in BELONGING:
        if table in tables:
            parts.append(
                sql.SQL("select c.id, {}, p.{} from {} as c left join {} as p on p.id = c.{}").format(
                    sql.Literal(table),
                    sql.Identifier(OWNED[parent]),
                    sql.Identifier(scratch, table),
                    sql.Identifier(scratch, parent),
                    sql.Identifier(column),
                )
            )
    parts.append(sql.SQL("select id, 'parts', null::uuid from {}").format(sql.Identifier(scratch, "parts")))
    return sql.SQL(" union all ").join(parts)


def _move_to_scratch(destination: db.Target, schemas: Schemas, scratch: str, catalog: _Catalog, created: Made) -> None:
    with db.connect(destination) as conn, conn.cursor() as cur:
        cur.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(scratch)))
        created.append(("schema", scratch))
        for table in catalog.tables:
            cur.execute(
                sql.SQL("alter table {} set schema {}").format(
                    sql.Identifier(schemas.live, table), sql.Identifier(scratch)
                )
            )
        _create_tables(cur, schemas, catalog, [])  # its notes were taken the first time
        cur.execute(
            sql.SQL("create table {} as {}").format(
                sql.Identifier(scratch, "extract_owners"), _owner_query(catalog.tables, scratch)
            )
        )
        cur.execute(sql.SQL("create index on {} (id)").format(sql.Identifier(scratch, "extract_owners")))
        conn.commit()


def _witness_ids(cur, scratch: str, kinds: list[str], per_kind: int | None, seed: int) -> list[str]:
    witnesses = sql.Identifier(scratch, "extract_witnesses")
    cur.execute(
        sql.SQL(
            "with ranked as (select kind, id, value, row_number() over (partition by kind"
            "   order by md5(%(seed)s || ':' || kind || ':' || id)) as witness_rank from {w}"
            "   where kind = any(%(kinds)s)),"
            " picked as (select kind, id, value from ranked where %(per_kind)s::int is null"
            "   or witness_rank <= %(per_kind)s::int),"
            " siblings as (select w.id, row_number() over (partition by w.kind, w.value"
            "   order by md5(%(seed)s || ':' || w.id)) as sibling_rank from {w} as w"
            "   inner join (select distinct kind, value from picked where value is not null) as p"
            "   on w.kind = p.kind and w.value = p.value)"
            " select id from picked union select id from siblings where sibling_rank <= %(siblings)s"
            " order by 1"
        ).format(w=witnesses),
        {"seed": str(seed), "kinds": kinds, "per_kind": per_kind, "siblings": SIBLINGS},
    )
    return [r[0] for r in cur.fetchall()]


def _owners(cur, scratch: str, ids: list[str]) -> tuple[set[str], set[tuple[str, str]]]:
    """The organisations the rows belong to; the rows that belong to none (parts, orphans) themselves."""
    cur.execute(
        sql.SQL(
            "select o.tbl, o.id::text, org.id::text from {} as o left join {} as org on org.id = o.owner"
            " where o.id::text = any(%s)"
        ).format(sql.Identifier(scratch, "extract_owners"), sql.Identifier(scratch, "organizations")),
        (ids,),
    )
    organisations, rows = set(), set()
    for table, row_id, organisation in cur.fetchall():
        if organisation:
            organisations.add(organisation)
        else:
            rows.add((table, row_id))
    return organisations, rows


def _fill(cur, scratch: str, chosen: set[str], wanted: int, seed: int) -> set[str]:
    """Organisations in the seed's order, up to `wanted` in all."""
    if len(chosen) >= wanted:
        return set()
    cur.execute(
        sql.SQL(
            "select id::text from {} where not (id::text = any(%s)) order by md5(%s || ':' || id::text) limit %s"
        ).format(sql.Identifier(scratch, "organizations")),
        (sorted(chosen), str(seed), wanted - len(chosen)),
    )
    return {r[0] for r in cur.fetchall()}


def _load_closure(
    cur, schemas: Schemas, scratch: str, tables: list[str], organisations: set[str], rows: set[tuple[str, str]]
) -> None:
    """The chosen organisations and rows with everything they bring and reference, copied back into live."""

    def pick(table: str) -> sql.Identifier:
        return sql.Identifier(f"extract_pick_{table}")

    def source(table: str) -> sql.Identifier:
        return sql.Identifier(scratch, table)

    for table in tables:
        cur.execute(sql.SQL("create temp table {} (id uuid primary key) on commit drop").format(pick(table)))
    cur.execute(
        sql.SQL("insert into {} select unnest(%s::uuid[])").format(pick("organizations")), (sorted(organisations),)
    )
    for table in tables:
        ids = sorted(row_id for t, row_id in rows if t == table)
        if ids:
            cur.execute(
                sql.SQL("insert into {} select unnest(%s::uuid[]) on conflict do nothing").format(pick(table)), (ids,)
            )
    for table, column in OWNED.items():
        cur.execute(
            sql.SQL("insert into {} select id from {} where {} in (select id from {}) on conflict do nothing").format(
                pick(table), source(table), sql.Identifier(column), pick("organizations")
            )
        )
    for table, column, parent in BELONGING:
        if table in tables:
            cur.execute(
                sql.SQL(
                    "insert into {} select id from {} where {} in (select id from {}) on conflict do nothing"
                ).format(pick(table), source(table), sql.Identifier(column), pick(parent))
            )
    for table, column, parent in REFERENCES:
        if table in tables:
            cur.execute(
                sql.SQL(
                    "insert into {} select p.id from {} as p where p.id in (select c.{} from {} as c"
                    " where c.id in (select id from {})) on conflict do nothing"
                ).format(pick(parent), source(parent), sql.Identifier(column), source(table), pick(table))
            )
    # an organisation comes with its people, also when it came as a parent (its admins decide findings)
    cur.execute(
        sql.SQL(
            "insert into {} select id from {} where organization_id in (select id from {}) on conflict do nothing"
        ).format(pick("users"), source("users"), pick("organizations"))
    )
    cur.execute(sql.SQL("truncate {}").format(sql.SQL(", ").join(sql.Identifier(schemas.live, t) for t in tables)))
    for table in tables:
        cur.execute(
            sql.SQL("insert into {} select * from {} where id in (select id from {})").format(
                sql.Identifier(schemas.live, table), source(table), pick(table)
            )
        )


def _extract_from_copy(
    destination: db.Target,
    schemas: Schemas,
    scratch: str,
    catalog: _Catalog,
    wanted: int | None,
    seed: int,
    result: ExtractResult,
    notify,
    created: Made,
) -> None:
    tables = list(catalog.tables)
    with db.connect(destination) as conn, conn.cursor() as cur:
        total = db.count_rows(cur, schemas.live, "organizations")
    if wanted is not None and wanted >= total:
        result.notes.append(f"the source has {total} organisations, not more than asked: every row was extracted")
        wanted = None
    notify("validating the whole copy: the source's kinds")
    full = _validated(destination, schemas, result)
    witnesses = sql.Identifier(scratch, "extract_witnesses")
    if wanted is None:
        result.source_findings, source_kinds = _kinds(destination, schemas, full)
        result.findings, kinds = result.source_findings, source_kinds
        chosen = None
    else:
        _move_to_scratch(destination, schemas, scratch, catalog, created)
        with db.connect(destination) as conn, conn.cursor() as cur:
            cur.execute(sql.SQL("create table {} (kind text not null, id text, value text)").format(witnesses))
            conn.commit()
        result.source_findings, source_kinds = _kinds(destination, schemas, full, witnesses)
        chosen, rows = set(), set()
        missed = sorted(source_kinds)
        for number, per_kind in enumerate(ROUNDS, 1):
            with db.connect(destination) as conn, conn.cursor() as cur:
                before = (len(chosen), len(rows))
                organisations, more_rows = _owners(cur, scratch, _witness_ids(cur, scratch, missed, per_kind, seed))
                chosen |= organisations
                rows |= more_rows
                if number == 1:
                    chosen |= _fill(cur, scratch, chosen, wanted, seed)
                elif (len(chosen), len(rows)) == before:
                    break  # no witness left to add
                _load_closure(cur, schemas, scratch, tables, chosen, rows)
                conn.commit()
            notify(f"round {number}: {len(chosen)} organisations chosen; validating the candidate")
            run = _validated(destination, schemas, result)
            result.findings, kinds = _kinds(destination, schemas, run)
            missed = sorted(source_kinds - kinds)
            if not missed or per_kind is None:
                break
        if len(chosen) > wanted:
            result.notes.append(
                f"{len(chosen)} organisations were chosen, {wanted} asked: the source's kinds needed more"
            )
    result.kinds_covered = sorted(source_kinds & kinds)
    result.kinds_missed = sorted(source_kinds - kinds)
    result.kinds_extra = sorted(kinds - source_kinds)
    _finish(destination, schemas, scratch, catalog, result, chosen)


def _finish(
    destination: db.Target,
    schemas: Schemas,
    scratch: str,
    catalog: _Catalog,
    result: ExtractResult,
    chosen: set[str] | None,
) -> None:
    """Keys, constraints and indexes as the source has them; the scratch, the stage and the runs' audit gone."""
    with db.connect(destination) as conn, conn.cursor() as cur:
        cur.execute(sql.SQL("set local search_path to {}").format(sql.Identifier(schemas.live)))
        for table, name, definition in catalog.constraints:
            cur.execute(
                sql.SQL("alter table {} add constraint {} {}").format(
                    sql.Identifier(schemas.live, table), sql.Identifier(name), sql.SQL(definition)
                )
            )
        for table, before, after in catalog.indexes:
            cur.execute(
                sql.SQL("{} {} using {}").format(sql.SQL(before), sql.Identifier(schemas.live, table), sql.SQL(after))
            )
        db.drop_schema(cur, scratch)
        db.drop_schema(cur, schemas.stage)
        audit.forget(cur, schemas.live)
        samples.mark_as_sample(
            cur,
            schemas,
            f"extract of {result.source} schema {result.source_schema}, "
            f"{result.selection}, seed={result.seed}, "
            f"anonymised={str(result.anonymised).lower()}",
        )
        for table in catalog.tables:
            result.row_counts[table] = db.count_rows(cur, schemas.live, table)
        cur.execute(
            sql.SQL("select id::text, name, type from {} order by name, id").format(
                sql.Identifier(schemas.live, "organizations")
            )
        )
        everyone = cur.fetchall()
        conn.commit()
    picked = [r for r in everyone if chosen is None or r[0] in chosen]
    result.organizations = [{"id": i, "name": name, "type": kind} for i, name, kind in picked]
    result.parent_organizations = len(everyone) - len(picked)
    samples.analyze(destination, schemas)


def _discard(
    target: db.Target, destination: db.Target, database: str | None, schemas: Schemas, scratch: str, created: Made
) -> None:
    """A failed extract leaves nothing behind: its database, or what it made in the --dsn database."""
    try:
        if database is not None:
            destination.close()
            db.drop_database(target, database)
            return
        with db.connect(target) as conn, conn.cursor() as cur:
            for kind, name in reversed(created):
                if kind == "schema":
                    db.drop_schema(cur, name)
                elif kind == "table":
                    cur.execute(sql.SQL("drop table if exists {} cascade").format(sql.Identifier(*name.split("."))))
                elif kind == "extension":
                    cur.execute('drop extension if exists "uuid-ossp"')
                else:
                    cur.execute(sql.SQL("drop function if exists {}.uuid_generate_v4()").format(sql.Identifier(name)))
            if created:
                db.drop_schema(cur, scratch)
                db.drop_schema(cur, schemas.stage)
                audit.forget(cur, schemas.live)
            conn.commit()
    except Exception:  # noqa: BLE001 - the first error is the one to report; this is tidying up
        pass
