{#
    Where the checks read the target tables and the legacy tables, decided when
    a node runs, not when dbt parses the project.

    dbt puts every relation's schema into its parse, from the vars
    (shadow_schema: the target tables; source_schema: the legacy tables), and
    throws its whole parse away (seconds) whenever a var differs from the
    previous run's. Validating after a cutover reads the same relations
    somewhere else (the target tables in the live schema, the legacy tables in
    the stage or the archive), so instead of other vars the harness names the
    schemas in the environment of that run:

        HARNESS_READ_TARGET_FROM   the schema the target tables are read from
        HARNESS_READ_LEGACY_FROM   the schema the legacy tables are read from

    and ref() and source() below point the relations there when the node runs.
    Unset (every build, and plain dbt) they change nothing; plain dbt may pass
    the vars instead, as before (at the cost of a full parse).
#}

{% macro target_tables_schema() -%}
    {%- set parsed = var('shadow_schema') -%}
    {{ return((env_var('HARNESS_READ_TARGET_FROM', '') or parsed) if execute else parsed) }}
{%- endmacro %}

{% macro legacy_tables_schema() -%}
    {%- set parsed = var('source_schema', var('stage_schema')) -%}
    {{ return((env_var('HARNESS_READ_LEGACY_FROM', '') or parsed) if execute else parsed) }}
{%- endmacro %}

{# dbt's ref() (builtins.ref, as dbt documents the override), a target table moved to where it is read #}
{% macro ref() -%}
    {%- set version = kwargs.get('version') or kwargs.get('v') -%}
    {%- if (varargs | length) == 1 -%}
        {%- set relation = builtins.ref(varargs[0], version=version) -%}
    {%- else -%}
        {%- set relation = builtins.ref(varargs[0], varargs[1], version=version) -%}
    {%- endif -%}
    {%- if execute and relation.schema == var('shadow_schema') and target_tables_schema() != relation.schema -%}
        {{ return(relation.incorporate(path={'schema': target_tables_schema()})) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}

{# dbt's source(), a legacy table moved to where it is read #}
{% macro source(source_name, table_name) -%}
    {%- set relation = builtins.source(source_name, table_name) -%}
    {%- if execute and source_name == 'legacy' and legacy_tables_schema() != relation.schema -%}
        {{ return(relation.incorporate(path={'schema': legacy_tables_schema()})) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}
