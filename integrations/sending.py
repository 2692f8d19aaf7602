"""Sending one webhook delivery or chat message: signing, posting through the address guard
(integrations.net), logging the answer, and the endpoint's failure rules."""

import base64
import hashlib
import hmac
import json
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation, Role, User
from integrations.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from integrations.net import Answer, post_json
from outbox.delivery import delivery_claim, delivery_mark_failed, delivery_mark_sent
from outbox.services import email_queue

# An endpoint failing for this long without a success is disabled.
DISABLE_AFTER = timedelta(days=1)


def _prepare(delivery: WebhookDelivery) -> bool:
    # A disabled endpoint gets nothing more, except the test event an admin asks for.
    return delivery.endpoint.is_active or delivery.event_type == "webhook.test"


def webhook_claim(delivery_id: int) -> WebhookDelivery | str:
    return delivery_claim(WebhookDelivery, delivery_id, prepare=_prepare)


def webhook_post(delivery: WebhookDelivery) -> Answer:
    """One attempt: signed now, with the endpoint's secret of now (a rotation mid-retry signs
    the next attempt with the new one), logged whatever happens."""
    endpoint = WebhookEndpoint.objects.get(pk=delivery.endpoint_id)
    delivery.endpoint = endpoint
    body = body_bytes(delivery.payload)
    answer = post_json(endpoint.url, body, signed_headers(delivery, body))
    WebhookAttempt.objects.create(
        delivery=delivery, status=answer.status, ms=answer.ms, body=answer.body, error=answer.error
    )
    return answer


def webhook_record(delivery: WebhookDelivery, answer: Answer) -> int | None:
    """Mark the delivery after its attempt; the backoff in seconds when it is to be retried."""
    logged = {
        "response_status": answer.status,
        "response_ms": answer.ms,
        "response_body": answer.body,
    }
    if answer.ok:
        delivery_mark_sent(delivery, **logged)
        endpoint_succeeded(delivery.endpoint_id)
        return None
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**logged)
    error = answer.error or f"HTTP {answer.status}"
    backoff = delivery_mark_failed(delivery, error)
    endpoint_failed(delivery.endpoint_id)
    return backoff


def signed_headers(delivery: WebhookDelivery, body: bytes) -> dict[str, str]:
    """Standard Webhooks' headers, signed with the endpoint's current secret (and the previous
    one while it overlaps)."""
    endpoint = delivery.endpoint
    msg_id = f"msg_{delivery.public_id.hex}"
    timestamp = str(int(timezone.now().timestamp()))
    keys = [endpoint.secret]
    overlap = endpoint.previous_secret_until
    if endpoint.previous_secret and overlap and overlap > timezone.now():
        keys.append(endpoint.previous_secret)
    signatures = [sign(key, msg_id, timestamp, body) for key in keys]
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": " ".join(signatures),
    }


def sign(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def body_bytes(payload: dict) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def endpoint_failed(endpoint_id: int) -> None:
    """A delivery failed: start the endpoint's run of failures, or disable it once the run is
    a day long, and tell its admins (once: the endpoint is then off)."""
    with transaction.atomic():
        endpoint = (
            WebhookEndpoint.objects.select_for_update()
            .select_related("organisation")
            .get(pk=endpoint_id)
        )
        now = timezone.now()
        if endpoint.failing_since is None:
            endpoint.failing_since = now
            endpoint.save(update_fields=["failing_since"])
            return
        if not endpoint.is_active or now - endpoint.failing_since < DISABLE_AFTER:
            return
        endpoint.is_active = False
        endpoint.disabled_reason = f"Turned off on {now:%d %b %Y}: every delivery failed for a day."
        endpoint.save(update_fields=["is_active", "disabled_reason"])
        _tell_admins(endpoint.organisation, endpoint)


def endpoint_succeeded(endpoint_id: int) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint_id).exclude(failing_since=None).update(
        failing_since=None
    )


def _tell_admins(organisation: Organisation, endpoint: WebhookEndpoint) -> None:
    admins = User.objects.filter(
        memberships__organisation=organisation, memberships__role=Role.ADMIN, is_active=True
    )
    url = settings.SITE_URL + f"/orgs/{organisation.public_id}/webhooks/{endpoint.public_id}/"
    for admin in admins:
        email_queue(
            key=f"webhook-disabled:{endpoint.pk}:{endpoint.failing_since}:{admin.pk}",
            to=admin.email,
            template="integrations/email/webhook_disabled",
            context={"endpoint": endpoint, "organisation": organisation, "url": url},
            organisation_id=organisation.pk,
        )
