"""The only way views reach rooms and what is in them.

Sellers: admins and managers reach every room (and template) of their organisations; a rep
reaches those they own or are on the seller team of. Anyone else gets 404, exactly as for a
room that does not exist. Every lookup of a thing inside a room (a task, a milestone, a
stakeholder, a comment) goes through the RoomAccess it belongs to, so an id from another
room is a 404 too.

Buyers will reach a room through the same RoomAccess, as a stakeholder with ``audience``
"buyer": the views already ask ``access.require_seller()`` where only sellers may act.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import cast
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse

from accounts.access import AnyUser
from accounts.models import Membership, Side, User
from activity.recording import Who
from plans.models import Comment, Milestone, Task
from rooms.models import Resource, Room, RoomQuerySet
from stakeholders.models import OPEN_STATES, AccessState, Stakeholder


def _visible_to(membership: Membership) -> RoomQuerySet:
    rooms = Room.objects.filter(organisation_id=membership.organisation_id)
    if membership.sees_every_room:
        return rooms
    user_id = membership.user_id
    return rooms.filter(Q(owner_id=user_id) | Q(seller_team__id=user_id)).distinct()


def rooms_visible_to(membership: Membership) -> QuerySet[Room]:
    return _visible_to(membership).rooms()


def templates_visible_to(membership: Membership) -> QuerySet[Room]:
    return _visible_to(membership).templates()


class AccessEnded(Http404):
    """A buyer whose access to this room was revoked. Still a 404, as for anyone the room is
    not open to, and nothing of the room is shown; but the pages can tell the person, in words,
    that it ended and whom to ask (web.middleware)."""

    def __init__(self, room: Room) -> None:
        super().__init__()  # the API's 404 says what any other 404 says
        self.room = room

    @property
    def contact(self) -> str:
        """Whom to ask for a new link: the room's owner (loaded with the room)."""
        return self.room.owner.get_full_name()

    @property
    def message(self) -> str:
        return f"Your access to this room has ended; ask {self.contact} for a new link."


@dataclass(frozen=True)
class RoomAccess:
    room: Room
    user: User
    membership: Membership | None = None  # set for sellers
    buyer: Stakeholder | None = None  # set for buyers (the buyer issue)

    @cached_property
    def base_url(self) -> str:
        """``/rooms/<id>/``: the plan's many links are built on it, not reversed one by one."""
        return reverse("room_detail", args=[self.room.public_id])

    @property
    def who(self) -> Who:
        """The person and room as the event log takes them (views, time on the page)."""
        return Who(
            organisation_id=self.room.organisation_id,
            room_id=self.room.pk,
            user_id=self.user.pk,
            side=self.audience,
            stakeholder_id=self.buyer.pk if self.buyer else None,
        )

    @property
    def audience(self) -> Side:
        return Side.SELLER if self.membership is not None else Side.BUYER

    @property
    def is_seller(self) -> bool:
        return self.audience == Side.SELLER

    def check_in_room(self, room_id: int) -> None:
        """A caller's mistake, not a person's: what a service changes is reached through the
        access, so it is in the access's room (a ValueError, a 500, if not)."""
        if room_id != self.room.pk:
            raise ValueError("Acting on something outside the room of the given access.")

    def require_seller(self) -> None:
        """403: the person may see the room but not do this."""
        if not self.is_seller:
            raise PermissionDenied("Only the seller's team can do this.")

    def require_internal_allowed(self, is_internal: bool) -> None:
        """403 for a buyer who marks something internal: only sellers keep things from buyers,
        and a buyer never writes what they could not read back."""
        if is_internal and not self.is_seller:
            raise PermissionDenied("Only the seller's team can mark something internal.")

    def can_edit_task(self, task: Task) -> bool:
        """Sellers edit every task; buyers those on the buyer's side."""
        return self.is_seller or (task.side == Side.BUYER and not task.is_internal)

    def require_task_editor(self, task: Task) -> None:
        if not self.can_edit_task(task):
            raise PermissionDenied("Only the seller's team can change this task.")

    def tasks(self) -> QuerySet[Task]:
        tasks = Task.objects.filter(room=self.room)
        return tasks if self.is_seller else tasks.filter(is_internal=False)

    def get_task(self, task_id: UUID) -> Task:
        return get_object_or_404(
            self.tasks().select_related("milestone", "owner"), public_id=task_id
        )

    def get_milestone(self, milestone_id: UUID) -> Milestone:
        return get_object_or_404(Milestone.objects.filter(room=self.room), public_id=milestone_id)

    def get_stakeholder(self, stakeholder_id: UUID) -> Stakeholder:
        return get_object_or_404(
            Stakeholder.objects.filter(room=self.room), public_id=stakeholder_id
        )

    def comments(self) -> QuerySet[Comment]:
        comments = Comment.objects.filter(room=self.room)
        return comments if self.is_seller else comments.filter(is_internal=False)

    def resources(self) -> QuerySet[Resource]:
        resources = Resource.objects.filter(room=self.room)
        return resources if self.is_seller else resources.filter(is_internal=False)

    def require_resource_remover(self, resource: Resource) -> None:
        """Sellers remove anything; a buyer only what they shared themselves."""
        if not self.is_seller and resource.created_by_id != self.user.pk:
            raise PermissionDenied(
                "Only the seller's team or the person who shared it can remove it."
            )

    def get_resource(self, resource_id: UUID) -> Resource:
        resource = get_object_or_404(self.resources(), public_id=resource_id)
        resource.room = self.room
        return resource


def get_room_access(
    user: AnyUser,
    room_id: UUID,
    *,
    template: bool | None = None,
    memberships: Sequence[Membership] | None = None,
) -> RoomAccess:
    """The person's access to a room or template (``template`` True/False narrows it: the room
    page shows no template and the template page no room); 404 if they have none. Pure: it
    reads, never writes (the browser switches organisation itself: web.organisation)."""
    if not user.is_authenticated:
        raise Http404
    rooms = Room.objects.select_related("owner", "organisation")
    if template is not None:
        rooms = rooms.filter(is_template=template)
    room = get_object_or_404(rooms, public_id=room_id)
    return room_access_for(cast(User, user), room, memberships=memberships)


def room_access_for(
    user: User, room: Room, *, memberships: Sequence[Membership] | None = None
) -> RoomAccess:
    """The person's access to ``room`` by the rules above (404 if none): get_room_access's
    core, for code that acts for someone without a request (the demo seed, the benchmark,
    tests), so that the services' rules apply to them too. ``memberships``: every membership
    of ``user``, when the caller has read them already (a page has, for its organisation
    switcher), so that they are not read again."""
    if memberships is None:
        membership = (
            Membership.objects.select_related("organisation", "user")
            .filter(organisation_id=room.organisation_id, user=user)
            .first()
        )
    else:
        membership = next(
            (m for m in memberships if m.organisation_id == room.organisation_id), None
        )
        if membership is not None:
            membership.user = user
    if membership is not None:
        if not membership.sees_every_room and not (
            room.owner_id == user.pk or room.seller_team.filter(pk=user.pk).exists()
        ):
            raise Http404
        return RoomAccess(room=room, user=membership.user, membership=membership)
    if not room.is_template:
        # A buyer: only while they are an active stakeholder of this very room. Revoking or
        # removing them ends it at once, open sessions included; one who was revoked is told.
        buyers = list(Stakeholder.objects.filter(room=room, user=user, side=Side.BUYER))
        for buyer in buyers:
            if buyer.access_state == AccessState.ACTIVE:
                return RoomAccess(room=room, user=user, buyer=buyer)
        if any(buyer.access_state == AccessState.REVOKED for buyer in buyers):
            raise AccessEnded(room)
    raise Http404


def address_may_see_room(email: str, room: Room) -> bool:
    """Whether the person at this address may still see the room, by the rules above: a member
    of its organisation who sees every room, owns it or is on its seller team, or one of its
    buyers whose access is open (invited or active). Emails about a room are checked against
    it when they are sent, so that nobody hears of a room they have left."""
    membership = (
        Membership.objects.filter(organisation_id=room.organisation_id, user__email__iexact=email)
        .select_related("user")
        .first()
    )
    if membership is not None and (
        membership.sees_every_room
        or room.owner_id == membership.user_id
        or room.seller_team.filter(pk=membership.user_id).exists()
    ):
        return True
    return (
        not room.is_template
        and Stakeholder.objects.filter(
            room=room, side=Side.BUYER, email__iexact=email, access_state__in=OPEN_STATES
        ).exists()
    )


def get_room_access_for_seller(user: AnyUser, room_id: UUID) -> RoomAccess:
    """For actions only the seller's team may take: 404 for outsiders, 403 for buyers."""
    access = get_room_access(user, room_id)
    access.require_seller()
    return access


def buyer_rooms(user) -> QuerySet[Room]:
    """The rooms where this person is an active buyer."""
    return Room.objects.filter(
        is_template=False,
        stakeholders__user=user,
        stakeholders__side=Side.BUYER,
        stakeholders__access_state=AccessState.ACTIVE,
    ).distinct()


def templates_usable_by(membership: Membership) -> QuerySet[Room]:
    """Every template of the organisation may start a room; editing one follows room rules."""
    return Room.objects.templates().filter(organisation_id=membership.organisation_id)
