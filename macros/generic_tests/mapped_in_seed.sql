{#
    Fails with the rows whose normalised value has no row in a mapping seed,
    e.g. an organisation type missing from seeds/organization_type_map.csv.
#}
{% test mapped_in_seed(model, column_name, seed, seed_column) %}
select model_rows.*
from {{ model }} as model_rows
where not exists (
    select 1 from {{ ref(seed) }} as seed_rows
    where {{ normalise('seed_rows.' ~ seed_column) }} = {{ normalise('model_rows.' ~ column_name) }}
)
{% endtest %}
