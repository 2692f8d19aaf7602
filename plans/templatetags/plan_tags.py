from datetime import date

from django import template
from django.utils import timezone
from django.utils.formats import date_format

from rooms.models import Direction, Room

register = template.Library()


@register.filter
def short_date(day: date | None) -> str:
    """ "5 Jan" this year, "5 Jan 2027" in another: plans often cross a new year."""
    if day is None:
        return ""
    return date_format(day, "j M" if day.year == timezone.localdate().year else "j M Y")


@register.filter
def offset_from(day: date | None, room: Room) -> str:
    """A template's date as the offset it stands for: "T−14" (days before the target date) or
    "Day 5" (after the start date)."""
    if day is None:
        return ""
    days = (day - room.anchor_date).days
    if room.direction == Direction.FORWARD:
        return f"Day {days}"
    if days == 0:
        return "Target date"
    return f"T−{-days}" if days < 0 else f"T+{days}"
