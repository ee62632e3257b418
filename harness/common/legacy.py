"""The legacy ABParts schema the migration reads: its eleven tables, parents first (the order the
generator fills them and a stage copies them). What each column is: seeds/legacy_schema_columns.csv."""

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
