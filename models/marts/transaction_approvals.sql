{{ config(meta={'finalize': {
    'defaults': {'id': 'gen_random_uuid()', 'created_at': 'now()'},
}}) }}

-- Built empty: the legacy database has nothing for this table. The
-- contract (transaction_approvals.yml) gives it the application's columns, types
-- and constraints; the post-hook its defaults, indexes and constraint names.
select
    null::uuid as id,
    null::uuid as transaction_id,
    null::uuid as approver_id,
    null::{{ enum('transactionapprovalstatus') }} as status,
    null::text as notes,
    null::timestamptz as created_at
where false
