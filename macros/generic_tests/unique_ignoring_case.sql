{# Fails with the rows whose value equals another row's once trimmed and lower-cased. #}
{% test unique_ignoring_case(model, column_name) %}
with normalised as (
    select *, {{ normalise(column_name) }} as normalised_value,
        count(*) over (partition by {{ normalise(column_name) }}) as rows_sharing_value
    from {{ model }}
    where {{ normalise(column_name) }} is not null
)

select * from normalised where rows_sharing_value > 1
{% endtest %}
