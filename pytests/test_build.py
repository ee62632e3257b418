"""The whole pipeline on generated databases: every size builds with every
dbt test passing, the invariants hold, reruns give the same ids, the proofs
catch a broken model, and the live schema is never written."""

from __future__ import annotations

import json

import pytest
from helpers import query, scalar

from harness.common.errors import CheckFailed, OutOfOrder, UsageError
from harness.common.schemas import Schemas
from harness.db import capture, fingerprint
from harness.db import connection as db
from harness.flows import build, cutover, migrate, samples, stage, swap_checks, validate
from harness.flows.progress import Progress


def test_a_sample_builds_with_every_test_passing_and_a_rerun_gives_identical_ids(built_minimal):
    # every size, clean and dirty, is built, cut over and rolled back by
    # `harness test --type comprehensive` (pytests/test_operator.py); the data's size changes
    # nothing dbt does, and this file's other tests start from the same built template
    target, schemas = built_minimal, Schemas("public")

    def ids():
        return {
            table: [r["id"] for r in query(target, f"select id::text from public_next.{table} order by id")]
            for table in ("warehouses", "transactions", "inventory", "organizations")
        }

    first_ids, first_run = ids(), scalar(target, "select max(run_id) from migration_audit.runs")
    legacy_rows = {t: scalar(target, f"select count(*) from public.{t}") for t in samples.LEGACY_TABLES}
    result = build.build(target, schemas)  # a rerun of the build on the same data
    assert result.success, result.failure_summary()
    statuses = result.dbt.by_status()
    assert set(statuses) <= {"success", "pass", "warn"}, statuses  # warnings: real-data quirks, reported
    assert statuses["pass"] > 50
    assert not [c.name for c in result.checks if c.blocking]
    # invariant 1, read back from the audit model the report shows
    counts = {r["legacy_table"]: r for r in result.reconciliation["row_counts"]}
    for table, rows in legacy_rows.items():
        assert counts[table]["rows_in"] == rows
        assert counts[table]["migrated"] + counts[table]["quarantined"] == rows
    # invariant 2
    stock, ledger = result.reconciliation["stock"], result.reconciliation["ledger"]
    assert stock["legacy_total"] == stock["migrated_total"] and stock["mismatched_pairs"] == 0
    assert ledger["ledger_total"] == ledger["inventory_total"] and ledger["mismatched_positions"] == 0
    assert result.target_row_counts["warehouses"] >= 1 and result.target_row_counts["transactions"] > 0
    report = json.loads(open(result.report_path).read())
    assert report["outcome"] == "built" and report["run_id"] == result.run_id
    # invariant 3: the rerun gives identical ids
    assert result.run_id != first_run
    assert ids() == first_ids


def test_the_reconciliation_proofs_catch_a_model_that_loses_a_row(built_minimal):
    # a model that lost one inventory row, as the built target shows it
    target, schemas = built_minimal, Schemas("public")
    with db.connect(target) as conn, conn.cursor() as cur:
        cur.execute("alter table public_next.inventory disable trigger user")  # around the read-only guard
        cur.execute(
            "delete from public_next.inventory where id = (select i.id from public_next.inventory i"
            " where not exists (select 1 from public_next.stock_adjustments a where a.inventory_id = i.id)"
            " order by i.id limit 1)"
        )
        conn.commit()
    post = validate.validate(target, schemas, phase="post")
    found = {c.name for c in post.checks if c.found}
    assert {
        "every_legacy_row_accounted_for",
        "stock_conserved_per_organization_and_part",
        "ledger_reconciles_with_inventory",
    } <= found
    with pytest.raises(CheckFailed, match="every_legacy_row_accounted_for"):
        validate.require_ok(post)
    row = query(
        target, "select unaccounted from public_stage.reconciliation_row_counts where legacy_table = 'inventory'"
    )[0]
    assert row["unaccounted"] == 1  # the numbers behind the verdict, not only pass/fail


def test_the_stage_is_one_consistent_snapshot_with_counts_recorded(new_database):
    target, schemas = new_database("stage"), Schemas("public")
    samples.generate(target, schemas, "minimal_sample")
    result = stage.stage(target, schemas)
    audit_row = query(
        target,
        "select source_row_counts, snapshot, stage_notes from migration_audit.runs where run_id = %s",
        (result.run_id,),
    )[0]
    assert audit_row["source_row_counts"] == result.row_counts
    assert audit_row["snapshot"]  # pg_current_snapshot() of the copy
    assert any("is_active" in note for note in audit_row["stage_notes"])  # init-script database
    assert scalar(target, "select count(*) from public_stage.users where is_active") == result.row_counts["users"]
    again = stage.stage(target, schemas)  # re-running replaces the stage
    assert again.run_id != result.run_id
    assert scalar(target, "select count(*) from public_stage.inventory") == 20


def test_a_database_without_stock_adjustments_is_staged_with_an_empty_table(new_database):
    target, schemas = new_database("noadj"), Schemas("public")
    samples.generate(target, schemas, "minimal_sample")
    with db.connect(target) as conn, conn.cursor() as cur:
        cur.execute("drop table public.stock_adjustments")
        conn.commit()
    result = build.build(target, schemas)
    assert result.success, result.failure_summary()
    assert result.target_row_counts["stock_adjustments"] == 0
    assert any("stock_adjustments is missing" in note for note in result.stage.notes)


def test_missing_or_non_legacy_schemas_are_refused_with_one_line(new_database):
    target = new_database("refusals")
    with pytest.raises(UsageError, match="schema 'nowhere' does not exist"):
        build.build(target, Schemas("nowhere"))
    with db.connect(target) as conn, conn.cursor() as cur:
        cur.execute("create schema half; create table half.organizations (id uuid)")
        conn.commit()
    with pytest.raises(UsageError, match="missing tables users"):
        build.build(target, Schemas("half"))
    with pytest.raises(OutOfOrder, match="nothing is staged"):
        samples.generate(target, Schemas("public"), "minimal_sample")
        build.build(target, Schemas("public"), stage_first=False)


class Said(Progress):
    """A progress that keeps the lines a command says (what the operator reads)."""

    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def message(self, text: str) -> None:
        self.lines.append(text)


def test_migrate_takes_the_sealed_build_and_runs_each_dbt_node_once(built_minimal):
    # the template was staged with change capture and built: nothing changed since, so migrate
    # neither stages nor builds again; the post-validation after the swap runs the stamp alone
    target, schemas = built_minimal, Schemas("public")
    built_run = scalar(target, "select max(run_id) from migration_audit.runs")
    said = Said()
    done = migrate.migrate(target, schemas, confirm=lambda plan: True, progress=said)
    assert done.built.reused and done.run_id == built_run and done.stopped_after == "done"
    assert [line for line in said.lines if line.startswith("reusing the sealed build")] == [
        f"reusing the sealed build of run {built_run}: nothing has changed since its snapshot of "
        f"{done.built.stage.snapshot_time:%Y-%m-%d %H:%M:%S %Z} (--rebuild builds anew)"
    ]
    # the backups' dbt snapshots were taken by the build, in its own dbt run: the cutover runs dbt only
    # for the stamp; the snapshots hold every legacy row
    assert done.dbt_nodes == {"build": 0, "backup": 0, "post_validation": 1}
    legacy = {t: scalar(target, f"select count(*) from public_archive_{built_run}.{t}") for t in samples.LEGACY_TABLES}
    assert done.cut.backup.snapshot_rows == legacy
    assert done.to_dict()["build_reused"] is True
    post = done.post
    assert post.ok and post.mode == "after the cutover" and post.dbt_nodes == {"test": 1}
    ran = {c.name for c in post.checks if c.status != "not run" and not (c.message or "").startswith("the build's")}
    assert ran == {"alembic_stamp_matches_schema", swap_checks.GRANTS, swap_checks.CAPTURE}
    carried = {c.name for c in post.checks if (c.message or "").startswith("the build's result")}
    assert {"ledger_reconciles_with_inventory", "every_legacy_row_accounted_for", "no_negative_stock"} <= carried
    assert scalar(target, "select count(*) from migration_audit.steps where step in ('stage', 'build')") == 2


def test_a_sealed_build_is_rebuilt_when_anything_changed_since(built_minimal, monkeypatch, project_copy):
    target, schemas = built_minimal, Schemas("public")
    built_run = scalar(target, "select max(run_id) from migration_audit.runs")

    def reason() -> str:
        said = Said()
        assert migrate.reusable_build(target, schemas, force=False, progress=said) is None
        assert len(said.lines) == 1 and said.lines[0].startswith(
            f"building anew: the sealed build of run {built_run} cannot be reused ("
        )
        return said.lines[0]

    # the project the build was made with, in another home: the build's report is not here
    assert "its report migration_report_" in reason()
    # a seed edited like a DBA would
    seed = project_copy / "seeds" / "organization_type_map.csv"
    seed.write_text(seed.read_text() + "\n")
    assert "the dbt project (models, seeds, tests) changed since" in reason()
    seed.write_text(seed.read_text()[:-1])
    # an application write to a live table after the snapshot
    with db.connect(target) as conn, conn.cursor() as cur:
        cur.execute(
            "update public.parts set name = name || ' ' where id = (select id from public.parts order by id limit 1)"
        )
        conn.commit()
    assert "1 writes to public since its snapshot" in reason()

    # --rebuild never looks: it builds
    class Built(Exception):
        pass

    def build_instead(*args, **kwargs):
        raise Built

    monkeypatch.setattr(migrate, "reusable_build", lambda *a, **k: pytest.fail("--rebuild looked for a build"))
    monkeypatch.setattr(build, "build", build_instead)
    with pytest.raises(Built):
        migrate.migrate(target, schemas, rebuild=True, confirm=lambda plan: True)
    monkeypatch.undo()

    # a column retyped since the build (no row written, nothing captured): refused as a build refuses it
    with db.connect(target) as conn, conn.cursor() as cur:
        cur.execute("alter table public.parts alter column name type text")
        conn.commit()
    with pytest.raises(stage.LegacyShapeError, match="legacy column public.parts.name is text"):
        migrate.migrate(target, schemas, confirm=lambda plan: True)


def test_after_a_cutover_the_proofs_run_again_only_net_of_the_writes_since(built_minimal):
    target, schemas = built_minimal, Schemas("public")
    cutover.cutover(target, schemas)
    quiet = validate.validate(target, schemas, phase="post")
    assert quiet.ok and quiet.dbt_nodes == {"test": 1} and quiet.notes[0].startswith("no write since the cutover")
    # the application writes: the proofs run again, net of its writes, and still hold
    with db.connect(target) as conn, conn.cursor() as cur:
        cur.execute(
            "update public.inventory set current_stock = current_stock + 5"
            " where id = (select id from public.inventory order by id limit 1)"
        )
        conn.commit()
    written = validate.validate(target, schemas, phase="post")
    assert written.ok, written.summary
    assert written.notes[0].startswith("the reconciliation proofs ran again, net of writes (1 writes since")
    assert written.dbt_nodes == {"model": 5, "test": 5}  # the reconciliation models, the four proofs, the stamp
    # the swap's own work undone by hand: its two checks find it, and the proofs run again
    with db.connect(target) as conn, conn.cursor() as cur:
        cur.execute(f'drop trigger "{capture.TRIGGER}" on public.parts')
        cur.execute("grant select on public.users to public")
        conn.commit()
    broken = validate.validate(target, schemas, phase="post")
    found = {c.name: c for c in broken.checks if c.found}
    assert set(found) == {swap_checks.GRANTS, swap_checks.CAPTURE} and not broken.ok
    assert found[swap_checks.CAPTURE].example_ids == ["parts"]
    assert found[swap_checks.GRANTS].example_value == (
        "public.users: role public holds SELECT, the rule gives it nothing"
    )


def test_the_seal_sees_a_schemas_grants_as_they_are_not_as_they_are_written(new_database):
    # no access list is the default one: a grant revoked again is no change to the built target (a bench
    # or a DBA that puts a schema back), a grant left in place is one
    target = new_database("seal-acl")
    with db.connect(target) as conn, conn.cursor() as cur:
        cur.execute("create schema sealed_acl")
        cur.execute("create table sealed_acl.t (id int primary key)")
        before = fingerprint.catalog(cur, "sealed_acl")
        cur.execute("grant usage on schema sealed_acl to public")
        granted = fingerprint.catalog(cur, "sealed_acl")
        cur.execute("revoke usage on schema sealed_acl from public")
        assert fingerprint.catalog_differences(before, fingerprint.catalog(cur, "sealed_acl")) == []
        assert fingerprint.catalog_differences(before, granted) != []
        conn.rollback()
