{#
    The target's PostgreSQL enum types, created inside the shadow schema before
    any model builds so that they move with it at the swap. Labels exactly as
    the application stores them, in order (docs/target-schema.md#enum-types):
      - the six types of the original tables keep the lower-case labels the
        application's triggers and server defaults use (transactiontype and
        machinestatus included, although SQLAlchemy would send member names);
      - the types of the tables the legacy database has nothing for: the
        member NAMES where the model's Enum(PyEnum) persists names
        (upper case), the literal labels of the Alembic revision that
        creates the type (stocktakestatus, inventoryalerttype,
        inventoryalertseverity).
#}
{% macro enum_types() -%}
    {{ return({
        'organizationtype': ['oraseas_ee', 'bossaqua', 'customer', 'supplier'],
        'parttype': ['consumable', 'bulk_material'],
        'userrole': ['user', 'admin', 'super_admin'],
        'userstatus': ['active', 'inactive', 'pending_invitation', 'locked'],
        'transactiontype': ['creation', 'transfer', 'consumption', 'adjustment'],
        'machinestatus': ['active', 'inactive', 'maintenance', 'decommissioned'],
        'transactionapprovalstatus': ['PENDING', 'APPROVED', 'REJECTED'],
        'maintenancetype': ['SCHEDULED', 'UNSCHEDULED', 'REPAIR', 'INSPECTION', 'CLEANING', 'CALIBRATION', 'OTHER'],
        'maintenancerisklevel': ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'],
        'maintenancepriority': ['LOW', 'MEDIUM', 'HIGH', 'URGENT'],
        'maintenancestatus': ['PENDING', 'SCHEDULED', 'IN_PROGRESS', 'COMPLETED', 'CANCELLED'],
        'suppliertype': ['ORASEAS_EE', 'EXTERNAL_SUPPLIER'],
        'orderstatus': ['REQUESTED', 'APPROVED', 'ORDERED', 'SHIPPED', 'RECEIVED', 'CANCELLED'],
        'orderpriority': ['LOW', 'MEDIUM', 'HIGH', 'URGENT'],
        'stocktakestatus': ['planned', 'in_progress', 'completed', 'cancelled'],
        'inventoryalerttype': ['low_stock', 'stockout', 'expiring', 'expired', 'excess', 'discrepancy'],
        'inventoryalertseverity': ['low', 'medium', 'high', 'critical'],
    }) }}
{%- endmacro %}

{# The schema-qualified name of one enum type, for casts and contracts. #}
{% macro enum(name) -%}
    {{ var('shadow_schema') }}.{{ name }}
{%- endmacro %}

{#
    on-run-start: create the shadow schema and its enum types, but only when
    the invocation builds a mart (validation, snapshots and tests never create
    it). Deciding from the selection rather than a var keeps the vars of every
    invocation the same, so dbt's partial parsing is not thrown away.
#}
{% macro prepare_shadow_schema() -%}
    {%- set builds_marts = namespace(value=false) -%}
    {%- if execute and flags.WHICH in ('build', 'run') -%}
        {%- for unique_id in selected_resources -%}
            {%- set node = graph.nodes.get(unique_id) -%}
            {%- if node and node.resource_type == 'model' and node.config.get('schema') == 'next' -%}
                {%- set builds_marts.value = true -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if builds_marts.value -%}
        create schema if not exists {{ adapter.quote(var('shadow_schema')) }};
        {%- for type_name, values in enum_types().items() %}
        do $$ begin
            create type {{ adapter.quote(var('shadow_schema')) }}.{{ type_name }} as enum (
                {%- for value in values %}'{{ value }}'{{ ", " if not loop.last }}{% endfor -%}
            );
        exception when duplicate_object then null;
        end $$;
        {%- endfor %}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
