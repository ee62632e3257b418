"""The legacy sample generator: sizes of the original tool, determinism, the
real data's quirks, and refusal to overwrite what it did not create."""

from __future__ import annotations

import pytest
from helpers import query, scalar

from harness.common.errors import UsageError
from harness.common.schemas import Schemas
from harness.db import connection as db
from harness.db import fingerprint
from harness.flows import samples


@pytest.mark.parametrize("size", samples.ORIGINAL_SIZES)
def test_every_size_has_the_original_tools_counts(new_database, size):
    target = new_database("size")
    result = samples.generate(target, Schemas("public"), size)
    spec = samples.SIZES[size]
    counts = result.row_counts
    assert (counts["organizations"], counts["users"], counts["parts"], counts["machines"], counts["inventory"]) == (
        spec.orgs,
        spec.users,
        spec.parts,
        spec.machines,
        spec.inventory,
    )
    for table in (
        "supplier_orders",
        "supplier_order_items",
        "customer_orders",
        "customer_order_items",
        "part_usage",
        "stock_adjustments",
    ):
        assert counts[table] > 0, table


def test_numbers_past_9999_stay_unique_and_a_large_inventory_is_sampled(new_database, monkeypatch):
    # the sizes beyond benchmark_10x in miniature: more than 9,999 parts (part and serial numbers are
    # written by one function), the inventory chosen from a sample of the pairs, not all of them scored
    monkeypatch.setitem(samples.SIZES, "wide", samples.SampleSize("wide", 3, 5, 10_001, 15, 400))
    monkeypatch.setattr(samples, "EXACT_INVENTORY_PAIRS", 0)
    target = new_database("wide")
    counts = samples.generate(target, Schemas("public"), "wide").row_counts
    assert (counts["parts"], counts["machines"], counts["inventory"]) == (10_001, 15, 400)
    assert scalar(target, "select count(distinct part_number) from public.parts") == 10_001
    assert scalar(target, "select count(*) from public.parts where part_number in ('PN-1000-M', 'PN-10000-Q')") == 2
    assert scalar(target, "select count(distinct organization_id) from public.inventory") == 3


def test_same_seed_same_database_other_seed_other_database(new_database):
    schemas = Schemas("public")
    prints = []
    for seed in (7, 7, 8):
        target = new_database("seed")
        samples.generate(target, schemas, "small_sample", seed=seed)
        with db.connect(target) as conn, conn.cursor() as cur:
            prints.append(fingerprint.table_hashes(cur, "public"))
    assert prints[0] == prints[1]
    assert prints[0] != prints[2]


# Each quirk of the real data the models must handle, on its own: a sample that lost one would
# leave its handling untested. (name -> a count that must be positive)
QUIRKS = {
    "Oraseas EE typed 'Warehouse'": "select count(*) from public.organizations where name = 'Oraseas EE'"
    " and type = 'Warehouse'",
    "two 'Oraseas Admin' users": "select (count(*) = 2)::int from public.users where role = 'Oraseas Admin'",
    "organisation types in several spellings": "select (count(distinct type) > 3)::int from public.organizations",
    "NULL locations": "select count(*) from public.inventory where location is null",
    "blank locations": "select count(*) from public.inventory where location = ''",
    "locations with trailing spaces": "select count(*) from public.inventory where location <> rtrim(location)",
    "locations with double spaces": "select count(*) from public.inventory where location ~ '\\S  \\S'",
    "locations differing only in case": "select count(*) from (select organization_id, lower(location)"
    " from public.inventory group by 1, 2 having count(distinct location) > 1) x",
    "organisations with several locations": "select count(*) from (select organization_id from public.inventory"
    " group by 1 having count(distinct lower(btrim(location))) > 1) x",
    "bulk materials among the parts": "select count(*) from public.parts"
    " where name ~* '\\m(oil|grease|coolant|fluid|lubricant)\\M'",
    "users who never ordered or used a part": "select count(*) from public.users u where not exists (select 1"
    " from public.part_usage p where p.recorded_by_user_id = u.id) and not"
    " exists (select 1 from public.customer_orders o"
    " where o.ordered_by_user_id = u.id)",
    "customers without machines": "select count(*) from public.organizations o where o.type ilike '%customer%'"
    " and not exists (select 1 from public.machines m where m.organization_id = o.id)",
    "organisations without an admin": "select count(*) from public.organizations o where not exists (select 1"
    " from public.users u where u.organization_id = o.id"
    " and u.role ilike '%admin%')",
}


def test_each_quirk_of_the_real_data_is_there(new_database):
    target = new_database("quirks")
    samples.generate(target, Schemas("public"), "medium_sample")
    missing = [name for name, count in QUIRKS.items() if not scalar(target, count)]
    assert missing == []


def test_the_legacy_ddl_is_the_init_scripts(new_database):
    target = new_database("ddl")
    samples.generate(target, Schemas("public"), "minimal_sample")
    # again, in the same session: its helpers are still there, its constraints come back whole
    samples.generate(target, Schemas("public"), "minimal_sample", replace=True)
    constraints = {
        r["conname"]
        for r in query(target, "select conname from pg_constraint where connamespace = 'public'::regnamespace")
    }
    assert {
        "organizations_pkey",
        "organizations_name_key",
        "users_username_key",
        "users_email_key",
        "machines_organization_id_serial_number_key",
        "inventory_organization_id_part_id_key",
        "stock_adjustments_inventory_id_fkey",
        "part_usage_machine_id_fkey",
    } <= constraints
    assert "machines_serial_number_key" not in constraints  # unique per organisation only
    defaults = {
        r["table_name"]: r["column_default"]
        for r in query(
            target,
            "select table_name, column_default from information_schema.columns"
            " where table_schema = 'public' and column_name = 'id'",
        )
    }
    assert defaults["organizations"] == "uuid_generate_v4()"
    assert defaults["stock_adjustments"] is None  # ORM-created: no server default
    assert scalar(target, "select public.uuid_generate_v4() is not null")


def test_replace_refuses_a_schema_it_did_not_generate(new_database):
    target = new_database("refuse")
    with db.connect(target) as conn, conn.cursor() as cur:
        cur.execute("create table public.organizations (id int)")
        conn.commit()
    with pytest.raises(UsageError, match="did not generate"):
        samples.generate(target, Schemas("public"), "minimal_sample", replace=True)
    with pytest.raises(UsageError, match="--replace"):
        samples.generate(target, Schemas("public"), "minimal_sample")
    assert scalar(target, "select count(*) from public.organizations") == 0  # untouched
