"""The room's content version: what the room page's cache is keyed on (web.room_page).

Every write that changes what the page shows calls ``room_touch`` inside its own transaction:
``rooms.events.event_record`` does for every recorded event, and ``rooms.ordering.move`` for
the reorderings, which record none. A reader who sees the new version
therefore sees the new content, and a page cached under an old version is never served again.
"""

from typing import Any

from django.db.models import F, Q

from activity.kinds import in_feed
from activity.subscriptions import Recorded
from rooms.models import Room
from stakeholders.models import Stakeholder


def room_touch(room_id: int) -> None:
    """The room's page has changed: a new version, so a new cache key."""
    Room.objects.filter(pk=room_id).update(content_version=F("content_version") + 1)


def feed_touch(room_id: int) -> None:
    """An event the feed lists was recorded for the room without changing its content (a
    health change): a new feed version. A change of content needs none: the feed's key holds
    the content version too."""
    Room.objects.filter(pk=room_id).update(feed_version=F("feed_version") + 1)


def feed_moved(recorded: Recorded) -> None:
    """A subscription (rooms.subscriptions), in the storing transaction: the rooms whose feed
    lists one of these events from the view buffer (a visit starting, a link opened: no
    content changed) get a new feed version. A domain service's events need none: they move
    the content version (``event_record``). The rooms are locked in order of their keys, so two
    workers storing batches of the same rooms wait for each other, never deadlock."""
    if not recorded.buffered:
        return
    ids = {
        event.room_id
        for event in recorded.events
        if event.room_id is not None and in_feed(event.kind, event.starts_visit)
    }
    if not ids:
        return
    locked = list(
        Room.objects.select_for_update(no_key=True)
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk")
    )
    if locked:
        Room.objects.filter(pk__in=ids).update(feed_version=F("feed_version") + 1)


def person_renamed(*, user: Any, **kwargs: Any) -> None:
    """A receiver of accounts.signals.user_renamed (rooms.apps): a name shows in the rooms of
    the person's organisations (owner, team, feed) and in those they are a buyer of, whose
    cached pages and feeds must not keep the old one."""
    theirs = Room.objects.filter(
        Q(organisation__memberships__user=user)
        | Q(pk__in=Stakeholder.objects.filter(user=user).values("room_id"))
    )
    Room.objects.filter(pk__in=theirs.values("pk")).update(
        content_version=F("content_version") + 1, feed_version=F("feed_version") + 1
    )
