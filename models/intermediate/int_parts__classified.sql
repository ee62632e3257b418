-- One row per legacy part: part type and unit of measure from, in order,
-- seeds/part_type_overrides.csv (by part_number), a whole-word keyword of
-- seeds/bulk_material_keywords.csv in the name, then in the description
-- (longest keyword first), else consumable in seeds/unit_of_measure_defaults.csv.
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

unit_defaults as (
    select * from {{ ref('unit_of_measure_defaults') }}
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

classified as (
    select
        parts.*,
        best_keyword.keyword as matched_keyword,
        overrides.part_number is not null as has_override,
        coalesce(best_keyword.distinct_units, 0) > 1 as keyword_units_conflict,
        coalesce(
            overrides.part_type,
            case when best_keyword.keyword is not null then 'bulk_material' end,
            'consumable'
        ) as part_type,
        case
            when overrides.part_number is not null then nullif(btrim(overrides.unit_of_measure), '')
            else best_keyword.unit_of_measure
        end as rule_unit
    from parts
    left join overrides on parts.part_number = overrides.part_number
    left join best_keyword on parts.part_id = best_keyword.part_id
),

with_unit as (
    select
        classified.*,
        coalesce(classified.rule_unit, unit_defaults.unit_of_measure, 'pieces') as unit_of_measure,
        {{ duplicate_rank('classified.part_number', 'classified.part_id') }} as part_number_rank
    from classified
    left join unit_defaults on classified.part_type = unit_defaults.part_type
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
