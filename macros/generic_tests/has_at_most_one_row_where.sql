{#
    Claim: at most one row of `model` satisfies `condition` (e.g. one
    oraseas_ee organisation). Fails with every matching row, as (id, value),
    when there are several.
#}
{% test has_at_most_one_row_where(model, condition, value="null", id_column="id", check_severity=none, check_phase='pre', fix='', error_when_strict=false) %}
{{ config(**check_config(check_severity, fix, check_phase, error_when_strict)) }}
with candidates as (
    select
        {{ id_column }}::text as id,
        ({{ value }})::text as value,
        count(*) over () as matching_rows
    from {{ model }}
    where {{ condition }}
)

select
    id,
    value
from candidates
where matching_rows > 1
{% endtest %}
