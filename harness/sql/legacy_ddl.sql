-- The legacy ABParts schema (pfthomaz/abparts @ 3328743): the init script's
-- DDL. stock_adjustments, which only the application's startup create_all
-- makes, is in stock_adjustments.sql. Runs with search_path set to the live
-- schema, where uuid-ossp (or, on servers without it, a stand-in
-- uuid_generate_v4()) already lives. Constraint names are PostgreSQL's
-- generated ones, as in a database built from the script.

create table organizations (
    id uuid primary key default uuid_generate_v4(),
    name varchar(255) unique not null,
    type varchar(50) not null,
    address text,
    contact_info text,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null
);

create table users (
    id uuid primary key default uuid_generate_v4(),
    organization_id uuid not null references organizations (id),
    username varchar(255) unique not null,
    password_hash text not null,
    email varchar(255) unique not null,
    name varchar(255),
    role varchar(50) not null,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null
);

create table machines (
    id uuid primary key default uuid_generate_v4(),
    organization_id uuid not null references organizations (id),
    model_type varchar(100) not null,
    name varchar(255) not null,
    serial_number varchar(255) not null,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    unique (organization_id, serial_number)
);

create table parts (
    id uuid primary key default uuid_generate_v4(),
    part_number varchar(255) unique not null,
    name varchar(255) not null,
    description text,
    is_proprietary boolean default false not null,
    is_consumable boolean default false not null,
    manufacturer_delivery_time_days integer,
    local_supplier_delivery_time_days integer,
    image_urls text[],
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null
);

create table inventory (
    id uuid primary key default uuid_generate_v4(),
    organization_id uuid not null references organizations (id),
    part_id uuid not null references parts (id),
    location varchar(255),
    current_stock integer default 0 not null,
    minimum_stock_recommendation integer default 0 not null,
    reorder_threshold_set_by varchar(50),
    last_recommendation_update timestamp with time zone,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    unique (organization_id, part_id)
);

create index idx_inventory_location on inventory (location);

create table supplier_orders (
    id uuid primary key default uuid_generate_v4(),
    ordering_organization_id uuid not null references organizations (id),
    supplier_name varchar(255) not null,
    order_date timestamp with time zone not null,
    expected_delivery_date timestamp with time zone,
    actual_delivery_date timestamp with time zone,
    status varchar(50) not null,
    notes text,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null
);

create table supplier_order_items (
    id uuid primary key default uuid_generate_v4(),
    supplier_order_id uuid not null references supplier_orders (id),
    part_id uuid not null references parts (id),
    quantity integer default 1 not null,
    unit_price numeric(10, 2),
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null
);

create table customer_orders (
    id uuid primary key default uuid_generate_v4(),
    customer_organization_id uuid not null references organizations (id),
    oraseas_organization_id uuid not null references organizations (id),
    order_date timestamp with time zone not null,
    expected_delivery_date timestamp with time zone,
    actual_delivery_date timestamp with time zone,
    status varchar(50) not null,
    ordered_by_user_id uuid references users (id),
    notes text,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null
);

create table customer_order_items (
    id uuid primary key default uuid_generate_v4(),
    customer_order_id uuid not null references customer_orders (id),
    part_id uuid not null references parts (id),
    quantity integer default 1 not null,
    unit_price numeric(10, 2),
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null
);

create table part_usage (
    id uuid primary key default uuid_generate_v4(),
    customer_organization_id uuid not null references organizations (id),
    part_id uuid not null references parts (id),
    usage_date timestamp with time zone not null,
    quantity_used integer default 1 not null,
    machine_id uuid references machines (id),
    recorded_by_user_id uuid references users (id),
    notes text,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null
);
