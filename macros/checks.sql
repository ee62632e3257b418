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

    --force, --strict and report mode are decided when the check runs, not
    when dbt parses the project: error_if is SQL (dbt runs
    `count(*) <error_if>`), and it reads the run's mode from settings the
    harness gives dbt's sessions (check_mode below; harness/dbt_bridge/dbt_runner.py).
    A mode in dbt's vars would make dbt parse the whole project again
    whenever it changes. Report mode (validation) makes no check fail its
    node, so that dbt skips nothing downstream of a finding; the harness
    reads every check's severity and count and decides what blocks.
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
    {%- set never = '>= 2000000000' -%}
    {%- if severity == 'critical' or (severity == 'error' and phase == 'post') -%}
        {%- do config.update({'severity': 'error',
                              'error_if': '!= 0 and not ' ~ check_mode('report')}) -%}
    {%- elif severity == 'error' -%}
        {%- do config.update({'severity': 'error',
                              'error_if': '!= 0 and not (' ~ check_mode('report') ~ ' or ' ~ check_mode('force') ~ ')'}) -%}
    {%- elif severity == 'warning' -%}
        {%- do config.update({'severity': 'warn'}) -%}
    {%- elif error_when_strict -%}
        {%- do config.update({'severity': 'error', 'warn_if': never,
                              'error_if': '!= 0 and ' ~ check_mode('strict') ~ ' and not ' ~ check_mode('report')}) -%}
    {%- else -%}
        {%- do config.update({'severity': 'warn', 'warn_if': never, 'error_if': never}) -%}
    {%- endif -%}
    {{ return(config) }}
{%- endmacro %}

{#
    Whether the run is in a mode (force, strict, report): a setting of the
    session, abparts_migrate.<mode> = on, that the harness passes to every
    connection dbt opens (libpq's options).
#}
{% macro check_mode(mode) -%}
    {%- if mode not in ('force', 'strict', 'report') -%}
        {{ exceptions.raise_compiler_error("check mode must be force, strict or report, not " ~ mode) }}
    {%- endif -%}
    (coalesce(current_setting('abparts_migrate.{{ mode }}', true), 'off') = 'on')
{%- endmacro %}
