import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from activity.kinds import IN_FEED


class Event(models.Model):
    """Who did what in a room (or, with no room, to the organisation), and when. Append-only:
    rows are never updated (erasing a person is the one exception: governance.erasure).

    Shaped for PostgreSQL's partitioning by month on ``created_at`` (README, "Scaling"):
    nothing points at an event, and the only unique key, the idempotency key ``public_id``, is
    unique together with ``created_at``, as a partitioned table requires. A producer fixes
    both before it queues the event, so a retried task inserts the same pair and is ignored.
    """

    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    # The log sits below the rooms (it imports none of them): the room is named by its label.
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    # None for an event of the organisation itself (a member's role, an API token: kinds.py).
    room = models.ForeignKey(
        "rooms.Room", on_delete=models.CASCADE, related_name="events", null=True, blank=True
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Which side acted: buyer activity is what alerts, health and the dashboard look at.
    actor_side = models.CharField(max_length=8, blank=True)
    stakeholder = models.ForeignKey(
        "stakeholders.Stakeholder", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=40)  # an EventKind (activity.kinds)
    summary = models.CharField(max_length=300)
    is_internal = models.BooleanField(default=False)
    data = models.JSONField(default=dict, blank=True)
    # For room.time: how long the page stayed visible.
    seconds = models.PositiveIntegerField(default=0)
    # A view with no view by the same person in the room in the 30 minutes before it.
    starts_visit = models.BooleanField(default=False)
    # When it happened (set by the producer) and when it was written (rollups follow this).
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    stored_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        # Made by the analytics app, before the log was its own layer; the name is kept (and
        # README's partitioning recipe with it).
        db_table = "analytics_event"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["room", "-created_at"], name="analytics_e_room_id_e0f076_idx"),
            models.Index(
                fields=["room", "actor", "created_at"], name="analytics_e_room_id_b7e5d2_idx"
            ),
            # The activity feed skips reading (views that continue a visit, seconds on the
            # page); without its own index a much-viewed room would scan all of them.
            models.Index(fields=["room", "-created_at"], name="event_feed_idx", condition=IN_FEED),
        ]
        constraints = [
            models.UniqueConstraint(fields=["public_id", "created_at"], name="event_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.summary}"
