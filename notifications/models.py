import uuid

from django.db import models


class EmailStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    # Claimed by a worker, which is handing it to the mail server. A row that stays here was
    # interrupted (the worker died): it may or may not have been delivered, so it is never
    # sent again automatically (never twice) but shown to the organisation's admins.
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    # Nothing left to say when it was due: every task it reminded of was done or re-dated,
    # or the address turned that kind of email off.
    CANCELLED = "cancelled", "Cancelled"


class OutboundEmail(models.Model):
    """One email Tandem means to send, written in the same transaction as its cause.

    The key makes the intention unique (``invitation:<id>:<token hash>``): writing it twice
    is a no-op, so a retried request or task never queues a second copy. A worker sends it
    (``notifications.tasks.email_send``); a periodic sweep picks up what the broker never
    delivered.
    """

    key = models.CharField(max_length=200, unique=True)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Whose email it is: its organisation's admins see its delivery (web.views.notifications).
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=16, blank=True)  # a Kind: checked again at send time
    # Set for emails written when they are sent, from their notices (notifications.compose):
    # a reminder about a task completed or re-dated since it was queued says nothing of it.
    compose = models.CharField(max_length=16, blank=True)
    to = models.EmailField(max_length=254)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    # Bodies that carry a secret link are erased once sent: the link's token then lives only
    # in the recipient's mailbox (the database keeps its hash).
    scrub_after_send = models.BooleanField(default=False)
    status = models.CharField(
        max_length=16, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    # When a failed email may be tried again (the sweep respects the retries' backoff).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["organisation", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.key} to {self.to} ({self.status})"


class BuyerAlertState(models.Model):
    """Where a room's buyer-activity alerts stand (notifications.alerts)."""

    room = models.OneToOneField("rooms.Room", on_delete=models.CASCADE, related_name="+")
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_event_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"alerts of room {self.room_id}"


class Kind(models.TextChoices):
    """The emails a person may turn off. Invitations and sign-in links are not among them."""

    ALERTS = "alerts", "Buyer activity in my rooms"
    MENTIONS = "mentions", "When someone @mentions me"
    REMINDERS = "reminders", "Reminders of my tasks before they are due and when overdue"
    DIGEST = "digest", "A morning digest of yesterday in my rooms (sellers)"


class EmailPreference(models.Model):
    """What one address does not want. Keyed by address, so that a buyer who has never signed
    in can unsubscribe too."""

    email = models.EmailField(max_length=254, unique=True)
    muted = models.JSONField(default=list, blank=True)  # a list of Kind values
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.email} mutes {', '.join(self.muted) or 'nothing'}"


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
    email = models.ForeignKey(OutboundEmail, on_delete=models.CASCADE, related_name="notices")
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
