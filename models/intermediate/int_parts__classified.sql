-- One row per legacy part: part type and unit of measure from, in order,
-- seeds/part_type_overrides.csv (by part_number); a whole-word keyword of
-- seeds/bulk_material_keywords.csv in the name, then in the description
-- (longest keyword first), unless the name says the part is counted (a word of
-- seeds/counting_words.csv or a pack size); else consumable in
-- seeds/unit_of_measure_defaults.csv. A legacy quantity is a count of pieces:
-- only a keyword with no sign of counting makes it a quantity of the keyword's
-- unit, and the part is reported when it holds stock.

-- a pack size in the name (its padded words, macros/text.sql): "20L", "400 g",
-- "12 pcs", "6 pack", "box of 12". Not a grade such as "10W-40" or "ISO 46".
{%- set pack_size = " ([0-9]+ ?(?:l|lt|ltr|litre|litres|liter|liters|ml|cl|kg|kgs|g|gr|gal|oz|lb|lbs"
    ~ "|pcs|pc|piece|pieces|pk|pack|x)|(?:box|pack|case|bag|carton|set) of [0-9]+) " %}

with parts as (
    select * from {{ ref('stg_legacy__parts') }}
),

overrides as (
    select * from {{ ref('part_type_overrides') }}
),

keywords as (
    select
        {{ normalise('keyword') }} as keyword,
        {{ clean_text('unit_of_measure') }} as unit_of_measure
    from {{ ref('bulk_material_keywords') }}
),

counting_words as (
    select {{ normalise('word') }} as word
    from {{ ref('counting_words') }}
),

unit_defaults as (
    select * from {{ ref('unit_of_measure_defaults') }}
),

inventory as (
    select * from {{ ref('stg_legacy__inventory') }}
),

keyword_matches as (
    select
        parts.part_id,
        keywords.keyword,
        keywords.unit_of_measure,
        row_number() over (
            partition by parts.part_id
            order by
                (parts.name_words like '% ' || keywords.keyword || ' %') desc,
                length(keywords.keyword) desc,
                -- byte order: the same tie-break on every server, whatever its collation
                keywords.keyword collate "C"  -- noqa: RF02
        ) as preference
    from parts
    inner join keywords
        on parts.name_words like '% ' || keywords.keyword || ' %'
        or parts.description_words like '% ' || keywords.keyword || ' %'
),

units_per_part as (
    select
        part_id,
        count(distinct unit_of_measure) as distinct_units
    from keyword_matches
    group by part_id
),

best_keyword as (
    select
        keyword_matches.*,
        units_per_part.distinct_units
    from keyword_matches
    inner join units_per_part on keyword_matches.part_id = units_per_part.part_id
    where keyword_matches.preference = 1
),

counting_word_in_name as (
    select distinct on (parts.part_id)
        parts.part_id,
        counting_words.word
    from parts
    inner join counting_words on parts.name_words like '% ' || counting_words.word || ' %'
    order by parts.part_id, length(counting_words.word) desc, counting_words.word collate "C"  -- noqa: RF02
),

stock_held as (
    select
        part_id,
        sum(current_stock) as stock_held
    from inventory
    where current_stock > 0
    group by part_id
),

evidenced as (
    select
        parts.*,
        best_keyword.keyword as matched_keyword,
        best_keyword.unit_of_measure as keyword_unit,
        best_keyword.distinct_units as keyword_units,
        overrides.part_number is not null as has_override,
        nullif(btrim(overrides.unit_of_measure), '') as override_unit,
        overrides.part_type as override_part_type,
        coalesce(stock_held.stock_held, 0) as stock_held,
        coalesce(
            'counting word ' || quote_literal(counting_word_in_name.word),
            'pack size ' || quote_literal(substring(parts.name_words from '{{ pack_size }}'))
        ) as count_evidence
    from parts
    left join overrides on parts.part_number = overrides.part_number
    left join best_keyword on parts.part_id = best_keyword.part_id
    left join counting_word_in_name on parts.part_id = counting_word_in_name.part_id
    left join stock_held on parts.part_id = stock_held.part_id
),

classified as (
    select
        *,
        case
            when has_override then 'override'
            when matched_keyword is null then 'default'
            when count_evidence is not null then 'keyword overruled by a count'
            else 'keyword'
        end as classified_by
    from evidenced
),

typed as (
    select
        *,
        classified_by = 'keyword' and keyword_units > 1 as keyword_units_conflict,
        case
            when classified_by = 'override' then override_part_type
            when classified_by = 'keyword' then 'bulk_material'
            else 'consumable'
        end as part_type,
        case
            when classified_by = 'override' then override_unit
            when classified_by = 'keyword' then keyword_unit
        end as rule_unit
    from classified
),

with_unit as (
    select
        typed.*,
        coalesce(typed.rule_unit, unit_defaults.unit_of_measure, 'pieces') as unit_of_measure,
        {{ duplicate_rank('typed.part_number', 'typed.part_id') }} as part_number_rank
    from typed
    left join unit_defaults on typed.part_type = unit_defaults.part_type
),

checked as (
    select
        *,
        {{ quarantine_columns([
            {'when': clean_text('part_number') ~ ' is null', 'reason': 'blank_part_number', 'severity': 'error',
             'detail': "'part_number is blank'"},
            {'when': clean_text('name') ~ ' is null', 'reason': 'blank_part_name', 'severity': 'error',
             'detail': "'part name is blank'"},
            {'when': 'part_number_rank > 1', 'reason': 'duplicate_part_number', 'severity': 'error',
             'detail': "format('part_number %L is already used by an earlier part', part_number)"},
        ]) }}
    from with_unit
)

select * from checked
