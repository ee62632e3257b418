{# Fails with the rows whose column is NULL, empty or whitespace only. #}
{% test not_blank(model, column_name) %}
select *
from {{ model }}
where {{ clean_text(column_name) }} is null
{% endtest %}
