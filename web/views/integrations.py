"""Integrations in the browser: an organisation's webhooks and chat channels (its admins), each
person's calendar feed, a buyer's *Add to calendar*, and the feed itself (a secret URL)."""

import hashlib
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import http_date, parse_etags, parse_http_date_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import get_membership_for_admin
from accounts.models import Membership
from integrations import calendar, chat, webhooks
from integrations.forms import ChatChannelForm, WebhookEndpointEditForm, WebhookEndpointForm
from integrations.models import ChatChannel, ChatMessage, WebhookEndpoint
from outbox.models import DeliveryStatus
from rooms.access import get_room_access, rooms_visible_to
from web.http import AuthedRequest

DELIVERIES_SHOWN = 50


def _endpoint(admin: Membership, endpoint_id: UUID) -> WebhookEndpoint:
    return get_object_or_404(
        WebhookEndpoint, organisation_id=admin.organisation_id, public_id=endpoint_id
    )


def _service_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@require_http_methods(["GET", "POST"])
def webhook_list(request: AuthedRequest, organisation_id: UUID) -> HttpResponse:
    """The organisation's endpoints, and a new one; its secret is shown once, in the answer."""
    admin = get_membership_for_admin(request.user, organisation_id)
    form = WebhookEndpointForm(request.POST if request.method == "POST" else None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = webhooks.endpoint_create(admin=admin, **form.cleaned_data)
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            form = WebhookEndpointForm()
    context = {
        "organisation": admin.organisation,
        "endpoints": admin.organisation.webhook_endpoints.all(),
        "form": form,
        "created": created,
    }
    return render(
        request, "integrations/webhook_list.html", context, status=422 if form.errors else 200
    )


def _detail(request: AuthedRequest, admin: Membership, endpoint: WebhookEndpoint, **extra):
    deliveries = list(
        endpoint.deliveries.prefetch_related("log").order_by("-created_at", "-pk")[
            :DELIVERIES_SHOWN
        ]
    )
    form = extra.pop("form", None) or WebhookEndpointEditForm(
        initial={
            "url": endpoint.url,
            "description": endpoint.description,
            "event_types": endpoint.event_types,
            "include_internal": endpoint.include_internal,
            "is_active": endpoint.is_active,
        }
    )
    context = {
        "organisation": admin.organisation,
        "endpoint": endpoint,
        "deliveries": deliveries,
        "statuses": DeliveryStatus,
        "form": form,
        **extra,
    }
    status = 422 if form.errors else 200
    return render(request, "integrations/webhook_detail.html", context, status=status)


@require_http_methods(["GET", "POST"])
def webhook_detail(request: AuthedRequest, organisation_id: UUID, endpoint_id: UUID):
    """One endpoint: what it gets, its secret's rotation, a test event, and its delivery log."""
    admin = get_membership_for_admin(request.user, organisation_id)
    endpoint = _endpoint(admin, endpoint_id)
    if request.method == "POST":
        form = WebhookEndpointEditForm(request.POST)
        if form.is_valid():
            try:
                webhooks.endpoint_update(endpoint=endpoint, admin=admin, **form.cleaned_data)
            except ValidationError as exc:
                _service_errors(form, exc)
            else:
                messages.success(request, "The endpoint is saved.")
                return redirect("webhook_detail", organisation_id, endpoint_id)
        endpoint.refresh_from_db()
        return _detail(request, admin, endpoint, form=form)
    return _detail(request, admin, endpoint)


@require_POST
def webhook_rotate(request: AuthedRequest, organisation_id: UUID, endpoint_id: UUID):
    admin = get_membership_for_admin(request.user, organisation_id)
    endpoint = webhooks.endpoint_rotate_secret(endpoint=_endpoint(admin, endpoint_id), admin=admin)
    return _detail(request, admin, endpoint, new_secret=endpoint.secret)


@require_POST
def webhook_test(request: AuthedRequest, organisation_id: UUID, endpoint_id: UUID):
    admin = get_membership_for_admin(request.user, organisation_id)
    webhooks.webhook_test_send(endpoint=_endpoint(admin, endpoint_id))
    messages.success(request, "A test event is on its way: its delivery is at the top of the log.")
    return redirect("webhook_detail", organisation_id, endpoint_id)


@require_POST
def webhook_delete(request: AuthedRequest, organisation_id: UUID, endpoint_id: UUID):
    admin = get_membership_for_admin(request.user, organisation_id)
    endpoint = _endpoint(admin, endpoint_id)
    webhooks.endpoint_delete(endpoint=endpoint, admin=admin)
    messages.success(request, f"The endpoint {endpoint.url} is deleted.")
    return redirect("webhook_list", organisation_id)


@require_POST
def webhook_send_again_view(
    request: AuthedRequest, organisation_id: UUID, endpoint_id: UUID, delivery_id: UUID
) -> HttpResponse:
    admin = get_membership_for_admin(request.user, organisation_id)
    endpoint = _endpoint(admin, endpoint_id)
    delivery = get_object_or_404(endpoint.deliveries, public_id=delivery_id)
    webhooks.webhook_send_again(delivery=delivery)
    messages.success(request, f"The {delivery.event_type} delivery is queued again.")
    return redirect("webhook_detail", organisation_id, endpoint_id)


@require_http_methods(["GET", "POST"])
def chat_channels(request: AuthedRequest, organisation_id: UUID) -> HttpResponse:
    """Slack and Teams channels that hear buyer activity, batched like the alert emails."""
    admin = get_membership_for_admin(request.user, organisation_id)
    rooms = list(rooms_visible_to(admin).order_by("buyer_company"))
    form = ChatChannelForm(request.POST if request.method == "POST" else None, rooms=rooms)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        room = next((r for r in rooms if str(r.public_id) == data["room"]), None)
        try:
            chat.channel_create(
                admin=admin,
                kind=data["kind"],
                url=data["url"],
                name=data["name"],
                room_id=room.pk if room else None,
            )
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, "The channel will hear of buyer activity.")
            return redirect("chat_channels", organisation_id)
    channels = list(admin.organisation.chat_channels.select_related("room"))
    # The newest message of each channel that did not go: admins see why.
    failing = {
        message.channel_id: message
        for message in ChatMessage.objects.filter(
            channel__in=channels, status__in=[DeliveryStatus.FAILED, DeliveryStatus.PENDING]
        )
        .exclude(last_error="")
        .order_by("pk")
    }
    for channel in channels:
        channel.failing = failing.get(channel.pk)  # type: ignore[attr-defined]
    context = {"organisation": admin.organisation, "channels": channels, "form": form}
    return render(
        request, "integrations/chat_channels.html", context, status=422 if form.errors else 200
    )


@require_POST
def chat_channel_delete(request: AuthedRequest, organisation_id: UUID, channel_id: UUID):
    admin = get_membership_for_admin(request.user, organisation_id)
    channel = get_object_or_404(
        ChatChannel, organisation_id=admin.organisation_id, public_id=channel_id
    )
    chat.channel_delete(channel=channel)
    messages.success(request, "The channel hears nothing more.")
    return redirect("chat_channels", organisation_id)


@require_http_methods(["GET", "POST"])
def calendar_settings(request: AuthedRequest) -> HttpResponse:
    """A seller's calendar feed of their tasks and their rooms' milestones: made (its URL shown
    once), replaced or revoked here."""
    is_seller = Membership.objects.filter(user=request.user).exists()
    new_token = None
    if request.method == "POST":
        if not is_seller:
            raise Http404  # a buyer's calendar is their room's (room_calendar)
        _feed, new_token = calendar.feed_create(user=request.user)
    context = {
        "feeds": calendar.feeds_of(request.user),
        "is_seller": is_seller,
        "new_url": calendar.feed_url(new_token) if new_token else None,
        "new_webcal": calendar.webcal_url(new_token) if new_token else None,
    }
    return render(request, "integrations/calendar_settings.html", context)


@require_POST
def calendar_revoke(request: AuthedRequest, feed_id: UUID) -> HttpResponse:
    feed = get_object_or_404(calendar.feeds_of(request.user), public_id=feed_id)
    calendar.feed_revoke(feed=feed)
    messages.success(request, "That calendar URL no longer works.")
    if feed.stakeholder is not None:
        return redirect("room_calendar", feed.stakeholder.room.public_id)
    return redirect("calendar_settings")


def _ics(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_not_required
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed a calendar polls: its secret URL is the only key. ETag and Last-Modified let
    it ask "anything new?" and get 304 when nothing is."""
    feed = calendar.feed_find(token)
    if feed is None:
        raise Http404
    body, modified = calendar.feed_render(feed)
    tag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": tag, "Cache-Control": "private, max-age=300"}
    if modified is not None:
        headers["Last-Modified"] = http_date(modified.timestamp())
    if_none_match = request.headers.get("If-None-Match")
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    unchanged = (
        tag in parse_etags(if_none_match)
        if if_none_match
        else (since is not None and modified is not None and int(modified.timestamp()) <= since)
    )
    if unchanged:
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    for name, value in headers.items():
        response[name] = value
    return response


@require_http_methods(["GET", "POST"])
def room_calendar(request: AuthedRequest, room_id: UUID) -> HttpResponse:
    """*Add to calendar* for a room's buyer: a secret feed of the room (shown once) and a
    download; a seller is sent to their own feed, which covers every room of theirs."""
    access = get_room_access(request.user, room_id, template=False)
    if access.is_seller:
        return redirect("calendar_settings")
    buyer = access.buyer
    if buyer is None:
        raise Http404
    new_token = None
    if request.method == "POST":
        _feed, new_token = calendar.feed_create(user=request.user, stakeholder=buyer)
    context = {
        "room": access.room,
        "feed": calendar.feeds_of(request.user).filter(stakeholder=buyer).first(),
        "new_url": calendar.feed_url(new_token) if new_token else None,
        "new_webcal": calendar.webcal_url(new_token) if new_token else None,
    }
    return render(request, "integrations/room_calendar.html", context)


@require_GET
def room_calendar_ics(request: AuthedRequest, room_id: UUID) -> HttpResponse:
    """The room's dates as a file to import, as the person sees them."""
    access = get_room_access(request.user, room_id, template=False)
    items = calendar.room_items(access.room, access.tasks(), buyer=not access.is_seller)
    body = calendar.ics_build(items, f"Tandem · {access.room.buyer_company}")
    return _ics(body, "tandem-room.ics")


@require_GET
def task_calendar_ics(request: AuthedRequest, room_id: UUID, task_id: UUID) -> HttpResponse:
    access = get_room_access(request.user, room_id, template=False)
    task = access.get_task(task_id)
    body = calendar.task_ics(task)
    if body is None:
        raise Http404("This task has no due date.")
    return _ics(body, "tandem-task.ics")
