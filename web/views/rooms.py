from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activity.kinds import EventKind
from activity.recording import beacon_token, view_record
from plans.builtin_templates import BUILTIN_TEMPLATES
from rooms.access import (
    RoomAccess,
    buyer_rooms,
    rooms_visible_to,
    templates_usable_by,
    templates_visible_to,
)
from rooms.conflicts import EditConflict
from rooms.document import room_document_response
from rooms.forms import BLANK, RoomCreateForm, RoomDetailsForm, SaveAsTemplateForm, StageForm
from rooms.models import Stage
from rooms.services import (
    room_create,
    room_save_as_template,
    room_set_stage,
    room_update_details,
    template_delete,
    template_spec_for,
)
from web.conflicts import conflict_form
from web.http import AuthedRequest
from web.organisation import (
    get_current_membership,
    require_membership,
    room_access,
    room_access_for_seller,
)
from web.room_page import room_body_html, room_url
from web.views.live import live_etag

ROOMS_PER_PAGE = 50


@login_not_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The landing page for visitors; the rooms list for sellers; onboarding for the rest."""
    if not request.user.is_authenticated:
        return render(request, "landing.html")
    membership = get_current_membership(request)
    if membership is None:
        as_buyer = buyer_rooms(request.user).select_related("owner", "organisation")
        if as_buyer:
            return render(request, "rooms/buyer_room_list.html", {"rooms": as_buyer})
        return redirect("organisation_create")
    visible = rooms_visible_to(membership)
    rooms = visible.select_related("owner").annotate(
        task_total=Count("tasks", distinct=True),
        task_done=Count("tasks", filter=Q(tasks__status="done"), distinct=True),
    )
    scope = request.GET.get("scope", "mine" if not membership.sees_every_room else "all")
    if scope == "mine":
        rooms = rooms.filter(Q(owner=request.user) | Q(seller_team=request.user)).distinct()
    stage = request.GET.get("stage", Stage.ACTIVE)
    if stage in Stage.values:
        rooms = rooms.filter(stage=stage)
    query = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    if query:
        rooms = rooms.filter(buyer_company__icontains=query)
    context = {
        "membership": membership,
        "rooms": rooms.order_by("target_date", "pk")[:ROOMS_PER_PAGE],
        "has_rooms": visible.exists(),
        "scope": scope,
        "stage": stage if stage in Stage.values else "",
        "stages": Stage.choices,
        "query": query,
    }
    return render(request, "rooms/room_list.html", context)


@require_http_methods(["GET", "POST"])
def room_create_view(request: AuthedRequest) -> HttpResponse:
    membership = require_membership(request)
    org_templates = list(templates_usable_by(membership).order_by("name"))
    form = RoomCreateForm(
        request.POST if request.method == "POST" else None,
        initial={"template": request.GET.get("template", BLANK)},
        org_templates=org_templates,
    )
    if request.method == "POST" and form.is_valid():
        template = template_spec_for(form.cleaned_data["template"], org_templates)
        try:
            room = room_create(
                membership=membership,
                buyer_company=form.cleaned_data["buyer_company"],
                target_date=form.cleaned_data["target_date"],
                start_date=form.cleaned_data["start_date"],
                template=template,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if form.target_in_past:
                messages.warning(request, "The target date is in the past: is that intended?")
            messages.success(request, f"The room for {room.buyer_company} is ready.")
            return redirect("room_detail", room_id=room.public_id)
    status = 400 if form.errors else 200
    return render(request, "rooms/room_create.html", {"form": form}, status=status)


def _room_page(request: AuthedRequest, room_id: UUID, *, template: bool) -> HttpResponse:
    return room_page_response(request, room_access(request, room_id, template=template))


def room_page_response(
    request: HttpRequest, access: RoomAccess, *, record: bool = True
) -> HttpResponse:
    """The room page; ``record=False`` only for the benchmark's cost of recording a view."""
    context = {"room": access.room, "body_html": room_body_html(request, access)}
    if record and not access.room.is_template:
        # Queued, not written: the page does not wait for the database (activity.recording).
        view = view_record(access.who, EventKind.ROOM_VIEWED, "opened the room")
        context["beacon_token"] = beacon_token(view)
    if not access.room.is_template:
        context["live_etag"] = live_etag(access)  # static/js/live.js keeps the page current
    return render(request, "rooms/room_detail.html", context)


@require_GET
def room_detail(request: AuthedRequest, room_id: UUID) -> HttpResponse:
    return _room_page(request, room_id, template=False)


@require_GET
def room_document(request: AuthedRequest, room_id: UUID) -> HttpResponse:
    """The room as a PDF, as this person sees it (rooms.document)."""
    return room_document_response(room_access(request, room_id, template=False))


@require_GET
def template_detail(request: AuthedRequest, room_id: UUID) -> HttpResponse:
    return _room_page(request, room_id, template=True)


@require_http_methods(["GET", "POST"])
def room_edit(request: AuthedRequest, room_id: UUID) -> HttpResponse:
    access = room_access_for_seller(request, room_id)
    room = access.room
    form = RoomDetailsForm(request.POST if request.method == "POST" else None, instance=room)
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        expected = changes.pop("version")
        try:
            room_update_details(by=access, expected_version=expected, **changes)
        except ValidationError as exc:
            form.add_error(None, exc)
        except EditConflict as conflict:
            room.refresh_from_db()
            form = conflict_form(
                RoomDetailsForm(request.POST, instance=room),
                RoomDetailsForm(instance=room),
                conflict.current_version,
            )
            context = {"form": form, "room": room}
            return render(request, "rooms/room_edit.html", context, status=409)
        else:
            messages.success(request, "Saved.")
            return redirect(room_url(access))
    status = 422 if form.errors else 200
    return render(request, "rooms/room_edit.html", {"form": form, "room": room}, status=status)


@require_POST
def room_stage(request: AuthedRequest, room_id: UUID) -> HttpResponse:
    access = room_access(request, room_id, template=False)
    access.require_seller()
    form = StageForm(request.POST)
    if form.is_valid():
        try:
            room_set_stage(by=access, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"The room is now {access.room.get_stage_display().lower()}.")
            return redirect(room_url(access))
    context = {"form": form, "room": access.room}
    return render(request, "rooms/room_stage.html", context, status=422)


@require_http_methods(["GET", "POST"])
def room_save_as_template_view(request: AuthedRequest, room_id: UUID) -> HttpResponse:
    access = room_access_for_seller(request, room_id)
    form = SaveAsTemplateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        template = room_save_as_template(by=access, **form.cleaned_data)
        messages.success(request, f"Saved as the template “{template.name}”.")
        return redirect("template_detail", room_id=template.public_id)
    status = 422 if form.errors else 200
    context = {"form": form, "room": access.room}
    return render(request, "rooms/room_save_as_template.html", context, status=status)


@require_GET
def template_list(request: AuthedRequest) -> HttpResponse:
    membership = require_membership(request)
    editable = {t.pk for t in templates_visible_to(membership)}
    org_templates = (
        templates_usable_by(membership)
        .select_related("owner")
        .annotate(task_count=Count("tasks"))
        .order_by("name")
    )
    context = {
        "builtin": BUILTIN_TEMPLATES,
        "org_templates": [(t, t.pk in editable) for t in org_templates],
    }
    return render(request, "rooms/template_list.html", context)


@require_POST
def template_delete_view(request: AuthedRequest, room_id: UUID) -> HttpResponse:
    access = room_access(request, room_id, template=True)
    access.require_seller()
    name = access.room.name
    template_delete(by=access)
    messages.success(request, f"The template “{name}” was deleted.")
    return redirect("template_list")
