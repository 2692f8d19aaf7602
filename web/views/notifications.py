from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import get_membership_for_admin
from outbox.forms import PreferencesForm
from outbox.models import EmailStatus, Kind
from outbox.preferences import (
    muted_kinds,
    preferences_save,
    preferences_set,
    unsubscribe_read,
)
from outbox.selectors import deliveries_of, delivery_of
from outbox.services import email_send_again
from stakeholders.models import AccessState
from stakeholders.services import buyer_link_find
from web.http import AuthedRequest
from web.organisation import get_current_membership
from web.views import stakeholders as stakeholder_views


@require_http_methods(["GET", "POST"])
def preferences(request: AuthedRequest) -> HttpResponse:
    """Each person, seller or buyer, chooses which emails they get."""
    user = request.user
    muted = muted_kinds(user.email)
    initial: dict[str, object] = {kind: kind not in muted for kind in Kind.values}
    initial["timezone"] = user.timezone
    membership = get_current_membership(request)
    form = PreferencesForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        organisation_zone=membership.organisation.timezone if membership else "UTC",
    )
    if request.method == "POST" and form.is_valid():
        preferences_save(
            user=user,
            muted={k for k in Kind.values if not form.cleaned_data[k]},
            timezone_name=form.cleaned_data["timezone"],
        )
        messages.success(request, "Your email preferences are saved.")
        return redirect("notification_preferences")
    status = 422 if form.errors else 200
    return render(request, "notifications/preferences.html", {"form": form}, status=status)


# A mail client's one-click unsubscribe (RFC 8058) POSTs without a CSRF token; the signed token
# in the URL is what authorises it, and it can only turn an email off.
@login_not_required
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = unsubscribe_read(token)
    if found is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=404)
    email, kind = found
    context: dict[str, object] = {"email": email, "kind": Kind(kind)}
    if request.method == "POST":
        preferences_set(email=email, muted=muted_kinds(email) | {kind})
        context["done"] = True
    return render(request, "notifications/unsubscribe.html", context)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def buyer_task_link(request: HttpRequest, token: str, task_id: UUID) -> HttpResponse:
    """A reminder's or a mention's button for a buyer: their personal link, leading to the task.

    The buyer-link rules are the room link's own (web.views.stakeholders.buyer_link does the
    redeeming and signing in): a GET changes nothing (mail scanners follow links) and shows the
    task with one button; someone already signed in as this buyer goes straight to the task, and
    someone signed in as another person is asked first."""
    link = buyer_link_find(token)
    task = link.room.tasks.filter(public_id=task_id, is_internal=False).first() if link else None
    if link is None or task is None:
        return render(request, "stakeholders/buyer_link_invalid.html", status=404)
    if (asked := stakeholder_views.ask_someone_else(request, link, task=task)) is not None:
        return asked
    room_url = reverse("room_detail", args=[link.room.public_id])
    task_url = reverse("task_detail", args=[link.room.public_id, task.public_id])
    if request.method == "GET":
        buyer = link.stakeholder
        signed_in_as_buyer = request.user.is_authenticated and request.user.pk == buyer.user_id
        if signed_in_as_buyer and buyer.access_state == AccessState.ACTIVE:
            return redirect(task_url)
        context = {"link": link, "room": link.room, "task": task}
        return render(request, "notifications/task_link.html", context)
    response = stakeholder_views.buyer_link(request, token)
    if isinstance(response, HttpResponseRedirect):  # to the room, or to sign in and then it
        response["Location"] = response["Location"].replace(room_url, task_url)
    return response


@require_GET
def email_deliveries(request: AuthedRequest, organisation_id: UUID) -> HttpResponse:
    """The organisation's admins see the emails that failed or were interrupted, and why."""
    admin = get_membership_for_admin(request.user, organisation_id)
    context = {
        "organisation": admin.organisation,
        "deliveries": deliveries_of(admin.organisation),
        "statuses": EmailStatus,
    }
    return render(request, "notifications/deliveries.html", context)


@require_POST
def email_send_again_view(
    request: AuthedRequest, organisation_id: UUID, email_id: UUID
) -> HttpResponse:
    admin = get_membership_for_admin(request.user, organisation_id)
    email = email_send_again(email=delivery_of(admin, email_id))
    messages.success(request, f"The email to {email.to} is queued again.")
    return redirect("email_deliveries", organisation_id=organisation_id)
