"""The email that carries an organisation invitation's link (accounts.signals.invitation_issued)."""

from typing import Any

from django.conf import settings
from django.urls import reverse

from accounts.models import Invitation
from outbox.services import email_queue


def invitation_email_queue(*, invitation: Invitation, token: str, **_: Any) -> None:
    """Queue the invitation email; its body is erased once sent (it holds the link)."""
    email_queue(
        key=f"org-invitation:{invitation.pk}:{invitation.token_hash}",
        to=invitation.email,
        template="accounts/email/invitation",
        organisation_id=invitation.organisation_id,
        context={
            "invitation": invitation,
            "organisation": invitation.organisation,
            "inviter": invitation.invited_by,
            "url": settings.SITE_URL + reverse("invitation_accept", args=[token]),
            "site_name": settings.SITE_NAME,
        },
        secret=True,
    )
