"""What the core announces, for the layers above it to act on (wired in their AppConfig.ready).

Sent inside the transaction of the write, so a receiver's own writes (an email in the outbox)
commit or roll back with it. Receivers do no more than call a service.
"""

from django.dispatch import Signal

# An organisation invitation was made or re-sent: kwargs ``invitation`` and ``token``, the
# secret of its link, which exists nowhere else (the database keeps only its hash).
invitation_issued = Signal()

# Something happened to an organisation that its audit log keeps (a member's role, an
# invitation, an API token, a setting): kwargs ``organisation_id``, ``actor`` (a User or None),
# ``kind`` (an activity.kinds.EventKind value, which the core cannot import), ``summary`` (in
# words, without the actor: "changed ada@example.com's role from rep to manager") and ``data``
# (a dict). The event log (activity) records it, as an event with no room.
organisation_event = Signal()

# A person's name changed: kwarg ``user``. Rooms show names on cached pages, so the rooms
# layer gives the rooms that show theirs new versions (rooms.versioning).
user_renamed = Signal()
