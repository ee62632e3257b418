"""Deterministic legacy ABParts databases of the original tool's sample sizes.

All rows are produced by set-based SQL (generate_series + md5), never by a
Python loop, so production_scale takes about a second and benchmark_100x
(about a million rows) well under two minutes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from psycopg2 import sql

from harness.common import sqlfiles
from harness.common.errors import UsageError
from harness.common.legacy import LEGACY_TABLES
from harness.common.schemas import Schemas
from harness.db import audit
from harness.db import connection as db
from harness.flows.schema_lock import holds_schema
from harness.reporting.reports import Result

SAMPLE_MARKER = "abparts-migrate sample"


@dataclass(frozen=True)
class SampleSize:
    name: str
    orgs: int
    users: int
    parts: int
    machines: int
    inventory: int
    adjustments_per_100: int = 10  # stock adjustments per hundred inventory rows


SIZES: dict[str, SampleSize] = {
    s.name: s
    for s in (
        SampleSize("minimal_sample", 3, 5, 10, 2, 20),
        SampleSize("small_sample", 10, 25, 50, 15, 100),
        SampleSize("medium_sample", 25, 75, 100, 50, 500),
        SampleSize("large_sample", 50, 150, 200, 100, 1000),
        SampleSize("production_scale", 100, 200, 200, 150, 7500),
        # beyond the original tool: for benchmarks only
        SampleSize("benchmark_10x", 1000, 2000, 2000, 1500, 75000),
        # ~1M legacy rows; three adjustments in ten inventory rows bring the ledger past 1M rows
        SampleSize("benchmark_100x", 10000, 20000, 8000, 15000, 750000, adjustments_per_100=30),
    )
}
ORIGINAL_SIZES = ("minimal_sample", "small_sample", "medium_sample", "large_sample", "production_scale")


@dataclass
class SampleResult(Result):
    size: str
    seed: int
    live_schema: str
    row_counts: dict[str, int] = field(default_factory=dict)
    dirty: bool = False
    seconds: float = 0.0
    uuid_ossp: str = ""


MAX_SEED = 2**63 - 1  # a bigint in the generator's SQL
# Up to this many (organisation, part) pairs every pair is scored to choose the inventory
# (every size but benchmark_100x: 80M pairs would take minutes); beyond, a sample of them.
EXACT_INVENTORY_PAIRS = 5_000_000


def size_named(name: str) -> SampleSize:
    try:
        return SIZES[name]
    except KeyError:
        raise UsageError(f"unknown sample size {name!r}; choose one of: {', '.join(SIZES)}") from None


def _prepare_schema(cur, schemas: Schemas, replace: bool) -> None:
    live = schemas.live
    if db.schema_exists(cur, live):
        tables = db.tables_in(cur, live)
        if tables and not replace:
            raise UsageError(
                f"schema {live!r} already has {len(tables)} tables; "
                "pass --replace to drop them and generate a new sample"
            )
        if tables:
            cur.execute("select obj_description(%s::regnamespace, 'pg_namespace')", (live,))
            comment = cur.fetchone()[0] or ""
            if not comment.startswith(SAMPLE_MARKER):
                raise UsageError(
                    f"schema {live!r} holds tables that this tool did not generate; "
                    "refusing to replace them (use another --schema or database)"
                )
    # everything derived from the live schema goes too: a sample is a fresh start
    cur.execute(
        "select nspname from pg_namespace where nspname = any(%s) or nspname like %s or nspname like %s",
        ([live, schemas.stage, schemas.next], f"{live}\\_archive\\_%", f"{live}\\_rolledback\\_%"),
    )
    for (name,) in cur.fetchall():
        db.drop_schema(cur, name)
    cur.execute(
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = %s and c.relname like %s",
        (schemas.backup, f"{live}\\_\\_%"),
    )
    for (table,) in cur.fetchall():
        cur.execute(sql.SQL("drop table {}.{}").format(sql.Identifier(schemas.backup), sql.Identifier(table)))
    audit.forget(cur, live)
    cur.execute(sql.SQL("create schema {}").format(sql.Identifier(live)))
    if live == "public":  # what PostgreSQL 15+ gives a new database
        cur.execute("alter schema public owner to pg_database_owner")
        cur.execute("grant usage on schema public to public")


def _install_uuid_functions(cur, live: str) -> tuple[str, list[str]]:
    """uuid-ossp in the live schema, as the real database has it.

    Returns how uuid_generate_v4() is provided and the search_path to use.
    """
    cur.execute("select extnamespace::regnamespace::text from pg_extension where extname = 'uuid-ossp'")
    row = cur.fetchone()
    if row:
        return f"uuid-ossp (already installed in schema {row[0]})", [live, row[0]]
    cur.execute("select 1 from pg_available_extensions where name = 'uuid-ossp'")
    if cur.fetchone():
        cur.execute(sql.SQL('create extension "uuid-ossp" schema {}').format(sql.Identifier(live)))
        return f"uuid-ossp (installed in schema {live})", [live]
    # The embedded server ships without uuid-ossp: a stand-in with the same
    # name keeps the legacy DDL's defaults exactly as written.
    cur.execute(
        sql.SQL(
            "create function {}.uuid_generate_v4() returns uuid language sql volatile as 'select gen_random_uuid()'"
        ).format(sql.Identifier(live))
    )
    cur.execute(
        sql.SQL("comment on function {}.uuid_generate_v4() is %s").format(sql.Identifier(live)),
        ("stand-in for uuid-ossp, which this server does not have",),
    )
    return "stand-in uuid_generate_v4() (uuid-ossp not available on this server)", [live]


def create_legacy_schema(cur, schemas: Schemas, *, replace: bool = False) -> str:
    """The empty legacy schema (init-script DDL + stock_adjustments) in the live schema.

    Leaves search_path set to it for the rest of the transaction; returns how
    uuid_generate_v4() is provided.
    """
    _prepare_schema(cur, schemas, replace)
    how, search_path = _install_uuid_functions(cur, schemas.live)
    cur.execute(sql.SQL("set local search_path to {}").format(sql.SQL(", ").join(map(sql.Identifier, search_path))))
    cur.execute(sqlfiles.read("legacy_ddl.sql"))
    cur.execute(sqlfiles.read("stock_adjustments.sql"))
    cur.execute(
        "alter table stock_adjustments add foreign key (inventory_id) references inventory (id),"
        " add foreign key (user_id) references users (id)"
    )
    return how


def _take_off_constraints(cur, schema: str) -> list[sql.Composable]:
    """Drop the keys, unique constraints, foreign keys and indexes of a schema's tables for a
    bulk load; return the statements that put exactly the same ones back (names, definitions).

    A million rows checked and indexed one at a time take about a minute; the
    same constraints built once after the load take seconds."""
    cur.execute(
        "select t.relname, c.conname, c.contype, pg_get_constraintdef(c.oid) from pg_constraint as c"
        " join pg_class as t on t.oid = c.conrelid where c.connamespace = %s::regnamespace"
        " and c.contype in ('p', 'u', 'f') order by c.contype = 'f' desc, t.relname, c.conname",
        (schema,),
    )
    constraints = cur.fetchall()
    cur.execute(
        "select x.relname, pg_get_indexdef(i.indexrelid) from pg_index as i join pg_class as x on x.oid ="
        " i.indexrelid where x.relnamespace = %s::regnamespace"
        " and not exists (select 1 from pg_constraint as c where c.conindid = i.indexrelid) order by x.relname",
        (schema,),
    )
    indexes = cur.fetchall()
    put_back: list[sql.Composable] = []
    for table, name, _, definition in constraints:  # foreign keys first, put back last: they need the keys
        relation = sql.Identifier(schema, table)
        cur.execute(sql.SQL("alter table {} drop constraint {}").format(relation, sql.Identifier(name)))
        put_back.insert(
            0,
            sql.SQL(" ").join(
                [
                    sql.SQL("alter table {} add constraint {}").format(relation, sql.Identifier(name)),
                    sql.SQL(definition),
                ]
            ),
        )
    for name, definition in indexes:
        cur.execute(sql.SQL("drop index {}").format(sql.Identifier(schema, name)))
        put_back.insert(0, sql.SQL(definition))
    return put_back


def mark_as_sample(cur, schemas: Schemas, description: str) -> None:
    cur.execute(
        sql.SQL("comment on schema {} is %s").format(sql.Identifier(schemas.live)), (f"{SAMPLE_MARKER}: {description}",)
    )


def analyze(target: db.Target, schemas: Schemas) -> None:
    with db.connect(target, autocommit=True) as conn, conn.cursor() as cur:
        for table in db.tables_in(cur, schemas.live):
            cur.execute(sql.SQL("analyze {}.{}").format(sql.Identifier(schemas.live), sql.Identifier(table)))


@holds_schema("sample generate")
def generate(
    target: db.Target,
    schemas: Schemas,
    size: str,
    *,
    seed: int = 42,
    dirty: bool = False,
    replace: bool = False,
) -> SampleResult:
    """Create the legacy ABParts schema in the live schema and fill it (set-based SQL)."""
    if not 0 <= seed <= MAX_SEED:
        raise UsageError(f"--seed {seed} is out of range: use a whole number from 0 to {MAX_SEED}")
    spec = size_named(size)
    started = time.perf_counter()
    result = SampleResult(size=size, seed=seed, live_schema=schemas.live, dirty=dirty)
    with db.connect(target) as conn, conn.cursor() as cur:
        result.uuid_ossp = create_legacy_schema(cur, schemas, replace=replace)
        cur.execute(
            "create temp table gen_params on commit drop as select %s::bigint as seed, %s::int as n_orgs, "
            "%s::int as n_users, %s::int as n_parts, %s::int as n_machines, %s::int as n_inventory, "
            "%s::int as adjustments_per_100, %s::boolean as exact_inventory",
            (
                seed,
                spec.orgs,
                spec.users,
                spec.parts,
                spec.machines,
                spec.inventory,
                spec.adjustments_per_100,
                spec.orgs * spec.parts <= EXACT_INVENTORY_PAIRS,
            ),
        )
        put_back = _take_off_constraints(cur, schemas.live)
        cur.execute(sqlfiles.read("sample_data.sql"))
        for statement in put_back:
            cur.execute(statement)
        if dirty:
            cur.execute(sqlfiles.read("sample_dirt.sql"))
        mark_as_sample(cur, schemas, f"size={size} seed={seed} dirty={str(dirty).lower()}")
        conn.commit()
        for table in LEGACY_TABLES:
            result.row_counts[table] = db.count_rows(cur, schemas.live, table)
    analyze(target, schemas)
    result.seconds = time.perf_counter() - started
    return result
