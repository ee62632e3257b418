{#
    Claim: every non-NULL value of the column exists as `field` of `to`
    (a foreign key that the data keeps, checked even where the database no
    longer enforces one). Fails with the dangling rows as (id, value).
#}
{% test references(model, column_name, to, field='id', check_severity=none, check_phase='pre', fix='', error_when_strict=false) %}
{{ config(**check_config(check_severity, fix, check_phase, error_when_strict)) }}
select
    child.id::text as id,
    child.{{ column_name }}::text as value
from {{ model }} as child
where
    child.{{ column_name }} is not null
    and not exists (select 1 from {{ to }} as parent where parent.{{ field }} = child.{{ column_name }})
{% endtest %}
