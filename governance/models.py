import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnlyError(Exception):
    """The audit log is never changed: rows are added, and only the retention purge
    (governance.audit.audit_purge) removes old ones."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The audit log is append-only.")

    def delete(self):
        raise AppendOnlyError("The audit log is append-only.")


class AuditEntry(models.Model):
    """One administrative action in an organisation: who, what, when and from where.

    A projection of the event log (governance.audit.audit_on_recorded): each entry is one
    event of an audited kind, with what the event does not keep copied in (the actor's address
    and the room's name as they were, the address the request came from). Append-only: no
    code path updates or deletes a row (the queryset refuses), and on PostgreSQL a trigger
    refuses both (migration 0002), except the retention purge's DELETE of old rows. Nothing
    here cascades: the organisation and the actor are referenced without a database
    constraint, so deleting either leaves their history as it was.
    """

    event_id = models.UUIDField(unique=True)  # the event's public id: projected once
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    created_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    actor_email = models.CharField(max_length=254, blank=True)
    kind = models.CharField(max_length=40)  # an activity EventKind
    summary = models.CharField(max_length=300)
    room_id = models.UUIDField(null=True, blank=True)  # the room's public id, if any
    room_name = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organisation", "-created_at"], name="audit_org_time_idx"),
        ]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_email or 'Tandem'} {self.summary}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The audit log is append-only.")


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Being built"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class OrganisationExport(models.Model):
    """One export of a whole organisation, built as a ZIP by a worker
    (governance.tasks.organisation_export_task) and emailed to the admin who asked as a link
    that expires (ORGANISATION_EXPORT_DAYS). The link's token is made when the email is sent
    (outbox.composers.secret_register); only its hash is kept here."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(
        max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    step = models.CharField(max_length=100, blank=True)  # what the worker is doing now
    file = models.FileField(upload_to="exports/", blank=True, max_length=300)
    size = models.PositiveBigIntegerField(default=0)
    token_hash = models.CharField(max_length=64, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"export {self.public_id} ({self.status})"

    @property
    def is_running(self) -> bool:
        return self.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)

    @property
    def is_available(self) -> bool:
        """Ready, its file still stored and its link not yet expired."""
        return (
            self.status == ExportStatus.READY
            and bool(self.file)
            and self.expires_at is not None
            and self.expires_at > timezone.now()
        )
