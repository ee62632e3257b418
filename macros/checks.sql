{#
    Config of a validation check (a dbt test). Severities as the original
    validator's: critical, error, warning, info.
      critical -> dbt error, always
      error    -> dbt error; warn with --force in the pre-migration phase
                  (the offending rows are quarantined instead)
      warning  -> dbt warn
      info     -> stored only (never warns; the harness reads the count)
    Every check stores its failing rows (id, value) so the harness can show
    examples. Use in singular tests: {{ config(**check_config(severity, fix)) }};
    what the check means is the test's description (tests/_tests.yml).
#}
{% macro check_config(severity, fix, phase='pre') -%}
    {%- set config = {
        'store_failures': true,
        'meta': {'check_severity': severity, 'check_phase': phase, 'fix': fix},
    } -%}
    {%- if severity == 'critical' -%}
        {%- do config.update({'severity': 'error'}) -%}
    {%- elif severity == 'error' -%}
        {%- do config.update({'severity': 'warn' if (phase == 'pre' and var('force')) else 'error'}) -%}
    {%- elif severity == 'warning' -%}
        {%- do config.update({'severity': 'warn'}) -%}
    {%- else -%}
        {%- do config.update({'severity': 'warn', 'warn_if': '>= 2000000000', 'error_if': '>= 2000000000'}) -%}
    {%- endif -%}
    {{ return(config) }}
{%- endmacro %}
