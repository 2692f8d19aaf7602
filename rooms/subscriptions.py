"""What the rooms layer hears of (wired in rooms.apps): stored events that the activity feed
lists, and people's new names, both of which show on cached room pages (rooms.versioning)."""

from accounts.signals import user_renamed
from activity.subscriptions import subscribe
from rooms.versioning import feed_moved, person_renamed


def connect() -> None:
    subscribe("rooms.feed_version", feed_moved)
    user_renamed.connect(person_renamed, dispatch_uid="rooms.person_renamed")
