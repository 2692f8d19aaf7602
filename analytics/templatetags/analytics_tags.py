from datetime import datetime

from django import template
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def ago(value: datetime | None) -> str:
    """“3 days ago”: the largest unit only, for tables where “3 days, 4 hours” is too long."""
    if value is None:
        return ""
    return f"{timesince(value, depth=1)} ago"
