"""The API's lists that span rooms, built on rooms.access: the rooms a person reaches as a seller
(every organisation they are a member of) or as a buyer, and the events sellers see."""

from django.db.models import Q, QuerySet

from accounts.models import Membership, User
from activity.models import Event
from rooms.access import buyer_rooms, rooms_visible_to
from rooms.models import Room


def memberships_of(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organisation", "user")


def seller_rooms(memberships: list[Membership]) -> QuerySet[Room]:
    visible = Q(pk__in=[])
    for membership in memberships:
        visible |= Q(pk__in=rooms_visible_to(membership).values("pk"))
    return Room.objects.filter(visible)


def rooms_reachable_by(user: User, memberships: list[Membership]) -> QuerySet[Room]:
    """As get_room_access decides room by room: in an organisation they belong to, a person is a
    seller (and sees what their role lets them); elsewhere, a buyer of the rooms they are in."""
    member_of = [m.organisation_id for m in memberships]
    as_buyer = buyer_rooms(user).exclude(organisation_id__in=member_of).values("pk")
    return Room.objects.filter(
        Q(pk__in=seller_rooms(memberships).values("pk")) | Q(pk__in=as_buyer)
    )


def events_visible_to(memberships: list[Membership]) -> QuerySet[Event]:
    """The activity feed is the seller's (a buyer's room page has none): a person sees the
    events of the rooms they reach as a seller, internal ones included."""
    return Event.objects.filter(room__in=seller_rooms(memberships).values("pk"))
