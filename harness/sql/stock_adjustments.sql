-- legacy stock_adjustments as the application's startup create_all makes it
-- (not in the init script): no server default on its id. Runs with
-- search_path set to the schema it goes into; the sample generator adds its
-- foreign keys, the stage (which holds a copy) does not need them.
create table stock_adjustments (
    id uuid not null primary key,
    inventory_id uuid not null,
    user_id uuid not null,
    adjustment_date timestamp with time zone default now() not null,
    quantity_adjusted integer not null,
    reason_code varchar(100) not null,
    notes text,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null
);
