-- One row per legacy row that a rule could not place: never dropped, kept
-- here with its reason, severity and the whole legacy row as JSON. Rows that
-- reference a quarantined row follow it (reason parent_quarantined).
{%- set checked = [
    ('organizations', 'int_organizations__typed', 'organization_id'),
    ('users', 'int_users__mapped', 'user_id'),
    ('machines', 'int_machines__deduplicated', 'machine_id'),
    ('parts', 'int_parts__classified', 'part_id'),
    ('inventory', 'int_inventory__by_warehouse', 'inventory_id'),
    ('supplier_orders', 'int_supplier_orders__checked', 'supplier_order_id'),
    ('supplier_order_items', 'int_supplier_order_items__checked', 'supplier_order_item_id'),
    ('customer_orders', 'int_customer_orders__checked', 'customer_order_id'),
    ('customer_order_items', 'int_customer_order_items__checked', 'customer_order_item_id'),
    ('part_usage', 'int_part_usage__placed', 'part_usage_id'),
    ('stock_adjustments', 'int_stock_adjustments__placed', 'stock_adjustment_id'),
] %}

with
{%- for source_table, model, key in checked %}
    {{ source_table }}_quarantined as (
        select
            '{{ source_table }}'::text as source_table,
            checked.{{ key }} as source_id,
            checked.quarantine_reason as reason_code,
            checked.quarantine_severity as severity,
            checked.quarantine_detail as detail,
            to_jsonb(legacy) as legacy_row
        from {{ ref(model) }} as checked
        inner join {{ source('legacy', source_table) }} as legacy on checked.{{ key }} = legacy.id
        where checked.quarantine_reason is not null
    ),
{%- endfor %}

final as (
    {%- for source_table, model, key in checked %}
        select * from {{ source_table }}_quarantined
        {{- " union all" if not loop.last }}
    {%- endfor %}
)

select * from final
