"""Every post-migration check fires when the built target is broken for it, and every
reconciliation proof names the difference in each way its invariant can be false: a row
missing on either side, a value changed, a row doubled.

The post checks cannot fire on legacy data, so each is broken here on purpose, on one
shared build: the dirty minimal sample built with --force (it has quarantined rows, the
third side of the proofs). Each break runs inside a transaction that is rolled back, around
every guard of the target (session_replication_role = replica: no trigger fires, no
foreign key is checked), as a model's bug or a hand edit with the owner's rights would
leave the target. Then the reconciliation models are recomputed and every post check run,
as dbt compiled them (the selection lean_post_validation, which a post-validation of a
target no longer as sealed runs): a break asserts exactly which checks fire, and exactly
the rows (ids, and for the proofs their values) each names. The harness's own path,
`validate --phase post`, runs once over many breaks together and finds the same rows.

After a cutover the proofs read the live schema and leave out the rows the application
wrote since: they must leave out exactly those (captured, of this live schema and this
cutover), and still name a write the capture missed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from pool import sample_template

from harness.common.schemas import Schemas
from harness.db import connection as db
from harness.dbt_bridge import checks, dbt_runner, project
from harness.flows import cutover, validate

RECONCILIATION = (  # the view first: the tables read it
    "reconciliation_post_cutover_writes",
    "reconciliation_row_counts",
    "reconciliation_stock",
    "reconciliation_ledger",
    "reconciliation_totals",
)
PROOFS = (
    "every_legacy_row_accounted_for",
    "stock_conserved_per_organization_and_part",
    "ledger_reconciles_with_inventory",
    "totals_preserved",
)
GHOST = "00000000-0000-0000-0000-00000000dead"  # an id nothing has


def forced_dirty_template(templates) -> str:
    """The dirty minimal sample built with --force (the template test_validation.py shares)."""
    return templates("forced_dirty_minimal", sample_template("minimal_sample", dirty=True, build=True, force=True))


@dataclass
class PostChecks:
    """The post checks and the reconciliation models, as dbt compiled them for one database (the
    database's name taken out of their relations: the SQL reads any copy), run in a transaction."""

    compiled: dict[str, str]  # by node name

    @classmethod
    def compile(cls, target, read_from: dbt_runner.ReadFrom | None = None) -> PostChecks:
        run = dbt_runner.invoke(
            "compile",
            target,
            Schemas("public"),
            args=["--selector", project.LEAN_POST_VALIDATION, "--log-level", "none"],
            read_from=read_from,
        )
        dbt_runner.raise_on_error(run)
        post = {c.name for c in checks.catalogue(run.manifest).values() if c.phase == "post"}
        compiled = {
            path.stem: path.read_text().replace(f'"{target.database}".', "")
            for path in (run.target_path / "compiled").rglob("*.sql")
            if path.stem in post or path.stem in RECONCILIATION
        }
        assert set(compiled) == post | set(RECONCILIATION)
        return cls(compiled)

    @property
    def names(self) -> set[str]:
        return set(self.compiled) - set(RECONCILIATION)

    def run(self, cur) -> dict[str, set[tuple[str, str]]]:
        """Recompute the reconciliation models, then run every post check: the (id, value) rows
        of each check that finds any."""
        for model in RECONCILIATION:
            if model == "reconciliation_post_cutover_writes":
                cur.execute(f"create or replace view public_stage.{model} as\n{self.compiled[model]}\n")
            else:
                cur.execute(f"delete from public_stage.{model}")
                cur.execute(f"insert into public_stage.{model}\n{self.compiled[model]}\n")
        found = {}
        for name in sorted(self.names):
            cur.execute(f"select id::text, value::text from (\n{self.compiled[name]}\n) as check_rows")
            rows = set(cur.fetchall())
            if rows:
                found[name] = rows
        return found


@pytest.fixture(scope="module")
def built(templates, module_database):
    """One build shared by the module, and its post checks' SQL (compiled on the pool's first
    name, whose dbt parse the session keeps warm)."""
    return module_database(PostChecks.compile, template=forced_dirty_template(templates))


@pytest.fixture
def broken(built):
    """A transaction on the shared build, around the target's guards; rolled back afterwards."""
    target, post_checks = built
    with db.connect(target) as conn, conn.cursor() as cur:
        cur.execute("set local session_replication_role = replica")
        assert post_checks.run(cur) == {}  # the build as it is: every post check passes
        yield cur, post_checks
        conn.rollback()


# ---------------------------------------------------------------- what a check names


def one(cur, sql_text: str, params=None):
    cur.execute(sql_text, params)
    rows = cur.fetchall()
    assert len(rows) == 1, (sql_text, rows)
    return rows[0][0] if len(rows[0]) == 1 else rows[0]


def ids(cur, sql_text: str, params=None) -> set[str]:
    cur.execute(sql_text, params)
    return {str(r[0]) for r in cur.fetchall()}


def named(*ids_: str) -> set[str]:
    return set(ids_)


def counts(cur, table: str, *, rows_in=0, migrated=0, quarantined=0, unexpected=0) -> tuple[str, str]:
    """The row of every_legacy_row_accounted_for for `table`: the build's numbers moved by the break."""
    was = query_one(
        cur, "select * from public_stage.reconciliation_row_counts where legacy_table = %s", (table,), empty=False
    )
    now_in, now_migrated = was["rows_in"] + rows_in, was["migrated"] + migrated
    now_quarantined, now_unexpected = was["quarantined"] + quarantined, was["unexpected_in_target"] + unexpected
    return (
        table,
        f"{table}: {now_in} in, {now_migrated} migrated, {now_quarantined} quarantined, "
        f"{now_in - now_migrated - now_quarantined} unaccounted, {now_unexpected} unexpected",
    )


def stock(cur, organization, part, *, legacy=0, migrated=0, quarantined=0) -> tuple[str, str]:
    """The row of stock_conserved_per_organization_and_part for a position."""
    was = query_one(
        cur,
        "select * from public_stage.reconciliation_stock where organization_id = %s and part_id = %s",
        (organization, part),
    )
    return (
        f"{organization}/{part}",
        f"legacy {was.get('legacy_stock', Decimal(0)) + legacy}, "
        f"migrated {was.get('migrated_stock', Decimal(0)) + migrated}, "
        f"quarantined {was.get('quarantined_stock', Decimal(0)) + quarantined}",
    )


def ledger(cur, warehouse, part, *, entries=0, inventory=0) -> tuple[str, str]:
    """The row of ledger_reconciles_with_inventory for a position."""
    was = query_one(
        cur,
        "select * from public_stage.reconciliation_ledger where warehouse_id = %s and part_id = %s",
        (warehouse, part),
    )
    return (
        f"{warehouse}/{part}",
        f"ledger {was.get('ledger_sum', Decimal(0)) + entries}, "
        f"inventory {was.get('current_stock', Decimal(0)) + inventory}",
    )


def totals(cur, table: str, measure: str, *, legacy=0, migrated=0, quarantined=0) -> tuple[str, str]:
    """The row of totals_preserved for a legacy table's measure."""
    was = query_one(
        cur,
        "select * from public_stage.reconciliation_totals where legacy_table = %s and measure = %s",
        (table, measure),
        empty=False,
    )
    return (
        f"{table}.{measure}",
        f"{table}.{measure}: legacy {was['legacy_total'] + legacy}, migrated {was['migrated_total'] + migrated}, "
        f"quarantined {was['quarantined_total'] + quarantined}",
    )


def numbers_as_such(value: str) -> str:
    """A proof's value with its numbers as numbers: a side no row is left on prints 0, not 0.000."""
    return re.sub(r"-?\d+(\.\d+)?", lambda m: format(Decimal(m.group()).normalize(), "f"), value)


def query_one(cur, sql_text: str, params, *, empty: bool = True) -> dict:
    rows = db.fetch_all(cur, sql_text, params)
    assert len(rows) <= 1 and (empty or rows), (sql_text, params, rows)
    return rows[0] if rows else {}


# ---------------------------------------------------------------- the proofs' sides

# the legacy side is the stage (the snapshot the build read), the others the target and the quarantine
Q = "public_stage.migration_quarantine"


def quarantined(cur, table: str, source_id: str) -> str:
    """A row of the quarantine, by the legacy row it holds."""
    return one(cur, f"select source_id::text from {Q} where source_table = %s and source_id = %s", (table, source_id))


def stock_row(cur) -> tuple:
    """A migrated inventory row with stock: (id, organisation, part, warehouse, stock), first by id."""
    return one(
        cur,
        "select i.id::text, w.organization_id::text, i.part_id::text, w.id::text, i.current_stock"
        " from public_next.inventory i join public_next.warehouses w on w.id = i.warehouse_id"
        " join public_stage.inventory s on s.id = i.id where i.current_stock > 0 order by i.id limit 1",
    )


# dd…39: the later of two rows of one position, quarantined with its stock of 5
DOUBLE_POSITION = "dd000000-0000-0000-0000-000000000039"


def quarantined_stock(cur) -> tuple[str, str, int]:
    return one(
        cur,
        f"select legacy_row ->> 'organization_id', legacy_row ->> 'part_id', (legacy_row ->> 'current_stock')::int"
        f" from {Q} where source_id = %s",
        (DOUBLE_POSITION,),
    )


def creation(cur) -> tuple:
    """A ledger row that creates stock: (id, warehouse, part, quantity), first by id."""
    return one(
        cur,
        "select id::text, to_warehouse_id::text, part_id::text, quantity from public_next.transactions"
        " where transaction_type = 'creation' order by id limit 1",
    )


def priced_item(cur, table: str) -> tuple:
    """A migrated order item with a price: (id, quantity, unit_price), first by id."""
    return one(
        cur,
        f"select t.id::text, s.quantity, s.unit_price from public_next.{table} t join public_stage.{table} s"
        f" on s.id = t.id where s.unit_price > 0 order by t.id limit 1",
    )


# dd…86: a stock adjustment of 10,000,000, quarantined (out of numeric(10,3)); dd…73 an order item of
# 10,000,000 at 1.00
ADJUSTMENT, ITEM = "dd000000-0000-0000-0000-000000000086", "dd000000-0000-0000-0000-000000000073"


# ---------------------------------------------------------------- the breaks


@dataclass(frozen=True)
class Break:
    check: str  # the check (or proof) it breaks
    way: str
    apply: Callable  # (cur) -> what must fire: {check: ids, or (id, value) rows}

    def __str__(self) -> str:
        return f"{self.check}: {self.way}"


BREAKS: list[Break] = []


def breaks(check: str, way: str):
    def register(apply):
        BREAKS.append(Break(check, way, apply))
        return apply

    return register


# -- the post checks that are not proofs: one break each


@breaks("alembic_stamp_matches_schema", "a head no longer stamped")
def _(cur):
    cur.execute("delete from public_next.alembic_version where version_num = 'add_security_session'")
    return {"alembic_stamp_matches_schema": named("add_security_session")}


@breaks("at_most_one_bossaqua", "two organisations typed bossaqua")
def _(cur):
    customers = ids(cur, "select id from public_next.organizations where organization_type = 'customer'")
    assert len(customers) == 2
    cur.execute("drop index public_next.unique_bossaqua")  # the application's own guard, gone first
    cur.execute(
        "update public_next.organizations set organization_type = 'bossaqua' where id = any(%s::uuid[])",
        (list(customers),),
    )
    return {"at_most_one_bossaqua": customers}


@breaks("new_ids_derived_from_legacy_ids", "a ledger row with an id of its own")
def _(cur):
    moved = one(cur, "select min(id::text) from public_next.transactions where reference_number <> 'opening-balance'")
    cur.execute("update public_next.transactions set id = %s where id = %s", (GHOST, moved))
    return {"new_ids_derived_from_legacy_ids": named(GHOST)}


@breaks("no_negative_stock", "a stock made negative")
def _(cur):
    row, warehouse, part, organization, was = one(
        cur,
        "select i.id, i.warehouse_id, i.part_id, w.organization_id, i.current_stock from public_next.inventory i"
        " join public_next.warehouses w on w.id = i.warehouse_id where i.current_stock > 0 order by i.id desc limit 1",
    )
    cur.execute("update public_next.inventory set current_stock = -1 where id = %s", (row,))
    return {
        "no_negative_stock": named(str(row)),
        "ledger_reconciles_with_inventory": {ledger(cur, warehouse, part, inventory=-1 - was)},
        "stock_conserved_per_organization_and_part": {stock(cur, organization, part, migrated=-1 - was)},
    }


@breaks("inventory_unit_matches_part", "an inventory row in another unit than its part")
def _(cur):
    row = one(cur, "select max(id::text) from public_next.inventory")
    cur.execute("update public_next.inventory set unit_of_measure = 'furlongs' where id = %s", (row,))
    return {"inventory_unit_matches_part": named(row)}


@breaks("organizations_without_warehouse", "a customer's only warehouse gone")
def _(cur):
    # AUTOBOSS INC (dd…03) has a warehouse and nothing in it
    organization = "dd000000-0000-0000-0000-000000000003"
    cur.execute("delete from public_next.warehouses where organization_id = %s", (organization,))
    return {"organizations_without_warehouse": named(organization)}


@breaks("single_oraseas_ee", "a second oraseas_ee organisation")
def _(cur):
    cur.execute("drop index public_next.unique_oraseas_ee")
    cur.execute(
        "update public_next.organizations set organization_type = 'oraseas_ee'"
        " where id = 'dd000000-0000-0000-0000-000000000003'"
    )
    return {"single_oraseas_ee": {("organizations", "2")}}


@breaks("super_admins_only_in_oraseas_ee", "a customer's user made super_admin")
def _(cur):
    user = one(
        cur,
        "select min(u.id::text) from public_next.users u join public_next.organizations o on o.id = u.organization_id"
        " where o.organization_type = 'customer'",
    )
    cur.execute("update public_next.users set role = 'super_admin' where id = %s", (user,))
    return {"super_admins_only_in_oraseas_ee": named(user)}


@breaks("suppliers_have_parent", "a supplier without its parent")
def _(cur):
    supplier = one(cur, "select min(id::text) from public_next.organizations where organization_type = 'supplier'")
    cur.execute("alter table public_next.organizations drop constraint supplier_must_have_parent")
    cur.execute("update public_next.organizations set parent_organization_id = null where id = %s", (supplier,))
    return {"suppliers_have_parent": named(supplier), "target_constraints_present": named("supplier_must_have_parent")}


@breaks("target_constraints_present", "a unique constraint dropped")
def _(cur):
    cur.execute("alter table public_next.warehouses drop constraint _org_warehouse_name_uc")
    return {"target_constraints_present": named("_org_warehouse_name_uc")}


@breaks("target_enum_types_exact", "an enum type with a value of its own")
def _(cur):
    cur.execute("alter type public_next.organizationtype add value 'tampered'")
    return {"target_enum_types_exact": named("organizationtype")}


@breaks("target_matches_application_schema", "a column the application does not have")
def _(cur):
    cur.execute("alter table public_next.security_events add column tampered integer")
    return {"target_matches_application_schema": named("security_events.tampered")}


@breaks("transaction_warehouses_follow_type", "a creation that also leaves a warehouse")
def _(cur):
    row, warehouse, part, quantity = one(
        cur,
        "select id, to_warehouse_id, part_id, quantity from public_next.transactions"
        " where transaction_type = 'creation' order by id limit 1",
    )
    cur.execute("update public_next.transactions set from_warehouse_id = to_warehouse_id where id = %s", (row,))
    return {
        "transaction_warehouses_follow_type": named(str(row)),
        "ledger_reconciles_with_inventory": {ledger(cur, warehouse, part, entries=-quantity)},
    }


@breaks("inventory_invalid_warehouse", "an inventory row in a warehouse that does not exist")
def _(cur):
    row, warehouse, part, organization, held = one(
        cur,
        "select i.id, i.warehouse_id, i.part_id, w.organization_id, i.current_stock from public_next.inventory i"
        " join public_next.warehouses w on w.id = i.warehouse_id where i.current_stock > 0 order by i.id limit 1",
    )
    cur.execute("update public_next.inventory set warehouse_id = %s where id = %s", (GHOST, row))
    return {
        "inventory_invalid_warehouse": named(str(row)),
        # the stock left its position for one nobody has, and no organisation holds it any more
        "ledger_reconciles_with_inventory": {
            ledger(cur, warehouse, part, inventory=-held),
            ledger(cur, GHOST, part, inventory=held),
        },
        "stock_conserved_per_organization_and_part": {stock(cur, organization, part, migrated=-held)},
    }


@breaks("transactions_invalid_parts", "a ledger row of a part that does not exist")
def _(cur):
    row, warehouse, part, quantity = one(
        cur,
        "select id, to_warehouse_id, part_id, quantity from public_next.transactions"
        " where transaction_type = 'creation' order by id limit 1",
    )
    cur.execute("update public_next.transactions set part_id = %s where id = %s", (GHOST, row))
    return {
        "transactions_invalid_parts": named(str(row)),
        "ledger_reconciles_with_inventory": {
            ledger(cur, warehouse, part, entries=-quantity),
            ledger(cur, warehouse, GHOST, entries=quantity),
        },
    }


@breaks("transactions_invalid_users", "a ledger row performed by a user that does not exist")
def _(cur):
    row = one(cur, "select min(id::text) from public_next.transactions")
    cur.execute("update public_next.transactions set performed_by_user_id = %s where id = %s", (GHOST, row))
    return {"transactions_invalid_users": named(row)}


@breaks("warehouses_invalid_organization", "a warehouse of an organisation that does not exist")
def _(cur):
    # AUTOBOSS INC's only warehouse, which holds nothing: no stock moves with it
    warehouse = one(
        cur,
        "select id::text from public_next.warehouses where organization_id = 'dd000000-0000-0000-0000-000000000003'",
    )
    cur.execute("update public_next.warehouses set organization_id = %s where id = %s", (GHOST, warehouse))
    return {
        "warehouses_invalid_organization": named(warehouse),
        "organizations_without_warehouse": named("dd000000-0000-0000-0000-000000000003"),
        "new_ids_derived_from_legacy_ids": named(warehouse),  # a warehouse's id is its organisation's and name's
    }


@breaks("warehouses_without_name", "a warehouse named by blanks")
def _(cur):
    warehouse = one(cur, "select min(id::text) from public_next.warehouses")
    cur.execute("update public_next.warehouses set name = '  ' where id = %s", (warehouse,))
    return {"warehouses_without_name": named(warehouse)}


# -- the reconciliation proofs, each way its invariant can be false


@breaks("every_legacy_row_accounted_for", "a legacy row missing")
def _(cur):
    cur.execute(
        "delete from public_stage.supplier_orders"
        " where id = (select min(id::text)::uuid from public_stage.supplier_orders)"
    )
    return {"every_legacy_row_accounted_for": {counts(cur, "supplier_orders", rows_in=-1, migrated=-1, unexpected=1)}}


@breaks("every_legacy_row_accounted_for", "a migrated row missing")
def _(cur):
    cur.execute("delete from public_next.machines where id = (select min(id::text)::uuid from public_next.machines)")
    return {"every_legacy_row_accounted_for": {counts(cur, "machines", migrated=-1)}}


@breaks("every_legacy_row_accounted_for", "a quarantined row missing")
def _(cur):
    cur.execute(
        f"delete from {Q} where source_id = %s", (quarantined(cur, "users", "dd000000-0000-0000-0000-000000000011"),)
    )
    return {"every_legacy_row_accounted_for": {counts(cur, "users", quarantined=-1)}}


@breaks("every_legacy_row_accounted_for", "a migrated row's id changed")
def _(cur):
    cur.execute(
        "update public_next.customer_orders set id = %s"
        " where id = (select min(id::text)::uuid from public_next.customer_orders)",
        (GHOST,),
    )
    return {"every_legacy_row_accounted_for": {counts(cur, "customer_orders", migrated=-1, unexpected=1)}}


@breaks("every_legacy_row_accounted_for", "a legacy row doubled")
def _(cur):
    cur.execute(
        "insert into public_stage.supplier_orders select (jsonb_populate_record(o, jsonb_build_object('id', %s))).*"
        " from public_stage.supplier_orders o order by id limit 1",
        (GHOST,),
    )
    return {"every_legacy_row_accounted_for": {counts(cur, "supplier_orders", rows_in=1)}}


@breaks("every_legacy_row_accounted_for", "a migrated row doubled")
def _(cur):
    cur.execute(
        "insert into public_next.customer_orders select (jsonb_populate_record(o, jsonb_build_object('id', %s))).*"
        " from public_next.customer_orders o order by id limit 1",
        (GHOST,),
    )
    return {"every_legacy_row_accounted_for": {counts(cur, "customer_orders", unexpected=1)}}


@breaks("every_legacy_row_accounted_for", "a migrated row doubled under its own id, its primary key gone")
def _(cur):
    cur.execute("alter table public_next.customer_orders drop constraint customer_orders_pkey cascade")
    cur.execute("insert into public_next.customer_orders select * from public_next.customer_orders order by id limit 1")
    return {
        "every_legacy_row_accounted_for": {counts(cur, "customer_orders", migrated=1)},
        "target_constraints_present": named("customer_orders_pkey", "customer_order_items_customer_order_id_fkey"),
    }


@breaks("every_legacy_row_accounted_for", "a quarantined row doubled")
def _(cur):
    cur.execute(
        f"insert into {Q} select * from {Q} where source_id = %s",
        (quarantined(cur, "users", "dd000000-0000-0000-0000-000000000011"),),
    )
    return {"every_legacy_row_accounted_for": {counts(cur, "users", quarantined=1)}}


@breaks(
    "every_legacy_row_accounted_for",
    "a legacy order item missing: the totals stay silent (they sum rows with a legacy id)",
)
def _(cur):
    item = one(cur, "select min(id::text) from public_next.customer_order_items")
    cur.execute("delete from public_stage.customer_order_items where id = %s", (item,))
    return {
        "every_legacy_row_accounted_for": {counts(cur, "customer_order_items", rows_in=-1, migrated=-1, unexpected=1)}
    }


@breaks("every_legacy_row_accounted_for", "a migrated order item doubled under a new id: the totals stay silent")
def _(cur):
    cur.execute(
        "insert into public_next.customer_order_items select (jsonb_populate_record(o, jsonb_build_object('id', %s))).*"
        " from public_next.customer_order_items o order by id limit 1",
        (GHOST,),
    )
    return {"every_legacy_row_accounted_for": {counts(cur, "customer_order_items", unexpected=1)}}


@breaks("stock_conserved_per_organization_and_part", "a legacy stock row missing")
def _(cur):
    row, organization, part, _, held = stock_row(cur)
    cur.execute("delete from public_stage.inventory where id = %s", (row,))
    return {
        "stock_conserved_per_organization_and_part": {stock(cur, organization, part, legacy=-held)},
        "every_legacy_row_accounted_for": {counts(cur, "inventory", rows_in=-1, migrated=-1, unexpected=1)},
    }


@breaks("stock_conserved_per_organization_and_part", "a migrated stock row missing")
def _(cur):
    row, organization, part, warehouse, held = stock_row(cur)
    cur.execute("delete from public_next.inventory where id = %s", (row,))
    return {
        "stock_conserved_per_organization_and_part": {stock(cur, organization, part, migrated=-held)},
        "ledger_reconciles_with_inventory": {ledger(cur, warehouse, part, inventory=-held)},
        "every_legacy_row_accounted_for": {counts(cur, "inventory", migrated=-1)},
    }


@breaks("stock_conserved_per_organization_and_part", "a quarantined stock row missing")
def _(cur):
    organization, part, held = quarantined_stock(cur)
    cur.execute(f"delete from {Q} where source_id = %s", (DOUBLE_POSITION,))
    return {
        "stock_conserved_per_organization_and_part": {stock(cur, organization, part, quarantined=-held)},
        "every_legacy_row_accounted_for": {counts(cur, "inventory", quarantined=-1)},
    }


@breaks("stock_conserved_per_organization_and_part", "a legacy stock changed")
def _(cur):
    row, organization, part, _, _ = stock_row(cur)
    cur.execute("update public_stage.inventory set current_stock = current_stock + 3 where id = %s", (row,))
    return {"stock_conserved_per_organization_and_part": {stock(cur, organization, part, legacy=3)}}


@breaks("stock_conserved_per_organization_and_part", "a migrated stock changed")
def _(cur):
    row, organization, part, warehouse, _ = stock_row(cur)
    cur.execute("update public_next.inventory set current_stock = current_stock + 3 where id = %s", (row,))
    return {
        "stock_conserved_per_organization_and_part": {stock(cur, organization, part, migrated=3)},
        "ledger_reconciles_with_inventory": {ledger(cur, warehouse, part, inventory=3)},
    }


@breaks("stock_conserved_per_organization_and_part", "a quarantined stock changed")
def _(cur):
    organization, part, held = quarantined_stock(cur)
    cur.execute(
        f"update {Q} set legacy_row = jsonb_set(legacy_row, '{{current_stock}}', to_jsonb(%s)) where source_id = %s",
        (held + 3, DOUBLE_POSITION),
    )
    return {"stock_conserved_per_organization_and_part": {stock(cur, organization, part, quarantined=3)}}


@breaks("stock_conserved_per_organization_and_part", "a legacy stock row doubled")
def _(cur):
    row, organization, part, _, held = stock_row(cur)
    cur.execute(
        "insert into public_stage.inventory select (jsonb_populate_record(i, jsonb_build_object('id', %s))).*"
        " from public_stage.inventory i where id = %s",
        (GHOST, row),
    )
    return {
        "stock_conserved_per_organization_and_part": {stock(cur, organization, part, legacy=held)},
        "every_legacy_row_accounted_for": {counts(cur, "inventory", rows_in=1)},
    }


@breaks("stock_conserved_per_organization_and_part", "a migrated stock row doubled, in another warehouse")
def _(cur):
    row, organization, part, other, held = one(
        cur,
        "select i.id::text, w.organization_id::text, i.part_id::text, o.id::text, i.current_stock"
        " from public_next.inventory i join public_next.warehouses w on w.id = i.warehouse_id"
        " join public_next.warehouses o on o.organization_id = w.organization_id and o.id <> w.id"
        " where i.current_stock > 0 and not exists (select 1 from public_next.inventory j"
        " where j.warehouse_id = o.id and j.part_id = i.part_id) order by i.id, o.id limit 1",
    )
    cur.execute(
        "insert into public_next.inventory select (jsonb_populate_record(i,"
        " jsonb_build_object('id', %s, 'warehouse_id', %s))).* from public_next.inventory i where id = %s",
        (GHOST, other, row),
    )
    return {
        "stock_conserved_per_organization_and_part": {stock(cur, organization, part, migrated=held)},
        "ledger_reconciles_with_inventory": {ledger(cur, other, part, inventory=held)},
        "every_legacy_row_accounted_for": {counts(cur, "inventory", unexpected=1)},
    }


@breaks("stock_conserved_per_organization_and_part", "a quarantined stock row doubled")
def _(cur):
    organization, part, held = quarantined_stock(cur)
    cur.execute(f"insert into {Q} select * from {Q} where source_id = %s", (DOUBLE_POSITION,))
    return {
        "stock_conserved_per_organization_and_part": {stock(cur, organization, part, quarantined=held)},
        "every_legacy_row_accounted_for": {counts(cur, "inventory", quarantined=1)},
    }


@breaks("ledger_reconciles_with_inventory", "a ledger row missing")
def _(cur):
    row, warehouse, part, quantity = creation(cur)
    cur.execute("delete from public_next.transactions where id = %s", (row,))
    return {"ledger_reconciles_with_inventory": {ledger(cur, warehouse, part, entries=-quantity)}}


@breaks("ledger_reconciles_with_inventory", "a ledger quantity changed")
def _(cur):
    row, warehouse, part, _ = creation(cur)
    cur.execute("update public_next.transactions set quantity = quantity + 2 where id = %s", (row,))
    return {"ledger_reconciles_with_inventory": {ledger(cur, warehouse, part, entries=2)}}


@breaks("ledger_reconciles_with_inventory", "a ledger row moved to another warehouse")
def _(cur):
    row, warehouse, part, quantity = creation(cur)
    other = one(
        cur,
        "select min(o.id::text) from public_next.warehouses w join public_next.warehouses o"
        " on o.organization_id = w.organization_id and o.id <> w.id where w.id = %s",
        (warehouse,),
    )
    cur.execute("update public_next.transactions set to_warehouse_id = %s where id = %s", (other, row))
    return {
        "ledger_reconciles_with_inventory": {
            ledger(cur, warehouse, part, entries=-quantity),
            ledger(cur, other, part, entries=quantity),
        }
    }


@breaks("ledger_reconciles_with_inventory", "a ledger row doubled")
def _(cur):
    row, warehouse, part, quantity = creation(cur)
    cur.execute(
        "insert into public_next.transactions select (jsonb_populate_record(t, jsonb_build_object('id', %s))).*"
        " from public_next.transactions t where id = %s",
        (GHOST, row),
    )
    return {
        "ledger_reconciles_with_inventory": {ledger(cur, warehouse, part, entries=quantity)},
        "new_ids_derived_from_legacy_ids": named(GHOST),
    }


@breaks("ledger_reconciles_with_inventory", "an inventory row doubled at its position, its unique key gone")
def _(cur):
    row, organization, part, warehouse, held = stock_row(cur)
    cur.execute("alter table public_next.inventory drop constraint _warehouse_part_uc")
    cur.execute(
        "insert into public_next.inventory select (jsonb_populate_record(i, jsonb_build_object('id', %s))).*"
        " from public_next.inventory i where id = %s",
        (GHOST, row),
    )
    return {
        "ledger_reconciles_with_inventory": {ledger(cur, warehouse, part, inventory=held)},
        "stock_conserved_per_organization_and_part": {stock(cur, organization, part, migrated=held)},
        "every_legacy_row_accounted_for": {counts(cur, "inventory", unexpected=1)},
        "target_constraints_present": named("_warehouse_part_uc"),
    }


@breaks("totals_preserved", "a migrated usage missing")
def _(cur):
    row, used = one(cur, "select id::text, quantity from public_next.part_usage order by id limit 1")
    cur.execute("delete from public_next.part_usage where id = %s", (row,))
    return {
        "totals_preserved": {totals(cur, "part_usage", "quantity", migrated=-used)},
        "every_legacy_row_accounted_for": {counts(cur, "part_usage", migrated=-1)},
    }


@breaks("totals_preserved", "a quarantined adjustment missing")
def _(cur):
    cur.execute(f"delete from {Q} where source_id = %s", (ADJUSTMENT,))
    return {
        "totals_preserved": {totals(cur, "stock_adjustments", "quantity", quarantined=-10_000_000)},
        "every_legacy_row_accounted_for": {counts(cur, "stock_adjustments", quarantined=-1)},
    }


@breaks("totals_preserved", "a legacy quantity changed")
def _(cur):
    row, _, price = priced_item(cur, "customer_order_items")
    cur.execute("update public_stage.customer_order_items set quantity = quantity + 1 where id = %s", (row,))
    return {
        "totals_preserved": {
            totals(cur, "customer_order_items", "quantity", legacy=1),
            totals(cur, "customer_order_items", "value", legacy=price),
        }
    }


@breaks("totals_preserved", "a migrated quantity changed")
def _(cur):
    row, _, price = priced_item(cur, "supplier_order_items")
    cur.execute("update public_next.supplier_order_items set quantity = quantity + 1 where id = %s", (row,))
    return {
        "totals_preserved": {
            totals(cur, "supplier_order_items", "quantity", migrated=1),
            totals(cur, "supplier_order_items", "value", migrated=price),
        }
    }


@breaks("totals_preserved", "a quarantined quantity changed")
def _(cur):
    cur.execute(
        f"update {Q} set legacy_row = jsonb_set(legacy_row, '{{quantity}}', to_jsonb(10000001)) where source_id = %s",
        (ITEM,),
    )
    return {
        "totals_preserved": {
            totals(cur, "supplier_order_items", "quantity", quarantined=1),
            totals(cur, "supplier_order_items", "value", quarantined=Decimal("1.00")),
        }
    }


@breaks("totals_preserved", "a legacy usage doubled")
def _(cur):
    row, used = one(cur, "select id::text, quantity_used from public_stage.part_usage order by id limit 1")
    cur.execute(
        "insert into public_stage.part_usage select (jsonb_populate_record(u, jsonb_build_object('id', %s))).*"
        " from public_stage.part_usage u where id = %s",
        (GHOST, row),
    )
    return {
        "totals_preserved": {totals(cur, "part_usage", "quantity", legacy=used)},
        "every_legacy_row_accounted_for": {counts(cur, "part_usage", rows_in=1)},
    }


@breaks("totals_preserved", "a migrated order item doubled under its own id, its primary key gone")
def _(cur):
    row, quantity, price = priced_item(cur, "customer_order_items")
    cur.execute("alter table public_next.customer_order_items drop constraint customer_order_items_pkey")
    cur.execute(
        "insert into public_next.customer_order_items select * from public_next.customer_order_items where id = %s",
        (row,),
    )
    return {
        "totals_preserved": {
            totals(cur, "customer_order_items", "quantity", migrated=quantity),
            totals(cur, "customer_order_items", "value", migrated=quantity * price),
        },
        "every_legacy_row_accounted_for": {counts(cur, "customer_order_items", migrated=1)},
        "target_constraints_present": named("customer_order_items_pkey"),
    }


@breaks("totals_preserved", "a quarantined order item doubled")
def _(cur):
    cur.execute(f"insert into {Q} select * from {Q} where source_id = %s", (ITEM,))
    return {
        "totals_preserved": {
            totals(cur, "supplier_order_items", "quantity", quarantined=10_000_000),
            totals(cur, "supplier_order_items", "value", quarantined=Decimal("10000000.00")),
        },
        "every_legacy_row_accounted_for": {counts(cur, "supplier_order_items", quarantined=1)},
    }


@pytest.mark.parametrize("each", BREAKS, ids=str)
def test_each_break_fires_exactly_its_checks_naming_exactly_its_rows(broken, each):
    cur, post_checks = broken
    expected = each.apply(cur)
    assert each.check in expected
    found = post_checks.run(cur)
    assert set(found) == set(expected), "checks that fired"
    for name, rows in expected.items():
        if isinstance(next(iter(rows)), tuple):  # ids and values
            assert {(i, numbers_as_such(v)) for i, v in found[name]} == {(i, numbers_as_such(v)) for i, v in rows}
        else:
            assert {id_ for id_, _ in found[name]} == rows, name


def test_every_post_check_and_proof_is_broken(built):
    _, post_checks = built
    assert {b.check for b in BREAKS} == post_checks.names
    ways = {proof: [b.way for b in BREAKS if b.check == proof] for proof in PROOFS}
    for proof in PROOFS:  # a row missing on each side, a value changed, a row doubled
        assert {"missing", "changed", "doubled"} <= {w for way in ways[proof] for w in way.split()}, proof


# ---------------------------------------------------------------- the harness agrees

# breaks that can stand together in one target (the others share their rows)
TOGETHER = (
    "alembic_stamp_matches_schema",
    "new_ids_derived_from_legacy_ids",
    "no_negative_stock",
    "inventory_unit_matches_part",
    "super_admins_only_in_oraseas_ee",
    "suppliers_have_parent",
    "target_enum_types_exact",
    "target_matches_application_schema",
    "transaction_warehouses_follow_type",
    "inventory_invalid_warehouse",
    "transactions_invalid_parts",
    "transactions_invalid_users",
    "warehouses_without_name",
)


def test_the_harness_post_validation_finds_what_the_checks_sql_finds(built, templates, new_database):
    # the breaks above run the checks' compiled SQL; `harness validate --phase post` runs them through
    # dbt, on a target no longer as sealed (the reconciliation models recomputed first): the same rows
    _, post_checks = built
    target = new_database("together", template=forced_dirty_template(templates))
    with db.connect(target) as conn, conn.cursor() as cur:
        cur.execute("set local session_replication_role = replica")
        for each in BREAKS:
            if each.check in TOGETHER and not each.check.startswith(PROOFS):
                each.apply(cur)
        by_sql = post_checks.run(cur)
        conn.commit()
    assert set(TOGETHER) <= set(by_sql)
    result = validate.validate(target, Schemas("public"), phase="post")
    assert result.mode == "recomputed" and not result.ok
    found = {c.name: c for c in result.checks if c.found}
    assert set(found) == set(by_sql)
    with db.connect(target) as conn, conn.cursor() as cur:
        for name, check in found.items():
            cur.execute(f"select id::text, value::text from {check.relation}")
            assert set(cur.fetchall()) == by_sql[name], name
            assert check.failing_rows == len(by_sql[name]), name


# ---------------------------------------------------------------- after the cutover

LIVE = dbt_runner.ReadFrom(target_tables="public", legacy_tables="public_stage")


@pytest.fixture
def cut_over(templates, new_database):
    """A copy of the build, cut over, and the post checks' SQL as a post-validation then compiles it:
    the target read in the live schema, the legacy tables in the stage, the writes since the cutover
    (reconciliation_post_cutover_writes) left out of every proof."""

    def make(work) -> None:
        cutover.cutover(work, Schemas("public"))

    template = templates("forced_dirty_cut_over", make, base=forced_dirty_template(templates))
    target = new_database("cut", template=template)
    return target, PostChecks.compile(target, LIVE)


def proofs_found(post_checks: PostChecks, cur) -> dict[str, set[tuple[str, str]]]:
    return {name: rows for name, rows in post_checks.run(cur).items() if name in PROOFS}


def test_the_proofs_after_a_cutover_leave_out_exactly_the_applications_writes(cut_over):
    target, post_checks = cut_over
    with db.connect(target) as conn, conn.cursor() as cur:
        assert proofs_found(post_checks, cur) == {}
        run_id = one(
            cur, "select run_id from migration_audit.capture_runs where live_schema = 'public' and side = 'target'"
        )
        # the application writes, captured: a stock corrected, a transfer's quantity, a usage deleted, an
        # order item's quantity, an order item added
        stocked = "select i.id::text, w.organization_id::text, i.part_id::text, w.id::text, i.current_stock"
        stocked += (
            " from public.inventory i join public.warehouses w on w.id = i.warehouse_id where i.current_stock > 0"
        )
        corrected = one(cur, stocked + " order by i.id limit 1")
        transfer = one(cur, "select min(id::text) from public.transactions where transaction_type = 'transfer'")
        used, used_quantity = one(cur, "select id::text, quantity from public.part_usage order by id limit 1")
        item = one(cur, "select min(id::text) from public.supplier_order_items where unit_price > 0")
        # the usage's numbers as the proofs see them net of its deletion: left out on both sides
        net_of_the_deletion = (
            counts(cur, "part_usage", rows_in=-1, migrated=-1),
            totals(cur, "part_usage", "quantity", legacy=-used_quantity, migrated=-used_quantity),
        )
        cur.execute("update public.inventory set current_stock = current_stock + 5 where id = %s", (corrected[0],))
        cur.execute("update public.transactions set quantity = quantity + 1 where id = %s", (transfer,))
        cur.execute("delete from public.part_usage where id = %s", (used,))
        cur.execute("update public.supplier_order_items set quantity = quantity + 1 where id = %s", (item,))
        cur.execute(
            "insert into public.customer_order_items select (jsonb_populate_record(o, jsonb_build_object('id', %s))).*"
            " from public.customer_order_items o order by id limit 1",
            (GHOST,),
        )
        cur.execute("select table_name, row_id::text from public_stage.reconciliation_post_cutover_writes")
        assert set(cur.fetchall()) == {
            ("inventory", corrected[0]),
            ("transactions", transfer),
            ("part_usage", used),
            ("supplier_order_items", item),
            ("customer_order_items", GHOST),
        }
        assert proofs_found(post_checks, cur) == {}  # the proofs hold, net of the writes
        assert (counts(cur, "part_usage"), totals(cur, "part_usage", "quantity")) == net_of_the_deletion

        # each of those writes breaks a proof once the exclusion is gone (nothing above is vacuous)
        cur.execute("savepoint unexcluded")
        cur.execute("delete from migration_audit.change_log where run_id = %s and side = 'target'", (run_id,))
        assert set(proofs_found(post_checks, cur)) == set(PROOFS)
        cur.execute("rollback to savepoint unexcluded")

        # writes the capture missed (around its triggers), elsewhere: the proofs name exactly them, however
        # many log rows of another live schema, another side or an earlier run name the same rows
        missed = one(
            cur,
            stocked + " and i.part_id <> %s and w.organization_id <> %s and i.part_id <> ("
            "select part_id from public.transactions where id = %s) order by i.id desc limit 1",
            (corrected[2], corrected[1], transfer),
        )
        lost, lost_quantity = one(
            cur, "select id::text, quantity from public.part_usage where id <> %s order by id desc limit 1", (used,)
        )
        decoys = (
            ("other", "target", run_id),
            ("public", "legacy", run_id),
            ("public", "target", "19990101_000000_beef"),
        )
        for live_schema, side, run in decoys:
            for table, row in (("inventory", missed[0]), ("part_usage", lost)):
                cur.execute(
                    "insert into migration_audit.change_log"
                    " (live_schema, side, run_id, table_name, op, row_id, new_row)"
                    f" select %s, %s, %s, %s, 'UPDATE', %s, to_jsonb(r) from public.{table} r where r.id = %s",
                    (live_schema, side, run, table, row, row),
                )
        cur.execute("set local session_replication_role = replica")
        cur.execute("update public.inventory set current_stock = current_stock + 2 where id = %s", (missed[0],))
        cur.execute("delete from public.part_usage where id = %s", (lost,))
        _, organization, part, warehouse, _ = missed
        expected = {  # the numbers net of the captured writes, moved by what the capture missed
            "stock_conserved_per_organization_and_part": {stock(cur, organization, part, migrated=2)},
            "ledger_reconciles_with_inventory": {ledger(cur, warehouse, part, inventory=2)},
            "every_legacy_row_accounted_for": {counts(cur, "part_usage", migrated=-1)},
            "totals_preserved": {totals(cur, "part_usage", "quantity", migrated=-lost_quantity)},
        }
        assert proofs_found(post_checks, cur) == expected
