from django.conf import settings
from django.db import models


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
