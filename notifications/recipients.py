"""Who may still hear of what an email is about, asked when it is sent (outbox.composers'
recipient checks, registered in NotificationsConfig.ready): an email queued before its
recipient left the room or the organisation is cancelled, not sent."""

from accounts.models import Membership
from rooms.access import address_may_see_room
from rooms.models import Room


def room_reaches(to: str, room_id: str) -> bool:
    """``room:<id>``: buyer alerts and buyer invitations."""
    room = Room.objects.filter(pk=int(room_id)).first()
    return room is not None and address_may_see_room(to, room)


def organisation_reaches(to: str, organisation_id: str) -> bool:
    """``organisation:<id>``: the digest, about the rooms of the member's organisation."""
    return Membership.objects.filter(
        organisation_id=int(organisation_id), user__email__iexact=to
    ).exists()
