"""Grants, ownership and default privileges: what the application's roles could do on the
legacy schema, given to the schema that replaces it, never widened.

The schema keeps its owner, its grants and its default privileges. Each new table gets an
owner and privileges by the grant rule (grant_rule(), docs/runbook.md#privileges):

  same name   a table named like a legacy table: that table's owner and exactly each role's
              privileges on it; column grants stay column grants, by column name (a grant on
              a column the new table lacks is listed as dropped)
  derived     a table whose rows come from legacy tables (dbt's lineage, which the caller
              reads from the manifest): a privilege only if the role held it on every one of
              them
  no source   a table built empty: a privilege only if the role held it on every legacy
              table, plus what the default privileges of its owner give

then a DBA's adjustments (seeds/grant_adjustments.csv): a privilege granted or withheld on one
table. A table's owner holds every privilege of the legacy tables it owns. Row-level security
and policies are not carried (row_security_not_carried()). Used inside the swap transaction,
so the application never sees the new schema without its privileges.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from psycopg2 import sql

from harness.common import sqlfiles
from harness.common.errors import CheckFailed
from harness.common.legacy import LEGACY_TABLES
from harness.db.swap import SwapRefused

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


@dataclass
class TableAccess:
    """Who may do what on one table. privileges: role -> privilege -> with grant option (the owner
    holds every privilege); columns: role -> (privilege, column) -> with grant option."""

    owner: str
    privileges: dict[str, dict[str, bool]] = field(default_factory=dict)
    columns: dict[str, dict[tuple[str, str], bool]] = field(default_factory=dict)
    column_names: set[str] = field(default_factory=set)


def read_tables(cur, schema: str) -> dict[str, TableAccess]:
    """Every table of a schema with its owner, the privileges of each role and its column grants."""
    tables: dict[str, TableAccess] = {}
    for table, owner, grantee, privilege, grantable in _rows(cur, "table_privileges", schema):
        access = tables.setdefault(table, TableAccess(owner))
        access.privileges.setdefault(grantee, {})[privilege] = grantable
    for table, column, grantee, privilege, grantable in _rows(cur, "column_privileges", schema):
        access = tables[table]
        access.column_names.add(column)
        if grantee is not None:
            access.columns.setdefault(grantee, {})[(privilege, column)] = grantable
    return tables


def table_defaults(cur, schema: str) -> dict[str, dict[str, dict[str, bool]]]:
    """The default privileges on tables, in `schema` or anywhere: role -> grantee -> privilege -> grantable."""
    found: dict[str, dict[str, dict[str, bool]]] = {}
    for role, grantee, privilege, grantable in _rows(cur, "table_defaults", schema):
        held = found.setdefault(role, {}).setdefault(grantee, {})
        held[privilege] = held.get(privilege, False) or grantable
    return found


@dataclass(frozen=True)
class Adjustment:
    """A DBA's word on one new table (seeds/grant_adjustments.csv): grant or withhold a privilege."""

    table: str
    role: str
    privilege: str
    decision: str  # "grant" | "withhold"
    reason: str = ""


@dataclass
class TableGrant:
    """One role's privileges on one new table, as the rule gives them."""

    table: str
    role: str
    privileges: dict[str, bool] = field(default_factory=dict)  # privilege -> with grant option
    columns: dict[tuple[str, str], bool] = field(default_factory=dict)  # (privilege, column) -> grant option

    def to_dict(self) -> dict:
        by_privilege: dict[str, list[str]] = {}
        for privilege, column in sorted(self.columns):
            by_privilege.setdefault(privilege, []).append(column)
        return {
            "table": self.table,
            "role": self.role,
            "privileges": sorted(self.privileges),
            "grantable": sorted(p for p, g in self.privileges.items() if g),
            "columns": by_privilege,
        }


@dataclass
class GrantPlan:
    """What the rule gives each new table: its owner, each role's privileges, how it was decided
    (rules: table -> 'same name' | 'derived from a, b' | 'no legacy source'), the column grants
    dropped with their column and the seed's adjustments applied."""

    owners: dict[str, str] = field(default_factory=dict)
    grants: list[TableGrant] = field(default_factory=list)
    rules: dict[str, str] = field(default_factory=dict)
    dropped_column_grants: list[dict] = field(default_factory=list)
    adjustments: list[dict] = field(default_factory=list)

    def of(self, table: str) -> list[TableGrant]:
        return [g for g in self.grants if g.table == table]

    def to_dict(self) -> dict:
        return {
            "owners": dict(sorted(self.owners.items())),
            "rules": dict(sorted(self.rules.items())),
            "rows": [g.to_dict() for g in self.grants],
            "dropped_column_grants": self.dropped_column_grants,
            "adjustments": self.adjustments,
        }


def _common(accesses: list[TableAccess]) -> dict[str, dict[str, bool]]:
    """The privileges each role holds on every one of the tables (with grant option if on all)."""
    roles = set().union(*(a.privileges for a in accesses)) if accesses else set()
    held: dict[str, dict[str, bool]] = {}
    for role in sorted(roles):
        each = [a.privileges.get(role, {}) for a in accesses]
        common = {p: all(h[p] for h in each) for p in set.intersection(*(set(h) for h in each))}
        if common:
            held[role] = common
    return held


def grant_rule(
    legacy: dict[str, TableAccess],
    new_tables: dict[str, set[str]],
    lineage: dict[str, list[str]],
    defaults: dict[str, dict[str, dict[str, bool]]] | None = None,
    adjustments: list[Adjustment] | tuple = (),
) -> GrantPlan:
    """The grant rule (the module docstring). legacy: the legacy tables' access (read_tables());
    new_tables: each new table with its columns; lineage: each new table's legacy tables upstream
    (a table it lacks has no legacy source); defaults: table_defaults() of the legacy schema."""
    legacy = {t: a for t, a in legacy.items() if t in LEGACY_TABLES}
    owners = Counter(a.owner for a in legacy.values())
    usual_owner = min(owners, key=lambda o: (-owners[o], o)) if owners else None
    plan = GrantPlan()
    for table in sorted(new_tables):
        columns: dict[str, dict[tuple[str, str], bool]] = {}
        if table in legacy:
            source = legacy[table]
            owner, held, plan.rules[table] = (
                source.owner,
                {r: dict(p) for r, p in source.privileges.items()},
                "same name",
            )
            for role, granted in source.columns.items():
                for (privilege, column), grantable in granted.items():
                    if column in new_tables[table]:
                        columns.setdefault(role, {})[(privilege, column)] = grantable
                    else:
                        plan.dropped_column_grants.append(
                            {"table": table, "role": role, "column": column, "privilege": privilege}
                        )
        else:
            owner = usual_owner
            upstream = [t for t in lineage.get(table, []) if t in legacy]
            if upstream:
                held, plan.rules[table] = _common([legacy[t] for t in upstream]), f"derived from {', '.join(upstream)}"
            else:
                held, plan.rules[table] = _common(list(legacy.values())), "no legacy source"
                for grantee, privileges in ((defaults or {}).get(owner) or {}).items():
                    for privilege, grantable in privileges.items():
                        mine = held.setdefault(grantee, {})
                        mine[privilege] = mine.get(privilege, False) or grantable
        for adjustment in adjustments:
            if adjustment.table != table:
                continue
            if adjustment.decision == "grant":
                held.setdefault(adjustment.role, {}).setdefault(adjustment.privilege, False)
            else:
                held.get(adjustment.role, {}).pop(adjustment.privilege, None)
                for key in [k for k in columns.get(adjustment.role, {}) if k[0] == adjustment.privilege]:
                    del columns[adjustment.role][key]
            plan.adjustments.append(adjustment.__dict__)
        if owner is None:
            continue
        plan.owners[table] = owner
        for role in sorted(set(held) | set(columns)):
            if role != owner and (held.get(role) or columns.get(role)):
                plan.grants.append(TableGrant(table, role, held.get(role, {}), columns.get(role, {})))
    return plan


def _grantee(role: str, grantable: bool) -> sql.Composable:
    return sql.SQL("{}{}").format(_role(role), sql.SQL(" with grant option" if grantable else ""))


def _revocations(schema: str, current: dict[str, TableAccess]) -> list:
    """What the new tables grant now (a default privilege of the role that built them), taken back."""
    out: list = []
    for table, access in sorted(current.items()):
        relation = sql.Identifier(schema, table)
        for role in sorted(set(access.privileges) - {access.owner}):
            out.append(sql.SQL("revoke all on {} from {}").format(relation, _role(role)))
        for role, granted in sorted(access.columns.items()):
            names = sql.SQL(", ").join(sql.Identifier(c) for c in sorted({c for _, c in granted}))
            out.append(sql.SQL("revoke all ({}) on {} from {}").format(names, relation, _role(role)))
    return out


def _moves(schema: str, moves: list[tuple[str, sql.Composable, str]], mover: str) -> list:
    """ALTER ... OWNER for each (kind, object, new owner). A new owner needs CREATE on the schema to
    receive an object: the schema's owner (`mover`) lends it for the moves and takes it back."""
    s = sql.Identifier(schema)
    lent = sorted({owner for _, _, owner in moves if owner != mover})
    return [
        *(sql.SQL("grant create on schema {} to {}").format(s, _role(o)) for o in lent),
        *(sql.SQL("alter {} {} owner to {}").format(sql.SQL(k), name, _role(o)) for k, name, o in moves),
        *(sql.SQL("revoke create on schema {} from {}").format(s, _role(o)) for o in lent),
    ]


def _grants(plan: GrantPlan, schema: str, tables: set[str]) -> list:
    out: list = []
    for grant in plan.grants:
        if grant.table not in tables:
            continue
        relation = sql.Identifier(schema, grant.table)
        for grantable in (False, True):
            chosen = sorted(p for p, g in grant.privileges.items() if g == grantable)
            if chosen:
                privileges = sql.SQL(", ").join(map(sql.SQL, chosen))
                out.append(
                    sql.SQL("grant {} on {} to {}").format(privileges, relation, _grantee(grant.role, grantable))
                )
            for privilege in sorted({p for (p, _), g in grant.columns.items() if g == grantable}):
                names = sorted(c for (p, c), g in grant.columns.items() if p == privilege and g == grantable)
                out.append(
                    sql.SQL("grant {} ({}) on {} to {}").format(
                        sql.SQL(privilege),
                        sql.SQL(", ").join(map(sql.Identifier, names)),
                        relation,
                        _grantee(grant.role, grantable),
                    )
                )
    return out


def statements(
    old: Privileges,
    plan: GrantPlan,
    new_schema: str,
    current: dict[str, TableAccess],
    mover: str,
    other_objects: list[tuple[str, str]],
) -> list:
    """SQL that gives `new_schema` (owned by `mover`, its tables as `current` describes them) the
    schema owner, grants and default privileges `old` describes, and its tables the owners and
    privileges of `plan` and nothing more.

    other_objects: (kind, qualified signature) of enum types and functions, given to the owner
    of most legacy tables."""
    s = sql.Identifier(new_schema)
    moves = [
        ("table", sql.Identifier(new_schema, t), plan.owners[t])
        for t in sorted(current)
        if t in plan.owners and plan.owners[t] != current[t].owner
    ]
    if old.table_owner:
        moves += [(kind, sql.SQL(signature), old.table_owner) for kind, signature in other_objects]
    out: list = [
        *_revocations(new_schema, current),
        *_moves(new_schema, moves, mover),
        *_grants(plan, new_schema, set(current)),
        sql.SQL("alter schema {} owner to {}").format(s, _role(old.schema_owner)),
    ]
    for grantee, privilege, grantable in sorted(old.schema_acl):
        if grantee == old.schema_owner:
            continue
        out.append(sql.SQL("grant {} on schema {} to {}").format(sql.SQL(privilege), s, _grantee(grantee, grantable)))
    for role, kind, grantee, privilege, grantable in sorted(old.default_acl):
        if kind not in OBJECT_KINDS:
            continue
        out.append(
            sql.SQL("alter default privileges for role {} in schema {} grant {} on {} to {}").format(
                _role(role), s, sql.SQL(privilege), sql.SQL(OBJECT_KINDS[kind]), _grantee(grantee, grantable)
            )
        )
    return out


def plan_for(
    cur, old_schema: str, new_schema: str, lineage: dict[str, list[str]], adjustments: list[Adjustment] | tuple = ()
) -> GrantPlan:
    """The grant rule for the tables of `new_schema` from the legacy tables of `old_schema`."""
    new_tables = {t: a.column_names for t, a in read_tables(cur, new_schema).items()}
    return grant_rule(read_tables(cur, old_schema), new_tables, lineage, table_defaults(cur, old_schema), adjustments)


def reproduce(
    cur, old_schema: str, new_schema: str, lineage: dict[str, list[str]], adjustments: list[Adjustment] | tuple = ()
) -> tuple[GrantPlan, int]:
    """Give `new_schema` the schema owner, grants and default privileges of `old_schema`, and its
    tables the owners and privileges of the grant rule; returns the rule's plan and how many
    statements it took. The role running it owns `new_schema` and its tables (the build made them)."""
    current = read_tables(cur, new_schema)
    plan = grant_rule(
        read_tables(cur, old_schema),
        {t: a.column_names for t, a in current.items()},
        lineage,
        table_defaults(cur, old_schema),
        adjustments,
    )
    ((mover,),) = _rows(cur, "schema_owner", new_schema)
    done = statements(read(cur, old_schema), plan, new_schema, current, mover, owned_objects(cur, new_schema))
    for statement in done:
        cur.execute(statement)
    return plan, len(done)


def differences(plan: GrantPlan, schema: str, actual: dict[str, TableAccess]) -> list[str]:
    """Where the tables of `schema` (read_tables()) differ from what the rule gives them, one line each."""
    found = []
    for table, access in sorted(actual.items()):
        if table not in plan.owners:
            continue
        if access.owner != plan.owners[table]:
            found.append(f"{schema}.{table} belongs to {access.owner}, the rule gives it to {plan.owners[table]}")
        wanted = {g.role: g for g in plan.of(table)}
        for role in sorted((set(access.privileges) | set(access.columns) | set(wanted)) - {access.owner}):
            grant = wanted.get(role) or TableGrant(table, role)
            has, has_columns = access.privileges.get(role, {}), access.columns.get(role, {})
            if has != grant.privileges or has_columns != grant.columns:
                found.append(
                    f"{schema}.{table}: role {role} holds {_listed(has, has_columns)}, the rule gives it "
                    f"{_listed(grant.privileges, grant.columns)}"
                )
    return found


def _listed(privileges: dict[str, bool], columns: dict[tuple[str, str], bool]) -> str:
    held = [p + ("*" if g else "") for p, g in sorted(privileges.items())]
    held += [f"{p}({c})" + ("*" if g else "") for (p, c), g in sorted(columns.items())]
    return ", ".join(held) or "nothing"


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


# ---------------------------------------------------------------- row-level security: never carried


class RowSecurityNotCarried(CheckFailed):
    """Legacy tables have row-level security the new tables would not have (nothing was changed)."""


def row_security_of(cur, schema: str) -> dict[str, tuple[bool, bool, tuple[str, ...]]]:
    """The tables of a schema with row-level security on or policies: table -> (enabled, forced, policies)."""
    return {
        t: (enabled, forced, tuple(policies)) for t, enabled, forced, policies in _rows(cur, "row_security_of", schema)
    }


def _described(schema: str, table: str, enabled: bool, forced: bool, policies: tuple[str, ...]) -> str:
    flags = ("forced" if forced else "enabled") if enabled else "not enabled"
    return f"{schema}.{table} (row-level security {flags}; policies: {', '.join(policies) or 'none'})"


def row_security_not_carried(cur, legacy_schema: str, new_schema: str) -> list[str]:
    """Each legacy table whose row-level security (enabled, forced, policies by name) the new table
    of its name lacks, one line each (empty: every one is there)."""
    new = row_security_of(cur, new_schema)
    missing = []
    for table, (enabled, forced, policies) in row_security_of(cur, legacy_schema).items():
        if table not in LEGACY_TABLES:
            continue
        has_enabled, has_forced, has_policies = new.get(table, (False, False, ()))
        lacks = [p for p in policies if p not in has_policies]
        if lacks or (enabled and not has_enabled) or (forced and not has_forced):
            missing.append(
                f"{_described(legacy_schema, table, enabled, forced, policies)} has no match on {new_schema}.{table}"
                + (f" (missing: {', '.join(lacks)})" if lacks else "")
            )
    return missing


def refuse_row_security(cur, live: str, *, after_swap: bool = False) -> None:
    """Before a cutover (and before its backups): the swap never carries row-level security, so legacy
    tables that have it are refused, each table and policy named, unless an after-swap SQL file will
    recreate it (after_swap; the swap then checks that it did: require_row_security_carried())."""
    if after_swap:
        return
    found = [(table, flags) for table, flags in row_security_of(cur, live).items() if table in LEGACY_TABLES]
    if not found:
        return
    listed = "; ".join(_described(live, table, *flags) for table, flags in found)
    drops = "; ".join(
        " ".join(f"DROP POLICY {p} ON {live}.{table};" for p in flags[2])
        + (f" ALTER TABLE {live}.{table} DISABLE ROW LEVEL SECURITY" if flags[0] else "")
        for table, flags in found
    )
    raise RowSecurityNotCarried(
        f"the cutover does not carry row-level security to the new tables (their columns differ): {listed}; "
        "nothing was changed. Recreate it in the after-swap SQL file, which runs in the swap's transaction "
        f"(--after-swap FILE), or drop it from the legacy tables first ({drops.strip()})"
    )


def require_row_security_carried(cur, legacy_schema: str, new_schema: str) -> None:
    """In the swap's transaction, after the after-swap SQL file ran: refuse (SwapRefused, the
    transaction rolls back) unless it recreated the legacy tables' row-level security."""
    missing = row_security_not_carried(cur, legacy_schema, new_schema)
    if missing:
        raise SwapRefused(
            "row_security",
            f"the after-swap file did not recreate the legacy row-level security: {missing[0]}"
            + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
            + "; nothing was cut over. Recreate every policy, ENABLE and FORCE in the file",
        )
