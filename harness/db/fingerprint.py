"""Fingerprints of a schema: what "identical" means for a DBA.

Per table: row count and an md5 over every row in primary-key order; plus the
schema's columns, constraints, indexes, triggers, grants, owner and the
extensions living in it. Two fingerprints compare equal only if the data and
the structure are the same.
"""

from __future__ import annotations

import hashlib
import json

from psycopg2 import sql

from harness.common import sqlfiles
from harness.db import connection as db

# the catalog queries of harness/sql/fingerprint/, one per part of the structure
STRUCTURE_PARTS = (
    "columns",
    "constraints",
    "indexes",
    "triggers",
    "table_grants",
    "schema_acl",
    "schema_grants",
    "extensions",
)


def table_hashes(cur, schema: str) -> dict[str, tuple[int, str]]:
    """Per table: its rows and an md5 of them, whatever the database's locale, and the same in a
    UTF8 and a LATIN1 database (the rows sorted bytewise, their UTF-8 bytes hashed)."""
    result = {}
    for table in db.tables_in(cur, schema):
        cur.execute(
            sql.SQL(
                "select count(*), coalesce(md5(convert_to(string_agg(t::text, E'\\n' order by t::text collate \"C\"),"
                " 'UTF8')), '') from {} as t"
            ).format(sql.Identifier(schema, table))
        )
        count, digest = cur.fetchone()
        result[table] = (int(count), digest)
    return result


def structure(cur, schema: str) -> dict[str, list[tuple]]:
    out = {}
    for name in STRUCTURE_PARTS:
        cur.execute(sqlfiles.read(f"fingerprint/{name}.sql"), {"schema": schema})
        rows = [tuple(r) for r in cur.fetchall()]
        # names embed the schema only through regclass text, which depends on search_path
        out[name] = [tuple(str(v).replace(f"{schema}.", "") if isinstance(v, str) else v for v in r) for r in rows]
    return out


def fingerprint(cur, schema: str) -> dict:
    return {"tables": table_hashes(cur, schema), "structure": structure(cur, schema)}


def differences(before: dict, after: dict) -> list[str]:
    """Human-readable differences between two fingerprints (empty: identical)."""
    problems = []
    for table in sorted(set(before["tables"]) | set(after["tables"])):
        b, a = before["tables"].get(table), after["tables"].get(table)
        if b != a:
            problems.append(f"table {table}: {b} != {a}")
    for part in before["structure"]:
        b, a = before["structure"][part], after["structure"].get(part)
        if b != a:
            missing = [r for r in b if r not in (a or [])]
            extra = [r for r in (a or []) if r not in b]
            problems.append(f"{part}: missing {missing[:3]} extra {extra[:3]}")
    return problems


# ---------------------------------------------------------------- a built target's seal

# what a build leaves and a cutover checks: the catalog facts (compared under the
# swap's locks: their cost grows with the number of objects, not with the data)
CATALOG_PARTS = ("columns", "constraints", "indexes", "triggers", "table_grants", "schema_grants")


def catalog(cur, schema: str) -> dict[str, list[list]]:
    parts = structure(cur, schema)
    return {part: [list(row) for row in parts[part]] for part in CATALOG_PARTS}


def digest(facts: dict) -> str:
    return hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def row_counts(cur, schema: str) -> dict[str, int]:
    return {table: db.count_rows(cur, schema, table) for table in db.tables_in(cur, schema)}


def build_facts(cur, schema: str) -> dict:
    """The seal of a successful build: row counts, catalog facts and their digest."""
    facts = catalog(cur, schema)
    return {"row_counts": row_counts(cur, schema), "catalog": facts, "digest": digest(facts)}


def current_xid(cur) -> int:
    """The transaction's own id (assigned now): a row written after it commits has a younger xmin."""
    cur.execute("select pg_current_xact_id()::text")
    return int(cur.fetchone()[0])


def rows_written_after(cur, schema: str, xid: int) -> dict[str, int]:
    """Per table, the rows a transaction younger than `xid` wrote (inserted, or updated in place:
    an update's new row version has the updating transaction's xmin), whatever the row counts say."""
    result = {}
    for table in db.tables_in(cur, schema):
        cur.execute(
            sql.SQL("select count(*) from {} where age(xmin) < age(%s::text::xid)").format(
                sql.Identifier(schema, table)
            ),
            (str(xid % 2**32),),
        )
        result[table] = int(cur.fetchone()[0])
    return result


def count_differences(recorded: dict[str, int], current: dict[str, int]) -> list[str]:
    found = [f"table {t} is missing" for t in sorted(set(recorded) - set(current))]
    found += [f"table {t} was added" for t in sorted(set(current) - set(recorded))]
    found += [
        f"{t} has {current[t]:,} rows, the build left {recorded[t]:,}"
        for t in sorted(set(recorded) & set(current))
        if recorded[t] != current[t]
    ]
    return found


def catalog_differences(recorded: dict[str, list], current: dict[str, list]) -> list[str]:
    """What differs between two catalog() results, one phrase per difference."""
    found = []
    for part in CATALOG_PARTS:
        before = {json.dumps(row, default=str) for row in recorded.get(part, [])}
        now = {json.dumps(row, default=str) for row in current.get(part, [])}
        for row in sorted(before - now):
            found.append(f"{part.removesuffix('s')} {' '.join(map(str, json.loads(row)[:3]))} is gone or changed")
        for row in sorted(now - before):
            found.append(f"{part.removesuffix('s')} {' '.join(map(str, json.loads(row)[:3]))} is new")
    return found
