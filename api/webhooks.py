"""What a webhook's ``data`` is: the object as this API shows it to a seller. Registered with
integrations (a layer below, which may not import the API) from ApiConfig.ready()."""

from functools import cache
from typing import Any

from drf_spectacular.utils import OpenApiResponse, OpenApiWebhook, extend_schema
from rest_framework import serializers

from activity.models import Event
from api.serializers import (
    HEALTH_STATES,
    CommentSerializer,
    Out,
    ResourceSerializer,
    RoomSerializer,
    StakeholderSerializer,
    TaskSerializer,
)
from integrations.events import OBJECT_OF, WebhookEvent, payload_maker_register
from plans.models import Comment, Task
from rooms.models import Resource, Room
from stakeholders.models import Stakeholder


class _SellerView:
    """The serializers' ``access``: a webhook sees what a seller of the room sees."""

    is_seller = True

    def __init__(self, room: Room) -> None:
        self.room = room

    def can_edit_task(self, task: Task) -> bool:
        return True


def _room(event: Event) -> dict[str, Any] | None:
    if event.room_id is None:
        return None
    room = Room.objects.select_related("owner", "organisation").filter(pk=event.room_id).first()
    if room is None:
        return None
    return dict(RoomSerializer(room, context={"seller_organisations": {room.organisation_id}}).data)


def _room_health(event: Event) -> dict[str, Any] | None:
    """The room, with the change of health the event recorded (analytics.health_changes): as it
    was decided, not as it is when the delivery is written."""
    room = _room(event)
    if room is None:
        return None
    change = event.data
    health = {
        "state": change.get("state", ""),
        "reason": change.get("reason", ""),
        "from": change.get("from", ""),
        "changed_at": event.created_at.isoformat(),
    }
    return {**room, "health": health}


def _in_room(model: Any, serializer: type[serializers.Serializer], key: str, *related: str):
    def maker(event: Event) -> dict[str, Any] | None:
        public_id = event.data.get(key)
        if not public_id:
            return None
        found = (
            model.objects.select_related("room", *related)
            .filter(room_id=event.room_id, public_id=public_id)
            .first()
        )
        if found is None:
            return None  # gone before the event was written out
        data = serializer(found, context={"access": _SellerView(found.room)}).data
        return {**data, "room": str(found.room.public_id)}

    return maker


def register() -> None:
    payload_maker_register("room", _room)
    payload_maker_register("room_health", _room_health)
    payload_maker_register("task", _in_room(Task, TaskSerializer, "task", "milestone", "owner"))
    payload_maker_register(
        "comment", _in_room(Comment, CommentSerializer, "comment", "author", "task")
    )
    payload_maker_register(
        "stakeholder", _in_room(Stakeholder, StakeholderSerializer, "stakeholder")
    )
    payload_maker_register("resource", _in_room(Resource, ResourceSerializer, "resource"))


# The OpenAPI schema's ``webhooks``: the envelope of each event type, its ``data`` the object.


def _envelope(name: str, data: serializers.Serializer) -> type[serializers.Serializer]:
    return type(
        name,
        (Out,),
        {
            "type": serializers.CharField(help_text="The event type."),
            "timestamp": serializers.DateTimeField(help_text="When it happened."),
            "data": data,
            "__doc__": "A Standard Webhooks event: signed with the endpoint's secret.",
        },
    )


def _with_room(serializer: type[serializers.Serializer]) -> serializers.Serializer:
    combined = type(
        serializer.__name__.replace("Serializer", "InRoomSerializer"),
        (serializer,),
        {"room": serializers.UUIDField(help_text="The room it belongs to.")},
    )
    combined.Meta = type("Meta", (serializer.Meta,), {"fields": [*serializer.Meta.fields, "room"]})  # type: ignore[attr-defined]
    return combined(help_text="The object, as the REST API shows it to a seller.")


# "from" is a Python keyword: the field is named in the class's namespace.
_HealthChange = type(
    "RoomHealthChangeSerializer",
    (Out,),
    {
        "__doc__": "A change of a room's health (the rules: the dashboard's health).",
        "state": serializers.ChoiceField(choices=HEALTH_STATES, help_text="The health now."),
        "reason": serializers.CharField(help_text="Why, in words."),
        "from": serializers.ChoiceField(choices=HEALTH_STATES, help_text="The health before."),
        "changed_at": serializers.DateTimeField(help_text="When the change was noticed."),
    },
)


class RoomHealthChangedSerializer(RoomSerializer):
    health = _HealthChange(help_text="The change of health.")

    class Meta(RoomSerializer.Meta):
        fields = [*RoomSerializer.Meta.fields, "health"]


class _TestData(Out):
    endpoint = serializers.UUIDField(help_text="The endpoint the test was sent to.")
    message = serializers.CharField(help_text="A greeting.")


@cache
def envelopes() -> dict[str, type[serializers.Serializer]]:
    objects = {
        "room": lambda: RoomSerializer(help_text="The room, as the REST API shows it."),
        "room_health": lambda: RoomHealthChangedSerializer(
            help_text="The room, as the REST API shows it, and the change of its health."
        ),
        "task": lambda: _with_room(TaskSerializer),
        "comment": lambda: _with_room(CommentSerializer),
        "stakeholder": lambda: _with_room(StakeholderSerializer),
        "resource": lambda: _with_room(ResourceSerializer),
    }
    made = {
        name: _envelope(f"{name.title().replace('_', '')}WebhookEvent", make())
        for name, make in objects.items()
    }
    result = {kind.value: made[OBJECT_OF[kind]] for kind in OBJECT_OF}
    result[WebhookEvent.TEST] = _envelope("TestWebhookEvent", _TestData(help_text="A greeting."))
    return result


def _webhook(kind: WebhookEvent) -> OpenApiWebhook:
    return OpenApiWebhook(
        name=kind.value,
        decorator=extend_schema(
            summary=str(kind.label),
            description=(
                "Posted to each endpoint subscribed to it, in the Standard Webhooks format: "
                "headers `webhook-id`, `webhook-timestamp` and `webhook-signature` "
                "(`v1,<base64 HMAC-SHA256 of id.timestamp.body>` with the endpoint's secret). "
                "Answer 2xx within 15 seconds; anything else is retried for about three days."
            ),
            request=envelopes()[kind.value],
            responses={200: OpenApiResponse(description="Received.")},
        ),
    )


# Named in SPECTACULAR_SETTINGS["WEBHOOKS"] (config/settings/base.py), one per event type.
WEBHOOK_ROOM_CREATED = _webhook(WebhookEvent.ROOM_CREATED)
WEBHOOK_ROOM_STAGE_CHANGED = _webhook(WebhookEvent.ROOM_STAGE_CHANGED)
WEBHOOK_TASK_COMPLETED = _webhook(WebhookEvent.TASK_COMPLETED)
WEBHOOK_TASK_REOPENED = _webhook(WebhookEvent.TASK_REOPENED)
WEBHOOK_TASK_DUE_DATE_CHANGED = _webhook(WebhookEvent.TASK_DUE_DATE_CHANGED)
WEBHOOK_COMMENT_CREATED = _webhook(WebhookEvent.COMMENT_CREATED)
WEBHOOK_STAKEHOLDER_ADDED = _webhook(WebhookEvent.STAKEHOLDER_ADDED)
WEBHOOK_STAKEHOLDER_INVITED = _webhook(WebhookEvent.STAKEHOLDER_INVITED)
WEBHOOK_STAKEHOLDER_REVOKED = _webhook(WebhookEvent.STAKEHOLDER_REVOKED)
WEBHOOK_BUYER_FIRST_VISIT = _webhook(WebhookEvent.BUYER_FIRST_VISIT)
WEBHOOK_RESOURCE_SHARED = _webhook(WebhookEvent.RESOURCE_SHARED)
WEBHOOK_ROOM_HEALTH_CHANGED = _webhook(WebhookEvent.ROOM_HEALTH_CHANGED)
WEBHOOK_WEBHOOK_TEST = _webhook(WebhookEvent.TEST)
