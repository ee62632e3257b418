"""Validation checks = dbt tests with check metadata (meta.check_severity,
meaning, fix). This module reads the catalogue from dbt's manifest and turns a
dbt run into check results: severity, number of offending rows, up to five
example ids and a fix hint, read from the failing rows each test stores.
"""

from __future__ import annotations

import string
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from psycopg2 import sql

from harness.common.schemas import Schemas
from harness.db import connection as db
from harness.dbt_bridge import dbt_runner, project
from harness.dbt_bridge.dbt_runner import DbtRun, latest_manifest

SEVERITIES = ("critical", "error", "warning", "info")
BLOCKING = ("critical", "error")
EXAMPLES = 5


@dataclass
class Check:
    name: str
    severity: str
    phase: str
    meaning: str
    fix: str
    unique_id: str = ""
    relation: str | None = None
    status: str = "not run"  # passed | found | error | not run
    failing_rows: int = 0
    example_ids: list[str] = field(default_factory=list)
    example_value: str | None = None
    message: str | None = None

    @property
    def found(self) -> bool:
        return self.status in ("found", "error")

    @property
    def blocking(self) -> bool:
        # a critical or error check that did not run (dbt skipped it) proves nothing
        return (self.found or self.status == "skipped") and self.severity in BLOCKING

    def fix_hint(self) -> str:
        value = self.example_value if self.example_value is not None else "?"
        try:
            return string.Formatter().vformat(self.fix, (), {"value": value})
        except (KeyError, IndexError, ValueError):
            return self.fix

    def as_dict(self) -> dict:
        d = asdict(self)
        d["fix_hint"] = self.fix_hint()
        return d

    @classmethod
    def from_dict(cls, document: dict) -> Check:
        """A check as a report holds it (as_dict())."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in document.items() if k in names})


def manifest_path() -> Path | None:
    """The manifest of the latest dbt run (every connection and set of vars has its own)."""
    return latest_manifest()


def _schema_qualified(relation_name: str | None) -> str | None:
    """'"db"."schema"."table"' -> '"schema"."table"' (the database is the connection's)."""
    if not relation_name:
        return None
    parts = relation_name.split(".")
    return ".".join(parts[-2:])


def ensure_manifest() -> Path:
    """dbt's manifest; parsed (no database needed) when no run has written a current one."""
    path = manifest_path()
    if path is None or not dbt_runner.manifest_is_current(path.parent):
        run = dbt_runner.invoke("parse", db.Target("host=localhost dbname=parse_only"), Schemas("public"))
        dbt_runner.raise_on_error(run)
        path = run.manifest
    return path


def catalogue(manifest: Path | None = None) -> dict[str, Check]:
    """Every check of the project, keyed by test unique_id."""
    dbt_project = project.load(manifest or ensure_manifest())
    checks: dict[str, Check] = {}
    for unique_id, node in dbt_project.tests().items():
        meta = node.get("config", {}).get("meta") or {}
        parents = node.get("depends_on", {}).get("nodes", [])
        seed_parents = [p.split(".")[-1] for p in parents if p.startswith("seed.")]
        if "check_severity" in meta:
            # what a check means is its test's description (the lineage docs show it too)
            severity, fix = meta["check_severity"], meta.get("fix", "")
            meaning = node.get("description") or node["name"]
        elif seed_parents:  # the seeds' own tests: a DBA's edit broke a mapping table
            severity = "critical"
            meaning = f"mapping seed {seed_parents[0]} is malformed ({node['name']})"
            fix = f"correct seeds/{seed_parents[0]}.csv"
        else:
            severity = "error" if node.get("config", {}).get("severity", "error").lower() == "error" else "warning"
            meaning, fix = node.get("description") or node["name"], "see the test's SQL"
        checks[unique_id] = Check(
            name=node["name"],
            severity=severity,
            phase=dbt_project.check_phase(unique_id),
            meaning=meaning,
            fix=fix,
            unique_id=unique_id,
            relation=_schema_qualified(node.get("relation_name")),
        )
    return checks


def _examples(cur, relation: str) -> tuple[int, list[str], str | None]:
    cur.execute("select to_regclass(%s)", (relation,))
    if cur.fetchone()[0] is None:
        return 0, [], None
    cur.execute(sql.SQL("select count(*) from {}").format(sql.SQL(relation)))
    count = int(cur.fetchone()[0])
    cur.execute(
        "select attname from pg_attribute where attrelid = %s::regclass and attnum > 0 and not attisdropped",
        (relation,),
    )
    columns = {r[0] for r in cur.fetchall()}
    if not {"id", "value"} <= columns:
        return count, [], None
    cur.execute(
        sql.SQL("select id::text, value::text from {} order by id limit %s").format(sql.SQL(relation)), (EXAMPLES,)
    )
    rows = cur.fetchall()
    return count, [r[0] for r in rows if r[0] is not None], (rows[0][1] if rows else None)


def collect(target: db.Target, runs: list[DbtRun], *, phases: tuple[str, ...] = ("pre", "post")) -> list[Check]:
    """Results of the checks that ran in these dbt runs (and the ones that did not)."""
    manifest = next((r.manifest for r in reversed(runs) if r.manifest and r.manifest.exists()), None)
    checks = {uid: c for uid, c in catalogue(manifest).items() if c.phase in phases}
    with db.connect(target) as conn, conn.cursor() as cur:
        for run in runs:
            for outcome in run.outcomes:
                check = checks.get(outcome.unique_id)
                if check is None:
                    continue
                if outcome.status == "error":
                    check.status, check.message = "error", outcome.message
                    continue
                if outcome.status == "skipped":
                    check.status = "skipped"
                    continue
                # dbt counts the failing rows of a test that warned or failed; an info check never
                # does either (it is stored only), so its stored rows are read whatever dbt counted
                if not check.relation or (outcome.failures == 0 and check.severity != "info"):
                    count, examples, value = 0, [], None
                else:
                    count, examples, value = _examples(cur, check.relation)
                count = max(count, outcome.failures or 0)
                check.failing_rows, check.example_ids, check.example_value = count, examples, value
                check.status = "found" if count else "passed"
    return ordered(checks.values())


def ordered(found) -> list[Check]:
    """Checks in the order every report lists them: by severity, findings first, then by phase and name."""
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(found, key=lambda c: (order.get(c.severity, 9), not c.found, c.phase, c.name))


def summary(checks: list[Check]) -> dict:
    by_severity = {s: {"checks": 0, "found": 0, "rows": 0} for s in SEVERITIES}
    for c in checks:
        bucket = by_severity.setdefault(c.severity, {"checks": 0, "found": 0, "rows": 0})
        bucket["checks"] += 1
        if c.found:
            bucket["found"] += 1
            bucket["rows"] += c.failing_rows
    blocking = [c.name for c in checks if c.blocking]
    return {
        "verdict": "fail" if blocking else "pass",
        "blocking_checks": blocking,
        "by_severity": by_severity,
        "checks_run": sum(1 for c in checks if c.status in ("passed", "found", "error")),
    }


GENERATED_MARKER = "<!-- generated by: make docs-checks; do not edit by hand -->"


def markdown_table(catalogue_checks: dict[str, Check]) -> str:
    """The table of docs/checks.md: name, severity, phase, meaning, fix."""
    order = {s: i for i, s in enumerate(SEVERITIES)}
    rows = sorted(catalogue_checks.values(), key=lambda c: (c.phase != "pre", order[c.severity], c.name))
    seed_checks = [c for c in rows if c.meaning.startswith("mapping seed ")]
    rows = [c for c in rows if c not in seed_checks]
    lines = ["| check | severity | phase | meaning | fix |", "|---|---|---|---|---|"]
    if seed_checks:
        lines.append(
            f"| the seeds' own tests ({len(seed_checks)}: seed_key, seed_columns_filled, unique, not_null, "
            "accepted_values) | critical | pre "
            "| a mapping seed a DBA edited is malformed | correct the seed the check names |"
        )
    for c in rows:
        fix = c.fix.replace("{value}", "*value*").replace("|", "\\|")
        lines.append(f"| `{c.name}` | {c.severity} | {c.phase} | {c.meaning.replace('|', '/')} | {fix} |")
    return "\n".join(lines)


def catalogue_document(current: str, catalogue_checks: dict[str, Check]) -> str:
    """docs/checks.md with its generated part (after the marker) made from the catalogue."""
    head = current.split(GENERATED_MARKER)[0].rstrip("\n")
    return f"{head}\n\n{GENERATED_MARKER}\n\n{markdown_table(catalogue_checks)}\n"


def main(argv: list[str] | None = None) -> int:
    """python -m harness.dbt_bridge.checks [--write docs/checks.md]: the check table from the dbt project."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--write", type=Path, help="regenerate the table in this markdown file")
    args = parser.parse_args(argv)
    table = catalogue()
    if args.write:
        args.write.write_text(catalogue_document(args.write.read_text(), table))
    else:
        print(markdown_table(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
