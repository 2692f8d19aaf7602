"""Task reminders: before a task is due and when it is overdue, each once per task and due date.

One sweep (beat every 15 minutes, or ``manage.py send_reminders``) finds every open task whose
reminder is due in its owner's morning and queues it, in a fixed number of queries whatever the
number of tasks:

- a *due soon* reminder from ``organisation.reminder_days_before`` days before the due date
  until the day before it; an *overdue* one from the day after, for a week (a sweep that was
  down for days still catches up, a plan abandoned months ago does not wake up);
- from 08:00 in the owner's time zone (theirs, else their organisation's);
- each reminder is a Notice with a unique key ``<kind>:<task>:<due date>``: a new due date is
  a new key (new reminders), completing the task leaves nothing to find;
- one email per person per local day carries all their reminders; reminders found once that
  day's email is already on its way wait for the next morning's.

The email itself is written when it is sent (notifications.compose), which leaves out any task
completed or re-dated in between.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from accounts.models import Organisation, Side
from notifications.models import Notice, NoticeKind, SweepLock
from outbox.models import EmailPreference, EmailStatus, Kind, OutboundEmail
from outbox.services import email_dispatch
from plans.models import Status, Task
from rooms.models import LIVE_STAGES
from stakeholders.models import OPEN_STATES

MORNING = time(8, 0)
OVERDUE_DAYS = 7


@dataclass(frozen=True)
class Due:
    task_id: int
    stakeholder_id: int
    organisation_id: int
    to: str
    kind: str
    due_date: date
    zone: zoneinfo.ZoneInfo
    day: date  # the recipient's date, their morning begun

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.task_id}:{self.due_date.isoformat()}"


def zone_of(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def morning_day(now: datetime, zone: zoneinfo.ZoneInfo) -> date | None:
    """The recipient's date if their morning has begun, else None (nothing goes out yet)."""
    local = now.astimezone(zone)
    return local.date() if local.time() >= MORNING else None


def morning_of(day: date, zone: zoneinfo.ZoneInfo) -> datetime:
    return datetime.combine(day, MORNING, tzinfo=zone)


def reminder_kind(due_date: date, today: date, days_before: int) -> str | None:
    if days_before and due_date - timedelta(days=days_before) <= today < due_date:
        return NoticeKind.DUE_SOON
    if due_date < today <= due_date + timedelta(days=OVERDUE_DAYS):
        return NoticeKind.OVERDUE
    return None


def sweep_lock(name: str) -> bool:
    """Hold the sweep's row for this transaction; False if another sweep holds it."""
    SweepLock.objects.get_or_create(name=name)
    lock = SweepLock.objects.select_for_update(skip_locked=True).filter(name=name).first()
    if lock is None:
        return False
    lock.last_run_at = timezone.now()
    lock.save(update_fields=["last_run_at"])
    return True


def reminders_due(now: datetime) -> list[Due]:
    """Every reminder due now and not yet made: one query for the widest lead time, one for
    the tasks (with whether each of their two reminders exists for the current due date)."""
    longest = Organisation.objects.aggregate(m=Max("reminder_days_before"))["m"] or 0
    today = now.date()
    notice = Notice.objects.filter(task=OuterRef("pk"), due_date=OuterRef("due_date"))
    rows = (
        Task.objects.filter(
            due_date__gte=today - timedelta(days=OVERDUE_DAYS + 1),
            due_date__lte=today + timedelta(days=longest + 1),
            owner__isnull=False,
            room__is_template=False,
            room__stage__in=LIVE_STAGES,
        )
        .exclude(status=Status.DONE)
        .exclude(owner__email="")
        .filter(
            Q(owner__side=Side.SELLER) | Q(owner__access_state__in=OPEN_STATES, is_internal=False)
        )
        .annotate(
            soon_made=Exists(notice.filter(kind=NoticeKind.DUE_SOON)),
            overdue_made=Exists(notice.filter(kind=NoticeKind.OVERDUE)),
        )
        .values_list(
            "pk",
            "due_date",
            "owner_id",
            "owner__email",
            "owner__user__timezone",
            "organisation_id",
            "organisation__timezone",
            "organisation__reminder_days_before",
            "soon_made",
            "overdue_made",
        )
    )
    due = []
    zones: dict[str, zoneinfo.ZoneInfo] = {}
    for task_id, due_date, owner_id, email, own_zone, org_id, org_zone, before, soon, over in rows:
        name = own_zone or org_zone
        zone = zones.get(name) or zones.setdefault(name, zone_of(name))
        local_today = morning_day(now, zone)
        if local_today is None or due_date is None:  # not their morning yet (or no date)
            continue
        kind = reminder_kind(due_date, local_today, before)
        if kind is None or (soon if kind == NoticeKind.DUE_SOON else over):
            continue
        due.append(Due(task_id, owner_id, org_id, email.lower(), kind, due_date, zone, local_today))
    return due


def _day_emails(
    wanted: dict[str, tuple[date, zoneinfo.ZoneInfo, int]], now: datetime
) -> dict[str, OutboundEmail]:
    """Each address's reminder email of its day: today's if it is still pending (locked, with
    skip_locked: one a worker is claiming counts as gone), else tomorrow's, written if need be."""
    found: dict[str, OutboundEmail] = {}
    for attempt in range(2):  # today, then tomorrow
        keys = {
            f"reminders:{to}:{(day + timedelta(days=attempt)).isoformat()}": to
            for to, (day, _zone, _org) in wanted.items()
            if to not in found
        }
        existing = set(OutboundEmail.objects.filter(key__in=keys).values_list("key", flat=True))
        pending = OutboundEmail.objects.select_for_update(skip_locked=True).filter(
            key__in=existing, status=EmailStatus.PENDING
        )
        for email in pending:
            found[keys[email.key]] = email
        new = []
        for key, to in keys.items():
            if key in existing:
                continue  # sent, cancelled or being sent: tomorrow's then
            day, zone, org_id = wanted[to]
            day += timedelta(days=attempt)
            send_at = now if attempt == 0 else morning_of(day, zone)
            new.append(
                OutboundEmail(
                    key=key,
                    to=to,
                    subject="(written when sent)",
                    body_text="",
                    organisation_id=org_id,
                    kind=Kind.REMINDERS,
                    compose="reminders",
                    next_attempt_at=send_at,
                )
            )
        for email in OutboundEmail.objects.bulk_create(new):
            found[keys[email.key]] = email
    return found


def reminders_sweep(*, now: datetime | None = None) -> int:
    """Queue every reminder due now; returns how many. Safe to run twice at once: the second
    run finds the sweep's row locked and does nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        if not sweep_lock("reminders"):
            return 0
        due = reminders_due(now)
        addresses = {d.to for d in due}
        muted = {
            pref.email.lower()
            for pref in EmailPreference.objects.filter(email__in=addresses)
            if Kind.REMINDERS in pref.muted
        }
        due = [d for d in due if d.to not in muted]
        wanted: dict[str, tuple[date, zoneinfo.ZoneInfo, int]] = {}
        for d in due:
            wanted.setdefault(d.to, (d.day, d.zone, d.organisation_id))
        emails = _day_emails(wanted, now)
        Notice.objects.bulk_create(
            [
                Notice(
                    key=d.key,
                    kind=d.kind,
                    email=emails[d.to],
                    stakeholder_id=d.stakeholder_id,
                    task_id=d.task_id,
                    due_date=d.due_date,
                )
                for d in due
            ],
            ignore_conflicts=True,
        )
        now_due = {
            e.pk for e in emails.values() if not e.next_attempt_at or e.next_attempt_at <= now
        }
        transaction.on_commit(lambda: _dispatch(sorted(now_due)))
    return len(due)


def _dispatch(email_ids: list[int]) -> None:
    for email_id in email_ids:
        email_dispatch(email_id)
