"""Import a plan from a spreadsheet into a room or a template: upload, preview (change the
mapping, read the row errors), then import or cancel. Works without JavaScript.

Between the preview and the import the file waits under ``var/imports/`` (never served),
named by a random id that only the uploader's session knows; it is deleted on import, on
cancel, and after a day by the next upload.
"""

import secrets
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from urllib.parse import urlencode
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from plans.imports.forms import (
    NAME_BY_DELIMITER,
    ImportOptionsForm,
    ImportUploadForm,
    RoomImportForm,
)
from plans.imports.services import (
    ImportOptions,
    ImportResult,
    plan_import,
    plan_import_preview,
    room_create_from_import,
    room_import_preview,
)
from web.http import AuthedRequest
from web.organisation import require_membership, room_access_for_seller
from web.room_page import room_url

KEEP_SECONDS = 24 * 3600
NEW_ROOM = "new"  # the session entry's room for a room made from the file


def _folder() -> Path:
    folder = Path(settings.PLAN_IMPORT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _store(request: AuthedRequest, room: str, data: bytes, filename: str, **more: str) -> str:
    folder = _folder()
    for old in folder.iterdir():
        if old.stat().st_mtime < time.time() - KEEP_SECONDS:
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    (folder / token).write_bytes(data)
    entry = {"room": room, "filename": filename, **more}
    request.session[f"plan_import:{token}"] = entry
    return token


def _load(request: AuthedRequest, room: str, token: str) -> tuple[bytes, dict[str, str]]:
    """The waiting file, for its uploader and its room only (404 otherwise)."""
    entry = request.session.get(f"plan_import:{token}")
    path = _folder() / token
    if not entry or entry["room"] != room or not path.is_file():
        raise Http404
    return path.read_bytes(), entry


def _discard(request: AuthedRequest, token: str) -> None:
    request.session.pop(f"plan_import:{token}", None)
    (_folder() / token).unlink(missing_ok=True)


@require_http_methods(["GET", "POST"])
def plan_import_upload(request: AuthedRequest, room_id: UUID) -> HttpResponse:
    access = room_access_for_seller(request, room_id)
    form = ImportUploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        token = _store(request, str(room_id), upload.read(), upload.name)
        chosen = {n: form.cleaned_data[n] for n in ("encoding", "delimiter", "sheet")}
        query = urlencode({n: v for n, v in chosen.items() if v})
        return redirect(f"{access.base_url}import/{token}/?{query}")
    status = 422 if form.errors else 200
    context = {"form": form, "room": access.room, "base": access.base_url}
    return render(request, "plans/import_upload.html", context, status=status)


@require_http_methods(["GET", "POST"])
def plan_import_preview_view(request: AuthedRequest, room_id: UUID, token: str) -> HttpResponse:
    access = room_access_for_seller(request, room_id)
    data, entry = _load(request, str(room_id), token)
    filename = entry["filename"]

    def preview(options: ImportOptions) -> ImportResult:
        return plan_import_preview(by=access, data=data, filename=filename, options=options)

    def apply(options: ImportOptions) -> tuple[str, ImportResult]:
        result = plan_import(by=access, data=data, filename=filename, options=options)
        return room_url(access), result

    context = {"room": access.room, "base": access.base_url, "filename": filename}
    return _preview_page(request, token, preview, apply, room_url(access), context)


@require_http_methods(["GET", "POST"])
def room_import_upload(request: AuthedRequest) -> HttpResponse:
    """A new room whose plan is the spreadsheet's: its buyer and date, then the file."""
    require_membership(request)
    form = RoomImportForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        room = {
            "buyer_company": form.cleaned_data["buyer_company"],
            "target_date": form.cleaned_data["target_date"].isoformat(),
        }
        token = _store(request, NEW_ROOM, upload.read(), upload.name, **room)
        chosen = {n: form.cleaned_data[n] for n in ("encoding", "delimiter", "sheet")}
        query = urlencode({n: v for n, v in chosen.items() if v})
        return redirect(f"{reverse('room_import_preview', args=[token])}?{query}")
    status = 422 if form.errors else 200
    context = {"form": form, "room": None, "base": reverse("room_create")}
    return render(request, "plans/import_upload.html", context, status=status)


@require_http_methods(["GET", "POST"])
def room_import_preview_view(request: AuthedRequest, token: str) -> HttpResponse:
    membership = require_membership(request)
    data, entry = _load(request, NEW_ROOM, token)
    filename = entry["filename"]

    def preview(options: ImportOptions) -> ImportResult:
        return room_import_preview(
            membership=membership, data=data, filename=filename, options=options
        )

    def apply(options: ImportOptions) -> tuple[str, ImportResult]:
        room, result = room_create_from_import(
            membership=membership,
            buyer_company=entry["buyer_company"],
            target_date=date.fromisoformat(entry["target_date"]),
            data=data,
            filename=filename,
            options=options,
        )
        return reverse("room_detail", args=[room.public_id]), result

    context = {
        "room": None,
        "new_room": entry["buyer_company"],
        "base": reverse("room_create"),
        "filename": filename,
    }
    return _preview_page(request, token, preview, apply, reverse("home"), context)


def _preview_page(
    request: AuthedRequest,
    token: str,
    preview: Callable[[ImportOptions], ImportResult],
    apply: Callable[[ImportOptions], tuple[str, ImportResult]],
    cancel_url: str,
    context: dict,
) -> HttpResponse:
    """The preview with the person's choices; Import applies them, Cancel forgets the file."""
    action = request.POST.get("action", "preview")
    if action == "cancel":
        _discard(request, token)
        messages.info(request, "Nothing was imported.")
        return redirect(cancel_url)
    source = request.POST if request.method == "POST" else request.GET
    form = ImportOptionsForm(source)
    form.is_valid()
    error = ""
    result: ImportResult | None = None
    try:
        result = preview(form.options())
        form = ImportOptionsForm(source, columns=result.preview.headers)
        form.is_valid()
        options = form.options()
        if options.mapping is not None:  # the person's, not the guess
            result = preview(options)
        if action == "import":
            url, result = apply(options)
            _discard(request, token)
            made = f"{len(result.milestones)} milestone{pluralize(len(result.milestones))}"
            made += f" and {len(result.tasks)} task{pluralize(len(result.tasks))}"
            messages.success(request, f"Imported {made}.")
            return redirect(url)
    except ValidationError as exc:
        error = "; ".join(exc.messages) if result is None else ""
    if result is not None and "map_task" not in source:
        # A first look: the selects show the guess.
        form = ImportOptionsForm(initial=_initial(result), columns=result.preview.headers)
    context = {
        **context,
        "form": form,
        "error": error,
        "result": result,
        "preview": result.preview if result else None,
    }
    failed = error or (result is not None and result.preview.errors)
    return render(request, "plans/import_preview.html", context, status=422 if failed else 200)


def _initial(result: ImportResult) -> dict[str, str]:
    table, preview = result.table, result.preview
    initial = {
        "encoding": table.encoding,
        "delimiter": NAME_BY_DELIMITER.get(table.delimiter, ""),
        "sheet": table.sheet,
    }
    for name, column in preview.mapping.items():
        initial[f"map_{name}"] = "" if column is None else str(column)
    return initial
