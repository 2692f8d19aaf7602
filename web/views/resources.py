"""A room's files and links: shared by either side, opened only through the access check.

Plain form posts that go back to the room's Resources card; a form with a mistake comes back
on a page of its own (422), as comments do.
"""

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from plans.forms import MoveForm
from rooms.access import RoomAccess
from rooms.downloads import file_response
from rooms.resource_forms import ResourceFileForm, ResourceLinkForm
from rooms.resource_services import (
    resource_add_file,
    resource_add_link,
    resource_delete,
    resource_move,
    resource_opened,
)
from rooms.uploads import SizeLimitHandler
from web.http import AuthedRequest
from web.organisation import room_access
from web.room_page import room_url


def _back(request: AuthedRequest, access: RoomAccess) -> HttpResponse:
    """Back to the room's Resources card. A removal confirmed with HTMX reloads the room page
    it was made on (a redirect to the same page and an anchor would only scroll)."""
    if request.htmx:
        return HttpResponseClientRefresh()
    return redirect(room_url(access, "resources"))


def _invalid(request: AuthedRequest, access: RoomAccess, form, kind: str) -> HttpResponse:
    context = {"form": form, "access": access, "kind": kind}
    return render(request, "rooms/resource_form.html", context, status=422)


@csrf_exempt  # checked by _add_file, once the size limit is in place (Django's upload docs)
@require_POST
def resource_add_file_view(request: AuthedRequest, room_id: UUID) -> HttpResponse:
    limit = SizeLimitHandler(request, limit=settings.RESOURCE_MAX_BYTES)
    request.upload_handlers = [limit, *request.upload_handlers]
    return _add_file(request, room_id, limit)


@csrf_protect
def _add_file(request: AuthedRequest, room_id: UUID, limit: SizeLimitHandler) -> HttpResponse:
    access = room_access(request, room_id, template=False)
    form = ResourceFileForm(request.POST, request.FILES, too_big=limit.too_big)
    if form.is_valid():
        try:
            resource = resource_add_file(
                by=access,
                upload=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
                is_internal=form.cleaned_data["is_internal"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Shared “{resource.name}”.")
            return _back(request, access)
    return _invalid(request, access, form, "file")


@require_POST
def resource_add_link_view(request: AuthedRequest, room_id: UUID) -> HttpResponse:
    access = room_access(request, room_id, template=False)
    form = ResourceLinkForm(request.POST)
    if form.is_valid():
        try:
            resource = resource_add_link(by=access, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Shared “{resource.name}”.")
            return _back(request, access)
    return _invalid(request, access, form, "link")


@require_GET
def resource_open(request: AuthedRequest, room_id: UUID, resource_id: UUID) -> HttpResponseBase:
    """Follow a link, or download a file: images open in the browser, the rest download."""
    access = room_access(request, room_id, template=False)
    resource = access.get_resource(resource_id)
    if resource.is_link:
        resource_opened(by=access, resource=resource)
        return redirect(resource.url)
    return file_response(access, resource)


@require_POST
def resource_delete_view(request: AuthedRequest, room_id: UUID, resource_id: UUID) -> HttpResponse:
    """Sellers remove anything; a buyer what they shared themselves."""
    access = room_access(request, room_id, template=False)
    resource = access.get_resource(resource_id)
    resource_delete(resource=resource, by=access)
    messages.success(request, f"Removed “{resource.name}”.")
    return _back(request, access)


@require_POST
def resource_move_view(request: AuthedRequest, room_id: UUID, resource_id: UUID) -> HttpResponse:
    access = room_access(request, room_id, template=False)
    access.require_seller()
    resource = access.get_resource(resource_id)
    form = MoveForm(request.POST)
    if form.is_valid():
        resource_move(resource=resource, direction=form.cleaned_data["direction"], by=access)
    return _back(request, access)
