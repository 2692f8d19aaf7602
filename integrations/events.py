"""The webhook event types, from the room events, and how an event's ``data`` is made.

``data`` is the object as the REST API shows it to a seller. The API is a face above this
layer, so it registers its makers here (``payload_maker_register``, from api's ready()) rather
than being imported: the arrow keeps pointing down.
"""

from collections.abc import Callable
from typing import Any

from django.db import models

from activity.kinds import EventKind
from activity.models import Event


class WebhookEvent(models.TextChoices):
    ROOM_CREATED = "room.created", "A room was created"
    ROOM_STAGE_CHANGED = "room.stage_changed", "A room's stage changed (won, lost, archived…)"
    TASK_COMPLETED = "task.completed", "A task was ticked"
    TASK_REOPENED = "task.reopened", "A task was reopened"
    TASK_DUE_DATE_CHANGED = "task.due_date_changed", "A task's due date moved"
    COMMENT_CREATED = "comment.created", "Someone commented"
    STAKEHOLDER_ADDED = "stakeholder.added", "A person was added to a room"
    STAKEHOLDER_INVITED = "stakeholder.invited", "A buyer was invited"
    STAKEHOLDER_REVOKED = "stakeholder.revoked", "A buyer's access was revoked"
    BUYER_FIRST_VISIT = "buyer.first_visit", "A buyer opened the room for the first time"
    RESOURCE_SHARED = "resource.shared", "A file or link was shared"
    ROOM_HEALTH_CHANGED = "room.health_changed", "A room turned on track, at risk or stalled"
    TEST = "webhook.test", "A test event sent from the settings"


# Which object each type's ``data`` is.
OBJECT_OF = {
    WebhookEvent.ROOM_CREATED: "room",
    WebhookEvent.ROOM_STAGE_CHANGED: "room",
    WebhookEvent.ROOM_HEALTH_CHANGED: "room_health",
    WebhookEvent.TASK_COMPLETED: "task",
    WebhookEvent.TASK_REOPENED: "task",
    WebhookEvent.TASK_DUE_DATE_CHANGED: "task",
    WebhookEvent.COMMENT_CREATED: "comment",
    WebhookEvent.STAKEHOLDER_ADDED: "stakeholder",
    WebhookEvent.STAKEHOLDER_INVITED: "stakeholder",
    WebhookEvent.STAKEHOLDER_REVOKED: "stakeholder",
    WebhookEvent.BUYER_FIRST_VISIT: "stakeholder",
    WebhookEvent.RESOURCE_SHARED: "resource",
}

# What endpoints can subscribe to: every type but the test event, which is sent on demand.
SUBSCRIBABLE = [choice for choice in WebhookEvent if choice != WebhookEvent.TEST]

_SAME = {
    EventKind.ROOM_CREATED: WebhookEvent.ROOM_CREATED,
    EventKind.ROOM_STAGE_CHANGED: WebhookEvent.ROOM_STAGE_CHANGED,
    EventKind.TASK_COMPLETED: WebhookEvent.TASK_COMPLETED,
    EventKind.TASK_REOPENED: WebhookEvent.TASK_REOPENED,
    EventKind.COMMENT_CREATED: WebhookEvent.COMMENT_CREATED,
    EventKind.STAKEHOLDER_ADDED: WebhookEvent.STAKEHOLDER_ADDED,
    EventKind.STAKEHOLDER_INVITED: WebhookEvent.STAKEHOLDER_INVITED,
    EventKind.STAKEHOLDER_REVOKED: WebhookEvent.STAKEHOLDER_REVOKED,
    EventKind.BUYER_FIRST_VISIT: WebhookEvent.BUYER_FIRST_VISIT,
    EventKind.RESOURCE_ADDED: WebhookEvent.RESOURCE_SHARED,
    # Recorded by analytics.health_changes when a room moves between on track, at risk, stalled.
    EventKind.ROOM_HEALTH_CHANGED: WebhookEvent.ROOM_HEALTH_CHANGED,
}


def webhook_type(event: Event) -> WebhookEvent | None:
    """The webhook type of a recorded room event, or None for one webhooks do not carry."""
    if event.kind == EventKind.TASK_UPDATED and event.data.get("due_date_changed"):
        return WebhookEvent.TASK_DUE_DATE_CHANGED
    # A plain lookup: EventKind members are strings. (``EventKind.values`` builds a new list on
    # every call: asked once per stored view, it was a quarter of a worker's drain.)
    return _SAME.get(event.kind)  # type: ignore[call-overload]


# object name -> (the event -> the object as the API shows it, or None when it is gone)
PayloadMaker = Callable[[Event], dict[str, Any] | None]
_makers: dict[str, PayloadMaker] = {}


def payload_maker_register(name: str, maker: PayloadMaker) -> None:
    _makers[name] = maker


def payload_data(event_type: WebhookEvent, event: Event) -> dict[str, Any] | None:
    """The event's ``data``; None when its object no longer exists (nothing to say)."""
    maker = _makers.get(OBJECT_OF.get(event_type, ""))
    if maker is None:
        return {"summary": event.summary}
    return maker(event)
