from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import get_current_membership
from rooms.access import get_room_for_seller, require_membership, rooms_visible_to
from rooms.forms import RoomForm
from rooms.services import room_create


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The landing page for visitors; the rooms list for sellers; onboarding for the rest."""
    if not request.user.is_authenticated:
        return render(request, "landing.html")
    membership = get_current_membership(request)
    if membership is None:
        return redirect("organisation_create")
    rooms = rooms_visible_to(membership).select_related("owner").order_by("target_date")
    return render(request, "rooms/room_list.html", {"membership": membership, "rooms": rooms})


@login_required
@require_http_methods(["GET", "POST"])
def room_create_view(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request)
    form = RoomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            room = room_create(membership=membership, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if form.target_in_past:
                messages.warning(request, "The target date is in the past: is that intended?")
            messages.success(request, f"The room for {room.buyer_company} is ready.")
            return redirect("room_detail", room_id=room.public_id)
    status = 400 if form.errors else 200
    return render(request, "rooms/room_create.html", {"form": form}, status=status)


@login_required
@require_GET
def room_detail(request: HttpRequest, room_id: UUID) -> HttpResponse:
    room = get_room_for_seller(request, room_id)
    return render(request, "rooms/room_detail.html", {"room": room})
