from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthedRequest
from accounts.models import Membership
from plans.forms import MoveForm
from rooms.access import RoomAccess, get_room_access_for_seller
from rooms.http import form_invalid, stakeholders_updated
from stakeholders.forms import BuyerStakeholderForm, SellerStakeholderForm
from stakeholders.models import Side
from stakeholders.services import (
    stakeholder_add_buyer,
    stakeholder_add_seller,
    stakeholder_move,
    stakeholder_remove,
    stakeholder_update,
)


def _members_not_in_room(access: RoomAccess):
    in_room = access.room.stakeholders.exclude(user=None).values("user_id")
    return (
        Membership.objects.filter(organisation_id=access.room.organisation_id)
        .exclude(user_id__in=in_room)
        .select_related("user")
        .order_by("user__name", "user__email")
    )


@login_required
@require_http_methods(["GET", "POST"])
def buyer_add(request: AuthedRequest, room_id: UUID) -> HttpResponse:
    access = get_room_access_for_seller(request, room_id)
    form = BuyerStakeholderForm(request.POST or None)
    context = {"form": form, "access": access, "side": Side.BUYER}
    if request.method == "POST":
        if form.is_valid():
            try:
                stakeholder_add_buyer(room=access.room, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return stakeholders_updated(request, access)
        return form_invalid(request, "stakeholders/stakeholder_form.html", context)
    return render(request, "stakeholders/stakeholder_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def seller_add(request: AuthedRequest, room_id: UUID) -> HttpResponse:
    access = get_room_access_for_seller(request, room_id)
    form = SellerStakeholderForm(request.POST or None, members=_members_not_in_room(access))
    context = {"form": form, "access": access, "side": Side.SELLER}
    if request.method == "POST":
        if form.is_valid():
            try:
                stakeholder_add_seller(
                    room=access.room,
                    actor=request.user,
                    member=form.cleaned_data["member"],
                    title=form.cleaned_data["title"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return stakeholders_updated(request, access)
        return form_invalid(request, "stakeholders/stakeholder_form.html", context)
    return render(request, "stakeholders/stakeholder_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def stakeholder_edit(request: AuthedRequest, room_id: UUID, stakeholder_id: UUID) -> HttpResponse:
    access = get_room_access_for_seller(request, room_id)
    stakeholder = access.get_stakeholder(stakeholder_id)
    form = BuyerStakeholderForm(request.POST or None, instance=stakeholder)
    if stakeholder.side == Side.SELLER:
        form.fields["email"].disabled = True
    context = {"form": form, "access": access, "stakeholder": stakeholder, "side": stakeholder.side}
    if request.method == "POST":
        if form.is_valid():
            try:
                stakeholder_update(stakeholder=stakeholder, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return stakeholders_updated(request, access)
        return form_invalid(request, "stakeholders/stakeholder_form.html", context)
    name = (
        "stakeholders/stakeholder_form.html#form"
        if request.htmx
        else "stakeholders/stakeholder_form.html"
    )
    return render(request, name, context)


@login_required
@require_POST
def stakeholder_remove_view(
    request: AuthedRequest, room_id: UUID, stakeholder_id: UUID
) -> HttpResponse:
    access = get_room_access_for_seller(request, room_id)
    stakeholder = access.get_stakeholder(stakeholder_id)
    try:
        stakeholder_remove(stakeholder=stakeholder, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return stakeholders_updated(request, access)


@login_required
@require_POST
def stakeholder_move_view(
    request: AuthedRequest, room_id: UUID, stakeholder_id: UUID
) -> HttpResponse:
    access = get_room_access_for_seller(request, room_id)
    form = MoveForm(request.POST)
    if form.is_valid():
        stakeholder_move(
            stakeholder=access.get_stakeholder(stakeholder_id),
            direction=form.cleaned_data["direction"],
            actor=request.user,
        )
    return stakeholders_updated(request, access)
