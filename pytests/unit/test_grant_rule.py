"""The grant rule never widens (harness/db/parity.py, docs/runbook.md#privileges): what each
role may do on each new table, from what it could do on the legacy tables, the lineage of the
dbt project and the DBA's seed. No database needed: the rule is a function of the catalog's
answers."""

from __future__ import annotations

import pytest

from harness.common.errors import UsageError
from harness.common.legacy import LEGACY_TABLES
from harness.db import parity
from harness.dbt_bridge import checks, project
from harness.flows import grants

EVERY = {p: True for p in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")}
WRITE = {"SELECT": False, "INSERT": False, "UPDATE": False, "DELETE": False}


def legacy(**special: parity.TableAccess) -> dict[str, parity.TableAccess]:
    """The eleven legacy tables owned by app, the API role writing all of them; `special` replaces some."""
    tables = {
        t: parity.TableAccess("app", {"app": dict(EVERY), "api": dict(WRITE)}, column_names={"id"})
        for t in LEGACY_TABLES
    }
    return tables | special


def rows(plan: parity.GrantPlan) -> dict[tuple[str, str], dict]:
    return {(g.table, g.role): g.to_dict() for g in plan.grants}


def test_a_table_of_the_same_name_gets_exactly_its_privileges_and_column_grants_by_name():
    users = parity.TableAccess(
        "app",
        {"app": dict(EVERY), "api": dict(WRITE), "reporting": {}},
        {"reporting": {("SELECT", "id"): False, ("SELECT", "email"): False, ("SELECT", "phone"): False}},
        {"id", "email", "phone"},
    )
    plan = parity.grant_rule(legacy(users=users), {"users": {"id", "email", "user_status"}}, {})
    found = rows(plan)
    assert plan.owners == {"users": "app"} and plan.rules == {"users": "same name"}
    assert found[("users", "api")]["privileges"] == ["DELETE", "INSERT", "SELECT", "UPDATE"]
    assert found[("users", "reporting")] == {
        "table": "users",
        "role": "reporting",
        "privileges": [],
        "grantable": [],
        "columns": {"SELECT": ["email", "id"]},
    }
    assert plan.dropped_column_grants == [
        {"table": "users", "role": "reporting", "column": "phone", "privilege": "SELECT"}
    ]
    assert ("users", "app") not in found  # the owner needs no grant


def test_a_derived_table_gets_what_the_role_held_on_every_upstream_table():
    reporting = {"parts": {"SELECT": True}, "inventory": {"SELECT": False}, "organizations": {"INSERT": False}}
    special = {
        t: parity.TableAccess("app", {"app": dict(EVERY), "reporting": privileges}, column_names={"id"})
        for t, privileges in reporting.items()
    }
    lineage = {"warehouses": ["inventory", "parts"], "machines": ["machines", "organizations"]}
    plan = parity.grant_rule(legacy(**special), {"warehouses": {"id"}, "audit": {"id"}}, lineage)
    found = rows(plan)
    # SELECT on both, with grant option on one only: without
    assert found[("warehouses", "reporting")]["privileges"] == ["SELECT"]
    assert found[("warehouses", "reporting")]["grantable"] == []
    assert plan.rules["warehouses"] == "derived from inventory, parts"
    assert ("audit", "reporting") not in found and plan.rules["audit"] == "no legacy source"


def test_a_table_with_no_legacy_source_gets_what_every_legacy_table_gave_and_the_default_privileges():
    # api writes every legacy table but one, which it only reads; reporting reads nothing
    special = {"parts": parity.TableAccess("app", {"app": dict(EVERY), "api": {"SELECT": False}}, column_names={"id"})}
    defaults = {"app": {"auditor": {"SELECT": False}}, "other": {"reporting": {"SELECT": False}}}
    plan = parity.grant_rule(legacy(**special), {"user_sessions": {"id"}}, {"user_sessions": []}, defaults)
    found = rows(plan)
    assert found[("user_sessions", "api")]["privileges"] == ["SELECT"]
    assert found[("user_sessions", "auditor")]["privileges"] == ["SELECT"]  # the owner's default privileges
    assert ("user_sessions", "reporting") not in found  # another role's defaults do not apply


def test_an_owner_holds_everything_on_what_it_owns_and_the_new_tables_go_to_the_usual_owner():
    # inventory belongs to another role that app may only read: app gets what it held on all, not ownership's all
    special = {"inventory": parity.TableAccess("dba", {"dba": dict(EVERY), "app": {"SELECT": False}})}
    plan = parity.grant_rule(
        legacy(**special), {"warehouses": set(), "inventory": set()}, {"warehouses": ["inventory", "parts"]}
    )
    assert plan.owners == {"warehouses": "app", "inventory": "dba"}
    found = rows(plan)
    assert ("warehouses", "app") not in found  # the owner of the new table
    assert found[("inventory", "app")]["privileges"] == ["SELECT"]


def test_the_seed_grants_and_withholds_on_top_of_the_rule():
    adjustments = [
        parity.Adjustment("warehouses", "reporting", "SELECT", "grant", "stock reports"),
        parity.Adjustment("users", "api", "DELETE", "withhold"),
    ]
    plan = parity.grant_rule(
        legacy(), {"warehouses": set(), "users": set()}, {"warehouses": ["inventory"]}, None, adjustments
    )
    found = rows(plan)
    assert found[("warehouses", "reporting")]["privileges"] == ["SELECT"]
    assert found[("users", "api")]["privileges"] == ["INSERT", "SELECT", "UPDATE"]
    assert [a["decision"] for a in plan.adjustments] == ["withhold", "grant"]


def test_differences_name_the_role_and_what_it_holds_beyond_the_rule():
    plan = parity.grant_rule(legacy(), {"parts": {"id"}}, {})
    actual = {"parts": parity.TableAccess("app", {"app": dict(EVERY), "api": dict(WRITE), "public": {"SELECT": False}})}
    assert parity.differences(plan, "public", actual) == [
        "public.parts: role public holds SELECT, the rule gives it nothing"
    ]


def test_the_lineage_is_the_flow_of_rows_not_the_foreign_keys():
    lineage = project.load(checks.ensure_manifest()).legacy_lineage()
    assert "parts" in lineage["parts"] and lineage["users"] == ["organizations", "users"]
    assert lineage["user_sessions"] == [] and lineage["security_events"] == []  # built empty, a key to users
    assert "inventory" in lineage["warehouses"] and "part_usage" in lineage["transactions"]


def test_a_foreign_key_is_no_flow_of_rows_as_written_or_as_a_run_compiled_it():
    def mart(name: str, to: str, code: str = "select 1") -> dict:
        column = {"constraints": [{"type": "foreign_key", "to": to}]}
        return {
            "resource_type": "model",
            "name": name,
            "config": {"schema": "next"},
            "raw_code": code,
            "columns": {"user_id": column},
            "depends_on": {"nodes": ["model.p.users"]},
        }

    users = {"resource_type": "model", "name": "users", "config": {"schema": "next"}, "columns": {}}
    users["depends_on"] = {"nodes": ["source.p.legacy.users"]}
    sources = {"source.p.legacy.users": {"source_name": "legacy", "name": "users", "identifier": "users"}}
    for to in ("ref('users')", '"abparts"."public_next"."users"'):
        nodes = {"model.p.users": users, "model.p.user_sessions": mart("user_sessions", to)}
        nodes["model.p.audit_logs"] = mart("audit_logs", to, "select * from {{ ref('users') }}")
        lineage = project.Project(nodes=nodes, sources=sources).legacy_lineage()
        assert lineage == {"users": ["users"], "user_sessions": [], "audit_logs": ["users"]}, to


def test_a_bad_seed_row_is_one_line_naming_it(tmp_path, monkeypatch):
    (tmp_path / "seeds").mkdir()
    seed = tmp_path / "seeds" / grants.SEED
    monkeypatch.setenv("HARNESS_PROJECT_DIR", str(tmp_path))
    seed.write_text("table_name,role_name,privilege,decision,reason\nwarehouses,reporting,select,grant,stock\n")
    assert grants.adjustments(["warehouses"]) == [
        parity.Adjustment("warehouses", "reporting", "SELECT", "grant", "stock")
    ]
    seed.write_text("table_name,role_name,privilege,decision,reason\nwarehouse,reporting,SELECT,grant,\n")
    with pytest.raises(UsageError, match=r"grant_adjustments.csv line 2: table_name 'warehouse' is not a target table"):
        grants.adjustments(["warehouses"])
    seed.write_text("table_name,role_name,privilege,decision,reason\nwarehouses,reporting,SELECT,allow,\n")
    with pytest.raises(UsageError, match="decision 'allow' is not grant or withhold"):
        grants.adjustments(["warehouses"])
