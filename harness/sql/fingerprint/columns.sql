-- Every column of a schema's tables: name, position, type, nullability, default.
select
    c.relname,
    a.attnum,
    a.attname,
    format_type(a.atttypid, a.atttypmod) as data_type,
    a.attnotnull,
    pg_get_expr(d.adbin, d.adrelid) as column_default
from pg_attribute as a
inner join pg_class as c on a.attrelid = c.oid
left join pg_attrdef as d on a.attrelid = d.adrelid and a.attnum = d.adnum
where c.relnamespace = %(schema)s::regnamespace and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
order by c.relname, a.attnum
