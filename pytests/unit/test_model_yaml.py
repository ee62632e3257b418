"""The model YAML a reader can use: every mart (target table) is described in a
YAML file of its own, named like it, as dbt Labs' jaffle-shop does. No database
needed: dbt's manifest (a parse) and the YAML files themselves."""

from __future__ import annotations

from pathlib import Path

import yaml
from conftest import PROJECT

from harness import checks, project


def marts() -> dict[str, dict]:
    """The target tables' manifest nodes, by name."""
    dbt_project = project.load(checks.ensure_manifest())
    return {node["name"]: node for uid, node in dbt_project.models().items() if dbt_project.is_target_table(uid)}


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
    assert {path: names for path, names in described.items()
            if path.startswith("models/marts/") and names != [Path(path).stem]} == {}
