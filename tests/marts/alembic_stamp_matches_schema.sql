-- The Alembic stamp tells the truth. alembic_version holds exactly the heads
-- of the application's revision graph (seeds/app_alembic_revisions.csv: the
-- revisions that are no revision's parent), and every table the stamped
-- revisions and their ancestors create exists in the target schema. Returns
-- a row per stamped version that is not a head, per head that is not
-- stamped, per table missing, and per parent the graph does not define.
-- runs after every mart is built (it reads the catalog, not only the tables):
-- depends_on: {{ ref('organizations') }}
-- depends_on: {{ ref('users') }}
-- depends_on: {{ ref('machines') }}
-- depends_on: {{ ref('parts') }}
-- depends_on: {{ ref('warehouses') }}
-- depends_on: {{ ref('inventory') }}
-- depends_on: {{ ref('transactions') }}
-- depends_on: {{ ref('supplier_orders') }}
-- depends_on: {{ ref('supplier_order_items') }}
-- depends_on: {{ ref('customer_orders') }}
-- depends_on: {{ ref('customer_order_items') }}
-- depends_on: {{ ref('part_usage') }}
-- depends_on: {{ ref('stock_adjustments') }}
-- depends_on: {{ ref('alembic_version') }}
-- depends_on: {{ ref('invitation_audit_logs') }}
-- depends_on: {{ ref('user_management_audit_logs') }}
-- depends_on: {{ ref('security_events') }}
-- depends_on: {{ ref('user_sessions') }}
-- depends_on: {{ ref('transaction_approvals') }}
-- depends_on: {{ ref('part_order_requests') }}
-- depends_on: {{ ref('part_order_items') }}
-- depends_on: {{ ref('machine_maintenance') }}
-- depends_on: {{ ref('maintenance_part_usage') }}
-- depends_on: {{ ref('machine_part_compatibility') }}
-- depends_on: {{ ref('predictive_maintenance_models') }}
-- depends_on: {{ ref('machine_predictions') }}
-- depends_on: {{ ref('maintenance_recommendations') }}
-- depends_on: {{ ref('machine_model_associations') }}
-- depends_on: {{ ref('recommended_parts') }}
-- depends_on: {{ ref('maintenance_indicators') }}
-- depends_on: {{ ref('machine_indicator_values') }}
-- depends_on: {{ ref('stocktakes') }}
-- depends_on: {{ ref('stocktake_items') }}
-- depends_on: {{ ref('inventory_alerts') }}
-- depends_on: {{ ref('inventory_adjustments') }}

{{ config(**check_config('critical',
    'alembic_version and the target schema disagree ({value}): rebuild; never stamp or edit the target by hand',
    phase='post')) }}

with recursive revisions as (
    select * from {{ ref('app_alembic_revisions') }}
),

stamped as (
    select version_num::text as version_num from {{ ref('alembic_version') }}
),

heads as (
    select distinct revisions.revision
    from revisions
    where not exists (
            select 1 from revisions as children
            where children.down_revision = revisions.revision
        )
),

ancestry (revision) as (
    select stamped.version_num from stamped
    union
    select revisions.down_revision
    from revisions
    inner join ancestry on revisions.revision = ancestry.revision
    where revisions.down_revision is not null
),

created as (
    select distinct
        revisions.revision,
        regexp_split_to_table(btrim(revisions.creates_tables), '\s+') as table_name
    from revisions
    inner join ancestry on revisions.revision = ancestry.revision
    where btrim(coalesce(revisions.creates_tables, '')) <> ''
),

stamped_not_head as (
    select
        stamped.version_num as id,
        stamped.version_num || ' is stamped but is not a head of the revision graph' as value
    from stamped
    where stamped.version_num not in (select heads.revision from heads)
),

head_not_stamped as (
    select
        heads.revision as id,
        'head ' || heads.revision || ' is not stamped' as value
    from heads
    where heads.revision not in (select stamped.version_num from stamped)
),

missing_table as (
    select
        min(created.table_name) as id,
        'table ' || min(created.table_name) || ' (created by ' || string_agg(created.revision, ', ' order by created.revision)
        || ') is missing' as value
    from created
    where not exists (
            select 1 from pg_class as c
            where
                c.relnamespace = '{{ target_tables_schema() }}'::regnamespace
                and c.relname = created.table_name
                and c.relkind in ('r', 'p')
        )
    group by created.table_name
),

unknown_parent as (
    select
        revisions.revision as id,
        'parent ' || revisions.down_revision || ' of ' || revisions.revision || ' is not a revision' as value
    from revisions
    where
        revisions.down_revision is not null
        and revisions.down_revision not in (select r.revision from revisions as r)
)

select * from stamped_not_head
union all
select * from head_not_stamped
union all
select * from missing_table
union all
select * from unknown_parent
