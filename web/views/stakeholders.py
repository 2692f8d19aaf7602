from uuid import UUID

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Membership, Side
from plans.forms import MoveForm
from plans.models import Task
from rooms.access import RoomAccess
from rooms.conflicts import EditConflict
from stakeholders.forms import BuyerLinkRequestForm, BuyerStakeholderForm, SellerStakeholderForm
from stakeholders.models import BuyerLink, Stakeholder
from stakeholders.selectors import buyer_link_inviter
from stakeholders.services import (
    buyer_invite,
    buyer_link_find,
    buyer_link_redeem,
    buyer_revoke,
    colleague_add,
    stakeholder_add_buyer,
    stakeholder_add_seller,
    stakeholder_move,
    stakeholder_remove,
    stakeholder_update,
)
from stakeholders.tasks import buyer_links_request_later
from web.conflicts import conflict_form, form_conflict
from web.http import AuthedRequest
from web.organisation import room_access, room_access_for_seller
from web.room_page import form_invalid, stakeholders_updated


def _members_not_in_room(access: RoomAccess):
    in_room = access.room.stakeholders.exclude(user=None).values("user_id")
    return (
        Membership.objects.filter(organisation_id=access.room.organisation_id)
        .exclude(user_id__in=in_room)
        .select_related("user")
        .order_by("user__name", "user__email")
    )


@require_http_methods(["GET", "POST"])
def buyer_add(request: AuthedRequest, room_id: UUID) -> HttpResponse:
    """Sellers add anyone at the buyer, and invite them in the same step unless they choose
    "Add without inviting"; a buyer adds a colleague, who is invited at once."""
    access = room_access(request, room_id)
    form = BuyerStakeholderForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "access": access, "side": Side.BUYER}
    if request.method == "POST":
        # The form's default button posts invite=1; "Add without inviting" posts invite=0.
        invite = not access.is_seller or request.POST.get("invite") == "1"
        if form.is_valid():
            action = "buyer_invite" if access.is_seller else "colleague_invite"
            if invite and not ratelimit.consume(request, action=action, user=request.user):
                return render(request, "429.html", status=429)
            try:
                if access.is_seller:
                    added = stakeholder_add_buyer(by=access, invite=invite, **form.cleaned_data)
                else:
                    added = colleague_add(by=access, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if invite:
                    saved = f"Added {added.name} and emailed them their link to the room."
                else:
                    saved = f"Added {added.name}. Invite them when you are ready."
                return stakeholders_updated(request, access, saved=saved)
        return form_invalid(request, "stakeholders/stakeholder_form.html", context)
    return render(request, "stakeholders/stakeholder_form.html", context)


@require_http_methods(["GET", "POST"])
def seller_add(request: AuthedRequest, room_id: UUID) -> HttpResponse:
    access = room_access_for_seller(request, room_id)
    form = SellerStakeholderForm(
        request.POST if request.method == "POST" else None, members=_members_not_in_room(access)
    )
    context = {"form": form, "access": access, "side": Side.SELLER}
    if request.method == "POST":
        if form.is_valid():
            try:
                added = stakeholder_add_seller(by=access, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                saved = f"Added {added.name} to the seller team."
                return stakeholders_updated(request, access, saved=saved)
        return form_invalid(request, "stakeholders/stakeholder_form.html", context)
    return render(request, "stakeholders/stakeholder_form.html", context)


def _stakeholder_form(data, stakeholder: Stakeholder) -> BuyerStakeholderForm:
    form = BuyerStakeholderForm(data, instance=stakeholder)
    if stakeholder.side == Side.SELLER:
        form.fields["email"].disabled = True  # a seller's address is their account's
    return form


@require_http_methods(["GET", "POST"])
def stakeholder_edit(request: AuthedRequest, room_id: UUID, stakeholder_id: UUID) -> HttpResponse:
    access = room_access_for_seller(request, room_id)
    stakeholder = access.get_stakeholder(stakeholder_id)
    form = _stakeholder_form(request.POST if request.method == "POST" else None, stakeholder)
    context = {"form": form, "access": access, "stakeholder": stakeholder, "side": stakeholder.side}
    if request.method == "POST":
        if form.is_valid():
            changes = dict(form.cleaned_data)
            expected = changes.pop("version")
            try:
                stakeholder_update(
                    stakeholder=stakeholder, by=access, expected_version=expected, **changes
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            except EditConflict as conflict:
                saved = access.get_stakeholder(stakeholder_id)
                form = conflict_form(
                    _stakeholder_form(request.POST, saved),
                    _stakeholder_form(None, saved),
                    conflict.current_version,
                )
                context |= {"form": form, "stakeholder": saved}
                return form_conflict(request, "stakeholders/stakeholder_form.html", context)
            else:
                return stakeholders_updated(request, access, saved=f"Saved {stakeholder.name}.")
        return form_invalid(request, "stakeholders/stakeholder_form.html", context)
    name = (
        "stakeholders/stakeholder_form.html#form"
        if request.htmx
        else "stakeholders/stakeholder_form.html"
    )
    return render(request, name, context)


@require_POST
def stakeholder_remove_view(
    request: AuthedRequest, room_id: UUID, stakeholder_id: UUID
) -> HttpResponse:
    access = room_access_for_seller(request, room_id)
    stakeholder = access.get_stakeholder(stakeholder_id)
    try:
        stakeholder_remove(stakeholder=stakeholder, by=access)
    except ValidationError as exc:
        return stakeholders_updated(request, access, error=" ".join(exc.messages))
    return stakeholders_updated(request, access, saved=f"Removed {stakeholder.name}.")


@require_POST
def stakeholder_move_view(
    request: AuthedRequest, room_id: UUID, stakeholder_id: UUID
) -> HttpResponse:
    access = room_access_for_seller(request, room_id)
    form = MoveForm(request.POST)
    if form.is_valid():
        stakeholder_move(
            stakeholder=access.get_stakeholder(stakeholder_id),
            direction=form.cleaned_data["direction"],
            by=access,
        )
    return stakeholders_updated(request, access)


@require_POST
def buyer_invite_view(request: AuthedRequest, room_id: UUID, stakeholder_id: UUID) -> HttpResponse:
    access = room_access_for_seller(request, room_id)
    stakeholder = access.get_stakeholder(stakeholder_id)
    if not ratelimit.consume(request, action="buyer_invite", user=request.user):
        return render(request, "429.html", status=429)
    try:
        buyer_invite(stakeholder=stakeholder, by=access)
    except ValidationError as exc:
        return stakeholders_updated(request, access, error=" ".join(exc.messages))
    saved = f"{stakeholder.name} was sent their link to the room."
    return stakeholders_updated(request, access, saved=saved)


@require_POST
def buyer_revoke_view(request: AuthedRequest, room_id: UUID, stakeholder_id: UUID) -> HttpResponse:
    access = room_access_for_seller(request, room_id)
    stakeholder = access.get_stakeholder(stakeholder_id)
    try:
        buyer_revoke(stakeholder=stakeholder, by=access)
    except ValidationError as exc:
        return stakeholders_updated(request, access, error=" ".join(exc.messages))
    saved = f"{stakeholder.name} no longer has access to the room."
    return stakeholders_updated(request, access, saved=saved)


def ask_someone_else(
    request: HttpRequest, link: BuyerLink, *, task: Task | None = None
) -> HttpResponse | None:
    """A buyer's link, opened by someone signed in as another person (a seller trying the email,
    someone else on a shared computer): they are asked before the link signs them out.

    Returns the question (on a GET, or on a POST without an answer: the button of a page shown
    before they signed in), or where staying themselves leads; None when the link goes on as
    it always has: nobody is signed in, the buyer is, or they chose to open it as the buyer."""
    user = request.user
    buyer = link.stakeholder
    if not user.is_authenticated:
        return None
    # The buyer: their user, or the address redeeming makes (or finds) the buyer's user by.
    if user.pk == buyer.user_id or user.email.lower() == buyer.email.lower():
        return None
    # The question's two buttons answer "open_as": "buyer" or "me".
    answer = request.POST.get("open_as") if request.method == "POST" else None
    if answer == "buyer":
        return None
    if answer != "me":
        context = {"link": link, "room": link.room, "task": task}
        return render(request, "stakeholders/buyer_link_question.html", context)
    # They stay themselves and the link stays unused: it is still the buyer's to open.
    try:
        access = room_access(request, link.room.public_id)
    except Http404:
        messages.info(
            request,
            f"You are still signed in as {user.email}, without access to that room. "
            f"{buyer.name}'s link was not used.",
        )
        return redirect("home")
    messages.info(
        request, f"You are still signed in as {user.email}. {buyer.name}'s link was not used."
    )
    if task is not None:
        return redirect("task_detail", access.room.public_id, task.public_id)
    return redirect(access.base_url)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def buyer_link(request: HttpRequest, token: str) -> HttpResponse:
    """A buyer's emailed link. GET only shows where it leads (mail scanners prefetch links);
    opening the room is a POST. Unknown, expired and revoked links are the same 404. Someone
    signed in as another person is asked first (ask_someone_else)."""
    link = buyer_link_find(token)
    if link is None:
        return render(request, "stakeholders/buyer_link_invalid.html", status=404)
    if (asked := ask_someone_else(request, link)) is not None:
        return asked
    if request.method == "POST":
        redemption = buyer_link_redeem(token=token)
        if redemption is None:
            return render(request, "stakeholders/buyer_link_invalid.html", status=404)
        room_url = reverse("room_detail", args=[link.room.public_id])
        if request.user.is_authenticated and request.user.pk == redemption.user.pk:
            return redirect(room_url)
        if not redemption.sign_in:
            # The address has a full Tandem account: it signs in with its own password.
            if request.user.is_authenticated:
                logout(request)
            messages.info(
                request,
                f"{redemption.user.email} has a Tandem account: sign in to open the room.",
            )
            return redirect(f"{reverse('account_login')}?next={room_url}")
        if request.user.is_authenticated:
            logout(request)
        login(request, redemption.user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(room_url)
    context = {"link": link, "room": link.room, "inviter": buyer_link_inviter(link)}
    return render(request, "stakeholders/buyer_link.html", context)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def buyer_link_request(request: HttpRequest) -> HttpResponse:
    """Returning buyers ask for fresh links. The answer never tells whether the address is known."""
    form = BuyerLinkRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        allowed = ratelimit.consume(request, action="buyer_link_request") and ratelimit.consume(
            request, action="buyer_link_request_email", key=email.lower()
        )
        if not allowed:
            return render(request, "429.html", status=429)
        buyer_links_request_later(email=email)
        return render(request, "stakeholders/buyer_link_request.html", {"sent_to": email})
    return render(request, "stakeholders/buyer_link_request.html", {"form": form})
