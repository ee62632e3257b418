{#
    Trimmed, inner whitespace collapsed, original case kept. Whitespace is
    every Unicode space, not only ASCII: a no-break space in a location must
    not make a second warehouse.
#}
{% macro clean_text(expr) -%}
    nullif(btrim(regexp_replace({{ expr }}, '[\s\u00a0\u1680\u180e\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]+', ' ', 'g')), '')
{%- endmacro %}

{# The "normalised" form of mapping-rules.md: cleaned and lower-cased; NULL when blank. #}
{% macro normalise(expr) -%}
    lower({{ clean_text(expr) }})
{%- endmacro %}

{# Words of a text separated by single spaces and padded, for whole-word keyword matching. #}
{% macro word_padded(expr) -%}
    ' ' || btrim(regexp_replace(lower(coalesce({{ expr }}, '')), '[^a-z0-9]+', ' ', 'g')) || ' '
{%- endmacro %}

{# A deterministic uuid from a kind and a key: same input, same id, on every run. #}
{% macro stable_uuid(kind, key_expr) -%}
    md5('{{ kind }}:' || {{ key_expr }})::uuid
{%- endmacro %}

{# Id of the warehouse of an organisation for a normalised location key. #}
{% macro warehouse_id(organization_id, location_key) -%}
    {{ stable_uuid('warehouse', organization_id ~ "::text || ':' || " ~ location_key) }}
{%- endmacro %}

{# A date the ledger may be built from: from 2000 to tomorrow (implausible_ledger_dates reports the rest). #}
{% macro plausible_date(expr) -%}
    ({{ expr }} >= timestamptz '2000-01-01' and {{ expr }} < now() + interval '1 day')
{%- endmacro %}
