"""The only way views reach organisations, memberships and invitations: a person and ids in,
the object out. Nothing here reads or writes a session (which organisation a browser works in
is web.organisation's business).

An outsider gets ``Http404``, exactly as for an id that does not exist; a member who may
look but not change gets ``PermissionDenied`` (403).
"""

from uuid import UUID

from allauth.account.models import EmailAddress
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import ApiToken, Invitation, Membership, User
from accounts.tokens import token_hash

# request.user: a signed-in person, or nobody (who gets 404 everywhere).
AnyUser = User | AnonymousUser


def get_membership(user: AnyUser, organisation_id: UUID) -> Membership:
    """The person's membership of the organisation; 404 if they are not a member."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(
        Membership.objects.filter(user_id=user.pk).select_related("organisation"),
        organisation__public_id=organisation_id,
    )


def get_membership_for_admin(user: AnyUser, organisation_id: UUID) -> Membership:
    """Like get_membership, and 403 unless the person is an admin of it."""
    membership = get_membership(user, organisation_id)
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


def get_invitation_for_invitee(user: AnyUser, invitation_id: UUID) -> Invitation:
    """An open invitation addressed to one of the signed-in person's verified addresses."""
    if not user.is_authenticated:
        raise Http404
    verified = EmailAddress.objects.filter(user_id=user.pk, verified=True).values("email")
    invitation = (
        Invitation.objects.pending()
        .filter(public_id=invitation_id)
        .select_related("organisation")
        .first()
    )
    if invitation is None or not verified.filter(email__iexact=invitation.email).exists():
        raise Http404
    return invitation


def get_api_token_of(user: AnyUser, token_id: UUID) -> ApiToken:
    """One of the signed-in person's own API tokens; anyone else's is a 404."""
    return get_object_or_404(ApiToken, user_id=user.pk, public_id=token_id)
