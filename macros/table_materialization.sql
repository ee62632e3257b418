{#-
    Tables are built under their own name when nothing of that name exists yet.

    A build fills a fresh <live>_next (the harness drops it first), and a fresh
    stage; dbt's own table materialization still creates "<name>__dbt_tmp",
    renames it into place and looks for a backup to drop: statements, macro
    calls and renames in dbt's relation cache that cost 14 % of a build's dbt
    CPU (measured; see docs/benchmarks.md). Where a relation of the name exists
    (validation rebuilding its work tables in place) dbt's own materialization
    runs, so a failed statement never leaves a half-built table under the name.
-#}
{% materialization table, adapter='postgres' %}
  {%- if load_cached_relation(this) is not none -%}
    {{ return(dbt.materialization_table_default()) }}
  {%- endif -%}
  {%- set target_relation = this.incorporate(type='table') -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {% call statement('main') -%}
    {{ get_create_table_as_sql(False, target_relation, sql) }}
  {%- endcall %}

  {% do create_indexes(target_relation) %}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {% do apply_grants(target_relation, config.get('grants'), should_revoke=False) %}
  {% do persist_docs(target_relation, model) %}

  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}

  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
