"""Reads for the notification pages."""

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Membership, Organisation
from outbox.models import EmailStatus, OutboundEmail

# A claimed row still "sending" after this long was interrupted: its worker died.
INTERRUPTED_AFTER = timedelta(minutes=10)


@dataclass
class Deliveries:
    problems: list[OutboundEmail]
    counts: dict[str, int]


def _problems(organisation: Organisation) -> QuerySet[OutboundEmail]:
    stale = timezone.now() - INTERRUPTED_AFTER
    return OutboundEmail.objects.filter(organisation=organisation).filter(
        Q(status=EmailStatus.FAILED)
        | Q(status=EmailStatus.SENDING, claimed_at__lt=stale)
        | Q(status=EmailStatus.PENDING, attempts__gt=0)
    )


def deliveries_of(organisation: Organisation) -> Deliveries:
    """What an admin needs to act on (failed, interrupted, being retried, newest first, with
    the error), and how the last 7 days went: two queries."""
    problems = list(
        _problems(organisation)
        .only("public_id", "to", "subject", "status", "attempts", "last_error", "created_at")
        .order_by("-created_at")[:200]
    )
    since = timezone.now() - timedelta(days=7)
    rows = (
        OutboundEmail.objects.filter(organisation=organisation, created_at__gte=since)
        .values("status")
        .annotate(n=Count("pk"))
    )
    counts = dict.fromkeys(EmailStatus.values, 0) | {r["status"]: r["n"] for r in rows}
    return Deliveries(problems=problems, counts=counts)


def delivery_of(admin: Membership, email_id: UUID) -> OutboundEmail:
    """One of the organisation's failed or interrupted emails; 404 for anything else."""
    return get_object_or_404(_problems(admin.organisation), public_id=email_id)
