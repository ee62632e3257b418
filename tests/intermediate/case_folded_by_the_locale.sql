-- Legacy values with letters whose case normalise() cannot fold on this server
-- (case_folding() in macros/text.sql): without PostgreSQL 17's pg_c_utf8, ICU or
-- the C.UTF-8 locale, a UTF8 database folds ASCII and Latin-1's letters alone,
-- another encoding as its LC_CTYPE says. Two spellings that differ only in the
-- case of such a letter stay two (two warehouses, an unmapped type). Returns
-- each such value with the database's LC_CTYPE and encoding.
{{ config(**check_config('warning',
    'the case of some letters of {value} is not folded on this server: spell such values alike, or migrate on PostgreSQL 17+ or a server with ICU')) }}
{#- the letters left unfolded: beyond Latin-1, or beyond ASCII; none where every letter folds #}
{%- set unfolded = {'latin1 only': '[^\\u0001-\\u00ff]', 'locale': '[^\\u0001-\\u007f]'}.get(case_folding(), '') %}

with legacy_texts as (
    select
        'organizations ' || id::text as id,
        name as value
    from {{ source('legacy', 'organizations') }}
    union all
    select
        'organizations ' || id::text as id,
        type as value
    from {{ source('legacy', 'organizations') }}
    union all
    select
        'users ' || id::text as id,
        role as value
    from {{ source('legacy', 'users') }}
    union all
    select
        'machines ' || id::text as id,
        serial_number as value
    from {{ source('legacy', 'machines') }}
    union all
    select
        'inventory ' || id::text as id,
        location as value
    from {{ source('legacy', 'inventory') }}
    union all
    select
        'customer_orders ' || id::text as id,
        status as value
    from {{ source('legacy', 'customer_orders') }}
    union all
    select
        'supplier_orders ' || id::text as id,
        status as value
    from {{ source('legacy', 'supplier_orders') }}
),

this_database as (
    select
        datctype,
        pg_encoding_to_char(encoding) as encoding_name
    from pg_database
    where datname = current_database()
)

select
    legacy_texts.id,
    legacy_texts.value || ' (LC_CTYPE ' || this_database.datctype || ', ' || this_database.encoding_name || ')' as value
from legacy_texts
cross join this_database
where '{{ unfolded }}' <> '' and legacy_texts.value ~ '{{ unfolded }}'
