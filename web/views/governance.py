"""The audit log's pages (governance): admins only."""

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import get_membership_for_admin
from accounts.models import Membership
from activity.kinds import EventKind
from governance.audit import audit_csv, audit_entries, audit_record
from governance.erasure import person_erase
from governance.export import export_by_token, export_expired, export_request, exports_of
from governance.forms import AuditFilterForm, ErasureForm
from governance.models import OrganisationExport
from web.http import AuthedRequest

PAGE_SIZE = 50


@require_GET
def audit_log(request: AuthedRequest, organisation_id: UUID) -> HttpResponse:
    admin = get_membership_for_admin(request.user, organisation_id)
    form = AuditFilterForm(request.GET)
    entries = audit_entries(admin.organisation, form.audit_filter())
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = dict(EventKind.choices)
    for entry in page.object_list:
        entry.label = labels.get(entry.kind, entry.kind)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "organisation": admin.organisation,
        "membership": admin,
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "retention_days": settings.AUDIT_LOG_RETENTION_DAYS,
    }
    status = 422 if form.errors else 200
    return render(request, "governance/audit_log.html", context, status=status)


@require_GET
def audit_export(request: AuthedRequest, organisation_id: UUID) -> HttpResponse:
    """The filtered log as CSV. Exporting it is itself an entry (recorded first, so the file
    holds it too)."""
    admin = get_membership_for_admin(request.user, organisation_id)
    form = AuditFilterForm(request.GET)
    with transaction.atomic():
        audit_record(
            organisation=admin.organisation,
            actor=request.user,
            kind=EventKind.AUDIT_EXPORTED,
            summary="exported the audit log as CSV",
        )
        body = audit_csv(audit_entries(admin.organisation, form.audit_filter()).iterator())
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    day = timezone.now().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{day}.csv"'
    return response


@require_http_methods(["GET", "POST"])
def organisation_data(request: AuthedRequest, organisation_id: UUID) -> HttpResponse:
    """Export of the organisation and erasure of a person (admins)."""
    admin = get_membership_for_admin(request.user, organisation_id)
    form = ErasureForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            rooms = person_erase(
                organisation=admin.organisation,
                email=form.cleaned_data["email"],
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                f"Erased from {rooms} room{'s' if rooms != 1 else ''}. "
                "What they did is kept as “a former stakeholder”.",
            )
            return redirect("organisation_data", organisation_id=organisation_id)
    status = 422 if form.errors else 200
    context = {
        "organisation": admin.organisation,
        "membership": admin,
        "form": form,
        "exports": exports_of(admin.organisation),
        "export_days": settings.ORGANISATION_EXPORT_DAYS,
    }
    return render(request, "governance/organisation_data.html", context, status=status)


@require_POST
def organisation_export_start(request: AuthedRequest, organisation_id: UUID) -> HttpResponse:
    """Ask for an export of the whole organisation: a worker builds it and emails a link."""
    admin = get_membership_for_admin(request.user, organisation_id)
    with transaction.atomic():
        export_request(organisation=admin.organisation, actor=request.user)
    messages.success(
        request,
        f"The export has started. We will email {request.user.email} a link when it is ready.",
    )
    return redirect("organisation_data", organisation_id=organisation_id)


@require_GET
def organisation_export_status(
    request: AuthedRequest, organisation_id: UUID, export_id: UUID
) -> HttpResponse:
    """One export's row, polled by htmx while a worker builds it."""
    admin = get_membership_for_admin(request.user, organisation_id)
    export = get_object_or_404(
        OrganisationExport.objects.select_related("requested_by"),
        organisation=admin.organisation,
        public_id=export_id,
    )
    context = {"organisation": admin.organisation, "export": export}
    return render(request, "governance/_export.html", context)


@never_cache
@require_GET
def organisation_export_download(request: HttpRequest, token: str) -> HttpResponseBase:
    """The emailed link: the ZIP, for admins of the organisation only (others 404), until it
    expires (410 and a page that says so)."""
    export = export_by_token(token)
    if export is None:
        raise Http404
    membership = (
        Membership.objects.filter(organisation_id=export.organisation_id, user=request.user).first()
        if request.user.is_authenticated
        else None
    )
    if membership is None or not membership.is_admin:
        raise Http404
    if export_expired(export):
        context = {"organisation": export.organisation, "export": export}
        return render(request, "governance/export_expired.html", context, status=410)
    filename = export.file.name.rsplit("/", 1)[-1]
    return FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=filename,
        content_type="application/zip",
    )
