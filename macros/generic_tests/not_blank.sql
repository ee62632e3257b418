{# Claim: the column is never NULL, empty or whitespace only. Fails with (id, value). #}
{% test not_blank(model, column_name) %}
select
    id::text as id,
    {{ column_name }}::text as value
from {{ model }}
where {{ clean_text(column_name) }} is null
{% endtest %}
