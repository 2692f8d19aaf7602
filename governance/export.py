"""Exporting a whole organisation: a ZIP of JSON and CSV files, and the files themselves.

An admin asks (export_request); a worker builds the ZIP (export_build, through
governance.tasks.organisation_export_task), saving its progress after each step so the page
can show it; the ZIP goes to the default storage, the export is recorded (DATA_EXPORTED, so
the audit log shows it) and the admin is emailed a link. The link's token is made when the
email is sent (outbox.composers.secret_register) and only its hash kept; it works for admins
of the organisation until ORGANISATION_EXPORT_DAYS have passed.

Left out on purpose: secrets (token hashes, webhook secrets) and the raw bodies of emails.
"""

import csv
import io
import json
import logging
import os
import tempfile
import zipfile
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Organisation, User
from accounts.tokens import token_hash, token_new
from activity.kinds import EventKind
from activity.models import Event
from governance.audit import audit_record
from governance.models import AuditEntry, ExportStatus, OrganisationExport
from outbox.composers import secret_placeholder
from outbox.services import email_queue
from plans.models import Comment, Milestone, Task
from rooms.models import Resource, Room
from stakeholders.models import Stakeholder

logger = logging.getLogger("tandem")

EXPORT_MAKER = "organisation_export"
STALE_AFTER = timedelta(hours=1)
# Fields never exported, whatever the table: any whose name holds one of these.
SECRET_WORDS = ("secret", "token", "password")


def _tables(organisation: Organisation) -> list[tuple[str, models.QuerySet]]:
    """What the ZIP holds, one JSON and one CSV file each, in this order."""
    mine = {"organisation": organisation}
    return [
        ("organisation", Organisation.objects.filter(pk=organisation.pk)),
        (
            "members",
            Membership.objects.filter(**mine).values(
                "public_id", "role", "created_at", "user__email", "user__name"
            ),
        ),
        ("rooms", Room.objects.filter(**mine)),
        ("milestones", Milestone.objects.filter(**mine)),
        ("tasks", Task.objects.filter(**mine)),
        ("comments", Comment.objects.filter(**mine)),
        ("stakeholders", Stakeholder.objects.filter(**mine)),
        ("files", Resource.objects.filter(**mine)),
        ("events", Event.objects.filter(organisation_id=organisation.pk)),
        ("audit_log", AuditEntry.objects.filter(organisation_id=organisation.pk)),
    ]


def _rows(queryset: models.QuerySet) -> list[dict]:
    if queryset.query.values_select:  # already .values(...)
        return list(queryset)
    fields = [
        f.attname
        for f in queryset.model._meta.concrete_fields
        if not any(word in f.name for word in SECRET_WORDS)
    ]
    return list(queryset.order_by("pk").values(*fields))


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    if not rows:
        return ""
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                k: json.dumps(v, cls=DjangoJSONEncoder)
                if isinstance(v, dict | list)
                else ("" if v is None else str(v))
                for k, v in row.items()
            }
        )
    return out.getvalue()


def _progress(export: OrganisationExport, done: int, total: int, step: str) -> None:
    # Its own small write, committed at once: the page reads it while the worker goes on.
    export.progress = min(99, round(100 * done / total)) if total else 0
    export.step = step
    OrganisationExport.objects.filter(pk=export.pk).update(
        progress=export.progress, step=step, status=ExportStatus.RUNNING
    )


def export_request(*, organisation: Organisation, actor: User) -> OrganisationExport:
    """Start an export (inside the request's transaction); one at a time per organisation
    (one left unfinished for an hour, its worker gone, no longer counts)."""
    running = OrganisationExport.objects.filter(
        organisation=organisation,
        status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING],
        created_at__gte=timezone.now() - STALE_AFTER,
    ).first()
    if running is not None:
        return running
    export = OrganisationExport.objects.create(organisation=organisation, requested_by=actor)
    transaction.on_commit(lambda: export_dispatch(export.pk))
    return export


def export_dispatch(export_id: int) -> None:
    # Imported here, not at the top: the task module imports this one.
    from governance.tasks import organisation_export_task

    try:
        organisation_export_task.apply_async(args=[export_id], retry=False)
    except Exception:  # the broker is unreachable: the export is marked failed, ask again
        logger.warning("organisation export %s: broker unavailable", export_id)
        OrganisationExport.objects.filter(pk=export_id).update(
            status=ExportStatus.FAILED, error="The job could not be started. Try again."
        )


def export_build(
    export_id: int, *, on_step: Callable[[OrganisationExport], None] | None = None
) -> OrganisationExport:
    """Build the ZIP of ``export_id``, store it, record it and email the link."""
    export = OrganisationExport.objects.select_related("organisation", "requested_by").get(
        pk=export_id
    )
    if export.status not in (ExportStatus.QUEUED, ExportStatus.RUNNING):
        return export
    organisation = export.organisation
    tables = _tables(organisation)
    resources = [r for r in Resource.objects.filter(organisation=organisation) if r.file]
    total = len(tables) + len(resources) + 1
    done = 0
    rooms = {room.pk: room for room in Room.objects.filter(organisation=organisation)}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "export.zip")
            with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                for name, queryset in tables:
                    _progress(export, done, total, f"Writing {name.replace('_', ' ')}")
                    rows = _rows(queryset)
                    zf.writestr(f"{name}.json", json.dumps(rows, cls=DjangoJSONEncoder, indent=2))
                    zf.writestr(f"{name}.csv", _csv(rows))
                    if on_step:
                        on_step(export)
                    done += 1
                for resource in resources:
                    _progress(export, done, total, "Copying files")
                    room = rooms.get(resource.room_id)
                    folder = room.public_id if room else "no-room"
                    original = os.path.basename(resource.original_name or resource.file.name)
                    try:
                        with resource.file.open("rb") as src:
                            zf.writestr(f"files/{folder}/{resource.pk}-{original}", src.read())
                    except FileNotFoundError:
                        logger.warning(
                            "export %s: file of resource %s missing", export.pk, resource.pk
                        )
                    done += 1
                zf.writestr("README.txt", _readme(organisation))
            _progress(export, done, total, "Saving")
            with open(path, "rb") as fh:
                stamp = timezone.now().strftime("%Y-%m-%d")
                name = f"{organisation.public_id}/{export.public_id}/tandem-export-{stamp}.zip"
                export.file.save(name, File(fh), save=False)
                export.size = export.file.size
    except Exception as exc:
        OrganisationExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.FAILED, error=f"The export failed: {type(exc).__name__}."
        )
        raise
    with transaction.atomic():
        now = timezone.now()
        export.status = ExportStatus.READY
        export.progress = 100
        export.step = ""
        export.finished_at = now
        export.expires_at = now + timedelta(days=settings.ORGANISATION_EXPORT_DAYS)
        export.save()
        audit_record(
            organisation=organisation,
            actor=export.requested_by,
            kind=EventKind.DATA_EXPORTED,
            summary="exported the organisation's data",
            rooms=len(rooms),
            files=len(resources),
        )
        _email_queue(export)
    return export


def _readme(organisation: Organisation) -> str:
    return (
        f"Tandem export of {organisation.name}, made {timezone.now():%Y-%m-%d %H:%M} UTC.\n\n"
        "Each table is here twice, as JSON and as CSV: organisation, members, rooms, "
        "milestones, tasks, comments, stakeholders (people), files (the list; the files "
        "themselves are under files/<room id>/), events and audit_log.\n"
    )


def _email_queue(export: OrganisationExport) -> None:
    user = export.requested_by
    if user is None or not user.email:
        return
    token = secret_placeholder(EXPORT_MAKER, export.pk)
    email_queue(
        key=f"organisation-export:{export.pk}",
        to=user.email,
        template="governance/email/export_ready",
        organisation_id=export.organisation_id,
        context={
            "organisation": export.organisation,
            "export": export,
            "url": settings.SITE_URL + reverse("organisation_export_download", args=[token]),
            "days": settings.ORGANISATION_EXPORT_DAYS,
            "site_name": settings.SITE_NAME,
        },
        secret=True,
    )


def export_token_renew(export_pk: int, recipient: str) -> str | None:
    """The outbox's secret maker: a fresh token for the export's link, made as the email is
    sent; None (nothing sent) once the export has expired or is gone."""
    export = OrganisationExport.objects.filter(pk=export_pk, status=ExportStatus.READY).first()
    if export is None or (export.expires_at and export.expires_at <= timezone.now()):
        return None
    token, digest = token_new()
    OrganisationExport.objects.filter(pk=export.pk).update(token_hash=digest)
    return token


def export_by_token(token: str) -> OrganisationExport | None:
    if not token:
        return None
    return (
        OrganisationExport.objects.select_related("organisation")
        .filter(token_hash=token_hash(token), status=ExportStatus.READY)
        .first()
    )


def export_expired(export: OrganisationExport) -> bool:
    return not export.is_available


def exports_of(organisation: Organisation, limit: int = 5) -> list[OrganisationExport]:
    return list(
        OrganisationExport.objects.filter(organisation=organisation).select_related("requested_by")[
            :limit
        ]
    )


def exports_purge() -> int:
    """Delete the ZIPs of expired exports from storage (beat, nightly); the rows stay."""
    count = 0
    for export in OrganisationExport.objects.filter(
        status=ExportStatus.READY, expires_at__lte=timezone.now()
    ).exclude(file=""):
        export.file.delete(save=False)
        OrganisationExport.objects.filter(pk=export.pk).update(file="")
        count += 1
    return count
