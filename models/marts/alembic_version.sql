{{ config(meta={'finalize': {'renames': {'alembic_version_pkey': 'alembic_version_pkc'}}}) }}

-- Stamped with the target's Alembic head revisions (var alembic_heads), one
-- row per head, so the application's migration tool sees the schema as current.
with heads as (
    {%- for head in var('alembic_heads') %}
        select '{{ head }}'::varchar(32) as version_num
        {{- " union all" if not loop.last }}
    {%- endfor %}
)

select * from heads
