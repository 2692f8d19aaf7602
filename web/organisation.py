"""Which organisation a browser is working in: a choice kept in the session, browser-only.

The access helpers (accounts.access, rooms.access) are pure; the pages call these to read the
choice and to switch it when a seller follows a link into another of their organisations.
The API has no such notion: every request names its objects.
"""

from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from accounts.models import Membership
from rooms.access import RoomAccess, get_room_access

SESSION_KEY = "organisation_id"
_CACHE_ATTR = "_tandem_current_membership"


def _memberships(request: HttpRequest) -> QuerySet[Membership]:
    return Membership.objects.filter(user_id=request.user.pk or 0).select_related("organisation")


def get_current_membership(request: HttpRequest) -> Membership | None:
    """The membership of the organisation the person is working in, or None if they have none.

    The choice lives in the session; a stale choice (they left, or were removed) falls back to
    their oldest membership.
    """
    if not request.user.is_authenticated:
        return None
    if hasattr(request, _CACHE_ATTR):
        return getattr(request, _CACHE_ATTR)
    memberships = _memberships(request)
    chosen = request.session.get(SESSION_KEY)
    membership = None
    if chosen:
        membership = memberships.filter(organisation__public_id=chosen).first()
    if membership is None:
        membership = memberships.order_by("created_at", "pk").first()
        if membership is not None:
            request.session[SESSION_KEY] = str(membership.organisation.public_id)
    setattr(request, _CACHE_ATTR, membership)
    return membership


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
    access = get_room_access(request.user, room_id, template=template)
    if access.membership is not None:
        select_organisation(request, access.membership)
    return access


def room_access_for_seller(request: HttpRequest, room_id: UUID) -> RoomAccess:
    """For actions only the seller's team may take: 404 for outsiders, 403 for buyers."""
    access = room_access(request, room_id)
    access.require_seller()
    return access
