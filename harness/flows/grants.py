"""The grant rule's inputs that are not in the database: which legacy tables each target table's
rows come from (dbt's lineage, read from the manifest) and the DBA's adjustments
(seeds/grant_adjustments.csv). The rule itself, and the SQL that applies it, are parity.py's.

The plan shows the rule's result (migrate.Plan.grants), the cutover applies it inside the
swap, and the post-cutover check new_live_tables_keep_the_legacy_privileges compares the new
live tables with it (swap_checks.py).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field

from harness.common import paths
from harness.common.errors import UsageError
from harness.db import parity
from harness.dbt_bridge import checks, project

SEED = "grant_adjustments.csv"
PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "MAINTAIN")
DECISIONS = ("grant", "withhold")


@dataclass
class RuleInputs:
    lineage: dict[str, list[str]] = field(default_factory=dict)  # target table -> legacy tables upstream
    adjustments: list[parity.Adjustment] = field(default_factory=list)


def _problem(table: str, role: str, privilege: str, decision: str, target_tables: list[str]) -> str | None:
    if table not in target_tables:
        return f"table_name {table!r} is not a target table"
    if not role:
        return "role_name is empty"
    if privilege not in PRIVILEGES:
        return f"privilege {privilege!r} is not one of {', '.join(PRIVILEGES)}"
    if decision not in DECISIONS:
        return f"decision {decision!r} is not grant or withhold"
    return None


def adjustments(target_tables: list[str]) -> list[parity.Adjustment]:
    """seeds/grant_adjustments.csv, each row checked (UsageError naming the first bad one)."""
    path = paths.project_dir() / "seeds" / SEED
    if not path.exists():
        return []
    found = []
    with path.open(newline="") as rows:
        for line, row in enumerate(csv.DictReader(rows), start=2):
            values = {k: (v or "").strip() for k, v in row.items() if k}
            table, role, reason = values.get("table_name", ""), values.get("role_name", ""), values.get("reason", "")
            privilege, decision = values.get("privilege", "").upper(), values.get("decision", "").lower()
            problem = _problem(table, role, privilege, decision, target_tables)
            if problem:
                raise UsageError(f"seeds/{SEED} line {line}: {problem}; correct the row (docs/runbook.md#privileges)")
            found.append(parity.Adjustment(table, role, privilege, decision, reason))
    return found


def inputs(cur=None) -> RuleInputs:
    """The lineage from dbt's manifest (parsed when no run left a current one) and the seed; with a
    cursor, a seed row naming a role the server does not have is refused (before the swap would)."""
    lineage = project.load(checks.ensure_manifest()).legacy_lineage()
    rule = RuleInputs(lineage, adjustments(sorted(lineage)))
    if cur is not None and rule.adjustments:
        cur.execute(
            "select r from unnest(%s::text[]) as r where r <> 'public' and to_regrole(quote_ident(r)) is null",
            (sorted({a.role for a in rule.adjustments}),),
        )
        missing = [r[0] for r in cur.fetchall()]
        if missing:
            raise UsageError(
                f"seeds/{SEED} names role {missing[0]}, which this server does not have; nothing was changed. "
                "Correct the row or create the role"
            )
    return rule


def plan(cur, legacy_schema: str, new_schema: str, rule: RuleInputs | None = None) -> parity.GrantPlan:
    """What the rule gives the tables of `new_schema` from the legacy tables of `legacy_schema`."""
    rule = rule or inputs()
    return parity.plan_for(cur, legacy_schema, new_schema, rule.lineage, rule.adjustments)
