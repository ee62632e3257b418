-- One row per legacy machine. Serial numbers were unique per organisation in
-- legacy but are unique globally in the target: the earliest machine (by
-- created_at, id) keeps a clashing serial, later ones are quarantined (error).
with machines as (
    select * from {{ ref('stg_legacy__machines') }}
),

organizations as (
    select * from {{ ref('int_organizations__typed') }}
),

ranked as (
    select
        machines.*,
        organizations.organization_type as owner_type,
        organizations.organization_id as owner_found,
        organizations.quarantine_reason as owner_quarantine_reason,
        {{ duplicate_rank('machines.serial_number', 'machines.machine_id') }} as serial_rank,
        first_value(machines.machine_id) over (
            partition by machines.serial_number order by machines.created_at, machines.machine_id
        ) as serial_kept_by
    from machines
    left join organizations on machines.organization_id = organizations.organization_id
),

checked as (
    select
        *,
        (owner_type is distinct from 'customer') as owner_not_customer,
        {{ quarantine_columns(
            parent_rules('organization_id', 'owner_found', 'owner_quarantine_reason', 'organisation') + [
            {'when': 'serial_rank > 1', 'reason': 'duplicate_serial_number', 'severity': 'error',
             'detail': "format('serial number %L is already used by machine %s', serial_number, serial_kept_by)"},
        ]) }}
    from ranked
)

select * from checked
