import uuid

from django.db import models


class DeliveryStatus(models.TextChoices):
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


# The name the email code has always used.
EmailStatus = DeliveryStatus


class Delivery(models.Model):
    """What every kind of delivery shares (emails today; webhook and chat messages next): one
    row written in the same transaction as its cause, claimed by one worker, sent at most once,
    retried with backoff, and left visible to the organisation's admins when it fails
    (outbox.delivery holds the machinery; a transport says how one row is sent).

    The key makes the intention unique (``invitation:<id>:<token hash>``): writing it twice
    is a no-op, so a retried request or task never queues a second copy.
    """

    key = models.CharField(max_length=200, unique=True)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Whose delivery it is: its organisation's admins see it (web.views.notifications).
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    # When a failed delivery may be tried again (the sweep respects the retries' backoff).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class OutboundEmail(Delivery):
    """One email Tandem means to send. A worker sends it (``outbox.tasks.email_send``); a
    periodic sweep picks up what the broker never delivered."""

    kind = models.CharField(max_length=16, blank=True)  # a Kind: checked again at send time
    # Set for emails written when they are sent, from their notices (a composer: outbox.composers):
    # a reminder about a task completed or re-dated since it was queued says nothing of it.
    compose = models.CharField(max_length=16, blank=True)
    # What the email is about, as "<scope>:<id>" ("room:42"): when it is claimed, the check
    # registered for its scope (outbox.composers) says whether the address may still hear of
    # it. The outbox itself knows no room.
    topic = models.CharField(max_length=64, blank=True)
    to = models.EmailField(max_length=254)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    # Bodies that carry a secret link are erased once sent: the link's token then lives only
    # in the recipient's mailbox (the database keeps its hash).
    scrub_after_send = models.BooleanField(default=False)

    class Meta:
        # Made by the notifications app, before the outbox was its own layer.
        db_table = "notifications_outboundemail"
        indexes = [
            models.Index(fields=["status", "created_at"], name="notificatio_status_6c3944_idx"),
            models.Index(fields=["organisation", "status"], name="notificatio_organis_efb4c8_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.key} to {self.to} ({self.status})"


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

    class Meta:
        db_table = "notifications_emailpreference"

    def __str__(self) -> str:
        return f"{self.email} mutes {', '.join(self.muted) or 'nothing'}"
