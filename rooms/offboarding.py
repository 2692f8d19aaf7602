"""A member leaves an organisation: nothing of its rooms reaches them afterwards.

The core removes a membership (accounts.services.membership_remove) but knows no room; this
service does the rooms' part in the same transaction: it hands every room and template the
member owns to the new owner the admin chose for it, takes them off every seller team and
seller-side list of people, and only then removes the membership. Emails queued before are
checked again when they are sent (rooms.access.address_may_see_room), so none reaches them.
"""

from collections.abc import Mapping
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from accounts.models import Membership, Side, User
from accounts.services import membership_remove
from activity.kinds import EventKind
from rooms.events import event_record
from rooms.models import Room, RoomQuerySet
from rooms.ordering import next_position
from stakeholders.models import BuyingRole, Stakeholder


def rooms_owned_by(membership: Membership) -> RoomQuerySet:
    """The rooms, then the templates, of the member's organisation that they own."""
    return Room.objects.filter(
        organisation_id=membership.organisation_id, owner_id=membership.user_id
    ).order_by("is_template", "buyer_company", "name", "pk")


def rooms_joined_by(membership: Membership) -> RoomQuerySet:
    """The rooms of the member's organisation whose seller team they are on (not as owner)."""
    user_id = membership.user_id
    return (
        Room.objects.rooms()
        .filter(organisation_id=membership.organisation_id)
        .filter(Q(seller_team=user_id) | Q(stakeholders__user=user_id))
        .exclude(owner_id=user_id)
        .distinct()
    )


def new_owner_choices(membership: Membership) -> list[Membership]:
    """Who may take over the member's rooms: every other member of the organisation (any
    role may own a room; a rep then sees the rooms they own)."""
    return list(
        Membership.objects.filter(organisation_id=membership.organisation_id)
        .exclude(pk=membership.pk)
        .select_related("user")
        .order_by("user__name", "user__email")
    )


@transaction.atomic
def member_offboard(
    *, membership: Membership, actor: User, new_owners: Mapping[UUID, Membership]
) -> None:
    """Remove the member from the organisation and from all of its rooms at once.

    ``new_owners`` maps each owned room's public id to the member who takes it over. Nothing
    happens (ValidationError) until every room they own has one, another member of the same
    organisation; the core's rules of removal (an organisation keeps an admin) apply too.
    """
    user = membership.user
    rooms = list(rooms_owned_by(membership).select_for_update(no_key=True))
    missing = [room for room in rooms if room.public_id not in new_owners]
    if missing:
        names = ", ".join(str(room) for room in missing)
        raise ValidationError(
            f"Choose a new owner for each room {user.get_full_name()} owns first: {names}."
        )
    for room in rooms:
        new_owner = new_owners[room.public_id]
        if new_owner.organisation_id != membership.organisation_id or new_owner.pk == membership.pk:
            raise ValidationError(
                f"The new owner of {room} must be another member of {membership.organisation}."
            )
        _room_hand_over(room, new_owner.user, actor)
    sellers = Stakeholder.objects.filter(
        room__organisation_id=membership.organisation_id, side=Side.SELLER, user=user
    ).select_related("room")
    for stakeholder in sellers:
        # Their tasks stay in the plan, unassigned (Task.owner is SET_NULL).
        event_record(
            room=stakeholder.room,
            actor=actor,
            side=Side.SELLER,
            kind=EventKind.STAKEHOLDER_REMOVED,
            summary=f"removed {stakeholder.name}, who left {membership.organisation}",
            is_internal=True,
        )
        stakeholder.delete()
    Room.seller_team.through.objects.filter(
        room__organisation_id=membership.organisation_id, user_id=user.pk
    ).delete()
    membership_remove(membership=membership, actor=actor)


def _room_hand_over(room: Room, new_owner: User, actor: User) -> None:
    room.owner = new_owner
    room.save(update_fields=["owner", "updated_at"])
    people = room.stakeholders.all()
    # The owner is one of the room's people ("The room's owner stays in the room").
    if (
        not people.filter(user=new_owner).exists()
        and not people.filter(email__iexact=new_owner.email).exists()
    ):
        Stakeholder.objects.create(
            organisation_id=room.organisation_id,
            room=room,
            side=Side.SELLER,
            name=new_owner.get_full_name(),
            email=new_owner.email,
            user=new_owner,
            role=BuyingRole.OTHER,
            position=next_position(people.filter(side=Side.SELLER)),
        )
    event_record(
        room=room,
        actor=actor,
        side=Side.SELLER,
        kind=EventKind.ROOM_OWNER_CHANGED,
        summary=f"handed the room to {new_owner.get_full_name()}",
        owner=new_owner.email,
        is_internal=True,
    )
