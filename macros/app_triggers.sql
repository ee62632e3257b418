{#
    The application's triggers, installed by post-hooks after the load so the
    bulk load is never counted twice. Function bodies resolve tables through
    TG_TABLE_SCHEMA, so they keep working after the shadow schema is renamed
    to the live name at cutover (and back at rollback).
#}

{% macro inventory_update_trigger() -%}
    create or replace function {{ adapter.quote(this.schema) }}.update_inventory_on_transaction() returns trigger
    language plpgsql as $fn$
    declare
        add_sql text := format(
            'insert into %I.inventory as inv (id, warehouse_id, part_id, current_stock,'
            ' minimum_stock_recommendation, unit_of_measure, last_updated, created_at)'
            ' values (gen_random_uuid(), $1, $2, $3, 0, $4, now(), now())'
            ' on conflict (warehouse_id, part_id) do update'
            ' set current_stock = inv.current_stock + excluded.current_stock, last_updated = now()',
            TG_TABLE_SCHEMA);
        subtract_sql text := format(
            'update %I.inventory set current_stock = current_stock - $3, last_updated = now()'
            ' where warehouse_id = $1 and part_id = $2',
            TG_TABLE_SCHEMA);
    begin
        if NEW.transaction_type::text in ('creation', 'adjustment') then
            if NEW.to_warehouse_id is not null then
                execute add_sql using NEW.to_warehouse_id, NEW.part_id, NEW.quantity, NEW.unit_of_measure;
            end if;
        elsif NEW.transaction_type::text = 'transfer' then
            if NEW.from_warehouse_id is not null then
                execute subtract_sql using NEW.from_warehouse_id, NEW.part_id, NEW.quantity;
            end if;
            if NEW.to_warehouse_id is not null then
                execute add_sql using NEW.to_warehouse_id, NEW.part_id, NEW.quantity, NEW.unit_of_measure;
            end if;
        elsif NEW.transaction_type::text = 'consumption' then
            if NEW.from_warehouse_id is not null then
                execute subtract_sql using NEW.from_warehouse_id, NEW.part_id, NEW.quantity;
            end if;
        end if;
        return NEW;
    end
    $fn$;
    create trigger trigger_update_inventory_on_transaction
        after insert on {{ this }}
        for each row execute function {{ adapter.quote(this.schema) }}.update_inventory_on_transaction();
{%- endmacro %}

{% macro inventory_balance_trigger() -%}
    create or replace function {{ adapter.quote(this.schema) }}.check_inventory_balance() returns trigger
    language plpgsql as $fn$
    begin
        if NEW.current_stock < 0 then
            raise exception 'Insufficient inventory: stock cannot be negative (warehouse %, part %)',
                NEW.warehouse_id, NEW.part_id;
        end if;
        return NEW;
    end
    $fn$;
    create trigger trigger_check_inventory_balance
        before update on {{ this }}
        for each row execute function {{ adapter.quote(this.schema) }}.check_inventory_balance();
{%- endmacro %}

{#
    super_admin_oraseas_only cannot be a CHECK (PostgreSQL forbids subqueries
    there): a deferred constraint trigger on users, plus one on organizations
    so that an organisation holding super admins cannot stop being oraseas_ee.
#}
{% macro super_admin_oraseas_only_trigger() -%}
    create or replace function {{ adapter.quote(this.schema) }}.check_super_admin_oraseas_only() returns trigger
    language plpgsql as $fn$
    declare
        offending uuid;
    begin
        execute format(
            'select u.id from %1$I.users u join %1$I.organizations o on o.id = u.organization_id'
            ' where u.role = ''super_admin'' and o.organization_type <> ''oraseas_ee'''
            ' and (u.id = $1 or o.id = $1) limit 1',
            TG_TABLE_SCHEMA)
            into offending using NEW.id;
        if offending is not null then
            raise exception 'super_admin_oraseas_only: super_admin user % is not in the oraseas_ee organisation',
                offending;
        end if;
        return null;
    end
    $fn$;
    create constraint trigger super_admin_oraseas_only
        after insert or update of role, organization_id on {{ this }}
        deferrable initially deferred
        for each row execute function {{ adapter.quote(this.schema) }}.check_super_admin_oraseas_only();
    create constraint trigger super_admin_oraseas_only
        after update of organization_type on {{ adapter.quote(this.schema) }}.organizations
        deferrable initially deferred
        for each row execute function {{ adapter.quote(this.schema) }}.check_super_admin_oraseas_only();
{%- endmacro %}
