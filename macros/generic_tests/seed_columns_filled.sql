{#
    Claim, on a seed: every row has a value in each of `columns`. Fails with the
    rows lacking one, as they are. One test for the columns of a seed where
    not_null was one per column (each a dbt node every build runs).
#}
{% test seed_columns_filled(model, columns) %}
select *
from {{ model }}
where
    {%- for column in columns %}
        {{ column }} is null{{ " or" if not loop.last }}
    {%- endfor %}
{% endtest %}
