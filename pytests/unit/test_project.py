"""The dbt project owns its structure: every model names its step, every
check its severity and phase, every selection the harness runs exists, and
the harness's module map points at files that exist. No database needed."""

from __future__ import annotations

import re

import yaml
from helpers import PROJECT

from harness.dbt_bridge import checks, project
from harness.flows import progress


def test_every_model_and_check_has_a_step_and_the_marts_are_the_target_tables():
    dbt_project = project.load(checks.ensure_manifest())
    assert dbt_project.problems() == []
    steps = {dbt_project.nodes[uid]["name"]: dbt_project.step_of(uid) for uid in dbt_project.models()}
    assert steps["stg_legacy__inventory"] == "validate"
    assert steps["int_warehouses__derived"] == "warehouses" and steps["transactions"] == "transactions"
    assert steps["alembic_version"] == "cleanup" and steps["reconciliation_ledger"] == "post-validate"
    assert set(steps.values()) <= set(project.STEP_NAMES)
    marts = sorted(p.stem for p in (PROJECT / "models" / "marts").glob("*.sql"))
    assert dbt_project.target_tables() == marts


def test_each_step_names_its_models_for_the_reports():
    tracker = progress.Tracker(manifest_path=checks.ensure_manifest())
    tracker.node_started("model.abparts_migrate.transactions", "model")
    steps = {s["phase"]: s["models"] for s in tracker.summary()}
    assert "transactions" in steps["transactions"] and "int_warehouses__derived" in steps["warehouses"]
    assert "stg_legacy__inventory" in steps["validate"] and steps["backup"] == []
    assert all(models == sorted(models) for models in steps.values())
    dbt_project = project.load(checks.ensure_manifest())
    assert sorted(m for models in steps.values() for m in models) == sorted(
        dbt_project.nodes[uid]["name"] for uid in dbt_project.models()
    )


def test_the_checks_that_read_the_catalog_run_after_every_mart():
    # they read pg_catalog, not a mart: only their depends_on lines order them after the marts
    dbt_project = project.load(checks.ensure_manifest())
    marts = {uid for uid in dbt_project.models() if dbt_project.is_target_table(uid)}
    tests = {node["name"]: set(node["depends_on"]["nodes"]) for node in dbt_project.tests().values()}
    for name in (
        "target_constraints_present",
        "target_enum_types_exact",
        "target_matches_application_schema",
        "alembic_stamp_matches_schema",
    ):
        assert sorted(marts - tests[name]) == [], name


def test_an_unknown_step_is_an_error_never_a_default():
    broken = project.Project(
        nodes={
            "model.abparts_migrate.x": {"resource_type": "model", "name": "x", "config": {"meta": {"step": "shipping"}}}
        }
    )
    assert broken.problems() == ["model x has meta.step 'shipping'; give it one of: " + ", ".join(project.STEP_NAMES)]
    missing = project.Project(nodes={"model.abparts_migrate.y": {"resource_type": "model", "name": "y", "config": {}}})
    assert "model y has meta.step None" in missing.problems()[0]
    untagged = project.Project(
        nodes={
            "test.abparts_migrate.z": {
                "resource_type": "test",
                "name": "z",
                "config": {},
                "depends_on": {"nodes": ["model.abparts_migrate.y"]},
            }
        }
    )
    assert "test z has no check_phase" in untagged.problems()[0]


def test_every_selection_the_harness_runs_is_defined_in_selectors_yml():
    defined = {s["name"] for s in yaml.safe_load((PROJECT / "selectors.yml").read_text())["selectors"]}
    assert set(project.SELECTORS) <= defined


def test_no_check_restates_the_severity_policy():
    # the policy lives in macros/checks.sql; YAML gives check_severity, never a dbt severity
    for path in list(PROJECT.glob("models/**/*.yml")):
        text = path.read_text()
        assert "var('force')" not in text, path
        assert not re.search(r"^\s+severity:", text, re.M), path
