from django.conf import settings
from django.db import models

from accounts.models import Organisation
from rooms.models import Room


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


class RoomHealthState(models.Model):
    """A room's last known health (analytics.health computes it when read): what the sweep and
    the checks after each change compare with, so that a change is recorded as a
    ``room.health_changed`` event once (analytics.health_changes).

    Written only there, by a conditional update under the row's lock: two checks at once
    announce one change. A room's first computation is stored, not announced.
    """

    room = models.OneToOneField(Room, on_delete=models.CASCADE, primary_key=True, related_name="+")
    state = models.CharField(max_length=12)  # analytics.health: on_track, at_risk, stalled, closed
    reason = models.CharField(max_length=300)
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"room {self.room_id}: {self.state}"


class WeeklyActivity(models.Model):
    """One side's views and visits in one room over one week (Monday to Sunday, UTC days):
    the sums of that week's DailyActivity rows, for the dashboard's weekly chart.

    The chart over 12 weeks of 500 rooms summed about 117,000 daily rows per request (a person
    a day); at this grain it sums a room a week, about 6,000 (profiled). Kept by the same
    rebuild as the daily rows (analytics.rollups), in the same transaction.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    # The unique constraint's index starts with the room: a second index would only cost writes.
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+", db_index=False)
    side = models.CharField(max_length=8)
    week = models.DateField()  # its Monday
    views = models.PositiveIntegerField(default=0)
    visits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            # The chart's sums read only this index (index-only scans on PostgreSQL).
            models.UniqueConstraint(
                fields=["room", "side", "week"],
                name="weekly_activity_unique",
                include=["visits", "views"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.side} in room {self.room_id}, week of {self.week}"
