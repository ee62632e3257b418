"""The legacy ABParts schema the migration reads: its eleven tables, parents first (the order the
generator fills them and a stage copies them). What each column is: seeds/legacy_schema_columns.csv.

And what the legacy application made on them besides the columns (harness/sql/legacy_ddl.sql, the
init script, and the ORM's create_all: docs/legacy-schema.md): the keys, indexes, nullable columns
and defaults the migration was designed around. Anything else on a legacy table was added to it
since, and the surroundings (harness/db/surroundings.py) list it: an integrity rule the target
lacks refuses the cutover until the DBA decides, the rest is reported as not carried."""

from __future__ import annotations

LEGACY_TABLES = (
    "organizations",
    "users",
    "machines",
    "parts",
    "inventory",
    "supplier_orders",
    "supplier_order_items",
    "customer_orders",
    "customer_order_items",
    "part_usage",
    "stock_adjustments",
)

# unique indexes (primary keys and unique constraints, the init script's and the ORM's)
LEGACY_UNIQUE: dict[str, tuple[tuple[str, ...], ...]] = {
    "organizations": (("name",),),
    "users": (("username",), ("email",)),
    "machines": (("organization_id", "serial_number"), ("serial_number",)),
    "parts": (("part_number",),),
    "inventory": (("organization_id", "part_id"),),
}
# plain indexes (the init script's, and those the ORM declares with index=True)
LEGACY_INDEXES: dict[str, tuple[tuple[str, ...], ...]] = {
    "inventory": (("location",),),
    "organizations": (("name",),),
}
# the columns the legacy schema leaves nullable: a NOT NULL on one of them was added since
LEGACY_NULLABLE: dict[str, tuple[str, ...]] = {
    "organizations": ("address", "contact_info"),
    "users": ("name",),
    "parts": ("description", "manufacturer_delivery_time_days", "local_supplier_delivery_time_days", "image_urls"),
    "inventory": ("location", "reorder_threshold_set_by", "last_recommendation_update"),
    "supplier_orders": ("expected_delivery_date", "actual_delivery_date", "notes"),
    "supplier_order_items": ("unit_price",),
    "customer_orders": ("expected_delivery_date", "actual_delivery_date", "ordered_by_user_id", "notes"),
    "customer_order_items": ("unit_price",),
    "part_usage": ("machine_id", "recorded_by_user_id", "notes"),
    "stock_adjustments": ("notes",),
}
# the columns with a default in the legacy schema (id's where the init script made the table)
LEGACY_DEFAULTS: dict[str, tuple[str, ...]] = {
    "users": ("is_active",),
    "parts": ("is_proprietary", "is_consumable"),
    "inventory": ("current_stock", "minimum_stock_recommendation"),
    "supplier_order_items": ("quantity",),
    "customer_order_items": ("quantity",),
    "part_usage": ("quantity_used",),
    "stock_adjustments": ("adjustment_date",),
}
EVERY_TABLE_DEFAULTS = ("id", "created_at", "updated_at")


def unique_index_definition(columns: tuple[str, ...], *, unique: bool = True) -> str:
    """An index as the surroundings compare them (pg_get_indexdef without its name and table)."""
    return f"CREATE {'UNIQUE ' if unique else ''}INDEX ON USING btree ({', '.join(columns)})"


def designed_indexes(table: str) -> set[str]:
    """The indexes of the legacy schema on `table`, its primary key's included."""
    found = {unique_index_definition(("id",))}
    found |= {unique_index_definition(c) for c in LEGACY_UNIQUE.get(table, ())}
    found |= {unique_index_definition(c, unique=False) for c in LEGACY_INDEXES.get(table, ())}
    return found


def designed_default(table: str, column: str) -> bool:
    return column in EVERY_TABLE_DEFAULTS or column in LEGACY_DEFAULTS.get(table, ())
