"""@mentions, grouped and throttled: the first mention emails the person at once; further ones
within the same 10 minutes ride together in one email at the end of them. The email is written
when it is sent (notifications.compose), so a deleted comment is not mentioned."""

from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Side
from activity.kinds import EventKind
from activity.subscriptions import Recorded
from notifications.models import Notice, NoticeKind
from outbox.models import EmailStatus, Kind, OutboundEmail
from outbox.preferences import wants
from outbox.services import email_dispatch
from plans.mentions import find_mentions
from plans.models import Comment
from stakeholders.models import OPEN_STATES, Stakeholder

WINDOW = timedelta(minutes=10)


def _window(now: datetime, ahead: int) -> tuple[int, datetime]:
    number = int(now.timestamp() // WINDOW.total_seconds()) + ahead
    return number, datetime.fromtimestamp(number * WINDOW.total_seconds(), tz=UTC)


def mention_notify(*, comment: Comment, person: Stakeholder) -> Notice | None:
    """Call inside the comment's transaction. One notice per comment and person."""
    if not person.email or not wants(person.email, Kind.MENTIONS):
        return None
    key = f"mention:{comment.pk}:{person.pk}"
    if Notice.objects.filter(key=key).exists():
        return None
    to = person.email.lower()
    now = timezone.now()
    for ahead in (0, 1):  # this window's email, or if it has gone, the next one's
        number, start = _window(now, ahead)
        email, created = OutboundEmail.objects.get_or_create(
            key=f"mentions:{to}:{number}",
            defaults={
                "to": to,
                "subject": "(written when sent)",
                "body_text": "",
                "organisation_id": comment.organisation_id,
                "kind": Kind.MENTIONS,
                "compose": "mentions",
                "next_attempt_at": start if ahead else None,
            },
        )
        # Wait for a worker composing it: then it has gone, and this goes in the next one.
        email = OutboundEmail.objects.select_for_update().get(pk=email.pk)
        if email.status == EmailStatus.PENDING:
            break
    else:
        return None  # two windows' emails gone within a moment: cannot happen in practice
    notice = Notice.objects.create(
        key=key, kind=NoticeKind.MENTION, email=email, stakeholder=person, comment=comment
    )
    if created:
        transaction.on_commit(lambda: email_dispatch(email.pk, eta=start if ahead else None))
    return notice


def mentions_on_recorded(recorded: Recorded) -> None:
    """A subscription (activity.subscriptions): a new comment tells whoever it @mentions."""
    for event in recorded.events:
        if event.kind != EventKind.COMMENT_CREATED or "comment" not in event.data:
            continue
        comment = (
            Comment.objects.select_related("room", "author")
            .filter(public_id=event.data["comment"])
            .first()
        )
        if comment is not None:
            mentions_notify(comment)


def mentions_notify(comment: Comment) -> None:
    """Notify each person @mentioned in a new comment (grouped and throttled). An
    internal note reaches sellers only; a buyer is told only once they have been invited (a
    mention does not let anyone in)."""
    people = list(comment.room.stakeholders.exclude(email=""))
    if comment.is_internal:
        people = [p for p in people if p.side == Side.SELLER]
    for person in find_mentions(comment.body, people):
        if comment.author and person.email.lower() == comment.author.email.lower():
            continue
        if person.side == Side.BUYER and person.access_state not in OPEN_STATES:
            continue
        mention_notify(comment=comment, person=person)
