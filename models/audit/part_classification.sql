-- One row per way the migrated parts were classified (rule, part type, unit):
-- how many parts, how many of them hold stock, and that legacy stock. The
-- build's report and the migrate plan show it, so that a keyword rule that
-- turned counted stock into litres is seen before the cutover.
with parts as (
    select * from {{ ref('int_parts__classified') }}
    where quarantine_reason is null
),

final as (
    select
        classified_by,
        part_type,
        unit_of_measure,
        count(*) as parts,
        count(*) filter (where stock_held > 0) as parts_in_stock,
        sum(stock_held) as stock_held
    from parts
    group by classified_by, part_type, unit_of_measure
)

select * from final
