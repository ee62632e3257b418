{#
    Seeds: the insert statements dbt's default__load_csv_rows sends, with each
    row's placeholders rendered once per seed instead of one dispatched macro
    call (get_binding_char()) per cell. Every build loads the seeds anew; for
    app_schema_columns (351 rows x 7 columns) those calls cost most of a second.
#}
{% macro postgres__load_csv_rows(model, agate_table) %}
    {%- set cols_sql = get_seed_column_quoted_csv(model, agate_table.column_names) -%}
    {%- set row_sql = "(" ~ ([get_binding_char()] * (agate_table.column_names | length)) | join(", ") ~ ")" -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set bindings = [] -%}
        {%- for row in chunk -%}
            {%- do bindings.extend(row) -%}
        {%- endfor -%}
        {%- set sql = "insert into " ~ this.render() ~ " (" ~ cols_sql ~ ") values "
            ~ ([row_sql] * (chunk | length)) | join(", ") -%}
        {%- do adapter.add_query(sql, bindings=bindings, abridge_sql_log=True) -%}
        {%- if loop.first -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{% endmacro %}
