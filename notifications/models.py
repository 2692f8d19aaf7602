from django.db import models


class EmailStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class OutboundEmail(models.Model):
    """One email Tandem means to send, written in the same transaction as its cause.

    The key makes the intention unique (``invitation:<id>:<token hash>``): writing it twice
    is a no-op, so a retried request or task never queues a second copy. A worker sends it
    (``notifications.tasks.email_send``); a periodic sweep picks up what the broker never
    delivered.
    """

    key = models.CharField(max_length=200, unique=True)
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
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"])]

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


class EmailPreference(models.Model):
    """What one address does not want. Keyed by address, so that a buyer who has never signed
    in can unsubscribe too."""

    email = models.EmailField(max_length=254, unique=True)
    muted = models.JSONField(default=list, blank=True)  # a list of Kind values
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.email} mutes {', '.join(self.muted) or 'nothing'}"
