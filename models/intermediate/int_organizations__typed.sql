-- One row per legacy organisation: its target type (override by name, else
-- the type map), its parent (suppliers -> the oraseas_ee organisation) and
-- why it cannot be migrated, if it cannot.
with organizations as (
    select * from {{ ref('stg_legacy__organizations') }}
),

type_map as (
    select
        {{ normalise('legacy_type') }} as legacy_type,
        organization_type
    from {{ ref('organization_type_map') }}
),

overrides as (
    select
        {{ normalise('organization_name') }} as organization_name,
        organization_type
    from {{ ref('organization_overrides') }}
),

typed as (
    select
        organizations.*,
        overrides.organization_type as override_type,
        type_map.organization_type as mapped_type,
        coalesce(overrides.organization_type, type_map.organization_type) as organization_type
    from organizations
    left join overrides on organizations.name_normalised = overrides.organization_name
    left join type_map on organizations.legacy_type_normalised = type_map.legacy_type
),

ranked as (
    select
        *,
        {{ duplicate_rank('name', 'organization_id') }} as name_rank
    from typed
),

checked as (
    select
        *,
        {{ quarantine_columns([
            {'when': 'organization_type is null', 'reason': 'unmapped_organization_type', 'severity': 'critical',
             'detail': "format('type %L is not in seeds/organization_type_map.csv (nor the name in organization_overrides.csv)', legacy_type)"},
            {'when': 'name_normalised is null', 'reason': 'blank_name', 'severity': 'error',
             'detail': "'organisation name is blank'"},
            {'when': 'name_rank > 1', 'reason': 'duplicate_name', 'severity': 'error',
             'detail': "format('name %L is already used by an earlier organisation', name)"},
        ]) }}
    from ranked
),

-- exactly one is expected (a critical test says so); the earliest wins for determinism
head_company as (
    select organization_id
    from checked
    where organization_type = 'oraseas_ee' and quarantine_reason is null
    order by created_at, organization_id
    limit 1
),

final as (
    select
        checked.*,
        case
            when checked.organization_type = 'supplier' then head_company.organization_id
        end as parent_organization_id
    from checked
    left join head_company on true
)

select * from final
