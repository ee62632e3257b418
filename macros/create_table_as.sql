{#
    The marts' tables (contract enforced) are loaded before they get their keys.
    dbt-postgres declares every key in the CREATE TABLE and then inserts, so
    PostgreSQL maintains each key's index row by row and fires one foreign-key
    check per row and key: at benchmark_100x the transactions mart took 37 s to
    load that way, 6 s this way (one validating join per key); inventory 22 s
    against 3 s. Here the CREATE TABLE has the columns with their NOT NULL and
    CHECK constraints, then the insert (the last statement: dbt reports its row
    count); the primary, unique and foreign keys (mart_keys) are added by the
    marts' post-hook, finalize_mart, with the parents locked only for that.
    The contract and the constraint definitions are unchanged.
    Every other table (views, intermediate and audit tables) is made as before.
#}
{% macro postgres__create_table_as(temporary, relation, sql) -%}
    {%- set unlogged = config.get('unlogged', default=false) -%}
    {%- set contract_config = config.get('contract') -%}
    {%- if not (contract_config.enforced and not temporary) %}
    create {% if temporary -%} temporary {%- elif unlogged -%} unlogged {%- endif %} table {{ relation }} as (
        {{ sql }}
    );
    {%- else -%}
        {%- set columns = {} -%}
        {%- for name, column in model['columns'].items() -%}
            {%- set loaded = {'constraints': []} -%}
            {%- for key, value in column.items() if key != 'constraints' -%}
                {%- do loaded.update({key: value}) -%}
            {%- endfor -%}
            {%- for constraint in column.get('constraints') or [] if constraint['type'] not in _key_types() -%}
                {%- do loaded['constraints'].append(constraint) -%}
            {%- endfor -%}
            {%- do columns.update({name: loaded}) -%}
        {%- endfor -%}
        {%- set checks = [] -%}
        {%- for constraint in model.get('constraints') or [] if constraint['type'] not in _key_types() -%}
            {%- do checks.append(constraint) -%}
        {%- endfor %}
    {{ get_assert_columns_equivalent(sql) }}
    create {% if unlogged -%} unlogged {%- endif %} table {{ relation }} (
        {{ (adapter.render_raw_columns_constraints(raw_columns=columns)
            + adapter.render_raw_model_constraints(raw_constraints=checks)) | join(',\n        ') }}
    );
    insert into {{ relation }} ({{ adapter.dispatch('get_column_names', 'dbt')() }})
    (
        {{ get_select_subquery(sql) }}
    );
    {%- endif %}
{%- endmacro %}

{% macro _key_types() -%}
    {%- do return(('primary_key', 'unique', 'foreign_key')) -%}
{%- endmacro %}

{# The mart's primary, unique and foreign keys (column- and model-level) as table constraints. #}
{% macro mart_keys() -%}
    {%- set keys = [] -%}
    {%- for column in model['columns'].values() -%}
        {%- for constraint in column.get('constraints') or [] if constraint['type'] in _key_types() -%}
            {%- set on_table = {'columns': [column['name']]} -%}
            {%- for key, value in constraint.items() if key != 'columns' -%}
                {%- do on_table.update({key: value}) -%}
            {%- endfor -%}
            {%- do keys.append(on_table) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for constraint in model.get('constraints') or [] if constraint['type'] in _key_types() -%}
        {%- do keys.append(constraint) -%}
    {%- endfor -%}
    {%- do return(adapter.render_raw_model_constraints(raw_constraints=keys)) -%}
{%- endmacro %}
