-- A legacy column the models do not read: its values are not migrated.
-- Returns one row per such column with its number of non-null values
-- (macros/legacy_columns.sql generates the counting SQL from the catalog).
{{ config(**check_config('error',
    'legacy column {value}: migrate it (a target column and a rule) or drop it; --force accepts that it is not migrated')) }}

{{ legacy_columns_not_migrated(ref('legacy_schema_columns')) }}
