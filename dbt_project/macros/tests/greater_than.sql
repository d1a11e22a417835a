{#- Fails on every row whose value is not strictly greater than `value`; nulls pass. -#}
{% test greater_than(model, column_name, value) %}
select {{ column_name }} as not_greater_value
from {{ model }}
where {{ column_name }} <= {{ value }}
{% endtest %}
