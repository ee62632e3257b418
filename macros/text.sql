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
    {{ fold_case(clean_text(expr)) }}
{%- endmacro %}

{# Words of a text separated by single spaces and padded, for whole-word keyword matching. #}
{% macro word_padded(expr) -%}
    ' ' || btrim(regexp_replace({{ fold_case('coalesce(' ~ expr ~ ", '')") }}, '[^a-z0-9]+', ' ', 'g')) || ' '
{%- endmacro %}

{#
    Lower case, whatever the database's LC_CTYPE: under the C locale lower() folds ASCII
    alone, so 'LAGER <U+00DC>BERSEE' and 'Lager <U+00FC>bersee' would make two warehouses.
    case_folding() says how, from what the server offers, when the node runs:

      pg_c_utf8    PostgreSQL 17 and newer, a UTF8 database: every letter (Unicode's
                   simple case mapping, the same on every platform)
      und-x-icu    a server built with ICU: every letter
      C.utf8       a UTF8 database on a system with the C.UTF-8 locale: every letter
      latin1       none of them, a LATIN1 database: ASCII and the letters of Latin-1,
                   which are all the letters LATIN1 has
      latin1 only  none of them, a UTF8 database: ASCII and the letters of Latin-1
      locale       none of them, another encoding: the database's own lower()

    The last two leave letters unfolded; the check case_folded_by_the_locale names the
    legacy values that have such letters, and the database's locale.
#}
{% macro fold_case(expr) -%}
    {%- set folding = case_folding() -%}
    {%- if folding in ('latin1', 'latin1 only') -%}
        translate(lower(({{ expr }}) collate "C"), {{ latin1_letters('upper') }}, {{ latin1_letters('lower') }})
    {%- elif folding == 'locale' -%}
        lower({{ expr }})
    {%- else -%}
        lower(({{ expr }}) collate "{{ folding }}")
    {%- endif -%}
{%- endmacro %}

{% macro case_folding() -%}
    {%- if not execute -%}{{ return('pg_c_utf8') }}{%- endif -%}
    {%- set found = run_query("
        select coalesce(
            (
                select c.collname::text from pg_collation as c
                where c.collname in ('pg_c_utf8', 'und-x-icu', 'C.utf8', 'C.UTF-8')
                    and c.collencoding in (-1, d.encoding)
                order by array_position(array['pg_c_utf8', 'und-x-icu', 'C.utf8', 'C.UTF-8']::name [], c.collname)
                limit 1
            ),
            case pg_encoding_to_char(d.encoding)
                when 'LATIN1' then 'latin1' when 'UTF8' then 'latin1 only' else 'locale'
            end
        )
        from pg_database as d where d.datname = current_database()") -%}
    {{ return(found.columns[0].values()[0]) }}
{%- endmacro %}

{# The letters of Latin-1 (U+00C0 to U+00DE, U+00E0 to U+00FE but the signs x and /), as an ASCII literal. #}
{% macro latin1_letters(case) -%}
    {%- set first = 192 if case == 'upper' else 224 -%}
    E'{% for code in range(first, first + 31) if code - first != 23 %}\u{{ '%04X' % code }}{% endfor %}'
{%- endmacro %}

{#
    A deterministic uuid from a kind and a key: same input, same id, on every run, and in
    every database encoding (the key's UTF-8 bytes are hashed, as a UTF8 database's are).
#}
{% macro stable_uuid(kind, key_expr) -%}
    md5(convert_to('{{ kind }}:' || {{ key_expr }}, 'UTF8'))::uuid
{%- endmacro %}

{# Id of the warehouse of an organisation for a normalised location key. #}
{% macro warehouse_id(organization_id, location_key) -%}
    {{ stable_uuid('warehouse', organization_id ~ "::text || ':' || " ~ location_key) }}
{%- endmacro %}

{# A date the ledger may be built from: from 2000 to tomorrow (implausible_ledger_dates reports the rest). #}
{% macro plausible_date(expr) -%}
    ({{ expr }} >= timestamptz '2000-01-01' and {{ expr }} < now() + interval '1 day')
{%- endmacro %}
