from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from analytics.health import HEALTH_LABELS

register = template.Library()


@register.filter
def ago(value: datetime | None) -> str:
    """“3 days ago”: the largest unit only, for tables where “3 days, 4 hours” is too long."""
    if value is None:
        return ""
    if timezone.now() - value < timedelta(minutes=1):
        return "just now"
    return f"{timesince(value, depth=1)} ago"


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@register.filter
def day_month_year(value) -> str:
    """“4 Jan 2027”, as ``|date:"j M Y"`` writes it, without its formatter: the dashboard writes
    hundreds of dates and Django's date filter was a tenth of its time (profiled)."""
    if not value:
        return ""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


TENTH = Decimal("0.1")


@register.filter
def one_decimal(value: float) -> str:
    """A chart coordinate as ``|floatformat:1`` writes it in English (12.5, 0.0, -3.2), without
    its localisation machinery: the dashboard's charts write about 270 and floatformat was a
    third of their time (profiled). Compared with floatformat in tests/test_analytics.py."""
    rounded = Decimal(repr(float(value))).quantize(TENTH, ROUND_HALF_UP)
    return f"{rounded or abs(rounded):f}"  # never "-0.0"


@register.filter
def duration(seconds: int) -> str:
    """45 s, 12 min, 3 h 20 min."""
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


@register.filter
def health_label(state: str) -> str:
    """“At risk” for ``at_risk``: a state stored in an event's data, in words."""
    return HEALTH_LABELS.get(state, state)


@register.filter
def without_full_stop(text: str) -> str:
    """A sentence put in brackets: “(2 buyer tasks overdue)”, not “(… overdue.)”."""
    return text[:-1] if text.endswith(".") else text
