"""Hosted mail services' inbound webhooks (django-anymail): Postmark, Mailgun, SendGrid and
Amazon SES post each message to ``/inbound/<provider>/``; anymail verifies the request its way
(the shared ``ANYMAIL_WEBHOOK_SECRET`` as HTTP basic auth; Mailgun's and Amazon's own
signatures where configured) and hands us the message through its ``inbound`` signal, which
stores it like the SMTP server does (inbound.services)."""

from typing import Any

from anymail.webhooks.amazon_ses import AmazonSESInboundWebhookView
from anymail.webhooks.mailgun import MailgunInboundWebhookView
from anymail.webhooks.postmark import PostmarkInboundWebhookView
from anymail.webhooks.sendgrid import SendGridInboundWebhookView
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from inbound.services import inbound_receive

PROVIDERS = {
    "postmark": PostmarkInboundWebhookView,
    "mailgun": MailgunInboundWebhookView,
    "sendgrid": SendGridInboundWebhookView,
    "amazon_ses": AmazonSESInboundWebhookView,
}


def anymail_inbound_received(sender: Any, event: Any, esp_name: str, **_: Any) -> None:
    message = event.message
    if message is None:
        return
    recipient = getattr(message, "envelope_recipient", None)
    inbound_receive(
        message.as_bytes(),
        via=esp_name.lower().replace(" ", "_"),
        recipients=[recipient] if recipient else None,
        envelope_sender=getattr(message, "envelope_sender", None) or None,
    )


@csrf_exempt  # the provider signs its requests; it has no CSRF token
@login_not_required
def provider_inbound(request: HttpRequest, provider: str) -> HttpResponse:
    """404 unless replies are on and the provider is one we take, with a secret to check."""
    view = PROVIDERS.get(provider)
    if view is None or not settings.INBOUND_EMAIL_DOMAIN:
        raise Http404
    if not settings.ANYMAIL.get("WEBHOOK_SECRET"):
        raise Http404  # never unverified: anymail would only warn
    return view.as_view()(request)
