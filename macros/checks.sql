{#
    The severity policy of the validation checks, stated once. Every check is
    a dbt test: the project's generic tests (macros/generic_tests/) take
    check_severity, check_phase and fix as arguments and call this macro in
    their body; singular tests call it in their config():
        {{ config(**check_config('error', 'fix hint naming {value}', phase='post')) }}
    What a check means is its test's description.

    Severities, as the original validator's:
      critical -> dbt error, always (never forced)
      error    -> dbt error; warn with --force in the pre-migration phase
                  (the offending rows are quarantined instead)
      warning  -> dbt warn
      info     -> stored only (never warns; the harness reads the count);
                  with error_when_strict, an error under --strict
    Every check stores its failing rows (id, value) so the harness can show
    the count, examples and the fix hint ({value} = the first value).
#}
{% macro check_config(severity, fix, phase='pre', error_when_strict=false) -%}
    {%- if severity not in ('critical', 'error', 'warning', 'info') -%}
        {{ exceptions.raise_compiler_error(
            "check_severity must be critical, error, warning or info, not " ~ severity) }}
    {%- endif -%}
    {%- if phase not in ('pre', 'post') -%}
        {{ exceptions.raise_compiler_error("check_phase must be pre or post, not " ~ phase) }}
    {%- endif -%}
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
    {%- elif error_when_strict and var('strict', false) -%}
        {%- do config.update({'severity': 'error', 'warn_if': '!= 0', 'error_if': '!= 0'}) -%}
    {%- else -%}
        {%- do config.update({'severity': 'warn', 'warn_if': '>= 2000000000', 'error_if': '>= 2000000000'}) -%}
    {%- endif -%}
    {{ return(config) }}
{%- endmacro %}
