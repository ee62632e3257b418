"""What a role needs for each command, checked before anything changes.

docs/runbook.md lists the same as GRANT statements. A superuser passes; an
ordinary migration role (owner of the database and of the live schema, say)
passes as long as it has what its command uses:

  read      USAGE on the live schema, SELECT on its tables (every command that stages)
  create    CREATE on the database, for <live>_stage, <live>_next, migration_audit,
            migration_backup (unless they exist and the role owns them)
  capture   TRIGGER on the legacy tables of the live schema (a build that will be cut
            over, migrate); the application's other tables are never captured
  swap      owning the live schema and CREATE on the database (to rename it), UPDATE on
            the live tables (to lock them), and membership in the roles that own them or
            hold default privileges there (to give the new tables their owners and
            privileges: parity.py; the owners need nothing more, the swap lends them
            CREATE on the incoming schema while it hands them their tables)
  harness   the harness's own schemas that exist already (<live>_stage, <live>_next,
            migration_audit, migration_backup) belong to the role, or to a role it is a
            member of (a first run as another role, a superuser, leaves them to that role);
            "audit", USAGE on migration_audit, is checked alone first: every command reads it

A legacy table with row-level security that would hide rows from the role refuses
every command that stages (read): the stage reads with row_security off and copies
every row or none (row_security()).

The check raises PrivilegeMissing (exit 2) naming the first thing missing and
the statement that grants it. Every server older than PostgreSQL 13 is refused.
"""

from __future__ import annotations

from harness.common import sqlfiles
from harness.common.errors import HarnessError
from harness.common.legacy import LEGACY_TABLES
from harness.common.schemas import Schemas
from harness.db import connection as db

NEEDS = {
    "stage": ("read", "create", "harness"),
    "dry-run": ("read", "create", "harness"),
    "validate": ("read", "create", "harness"),
    "build": ("read", "create", "capture", "harness"),
    "cutover": ("read", "create", "swap", "harness"),
    "migrate": ("read", "create", "capture", "swap", "harness"),
    "rollback": ("swap", "harness"),
}


class PrivilegeMissing(HarnessError):
    """The role lacks a privilege the command needs (exit 2: nothing was changed)."""


def current_role(cur) -> str:
    return _role(cur)[0]


def _role(cur) -> tuple[str, bool]:
    cur.execute("select current_user, rolsuper from pg_roles where rolname = current_user")
    return cur.fetchone()


def _live_tables(cur, schema: str) -> list[str]:
    return db.tables_in(cur, schema) if db.schema_exists(cur, schema) else []


def _table_privilege(cur, schema: str, tables: list[str], privilege: str) -> list[str]:
    cur.execute(
        "select t from unnest(%s::text[]) as t where not has_table_privilege(format('%%I.%%I', %s, t), %s)",
        (tables, schema, privilege),
    )
    return [r[0] for r in cur.fetchall()]


def _read(cur, role: str, schemas: Schemas) -> list[str]:
    found = []
    if db.schema_exists(cur, schemas.live):
        cur.execute("select has_schema_privilege(%s, 'USAGE')", (schemas.live,))
        if not cur.fetchone()[0]:
            return [
                f"role {role} cannot use schema {schemas.live}: it needs GRANT USAGE ON SCHEMA {schemas.live} TO {role}"
            ]
    for table in _table_privilege(cur, schemas.live, _live_tables(cur, schemas.live), "SELECT"):
        found.append(
            f"role {role} cannot read {schemas.live}.{table}: it needs GRANT SELECT ON {schemas.live}.{table} TO {role}"
        )
    return found + [hidden_rows(role, schemas.live, t) for t in row_security(cur, schemas) if not t["bypassed_by"]]


def row_security(cur, schemas: Schemas) -> list[dict]:
    """The legacy tables of the live schema with row-level security on or policies defined: each
    with its flags, owner and policies, and how the current role bypasses it (superuser,
    BYPASSRLS, or owner without FORCE; None: its rows would be filtered)."""
    if not db.schema_exists(cur, schemas.live):
        return []
    return db.fetch_all(
        cur, sqlfiles.read("privileges/row_security.sql"), {"schema": schemas.live, "tables": list(LEGACY_TABLES)}
    )


def read_through(live: str, table: dict) -> str:
    """One line on a legacy table with row-level security the role bypasses (or that is not enabled)."""
    flags = "forced" if table["forced"] else "enabled" if table["enabled"] else "not enabled"
    return (
        f"legacy table {live}.{table['table_name']} has row-level security {flags} (policies: "
        f"{', '.join(table['policies']) or 'none'}): staged whole, the role reads every row ({table['bypassed_by']}); "
        "the cutover does not carry it to the new tables"
    )


def hidden_rows(role: str, live: str, table: dict) -> str:
    """The refusal for a legacy table whose rows row-level security would hide from the role."""
    name = f"{live}.{table['table_name']}"
    policies = ", ".join(table["policies"]) or "none (every row hidden)"
    forced = " (forced)" if table["forced"] else ""
    if table["owned"]:
        owner = f", or, as its owner, without FORCE (ALTER TABLE {name} NO FORCE ROW LEVEL SECURITY)"
    elif table["owner_is_superuser"]:
        owner = ""
    else:
        owner = f", or as its owner {table['owner']} without FORCE (GRANT {table['owner']} TO {role})"
        if table["forced"]:
            owner += f" and ALTER TABLE {name} NO FORCE ROW LEVEL SECURITY"
    return (
        f"legacy table {name} has row-level security{forced} with policy {policies}, which would hide rows from "
        f"role {role}: the stage reads every row or none (row_security off), so it refuses. Migrate as a role "
        f"that bypasses it: BYPASSRLS (ALTER ROLE {role} BYPASSRLS, as a superuser){owner}"
    )


def _create(cur, role: str, schemas: Schemas) -> list[str]:
    cur.execute("select has_database_privilege(current_database(), 'CREATE'), current_database()")
    can_create, database = cur.fetchone()
    if can_create:
        return []
    missing = []
    for schema in (schemas.stage, schemas.next, schemas.audit, schemas.backup):
        cur.execute("select pg_has_role(nspowner, 'MEMBER') from pg_namespace where nspname = %s", (schema,))
        row = cur.fetchone()
        if not (row and row[0]):
            missing.append(schema)
    if not missing:
        return []
    return [
        f"role {role} cannot create schemas in database {database} (it needs {', '.join(missing)}): it needs "
        f"GRANT CREATE ON DATABASE {database} TO {role}"
    ]


def _capture(cur, role: str, schemas: Schemas) -> list[str]:
    legacy = [t for t in LEGACY_TABLES if t in _live_tables(cur, schemas.live)]
    return [
        f"role {role} cannot create triggers on {schemas.live}.{table} (change capture): it needs "
        f"GRANT TRIGGER ON {schemas.live}.{table} TO {role}, or ownership of the table"
        for table in _table_privilege(cur, schemas.live, legacy, "TRIGGER")
    ]


def _harness(cur, role: str, schemas: Schemas) -> list[str]:
    """The harness's schemas that exist already, and the relations in the two it keeps, belong to
    the role or to a role it is a member of: the stage and the target are dropped and made
    anew, the audit and the backups are written to."""
    cur.execute(
        "select n.nspname, null, n.nspowner::regrole::text, r.rolsuper from pg_namespace n"
        " join pg_roles r on r.oid = n.nspowner where n.nspname = any(%s) and not pg_has_role(n.nspowner, 'MEMBER')"
        " union all select n.nspname, c.relname, c.relowner::regrole::text, r.rolsuper from pg_class c"
        " join pg_namespace n on n.oid = c.relnamespace join pg_roles r on r.oid = c.relowner"
        " where n.nspname = any(%s) and c.relkind in ('r', 'p', 'v', 'S') and not pg_has_role(c.relowner, 'MEMBER')"
        " order by 1, 2 nulls first",
        ([schemas.stage, schemas.next, schemas.audit, schemas.backup], [schemas.audit, schemas.backup]),
    )
    foreign = cur.fetchall()
    whole = {schema for schema, relation, _, _ in foreign if relation is None}
    return [
        _not_the_roles(role, schemas, schema, relation, owner, superuser)
        for schema, relation, owner, superuser in foreign
        if relation is None or schema not in whole  # a table is said with its schema
    ]


def _audit(cur, role: str, schemas: Schemas) -> list[str]:
    """What every command does first, reading the audit: USAGE on migration_audit, if it exists."""
    cur.execute(
        "select n.nspowner::regrole::text, r.rolsuper from pg_namespace n join pg_roles r on r.oid = n.nspowner"
        " where n.nspname = %s and not has_schema_privilege(n.oid, 'USAGE')",
        (schemas.audit,),
    )
    return [_not_the_roles(role, schemas, schemas.audit, None, owner, superuser) for owner, superuser in cur.fetchall()]


def _not_the_roles(role: str, schemas: Schemas, schema: str, relation: str | None, owner: str, superuser: bool) -> str:
    """A harness schema (or a table in it) another role owns: whose it is, and what to grant."""
    if relation:
        what, grant = f"table {schema}.{relation}", f"ALTER TABLE {schema}.{relation} OWNER TO {role}"
    else:
        what, grant = f"schema {schema}", f"ALTER SCHEMA {schema} OWNER TO {role}"
        if schema in (schemas.audit, schemas.backup):
            grant += " and the same for its tables and functions (docs/runbook.md#privileges)"
    alternative = "" if superuser else f", or GRANT {owner} TO {role}"
    return (
        f"{what} belongs to role {owner}, not to {role} (a run as {owner} made it): it needs, as {owner}, "
        f"{grant}{alternative}"
    )


def _swap(cur, role: str, schemas: Schemas) -> list[str]:
    found = []
    cur.execute("select has_database_privilege(current_database(), 'CREATE'), current_database()")
    can_create, database = cur.fetchone()
    if not can_create:
        found.append(
            f"role {role} cannot rename schema {schemas.live} at the swap (a rename needs CREATE on the database): "
            f"it needs GRANT CREATE ON DATABASE {database} TO {role}"
        )
    cur.execute(
        "select nspowner::regrole::text, pg_has_role(nspowner, 'MEMBER') from pg_namespace where nspname = %s",
        (schemas.live,),
    )
    row = cur.fetchone()
    if row and not row[1]:
        found.append(
            f"role {role} does not own schema {schemas.live} (its owner is {row[0]}), so it cannot rename "
            f"it at the swap: it needs GRANT {row[0]} TO {role}, or ALTER SCHEMA {schemas.live} OWNER TO "
            f"{role}"
        )
    tables = _live_tables(cur, schemas.live)
    for table in _table_privilege(cur, schemas.live, tables, "UPDATE, DELETE, TRUNCATE"):
        found.append(
            f"role {role} cannot lock {schemas.live}.{table} against writes for the swap: it needs "
            f"GRANT UPDATE ON {schemas.live}.{table} TO {role}"
        )
    cur.execute(
        "select distinct r::regrole::text from ("
        " select c.relowner as r from pg_class c where c.relnamespace = %s::regnamespace and c.relkind in ('r', 'p')"
        " union select d.defaclrole from pg_default_acl d where d.defaclnamespace = %s::regnamespace) as owners"
        " where not pg_has_role(r, 'MEMBER') order by 1",
        (schemas.live, schemas.live),
    )
    for (owner,) in cur.fetchall():
        found.append(
            f"role {role} cannot give the new tables the owner and default privileges {owner} has on "
            f"{schemas.live}: it needs GRANT {owner} TO {role}"
        )
    return found


CHECKS = {"audit": _audit, "harness": _harness, "read": _read, "create": _create, "capture": _capture, "swap": _swap}


def problems(cur, schemas: Schemas, command: str) -> list[str]:
    """Every missing privilege of the current role for `command`, one line each (empty: none)."""
    role, superuser = _role(cur)
    if superuser:
        return []
    found = []
    for need in NEEDS.get(command, (command,) if command in CHECKS else ()):
        found += CHECKS[need](cur, role, schemas)
    return found


def require(cur, schemas: Schemas, command: str) -> None:
    """Refuse (PrivilegeMissing, one line) when the role lacks something `command` needs; the
    need alone ("audit": what reading the audit needs, which every command does first)."""
    found = problems(cur, schemas, command)
    if found:
        more = f" (and {len(found) - 1} more like it)" if len(found) > 1 else ""
        raise PrivilegeMissing(
            f"{found[0]}{more}; nothing was changed. The privileges of each command: docs/runbook.md#privileges"
        )


def can_create_roles(cur) -> bool:
    cur.execute("select rolsuper or rolcreaterole from pg_roles where rolname = current_user")
    return bool(cur.fetchone()[0])


def can_create_databases(cur) -> bool:
    cur.execute("select rolsuper or rolcreatedb from pg_roles where rolname = current_user")
    return bool(cur.fetchone()[0])
