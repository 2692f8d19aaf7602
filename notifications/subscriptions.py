"""How notifications hear of what happens: called once, from NotificationsConfig.ready()."""

from accounts.models import Invitation
from accounts.signals import invitation_issued
from notifications.compose import COMPOSERS, email_compose
from notifications.invitations import invitation_email_queue
from outbox.composers import composer_register


def connect() -> None:
    for name in COMPOSERS:
        composer_register(name, email_compose)
    invitation_issued.connect(
        lambda sender, **kwargs: invitation_email_queue(**kwargs),
        sender=Invitation,
        weak=False,
        dispatch_uid="notifications.invitation_email",
    )
