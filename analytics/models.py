import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Organisation
from rooms.models import Room

# What counts as looking rather than doing: views make visits; everything else is an action.
VIEW_KINDS = ("room.viewed", "task.viewed", "resource.opened")
# The seconds a page stayed visible (the room page's beacon).
TIME_KIND = "room.time"
# What the activity feed shows: every change, and a view only when it starts a visit.
IN_FEED = ~models.Q(kind__in=(*VIEW_KINDS, TIME_KIND)) | models.Q(starts_visit=True)
# What buyer alerts leave out (notifications.alerts): a file opened is news, reading is not.
QUIET_KINDS = ("room.viewed", "task.viewed", TIME_KIND)
# A buyer's link opened: it leads to a view of the room, which is what counts; the event
# itself only says when they were last active.
LINK_KINDS = ("buyer.first_visit", "invitation.opened")


class Event(models.Model):
    """Who did what in a room, and when. Append-only: rows are never updated.

    Shaped for PostgreSQL's partitioning by month on ``created_at`` (README, "Scaling"):
    nothing points at an event, and the only unique key, the idempotency key ``public_id``, is
    unique together with ``created_at``, as a partitioned table requires. A producer fixes
    both before it queues the event, so a retried task inserts the same pair and is ignored.
    """

    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Which side acted: buyer activity is what alerts, health and the dashboard look at.
    actor_side = models.CharField(max_length=8, blank=True)
    stakeholder = models.ForeignKey(
        "stakeholders.Stakeholder", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=40)
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
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["room", "-created_at"]),
            models.Index(fields=["room", "actor", "created_at"]),
            # The activity feed skips reading (views that continue a visit, seconds on the
            # page); without its own index a much-viewed room would scan all of them.
            models.Index(fields=["room", "-created_at"], name="event_feed_idx", condition=IN_FEED),
        ]
        constraints = [
            models.UniqueConstraint(fields=["public_id", "created_at"], name="event_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.summary}"


class DailyActivity(models.Model):
    """One person's activity in one room on one day (UTC): what dashboards read.

    Rebuilt from the events of that room and day (analytics.rollups), never incremented, so
    a rebuild run twice, or at the same time as another, gives the same numbers.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    stakeholder = models.ForeignKey(
        "stakeholders.Stakeholder", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    side = models.CharField(max_length=8)
    views = models.PositiveIntegerField(default=0)
    visits = models.PositiveIntegerField(default=0)
    seconds = models.PositiveIntegerField(default=0)
    actions = models.PositiveIntegerField(default=0)
    # {"task:<public id>": times opened, "resource:<public id>": ...}
    opened = models.JSONField(default=dict, blank=True)
    last_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "day", "user"], name="daily_activity_unique"),
        ]
        indexes = [
            models.Index(fields=["organisation", "day"]),
            models.Index(fields=["room", "day"]),
            # The dashboard's sums over 30 days and 12 weeks read only this (index-only scans
            # on PostgreSQL); and each room's last buyer activity is one probe of it.
            models.Index(
                fields=["room", "side", "day"],
                name="dailyactivity_dashboard_idx",
                include=["visits", "views", "seconds", "user", "last_at"],
            ),
            models.Index(fields=["room", "side", "-last_at"], name="dailyactivity_last_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in room {self.room_id} on {self.day}"
