{#
    The legacy schema differs between databases (legacy-schema.md, quirk 16):
    users.is_active and the stock_adjustments table exist only where the
    application's create_all ran. The stage fills them in, but post-cutover
    validation reads the archive as it is, so the staging models ask the
    database instead of assuming.
#}
{% macro source_has_column(source_name, table_name, column_name) -%}
    {%- if not execute -%}{{ return(true) }}{%- endif -%}
    {%- set relation = adapter.get_relation(
        database=target.database, schema=legacy_tables_schema(), identifier=table_name) -%}
    {%- if relation is none -%}{{ return(false) }}{%- endif -%}
    {%- set names = adapter.get_columns_in_relation(relation) | map(attribute='name') | list -%}
    {{ return(column_name in names) }}
{%- endmacro %}

{% macro source_exists(source_name, table_name) -%}
    {%- if not execute -%}{{ return(true) }}{%- endif -%}
    {%- set relation = adapter.get_relation(
        database=target.database, schema=legacy_tables_schema(), identifier=table_name) -%}
    {{ return(relation is not none) }}
{%- endmacro %}
