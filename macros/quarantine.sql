{#
    The three quarantine columns of an intermediate model from an ordered list
    of rules; the first rule that holds decides. Each rule is a dict:
      when:     SQL condition
      reason:   reason code (also the name of the pre-migration check that reports it)
      severity: critical | error
      detail:   SQL expression for one sentence naming the value and the fix
#}
{% macro quarantine_columns(rules) -%}
    case
        {%- for rule in rules %}
        when {{ rule['when'] }} then '{{ rule['reason'] }}'
        {%- endfor %}
    end as quarantine_reason,
    case
        {%- for rule in rules %}
        when {{ rule['when'] }} then '{{ rule['severity'] }}'
        {%- endfor %}
    end as quarantine_severity,
    case
        {%- for rule in rules %}
        when {{ rule['when'] }} then {{ rule['detail'] }}
        {%- endfor %}
    end as quarantine_detail
{%- endmacro %}

{#
    The two rules for a required reference to a parent row: the parent does
    not exist (missing_parent) or is itself quarantined (parent_quarantined).
      column:      the referencing expression (e.g. inventory.organization_id)
      found:       an expression that is NULL when no parent row was joined
      parent_reason: the parent's quarantine_reason expression
      label:       words for the detail ("organisation")
#}
{% macro parent_rules(column, found, parent_reason, label, missing_severity='error') -%}
    {{ return([
        {'when': column ~ ' is not null and ' ~ found ~ ' is null', 'reason': 'missing_parent',
         'severity': missing_severity,
         'detail': "format('" ~ label ~ " %s does not exist', " ~ column ~ ")"},
        {'when': parent_reason ~ ' is not null', 'reason': 'parent_quarantined', 'severity': 'error',
         'detail': "format('" ~ label ~ " %s is quarantined (%s)', " ~ column ~ ", " ~ parent_reason ~ ")"},
    ]) }}
{%- endmacro %}

{#
    Rows sharing a value with an earlier row (by created_at, id): the earliest
    keeps it, later ones are quarantined. Returns the rank expression.
#}
{% macro duplicate_rank(column, key) -%}
    {%- set table_prefix = key.split('.')[0] ~ '.' if '.' in key else '' -%}
    row_number() over (partition by {{ column }} order by {{ table_prefix }}created_at, {{ key }})
{%- endmacro %}
