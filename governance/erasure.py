"""Erasing a person (a buyer who asks, under the GDPR) from every room of an organisation.

Removed: their email address and name wherever the organisation's data holds them (people,
comments, tasks, milestones, events, emails waiting or sent, buyer links), the files and links
they shared (the files deleted from storage), their reminders and mentions. Kept, anonymised:
what they did (events, views, ticks, comments) as "a former stakeholder", so that the
organisation's figures still add up. When the person is a buyer of no other organisation, their
account itself is anonymised (address, name, password, sessions, tokens). The audit log records
that an erasure happened, in which organisation and by whom, never whom it erased.

Apps above this layer (inbound, a face) reach their own rows through erasure_hook_register,
called from their AppConfig.ready(): each hook is given the organisation, the address and
the primary keys of the organisation's rooms, inside the erasure's transaction.

Not erased: a copy another organisation holds (their rooms are their business), and the audit
log, which never named a buyer.
"""

import re
import uuid
from collections.abc import Callable

from allauth.account.models import EmailAddress
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import models, transaction

from accounts.models import ApiToken, Membership, Organisation, Side, User
from activity.kinds import EventKind
from activity.models import Event
from governance.audit import audit_record
from integrations.models import CalendarFeed
from notifications.models import Notice
from outbox.models import EmailPreference, OutboundEmail
from plans.models import Comment, Milestone, Task
from rooms.models import Resource, Room
from rooms.versioning import room_touch
from stakeholders.models import AccessState, BuyerLink, Stakeholder

FORMER = "a former stakeholder"

# (organisation=, email=, room_ids=) -> None: what an app above this layer erases of its own.
ErasureHook = Callable[..., object]
_erasure_hooks: dict[str, ErasureHook] = {}


def erasure_hook_register(name: str, hook: ErasureHook) -> None:
    _erasure_hooks[name] = hook


def _scrubber(needles: list[str]):
    pattern = re.compile(
        "|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True)), re.I
    )

    def scrub(value):
        if isinstance(value, str):
            return pattern.sub(FORMER, value)
        if isinstance(value, list):
            return [scrub(v) for v in value]
        if isinstance(value, dict):
            return {k: scrub(v) for k, v in value.items()}
        return value

    return scrub


def _scrub_rows(queryset: models.QuerySet, fields: list[str], needles: list[str], scrub) -> None:
    """Rewrite ``fields`` of every row of ``queryset`` that mentions a needle."""
    text_fields = [
        f for f in fields if not isinstance(queryset.model._meta.get_field(f), models.JSONField)
    ]
    mentions = models.Q()
    for field in text_fields:
        for needle in needles:
            mentions |= models.Q(**{f"{field}__icontains": needle})
    json_fields = [f for f in fields if f not in text_fields]
    rows = queryset if json_fields else queryset.filter(mentions)
    for row in rows.iterator():
        changed = []
        for field in fields:
            before = getattr(row, field)
            after = scrub(before)
            if after != before:
                setattr(row, field, after)
                changed.append(field)
        if changed:
            # The one rewrite of rows that are otherwise never changed (events, sent emails).
            type(row).objects.filter(pk=row.pk).update(**{f: getattr(row, f) for f in changed})


@transaction.atomic
def person_erase(*, organisation: Organisation, email: str, actor: User) -> int:
    """Erase the buyer with ``email`` from every room of ``organisation``; returns how many
    rooms they were in."""
    email = email.strip().lower()
    people = list(
        Stakeholder.objects.select_for_update().filter(
            organisation=organisation, email__iexact=email, side=Side.BUYER
        )
    )
    if not people:
        raise ValidationError({"email": "No buyer with this address in the organisation's rooms."})
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise ValidationError({"email": "This address is a member's: remove the member instead."})
    users = list(User.objects.filter(email__iexact=email))
    user_ids = [user.pk for user in users]
    needles = sorted(
        {email, *(p.name.strip() for p in people), *(u.name.strip() for u in users)} - {""},
    )
    scrub = _scrubber(needles)
    rooms = {p.room_id for p in people}
    mine = {"organisation": organisation}

    # What they shared goes, files from storage too.
    for resource in Resource.objects.filter(**mine, created_by_id__in=user_ids):
        if resource.file:
            resource.file.delete(save=False)
        resource.delete()
    # Their links, reminders and the emails addressed to them.
    BuyerLink.objects.filter(stakeholder__in=people).delete()
    CalendarFeed.objects.filter(stakeholder__in=people).delete()
    Notice.objects.filter(stakeholder__in=people).delete()
    OutboundEmail.objects.filter(**mine, to__iexact=email).delete()
    # Their name and address wherever the organisation wrote them.
    _scrub_rows(Comment.objects.filter(**mine), ["body"], needles, scrub)
    _scrub_rows(Task.objects.filter(**mine), ["title", "description"], needles, scrub)
    _scrub_rows(Milestone.objects.filter(**mine), ["title", "description"], needles, scrub)
    _scrub_rows(
        Event.objects.filter(organisation_id=organisation.pk), ["summary", "data"], needles, scrub
    )
    _scrub_rows(
        OutboundEmail.objects.filter(**mine),
        ["subject", "body_text", "body_html", "headers", "last_error"],
        needles,
        scrub,
    )
    # The person stays in each room as an anonymous stakeholder: the figures still add up.
    for person in people:
        person.name = FORMER.capitalize()
        person.email = ""
        person.title = ""
        person.user = None
        person.access_state = AccessState.REVOKED
        person.save(update_fields=["name", "email", "title", "user", "access_state"])

    elsewhere = Stakeholder.objects.filter(user_id__in=user_ids).exclude(organisation=organisation)
    if elsewhere.exists():
        # Another organisation's buyer too: the account is not this organisation's to erase.
        Comment.objects.filter(**mine, author_id__in=user_ids).update(author=None)
    else:
        CalendarFeed.objects.filter(user_id__in=user_ids).delete()
        for user in users:
            _user_anonymise(user)
        EmailPreference.objects.filter(email__iexact=email).delete()
    room_ids = set(Room.objects.filter(**mine).values_list("pk", flat=True))
    for hook in _erasure_hooks.values():
        hook(organisation=organisation, email=email, room_ids=room_ids)
    for room_id in rooms:
        room_touch(room_id)
    audit_record(
        organisation=organisation,
        actor=actor,
        kind=EventKind.PERSON_ERASED,
        summary="erased a person's data on request",
        rooms=len(rooms),
    )
    return len(rooms)


def _user_anonymise(user: User) -> None:
    EmailAddress.objects.filter(user=user).delete()
    ApiToken.objects.filter(user=user).delete()
    for session in Session.objects.all().iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
    user.email = f"erased-{uuid.uuid4().hex}@erased.invalid"
    user.name = FORMER.capitalize()
    user.is_active = False
    user.set_unusable_password()
    user.save(update_fields=["email", "name", "is_active", "password"])
