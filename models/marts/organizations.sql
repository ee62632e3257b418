{{ config(meta={'finalize': {
    'defaults': {'id': 'gen_random_uuid()', 'is_active': 'true', 'created_at': 'now()', 'updated_at': 'now()'},
    'indexes': [
        {'name': 'ix_organizations_name', 'columns': ['name']},
        {'name': 'unique_oraseas_ee', 'columns': ['organization_type'], 'unique': true,
         'where': "organization_type = 'oraseas_ee'"},
        {'name': 'unique_bossaqua', 'columns': ['organization_type'], 'unique': true,
         'where': "organization_type = 'bossaqua'"},
    ],
    'self_foreign_keys': [{'name': 'organizations_parent_organization_id_fkey', 'column': 'parent_organization_id'}],
}}) }}

with organizations as (
    select * from {{ ref('int_organizations__typed') }}
    where quarantine_reason is null
),

final as (
    select
        organization_id as id,
        name::varchar(255) as name,
        organization_type::{{ enum('organizationtype') }} as organization_type,
        parent_organization_id,
        address,
        contact_info,
        true as is_active,
        created_at,
        updated_at
    from organizations
)

select * from final
