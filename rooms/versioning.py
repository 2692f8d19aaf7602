"""The room's content version: what the room page's cache is keyed on (web.room_page).

Every write that changes what the page shows calls ``room_touch`` inside its own transaction:
``rooms.events.event_record`` does for every recorded event, and ``rooms.ordering.move`` for
the reorderings, which record none. A reader who sees the new version
therefore sees the new content, and a page cached under an old version is never served again.
"""

from django.db.models import F

from rooms.models import Room


def room_touch(room_id: int) -> None:
    """The room's page has changed: a new version, so a new cache key."""
    Room.objects.filter(pk=room_id).update(content_version=F("content_version") + 1)
