"""The email that carries an organisation invitation's link (accounts.signals.invitation_issued)."""

from typing import Any

from django.conf import settings
from django.urls import reverse

from accounts.models import Invitation
from outbox.composers import secret_placeholder
from outbox.services import email_queue

INVITATION_MAKER = "invitation"


def invitation_email_queue(*, invitation: Invitation, **_: Any) -> None:
    """Queue the invitation email. Its link's token is made as it is sent (outbox.composers:
    the outbox never holds it), and an email sent again carries a new one."""
    token = secret_placeholder(INVITATION_MAKER, invitation.pk)
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
