"""What becomes of a received message (inbound.services stores it; a worker runs this)."""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from accounts.models import Membership
from inbound.models import InboundMessage, InboundStatus
from inbound.parsing import ParsedMessage, done_split, message_read, reply_text
from inbound.tokens import (
    BUYER,
    ReplyClaim,
    reply_token_from_address,
    reply_token_read,
    reply_token_valid,
)
from outbox.services import email_queue
from plans.services import comment_create, task_set_done
from rooms.access import RoomAccess, room_access_for
from rooms.models import Room
from rooms.resource_services import resource_add_file
from stakeholders.models import AccessState, Stakeholder

logger = logging.getLogger("tandem.inbound")


class Refused(Exception):
    """The message is refused: ``reason`` for the log, ``tell`` (words) for the sender, or
    "" when they are not told (a machine, an address nobody made)."""

    def __init__(self, reason: str, tell: str = "") -> None:
        super().__init__(reason)
        self.reason, self.tell = reason, tell


@dataclass
class Outcome:
    comment: bool = False
    ticked: bool = False
    files: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _person_access(claim: ReplyClaim, token: str) -> tuple[RoomAccess, str]:
    """The access of the person the token names, and their address; Refused if none."""
    buyer: Stakeholder | None = None
    user = None
    if claim.kind == BUYER:
        buyer = Stakeholder.objects.select_related("user").filter(pk=claim.person).first()
        email, user = (buyer.email, buyer.user) if buyer else ("", None)
    else:
        member = Membership.objects.select_related("user").filter(pk=claim.person).first()
        email, user = (member.user.email, member.user) if member else ("", None)
    if not email or not reply_token_valid(token, email):
        raise Refused("unknown or tampered reply address")
    if claim.last_day < timezone.localdate():
        raise Refused(
            "expired reply address",
            "The email you answered is too old to reply to. Open the room from a newer email "
            "and write your comment there.",
        )
    room = Room.objects.select_related("owner", "organisation").filter(pk=claim.room).first()
    if room is None or room.is_template:
        raise Refused("room gone", "The room your reply was for no longer exists.")
    closed = Refused(
        "revoked: the person may no longer act in the room",
        "You no longer have access to this room, so your reply was not added to it.",
    )
    if buyer is not None and buyer.access_state == AccessState.INVITED and user is None:
        raise Refused(
            "buyer not yet active",
            "Open the room once with the link in your invitation; after that, replies "
            "to Tandem's emails are added to the room.",
        )
    if user is None or (buyer is not None and buyer.room_id != room.pk):
        raise closed
    try:
        access = room_access_for(user, room)
    except Http404:
        raise closed from None
    if buyer is not None and (access.buyer is None or access.buyer.pk != buyer.pk):
        raise closed  # a buyer's token is theirs in their room, not a seller's way in
    return access, email


def inbound_handle(message_pk: int) -> InboundMessage:
    """Act on one stored message, once (a second run finds it handled)."""
    with transaction.atomic():
        stored = InboundMessage.objects.select_for_update().get(pk=message_pk)
        if stored.status != InboundStatus.RECEIVED:
            return stored
        raw = bytes(stored.raw)
        envelope_sender = None
        if raw.startswith(b"X-Tandem-Envelope-From: "):
            line, _, raw = raw.partition(b"\r\n")
            envelope_sender = line.split(b": ", 1)[1].decode()
        parsed = message_read(raw, envelope_sender=envelope_sender)
        stored.sender = parsed.sender[:254]
        tell = ""
        try:
            outcome = _act(stored, parsed)
        except Refused as refused:
            stored.status, stored.reason, tell = InboundStatus.REFUSED, refused.reason, refused.tell
            logger.warning(
                "inbound message %s from %s refused: %s",
                stored.message_id,
                parsed.sender,
                refused.reason,
            )
        else:
            stored.status = InboundStatus.ACCEPTED
            done = ["commented"] * outcome.comment + ["ticked"] * outcome.ticked
            done += [f"added {name}" for name in outcome.files]
            stored.reason = "; ".join(done + outcome.problems)[:300]
            tell = "\n".join(f"- {p}" for p in outcome.problems)
        stored.raw = b""  # handled: the room has what it kept, the log the rest
        stored.handled_at = timezone.now()
        stored.save()
        if tell and parsed.sender and not parsed.auto:
            _bounce(stored, parsed.sender, tell)
    return stored


def _act(stored: InboundMessage, parsed: ParsedMessage) -> Outcome:
    if parsed.auto:
        raise Refused(f"automatic message ({parsed.auto})")
    token = None
    for address in [stored.recipient, *parsed.recipients]:
        token = reply_token_from_address(address)
        if token:
            stored.recipient = address[:254]
            break
    claim = reply_token_read(token) if token else None
    if token is None or claim is None:
        raise Refused("no reply address of ours")
    stored.room_id_seen = claim.room
    access, person_email = _person_access(claim, token)
    task = None
    if claim.task is not None:
        task = access.tasks().filter(pk=claim.task).first()
    reply = reply_text(parsed.text)
    done, body = done_split(reply)
    if parsed.sender and parsed.sender != person_email.lower():
        body = f"{body}\n\n(by email from {parsed.sender})".strip() if body else ""
    outcome = Outcome()
    if done and task is not None:
        try:
            with transaction.atomic():
                task_set_done(task=task, done=True, by=access)
            outcome.ticked = True
        except (PermissionDenied, ValidationError):
            outcome.problems.append(
                f"“{task.title}” was not ticked: only the seller's team can tick it."
            )
    elif done:
        body = reply  # nothing to tick: the word is the comment
    if done and task is not None and not body and parsed.sender != person_email.lower():
        body = f"Marked done (by email from {parsed.sender})"
    for attachment in parsed.attachments:
        upload = SimpleUploadedFile(attachment.name, attachment.content)
        try:
            with transaction.atomic():
                resource_add_file(by=access, upload=upload)
            outcome.files.append(attachment.name)
        except (ValidationError, PermissionDenied) as exc:
            words = " ".join(getattr(exc, "messages", [str(exc)]))
            outcome.problems.append(f"“{attachment.name}” was not added: {words}")
    if body:
        if len(body) > 10000:
            body = body[:9990] + "…"
            outcome.problems.append("Your reply was cut at 10,000 characters.")
        comment_create(by=access, body=body, task=task)
        outcome.comment = True
    if not (outcome.comment or outcome.ticked or outcome.files):
        if outcome.problems:
            return outcome
        raise Refused(
            "empty reply",
            "Your reply had nothing in it once the quoted email was taken out, so nothing was "
            "added to the room.",
        )
    return outcome


def _bounce(stored: InboundMessage, to: str, words: str) -> None:
    email_queue(
        key=f"inbound-bounce:{stored.pk}",
        to=to,
        template="inbound/email/bounce",
        # Auto-Submitted: machines that answer ours must not answer this one.
        headers={"Auto-Submitted": "auto-replied", "X-Tandem-Auto": "bounce"},
        context={"words": words, "site_name": settings.SITE_NAME},
    )
