{{ config(meta={'finalize': {
    'defaults': {
        'id': 'gen_random_uuid()', 'user_status': "'active'", 'failed_login_attempts': '0',
        'is_active': 'true', 'created_at': 'now()', 'updated_at': 'now()',
    },
    'indexes': [
        {'name': 'ix_users_username', 'columns': ['username']},
        {'name': 'ix_users_email', 'columns': ['email']},
        {'name': 'ix_users_org_role', 'columns': ['organization_id', 'role']},
    ],
    'self_foreign_keys': [{'name': 'fk_users_invited_by_user_id', 'column': 'invited_by_user_id'}],
    'triggers': ['super_admin_oraseas_only'],
}}) }}

with users as (
    select * from {{ ref('int_users__mapped') }}
    where quarantine_reason is null
),

final as (
    select
        user_id as id,
        organization_id,
        username::varchar(255) as username,
        password_hash,
        email::varchar(255) as email,
        name::varchar(255) as name,
        role::{{ enum('userrole') }} as role,
        user_status::{{ enum('userstatus') }} as user_status,
        0 as failed_login_attempts,
        null::timestamptz as locked_until,
        null::timestamptz as last_login,
        null::varchar(255) as invitation_token,
        null::timestamptz as invitation_expires_at,
        null::varchar(255) as password_reset_token,
        null::timestamptz as password_reset_expires_at,
        null::varchar(255) as email_verification_token,
        null::timestamptz as email_verification_expires_at,
        null::varchar(255) as pending_email,
        null::uuid as invited_by_user_id,
        coalesce(is_active, true) as is_active,
        created_at,
        updated_at
    from users
)

select * from final
