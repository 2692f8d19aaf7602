"""Emails written when they are sent, from the notices they carry (reminders, mentions).

At claim time (outbox.sending) each notice is checked against the database as it is
then: a task completed, re-dated or given to someone else since its reminder was queued, a
deleted comment, a buyer whose access was revoked — each is left out. An email with nothing
left is cancelled. Buyers' links are made here, fresh, so that a link is never older than its
email (the buyer-link rules: bound to the person and room, expiring, revocable).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import Side
from notifications.models import Notice, NoticeKind
from outbox.composers import reply_about
from outbox.models import OutboundEmail
from outbox.preferences import unsubscribe_headers, unsubscribe_url
from plans.models import Status, Task
from rooms.access import address_may_see_room
from rooms.models import LIVE_STAGES, Room
from stakeholders.models import OPEN_STATES, Stakeholder
from stakeholders.services import buyer_link_create, buyer_link_placeholder, buyer_link_url

# Rooms whose plan is still being worked on (a won room is onboarding).


@dataclass
class RoomGroup:
    room: Room
    stakeholder: Stakeholder
    url: str
    items: list[dict] = field(default_factory=list)


class Links:
    """Where each item of one email points: a seller straight to the page; a buyer through a
    fresh personal link per room (one token per room, shared by that room's items)."""

    def __init__(self) -> None:
        self.tokens: dict[int, str] = {}

    @property
    def secret(self) -> bool:
        return bool(self.tokens)

    def _token(self, stakeholder: Stakeholder) -> str:
        """The link's placeholder: its token is made as the email is sent, never stored."""
        if stakeholder.pk not in self.tokens:
            link, _token = buyer_link_create(stakeholder=stakeholder, actor=None, replace=False)
            self.tokens[stakeholder.pk] = buyer_link_placeholder(link)
        return self.tokens[stakeholder.pk]

    def room(self, stakeholder: Stakeholder, room: Room) -> str:
        if stakeholder.side == Side.BUYER:
            return buyer_link_url(self._token(stakeholder))
        return settings.SITE_URL + reverse("room_detail", args=[room.public_id])

    def task(self, stakeholder: Stakeholder, task: Task) -> str:
        if stakeholder.side == Side.BUYER:
            token = self._token(stakeholder)
            return settings.SITE_URL + reverse("buyer_task_link", args=[token, task.public_id])
        return settings.SITE_URL + reverse(
            "task_detail", args=[task.room.public_id, task.public_id]
        )


def _reaches(notice: Notice, to: str) -> bool:
    """The person is still who the email is for, and may still see the room (a seller still a
    member who sees it, a buyer whose access is open)."""
    person = notice.stakeholder
    if person.email.lower() != to.lower():
        return False
    if person.side == Side.BUYER and person.access_state not in OPEN_STATES:
        return False
    return address_may_see_room(to, person.room)


def reminder_stands(notice: Notice) -> bool:
    task = notice.task
    return (
        task is not None
        and task.status != Status.DONE
        and task.due_date == notice.due_date
        and task.owner_id == notice.stakeholder_id
        and task.room.stage in LIVE_STAGES
        and not (task.is_internal and notice.stakeholder.side == Side.BUYER)
    )


def mention_stands(notice: Notice) -> bool:
    comment = notice.comment
    if comment is None:
        return False
    hidden = comment.is_internal or (comment.task is not None and comment.task.is_internal)
    return not (hidden and notice.stakeholder.side == Side.BUYER)


def _groups(notices: list[Notice], links: Links) -> list[RoomGroup]:
    groups: dict[int, RoomGroup] = {}
    for notice in notices:
        room = notice.stakeholder.room
        group = groups.get(room.pk)
        if group is None:
            url = links.room(notice.stakeholder, room)
            group = groups[room.pk] = RoomGroup(room=room, stakeholder=notice.stakeholder, url=url)
        task = notice.task or (notice.comment.task if notice.comment else None)
        group.items.append(
            {
                "notice": notice,
                "task": task,
                "comment": notice.comment,
                "url": links.task(notice.stakeholder, task) if task else group.url,
            }
        )
    return list(groups.values())


def _reply_about(groups: list[RoomGroup]) -> dict[str, str]:
    """A reply to an email about one task lands on it; about one room, in its discussion;
    about several rooms, nowhere (no Reply-To)."""
    if len(groups) != 1:
        return {}
    tasks = {item["task"].pk for item in groups[0].items if item["task"] is not None}
    if len(tasks) == 1 and all(item["task"] is not None for item in groups[0].items):
        return reply_about("task", tasks.pop())
    return reply_about("room", groups[0].room.pk)


COMPOSERS: dict[str, tuple[str, Callable[[Notice], bool]]] = {
    "reminders": ("notifications/email/reminders", reminder_stands),
    "mentions": ("notifications/email/mentions", mention_stands),
}


def email_compose(email: OutboundEmail) -> bool:
    """Write the email's subject and bodies from the notices that still stand; False when none
    does (the caller cancels it). Runs inside the claim's transaction."""
    template, stands = COMPOSERS[email.compose]
    notices = [
        notice
        for notice in email.notices.select_related(
            "stakeholder",
            "stakeholder__room",
            "stakeholder__room__organisation",
            "task",
            "task__room",
            "comment",
            "comment__author",
            "comment__task",
            "comment__task__room",
        ).order_by("stakeholder__room_id", "due_date", "pk")
        if _reaches(notice, email.to) and stands(notice)
    ]
    if not notices:
        return False
    links = Links()
    groups = _groups(notices, links)
    context = {
        "groups": groups,
        "brand": groups[0].room,
        "name": notices[0].stakeholder.name,
        "due_soon": sum(n.kind == NoticeKind.DUE_SOON for n in notices),
        "overdue": sum(n.kind == NoticeKind.OVERDUE for n in notices),
        "count": len(notices),
        "site_name": settings.SITE_NAME,
        "unsubscribe_url": unsubscribe_url(email.to, email.kind),
    }
    email.subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())[:300]
    email.body_text = render_to_string(f"{template}_message.txt", context)
    email.body_html = render_to_string(f"{template}_message.html", context)
    email.headers = {
        **email.headers,
        **unsubscribe_headers(email.to, email.kind),
        **_reply_about(groups),
    }
    email.scrub_after_send = links.secret
    return True
