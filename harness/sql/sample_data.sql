-- Deterministic, set-based legacy ABParts data. Runs with search_path set to
-- the live schema after legacy_ddl.sql, in one transaction, with the tables'
-- keys, unique constraints, foreign keys and indexes taken off (samples.py
-- puts them back after it). Reads its sizes from the temp table gen_params
-- (seed, n_orgs, n_users, n_parts, n_machines, n_inventory,
-- adjustments_per_100, exact_inventory). Every id, name, date and quantity is
-- a function of (seed, kind, index) through md5, so the same parameters give
-- the same database on every run and every server. No per-row round trips,
-- and no join that compares every row of one side with every row of the
-- other: the benchmark sizes are millions of rows.

-- the benchmark sizes sort millions of rows: in memory, not on disk
set local work_mem = '64MB';

-- or replace: a second sample in the same session finds the first one's
-- helpers (temporary objects live as long as the session)
create or replace function pg_temp.h(k text) returns bigint language sql immutable as $$
    select ('x' || substr(md5(k), 1, 12))::bit(48)::bigint
$$;

create or replace function pg_temp.r(k text) returns double precision language sql immutable as $$
    select pg_temp.h(k)::double precision / 281474976710656.0
$$;

-- The seed travels in a transaction-local setting, not a subquery: a SQL
-- function without a subquery is inlined by the planner (ten times faster
-- over the millions of calls of the benchmark size).
select set_config('abparts.sample_seed', seed::text, true) from gen_params;

create or replace function pg_temp.k(kind text, n bigint) returns text language sql stable as $$
    select current_setting('abparts.sample_seed') || ':' || kind || ':' || n
$$;

create or replace function pg_temp.uid(kind text, n bigint) returns uuid language sql stable as $$
    select md5(pg_temp.k(kind, n))::uuid
$$;

create or replace function pg_temp.pick(arr text[], kind text, n bigint) returns text language sql stable as $$
    select arr[1 + (pg_temp.h(pg_temp.k(kind, n)) % array_length(arr, 1))::int]
$$;

create or replace function pg_temp.between(lo int, hi int, kind text, n bigint) returns int language sql stable as $$
    select lo + (pg_temp.h(pg_temp.k(kind, n)) % (hi - lo + 1))::int
$$;

-- A number as at least four digits, zero-padded, never cut: part 12345 is
-- PN-12345, not PN-1234 (lpad alone truncates to its length).
create or replace function pg_temp.digits(n bigint) returns text language sql immutable as $$
    select lpad(n::text, greatest(4, length(n::text)), '0')
$$;

-- ---------------------------------------------------------------- organisations
create temp table gen_orgs on commit drop as
with params as (
    select
        n_orgs,
        greatest(1, round(n_orgs * 0.15))::int as n_suppliers
    from gen_params
)

select
    i as idx,
    pg_temp.uid('org', i) as id,
    case when i = 1 then 'oraseas' when i <= 1 + n_suppliers then 'supplier' else 'customer' end as kind,
    i - 1 - n_suppliers as customer_rank
from params, generate_series(1, n_orgs) as i;

insert into organizations (id, name, type, address, contact_info, created_at, updated_at)
select
    o.id,
    case
        when o.kind = 'oraseas' then 'Oraseas EE'
        when o.kind = 'supplier' and o.idx = 2 then 'AutoParts Ltd'
        when o.customer_rank = 1 then 'Autoboss Inc'
        when o.customer_rank = 2 then 'RoboMech Solutions'
        when o.customer_rank = 3 then 'Industrial Innovators'
        else (array[
            'Aegean', 'Nordic', 'Atlas', 'Delta', 'Harbor', 'Summit', 'Orion', 'Crescent',
            'Pioneer', 'Vertex', 'Ionian', 'Cyclades', 'Olympus', 'Poseidon', 'Meltemi',
            'Kastro', 'Thalassa', 'Boreas', 'Zephyr', 'Helios'
        ])[1 + o.idx % 20]
        || ' '
        || (array[
            'Marine', 'Aqua', 'Farms', 'Fisheries', 'Hydro', 'Logistics', 'Industries',
            'Systems', 'Services', 'Works'
        ])[1 + (o.idx / 20
        ) % 10]
        || ' '
        || (array['Ltd', 'Inc', 'SA', 'GmbH', 'AE'])[1 + o.idx % 5]
        || case when o.idx > 200 then ' ' || o.idx else '' end
    end,
    case
        when o.kind = 'oraseas' then 'Warehouse'
        when o.kind = 'supplier' then pg_temp.pick(array['Supplier', 'Supplier', 'supplier', 'Supplier '], 'orgtype', o.idx)
        else pg_temp.pick(array['Customer', 'Customer', 'Customer', 'customer', ' Customer', 'CUSTOMER'], 'orgtype', o.idx)
    end,
    case when o.idx % 7 = 3 then null
        else pg_temp.between(1, 250, 'street', o.idx) || ' '
            || pg_temp.pick(array['Akti Miaouli', 'Syngrou Ave', 'Harbour Road', 'Industrial Zone', 'Port Street'], 'addr', o.idx)
            || ', '
            || pg_temp.pick(array['Piraeus', 'Athens', 'Thessaloniki', 'Patras', 'Heraklion', 'Bergen', 'Cork'], 'city', o.idx)
    end,
    case when o.idx % 5 = 4 then null else '+30 210 ' || lpad(pg_temp.between(0, 9999999, 'phone', o.idx)::text, 7, '0') end,
    timestamptz '2023-01-02 09:00:00+00' + o.idx * interval '2 days',
    timestamptz '2023-01-02 09:00:00+00' + o.idx * interval '2 days' + pg_temp.between(0, 300, 'orgupd', o.idx) * interval '1 day'
from gen_orgs as o;

-- ---------------------------------------------------------------- users
-- Users 1 and 2 are the two Oraseas admins of the real data (one of them the
-- super admin, same role string). The rest go round the other organisations;
-- every tenth lands at Oraseas as an inventory manager. Every fourth customer
-- has no admin at all (a quirk of the real data).
create temp table gen_users on commit drop as
with params as (
    select
        n_orgs,
        n_users
    from gen_params
),

assigned as (
    select
        u,
        case
            when u <= 2 then 1
            when (u - 3) % 10 = 9 then 1
            else 2 + ((u - 3) % greatest(p.n_orgs - 1, 1))
        end as org_idx
    from params as p, generate_series(1, p.n_users) as u
)

select
    a.u as idx,
    a.org_idx,
    o.id as organization_id,
    o.kind as org_kind,
    pg_temp.uid('user', a.u) as id,
    row_number() over (partition by a.org_idx order by a.u) as rank_in_org
from assigned as a
inner join gen_orgs as o on a.org_idx = o.idx;

insert into users (id, organization_id, username, password_hash, email, name, role, created_at, updated_at)
select
    u.id,
    u.organization_id,
    case u.idx when 1 then 'oraseasee_admin' when 2 then 'superadmin'
        else lower(fn.v || '.' || ln.v) || u.idx
    end,
    -- a small pool of bcrypt-shaped hashes: several users share one (as in the real data)
    '$2b$12$' || substr(md5('pw' || (u.idx % 6)) || md5('salt' || (u.idx % 6)), 1, 53),
    case u.idx when 1 then 'admin@oraseas.com' when 2 then 'superadmin@oraseas.com'
        else lower(fn.v || '.' || ln.v) || u.idx || '@' || 'org' || u.org_idx || '.example.com'
    end,
    case when u.idx % 9 = 5 then null else fn.v || ' ' || ln.v end,
    case
        when u.org_kind = 'oraseas' and u.idx <= 2 then 'Oraseas Admin'
        when
            u.org_kind = 'oraseas'
            then pg_temp.pick(array['Oraseas Inventory Manager', 'oraseas inventory manager'], 'role', u.idx)
        when u.org_kind = 'supplier' then pg_temp.pick(array['Supplier User', 'Supplier User', 'supplier user'], 'role', u.idx)
        when
            u.rank_in_org = 1 and u.org_idx % 4 <> 0
            then pg_temp.pick(array['Customer Admin', 'Customer Admin', 'customer admin'], 'role', u.idx)
        else pg_temp.pick(array['Customer User', 'Customer User', 'customer user', 'Customer  User'], 'role', u.idx)
    end,
    o.created_at + (1 + u.rank_in_org) * interval '1 day',
    o.created_at + (1 + u.rank_in_org) * interval '1 day' + pg_temp.between(0, 200, 'userupd', u.idx) * interval '1 day'
from gen_users as u
inner join organizations as o on u.organization_id = o.id
cross join
    lateral (select pg_temp.pick(array[
        'Maria', 'Giorgos', 'Eleni', 'Nikos', 'Anna', 'Kostas', 'Sofia',
        'Dimitris', 'Ingrid', 'Lars', 'Aoife', 'Sean', 'Katerina', 'Yannis', 'Petra'
    ], 'fn', u.idx) as v) as fn
cross join lateral (select pg_temp.pick(array[
    'Papadopoulou', 'Georgiou', 'Nikolaidis', 'Hansen', 'Murphy',
    'Ioannou', 'Karagianni', 'Olsen', 'Walsh', 'Vlachos', 'Antoniou', 'Berg'
], 'ln', u.idx) as v) as ln;

-- Who acts for an organisation in the history: its first user (oldest, then
-- lowest id) and its last (newest, then lowest id). Joined to, never looked up
-- per row: a lookup scans every user for every order, usage and adjustment.
create temp table gen_org_users on commit drop as
select
    organization_id,
    (array_agg(id order by created_at asc, id asc))[1] as first_user_id,
    (array_agg(id order by created_at desc, id asc))[1] as last_user_id
from users
group by organization_id;

-- ---------------------------------------------------------------- parts
-- Every eighth part is a bulk material (oils, greases, coolants); the first
-- five carry the names of the real seed parts.
create temp table gen_parts on commit drop as
select
    i as idx,
    pg_temp.uid('part', i) as id,
    i % 8 = 0 as bulk
from gen_params, generate_series(1, n_parts) as i;

create unique index on gen_parts (idx);
analyze gen_parts;

insert into parts (
    id, part_number, name, description, is_proprietary, is_consumable,
    manufacturer_delivery_time_days, local_supplier_delivery_time_days, image_urls, created_at, updated_at
)
select
    p.id,
    'PN-' || pg_temp.digits(p.idx) || '-' || chr(65 + p.idx % 26),
    case
        when p.idx <= 5
            then (array[
                'Engine Air Filter', 'Central Control Unit', 'Hydraulic Pump',
                'Proximity Sensor Module', 'Drive Belt'
            ])[p.idx]
        when p.bulk
            then pg_temp.pick(
                    array[
                        'Hydraulic Oil ISO 46', 'Lithium Grease EP2', 'Coolant Concentrate',
                        'Gear Lubricant 80W-90', 'Cleaning Fluid', 'Chain Oil', 'Anti-Corrosion Grease', 'Engine Oil 10W-40'
                    ],
                    'bulkname',
                    p.idx
                )
        else pg_temp.pick(array[
                'Engine Air Filter', 'Pressure Hose', 'Nozzle Set', 'Filter Cartridge', 'Bearing 6204',
                'Seal Kit', 'Spark Plug', 'Fuel Pump', 'Water Pump', 'Valve Assembly', 'Impeller', 'Gasket Set',
                'O-Ring Kit', 'Pressure Gauge', 'Solenoid Valve', 'Control Cable', 'Drive Belt', 'Brush Head'
            ], 'partname', p.idx)
            || ' ' || pg_temp.pick(array['V3.1B', 'V4.0', 'V3.0', 'Universal'], 'partmodel', p.idx)
    end,
    case
        when
            p.bulk
            then pg_temp.pick(array['Supplied in 20 L drums', 'Cartridge, 400 g', 'Bulk, per litre', null], 'bulkdesc', p.idx)
        when p.idx % 6 = 1 then null
        else 'Replacement part for AutoBoss machines, batch ' || pg_temp.between(1, 40, 'batch', p.idx)
    end,
    p.idx % 3 = 2,
    p.bulk or (p.idx % 3 <> 2 and p.idx % 2 = 1),
    case when p.idx % 5 = 0 then null else pg_temp.between(7, 60, 'mdel', p.idx) end,
    case when p.idx % 4 = 0 then null else pg_temp.between(1, 10, 'ldel', p.idx) end,
    case when p.idx % 4 = 0 then null
        else array['/static/images/pn-' || pg_temp.digits(p.idx) || '.jpg']
    end,
    timestamptz '2023-01-01 08:00:00+00' + p.idx * interval '3 hours',
    timestamptz '2023-01-01 08:00:00+00'
    + p.idx * interval '3 hours'
    + pg_temp.between(0, 400, 'partupd', p.idx) * interval '1 day'
from gen_parts as p;

-- ---------------------------------------------------------------- machines
-- Owned by customers; the last quarter of the customers own none.
create temp table gen_machines on commit drop as
with customers as (
    select
        idx,
        id,
        row_number() over (order by idx) as rn
    from gen_orgs
    where kind = 'customer'
),

owners as (
    select greatest(ceil(count(*) * 0.75)::int, 1) as n
    from gen_orgs
    where kind = 'customer'
)

select
    m as idx,
    c.id as organization_id,
    c.idx as org_idx,
    pg_temp.uid('machine', m) as id
from gen_params as p
cross join owners as w
cross join generate_series(1, p.n_machines) as m
inner join customers as c on c.rn = 1 + (m - 1) % w.n;

insert into machines (id, organization_id, model_type, name, serial_number, created_at, updated_at)
select
    m.id,
    m.organization_id,
    mt.v,
    'AutoBoss ' || mt.v || ' #' || m.idx,
    'AB' || replace(replace(mt.v, '.', ''), 'V', 'V') || '-SN' || pg_temp.digits(m.idx),
    o.created_at + pg_temp.between(5, 200, 'mcreated', m.idx) * interval '1 day',
    o.created_at + pg_temp.between(201, 500, 'mupd', m.idx) * interval '1 day'
from gen_machines as m
inner join organizations as o on m.organization_id = o.id
cross join lateral (select pg_temp.pick(array['V3.1B', 'V4.0', 'V3.0', 'V4.0'], 'model', m.idx) as v) as mt;

-- ---------------------------------------------------------------- inventory
-- The n_inventory (organisation, part) pairs with the lowest weighted score:
-- Oraseas EE holds most parts, suppliers few. Locations are free text with
-- the real data's inconsistent spelling, case and blanks.
--
-- Up to a few million pairs (exact_inventory) every pair is scored. Beyond
-- that, scoring every pair would take minutes, so each organisation's parts
-- are visited in an order of their own (an affine permutation of 1..n_parts)
-- and the j-th visited gets the score the j-th lowest of n_parts uniform
-- draws would have (stratified), weighted as above, for half as many parts
-- again as its expected share: the same choice in distribution.
create temp table gen_inventory on commit drop as
with pairs as (
    select
        o.idx as org_idx,
        o.id as organization_id,
        o.kind,
        p.idx as part_idx,
        p.id as part_id,
        p.bulk,
        o.idx * 100000 + p.idx as n,
        pg_temp.r(pg_temp.k('inv', o.idx * 100000 + p.idx))
        * case o.kind when 'oraseas' then 0.05 when 'supplier' then 1.6 else 1.0 end as score
    from gen_orgs as o cross join gen_parts as p
    where (select exact_inventory from gen_params)
)

select * from pairs
order by score, n limit (select n_inventory from gen_params);

insert into gen_inventory
with params as (
    select
        n_parts,
        n_inventory
    from gen_params
    where not exact_inventory
),

weighted as (
    select
        idx,
        id,
        kind,
        case kind when 'oraseas' then 0.05 when 'supplier' then 1.6 else 1.0 end as weight,
        pg_temp.h(pg_temp.k('invstart', idx)) as start_hash,
        pg_temp.h(pg_temp.k('invstep', idx)) as step_hash
    from gen_orgs
),

-- the score below which n_inventory of all the pairs would fall
threshold as (
    select max(p.n_inventory) / (max(p.n_parts) * sum(1 / w.weight)) as score
    from params as p cross join weighted as w
),

visits as materialized (
    select
        w.idx,
        w.id,
        w.kind,
        w.weight,
        p.n_parts,
        least(p.n_parts, ceil(1.5 * p.n_parts * least(1, t.score / w.weight))::int + 2) as visited,
        w.start_hash % p.n_parts as first_offset,
        step.step
    from weighted as w
    cross join params as p
    cross join threshold as t
    -- a step prime to n_parts visits every part once
    cross join lateral (
        select min(s) as step
        from generate_series(1 + w.step_hash % p.n_parts, 64 + w.step_hash % p.n_parts) as s
        where gcd(s, p.n_parts) = 1
    ) as step
),

pairs as (
    select
        v.idx as org_idx,
        v.id as organization_id,
        v.kind,
        v.weight,
        v.n_parts,
        j,
        1 + (v.first_offset + (j - 1) * v.step::bigint) % v.n_parts as part_idx
    from visits as v
    cross join lateral generate_series(1, v.visited) as j
)

select
    pairs.org_idx,
    pairs.organization_id,
    pairs.kind,
    pairs.part_idx,
    p.id as part_id,
    p.bulk,
    pairs.org_idx * 100000 + pairs.part_idx as n,
    pairs.weight * (pairs.j - 1 + pg_temp.r(pg_temp.k('inv', pairs.org_idx * 100000 + pairs.part_idx)))
    / pairs.n_parts as score
from pairs
inner join gen_parts as p on pairs.part_idx = p.idx
order by score, n limit (select n_inventory from gen_params);

insert into inventory (
    id, organization_id, part_id, location, current_stock, minimum_stock_recommendation,
    reorder_threshold_set_by, last_recommendation_update, created_at, updated_at
)
select
    pg_temp.uid('inventory', c.n),
    c.organization_id,
    c.part_id,
    case c.kind
        when 'oraseas'
            then pg_temp.pick(array[
                    'Main Warehouse', 'main warehouse', 'Athens Depot', 'ATHENS DEPOT',
                    'Athens  Depot', 'Piraeus Port', null
                ], 'loc', c.n)
        else pg_temp.pick(array[
                null, null, null, 'Main Store', 'main store', 'Main Store ', 'Yard', 'YARD',
                'Van 1', 'van  1', '', 'Main Warehouse'
            ], 'loc', c.n)
    end,
    case
        when c.bulk then pg_temp.between(5, 800, 'stock', c.n)
        when pg_temp.h(pg_temp.k('zero', c.n)) % 11 = 0 then 0
        else pg_temp.between(1, 120, 'stock', c.n)
    end * case when c.kind = 'oraseas' then 3 else 1 end,
    pg_temp.between(0, 20, 'minstock', c.n),
    pg_temp.pick(array['system', 'system', 'user', null], 'setby', c.n),
    case when pg_temp.h(pg_temp.k('recupd', c.n)) % 10 < 3
            then timestamptz '2024-06-01 00:00:00+00' + pg_temp.between(0, 300, 'recupdd', c.n) * interval '1 day'
    end,
    timestamptz '2023-03-01 10:00:00+00' + pg_temp.between(0, 300, 'invc', c.n) * interval '1 day',
    timestamptz '2024-03-01 10:00:00+00' + pg_temp.between(0, 500, 'invu', c.n) * interval '1 day'
from gen_inventory as c
order by c.score, c.n;

-- ---------------------------------------------------------------- supplier orders
insert into supplier_orders (
    id, ordering_organization_id, supplier_name, order_date, expected_delivery_date,
    actual_delivery_date, status, notes, created_at, updated_at
)
with orders as (
    select
        i,
        timestamptz '2023-06-01 09:00:00+00' + pg_temp.between(0, 700, 'sodate', i) * interval '1 day' as order_date,
        pg_temp.pick(array[
            'Pending', 'Shipped', 'Delivered', 'Delivered', 'delivered', 'Delivered ',
            'Cancelled'
        ], 'sostatus', i) as status
    from gen_params, generate_series(1, greatest(3, n_parts / 4)) as i
),

suppliers as (
    select
        o.name,
        row_number() over (order by g.idx) as rn
    from gen_orgs as g inner join organizations as o on g.id = o.id
    where g.kind = 'supplier'
),

supplier_count as (
    select count(*) as n from gen_orgs
    where kind = 'supplier'
)

select
    pg_temp.uid('supplier_order', x.i),
    case when x.i % 15 = 14
            then (
                select id from gen_orgs
                where kind = 'customer'
                order by idx limit 1
            )
        else (
            select id from gen_orgs
            where idx = 1
        )
    end,
    case when x.i % 7 = 6 then pg_temp.pick(array['Bosch Rexroth', 'SKF Hellas', 'Parker Hannifin'], 'soname', x.i)
        else s.name
    end,
    x.order_date,
    x.order_date + interval '14 days',
    case when lower(trim(x.status)) = 'delivered' and x.i % 5 <> 0
            then x.order_date + pg_temp.between(5, 25, 'sodeliv', x.i) * interval '1 day'
    end,
    x.status,
    case when x.i % 3 = 0 then 'Restock for season' end,
    x.order_date,
    x.order_date + interval '3 days'
from orders as x
cross join supplier_count as sc
left join suppliers as s on s.rn = 1 + (x.i - 1) % nullif(sc.n, 0)
order by x.i;

insert into supplier_order_items (id, supplier_order_id, part_id, quantity, unit_price, created_at, updated_at)
select
    pg_temp.uid('supplier_order_item', so.i * 10 + k),
    pg_temp.uid('supplier_order', so.i),
    p.id,
    case when p.bulk then pg_temp.between(10, 200, 'soiq', so.i * 10 + k) else pg_temp.between(1, 50, 'soiq', so.i * 10 + k) end,
    case when (so.i + k) % 9 = 0 then null else pg_temp.between(100, 50000, 'soip', so.i * 10 + k) / 100.0 end,
    s.order_date,
    s.order_date
from (select i from gen_params, generate_series(1, greatest(3, n_parts / 4)) as i) as so
cross join generate_series(1, 4) as k
inner join supplier_orders as s on s.id = pg_temp.uid('supplier_order', so.i)
inner join gen_parts as p on p.idx = 1 + pg_temp.h(pg_temp.k('soipart', so.i * 10 + k)) % (select n_parts from gen_params)
where k <= 1 + pg_temp.h(pg_temp.k('soin', so.i)) % 4;

-- ---------------------------------------------------------------- customer orders
insert into customer_orders (
    id, customer_organization_id, oraseas_organization_id, order_date, expected_delivery_date,
    actual_delivery_date, status, ordered_by_user_id, notes, created_at, updated_at
)
with customers as (
    select
        id,
        row_number() over (order by idx) as rn
    from gen_orgs
    where kind = 'customer'
),

customer_count as (
    select count(*) as n from gen_orgs
    where kind = 'customer'
),

orders as (
    select
        i,
        c.id as customer_id,
        timestamptz '2023-09-01 09:00:00+00' + pg_temp.between(0, 600, 'codate', i) * interval '1 day' as order_date,
        pg_temp.pick(array['Pending', 'Shipped', 'Delivered', 'Delivered', 'DELIVERED', 'Cancelled'], 'costatus', i) as status
    from customer_count as cc
    cross join generate_series(1, 2 * cc.n) as i
    inner join customers as c on c.rn = 1 + (i - 1) % cc.n
)

select
    pg_temp.uid('customer_order', x.i),
    x.customer_id,
    (
        select id from gen_orgs
        where idx = 1
    ),
    x.order_date,
    x.order_date + interval '10 days',
    case when lower(trim(x.status)) = 'delivered' and x.i % 6 <> 0
            then x.order_date + pg_temp.between(2, 15, 'codeliv', x.i) * interval '1 day'
    end,
    x.status,
    case when x.i % 5 = 0 then null else ou.first_user_id end,
    case when x.i % 4 = 0 then 'Urgent: machine down' end,
    x.order_date,
    x.order_date + interval '1 day'
from orders as x
left join gen_org_users as ou on x.customer_id = ou.organization_id
order by x.i;

insert into customer_order_items (id, customer_order_id, part_id, quantity, unit_price, created_at, updated_at)
select
    pg_temp.uid('customer_order_item', co.rn * 10 + k),
    co.id,
    p.id,
    case when p.bulk then pg_temp.between(5, 60, 'coiq', co.rn * 10 + k) else pg_temp.between(1, 12, 'coiq', co.rn * 10 + k) end,
    case when (co.rn + k) % 8 = 0 then null else pg_temp.between(200, 80000, 'coip', co.rn * 10 + k) / 100.0 end,
    co.order_date,
    co.order_date
from (
    select
        id,
        order_date,
        row_number() over (order by id) as rn
    from customer_orders
) as co
cross join generate_series(1, 3) as k
inner join gen_parts as p on p.idx = 1 + pg_temp.h(pg_temp.k('coipart', co.rn * 10 + k)) % (select n_parts from gen_params)
where k <= 1 + pg_temp.h(pg_temp.k('coin', co.rn)) % 3;

-- ---------------------------------------------------------------- part usage
-- Four usages per machine, mostly of parts the customer stocks: a machine's
-- k-th usage is of its owner's stocked part with the lowest md5(inventory id
-- || k), found for every owner and k at once.
create temp table gen_usage_parts on commit drop as
select distinct on (i.organization_id, k)
    i.organization_id,
    k as nth,
    i.part_id
from inventory as i
inner join (select distinct organization_id from gen_machines) as owners on i.organization_id = owners.organization_id
cross join generate_series(1, 4) as k
order by i.organization_id asc, k asc, md5(i.id::text || k) asc;

insert into part_usage (
    id, customer_organization_id, part_id, usage_date, quantity_used, machine_id,
    recorded_by_user_id, notes, created_at, updated_at
)
select
    pg_temp.uid('part_usage', m.idx * 10 + k),
    m.organization_id,
    coalesce(
        case when (m.idx + k) % 5 <> 0 then up.part_id end,
        (
            select p.id from gen_parts as p
            where p.idx = 1 + pg_temp.h(pg_temp.k('pupart', m.idx * 10 + k)) % (select n_parts from gen_params)
        )
    ),
    timestamptz '2024-01-10 08:00:00+00' + pg_temp.between(0, 500, 'pudate', m.idx * 10 + k) * interval '1 day',
    pg_temp.between(1, 5, 'puq', m.idx * 10 + k),
    case when (m.idx + k) % 10 = 0 then null else m.id end,
    case when (m.idx + k) % 3 = 0 then null else ou.last_user_id end,
    case when k = 1 then 'Scheduled service' end,
    timestamptz '2024-01-10 08:00:00+00' + pg_temp.between(0, 500, 'pudate', m.idx * 10 + k) * interval '1 day',
    timestamptz '2024-01-10 08:00:00+00' + pg_temp.between(0, 500, 'pudate', m.idx * 10 + k) * interval '1 day'
from gen_machines as m
cross join generate_series(1, 4) as k
left join gen_usage_parts as up on m.organization_id = up.organization_id and k = up.nth
left join gen_org_users as ou on m.organization_id = ou.organization_id
order by m.idx, k;

-- ---------------------------------------------------------------- stock adjustments
-- adjustments_per_100 of every hundred inventory rows have one (ten but for
-- the largest benchmark size, whose ledger it brings to a million rows).
insert into stock_adjustments (
    id, inventory_id, user_id, adjustment_date, quantity_adjusted, reason_code, notes, created_at, updated_at
)
with ranked as (
    select
        i.id,
        i.organization_id,
        row_number() over (order by md5(i.id::text)) as rn
    from inventory as i
)

select
    pg_temp.uid('stock_adjustment', r.rn),
    r.id,
    coalesce(
        ou.first_user_id,
        (
            select id from gen_users
            where idx = 1
        )
    ),
    timestamptz '2024-02-01 12:00:00+00' + pg_temp.between(0, 450, 'sadate', r.rn) * interval '1 day',
    case when r.rn % 3 = 0 then -pg_temp.between(1, 8, 'saq', r.rn) else pg_temp.between(1, 10, 'saq', r.rn) end,
    pg_temp.pick(array[
        'Stocktake Discrepancy', 'Damaged Goods', 'Found Stock', 'Initial Stock Entry',
        'Return to Vendor', 'Customer Return - Resalable', 'Customer Return - Damaged', 'Other'
    ], 'sareason', r.rn),
    case when r.rn % 4 = 0 then 'Counted during quarterly stocktake' end,
    timestamptz '2024-02-01 12:00:00+00' + pg_temp.between(0, 450, 'sadate', r.rn) * interval '1 day',
    timestamptz '2024-02-01 12:00:00+00' + pg_temp.between(0, 450, 'sadate', r.rn) * interval '1 day'
from ranked as r
left join gen_org_users as ou on r.organization_id = ou.organization_id
where r.rn <= greatest(1, (select n_inventory * adjustments_per_100 / 100 from gen_params))
order by r.rn;
