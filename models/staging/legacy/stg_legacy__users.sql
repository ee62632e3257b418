with source as (
    select * from {{ source('legacy', 'users') }}
),

renamed as (
    select
        id as user_id,
        organization_id,
        username,
        password_hash,
        email,
        name,
        role as legacy_role,
        {{ normalise('role') }} as legacy_role_normalised,
        -- present only where the application's create_all made the table
        {%- if source_has_column('legacy', 'users', 'is_active') %}
            is_active,
        {%- else %}
            true as is_active,
        {%- endif %}
        created_at,
        updated_at
    from source
)

select * from renamed
