"""The model YAML a reader can use: every mart (target table) is described in a
YAML file of its own, named like it, as dbt Labs' jaffle-shop does; every
column of a table that receives rows says where its value comes from; the
quarantine's reason_code lists exactly the codes the models emit. No database
needed: dbt's manifest (a parse), the YAML files and the SQL themselves."""

from __future__ import annotations

import re
from pathlib import Path

import reason_codes
import yaml
from helpers import PROJECT

from harness.dbt_bridge import checks, project


def marts() -> dict[str, dict]:
    """The target tables' manifest nodes, by name."""
    dbt_project = project.load(checks.ensure_manifest())
    return {node["name"]: node for uid, node in dbt_project.models().items() if dbt_project.is_target_table(uid)}


def marts_receiving_rows() -> dict[str, set[str]]:
    """The marts that read something outside the marts (an intermediate model, a seed), with
    their ancestors; the others select no rows (they read other marts only to be built after them)."""
    nodes = project.load(checks.ensure_manifest()).nodes
    target = marts()
    mart_ids = {node["unique_id"] for node in target.values()}

    def ancestors(unique_id: str) -> set[str]:
        found, todo = set(), [unique_id]
        while todo:
            for parent in nodes.get(todo.pop(), {}).get("depends_on", {}).get("nodes", []):
                if parent not in found:
                    found.add(parent)
                    todo.append(parent)
        return found

    return {
        name: ancestors(node["unique_id"])
        for name, node in target.items()
        if set(node["depends_on"]["nodes"]) - mart_ids
    }


def models_described_per_file() -> dict[str, list[str]]:
    described: dict[str, list[str]] = {}
    for path in sorted(PROJECT.glob("models/**/*.yml")):
        for entry in (yaml.safe_load(path.read_text()) or {}).get("models") or []:
            described.setdefault(path.relative_to(PROJECT).as_posix(), []).append(entry["name"])
    return described


def test_every_mart_is_described_in_a_yaml_file_of_its_own():
    target = marts()
    assert len(target) == 35
    # dbt read each mart's description, contract and meta.step from models/marts/<mart>.yml
    patched_from = {name: (node.get("patch_path") or "").split("://")[-1] for name, node in target.items()}
    assert {name: path for name, path in patched_from.items() if path != f"models/marts/{name}.yml"} == {}
    described = models_described_per_file()
    assert {path: names for path, names in described.items() if len(set(names) & set(target)) > 1} == {}
    # and a YAML file of the marts describes one model, the mart it is named after
    assert {
        path: names
        for path, names in described.items()
        if path.startswith("models/marts/") and names != [Path(path).stem]
    } == {}


def test_every_column_of_the_tables_that_receive_rows_says_where_its_value_comes_from():
    receiving = marts_receiving_rows()
    from_legacy = {
        name
        for name, ancestors in receiving.items()
        if any(a.startswith("source.abparts_migrate.legacy.") for a in ancestors)
    }
    # the legacy tables fill 13 target tables; alembic_version is stamped from its seed
    assert {"organizations", "users", "inventory", "transactions", "stock_adjustments"} <= from_legacy
    assert set(receiving) - from_legacy == {"alembic_version"}
    target = marts()
    undescribed = {
        name: [
            column for column, spec in target[name]["columns"].items() if not (spec.get("description") or "").strip()
        ]
        for name in receiving
    }
    assert {name: columns for name, columns in undescribed.items() if columns} == {}
    # dbt knows every column the model selects (the contract is enforced), so all are covered
    assert all(target[name]["config"]["contract"]["enforced"] for name in receiving)


def test_the_reason_code_list_names_exactly_the_codes_the_models_emit():
    emitted = reason_codes.emitted_codes()
    # every code written as a literal in the SQL is found by evaluating the rules: none is missed
    sql = "".join(p.read_text() for folder in ("models", "macros") for p in (PROJECT / folder).rglob("*.sql"))
    assert set(re.findall(r"""['"]reason['"]\s*:\s*['"](\w+)['"]""", sql)) <= emitted
    # document() refuses a code without a meaning, or a meaning of a code nothing emits
    written = reason_codes.DOCUMENT.read_text()
    assert written == reason_codes.document(), "the reason code list is stale: make docs-reason-codes"
    assert reason_codes.listed_codes(written) == emitted
    # and it is what the lineage site shows for migration_quarantine.reason_code
    nodes = project.load(checks.ensure_manifest()).nodes
    shown = nodes["model.abparts_migrate.migration_quarantine"]["columns"]["reason_code"]["description"]
    assert reason_codes.listed_codes(shown) == emitted
