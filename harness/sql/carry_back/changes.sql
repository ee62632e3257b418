-- What every entity carry reads: per changed row of a target table, its
-- first and last logged operation and its row before the first, computed by
-- carry_back.py from the audit's change log and passed as JSON. Lives for
-- the rollback's transaction. The log keeps each row's primary key as text;
-- the tables carried back are keyed by a uuid id (another key: no row id).
create temporary table carry_back_changes on commit drop as
select
    c.table_name,
    case
        when c.row_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then c.row_id::uuid
    end as row_id,
    c.first_op,
    c.first_old,
    c.last_op
from jsonb_to_recordset(%(changed)s::jsonb) as c (
        table_name text, row_id text, first_op text, first_old jsonb, last_op text
    )
