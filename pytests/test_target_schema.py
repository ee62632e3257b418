"""The target is the application's whole schema: its 35 tables, those the
legacy database has nothing for built empty, with the application's
constraints under PostgreSQL's default names (or the names the source gives)
and its indexes; alembic_version stamps the heads of its revision graph; and
the post-migration validation fails when the stamp or the schema is edited
away from the application's."""

from __future__ import annotations

import csv

from helpers import PROJECT, query, scalar

from harness.common.schemas import Schemas
from harness.db import connection as db
from harness.flows import validate

HEADS = {"31e87319dc9b", "add_security_session", "inventory_workflow_001", "predictive_maintenance"}

# table -> the indexes the application's source gives it (besides the constraints' own)
EMPTY_TABLES = {
    "invitation_audit_logs": set(),
    "user_management_audit_logs": set(),
    "security_events": set(),
    "user_sessions": {"ix_user_sessions_session_token"},
    "transaction_approvals": set(),
    "part_order_requests": {"ix_part_order_requests_order_number"},
    "part_order_items": set(),
    "machine_maintenance": set(),
    "maintenance_part_usage": set(),
    "machine_part_compatibility": set(),
    "predictive_maintenance_models": set(),
    "machine_predictions": set(),
    "maintenance_recommendations": set(),
    "machine_model_associations": set(),
    "recommended_parts": set(),
    "maintenance_indicators": set(),
    "machine_indicator_values": {"ix_machine_indicator_values_machine_id", "ix_machine_indicator_values_indicator_id"},
    "stocktakes": {"ix_stocktakes_warehouse_id", "ix_stocktakes_status", "ix_stocktakes_scheduled_date"},
    "stocktake_items": {"ix_stocktake_items_stocktake_id", "ix_stocktake_items_part_id"},
    "inventory_alerts": {
        "ix_inventory_alerts_warehouse_id",
        "ix_inventory_alerts_part_id",
        "ix_inventory_alerts_alert_type",
        "ix_inventory_alerts_severity",
        "ix_inventory_alerts_is_active",
    },
    "inventory_adjustments": {
        "ix_inventory_adjustments_warehouse_id",
        "ix_inventory_adjustments_part_id",
        "ix_inventory_adjustments_adjustment_date",
        "ix_inventory_adjustments_stocktake_id",
    },
}
# names the source gives explicitly; every other constraint has PostgreSQL's default name
EXPLICIT_NAMES = {
    "supplier_must_have_parent",
    "super_admin_oraseas_only",
    "fk_users_invited_by_user_id",
    "_org_warehouse_name_uc",
    "_warehouse_part_uc",
    "alembic_version_pkc",
    "_machine_part_uc",
    "_predictive_model_machine_model_uc",
}
LABELS = {"p": "pkey", "u": "key", "f": "fkey", "n": "not_null"}


def default_name(table: str, columns: list[str], contype: str) -> str:
    """PostgreSQL's name for an unnamed constraint (makeObjectName(): shortened to 63 characters)."""
    label = LABELS[contype]
    addition = None if contype == "p" else "_".join(columns)
    available = 63 - len(label) - 1 - (1 if addition else 0)
    name1, name2 = len(table), len(addition or "")
    while name1 + name2 > available:
        if name1 > name2:
            name1 -= 1
        else:
            name2 -= 1
    return "_".join(p for p in (table[:name1], addition[:name2] if addition else None, label) if p)


def test_a_build_makes_the_applications_35_tables_and_stamps_its_4_heads(built_minimal):
    with open(PROJECT / "seeds" / "app_schema_columns.csv", newline="") as facts:
        application_tables = {row["table_name"] for row in csv.DictReader(facts)}
    tables = {
        r["relname"]
        for r in query(
            built_minimal,
            "select relname from pg_class where relnamespace = 'public_next'::regnamespace and relkind = 'r'",
        )
    }
    assert len(application_tables) == 35 and tables == application_tables
    assert {t: scalar(built_minimal, f'select count(*) from public_next."{t}"') for t in EMPTY_TABLES} == dict.fromkeys(
        EMPTY_TABLES, 0
    )
    assert len(EMPTY_TABLES) == 21
    stamped = {r["version_num"] for r in query(built_minimal, "select version_num from public_next.alembic_version")}
    assert stamped == HEADS


def test_every_constraint_has_postgresql_default_name_or_the_name_the_source_gives(built_minimal):
    constraints = query(
        built_minimal,
        """
        select c.relname, con.conname, con.contype,
            array(select a.attname::text from unnest(con.conkey) with ordinality as k (attnum, n)
                  join pg_attribute as a on a.attrelid = con.conrelid and a.attnum = k.attnum order by k.n) as columns
        from pg_constraint as con join pg_class as c on c.oid = con.conrelid
        where con.connamespace = 'public_next'::regnamespace""",
    )
    assert {r["relname"] for r in constraints} >= set(EMPTY_TABLES)
    misnamed = [
        (r["relname"], r["conname"])
        for r in constraints
        if r["conname"] not in EXPLICIT_NAMES
        and (r["contype"] not in LABELS or r["conname"] != default_name(r["relname"], r["columns"], r["contype"]))
    ]
    assert misnamed == []


def test_the_empty_tables_have_the_applications_indexes(built_minimal):
    indexes = query(
        built_minimal,
        """
        select i.tablename, i.indexname from pg_indexes as i
        where i.schemaname = 'public_next' and i.tablename = any(%s)
          and not exists (select 1 from pg_constraint as con
                          where con.connamespace = 'public_next'::regnamespace and con.conname = i.indexname)""",
        (list(EMPTY_TABLES),),
    )
    found = {t: set() for t in EMPTY_TABLES}
    for r in indexes:
        found[r["tablename"]].add(r["indexname"])
    assert found == EMPTY_TABLES


def test_server_defaults_are_the_applications_as_labels_of_their_types(built_minimal):
    # the models' defaults 'requested', 'medium', 'pending' are lower-case values; their enum types store the
    # upper-case member names: the target has the labels they stand for (create_part_order_request sends no
    # status, so an insert needs the default)
    defaults = {
        (r["table_name"], r["column_name"]): r["column_default"]
        for r in query(
            built_minimal,
            """
        select table_name, column_name, column_default from information_schema.columns
        where table_schema = 'public_next'""",
        )
    }
    assert defaults[("part_order_requests", "status")] == "'REQUESTED'::public_next.orderstatus"
    assert defaults[("part_order_requests", "priority")] == "'MEDIUM'::public_next.orderpriority"
    assert defaults[("maintenance_recommendations", "status")] == "'PENDING'::public_next.maintenancestatus"
    labels = {
        r["typname"]: r["labels"]
        for r in query(
            built_minimal,
            """
        select t.typname, array_agg(e.enumlabel::text) as labels from pg_type as t
        join pg_enum as e on e.enumtypid = t.oid where t.typnamespace = 'public_next'::regnamespace
        group by t.typname""",
        )
    }
    assert "REQUESTED" in labels["orderstatus"] and "requested" not in labels["orderstatus"]
    assert defaults[("security_events", "risk_level")] == "'low'::character varying"
    assert defaults[("stocktakes", "status")] == "'planned'::public_next.stocktakestatus"


def test_stocktake_items_go_with_their_stocktake(built_minimal):
    # the schema's only ON DELETE rule (inventory_workflow_001)
    rules = {
        r["conname"]: r["confdeltype"]
        for r in query(
            built_minimal,
            """
        select conname, confdeltype::text from pg_constraint
        where connamespace = 'public_next'::regnamespace and contype = 'f'""",
        )
    }
    assert rules["stocktake_items_stocktake_id_fkey"] == "c"
    assert {rule for name, rule in rules.items() if name != "stocktake_items_stocktake_id_fkey"} == {"a"}


def post_validation_after(target, *statements: str) -> dict:
    """Edit the built target by hand, then run the post-migration validation: its findings, by check."""
    with db.connect(target) as conn, conn.cursor() as cur:
        for statement in statements:
            cur.execute(statement)
        conn.commit()
    result = validate.validate(target, Schemas("public"), phase="post")
    assert not result.ok and not result.dbt_errors
    return {c.name: c for c in result.checks if c.found}


def test_a_stamp_that_is_not_a_head_a_retyped_column_and_a_lost_default_fail_post_validation(built_minimal):
    # three edits, each found in one post-validation:
    # add_user_profile_fields is an ancestor of the head add_security_session, not a head
    found = post_validation_after(
        built_minimal,
        "alter table public_next.alembic_version disable trigger user",  # past any guard on the built target
        "update public_next.alembic_version set version_num = 'add_user_profile_fields'"
        " where version_num = 'add_security_session'",
        "alter table public_next.user_sessions alter column ip_address type text",
        "alter table public_next.part_order_requests alter column status drop default",
    )
    stamp, schema = found["alembic_stamp_matches_schema"], found["target_matches_application_schema"]
    assert stamp.severity == "critical"
    assert set(stamp.example_ids) == {"add_user_profile_fields", "add_security_session"}
    assert schema.severity == "critical"
    assert schema.example_ids == ["part_order_requests.status", "user_sessions.ip_address"]
    stored = query(built_minimal, "select value from public_stage.target_matches_application_schema")
    assert {r["value"] for r in stored} == {
        "column user_sessions.ip_address is text null, the application has character varying(45) null",
        "column part_order_requests.status has no default, the application has the default REQUESTED",
    }


def test_a_dropped_table_fails_post_validation(built_minimal):
    # recommended_parts: revision predictive_maintenance, which is stamped, creates it
    found = post_validation_after(built_minimal, "drop table public_next.recommended_parts")
    for check in ("target_matches_application_schema", "alembic_stamp_matches_schema"):
        assert found[check].severity == "critical" and found[check].example_ids == ["recommended_parts"], check
