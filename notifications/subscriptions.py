"""How notifications hear of what happens: called once, from NotificationsConfig.ready().

Each receiver only calls a function of this app; the work is there."""

from accounts.models import Invitation
from accounts.services import invitation_token_renew
from accounts.signals import invitation_issued
from activity.subscriptions import subscribe
from notifications.alerts import buyer_alerts_on_recorded
from notifications.compose import COMPOSERS, email_compose
from notifications.invitations import INVITATION_MAKER, invitation_email_queue
from notifications.mentions import mentions_on_recorded
from notifications.recipients import organisation_reaches, room_reaches
from outbox.composers import composer_register, recipient_check_register, secret_register


def connect() -> None:
    for name in COMPOSERS:
        composer_register(name, email_compose)
    recipient_check_register("room", room_reaches)
    recipient_check_register("organisation", organisation_reaches)
    secret_register(INVITATION_MAKER, invitation_token_renew)
    subscribe("notifications.buyer_alerts", buyer_alerts_on_recorded)
    subscribe("notifications.mentions", mentions_on_recorded)
    invitation_issued.connect(
        lambda sender, **kwargs: invitation_email_queue(**kwargs),
        sender=Invitation,
        weak=False,
        dispatch_uid="notifications.invitation_email",
    )
