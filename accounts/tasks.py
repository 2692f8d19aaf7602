from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation
from accounts.tokens import token_hash


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=8)
def invitation_send(invitation_id: int, token: str) -> bool:
    """Email an organisation invitation once.

    The row is locked while sending, and ``sent_at`` is set in the same transaction, so a
    second worker or a redelivered message finds it sent and does nothing. A token that is no
    longer the invitation's (it was re-sent since) sends nothing either.
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("organisation", "invited_by")
            .filter(pk=invitation_id, token_hash=token_hash(token), sent_at=None)
            .first()
        )
        if invitation is None or not invitation.is_pending:
            return False
        context = {
            "invitation": invitation,
            "organisation": invitation.organisation,
            "inviter": invitation.invited_by,
            "url": settings.SITE_URL + reverse("invitation_accept", args=[token]),
            "site_name": settings.SITE_NAME,
        }
        subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("accounts/email/invitation_message.txt", context),
            to=[invitation.email],
        )
        message.attach_alternative(
            render_to_string("accounts/email/invitation_message.html", context), "text/html"
        )
        message.send()
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at"])
    return True
