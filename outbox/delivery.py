"""The machinery every delivery shares (outbox.models.Delivery), whatever carries it.

The guarantee, honestly: a delivery is handed to its transport at most once. A worker first
*claims* the row (``pending`` → ``sending``) in a transaction of its own, holding its lock with
``skip_locked`` so that a second worker or a redelivered message skips it; only after that
commit does the transport talk to the outside world (the mail server, a webhook's endpoint),
then the row is marked ``sent``. A worker that dies between the other side's "accepted" and the
mark leaves the row ``sending``: nothing sends it again (it arrived, or may have), and the
organisation's admins see it as interrupted with a *Send again* button. The price of "never
twice" is that a worker dying in the few milliseconds between the claim and the answer leaves
that one delivery for an admin to decide, instead of sending a possible second copy.

A transport brings three things: how to ready a claimed row (``prepare``: write it, or say
there is nothing left to send), how to send it, and which failures are final (a bounce).
``outbox.sending`` is the email transport.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from outbox.models import Delivery, DeliveryStatus

D = TypeVar("D", bound=Delivery)

MAX_ATTEMPTS = 8
# A Celery retry's countdown and the row's next_attempt_at are computed a moment apart.
EARLY_TOLERANCE = timedelta(seconds=5)
# A pending row younger than this is still on its way to a worker: the sweep leaves it.
SWEEP_GRACE = timedelta(minutes=2)
SWEEP_BATCH = 500


def backoff_seconds(attempts: int) -> int:
    """30 s, 1 min, 2 min ... up to an hour: eight attempts span about two hours."""
    return min(2**attempts * 15, 3600)


def _retry_rules(model: type[Delivery]) -> tuple[int, Callable[[int], int]]:
    """A transport may retry on its own schedule (webhooks: for days) by giving its model
    ``max_attempts`` and a static ``backoff_seconds``; email keeps the defaults."""
    return (
        getattr(model, "max_attempts", MAX_ATTEMPTS),
        getattr(model, "backoff_seconds", backoff_seconds),
    )


@transaction.atomic
def delivery_claim(model: type[D], pk: int, *, prepare: Callable[[D], bool]) -> D | str:
    """Lock a due pending row, ready it and mark it ``sending``: the row, or why not
    ("skipped", "cancelled", "failed").

    ``prepare`` runs in a savepoint: False cancels the row (nothing left to send); an exception
    is a bug in writing it, recorded and retried with backoff, never hot.
    """
    now = timezone.now()
    row = (
        model._default_manager.select_for_update(skip_locked=True)
        .filter(pk=pk, status=DeliveryStatus.PENDING)
        .first()
    )
    if row is None or (row.next_attempt_at and row.next_attempt_at > now + EARLY_TOLERANCE):
        return "skipped"  # another worker has it, it is done, or it is not due yet
    try:
        with transaction.atomic():  # a failure to write it leaves nothing half-made
            ready = prepare(row)
    except Exception as exc:
        max_attempts, backoff = _retry_rules(model)
        row.attempts += 1
        row.last_error = f"could not write it: {type(exc).__name__}: {exc}"[:2000]
        row.next_attempt_at = now + timedelta(seconds=backoff(row.attempts))
        if row.attempts >= max_attempts:
            row.status = DeliveryStatus.FAILED
        row.save(update_fields=["attempts", "last_error", "next_attempt_at", "status"])
        return "failed"
    if not ready:
        row.status = DeliveryStatus.CANCELLED
        row.save(update_fields=["status"])
        return "cancelled"
    row.status = DeliveryStatus.SENDING
    row.attempts += 1
    row.claimed_at = now
    row.save()
    return row


def delivery_mark_sent(row: Delivery, **fields: Any) -> None:
    """The transport was answered "accepted": the row is done (``fields``: what else to write,
    such as a body erased or the answer logged)."""
    type(row)._default_manager.filter(pk=row.pk, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error="", **fields
    )


def delivery_mark_failed(
    row: Delivery, error: str, *, final: bool = False, **final_fields: Any
) -> int | None:
    """Record a failure. A final one (``final``, or the attempts spent) leaves the row failed,
    visible to admins, with ``final_fields`` written too; otherwise it goes back to pending after
    a backoff, returned in seconds (None when final)."""
    max_attempts, schedule = _retry_rules(type(row))
    final = final or row.attempts >= max_attempts
    backoff = schedule(row.attempts)
    fields: dict[str, Any] = {"last_error": error[:2000]}
    if final:
        fields |= {"status": DeliveryStatus.FAILED, **final_fields}
    else:
        fields |= {
            "status": DeliveryStatus.PENDING,
            "next_attempt_at": timezone.now() + timedelta(seconds=backoff),
        }
    type(row)._default_manager.filter(pk=row.pk, status=DeliveryStatus.SENDING).update(**fields)
    return None if final else backoff


@transaction.atomic
def delivery_send_again(row: D, dispatch: Callable[[int], None]) -> D:
    """An admin's decision for a failed or interrupted delivery: queue it once more."""
    row = type(row)._default_manager.select_for_update().get(pk=row.pk)
    if row.status not in (DeliveryStatus.FAILED, DeliveryStatus.SENDING):
        return row
    row.status = DeliveryStatus.PENDING
    row.attempts = 0
    row.next_attempt_at = None
    row.save(update_fields=["status", "attempts", "next_attempt_at"])
    pk = row.pk
    transaction.on_commit(lambda: dispatch(pk))
    return row


def deliveries_due(model: type[Delivery]) -> list[int]:
    """What the sweep hands to workers: pending rows the broker never delivered, and failed
    attempts whose backoff is over, oldest first."""
    now = timezone.now()
    # A row whose hand-over failed (delivery_handover_failed) is due at once, not after the grace.
    return list(
        model._default_manager.filter(status=DeliveryStatus.PENDING)
        .filter(Q(created_at__lt=now - SWEEP_GRACE) | Q(next_attempt_at__isnull=False))
        .exclude(next_attempt_at__gt=now)
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )


def delivery_handover_failed(model: type[Delivery], pk: int) -> None:
    """The broker refused the row's task (Redis down): the sweep's next run takes it, without
    waiting out the grace it gives rows still on their way to a worker."""
    model._default_manager.filter(
        pk=pk, status=DeliveryStatus.PENDING, next_attempt_at__isnull=True
    ).update(next_attempt_at=timezone.now())
