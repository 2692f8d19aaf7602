from django.db import models


class BuyerAlertState(models.Model):
    """Where a room's buyer-activity alerts stand (notifications.alerts)."""

    room = models.OneToOneField("rooms.Room", on_delete=models.CASCADE, related_name="+")
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_event_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"alerts of room {self.room_id}"


class NoticeKind(models.TextChoices):
    DUE_SOON = "due_soon", "Due soon"
    OVERDUE = "overdue", "Overdue"
    MENTION = "mention", "Mention"


class Notice(models.Model):
    """One thing to tell one person: a task's reminder or an @mention. Several ride in one email
    (one reminder email per person per day; mentions grouped). The key makes it happen once:
    ``due_soon:<task>:<due date>`` — a new due date is a new key, so moving the date allows new
    reminders."""

    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=16, choices=NoticeKind.choices)
    email = models.ForeignKey(
        "outbox.OutboundEmail", on_delete=models.CASCADE, related_name="notices"
    )
    stakeholder = models.ForeignKey(
        "stakeholders.Stakeholder", on_delete=models.CASCADE, related_name="+"
    )
    task = models.ForeignKey(
        "plans.Task", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)  # the task's, when the notice was made
    comment = models.ForeignKey(
        "plans.Comment", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["task", "kind", "due_date"])]

    def __str__(self) -> str:
        return self.key


class SweepLock(models.Model):
    """One row per sweep: a sweep holds its row (skip_locked) so that a second beat or a hand
    run at the same moment skips instead of doing the work twice."""

    name = models.CharField(max_length=40, primary_key=True)
    last_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
