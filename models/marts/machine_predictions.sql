{{ config(meta={'finalize': {
    'defaults': {'id': 'gen_random_uuid()', 'prediction_date': 'now()', 'created_at': 'now()'},
}}) }}

-- Built empty: the legacy database has nothing for this table. The
-- contract (machine_predictions.yml) gives it the application's columns, types
-- and constraints; the post-hook its defaults, indexes and constraint names.
select
    null::uuid as id,
    null::uuid as machine_id,
    null::uuid as predictive_model_id,
    null::timestamptz as prediction_date,
    null::numeric(5, 4) as failure_probability,
    null::integer as remaining_useful_life,
    null::timestamptz as predicted_failure_date,
    null::{{ enum('maintenancerisklevel') }} as risk_level,
    null::text as prediction_details,
    null::timestamptz as created_at
where false
