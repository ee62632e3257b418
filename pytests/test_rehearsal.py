"""`harness test --type rehearsal`: a copy of the real database migrated, rolled back and read for
what it predicts. As a DBA runs it: an ordinary role that may only SELECT on the source and
creates the copy (CREATEDB), on the source's own server (--same-server). The prediction of rows,
quarantine and findings must be what a real `migrate` of the same database gives, and the source
must come out as it went in. One small dirty sample, one rehearsal, one real migrate; no timing
is asserted (`make bench` sets predicted against measured times)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import query, scalar
from pool import drop_database, embedded_target, sample_template

from harness.common.errors import UsageError
from harness.common.schemas import Schemas
from harness.db import connection as db
from harness.db import fingerprint
from harness.flows import migrate, rehearsal
from harness.reporting import reports

SCHEMAS = Schemas("public")


def as_role(target, role: str):
    return db.Target(db.make_dsn({**target.params, "user": role}), embedded=True)


def fingerprint_of(target) -> tuple[dict, list]:
    """The live schema's fingerprint and every schema of the database: what `unchanged` means."""
    with db.connect(target) as conn, conn.cursor() as cur:
        found = fingerprint.fingerprint(cur, "public")
    return found, [r["nspname"] for r in query(target, "select nspname from pg_namespace order by 1")]


@pytest.fixture(scope="module")
def rehearsed(templates, migrator_role):
    """The rehearsal of a small dirty sample, as the ordinary role, and a real migrate of the same
    database: (the test run, the source's fingerprint before and after, the real migrate)."""
    from pool import rename_database

    template = templates("small_dirty", sample_template("small_sample", dirty=True))
    server = embedded_target("postgres")
    # the copy is made under the pool's first name, whose dbt parse the session keeps warm
    copy_name = "t1"
    db.drop_database(server, copy_name)
    source = db.create_database(server, "rehearsal_source", template=template, replace=True)
    real = db.create_database(server, "rehearsal_real", template=template, replace=True)
    with db.connect(source, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(f"grant select on all tables in schema public to {migrator_role}")
    before = fingerprint_of(source)
    reader, copier = as_role(source, migrator_role), as_role(server, migrator_role)
    with pytest.raises(UsageError, match="the source's own server"):
        rehearsal.rehearse(copier, SCHEMAS, source=reader, force=True, database=copy_name)
    with pytest.raises(UsageError, match="exists"):  # never over a database, the source least of all
        rehearsal.rehearse(copier, SCHEMAS, source=reader, same_server=True, database=source.database)
    run = rehearsal.rehearse(copier, SCHEMAS, source=reader, same_server=True, force=True, database=copy_name)
    for target in (reader, copier):
        target.close()
    after = fingerprint_of(source)
    copy_left = scalar(server, "select count(*) from pg_database where datname = %s", (copy_name,))
    # the real run, on the same database: under the name the copy had (dbt's parse is warm for it)
    real = embedded_target(rename_database(real, copy_name))
    migrated = migrate.migrate(real, SCHEMAS, force=True, confirm=lambda plan: True)
    yield run, before, after, migrated, copy_left
    for target in (source, real):
        drop_database(target)


@pytest.mark.timeout(600)  # a copy, two migrates, a rollback; the default (pyproject.toml) is 120 s
def test_the_rehearsal_predicts_the_real_run_and_leaves_the_source_as_it_was(rehearsed):
    run, before, after, migrated, copy_left = rehearsed
    scenario = run.scenarios[0]
    assert run.passed, scenario.reasons
    assert after == before  # not a row, a column, a grant or a schema more
    prediction = reports.load(Path(run.report_path))["prediction"]
    expected = rehearsal.outcome(migrated)
    assert {key: prediction[key] for key in expected} == expected
    assert expected["quarantined_rows"] > 0 and [f for f in expected["findings"] if f["severity"] == "error"]

    assert [step["step"] for step in prediction["steps"]] == [
        *rehearsal.step_seconds(migrated.to_dict()),
        "migrate, in all",
        "rollback, if it comes to that",
    ]
    assert prediction["lock_window"]["cutover_ms"] > 0 and "lower bound" in prediction["lock_window"]["note"]
    assert prediction["backups"]["pg_dump_bytes"] > 0
    # what surrounds the legacy tables, and what the cutover does with each: as the real run's plan says
    assert prediction["surroundings"]["known"] is True
    assert prediction["surroundings"]["objects"] == migrated.plan.to_dict()["surroundings"]
    assert prediction["copy"]["legacy_rows"] == sum(count for count, _ in before[0]["tables"].values())
    assert prediction["servers"]["differences"] == []  # the same server
    # the source's objects belong to postgres, which the ordinary role is not
    assert [n for n in prediction["not_rehearsed"] if "postgres" in n and "ownership was not rehearsed" in n]
    assert scenario.numbers["round_trip_identical"] is True
    assert [step["step"] for step in scenario.steps] == ["copy", "parse", "migrate", "rollback"]
    assert copy_left == 0 and run.kept_databases == []


def test_a_live_schema_backup_is_rehearsed_and_what_it_lacks_is_said(rehearsed, migrator_role):
    """The real migrate's own backup (pg_dump of the live schema), copied as the ordinary role."""
    run, before, _, migrated, _ = rehearsed
    server = as_role(embedded_target("postgres"), migrator_role)
    copy = rehearsal.copy_backup(server, Path(migrated.cut.backup.dump_path), "rehearsal_backup")
    try:
        copied = as_role(embedded_target("rehearsal_backup"), migrator_role)
        with db.connect(copied) as conn, conn.cursor() as cur:
            tables = fingerprint.table_hashes(cur, "public")
        copied.close()
    finally:
        db.drop_database(embedded_target("postgres"), "rehearsal_backup")
    assert tables == before[0]["tables"]  # every row, without the change capture's triggers
    assert [n for n in copy.not_rehearsed if "holds schema public only" in n]
    assert [n for n in copy.not_rehearsed if "ownership was not rehearsed" in n]
    assert copy.source_server["encoding"] == "UTF8" and copy.source_server["server_version"]
