{#
    Post-load finishing of a mart, run as its post-hook (after the data is in,
    never during the load):
      - constraint names: dbt creates "<table>__dbt_tmp_<col>_pkey" and friends
        when it builds beside an existing table (a fresh schema gets the table
        under its own name: macros/table_materialization.sql); rename them to
        the names PostgreSQL/Alembic give ("<table>_pkey", "<table>_<col>_fkey",
        ...), or to the explicit names in `renames`.
        Where "<table>__dbt_tmp_<col>_<label>" is longer than 63 characters
        PostgreSQL shortened it (makeObjectName(): the longer of table and
        column name loses a character at a time) and "__dbt_tmp" may be cut:
        such a name is recognised by computing it the same way, and renamed
        to the name PostgreSQL computes for the table itself;
      - column defaults of the target schema (`defaults`: column -> expression);
      - extra indexes (`indexes`: list of {name, columns, unique?, where?}).
#}
{% macro finalize_table(defaults={}, indexes=[], renames={}) -%}
    do $$
    declare
        c record;
        new_name text;
        renames jsonb := '{{ tojson(renames) }}'::jsonb;
        base text;
        label text;
        addition text;
        name1_chars int;
        name2_chars int;
        shortened text[];
    begin
        for c in
            select
                con.conname,
                con.contype,
                (select string_agg(a.attname, '_' order by k.n)
                 from unnest(con.conkey) with ordinality as k (attnum, n)
                 inner join pg_attribute as a on a.attrelid = con.conrelid and a.attnum = k.attnum) as columns
            from pg_constraint as con
            where con.conrelid = '{{ this }}'::regclass
        loop
            new_name := c.conname;
            if c.conname like '%\_\_dbt\_tmp%' then
                new_name := regexp_replace(
                    replace(c.conname, '__dbt_tmp', ''), '_(pkey|key|fkey|not_null|check)\d+$', '_\1'
                );
            elsif c.contype in ('p', 'u', 'f', 'n') then
                label := case c.contype when 'p' then 'pkey' when 'u' then 'key' when 'f' then 'fkey' else 'not_null' end;
                addition := case when c.contype <> 'p' then c.columns end;
                shortened := '{}';
                foreach base in array array['{{ this.identifier }}__dbt_tmp', '{{ this.identifier }}'] loop
                    name1_chars := length(base);
                    name2_chars := coalesce(length(addition), 0);
                    while name1_chars + name2_chars > 63 - length(label) - 1 - case when addition is null then 0 else 1 end loop
                        if name1_chars > name2_chars then
                            name1_chars := name1_chars - 1;
                        else
                            name2_chars := name2_chars - 1;
                        end if;
                    end loop;
                    shortened := shortened || (left(base, name1_chars) || coalesce('_' || left(addition, name2_chars), '') || '_' || label);
                end loop;
                if c.conname = shortened[1] then
                    new_name := shortened[2];
                end if;
            end if;
            new_name := coalesce(renames ->> new_name, new_name);
            if new_name <> c.conname then
                execute format('alter table {{ this }} rename constraint %I to %I', c.conname, new_name);
            end if;
        end loop;
    end $$;
    {%- for column, expression in defaults.items() %}
    alter table {{ this }} alter column {{ adapter.quote(column) }} set default {{ expression }};
    {%- endfor %}
    {%- for index in indexes %}
    create {{ 'unique ' if index.get('unique') }}index if not exists {{ adapter.quote(index['name']) }}
        on {{ this }} ({{ index['columns'] | join(', ') }}){% if index.get('where') %} where {{ index['where'] }}{% endif %};
    {%- endfor %}
    analyze {{ this }};
{%- endmacro %}

{#
    The marts' project-level post-hook. Hooks are rendered at run time, so
    `this` is the relation in the shadow schema (a macro called directly in a
    model's config() would be rendered at parse time, against the wrong schema).
#}
{% macro finalize_mart() -%}
    {%- set settings = (config.get('meta') or {}).get('finalize', {}) -%}
    {%- set keys = mart_keys() -%}
    {%- if keys %}
    {#- a table this one replaces (dbt drops it at commit) still holds the index names -#}
    drop table if exists {{ this.incorporate(path={"identifier": this.identifier ~ "__dbt_backup"}) }} cascade;
    {{ lock_mart_parents() }};
    {%- for key in keys %}
    alter table {{ this }} add {{ key }};
    {%- endfor %}
    {%- endif %}
    {{ finalize_table(settings.get('defaults', {}), settings.get('indexes', []), settings.get('renames', {})) }}
    {%- for fk in settings.get('self_foreign_keys', []) %}
    {{ self_foreign_key(fk['name'], fk['column']) }};
    {%- endfor %}
    {%- for trigger in settings.get('triggers', []) %}
    {%- if trigger == 'update_inventory_on_transaction' %}
    {{ inventory_update_trigger() }}
    {%- elif trigger == 'check_inventory_balance' %}
    {{ inventory_balance_trigger() }}
    {%- elif trigger == 'super_admin_oraseas_only' %}
    {{ super_admin_oraseas_only_trigger() }}
    {%- else %}
    {{ exceptions.raise_compiler_error("unknown trigger " ~ trigger ~ " in meta.finalize of " ~ this) }}
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

{# A self-referencing foreign key (dbt contracts cannot ref the model itself). #}
{% macro self_foreign_key(name, column) -%}
    alter table {{ this }} add constraint {{ adapter.quote(name) }}
        foreign key ({{ adapter.quote(column) }}) references {{ this }} (id)
{%- endmacro %}

{#
    Run by finalize_mart right before a mart's keys are added (after its load,
    macros/create_table_as.sql). Creating a foreign key takes a SHARE ROW
    EXCLUSIVE lock on the referenced table, and that mode conflicts with
    itself: two marts built in parallel that reference the same parents in a
    different column order can deadlock. Taking all parent locks at once, in
    one global (alphabetical) order, makes them queue instead.
#}
{% macro lock_mart_parents() -%}
    {%- set parents = [] -%}
    {%- for unique_id in model.depends_on.nodes -%}
        {%- set node = graph.nodes.get(unique_id) -%}
        {%- if node and node.resource_type == 'model' and node.config.get('schema') == 'next' -%}
            {%- do parents.append(node.alias or node.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if parents -%}
        lock table
        {%- for parent in parents | sort %} {{ adapter.quote(this.schema) }}.{{ adapter.quote(parent) }}{{ "," if not loop.last }}{% endfor %}
        in share row exclusive mode
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
