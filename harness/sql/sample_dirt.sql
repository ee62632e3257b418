-- One instance of every non-critical problem class the checks look for, plus
-- a few harmless oddities; runs after sample_data.sql in the same transaction
-- (search_path = the live schema, gen_* temp tables present). Fixed ids
-- dd000000-0000-0000-0000-0000000000NN so tests can name them: every
-- pre-migration check that is not critical has planted rows here, and
-- pytests/test_validation.py (DIRTY_FINDINGS) names exactly the rows each one
-- must report. NN by table: 0x organisations, 1x users, 2x parts, 3x
-- inventory, 4x machines, 5x orders, 6x part usage, 7x supplier order items,
-- 8x customer order items and stock adjustments, 9x ids nothing has.
--
-- Problems that the legacy constraints forbid (exact duplicates, dangling
-- references) are injected by dropping the guarding constraint first, as in
-- a database whose constraints were lost. Critical problems (unmapped
-- types/roles, no or several Oraseas EE, no super admin) are not injected:
-- they block every build, even with --force; pytests/fixtures has one each.

alter table organizations drop constraint organizations_name_key;
alter table users drop constraint users_username_key;
alter table users drop constraint users_email_key;
alter table parts drop constraint parts_part_number_key;
alter table inventory drop constraint inventory_organization_id_part_id_key;
alter table inventory drop constraint inventory_organization_id_fkey;
alter table inventory drop constraint inventory_part_id_fkey;
alter table machines drop constraint machines_organization_id_fkey;
alter table supplier_order_items drop constraint supplier_order_items_part_id_fkey;

create temp table dirt_refs on commit drop as
select
    (
        select id from gen_orgs
        where idx = 1
    ) as oraseas,
    (
        select id from gen_orgs
        where kind = 'supplier'
        order by idx limit 1
    ) as supplier,
    (
        select id from gen_orgs
        where kind = 'customer'
        order by idx limit 1
    ) as customer,
    (
        select id from gen_parts
        order by idx limit 1
    ) as first_part,
    (
        select part_number from parts
        order by part_number limit 1
    ) as first_part_number,
    (
        select serial_number from machines
        order by serial_number limit 1
    ) as first_serial,
    (
        select id from supplier_orders
        order by id limit 1
    ) as first_supplier_order,
    (
        select id from customer_orders
        order by id limit 1
    ) as first_customer_order,
    (
        select id from inventory
        order by id limit 1
    ) as first_inventory,
    (
        select id from users
        order by id limit 1
    ) as first_user,
    timestamptz '2025-06-01 12:00:00+00' as later;

-- organisations: blank name (error), exact duplicate name (error), same name in other case (warning)
insert into organizations (id, name, type, created_at, updated_at)
select
    'dd000000-0000-0000-0000-000000000001'::uuid,
    '   ',
    'Customer',
    later,
    later
from dirt_refs
union all
select
    'dd000000-0000-0000-0000-000000000002',
    'Autoboss Inc',
    'Customer',
    later,
    later
from dirt_refs
union all
select
    'dd000000-0000-0000-0000-000000000003',
    'AUTOBOSS INC ',
    'customer',
    later,
    later
from dirt_refs
-- a supplier with no parent (info: it gets Oraseas EE as parent); its admin and stock are below
union all
select
    'dd000000-0000-0000-0000-000000000004',
    'Dirty Supplies Ltd',
    'Supplier',
    later,
    later
from dirt_refs;

-- users
insert into users (id, organization_id, username, password_hash, email, name, role, created_at, updated_at)
select
    v.id::uuid,
    coalesce(v.org, r.customer),
    v.username,
    '$2b$12$dirtydirtydirtydirtydirtydirtydirtydirtydirtydirtydir',
    v.email,
    'Dirty Data',
    v.role,
    r.later,
    r.later
from dirt_refs as r
cross join lateral (
    values
    ('dd000000-0000-0000-0000-000000000011', null::uuid, '', 'blank.username@dirty.example', 'Customer User'),
    ('dd000000-0000-0000-0000-000000000012', null::uuid, 'blank_email', ' ', 'Customer User'),
    ('dd000000-0000-0000-0000-000000000013', null::uuid, 'blank_role', 'blank.role@dirty.example', ''),
    ('dd000000-0000-0000-0000-000000000014', null::uuid, 'superadmin', 'second.superadmin@dirty.example', 'Customer User'),
    ('dd000000-0000-0000-0000-000000000015', null::uuid, 'second_admin_mailbox', 'admin@oraseas.com', 'Customer User'),
    ('dd000000-0000-0000-0000-000000000016', null::uuid, 'SuperAdmin', 'superadmin.lookalike@dirty.example', 'Customer User'),
    ('dd000000-0000-0000-0000-000000000017', null::uuid, 'admin_lookalike', 'ADMIN@oraseas.com', 'Customer User'),
    ('dd000000-0000-0000-0000-000000000018', null::uuid, 'customer_super', 'customer.super@dirty.example', 'super_admin'),
    (
        'dd000000-0000-0000-0000-000000000019',
        'dd000000-0000-0000-0000-000000000004'::uuid,
        'supplier_oraseas_admin',
        'supplier.admin@dirty.example',
        'Oraseas Admin'
    )
) as v (id, org, username, email, role);

-- parts: blank number, blank name, exact duplicate number (errors); conflicting keyword units (warning);
-- names that hold a bulk-material keyword and a counting word or a pack size, in stock (info: kept in pieces);
-- a column the legacy schema does not have, which nothing migrates (error)
alter table parts add column shelf_life_days integer;

insert into parts (id, part_number, name, description, created_at, updated_at)
select
    v.id::uuid,
    v.part_number,
    v.name,
    v.description,
    r.later,
    r.later
from dirt_refs as r
cross join lateral (
    values
    ('dd000000-0000-0000-0000-000000000021', '', 'Nameless Number Gasket', null),
    ('dd000000-0000-0000-0000-000000000022', 'PN-DIRTY-22', '  ', null),
    ('dd000000-0000-0000-0000-000000000023', r.first_part_number, 'Duplicate Numbered Filter', null),
    ('dd000000-0000-0000-0000-000000000024', 'PN-DIRTY-24', 'Grease Oil Blend', 'semi-fluid'),
    ('dd000000-0000-0000-0000-000000000025', 'PN-DIRTY-25', 'Oil Filter', null),
    ('dd000000-0000-0000-0000-000000000026', 'PN-DIRTY-26', 'Hydraulic Oil 20L', 'counted in 20-litre drums')
) as v (id, part_number, name, description);

update parts set shelf_life_days = 365
where id = 'dd000000-0000-0000-0000-000000000024';

-- inventory: orphan organisation, orphan part, negative stock, stock out of numeric(10,3), a second
-- row for one organisation and part, created later (errors); stock of a quarantined part; no location
-- (info); a supplier's stock in two spellings of one location (info: held by a supplier, merged)
insert into inventory (id, organization_id, part_id, location, current_stock, created_at, updated_at)
select
    v.id::uuid,
    v.org,
    v.part,
    v.location,
    v.stock,
    r.later + v.days_later * interval '1 day',
    r.later + v.days_later * interval '1 day'
from dirt_refs as r
cross join lateral (
    values
    ('dd000000-0000-0000-0000-000000000030', 'dd000000-0000-0000-0000-000000000004'::uuid, 'dd000000-0000-0000-0000-000000000025'::uuid, 'Supplier Yard', 6, 0),
    ('dd000000-0000-0000-0000-000000000031', 'dd000000-0000-0000-0000-000000000099'::uuid, r.first_part, 'Ghost Shelf', 7, 0),
    ('dd000000-0000-0000-0000-000000000032', r.oraseas, 'dd000000-0000-0000-0000-000000000098'::uuid, 'Main Warehouse', 3, 0),
    ('dd000000-0000-0000-0000-000000000033', r.customer, 'dd000000-0000-0000-0000-000000000024'::uuid, 'Main Store', -5, 0),
    ('dd000000-0000-0000-0000-000000000034', r.oraseas, 'dd000000-0000-0000-0000-000000000023'::uuid, E'\tShelf  B ', 11, 0),
    ('dd000000-0000-0000-0000-000000000035', r.oraseas, 'dd000000-0000-0000-0000-000000000024'::uuid, 'shelf b', 4, 0),
    ('dd000000-0000-0000-0000-000000000036', r.oraseas, 'dd000000-0000-0000-0000-000000000025'::uuid, 'Main Warehouse', 40, 0),
    ('dd000000-0000-0000-0000-000000000037', r.oraseas, 'dd000000-0000-0000-0000-000000000026'::uuid, 'Main Warehouse', 200, 0),
    ('dd000000-0000-0000-0000-000000000038', r.customer, 'dd000000-0000-0000-0000-000000000026'::uuid, null, 10000000, 0),
    ('dd000000-0000-0000-0000-000000000039', r.oraseas, 'dd000000-0000-0000-0000-000000000026'::uuid, 'Main Warehouse', 5, 1),
    ('dd000000-0000-0000-0000-00000000003a', 'dd000000-0000-0000-0000-000000000004'::uuid, 'dd000000-0000-0000-0000-000000000026'::uuid, ' supplier  yard', 2, 0)
) as v (id, org, part, location, stock, days_later);

-- machines: orphan owner, serial clashing with another organisation's (errors); owned by a supplier (warning)
insert into machines (id, organization_id, model_type, name, serial_number, created_at, updated_at)
select
    v.id::uuid,
    v.org,
    'V4.0',
    v.name,
    v.serial,
    r.later,
    r.later
from dirt_refs as r
cross join lateral (
    values
    ('dd000000-0000-0000-0000-000000000041', 'dd000000-0000-0000-0000-000000000097'::uuid, 'Ghost Machine', 'GHOST-SN-1'),
    ('dd000000-0000-0000-0000-000000000042', r.supplier, 'Second Serial Holder', r.first_serial),
    ('dd000000-0000-0000-0000-000000000043', r.supplier, 'Supplier Test Rig', 'SUP-SN-1')
) as v (id, org, name, serial);

-- orders: unknown statuses (warnings); an ordering user who is quarantined (set NULL, warning)
insert into supplier_orders (id, ordering_organization_id, supplier_name, order_date, status, created_at, updated_at)
select
    'dd000000-0000-0000-0000-000000000051'::uuid,
    oraseas,
    'AutoParts Ltd',
    later,
    'On Hold',
    later,
    later
from dirt_refs;

insert into customer_orders (
    id, customer_organization_id, oraseas_organization_id, order_date, status, ordered_by_user_id, created_at, updated_at
)
select
    'dd000000-0000-0000-0000-000000000052'::uuid,
    customer,
    oraseas,
    later,
    'Back-ordered',
    null::uuid,
    later,
    later
from dirt_refs
union all
select
    'dd000000-0000-0000-0000-000000000053',
    customer,
    oraseas,
    later,
    'Pending',
    'dd000000-0000-0000-0000-000000000018',
    later,
    later
from dirt_refs;

-- an order item for a part that does not exist (error: orphaned reference); one priced numeric 'NaN', one
-- whose quantity does not fit numeric(10,3) (errors)
insert into supplier_order_items (id, supplier_order_id, part_id, quantity, unit_price, created_at, updated_at)
select
    'dd000000-0000-0000-0000-000000000071'::uuid,
    first_supplier_order,
    'dd000000-0000-0000-0000-000000000096'::uuid,
    2,
    5.00,
    later,
    later
from dirt_refs
union all
select
    'dd000000-0000-0000-0000-000000000072'::uuid,
    first_supplier_order,
    first_part,
    3,
    'NaN'::numeric,
    later,
    later
from dirt_refs
union all
select
    'dd000000-0000-0000-0000-000000000073'::uuid,
    first_supplier_order,
    first_part,
    10000000,
    1.00,
    later,
    later
from dirt_refs;

-- a customer order item whose quantity does not fit numeric(10,3) (error)
insert into customer_order_items (id, customer_order_id, part_id, quantity, unit_price, created_at, updated_at)
select
    'dd000000-0000-0000-0000-000000000081'::uuid,
    first_customer_order,
    first_part,
    -10000000,
    2.00,
    later,
    later
from dirt_refs;

-- a stock adjustment whose quantity does not fit numeric(10,3) (error)
insert into stock_adjustments (
    id, inventory_id, user_id, adjustment_date, quantity_adjusted, reason_code, created_at, updated_at
)
select
    'dd000000-0000-0000-0000-000000000086'::uuid,
    first_inventory,
    first_user,
    later,
    10000000,
    'Found Stock',
    later,
    later
from dirt_refs;

-- part usage on a quarantined machine (set NULL) and on another organisation's machine (warnings); a
-- quantity that does not fit numeric(10,3) (error); a usage dated before 2000 (warning)
insert into part_usage (id, customer_organization_id, part_id, usage_date, quantity_used, machine_id, created_at, updated_at)
select
    'dd000000-0000-0000-0000-000000000061'::uuid,
    supplier,
    first_part,
    later,
    1,
    'dd000000-0000-0000-0000-000000000042'::uuid,
    later,
    later
from dirt_refs
union all
select
    'dd000000-0000-0000-0000-000000000062',
    customer,
    first_part,
    later,
    1,
    'dd000000-0000-0000-0000-000000000043',
    later,
    later
from dirt_refs
union all
select
    'dd000000-0000-0000-0000-000000000063',
    customer,
    first_part,
    later,
    10000000,
    null,
    later,
    later
from dirt_refs
union all
select
    'dd000000-0000-0000-0000-000000000064',
    customer,
    first_part,
    timestamptz '1999-12-31 08:00:00+00',
    1,
    null,
    later,
    later
from dirt_refs;
