import uuid

from django.db import models


class InboundStatus(models.TextChoices):
    RECEIVED = "received", "Received"  # waiting for a worker
    ACCEPTED = "accepted", "Accepted"  # its comment, tick or files are in the room
    REFUSED = "refused", "Refused"  # the reason says why; nothing of it is in the room


class InboundMessage(models.Model):
    """One email received at a reply address, once: its Message-ID is unique, so the same
    message delivered twice (a retrying server, both the SMTP server and a webhook) is stored
    once and acted on once. The raw message is kept only until a worker has handled it; what
    stays is this log of who wrote, where, and what became of it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    message_id = models.CharField(max_length=300, unique=True)
    via = models.CharField(max_length=32)  # "smtp", "postmark", ...
    sender = models.CharField(max_length=254, blank=True)  # the From address
    recipient = models.CharField(max_length=254, blank=True)  # the reply address used
    raw = models.BinaryField(blank=True, default=b"")
    size = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=16, choices=InboundStatus.choices, default=InboundStatus.RECEIVED
    )
    reason = models.CharField(max_length=300, blank=True)
    room_id_seen = models.PositiveIntegerField(null=True, blank=True)  # for the log only
    received_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "received_at"], name="inbound_status_idx")]

    def __str__(self) -> str:
        return f"{self.message_id} from {self.sender} ({self.status})"
