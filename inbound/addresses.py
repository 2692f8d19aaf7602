"""Reply-To addresses for outgoing emails (the outbox asks at send time: inbound.wiring)."""

from django.conf import settings

from accounts.models import Membership, Side
from inbound.tokens import BUYER, SELLER, reply_address, reply_token_make
from plans.models import Task
from rooms.models import Room
from stakeholders.models import OPEN_STATES, Stakeholder


def reply_address_for(about: str, to: str) -> str | None:
    """The Reply-To of an email to ``to`` about "task:<pk>" or "room:<pk>" (the outbox asks at
    send time); None when replies are off or the person may not post there."""
    if not settings.INBOUND_EMAIL_DOMAIN:
        return None
    scope, _, ident = about.partition(":")
    task = None
    if scope == "task":
        task = Task.objects.select_related("room").filter(pk=int(ident)).first()
        room = task.room if task else None
    else:
        room = Room.objects.filter(pk=int(ident), is_template=False).first()
    if room is None:
        return None
    buyer = Stakeholder.objects.filter(
        room=room, side=Side.BUYER, email__iexact=to, access_state__in=OPEN_STATES
    ).first()
    if buyer is not None:
        if task is not None and task.is_internal:
            task = None
        kind, person = BUYER, buyer.pk
    else:
        membership = Membership.objects.filter(
            organisation_id=room.organisation_id, user__email__iexact=to
        ).first()
        if membership is None:
            return None
        kind, person = SELLER, membership.pk
    token = reply_token_make(
        kind=kind, person=person, room=room.pk, task=task.pk if task else None, email=to
    )
    return reply_address(token)
