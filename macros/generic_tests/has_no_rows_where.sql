{#
    Fails with the rows of `model` that satisfy `condition`: the claim is
    "there are none". The project's counterpart of dbt-utils' expression_is_true.
#}
{% test has_no_rows_where(model, condition) %}
select *
from {{ model }}
where {{ condition }}
{% endtest %}
