"""Buyer activity, and a deal turning at risk, in Slack and Microsoft Teams, through their
incoming-webhook URLs.

Batched like the alert emails: the first buyer action in a quiet channel schedules a message a
minute later (a burst of clicks lands in one message), and no channel hears from a room more
often than every ten minutes; what happens meanwhile rides along in the next message. The
message is an outbox row (ChatMessage), sent like a webhook delivery, through the same address
guard.
"""

import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from accounts.models import Membership, Side
from activity.kinds import EventKind
from activity.models import Event
from activity.subscriptions import Recorded
from integrations.models import ChatChannel, ChatKind, ChatMessage
from integrations.net import RefusedAddress, post_json, url_check
from outbox.delivery import delivery_claim, delivery_mark_failed, delivery_mark_sent
from rooms.models import Room

logger = logging.getLogger("tandem")

CHAT_GATHER = timedelta(minutes=1)
CHAT_INTERVAL = timedelta(minutes=10)
# What a seller wants to hear in chat: a buyer arriving, ticking, commenting, sharing; a room
# turning at risk (analytics.health_changes records it).
CHAT_KINDS = (
    EventKind.BUYER_FIRST_VISIT,
    EventKind.TASK_COMPLETED,
    EventKind.COMMENT_CREATED,
    EventKind.RESOURCE_ADDED,
    EventKind.ROOM_HEALTH_CHANGED,  # news when a room turns at risk (_is_news)
)
MAX_LINES = 15


@transaction.atomic
def channel_create(
    *, admin: Membership, kind: str, url: str, name: str = "", room_id: int | None = None
) -> ChatChannel:
    if kind not in ChatKind.values:
        raise ValidationError({"kind": "Choose Slack or Microsoft Teams."})
    url = url.strip()
    try:
        url_check(url)
    except RefusedAddress as exc:
        raise ValidationError({"url": str(exc)}) from exc
    last = Event.objects.aggregate(last=Max("pk"))["last"] or 0
    return ChatChannel.objects.create(
        organisation=admin.organisation,
        room_id=room_id,
        kind=kind,
        url=url,
        name=name.strip(),
        last_event_id=last,
    )


@transaction.atomic
def channel_delete(*, channel: ChatChannel) -> None:
    channel.delete()


def _is_news(event: Event) -> bool:
    if event.room_id is None or event.is_internal or event.kind not in CHAT_KINDS:
        return False
    if event.kind == EventKind.ROOM_HEALTH_CHANGED:
        # analytics.health's AT_RISK: a sibling layer, named by its value.
        return event.data.get("state") == "at_risk"
    return event.actor_side == Side.BUYER


def chat_on_recorded(recorded: Recorded) -> None:
    """A subscription: a buyer's action schedules the message of every channel that hears
    its room, inside the transaction that recorded it."""
    news = [event for event in recorded.events if _is_news(event)]
    if not news:
        return
    organisations = {event.organisation_id for event in news}
    rooms = {event.room_id for event in news}
    channels = ChatChannel.objects.filter(
        Q(room=None) | Q(room_id__in=rooms), organisation_id__in=organisations, is_active=True
    ).values_list("pk", "organisation_id", "room_id")
    for pk, organisation_id, room_id in channels:
        if any(e.organisation_id == organisation_id and room_id in (None, e.room_id) for e in news):
            _schedule(pk)


def _schedule(channel_id: int) -> None:
    channel = ChatChannel.objects.select_for_update().get(pk=channel_id)
    if channel.due_at is not None:
        return  # a message is on its way; this event will be in it
    now = timezone.now()
    due = now + CHAT_GATHER
    if channel.sent_at:
        due = max(due, channel.sent_at + CHAT_INTERVAL)
    channel.due_at = due
    channel.save(update_fields=["due_at"])
    delay = (due - now).total_seconds()
    transaction.on_commit(lambda: _dispatch_batch(channel_id, delay))


@shared_task(name="integrations.tasks.chat_batch_send")
def chat_batch_send(channel_id: int) -> bool:
    return batch_send_due(channel_id=channel_id)


@shared_task(name="integrations.tasks.chat_message_send")
def chat_message_send(message_id: int) -> str:
    return message_send(message_id)


def _dispatch_batch(channel_id: int, delay: float) -> None:
    try:
        chat_batch_send.apply_async(args=[channel_id], countdown=delay, retry=False)
    except Exception:  # the broker is unreachable: the sweep sends it when due
        logger.warning("chat batch of %s left for the sweep: broker unavailable", channel_id)


def batches_due() -> list[int]:
    return list(
        ChatChannel.objects.filter(due_at__lte=timezone.now(), is_active=True).values_list(
            "pk", flat=True
        )[:500]
    )


@transaction.atomic
def batch_send_due(*, channel_id: int) -> bool:
    """Write the channel's message if it is due; True if one was written."""
    channel = ChatChannel.objects.select_for_update().filter(pk=channel_id).first()
    if channel is None or channel.due_at is None or channel.due_at > timezone.now():
        return False
    scope = Q(organisation_id=channel.organisation_id)
    if channel.room_id:
        scope &= Q(room_id=channel.room_id)
    events = [
        event
        for event in Event.objects.filter(scope, pk__gt=channel.last_event_id, kind__in=CHAT_KINDS)
        .select_related("actor", "room")
        .order_by("pk")[:500]
        if _is_news(event)
    ]
    channel.due_at = None
    if not events:
        channel.save(update_fields=["due_at"])
        return False
    message = ChatMessage.objects.create(
        key=f"chat:{channel.pk}:{events[-1].pk}",
        organisation_id=channel.organisation_id,
        channel=channel,
        body=message_body(channel.kind, events),
    )
    channel.last_event_id = events[-1].pk
    channel.sent_at = timezone.now()
    channel.save(update_fields=["due_at", "last_event_id", "sent_at"])
    transaction.on_commit(lambda: _dispatch_message(message.pk))
    return True


def _dispatch_message(message_id: int) -> None:
    try:
        chat_message_send.apply_async(args=[message_id], retry=False)
    except Exception:  # the broker is unreachable: the row waits for the sweep
        logger.warning("chat message %s left for the sweep: broker unavailable", message_id)


@dataclass(frozen=True)
class Line:
    """One event of a message: a buyer's action, or a room turning at risk."""

    company: str
    url: str
    who: str = ""
    what: str = ""
    at_risk: str = ""  # the reason, for a room turning at risk


def _lines(events: list[Event]) -> list[Line]:
    """A line per event, newest last; at most MAX_LINES, the rest counted."""
    lines = []
    # Only room events are news (_is_news): every event here has its room.
    for event in events[-MAX_LINES:]:
        company = event.room.buyer_company if event.room else ""
        url = _room_url(event.room) if event.room else settings.SITE_URL
        if event.kind == EventKind.ROOM_HEALTH_CHANGED:
            lines.append(Line(company, url, at_risk=str(event.data.get("reason", ""))))
        else:
            who = event.actor.get_full_name() if event.actor else "Tandem"
            lines.append(Line(company, url, who=who, what=event.summary))
    return lines


def _room_url(room: Room) -> str:
    return settings.SITE_URL + f"/rooms/{room.public_id}/"


def _plural(n: int, what: str) -> str:
    return f"{n} {what}{'s' if n != 1 else ''}"


def _heading(events: list[Event], rooms: dict[int | None, Room]) -> str:
    risks = sum(1 for event in events if event.kind == EventKind.ROOM_HEALTH_CHANGED)
    actions = len(events) - risks
    where = next(iter(rooms.values())).buyer_company if len(rooms) == 1 else f"{len(rooms)} rooms"
    if risks == 1 and not actions:
        return f"{where} turned at risk"
    parts = [_plural(actions, "buyer action")] if actions else []
    parts += [_plural(risks, "deal") + " at risk"] if risks else []
    return " and ".join(parts) + f" in {where}"


def message_body(kind: str, events: list[Event]) -> dict[str, Any]:
    """The message in the platform's own format (Slack: Block Kit; Teams: an Adaptive Card).
    A room turning at risk reads "<room> turned at risk: <reason>", the room a link."""
    rooms = {event.room_id: event.room for event in events if event.room is not None}
    url = _room_url(next(iter(rooms.values())))
    heading = _heading(events, rooms)
    lines = _lines(events)
    more = len(events) - len(lines)
    if kind == ChatKind.SLACK:
        text = "\n".join(
            f"• <{line.url}|{_slack(line.company)}> turned at risk: {_slack(line.at_risk)}"
            if line.at_risk
            else f"• *{_slack(line.who)}* {_slack(line.what)} ({_slack(line.company)})"
            for line in lines
        )
        if more:
            text += f"\n…and {more} more"
        return {
            "text": heading,
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": f"*{_slack(heading)}*"}},
                {"type": "section", "text": {"type": "mrkdwn", "text": text}},
                {
                    "type": "actions",
                    "elements": [
                        {"type": "button", "text": {"type": "plain_text", "text": "Open the room"},
                         "url": url}
                    ],
                },
            ],
        }  # fmt: skip
    risks = [
        {
            "type": "TextBlock",
            "text": f"[{_markdown_label(line.company)}]({line.url}) turned at risk: {line.at_risk}",
            "color": "Attention",
            "wrap": True,
        }
        for line in lines
        if line.at_risk
    ]
    facts = [
        {"title": line.who, "value": f"{line.what} ({line.company})"}
        for line in lines
        if not line.at_risk
    ]
    if more:
        facts.append({"title": "…", "value": f"and {more} more"})
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": heading, "weight": "Bolder", "wrap": True}
    ]
    if facts:
        body.append({"type": "FactSet", "facts": facts})
    body += risks
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": body,
                    "actions": [{"type": "Action.OpenUrl", "title": "Open the room", "url": url}],
                },
            }
        ],
    }


def _markdown_label(text: str) -> str:
    """A link's label in a card's markdown: brackets would end it early."""
    return text.replace("[", "(").replace("]", ")")


def _slack(text: str) -> str:
    """Slack's mrkdwn reads <, > and & as markup: a buyer's text is shown, not obeyed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def message_send(message_id: int) -> str:
    claimed = delivery_claim(
        ChatMessage, message_id, prepare=lambda message: message.channel.is_active
    )
    if isinstance(claimed, str):
        return claimed
    answer = post_json(claimed.channel.url, json.dumps(claimed.body).encode(), {})
    if answer.ok:
        delivery_mark_sent(claimed, response_status=answer.status)
        return "sent"
    ChatMessage.objects.filter(pk=claimed.pk).update(response_status=answer.status)
    delivery_mark_failed(claimed, answer.error or f"HTTP {answer.status}")
    return "failed"
