"""Which organisation a browser is working in: a choice kept in the session, browser-only.

The access helpers (accounts.access, rooms.access) are pure; the pages call these to read the
choice and to switch it when a seller follows a link into another of their organisations.
The API has no such notion: every request names its objects.
"""

from uuid import UUID

from django.http import Http404, HttpRequest

from accounts.models import Membership
from rooms.access import RoomAccess, get_room_access

SESSION_KEY = "organisation_id"
_CACHE_ATTR = "_tandem_current_membership"
_LIST_ATTR = "_tandem_memberships"


def memberships_of(request: HttpRequest) -> list[Membership]:
    """Every membership of the signed-in person with its organisation, oldest first: read once
    per request, for the current organisation, the switcher and the room access check alike."""
    memberships: list[Membership] | None = getattr(request, _LIST_ATTR, None)
    if memberships is None:
        memberships = list(
            Membership.objects.filter(user_id=request.user.pk or 0)
            .select_related("organisation")
            .order_by("created_at", "pk")
        )
        setattr(request, _LIST_ATTR, memberships)
    return memberships


def get_current_membership(request: HttpRequest) -> Membership | None:
    """The membership of the organisation the person is working in, or None if they have none.

    The choice lives in the session; a stale choice (they left, or were removed) falls back to
    their oldest membership.
    """
    if not request.user.is_authenticated:
        return None
    if hasattr(request, _CACHE_ATTR):
        return getattr(request, _CACHE_ATTR)
    memberships = memberships_of(request)
    chosen = request.session.get(SESSION_KEY)
    membership = next((m for m in memberships if str(m.organisation.public_id) == chosen), None)
    if membership is None and memberships:
        membership = memberships[0]
        request.session[SESSION_KEY] = str(membership.organisation.public_id)
    setattr(request, _CACHE_ATTR, membership)
    return membership


def other_memberships(request: HttpRequest) -> list[Membership]:
    """The organisations the person may switch to, by name."""
    current = get_current_membership(request)
    others = [m for m in memberships_of(request) if current is None or m.pk != current.pk]
    return sorted(others, key=lambda m: m.organisation.name)


def select_organisation(request: HttpRequest, membership: Membership) -> None:
    """Work in the membership's organisation from now on (the session is written only when
    that changes anything)."""
    chosen = str(membership.organisation.public_id)
    if request.session.get(SESSION_KEY) != chosen:
        request.session[SESSION_KEY] = chosen
    setattr(request, _CACHE_ATTR, membership)


def require_membership(request: HttpRequest) -> Membership:
    membership = get_current_membership(request)
    if membership is None:
        raise Http404
    return membership


def room_access(request: HttpRequest, room_id: UUID, *, template: bool | None = None) -> RoomAccess:
    """rooms.access.get_room_access for a page: a seller who follows a link into another of
    their organisations is switched to it."""
    access = get_room_access(
        request.user, room_id, template=template, memberships=memberships_of(request)
    )
    if access.membership is not None:
        select_organisation(request, access.membership)
    return access


def room_access_for_seller(request: HttpRequest, room_id: UUID) -> RoomAccess:
    """For actions only the seller's team may take: 404 for outsiders, 403 for buyers."""
    access = room_access(request, room_id)
    access.require_seller()
    return access
