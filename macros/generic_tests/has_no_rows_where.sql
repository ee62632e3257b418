{#
    Claim: no row of `model` satisfies `condition`. Fails with those rows as
    (id, value): `id_column` identifies the row, `value` is what the fix hint
    names. The project's counterpart of dbt-utils' expression_is_true.
#}
{% test has_no_rows_where(model, condition, value="null", id_column="id", column_name=none, check_severity=none, check_phase='pre', fix='', error_when_strict=false) %}
{{ config(**check_config(check_severity, fix, check_phase, error_when_strict)) }}
select
    {{ id_column }}::text as id,
    ({{ value }})::text as value
from {{ model }}
where {{ condition }}
{% endtest %}
