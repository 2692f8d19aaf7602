from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Membership, User
from analytics.services import event_record
from rooms.models import Room
from rooms.ordering import move, next_position
from stakeholders.models import AccessState, BuyingRole, Side, Stakeholder


def _check_not_template(room: Room) -> None:
    if room.is_template:
        raise ValidationError("A template has no people: add them to the rooms made from it.")


def _check_email_free(room: Room, email: str, exclude: Stakeholder | None = None) -> None:
    if not email:
        return
    clash = room.stakeholders.filter(email__iexact=email)
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    if clash.exists():
        raise ValidationError({"email": f"{email} is already in this room."})


@transaction.atomic
def stakeholder_add_buyer(
    *, room: Room, actor: User, name: str, email: str = "", title: str = "", role: str = ""
) -> Stakeholder:
    _check_not_template(room)
    email = email.strip().lower()
    _check_email_free(room, email)
    stakeholder = Stakeholder.objects.create(
        organisation_id=room.organisation_id,
        room=room,
        side=Side.BUYER,
        name=name.strip(),
        email=email,
        title=title.strip(),
        role=role or BuyingRole.OTHER,
        access_state=AccessState.NOT_INVITED,
        position=next_position(room.stakeholders.filter(side=Side.BUYER)),
    )
    event_record(
        room=room, actor=actor, kind="stakeholder.added", summary=f"added {stakeholder.name}"
    )
    return stakeholder


@transaction.atomic
def stakeholder_add_seller(
    *, room: Room, actor: User, member: Membership, title: str = ""
) -> Stakeholder:
    """Put a colleague on the room's seller team: they see and edit the room from now on."""
    _check_not_template(room)
    if member.organisation_id != room.organisation_id:
        raise ValidationError({"member": "Choose a member of your organisation."})
    user = member.user
    if room.stakeholders.filter(user=user).exists():
        raise ValidationError({"member": f"{user.get_full_name()} is already in this room."})
    _check_email_free(room, user.email)
    stakeholder = Stakeholder.objects.create(
        organisation_id=room.organisation_id,
        room=room,
        side=Side.SELLER,
        name=user.get_full_name(),
        email=user.email,
        title=title.strip(),
        user=user,
        role=BuyingRole.OTHER,
        position=next_position(room.stakeholders.filter(side=Side.SELLER)),
    )
    room.seller_team.add(user)
    event_record(
        room=room,
        actor=actor,
        kind="stakeholder.added",
        summary=f"added {stakeholder.name} to the seller team",
    )
    return stakeholder


@transaction.atomic
def stakeholder_update(
    *, stakeholder: Stakeholder, actor: User, name: str, email: str, title: str, role: str
) -> Stakeholder:
    email = email.strip().lower()
    if stakeholder.side == Side.SELLER:
        email = stakeholder.email  # a seller's address is their account's
    _check_email_free(stakeholder.room, email, exclude=stakeholder)
    stakeholder.name = name.strip()
    stakeholder.email = email
    stakeholder.title = title.strip()
    stakeholder.role = role or BuyingRole.OTHER
    stakeholder.save(update_fields=["name", "email", "title", "role"])
    event_record(
        room=stakeholder.room,
        actor=actor,
        kind="stakeholder.updated",
        summary=f"updated {stakeholder.name}",
    )
    return stakeholder


@transaction.atomic
def stakeholder_remove(*, stakeholder: Stakeholder, actor: User) -> None:
    room = stakeholder.room
    if stakeholder.user_id is not None and stakeholder.user_id == room.owner_id:
        raise ValidationError("The room's owner stays in the room.")
    if stakeholder.side == Side.SELLER and stakeholder.user_id:
        room.seller_team.remove(stakeholder.user_id)
    name = stakeholder.name
    # Their tasks stay in the plan, unassigned, on the same side.
    stakeholder.delete()
    event_record(room=room, actor=actor, kind="stakeholder.removed", summary=f"removed {name}")


@transaction.atomic
def stakeholder_move(*, stakeholder: Stakeholder, direction: str, actor: User) -> bool:
    siblings = stakeholder.room.stakeholders.filter(side=stakeholder.side)
    return move(stakeholder, siblings, direction)
