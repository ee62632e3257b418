{#
    The marts' tables (contract enforced): created with their columns, NOT NULL
    and CHECK constraints; loaded; and only then given their primary, unique and
    foreign keys, one ALTER TABLE each. dbt-postgres declares every key in the
    CREATE TABLE and then inserts, so PostgreSQL maintains each key's index row
    by row and fires one foreign-key check per row and key: at benchmark_100x
    the transactions mart took 37 s to load that way, 6 s this way (one
    validating join per key); inventory 22 s against 3 s. The contract, the
    constraint definitions and the names PostgreSQL gives them are the same.

    The parents' locks (lock_mart_parents) are taken just before the keys are
    added, so a mart no longer holds them while it loads.
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
        {%- set keys = ('primary_key', 'unique', 'foreign_key') -%}
        {%- set columns = {} -%}
        {%- set deferred = [] -%}
        {%- for name, column in model['columns'].items() -%}
            {%- set kept = [] -%}
            {%- for constraint in column.get('constraints') or [] -%}
                {%- if constraint['type'] in keys -%}
                    {%- set on_table = {'columns': [column['name']]} -%}
                    {%- for key, value in constraint.items() if key != 'columns' -%}
                        {%- do on_table.update({key: value}) -%}
                    {%- endfor -%}
                    {%- do deferred.append(on_table) -%}
                {%- else -%}
                    {%- do kept.append(constraint) -%}
                {%- endif -%}
            {%- endfor -%}
            {%- set loaded = {'constraints': kept} -%}
            {%- for key, value in column.items() if key != 'constraints' -%}
                {%- do loaded.update({key: value}) -%}
            {%- endfor -%}
            {%- do columns.update({name: loaded}) -%}
        {%- endfor -%}
        {%- set checks = [] -%}
        {%- for constraint in model.get('constraints') or [] -%}
            {%- do (deferred if constraint['type'] in keys else checks).append(constraint) -%}
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
    {%- if deferred %}
    {{ lock_mart_parents() }};
    {%- for constraint in adapter.render_raw_model_constraints(raw_constraints=deferred) %}
    alter table {{ relation }} add {{ constraint }};
    {%- endfor %}
    {%- endif %}
    {%- endif %}
{%- endmacro %}
