{#
    Claim, on a seed: the column is its key, every row has a value in it and no
    value is listed twice. Fails with each such value (null for the rows without
    one) and how many rows have it. One test where unique and not_null were two:
    every test is a dbt node, and every build runs the seeds' tests.
#}
{% test seed_key(model, column_name) %}
select
    {{ column_name }}::text as value,
    count(*) as rows_with_value
from {{ model }}
group by {{ column_name }}
having {{ column_name }} is null or count(*) > 1
{% endtest %}
