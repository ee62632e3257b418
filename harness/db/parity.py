"""Grants, ownership and default privileges: what the application's roles
could do on the legacy schema, reproduced on the schema that replaces it.

New tables get the union of what each role had on any legacy table, and the
owner the legacy tables had. Used inside the swap transaction, so the
application never sees the new schema without its privileges.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from psycopg2 import sql

from harness.common import sqlfiles
from harness.db import connection as db

OBJECT_KINDS = {"r": "tables", "S": "sequences", "f": "functions", "T": "types"}


@dataclass
class Privileges:
    schema_owner: str
    schema_acl: set[tuple[str, str, bool]] = field(default_factory=set)  # (grantee, privilege, grantable)
    table_owner: str | None = None
    table_acl: set[tuple[str, str, bool]] = field(default_factory=set)  # union over tables, owner excluded
    # (role, object kind, grantee, privilege, grantable)
    default_acl: set[tuple[str, str, str, str, bool]] = field(default_factory=set)


def _rows(cur, name: str, schema: str) -> list[tuple]:
    cur.execute(sqlfiles.read(f"privileges/{name}.sql"), {"schema": schema})
    return [tuple(r) for r in cur.fetchall()]


def read(cur, schema: str) -> Privileges:
    """What the roles can do on a schema and its tables (harness/sql/privileges/)."""
    ((owner,),) = _rows(cur, "schema_owner", schema)
    table_owner = next((r[0] for r in _rows(cur, "table_owner", schema)), None)
    return Privileges(
        owner,
        set(_rows(cur, "schema_acl", schema)),
        table_owner,
        set(_rows(cur, "table_acl", schema)),
        set(_rows(cur, "default_acl", schema)),
    )


def _role(name: str) -> sql.Composable:
    return sql.SQL("public") if name == "public" else sql.Identifier(name)


def statements(old: Privileges, new_schema: str, new_tables: list[str], other_objects: list[tuple[str, str]]) -> list:
    """SQL that gives `new_schema` the owner, grants and default privileges `old` describes.

    other_objects: (kind, qualified signature) of enum types and functions to own.
    """
    s = sql.Identifier(new_schema)
    out: list = [sql.SQL("alter schema {} owner to {}").format(s, _role(old.schema_owner))]
    for grantee, privilege, grantable in sorted(old.schema_acl):
        if grantee == old.schema_owner:
            continue
        out.append(
            sql.SQL("grant {} on schema {} to {}{}").format(
                sql.SQL(privilege), s, _role(grantee), sql.SQL(" with grant option" if grantable else "")
            )
        )
    for table in new_tables:
        relation = sql.SQL("{}.{}").format(s, sql.Identifier(table))
        if old.table_owner:
            out.append(sql.SQL("alter table {} owner to {}").format(relation, _role(old.table_owner)))
        for grantee, privilege, grantable in sorted(old.table_acl):
            out.append(
                sql.SQL("grant {} on {} to {}{}").format(
                    sql.SQL(privilege), relation, _role(grantee), sql.SQL(" with grant option" if grantable else "")
                )
            )
    if old.table_owner:
        for kind, signature in other_objects:
            out.append(
                sql.SQL("alter {} {} owner to {}").format(sql.SQL(kind), sql.SQL(signature), _role(old.table_owner))
            )
    for role, kind, grantee, privilege, grantable in sorted(old.default_acl):
        if kind not in OBJECT_KINDS:
            continue
        out.append(
            sql.SQL("alter default privileges for role {} in schema {} grant {} on {} to {}{}").format(
                _role(role),
                s,
                sql.SQL(privilege),
                sql.SQL(OBJECT_KINDS[kind]),
                _role(grantee),
                sql.SQL(" with grant option" if grantable else ""),
            )
        )
    return out


def reproduce(cur, old_schema: str, new_schema: str) -> int:
    """Give `new_schema` and its tables the owner, grants and default privileges of `old_schema`
    (statements() of read()); returns how many statements that took."""
    done = statements(read(cur, old_schema), new_schema, db.tables_in(cur, new_schema), owned_objects(cur, new_schema))
    for statement in done:
        cur.execute(statement)
    return len(done)


def owned_objects(cur, schema: str) -> list[tuple[str, str]]:
    """Enum types and functions of a schema, as (kind, qualified signature)."""
    return _rows(cur, "owned_objects", schema)


def summary(p: Privileges) -> dict:
    """A comparable view: what a role can do on the schema and its tables."""
    return {
        "schema_owner": p.schema_owner,
        "schema_acl": sorted(p.schema_acl),
        "table_owner": p.table_owner,
        "table_acl": sorted(p.table_acl),
        "default_acl": sorted(p.default_acl),
    }
