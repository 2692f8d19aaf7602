import logging
from datetime import timedelta
from typing import cast
from uuid import UUID

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import (
    get_api_token_of,
    get_invitation_by_token,
    get_invitation_for_invitee,
    get_invitation_of,
    get_member_of,
    get_membership,
    get_membership_for_admin,
)
from accounts.forms import (
    ApiTokenForm,
    InvitationForm,
    NameForm,
    OrganisationForm,
    OrganisationSettingsForm,
    RoleForm,
)
from accounts.models import Invitation, Membership, Role, User
from accounts.services import (
    api_token_create,
    api_token_revoke,
    invitation_accept,
    invitation_create,
    invitation_resend,
    invitation_revoke,
    membership_set_role,
    organisation_create,
    organisation_settings_update,
    user_has_verified_email,
    user_set_name,
)
from rooms.forms import NewOwnersForm
from rooms.offboarding import member_offboard, new_owner_choices, rooms_joined_by, rooms_owned_by
from web.http import AuthedRequest
from web.organisation import select_organisation

logger = logging.getLogger("tandem")


def _pending_invitations_for(user) -> list[Invitation]:
    return [
        invitation
        for invitation in Invitation.objects.pending()
        .filter(email__iexact=user.email)
        .select_related("organisation", "invited_by")
        if user_has_verified_email(user, invitation.email)
    ]


@require_http_methods(["GET", "POST"])
def organisation_create_view(request: AuthedRequest) -> HttpResponse:
    form = OrganisationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = organisation_create(name=form.cleaned_data["name"], creator=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            select_organisation(request, organisation.memberships.get(user=request.user))
            messages.success(request, f"{organisation.name} is ready. Welcome to Tandem.")
            return redirect("home")
    context = {"form": form, "invitations": _pending_invitations_for(request.user)}
    return render(request, "accounts/organisation_create.html", context)


@require_POST
def organisation_switch(request: AuthedRequest, organisation_id: UUID) -> HttpResponse:
    membership = get_membership(request.user, organisation_id)
    select_organisation(request, membership)
    messages.info(request, f"You are now working in {membership.organisation.name}.")
    return redirect("home")


@require_GET
def member_list(request: AuthedRequest, organisation_id: UUID) -> HttpResponse:
    membership = get_membership(request.user, organisation_id)
    return _render_members(request, membership)


@require_http_methods(["GET", "POST"])
def organisation_settings(request: AuthedRequest, organisation_id: UUID) -> HttpResponse:
    """Admins set the organisation's time zone and reminder lead time."""
    admin = get_membership_for_admin(request.user, organisation_id)
    organisation = admin.organisation
    initial = {
        "timezone": organisation.timezone,
        "reminder_days_before": organisation.reminder_days_before,
        "date_order": organisation.date_order,
    }
    form = OrganisationSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        organisation_settings_update(
            organisation=organisation,
            timezone_name=form.cleaned_data["timezone"],
            reminder_days_before=form.cleaned_data["reminder_days_before"],
            date_order=form.cleaned_data["date_order"] or None,
            actor=request.user,
        )
        messages.success(request, "The organisation's settings are saved.")
        return redirect("organisation_settings", organisation_id=organisation_id)
    status = 422 if form.errors else 200
    context = {"form": form, "organisation": organisation, "membership": admin}
    return render(request, "accounts/organisation_settings.html", context, status=status)


def _render_members(
    request: HttpRequest,
    membership: Membership,
    invite_form: InvitationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    organisation = membership.organisation
    members = organisation.memberships.select_related("user").order_by("user__email")
    context = {
        "membership": membership,
        "organisation": organisation,
        "members": members,
        "invitations": organisation.invitations.pending().order_by("email")
        if membership.is_admin
        else [],
        "invite_form": invite_form or InvitationForm(),
        "role_choices": Role.choices,
    }
    return render(request, "accounts/member_list.html", context, status=status)


@require_POST
def member_set_role(
    request: AuthedRequest, organisation_id: UUID, membership_id: UUID
) -> HttpResponse:
    admin = get_membership_for_admin(request.user, organisation_id)
    member = get_member_of(admin, membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles admin, manager or rep.")
    else:
        try:
            membership_set_role(
                membership=member, role=form.cleaned_data["role"], actor=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, f"{member.user.email} is now {member.get_role_display().lower()}."
            )
    return redirect("member_list", organisation_id=organisation_id)


@require_http_methods(["GET", "POST"])
def member_remove(
    request: AuthedRequest, organisation_id: UUID, membership_id: UUID
) -> HttpResponse:
    """The admin removes a member: from the organisation and every room of it at once, each
    room they own handed to the member the admin picks (rooms.offboarding)."""
    admin = get_membership_for_admin(request.user, organisation_id)
    member = get_member_of(admin, membership_id)
    members = new_owner_choices(member)
    default = admin if admin.pk != member.pk else (members[0] if members else None)
    form = NewOwnersForm(
        request.POST if request.method == "POST" else None,
        rooms=list(rooms_owned_by(member)),
        members=members,
        default=default,
    )
    if request.method == "POST" and form.is_valid():
        try:
            member_offboard(membership=member, actor=request.user, new_owners=form.new_owners())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, f"{member.user.email} was removed from {admin.organisation.name}."
            )
            if member.user_id == request.user.id:
                return redirect("home")
            return redirect("member_list", organisation_id=organisation_id)
    context = {
        "organisation": admin.organisation,
        "membership": admin,
        "member": member,
        "form": form,
        "joined": rooms_joined_by(member).count(),
    }
    status = 422 if form.errors else 200
    return render(request, "accounts/member_remove.html", context, status=status)


@require_POST
def invitation_create_view(request: AuthedRequest, organisation_id: UUID) -> HttpResponse:
    admin = get_membership_for_admin(request.user, organisation_id)
    form = InvitationForm(request.POST)
    if not ratelimit.consume(request, action="organisation_invite", user=request.user):
        return render(request, "429.html", status=429)
    if form.is_valid():
        try:
            invitation = invitation_create(
                organisation=admin.organisation,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("member_list", organisation_id=organisation_id)
    return _render_members(request, admin, invite_form=form, status=400)


@require_POST
def invitation_resend_view(
    request: AuthedRequest, organisation_id: UUID, invitation_id: UUID
) -> HttpResponse:
    admin = get_membership_for_admin(request.user, organisation_id)
    invitation = get_invitation_of(admin, invitation_id)
    try:
        invitation_resend(invitation=invitation, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"A new invitation link was sent to {invitation.email}.")
    return redirect("member_list", organisation_id=organisation_id)


@require_POST
def invitation_revoke_view(
    request: AuthedRequest, organisation_id: UUID, invitation_id: UUID
) -> HttpResponse:
    admin = get_membership_for_admin(request.user, organisation_id)
    invitation = get_invitation_of(admin, invitation_id)
    invitation_revoke(invitation=invitation, actor=request.user)
    messages.success(request, f"The invitation to {invitation.email} was withdrawn.")
    return redirect("member_list", organisation_id=organisation_id)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET only shows the invitation (mail scanners prefetch links); accepting is a POST."""
    invitation = get_invitation_by_token(token)
    context = {"invitation": invitation, "token": token, "error": None}
    if not invitation.is_pending:
        return render(request, "accounts/invitation_accept.html", context, status=410)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        try:
            membership = invitation_accept(invitation=invitation, user=cast(User, request.user))
        except PermissionDenied as exc:
            context["error"] = str(exc)
            return render(request, "accounts/invitation_accept.html", context, status=403)
        except ValidationError as exc:
            context["error"] = " ".join(exc.messages)
            return render(request, "accounts/invitation_accept.html", context, status=410)
        select_organisation(request, membership)
        messages.success(request, f"You joined {membership.organisation.name}.")
        return redirect("home")
    if not request.user.is_authenticated:
        # Holding the link proves the address: signing up with it needs no second email.
        get_account_adapter(request).stash_verified_email(request, invitation.email)
    elif not user_has_verified_email(request.user, invitation.email):
        context["error"] = (
            f"This invitation is for {invitation.email}, and you are signed in as "
            f"{request.user.email}. Sign out and sign in (or sign up) with {invitation.email}."
        )
    return render(request, "accounts/invitation_accept.html", context)


@require_POST
def invitation_accept_mine(request: AuthedRequest, invitation_id: UUID) -> HttpResponse:
    """Join from the list of invitations addressed to me, without the emailed link."""
    invitation = get_invitation_for_invitee(request.user, invitation_id)
    try:
        membership = invitation_accept(invitation=invitation, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("organisation_create")
    select_organisation(request, membership)
    messages.success(request, f"You joined {membership.organisation.name}.")
    return redirect("home")


# API tokens ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def profile(request: AuthedRequest) -> HttpResponse:
    """A person's own name, shown in rooms and emails instead of their email address."""
    user = cast(User, request.user)
    form = NameForm(request.POST if request.method == "POST" else None, initial={"name": user.name})
    if request.method == "POST" and form.is_valid():
        try:
            user_set_name(user=user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Your name is saved: rooms and emails show it now.")
            return redirect("profile")
    status = 422 if form.errors else 200
    return render(request, "accounts/profile.html", {"form": form}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def api_tokens(request: AuthedRequest) -> HttpResponse:
    """Personal API tokens, sellers' and buyers' alike: a new one is shown once, here."""
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["expires_in"]
        expires_at = timezone.now() + timedelta(days=days) if days else None
        try:
            api_token, new_token = api_token_create(
                user=request.user, name=form.cleaned_data["name"], expires_at=expires_at
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            form = ApiTokenForm()
    context = {
        "form": form,
        "new_token": new_token,
        "tokens": request.user.api_tokens.all(),
        "now": timezone.now(),
    }
    status = 422 if form.errors else 200
    return render(request, "accounts/api_tokens.html", context, status=status)


@require_POST
def api_token_revoke_view(request: AuthedRequest, token_id: UUID) -> HttpResponse:
    api_token = get_api_token_of(request.user, token_id)
    api_token_revoke(api_token=api_token, actor=request.user)
    messages.success(request, f"The token “{api_token.name}” no longer works.")
    return redirect("api_tokens")
