{#
    Claim: the column is never NULL, empty or whitespace only. Fails with
    (id, value). Like every generic test here it is a validation check: the
    check_* arguments and fix go to check_config() (macros/checks.sql).
#}
{% test not_blank(model, column_name, check_severity=none, check_phase='pre', fix='', error_when_strict=false) %}
{{ config(**check_config(check_severity, fix, check_phase, error_when_strict)) }}
select
    id::text as id,
    {{ column_name }}::text as value
from {{ model }}
where {{ clean_text(column_name) }} is null
{% endtest %}
