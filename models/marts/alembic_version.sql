{{ config(meta={'finalize': {'renames': {'alembic_version_pkey': 'alembic_version_pkc'}}}) }}

-- Stamped with the heads of the application's Alembic revision graph
-- (seeds/app_alembic_revisions.csv, one row per parent edge): the revisions
-- that are no revision's parent, one row each, as `alembic stamp heads`
-- would write them. alembic_stamp_matches_schema checks the stamp against
-- the graph and the built schema.
with revisions as (
    select * from {{ ref('app_alembic_revisions') }}
),

heads as (
    select distinct revisions.revision
    from revisions
    where not exists (
            select 1 from revisions as children
            where children.down_revision = revisions.revision
        )
),

final as (
    select revision::varchar(32) as version_num
    from heads
)

select * from final
