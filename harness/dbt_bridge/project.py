"""The dbt project's structure as the harness needs it, read from dbt's
manifest — never hard-coded here: which of the 11 steps a node belongs to
(a model's `meta.step`), which models are the target tables (the marts, built
into <live>_next), the phase of every check, and the named selections of
selectors.yml that validation runs.

A model without a valid `meta.step` is an error (ProjectError), never a
silent default; pytests/unit/test_project.py holds the shipped project to it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from harness.common.errors import HarnessError

# The original tool's 11 steps, in order, with what each covers here.
STEPS: list[tuple[str, str]] = [
    ("validate", "pre-migration checks: source tests, seeds, staging"),
    ("backup", "snapshots of every legacy table + pg_dump"),
    ("organisations", "types, overrides, supplier parents"),
    ("warehouses", "derived from inventory locations"),
    ("users", "roles, status, ledger performers"),
    ("parts", "part types and units"),
    ("machines", "owners, global serial numbers"),
    ("inventory", "stock per warehouse, stock adjustments"),
    ("transactions", "ledger, opening balances, orders, part usage"),
    ("post-validate", "model tests, reconciliation proofs"),
    ("cleanup", "alembic stamp, audit copy, ANALYZE"),
]
STEP_NAMES = [name for name, _ in STEPS]
PHASES = ("pre", "post")

# Selections defined in selectors.yml (the dbt project owns what they contain).
PRE_VALIDATION = "pre_validation"
POST_VALIDATION = "post_validation"
LEAN_POST_VALIDATION = "lean_post_validation"
POST_CHECKS = "post_checks"
POST_CUTOVER_STAMP = "post_cutover_stamp"
POST_CUTOVER_PROOFS = "post_cutover_proofs"
SELECTORS = (
    PRE_VALIDATION,
    POST_VALIDATION,
    LEAN_POST_VALIDATION,
    POST_CHECKS,
    POST_CUTOVER_STAMP,
    POST_CUTOVER_PROOFS,
)


class ProjectError(HarnessError):
    """The dbt project breaks a rule the harness relies on (a developer's error)."""


LEGACY_SOURCE = "legacy"  # the source the staging models read the legacy tables from
_REF = re.compile(r"""ref\(\s*['"]([^'"]+)['"]\s*\)""")


@dataclass
class Project:
    nodes: dict[str, dict] = field(default_factory=dict)
    sources: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def from_manifest(cls, path: Path) -> Project:
        try:
            manifest = json.loads(Path(path).read_text())
        except (OSError, ValueError) as exc:
            raise ProjectError(f"cannot read dbt's manifest {path}: {exc}") from None
        return cls(
            nodes={
                uid: node
                for uid, node in manifest.get("nodes", {}).items()
                if node.get("config", {}).get("enabled", True)
            },
            sources=manifest.get("sources", {}),
        )

    def models(self) -> dict[str, dict]:
        return {uid: n for uid, n in self.nodes.items() if n.get("resource_type") == "model"}

    def tests(self) -> dict[str, dict]:
        return {uid: n for uid, n in self.nodes.items() if n.get("resource_type") == "test"}

    def target_tables(self) -> list[str]:
        """The marts: models built into the shadow schema (config schema 'next'), by name."""
        return sorted(
            n.get("alias") or n["name"] for n in self.models().values() if n.get("config", {}).get("schema") == "next"
        )

    def legacy_lineage(self) -> dict[str, list[str]]:
        """Each target table with the legacy tables its rows come from: the tables of the source
        `legacy` upstream of its mart in dbt's lineage. A foreign key's `ref()` in a contract is
        no flow of rows (the mart is built without reading it), so it is left out; a table built
        empty has none."""
        found: dict[str, list[str]] = {}
        for uid, node in self.models().items():
            if self.is_target_table(uid):
                found[node.get("alias") or node["name"]] = sorted(self._legacy_upstream(uid, set()))
        return found

    def _legacy_upstream(self, unique_id: str, seen: set[str]) -> set[str]:
        node = self.nodes[unique_id]
        keys_only = _foreign_key_refs(node) - set(_REF.findall(node.get("raw_code") or ""))
        found: set[str] = set()
        for parent in node.get("depends_on", {}).get("nodes", []):
            parent_node = self.nodes.get(parent, {})
            if parent in seen or (
                parent.startswith("model.") and (parent_node.get("alias") or parent_node.get("name")) in keys_only
            ):
                continue
            seen.add(parent)
            source = self.sources.get(parent)
            if source is not None and source.get("source_name") == LEGACY_SOURCE:
                found.add(source.get("identifier") or source["name"])
            elif parent in self.nodes and parent.startswith("model."):
                found |= self._legacy_upstream(parent, seen)
        return found

    def is_target_table(self, unique_id: str) -> bool:
        node = self.nodes.get(unique_id, {})
        return node.get("resource_type") == "model" and node.get("config", {}).get("schema") == "next"

    def check_phase(self, unique_id: str) -> str:
        """pre: a check of the legacy data (staged); post: a check of the built target."""
        node = self.nodes[unique_id]
        phase = (node.get("config", {}).get("meta") or {}).get("check_phase")
        if phase:
            if phase not in PHASES:
                raise ProjectError(f"test {node['name']} has check_phase {phase!r}; use pre or post")
            return phase
        parents = node.get("depends_on", {}).get("nodes", [])
        if parents and all(p.startswith("seed.") for p in parents):
            return "pre"  # the seeds' own tests: a mapping table a DBA edited
        raise ProjectError(
            f"test {node['name']} has no check_phase: give it the check arguments "
            "(check_severity, check_phase, fix) or check_config() (macros/checks.sql)"
        )

    def step_of(self, unique_id: str, resource_type: str | None = None) -> str:
        """Which of the 11 steps a node's work belongs to."""
        resource_type = resource_type or unique_id.split(".")[0]
        if resource_type == "snapshot":
            return "backup"
        if resource_type == "seed":
            return "validate"
        if resource_type == "test":
            return "validate" if self.check_phase(unique_id) == "pre" else "post-validate"
        node = self.nodes.get(unique_id)
        if node is None:
            raise ProjectError(f"{unique_id} is not in dbt's manifest")
        step = (node.get("config", {}).get("meta") or {}).get("step")
        if step not in STEP_NAMES:
            raise ProjectError(f"model {node['name']} has meta.step {step!r}; give it one of: {', '.join(STEP_NAMES)}")
        return step

    def problems(self) -> list[str]:
        """Every rule of this module the project breaks (empty: none)."""
        found = []
        for unique_id in list(self.models()) + list(self.tests()):
            try:
                self.step_of(unique_id)
            except ProjectError as exc:
                found.append(exc.message)
        return found


def _foreign_key_refs(node: dict) -> set[str]:
    """The models a node's contract names in foreign keys: `to: ref('users')` as written, or
    `"db"."schema"."users"` once a run has compiled it (the relation's last part)."""
    constraints = list(node.get("constraints") or [])
    for column in (node.get("columns") or {}).values():
        constraints += column.get("constraints") or []
    names = set()
    for constraint in constraints:
        to = constraint.get("to") or ""
        names |= set(_REF.findall(to)) or ({to.rsplit(".", 1)[-1].strip('"')} if to else set())
    return names


_cache: dict[tuple[str, float], Project] = {}


def load(manifest: Path) -> Project:
    """The project of a manifest (cached per file and modification time)."""
    key = (str(manifest), Path(manifest).stat().st_mtime)
    if key not in _cache:
        _cache.clear()
        _cache[key] = Project.from_manifest(manifest)
    return _cache[key]
