import uuid

from django.conf import settings
from django.db import models

from outbox.models import Delivery

# Standard Webhooks' retry schedule, stretched to about three days: the delay after attempt n.
WEBHOOK_RETRY_DELAYS = [10, 300, 1800, 7200, 18000, 36000, 50400, 72000, 72000]


class WebhookEndpoint(models.Model):
    """Where an organisation's webhooks go: a URL, the event types it wants, and its secret
    (Standard Webhooks' ``whsec_`` + base64), shown once to the admin who made or rotated it and
    kept here to sign every delivery."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(default=list)  # webhook event types (integrations.events)
    include_internal = models.BooleanField(default=False)
    secret = models.CharField(max_length=100)
    # A rotated secret keeps signing, beside the new one, until this passes (receivers switch).
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    # The first failure of the current run of failures; cleared by a success.
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(Delivery):
    """One event for one endpoint, written in the transaction that recorded the event. Its body
    is fixed then; it is signed as it is sent, with the endpoint's secret of that moment."""

    max_attempts = len(WEBHOOK_RETRY_DELAYS) + 1

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_type = models.CharField(max_length=64)
    payload = models.JSONField()
    # The last attempt's answer: status, time and the first bytes of its body.
    response_status = models.PositiveIntegerField(null=True, blank=True)
    response_ms = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "created_at"], name="integ_webhook_status_idx"),
            models.Index(fields=["endpoint", "created_at"], name="integ_webhook_endpoint_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} to {self.endpoint_id} ({self.status})"

    @staticmethod
    def backoff_seconds(attempts: int) -> int:
        return WEBHOOK_RETRY_DELAYS[min(attempts, len(WEBHOOK_RETRY_DELAYS)) - 1]


class WebhookAttempt(models.Model):
    """Every attempt of a delivery, kept for the endpoint's log."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField(auto_now_add=True)
    status = models.PositiveIntegerField(null=True, blank=True)
    ms = models.PositiveIntegerField(default=0)
    body = models.TextField(blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.delivery_id}: {self.status or self.error}"


class ChatKind(models.TextChoices):
    SLACK = "slack", "Slack"
    TEAMS = "teams", "Microsoft Teams"


class ChatChannel(models.Model):
    """An incoming-webhook URL of Slack or Teams that hears buyer activity: of every room of the
    organisation, or of one room. Batched like the alert emails: the first buyer action in a
    quiet channel schedules a message, later ones ride along."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="chat_channels"
    )
    room = models.ForeignKey(
        "rooms.Room", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=8, choices=ChatKind.choices)
    url = models.URLField(max_length=2000)
    name = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)
    # The batching state (integrations.chat).
    due_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_event_id = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name or self.url[:40]}"


class ChatMessage(Delivery):
    """One batched message to a chat channel, written when its batch is due."""

    max_attempts = 6

    channel = models.ForeignKey(ChatChannel, on_delete=models.CASCADE, related_name="messages")
    body = models.JSONField()
    response_status = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"], name="integ_chat_status_idx")]

    def __str__(self) -> str:
        return f"message to {self.channel_id} ({self.status})"


class CalendarFeed(models.Model):
    """A person's secret calendar URL. Only its hash is kept (as for buyer links): the URL is
    shown once. A seller's feed covers their rooms; a buyer's, the room of its stakeholder."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    stakeholder = models.ForeignKey(
        "stakeholders.Stakeholder",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"calendar of {self.user_id}"
