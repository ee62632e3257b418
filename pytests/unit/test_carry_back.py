"""What a forced rollback's carry-back says it wrote, without a database: the tables that then
get fresh statistics (the others come back with the statistics they left with)."""

from __future__ import annotations

from harness.db.carry_back import CarryResult


def test_the_tables_a_carry_back_wrote_include_inventory_and_the_ledgers_legacy_tables():
    result = CarryResult(
        export_path="backups/post_cutover_x.jsonl",
        # legacy table -> rows written: inventory holds the stock levels, stock_adjustments the
        # adjustments the application recorded and the ledger's adjustment rows
        carried={"organizations": 1, "users": 0, "inventory": 2, "part_usage": 0, "stock_adjustments": 3},
        carried_ids={"organizations": {"a"}, "users": set(), "part_usage": set(), "stock_adjustments": set()},
    )
    assert result.tables_written() == {"organizations", "inventory", "stock_adjustments"}
    assert CarryResult(export_path="x").tables_written() == set()
