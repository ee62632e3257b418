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
        -- present only where the application's create_all made the table;
        -- the stage adds it (true) where the init script did not
        is_active,
        created_at,
        updated_at
    from source
)

select * from renamed
