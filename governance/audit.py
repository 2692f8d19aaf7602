"""The audit log: administrative actions of an organisation, kept unchanged for a set time.

It is a projection of the event log, not a second one: services record events as they always
do (room events through rooms.events, the organisation's own through the core's
``organisation_event`` signal, which activity records with no room), and this module's
subscription copies the events of audited kinds into ``AuditEntry``, in the same transaction,
adding what the event does not keep: the actor's address and the room's name as they were
then, and the address the request came from (governance.origin).

Audited: members and roles, invitations, API tokens, webhooks, sign-in (SSO/two-factor)
settings, organisation settings, exports, erasures, room ownership and stage changes, and
templates (saved, deleted, and every change of a template's plan).
"""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Organisation, User
from activity.kinds import QUIET_KINDS, EventKind
from activity.models import Event
from activity.record import record
from activity.subscriptions import Recorded
from governance.models import AuditEntry
from governance.origin import client_ip
from rooms.models import Room

# Room events the audit log keeps wherever they happen.
AUDITED_ROOM_KINDS = frozenset(
    {
        EventKind.ROOM_STAGE_CHANGED,
        EventKind.ROOM_OWNER_CHANGED,
        EventKind.ROOM_SAVED_AS_TEMPLATE,
    }
)

# What the page's filter offers, in words, and the kinds each covers.
CATEGORIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "members": (
        "Members and roles",
        (EventKind.MEMBER_JOINED, EventKind.MEMBER_ROLE_CHANGED, EventKind.MEMBER_REMOVED),
    ),
    "invitations": ("Invitations", (EventKind.INVITATION_SENT, EventKind.INVITATION_REVOKED)),
    "tokens": ("API tokens", (EventKind.API_TOKEN_CREATED, EventKind.API_TOKEN_REVOKED)),
    "webhooks": (
        "Webhooks",
        (EventKind.WEBHOOK_CREATED, EventKind.WEBHOOK_UPDATED, EventKind.WEBHOOK_DELETED),
    ),
    "settings": (
        "Settings and sign-in",
        (
            EventKind.ORGANISATION_SETTINGS_CHANGED,
            EventKind.SECURITY_SETTINGS_CHANGED,
            EventKind.BRANDING_CHANGED,
            EventKind.SSO_CHANGED,
        ),
    ),
    "rooms": (
        "Room owners and stages",
        (EventKind.ROOM_STAGE_CHANGED, EventKind.ROOM_OWNER_CHANGED),
    ),
    # And every change of a template's plan, by the event's flag (audit_entries).
    "templates": ("Templates", (EventKind.ROOM_SAVED_AS_TEMPLATE, EventKind.TEMPLATE_DELETED)),
    "data": (
        "Exports and erasures",
        (EventKind.DATA_EXPORTED, EventKind.AUDIT_EXPORTED, EventKind.PERSON_ERASED),
    ),
}

ORGANISATION_KINDS = frozenset(
    kind for key, (_, kinds) in CATEGORIES.items() if key != "rooms" for kind in kinds
)


def is_audited(event: Event) -> bool:
    if event.room_id is None:
        return event.kind in ORGANISATION_KINDS
    if event.kind in AUDITED_ROOM_KINDS:
        return True
    # A template's plan changed: what every room made from it from now on will hold.
    return bool(event.data.get("template")) and event.kind not in QUIET_KINDS


def audit_on_recorded(recorded: Recorded) -> None:
    """A subscription (activity.subscriptions), inside the transaction that stored the events.
    Idempotent: an event is projected once (its public id is unique here)."""
    if recorded.buffered:
        return  # views and links opened: nothing administrative
    events = [event for event in recorded.events if is_audited(event)]
    if not events:
        return
    actors = {
        user.pk: user.email
        for user in User.objects.filter(pk__in={e.actor_id for e in events if e.actor_id})
    }
    rooms = {
        room.pk: room
        for room in Room.objects.filter(pk__in={e.room_id for e in events if e.room_id}).only(
            "public_id", "name", "buyer_company", "is_template"
        )
    }
    ip = client_ip()
    entries = []
    for event in events:
        room = rooms.get(event.room_id) if event.room_id else None
        entries.append(
            AuditEntry(
                event_id=event.public_id,
                organisation_id=event.organisation_id,
                created_at=event.created_at,
                actor_id=event.actor_id,
                actor_email=actors.get(event.actor_id, "") if event.actor_id else "",
                kind=event.kind,
                summary=event.summary,
                room_id=room.public_id if room else None,
                room_name=str(room)[:200] if room else "",
                ip_address=ip,
                data=event.data,
            )
        )
    AuditEntry.objects.bulk_create(entries, ignore_conflicts=True)


def audit_record(
    *,
    organisation: Organisation,
    actor: User | None,
    kind: EventKind,
    summary: str,
    **data: object,
) -> Event:
    """Record an action on the organisation itself (an export, an erasure) in the event log,
    which the subscription above projects into the audit log. For this app and the faces;
    the core announces its own (accounts.signals.organisation_event)."""
    return record(
        organisation_id=organisation.pk,
        room_id=None,
        actor_id=actor.pk if actor is not None else None,
        side="seller" if actor is not None else "",
        kind=kind,
        summary=summary,
        is_internal=True,
        data=dict(data),
    )


# Reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    category: str = ""
    actor: str = ""  # an address, or part of one
    since: date | None = None
    until: date | None = None


def audit_entries(organisation: Organisation, f: AuditFilter) -> QuerySet[AuditEntry]:
    """The organisation's entries, newest first, narrowed by ``f``."""
    entries = AuditEntry.objects.filter(organisation_id=organisation.pk)
    if f.category == "templates":
        entries = entries.filter(Q(data__template=True) | Q(kind__in=CATEGORIES["templates"][1]))
    elif f.category in CATEGORIES:
        entries = entries.filter(kind__in=CATEGORIES[f.category][1])
    if f.actor:
        entries = entries.filter(actor_email__icontains=f.actor)
    zone = timezone.get_current_timezone()
    if f.since:
        entries = entries.filter(created_at__gte=datetime.combine(f.since, time.min, zone))
    if f.until:
        until = datetime.combine(f.until + timedelta(days=1), time.min, zone)
        entries = entries.filter(created_at__lt=until)
    return entries


CSV_HEADER = ["Time (UTC)", "Who", "From", "Action", "What", "Room", "Details"]


def audit_csv_rows(entries: Iterable[AuditEntry]) -> Iterable[list[str]]:
    yield CSV_HEADER
    labels = dict(EventKind.choices)
    for entry in entries:
        yield [
            entry.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            entry.actor_email or "Tandem",
            entry.ip_address or "",
            str(labels.get(entry.kind, entry.kind)),
            entry.summary,
            entry.room_name,
            ", ".join(f"{k}={v}" for k, v in sorted(entry.data.items()) if k != "template"),
        ]


def csv_safe(value: str) -> str:
    # OWASP's advice against formula injection, as plans.exports does for plans.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def audit_csv(entries: Iterable[AuditEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in audit_csv_rows(entries):
        writer.writerow([csv_safe(cell) for cell in row])
    return "\ufeff" + out.getvalue()


# Retention ---------------------------------------------------------------------------------


@transaction.atomic
def audit_purge(*, now: datetime | None = None) -> int:
    """Delete entries older than AUDIT_LOG_RETENTION_DAYS; the one DELETE the log allows.
    On PostgreSQL the trigger lets it through only with the purge flag set for this
    transaction (SET LOCAL), which nothing else sets."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.AUDIT_LOG_RETENTION_DAYS)
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL tandem.audit_purge = 'on'")
        cursor.execute(f"DELETE FROM {table} WHERE created_at < %s", [cutoff])  # noqa: S608
        return cursor.rowcount
