"""The only way views reach rooms.

Admins and managers reach every room of their current organisation; a rep reaches the rooms
they own or are on the seller team of. Anyone else gets 404, as for a room that does not exist.
"""

from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from accounts.access import get_current_membership
from accounts.models import Membership
from rooms.models import Room


def rooms_visible_to(membership: Membership) -> QuerySet[Room]:
    rooms = Room.objects.filter(organisation_id=membership.organisation_id)
    if membership.sees_every_room:
        return rooms
    user_id = membership.user_id
    return rooms.filter(Q(owner_id=user_id) | Q(seller_team__id=user_id)).distinct()


def require_membership(request: HttpRequest) -> Membership:
    membership = get_current_membership(request)
    if membership is None:
        raise Http404
    return membership


def get_room_for_seller(request: HttpRequest, room_id: UUID) -> Room:
    membership = require_membership(request)
    return get_object_or_404(
        rooms_visible_to(membership).select_related("owner", "organisation"), public_id=room_id
    )
