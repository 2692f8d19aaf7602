"""Outgoing webhooks in the Standard Webhooks format: endpoints (every write an admin makes),
and the deliveries a recorded room event writes, in the transaction that recorded it."""

import base64
import logging
import secrets
from datetime import timedelta
from typing import Any

from celery.exceptions import Retry
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership
from activity.kinds import EventKind
from activity.record import record
from activity.subscriptions import Recorded
from integrations.events import SUBSCRIBABLE, WebhookEvent, payload_data, webhook_type
from integrations.models import WebhookDelivery, WebhookEndpoint
from integrations.net import RefusedAddress, url_check
from integrations.tasks import webhook_send
from outbox.delivery import delivery_send_again

logger = logging.getLogger("tandem")

# After a rotation the old secret signs too, beside the new one, for this long.
ROTATION_OVERLAP = timedelta(hours=24)
MAX_ENDPOINTS = 20


def _audit(admin: Membership, kind: EventKind, summary: str, endpoint: WebhookEndpoint) -> None:
    """What an admin did to an endpoint, for the organisation's audit log (an event with no
    room, in the same transaction)."""
    record(
        organisation_id=admin.organisation_id,
        room_id=None,
        actor_id=admin.user_id,
        side="seller",
        kind=kind,
        summary=summary,
        is_internal=True,
        data={"endpoint": str(endpoint.public_id), "url": endpoint.url},
    )


def secret_new() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _clean(url: str, event_types: list[str]) -> tuple[str, list[str]]:
    url = url.strip()
    try:
        url_check(url)
    except RefusedAddress as exc:
        raise ValidationError({"url": str(exc)}) from exc
    unknown = sorted(set(event_types) - {choice.value for choice in SUBSCRIBABLE})
    if unknown:
        raise ValidationError({"event_types": f"Unknown event types: {', '.join(unknown)}."})
    if not event_types:
        raise ValidationError({"event_types": "Choose at least one event type."})
    return url, sorted(set(event_types))


@transaction.atomic
def endpoint_create(
    *,
    admin: Membership,
    url: str,
    event_types: list[str],
    description: str = "",
    include_internal: bool = False,
) -> WebhookEndpoint:
    """A new endpoint; its ``secret`` is shown once, to the admin who made it."""
    url, event_types = _clean(url, event_types)
    organisation = admin.organisation
    if organisation.webhook_endpoints.count() >= MAX_ENDPOINTS:
        raise ValidationError({"url": f"An organisation has at most {MAX_ENDPOINTS} endpoints."})
    endpoint = WebhookEndpoint.objects.create(
        organisation=organisation,
        url=url,
        event_types=event_types,
        description=description.strip(),
        include_internal=include_internal,
        secret=secret_new(),
        created_by=admin.user,
    )
    _audit(admin, EventKind.WEBHOOK_CREATED, f"added the webhook {url}", endpoint)
    return endpoint


@transaction.atomic
def endpoint_update(
    *, endpoint: WebhookEndpoint, admin: Membership, **changes: Any
) -> WebhookEndpoint:
    """Change what is given (url, event_types, description, include_internal, is_active).
    Turning an endpoint back on starts its failure count afresh."""
    if endpoint.organisation_id != admin.organisation_id:
        raise ValidationError("Not an endpoint of this organisation.")
    url, event_types = _clean(
        changes.get("url", endpoint.url), changes.get("event_types", endpoint.event_types)
    )
    endpoint.url, endpoint.event_types = url, event_types
    if "description" in changes:
        endpoint.description = changes["description"].strip()
    if "include_internal" in changes:
        endpoint.include_internal = bool(changes["include_internal"])
    if "is_active" in changes and bool(changes["is_active"]) != endpoint.is_active:
        endpoint.is_active = bool(changes["is_active"])
        endpoint.disabled_reason = "" if endpoint.is_active else "Turned off by an admin."
        endpoint.failing_since = None
    endpoint.save()
    _audit(admin, EventKind.WEBHOOK_UPDATED, f"changed the webhook {endpoint.url}", endpoint)
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint: WebhookEndpoint, admin: Membership) -> None:
    _audit(admin, EventKind.WEBHOOK_DELETED, f"deleted the webhook {endpoint.url}", endpoint)
    endpoint.delete()


@transaction.atomic
def endpoint_rotate_secret(*, endpoint: WebhookEndpoint, admin: Membership) -> WebhookEndpoint:
    """A new secret, shown once. The next attempt of every delivery, retries included, is
    signed with it; the old one signs beside it for a day, while receivers switch."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = timezone.now() + ROTATION_OVERLAP
    endpoint.secret = secret_new()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    _audit(admin, EventKind.WEBHOOK_UPDATED, f"rotated the secret of {endpoint.url}", endpoint)
    return endpoint


def envelope(event_type: str, at: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": event_type, "timestamp": at, "data": data}


def _queue(endpoint: WebhookEndpoint, key: str, event_type: str, payload: dict) -> None:
    delivery, created = WebhookDelivery.objects.get_or_create(
        key=key,
        defaults={
            "endpoint": endpoint,
            "organisation_id": endpoint.organisation_id,
            "event_type": event_type,
            "payload": payload,
        },
    )
    if created:
        transaction.on_commit(lambda: webhook_dispatch(delivery.pk))


def webhooks_on_recorded(recorded: Recorded) -> None:
    """A subscription (activity.subscriptions): each event a webhook carries becomes one
    delivery per endpoint that wants it, in the transaction that recorded it."""
    wanted = [(event, kind) for event in recorded.events if (kind := webhook_type(event))]
    if not wanted:
        return
    organisations = {event.organisation_id for event, _ in wanted}
    endpoints = list(
        WebhookEndpoint.objects.filter(organisation_id__in=organisations, is_active=True)
    )
    for event, kind in wanted:
        takers = [
            endpoint
            for endpoint in endpoints
            if endpoint.organisation_id == event.organisation_id
            and kind in endpoint.event_types
            and (endpoint.include_internal or not event.is_internal)
        ]
        if not takers:
            continue
        data = payload_data(kind, event)
        if data is None:
            continue
        payload = envelope(kind, event.created_at.isoformat(), data)
        for endpoint in takers:
            _queue(endpoint, f"webhook:{endpoint.pk}:{event.public_id}", kind, payload)


@transaction.atomic
def webhook_test_send(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A ``webhook.test`` event to this endpoint alone, even one turned off."""
    now = timezone.now()
    delivery = WebhookDelivery.objects.create(
        key=f"webhook-test:{endpoint.pk}:{secrets.token_hex(8)}",
        endpoint=endpoint,
        organisation_id=endpoint.organisation_id,
        event_type=WebhookEvent.TEST,
        payload=envelope(
            WebhookEvent.TEST,
            now.isoformat(),
            {"endpoint": str(endpoint.public_id), "message": "Hello from Tandem."},
        ),
    )
    transaction.on_commit(lambda: webhook_dispatch(delivery.pk))
    return delivery


def webhook_send_again(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """An admin's decision for a failed or interrupted delivery: queue it once more."""
    return delivery_send_again(delivery, webhook_dispatch)


def webhook_dispatch(delivery_id: int) -> None:
    try:
        webhook_send.apply_async(args=[delivery_id], retry=False)
    except Retry:  # run in-process (no Redis): its retry waits for the sweep
        pass
    except Exception:  # the broker is unreachable: the row waits for the sweep
        logger.warning("webhook %s left for the sweep: broker unavailable", delivery_id)
