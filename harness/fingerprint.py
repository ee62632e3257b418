"""Fingerprints of a schema: what "identical" means for a DBA.

Per table: row count and an md5 over every row in primary-key order; plus the
schema's columns, constraints, indexes, triggers, grants, owner and the
extensions living in it. Two fingerprints compare equal only if the data and
the structure are the same.
"""

from __future__ import annotations

from psycopg2 import sql

from . import db

STRUCTURE_QUERIES = {
    "columns": """
        select c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               pg_get_expr(d.adbin, d.adrelid)
        from pg_attribute a
        join pg_class c on c.oid = a.attrelid
        left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
        where c.relnamespace = %(schema)s::regnamespace and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
        order by 1, 2""",
    "constraints": """
        select conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid)
        from pg_constraint where connamespace = %(schema)s::regnamespace order by 1, 2""",
    "indexes": """
        select tablename, indexname, regexp_replace(indexdef, ' ON \\S+\\.', ' ON ') from pg_indexes
        where schemaname = %(schema)s order by 1, 2""",
    "triggers": """
        select c.relname, t.tgname, t.tgenabled from pg_trigger t join pg_class c on c.oid = t.tgrelid
        where c.relnamespace = %(schema)s::regnamespace and not t.tgisinternal order by 1, 2""",
    "table_grants": """
        select c.relname, c.relowner::regrole::text, coalesce(c.relacl::text, '') from pg_class c
        where c.relnamespace = %(schema)s::regnamespace and c.relkind in ('r', 'v', 'S') order by 1""",
    "schema_acl": """
        select nspowner::regrole::text, coalesce(nspacl::text, ''), coalesce(obj_description(oid, 'pg_namespace'), '')
        from pg_namespace where nspname = %(schema)s""",
    "extensions": """
        select extname, extversion from pg_extension where extnamespace = %(schema)s::regnamespace order by 1""",
}


def table_hashes(cur, schema: str) -> dict[str, tuple[int, str]]:
    result = {}
    for table in db.tables_in(cur, schema):
        cur.execute(
            sql.SQL("select count(*), coalesce(md5(string_agg(t::text, E'\\n' order by t::text)), '') from {}.{} t").format(
                sql.Identifier(schema), sql.Identifier(table)
            )
        )
        count, digest = cur.fetchone()
        result[table] = (int(count), digest)
    return result


def structure(cur, schema: str) -> dict[str, list[tuple]]:
    out = {}
    for name, query in STRUCTURE_QUERIES.items():
        cur.execute(query, {"schema": schema})
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
