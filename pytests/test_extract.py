"""`harness sample extract` on the embedded server, as an ordinary role that may only
SELECT the source: the source is left as it was, the extract is closed, covers the
source's kinds, holds no source value of an anonymised column, and validates exactly as
the same extract with personal data kept does.

The sources (small dirty, small clean, minimal clean) are generated once for the module;
every extract is made in the pool's first database (its dbt parse stays warm) and kept
under a name of its own."""

from __future__ import annotations

import json
import re

import pytest
from helpers import query
from pool import MIGRATOR, POOL_FIRST, embedded_target, rename_database
from test_validation import BACKGROUND, DIRTY_FINDINGS
from typer.testing import CliRunner

from harness.cli.commands import app
from harness.common.errors import CheckFailed, UsageError
from harness.common.schemas import Schemas
from harness.db import connection as db
from harness.db import fingerprint
from harness.flows import anonymise, extract, samples

PUBLIC = Schemas("public")
SEED = 7
runner = CliRunner()
pytestmark = pytest.mark.timeout(240)


def _execute(target, *statements) -> None:
    with db.connect(target, autocommit=True) as conn, conn.cursor() as cur:
        for statement in statements:
            cur.execute(statement)


def as_role(target, **extra) -> db.Target:
    return db.Target(db.make_dsn({**target.params, "user": MIGRATOR, **extra}), embedded=True)


def _fingerprint(target) -> dict:
    with db.connect(target) as conn, conn.cursor() as cur:
        return fingerprint.fingerprint(cur, "public")


@pytest.fixture(scope="module")
def world(server, migrator_role):
    """Databases made for the module, dropped after it: `source(...)` and `extract_into(...)`."""
    server_db = embedded_target("postgres")
    made: list[str] = []

    def source(name: str, size: str, *, dirty: bool = False):
        target = db.create_database(server_db, name, replace=True)
        made.append(name)
        samples.generate(target, PUBLIC, size, dirty=dirty)
        # the extracting role may read the legacy tables, and nothing else
        _execute(target, f"grant select on all tables in schema public to {MIGRATOR}")
        return target, _fingerprint(target)

    def new_destination(name: str = POOL_FIRST):
        work = db.create_database(server_db, name, replace=True)
        _execute(server_db, f'alter database "{name}" owner to {MIGRATOR}')
        return work, as_role(work)

    def extract_into(name: str, source_target, **options) -> tuple[db.Target, extract.ExtractResult]:
        work, destination = new_destination()
        result = extract.extract(as_role(source_target), destination, PUBLIC, seed=SEED, **options)
        destination.close()
        made.append(rename_database(work, name))
        return embedded_target(name), result

    yield source, extract_into, new_destination
    for name in made + [POOL_FIRST]:
        db.drop_database(server_db, name)


@pytest.fixture(scope="module")
def dirty_source(world):
    source, _, _ = world
    return source("x_src_dirty", "small_sample", dirty=True)


@pytest.fixture(scope="module")
def dirty_extracts(world, dirty_source):
    """The small dirty sample extracted at the minimal size, anonymised and with personal data kept."""
    _, extract_into, _ = world
    anonymised = extract_into("x_anon", dirty_source[0], size="minimal_sample")
    kept = extract_into("x_raw", dirty_source[0], size="minimal_sample", anonymise_data=False)
    return anonymised, kept


def rows(target, table: str, columns: str = "*") -> dict[str, tuple]:
    """Each row by id, its values as the database spells them (a numeric NaN equals itself)."""
    selected = query(target, f"select id::text as id, {columns} from public.{table}")
    return {r["id"]: tuple(str(v) for v in r.values()) for r in selected}


def dangling(target) -> set[tuple[str, str, str]]:
    """(table, column, value) of every reference to a row the database does not hold."""
    found = set()
    tables = set(
        query(target, "select array_agg(tablename::text) as t from pg_tables where schemaname = 'public'")[0]["t"]
    )
    for table, column, parent in extract.REFERENCES:
        if table in tables:
            found |= {
                (table, column, r["v"])
                for r in query(
                    target,
                    f"select c.{column}::text as v from public.{table} as c where c.{column} is not null and"
                    f" not exists (select 1 from public.{parent} as p where p.id = c.{column})",
                )
            }
    return found


def constraints(target) -> set[tuple[str, str, str]]:
    return {
        (r["t"], r["n"], r["d"])
        for r in query(
            target,
            "select c.conrelid::regclass::text as t, c.conname as n, pg_get_constraintdef(c.oid) as d"
            " from pg_constraint as c where c.connamespace = 'public'::regnamespace and c.contype <> 'n'",
        )
    }


def test_the_dirty_extract_is_closed_and_keeps_the_sources_dangling_references(dirty_source, dirty_extracts):
    source = dirty_source[0]
    source_dangling = dangling(source)
    assert source_dangling  # the dirty sample has orphans: the check below means something
    for target, result in dirty_extracts:
        assert dangling(target) <= source_dangling
        # its foreign keys (those the source has) are in place: they were checked when they were added
        assert constraints(target) == constraints(source)
        assert any(d.startswith("FOREIGN KEY") for _, _, d in constraints(target))
        assert 0 < result.row_counts["organizations"] < result.source_row_counts["organizations"]
        # the orphans the checks find came along, with their dangling references
        assert {
            "orphaned_inventory",
            "inventory_invalid_parts",
            "machines_invalid_customer",
            "orphaned_references",
        } <= set(result.findings)


def test_the_extract_with_personal_data_is_the_sources_rows_verbatim(dirty_source, dirty_extracts):
    source = dirty_source[0]
    (_, anonymised), (kept_target, kept) = dirty_extracts
    for table in samples.LEGACY_TABLES:
        extracted = rows(kept_target, table)
        assert len(extracted) == kept.row_counts[table]
        everything = rows(source, table)
        assert all(everything[i] == r for i, r in extracted.items()), table
    anonymised_target = dirty_extracts[0][0]
    for table in samples.LEGACY_TABLES:  # the seed chose the same rows
        assert rows(anonymised_target, table, "1").keys() == rows(kept_target, table, "1").keys()


def test_it_covers_the_sources_kinds_of_finding_and_of_mapping(dirty_extracts):
    for _, result in dirty_extracts:
        assert result.kinds_missed == []
        covered = set(result.kinds_covered)
        assert {f"finding:{name}" for name in DIRTY_FINDINGS} <= covered
        assert {
            "organization_type:oraseas_ee",
            "organization_type:customer",
            "organization_type:supplier",
            "role:super_admin",
            "role:admin",
            "role:user",
            "part_type:consumable",
            "part_type:bulk_material",
            "order_status:supplier:delivered",
            "order_status:customer:back-ordered",
        } <= covered
        assert result.kinds_extra == []
        assert len(result.organizations) > samples.SIZES["minimal_sample"].orgs  # a dirty source needs more
        assert f"{len(result.organizations)} organisations were chosen, 3 asked" in " ".join(result.notes)
        assert 2 <= result.validations <= 1 + len(extract.ROUNDS)


def test_validation_of_the_anonymised_extract_reports_the_same_checks_and_counts(dirty_extracts):
    (_, anonymised), (_, kept) = dirty_extracts
    assert anonymised.anonymised and not kept.anonymised
    assert len(anonymised.findings) >= len(DIRTY_FINDINGS)
    assert anonymised.findings == kept.findings
    assert anonymised.source_findings == kept.source_findings


def allowed_to_survive(value: str, treatment: str) -> bool:
    """A source value an anonymised extract may hold: no letter or digit in it, an override
    name, the Main Warehouse, or a part text made only of what the classification reads (keywords,
    counting words, pack sizes)."""
    if not any(c.isalnum() for c in value):
        return True
    if treatment == anonymise.ORGANIZATION_NAME:
        return anonymise.normalise(value) in anonymise.override_names()
    if treatment == anonymise.LOCATION:
        return anonymise.normalise(value) in anonymise.KEPT_LOCATIONS
    if treatment == anonymise.PART_TEXT:
        words = re.findall(r"[a-z0-9]+", value.lower())
        read = anonymise.bulk_material_keywords() | anonymise.counting_words()
        return all(w in read for i, w in enumerate(words) if i not in anonymise.pack_size_words(words))
    return False


def test_the_anonymised_extract_holds_no_source_value_of_an_anonymised_column(dirty_source, dirty_extracts):
    source = dirty_source[0]
    (anonymised_target, _), (kept_target, _) = dirty_extracts
    checked = 0
    for (table, column), (treatment, _) in anonymise.TREATMENTS.items():
        if treatment == anonymise.KEEP:
            continue
        source_values = {r["v"] for r in query(source, f"select {column} as v from public.{table}")} - {None}
        extracted = {r["v"] for r in query(anonymised_target, f"select {column} as v from public.{table}")} - {None}
        survivors = {v for v in extracted & source_values if not allowed_to_survive(v, treatment)}
        assert not survivors, (table, column, sorted(survivors)[:5])
        checked += len(extracted)
    assert checked > 100
    # what is kept is kept: ids, quantities, dates, types
    kept_columns = "organization_id, part_id, current_stock, minimum_stock_recommendation, created_at"
    assert rows(anonymised_target, "inventory", kept_columns) == rows(kept_target, "inventory", kept_columns)
    names = {r["name"] for r in query(anonymised_target, "select name from public.organizations")}
    assert "Oraseas EE" in names


def test_missed_kinds_widen_the_candidate_round_by_round(world, dirty_source, monkeypatch):
    """No witness in the first round: one organisation in the seed's order misses most kinds;
    the next round takes four rows of every kind it missed, and covers them."""
    monkeypatch.setattr(extract, "ROUNDS", (0, 4, None))
    _, extract_into, _ = world
    _, result = extract_into("x_wide", dirty_source[0], organizations=1)
    assert result.validations == 3  # the whole copy, the first candidate, the widened one
    assert result.kinds_missed == [] and result.kinds_extra == []
    assert {f"finding:{name}" for name in DIRTY_FINDINGS} <= set(result.kinds_covered)


@pytest.fixture(scope="module")
def clean_extract(world):
    """The small clean sample, two organisations chosen."""
    source, extract_into, _ = world
    target, fingerprint_before = source("x_src_clean", "small_sample")
    extracted, result = extract_into("x_clean", target, organizations=2)
    return target, fingerprint_before, extracted, result


def test_a_clean_extract_covers_its_kinds_with_few_organisations(clean_extract):
    source, _, target, result = clean_extract
    assert result.kinds_missed == [] and result.kinds_covered
    dirt = set(DIRTY_FINDINGS) - set(BACKGROUND)  # the checks clean data never fires
    assert not any(k.startswith("finding:") and k[8:] in dirt for k in result.kinds_covered)
    assert result.row_counts["organizations"] < result.source_row_counts["organizations"]
    assert dangling(target) == dangling(source) == set()
    assert constraints(target) == constraints(source)
    assert result.rows_per_second > 0 and result.rows_copied == sum(result.source_row_counts.values())


def test_the_command_extracts_a_small_source_whole_read_only_and_prints_json(world):
    source, _, _ = world
    target, before = source("x_src_minimal", "minimal_sample")
    db.drop_database(embedded_target("postgres"), POOL_FIRST)  # made by the command, as the role
    read_only = as_role(target, options="-c default_transaction_read_only=on")
    done = runner.invoke(
        app,
        [
            "--dsn",
            as_role(embedded_target("postgres")).dsn,
            "--json",
            "sample",
            "extract",
            "--from",
            read_only.dsn,
            "--database",
            POOL_FIRST,
            "--size",
            "small_sample",
        ],
    )
    assert done.exit_code == 0, done.output
    document = json.loads(done.stdout)
    assert document["selection"] == "small_sample (10 organisations)" and document["anonymised"]
    assert document["new_database"] and f"/{POOL_FIRST}?" in document["destination"]
    assert document["row_counts"] == document["source_row_counts"]
    assert document["validations"] == 1 and document["kinds_missed"] == []
    assert any("every row was extracted" in note for note in document["notes"])
    assert (
        query(embedded_target(POOL_FIRST), "select count(*) as n from pg_namespace where nspname like 'public_%'")[0][
            "n"
        ]
        == 0
    )  # no stage, no scratch left
    assert _fingerprint(target) == before


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--no-anonymise"], 2, "say --keep-personal-data"),
        (["--anonymise", "--keep-personal-data"], 2, "contradict"),
        (["--all", "--organizations", "3"], 2, "give one of them"),
        (["--organizations", "0"], 2, "1 or more"),
    ],
)
def test_a_bad_choice_is_one_line_before_any_connection(args, code, words):
    done = runner.invoke(
        app,
        ["--dsn", "host=/nonexistent-socket-dir", "sample", "extract", "--from", "host=/nonexistent-socket-dir", *args],
    )
    assert done.exit_code == code and words in done.output and "Traceback" not in done.output, done.output


def test_refusals_name_what_is_wrong_and_change_nothing(world, dirty_source):
    source, _, new_destination = world
    target, before = dirty_source
    reader = as_role(target)
    # the destination is the source
    with pytest.raises(UsageError, match="the destination is the source"):
        extract.extract(reader, reader, PUBLIC)
    # a destination that holds something
    work, destination = new_destination("x_busy")
    _execute(work, f"create table public.keep_me (id int); alter table public.keep_me owner to {MIGRATOR}")
    with pytest.raises(UsageError, match="is not empty"):
        extract.extract(reader, destination, PUBLIC)
    # an existing database
    with pytest.raises(UsageError, match="already exists"):
        extract.extract(reader, destination, PUBLIC, database="x_busy")
    # a table the role may not read
    _execute(target, f"revoke select on public.parts from {MIGRATOR}")
    try:
        with pytest.raises(UsageError, match=r"may not read public\.parts.*GRANT SELECT"):
            extract.extract(reader, destination, Schemas("other"))
    finally:
        _execute(target, f"grant select on public.parts to {MIGRATOR}")
    destination.close()
    assert (
        query(work, "select count(*) as n from pg_namespace where nspname in ('other', 'other_extract_all')")[0]["n"]
        == 0
    )
    assert _fingerprint(target) == before


def test_a_failed_extract_leaves_nothing_behind(world, dirty_source, monkeypatch):
    def stopped(*args):
        raise CheckFailed("stopped after the copy")

    monkeypatch.setattr(extract, "_validated", stopped)
    _, _, new_destination = world
    work, destination = new_destination("x_failed")
    reader = as_role(dirty_source[0])
    with pytest.raises(CheckFailed, match="stopped after the copy"):
        extract.extract(reader, destination, Schemas("sample"))
    with pytest.raises(CheckFailed, match="stopped after the copy"):
        extract.extract(reader, destination, PUBLIC, database="x_failed_db")
    destination.close()
    assert query(work, "select count(*) as n from pg_namespace where nspname like 'sample%'")[0]["n"] == 0
    assert query(work, "select count(*) as n from pg_database where datname = 'x_failed_db'")[0]["n"] == 0


def test_a_hiding_policy_fails_the_extract_naming_table_and_policy(world):
    source, _, new_destination = world
    target, _ = source("x_src_policy", "minimal_sample")
    _execute(
        target,
        "alter table public.users enable row level security",
        f"create policy only_admins on public.users to {MIGRATOR} using (role = 'Oraseas Admin')",
    )
    work, destination = new_destination("x_policy")
    done = runner.invoke(app, ["--dsn", destination.dsn, "sample", "extract", "--from", as_role(target).dsn])
    assert done.exit_code == 1, done.output
    lines = done.output.strip().splitlines()
    assert len(lines) == 1 and "public.users has policy only_admins" in lines[0] and "BYPASSRLS" in lines[0], lines
    destination.close()
    assert query(work, "select count(*) as n from pg_tables where schemaname = 'public'")[0]["n"] == 0
    with pytest.raises(CheckFailed, match="only_admins"):
        extract.extract(as_role(target), destination, PUBLIC)


def test_the_sources_are_unchanged(dirty_source, clean_extract):
    target, before = dirty_source
    assert _fingerprint(target) == before
    source, clean_before, _, _ = clean_extract
    assert _fingerprint(source) == clean_before
