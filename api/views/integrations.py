"""Webhook endpoints (organisation admins) and calendar feeds (each person) in the API; the
rules are integrations' services, the same as the settings pages'."""

from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.access import get_membership_for_admin
from accounts.models import Membership, Role
from api.serializers import Out, Strict, text
from api.views.base import ApiViewSet
from integrations import calendar, webhooks
from integrations.events import SUBSCRIBABLE
from integrations.models import CalendarFeed, WebhookDelivery, WebhookEndpoint
from rooms.access import get_room_access

EVENT_TYPES = [(choice.value, choice.label) for choice in SUBSCRIBABLE]


class WebhookEndpointWriteSerializer(Strict):
    organisation = serializers.UUIDField(
        required=False,
        help_text="The organisation (you must be its admin); may be left out by an admin of one.",
    )
    url = serializers.CharField(
        max_length=2000, help_text="An http(s) address on the public internet."
    )
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES),
        min_length=1,
        help_text="The event types it receives.",
    )
    description = text("What it is for.", 200, required=False)
    include_internal = serializers.BooleanField(
        required=False, help_text="Also send events about internal items (sellers' only)."
    )
    is_active = serializers.BooleanField(
        required=False, help_text="Off: nothing is sent to it (changes only)."
    )


class WebhookEndpointSerializer(Out, serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", help_text="The endpoint's public id.")
    organisation = serializers.UUIDField(
        source="organisation.public_id", help_text="Its organisation."
    )
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES), help_text="The event types it gets."
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id", "organisation", "url", "description", "event_types", "include_internal",
            "is_active", "disabled_reason", "created_at", "updated_at",
        ]  # fmt: skip
        extra_kwargs = {
            "url": {"help_text": "Where events are posted."},
            "description": {"help_text": "What it is for."},
            "include_internal": {"help_text": "Whether internal items' events go to it."},
            "is_active": {"help_text": "Off: nothing is sent (by an admin, or a day of failures)."},
            "disabled_reason": {"help_text": "Why it is off."},
            "created_at": {"help_text": "When it was made."},
            "updated_at": {"help_text": "When it last changed."},
        }


class WebhookEndpointWithSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        help_text="The signing secret (`whsec_…`): shown only in this answer."
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class WebhookAttemptSerializer(Out):
    at = serializers.DateTimeField(help_text="When it was tried.")
    status = serializers.IntegerField(allow_null=True, help_text="The HTTP status; null: none.")
    ms = serializers.IntegerField(help_text="How long it took, in milliseconds.")
    body = serializers.CharField(help_text="The answer's first bytes.")
    error = serializers.CharField(help_text="Why there was no answer (timeout, refused…).")


class WebhookDeliverySerializer(Out, serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", help_text="The delivery's public id.")
    log = WebhookAttemptSerializer(many=True, help_text="Every attempt, oldest first.")

    class Meta:
        model = WebhookDelivery
        fields = [
            "id", "event_type", "status", "attempts", "payload", "created_at", "sent_at",
            "next_attempt_at", "last_error", "response_status", "response_ms", "response_body",
            "log",
        ]  # fmt: skip
        extra_kwargs = {
            "event_type": {"help_text": "The event's type."},
            "status": {"help_text": "pending, sending (interrupted), sent, failed, cancelled."},
            "attempts": {"help_text": "Attempts made."},
            "payload": {"help_text": "The body posted: `{type, timestamp, data}`."},
            "created_at": {"help_text": "When the event was queued."},
            "sent_at": {"help_text": "When the receiver accepted it."},
            "next_attempt_at": {"help_text": "When it is tried again."},
            "last_error": {"help_text": "The last failure."},
            "response_status": {"help_text": "The last answer's HTTP status."},
            "response_ms": {"help_text": "The last answer's time in milliseconds."},
            "response_body": {"help_text": "The last answer's first bytes."},
        }


class WebhooksViewSet(ApiViewSet):
    """Outgoing webhooks of the organisations you are an admin of."""

    serializer_class = WebhookEndpointSerializer
    lookup_url_kwarg = "endpoint_id"

    def admin_memberships(self) -> list[Membership]:
        return list(
            Membership.objects.filter(user=self.request.user, role=Role.ADMIN).select_related(
                "organisation"
            )
        )

    def get_queryset(self) -> QuerySet[WebhookEndpoint]:
        if self.schema_only:
            return WebhookEndpoint.objects.none()
        organisations = [m.organisation_id for m in self.admin_memberships()]
        return WebhookEndpoint.objects.filter(organisation_id__in=organisations).select_related(
            "organisation"
        )

    def endpoint(self, endpoint_id: UUID) -> WebhookEndpoint:
        endpoint = get_object_or_404(
            WebhookEndpoint.objects.select_related("organisation"), public_id=endpoint_id
        )
        # 404 for a stranger, 403 for a member who is not an admin.
        get_membership_for_admin(self.request.user, endpoint.organisation.public_id)
        return endpoint

    def endpoint_and_admin(self, endpoint_id: UUID) -> tuple[WebhookEndpoint, Membership]:
        endpoint = self.endpoint(endpoint_id)
        return endpoint, get_membership_for_admin(
            self.request.user, endpoint.organisation.public_id
        )

    @extend_schema(summary="Webhook endpoints")
    def list(self, request: Request) -> Response:
        return self.list_response()

    @extend_schema(
        summary="Add a webhook endpoint",
        request=WebhookEndpointWriteSerializer,
        responses={201: WebhookEndpointWithSecretSerializer},
    )
    def create(self, request: Request) -> Response:
        data = self.input(WebhookEndpointWriteSerializer)
        organisation_id = data.pop("organisation", None)
        data.pop("is_active", None)
        if organisation_id is None:
            admins = self.admin_memberships()
            if len(admins) != 1:
                raise serializers.ValidationError(
                    {"organisation": ["Say which organisation (you must be its admin)."]}
                )
            admin = admins[0]
        else:
            admin = get_membership_for_admin(request.user, organisation_id)
        endpoint = webhooks.endpoint_create(admin=admin, **data)
        return Response(
            WebhookEndpointWithSecretSerializer(endpoint).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(summary="A webhook endpoint")
    def retrieve(self, request: Request, endpoint_id: UUID) -> Response:
        return Response(self.get_serializer(self.endpoint(endpoint_id)).data)

    @extend_schema(summary="Change a webhook endpoint", request=WebhookEndpointWriteSerializer)
    def partial_update(self, request: Request, endpoint_id: UUID) -> Response:
        endpoint = self.endpoint(endpoint_id)
        data = self.input(WebhookEndpointWriteSerializer, partial=True)
        data.pop("organisation", None)
        admin = get_membership_for_admin(request.user, endpoint.organisation.public_id)
        endpoint = webhooks.endpoint_update(endpoint=endpoint, admin=admin, **data)
        return Response(self.get_serializer(endpoint).data)

    @extend_schema(summary="Delete a webhook endpoint", responses={204: None})
    def destroy(self, request: Request, endpoint_id: UUID) -> Response:
        endpoint, admin = self.endpoint_and_admin(endpoint_id)
        webhooks.endpoint_delete(endpoint=endpoint, admin=admin)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Rotate an endpoint's secret",
        description="A new secret, shown only in this answer; the old one also signs for 24 "
        "hours, while the receiver switches.",
        request=None,
        responses=WebhookEndpointWithSecretSerializer,
    )
    def rotate_secret(self, request: Request, endpoint_id: UUID) -> Response:
        endpoint, admin = self.endpoint_and_admin(endpoint_id)
        endpoint = webhooks.endpoint_rotate_secret(endpoint=endpoint, admin=admin)
        return Response(WebhookEndpointWithSecretSerializer(endpoint).data)

    @extend_schema(
        summary="Send a test event",
        description="A `webhook.test` event to this endpoint alone.",
        request=None,
        responses={202: WebhookDeliverySerializer},
    )
    def test(self, request: Request, endpoint_id: UUID) -> Response:
        delivery = webhooks.webhook_test_send(endpoint=self.endpoint(endpoint_id))
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="An endpoint's deliveries", responses=WebhookDeliverySerializer(many=True)
    )
    def deliveries(self, request: Request, endpoint_id: UUID) -> Response:
        endpoint = self.endpoint(endpoint_id)
        rows = endpoint.deliveries.prefetch_related("log").order_by("-created_at", "-pk")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

    @extend_schema(
        summary="Send a delivery again",
        description="A failed or interrupted delivery, queued once more.",
        request=None,
        responses={202: WebhookDeliverySerializer},
    )
    def send_again(self, request: Request, endpoint_id: UUID, delivery_id: UUID) -> Response:
        endpoint = self.endpoint(endpoint_id)
        delivery = get_object_or_404(endpoint.deliveries, public_id=delivery_id)
        delivery = webhooks.webhook_send_again(delivery=delivery)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class CalendarFeedWriteSerializer(Strict):
    room = serializers.UUIDField(
        required=False,
        help_text="For a buyer: the room whose calendar it is. Left out: your own tasks and "
        "your rooms' milestones (sellers).",
    )


class CalendarFeedSerializer(Out, serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", help_text="The feed's public id.")
    room = serializers.UUIDField(
        source="stakeholder.room.public_id",
        allow_null=True,
        default=None,
        help_text="The room of a buyer's feed; null: a seller's feed of their rooms.",
    )

    class Meta:
        model = CalendarFeed
        fields = ["id", "room", "created_at", "last_used_at"]
        extra_kwargs = {
            "created_at": {"help_text": "When it was made."},
            "last_used_at": {"help_text": "When a calendar last read it."},
        }


class CalendarFeedCreatedSerializer(CalendarFeedSerializer):
    url = serializers.CharField(help_text="The feed's secret https URL: shown only here.")
    webcal_url = serializers.CharField(help_text="The same as `webcal://`, to subscribe.")

    class Meta(CalendarFeedSerializer.Meta):
        fields = [*CalendarFeedSerializer.Meta.fields, "url", "webcal_url"]


class CalendarFeedsViewSet(ApiViewSet):
    """Your secret calendar feeds (ICS): subscribe to one from Google Calendar or Outlook."""

    serializer_class = CalendarFeedSerializer

    def get_queryset(self) -> QuerySet[CalendarFeed]:
        if self.schema_only:
            return CalendarFeed.objects.none()
        return calendar.feeds_of(self.request.user)

    @extend_schema(summary="Your calendar feeds")
    def list(self, request: Request) -> Response:
        return self.list_response()

    @extend_schema(
        summary="Make a calendar feed",
        description="A new secret URL (shown once); it replaces your feed of the same scope.",
        request=CalendarFeedWriteSerializer,
        responses={201: CalendarFeedCreatedSerializer},
    )
    def create(self, request: Request) -> Response:
        data = self.input(CalendarFeedWriteSerializer)
        stakeholder = None
        if data.get("room"):
            access = get_room_access(request.user, data["room"])
            if access.buyer is None:
                raise serializers.ValidationError(
                    {"room": ["A seller's feed covers every room: leave the room out."]}
                )
            stakeholder = access.buyer
        elif not Membership.objects.filter(user=request.user).exists():
            raise serializers.ValidationError({"room": ["Say which room's calendar you want."]})
        feed, token = calendar.feed_create(user=request.user, stakeholder=stakeholder)
        answer = dict(CalendarFeedSerializer(feed).data)
        answer |= {"url": calendar.feed_url(token), "webcal_url": calendar.webcal_url(token)}
        return Response(answer, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Revoke a calendar feed", responses={204: None})
    def destroy(self, request: Request, feed_id: UUID) -> Response:
        feed = self.get_queryset().filter(public_id=feed_id).first()
        if feed is None:
            raise Http404
        calendar.feed_revoke(feed=feed)
        return Response(status=status.HTTP_204_NO_CONTENT)
