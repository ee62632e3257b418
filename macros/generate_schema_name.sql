{#
    Build into exactly the schemas the harness names, never "<target>_<custom>":
      +schema: next  -> var('shadow_schema')  (the target tables, swapped in at cutover)
      +schema: stage -> var('stage_schema')   (seeds, staging views, intermediate and audit tables)
    Snapshots name their schema themselves (migration_backup).
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name == 'next' -%}
        {{ var('shadow_schema') }}
    {%- elif custom_schema_name == 'stage' -%}
        {{ var('stage_schema') }}
    {%- elif custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
