"""Grants, ownership and default privileges: what the application's roles
could do on the legacy schema, reproduced on the schema that replaces it.

New tables get the union of what each role had on any legacy table, and the
owner the legacy tables had. Used inside the swap transaction, so the
application never sees the new schema without its privileges.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from psycopg2 import sql

OBJECT_KINDS = {"r": "tables", "S": "sequences", "f": "functions", "T": "types"}


@dataclass
class Privileges:
    schema_owner: str
    schema_acl: set[tuple[str, str, bool]] = field(default_factory=set)  # (grantee, privilege, grantable)
    table_owner: str | None = None
    table_acl: set[tuple[str, str, bool]] = field(default_factory=set)  # union over tables, owner excluded
    default_acl: set[tuple[str, str, str, str, bool]] = field(default_factory=set)  # (role, kind, grantee, privilege, grantable)


def read(cur, schema: str) -> Privileges:
    cur.execute("select nspowner::regrole::text from pg_namespace where nspname = %s", (schema,))
    owner = cur.fetchone()[0]
    cur.execute(
        "select case when a.grantee = 0 then 'public' else a.grantee::regrole::text end, a.privilege_type, a.is_grantable"
        " from pg_namespace n, aclexplode(n.nspacl) a where n.nspname = %s",
        (schema,),
    )
    schema_acl = {tuple(r) for r in cur.fetchall()}
    cur.execute(
        "select c.relowner::regrole::text, count(*) from pg_class c where c.relnamespace = %s::regnamespace"
        " and c.relkind in ('r', 'p') group by 1 order by 2 desc, 1 limit 1",
        (schema,),
    )
    row = cur.fetchone()
    table_owner = row[0] if row else None
    cur.execute(
        "select distinct case when a.grantee = 0 then 'public' else a.grantee::regrole::text end, a.privilege_type,"
        " a.is_grantable from pg_class c, aclexplode(c.relacl) a where c.relnamespace = %s::regnamespace"
        " and c.relkind in ('r', 'p') and a.grantee <> c.relowner",
        (schema,),
    )
    table_acl = {tuple(r) for r in cur.fetchall()}
    cur.execute(
        "select d.defaclrole::regrole::text, d.defaclobjtype::text,"
        " case when a.grantee = 0 then 'public' else a.grantee::regrole::text end, a.privilege_type, a.is_grantable"
        " from pg_default_acl d, aclexplode(d.defaclacl) a where d.defaclnamespace = %s::regnamespace",
        (schema,),
    )
    default_acl = {tuple(r) for r in cur.fetchall()}
    return Privileges(owner, schema_acl, table_owner, table_acl, default_acl)


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
        out.append(sql.SQL("grant {} on schema {} to {}{}").format(
            sql.SQL(privilege), s, _role(grantee), sql.SQL(" with grant option" if grantable else "")))
    for table in new_tables:
        relation = sql.SQL("{}.{}").format(s, sql.Identifier(table))
        if old.table_owner:
            out.append(sql.SQL("alter table {} owner to {}").format(relation, _role(old.table_owner)))
        for grantee, privilege, grantable in sorted(old.table_acl):
            out.append(sql.SQL("grant {} on {} to {}{}").format(
                sql.SQL(privilege), relation, _role(grantee), sql.SQL(" with grant option" if grantable else "")))
    if old.table_owner:
        for kind, signature in other_objects:
            out.append(sql.SQL("alter {} {} owner to {}").format(sql.SQL(kind), sql.SQL(signature), _role(old.table_owner)))
    for role, kind, grantee, privilege, grantable in sorted(old.default_acl):
        if kind not in OBJECT_KINDS:
            continue
        out.append(sql.SQL("alter default privileges for role {} in schema {} grant {} on {} to {}{}").format(
            _role(role), s, sql.SQL(privilege), sql.SQL(OBJECT_KINDS[kind]), _role(grantee),
            sql.SQL(" with grant option" if grantable else "")))
    return out


def owned_objects(cur, schema: str) -> list[tuple[str, str]]:
    """Enum types and functions of a schema, as (kind, qualified signature)."""
    cur.execute(
        "select 'type', format('%%I.%%I', n.nspname, t.typname) from pg_type t join pg_namespace n on n.oid = t.typnamespace"
        " where n.nspname = %s and t.typtype = 'e'"
        " union all select 'function', p.oid::regprocedure::text from pg_proc p"
        " where p.pronamespace = %s::regnamespace order by 1, 2",
        (schema, schema),
    )
    return [tuple(r) for r in cur.fetchall()]


def summary(p: Privileges) -> dict:
    """A comparable view: what a role can do on the schema and its tables."""
    return {
        "schema_owner": p.schema_owner,
        "schema_acl": sorted(p.schema_acl),
        "table_owner": p.table_owner,
        "table_acl": sorted(p.table_acl),
        "default_acl": sorted(p.default_acl),
    }
