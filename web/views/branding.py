"""Branding: an organisation's logo and colour (admins), a room's buyer logo (sellers), and the
logos themselves, served to anyone who has their unguessable name (rooms, buyer pages, emails).
"""

import re
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.access import get_membership_for_admin
from accounts.branding import LOGO_FOLDER
from accounts.forms import BrandingForm, LogoField, OrganisationSettingsForm
from accounts.models import Organisation
from accounts.services import organisation_branding_update
from rooms.models import Room
from rooms.services import room_set_buyer_logo
from web.http import AuthedRequest
from web.organisation import room_access_for_seller
from web.room_page import room_url

# The names process_logo gives: 32 hex digits and .png (nothing else is ever looked up).
LOGO_NAME = re.compile(r"^[0-9a-f]{32}\.png$")


def branding_form_for(organisation: Organisation) -> BrandingForm:
    return BrandingForm(initial={"brand_colour": organisation.brand_colour or "#4f46e5"})


@require_POST
def organisation_branding(request: AuthedRequest, organisation_id: UUID) -> HttpResponse:
    """Admins set the organisation's logo and brand colour (on the settings page)."""
    admin = get_membership_for_admin(request.user, organisation_id)
    organisation = admin.organisation
    form = BrandingForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            organisation_branding_update(
                organisation=organisation,
                brand_colour=form.cleaned_data["brand_colour"],
                logo=form.cleaned_data["logo"],
                remove_logo=form.cleaned_data["remove_logo"],
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "The organisation's branding is saved.")
            return redirect("organisation_settings", organisation_id=organisation_id)
    settings_form = OrganisationSettingsForm(
        initial={
            "timezone": organisation.timezone,
            "reminder_days_before": organisation.reminder_days_before,
            "date_order": organisation.date_order,
        }
    )
    context = {
        "form": settings_form,
        "branding_form": form,
        "organisation": organisation,
        "membership": admin,
    }
    return render(request, "accounts/organisation_settings.html", context, status=422)


@require_POST
def room_buyer_logo(request: AuthedRequest, room_id: UUID) -> HttpResponse:
    """Sellers upload the buyer's logo, or remove it (``remove``)."""
    access = room_access_for_seller(request, room_id)
    if request.POST.get("remove"):
        room_set_buyer_logo(by=access, logo=None)
        messages.success(request, "The buyer's logo is removed.")
        return redirect(room_url(access))
    try:
        logo = LogoField(required=True).clean(request.FILES.get("buyer_logo"))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, f"The buyer's logo was not saved: {message}")
        return redirect("room_edit", room_id=room_id)
    room_set_buyer_logo(by=access, logo=logo)
    messages.success(request, "The buyer's logo is saved.")
    return redirect(room_url(access))


@login_not_required
@require_GET
def brand_logo(request, name: str) -> FileResponse:
    """A logo, to anyone with its name: they are shown to buyers without an account and in
    emails. Only a name some organisation or room uses is served; its content never changes."""
    path = f"{LOGO_FOLDER}/{name}"
    if not LOGO_NAME.match(name) or not (
        Organisation.objects.filter(logo=path).exists()
        or Room.objects.filter(buyer_logo=path).exists()
    ):
        raise Http404
    try:
        handle = default_storage.open(path, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="image/png")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
