{#
    Claim: no two rows share a value (exactly, or with ignore_case once trimmed
    and lower-cased; blanks are another check's business). Fails with every
    row of every shared value as (id, value).
#}
{% test unique_values(model, column_name, ignore_case=false, check_severity=none, check_phase='pre', fix='', error_when_strict=false) %}
{{ config(**check_config(check_severity, fix, check_phase, error_when_strict)) }}
{%- set key = normalise(column_name) if ignore_case else column_name %}
with keyed as (
    select
        id::text as id,
        {{ column_name }}::text as value,
        count(*) over (partition by {{ key }}) as rows_sharing_value
    from {{ model }}
    where {{ clean_text(column_name) }} is not null
)

select
    id,
    value
from keyed
where rows_sharing_value > 1
{% endtest %}
