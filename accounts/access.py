"""The only way views reach organisations, memberships and invitations.

An outsider gets ``Http404``, exactly as for an id that does not exist; a member who may
look but not change gets ``PermissionDenied`` (403).
"""

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from accounts.models import ApiToken, Invitation, Membership
from accounts.tokens import token_hash

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


def get_membership(request: HttpRequest, organisation_id: UUID) -> Membership:
    """The person's membership of the organisation; 404 if they are not a member."""
    if not request.user.is_authenticated:
        raise Http404
    return get_object_or_404(_memberships(request), organisation__public_id=organisation_id)


def get_membership_for_admin(request: HttpRequest, organisation_id: UUID) -> Membership:
    """Like get_membership, and 403 unless the person is an admin of it."""
    membership = get_membership(request, organisation_id)
    if not membership.is_admin:
        raise PermissionDenied("Only an admin of the organisation can do this.")
    return membership


def get_member_of(admin: Membership, membership_id: UUID) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user"),
        organisation_id=admin.organisation_id,
        public_id=membership_id,
    )


def get_invitation_of(admin: Membership, invitation_id: UUID) -> Invitation:
    return get_object_or_404(
        Invitation.objects.all(), organisation_id=admin.organisation_id, public_id=invitation_id
    )


def get_invitation_by_token(token: str) -> Invitation:
    """Anyone holding the link may look at it; a made-up or re-sent-over token is a 404."""
    return get_object_or_404(
        Invitation.objects.select_related("organisation", "invited_by"),
        token_hash=token_hash(token),
    )


def get_invitation_for_invitee(request: HttpRequest, invitation_id: UUID) -> Invitation:
    """An open invitation addressed to one of the signed-in person's verified addresses."""
    from allauth.account.models import EmailAddress

    if not request.user.is_authenticated:
        raise Http404
    verified = EmailAddress.objects.filter(user=request.user, verified=True).values("email")
    invitation = (
        Invitation.objects.pending()
        .filter(public_id=invitation_id)
        .select_related("organisation")
        .first()
    )
    if invitation is None or not verified.filter(email__iexact=invitation.email).exists():
        raise Http404
    return invitation


def get_api_token_of(request: HttpRequest, token_id: UUID) -> ApiToken:
    """One of the signed-in person's own API tokens; anyone else's is a 404."""
    return get_object_or_404(ApiToken, user_id=request.user.pk, public_id=token_id)
