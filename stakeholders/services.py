from dataclasses import dataclass
from datetime import timedelta
from typing import TypedDict, Unpack

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Side, User
from accounts.tokens import token_hash, token_new
from activity.kinds import EventKind
from outbox.composers import reply_about, secret_placeholder
from outbox.services import email_queue
from rooms.access import RoomAccess
from rooms.conflicts import version_claim
from rooms.events import event_record, event_record_by
from rooms.models import BuyerInvites, Room
from rooms.ordering import move, next_position
from stakeholders.models import OPEN_STATES, AccessState, BuyerLink, BuyingRole, Stakeholder

# The name under which buyers' link tokens are made as their email is sent (outbox.composers).
BUYER_LINK_MAKER = "buyer_link"


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


class StakeholderChanges(TypedDict, total=False):
    name: str
    email: str
    title: str
    role: str


@transaction.atomic
def stakeholder_add_buyer(
    *,
    by: RoomAccess,
    name: str,
    email: str = "",
    title: str = "",
    role: str = "",
    invite: bool = False,
) -> Stakeholder:
    """Someone at the buyer (sellers; a buyer brings people by colleague_add), invited in the
    same transaction when ``invite`` says so: their invitation is queued with them, or neither
    is written."""
    by.require_seller()
    stakeholder = _buyer_create(by, name=name, email=email, title=title, role=role)
    if invite:
        _invite(by, stakeholder)
    return stakeholder


def _buyer_create(by: RoomAccess, *, name: str, email: str, title: str, role: str) -> Stakeholder:
    room = by.room
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
    event_record_by(
        by,
        EventKind.STAKEHOLDER_ADDED,
        f"added {stakeholder.name}",
        stakeholder=str(stakeholder.public_id),
    )
    return stakeholder


@transaction.atomic
def colleague_add(
    *, by: RoomAccess, name: str, email: str = "", title: str = "", role: str = ""
) -> Stakeholder:
    """A buyer brings a colleague, within the room's rule; the colleague gets their own link."""
    room = by.room
    if room.buyer_invites == BuyerInvites.OFF:
        raise ValidationError("In this room, the seller's team invites people.")
    email = email.strip().lower()
    if not email:
        raise ValidationError({"email": "Your colleague's email address is needed for their link."})
    domain = email.rpartition("@")[2]
    allowed = room.allowed_buyer_domains
    if room.buyer_invites == BuyerInvites.DOMAINS and domain not in allowed:
        raise ValidationError(
            {"email": f"Only addresses at {', '.join(allowed) or 'no domain yet'} can be added."}
        )
    stakeholder = _buyer_create(by, name=name, email=email, title=title, role=role)
    _invite(by, stakeholder)
    return stakeholder


@transaction.atomic
def stakeholder_add_seller(*, by: RoomAccess, member: Membership, title: str = "") -> Stakeholder:
    """Put a colleague on the room's seller team: they see and edit the room from now on."""
    by.require_seller()
    room = by.room
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
    event_record_by(
        by,
        EventKind.STAKEHOLDER_ADDED,
        f"added {stakeholder.name} to the seller team",
        stakeholder=str(stakeholder.public_id),
    )
    return stakeholder


@transaction.atomic
def stakeholder_update(
    *,
    stakeholder: Stakeholder,
    by: RoomAccess,
    expected_version: int | None = None,
    **changes: Unpack[StakeholderChanges],
) -> Stakeholder:
    """Changes the details given and leaves the rest (sellers); refuses an edit of an older
    version than the stakeholder's (rooms.conflicts)."""
    by.require_seller()
    by.check_in_room(stakeholder.room_id)
    version_claim(stakeholder, expected_version)
    email = changes.get("email", stakeholder.email).strip().lower()
    if stakeholder.side == Side.SELLER:
        email = stakeholder.email  # a seller's address is their account's
    _check_email_free(stakeholder.room, email, exclude=stakeholder)
    if stakeholder.side == Side.BUYER and email != stakeholder.email.lower():
        # A new address is a new person as far as access goes: the old links and the account
        # they signed in with stop counting; the new address is invited afresh.
        stakeholder.links.filter(revoked_at=None).update(revoked_at=timezone.now())
        stakeholder.user = None
        if stakeholder.access_state != AccessState.REVOKED:
            stakeholder.access_state = AccessState.NOT_INVITED
    stakeholder.name = changes.get("name", stakeholder.name).strip()
    stakeholder.email = email
    stakeholder.title = changes.get("title", stakeholder.title).strip()
    stakeholder.role = changes.get("role", stakeholder.role) or BuyingRole.OTHER
    fields = ["name", "email", "title", "role", "user", "access_state", "version"]
    stakeholder.save(update_fields=fields)
    event_record_by(by, EventKind.STAKEHOLDER_UPDATED, f"updated {stakeholder.name}")
    return stakeholder


@transaction.atomic
def stakeholder_remove(*, stakeholder: Stakeholder, by: RoomAccess) -> None:
    by.require_seller()
    by.check_in_room(stakeholder.room_id)
    room = by.room
    if stakeholder.user_id is not None and stakeholder.user_id == room.owner_id:
        raise ValidationError("The room's owner stays in the room.")
    if stakeholder.side == Side.SELLER and stakeholder.user_id:
        room.seller_team.remove(stakeholder.user_id)
    name = stakeholder.name
    # Their tasks stay in the plan, unassigned, on the same side.
    stakeholder.delete()
    event_record_by(by, EventKind.STAKEHOLDER_REMOVED, f"removed {name}")


@transaction.atomic
def stakeholder_move(*, stakeholder: Stakeholder, direction: str, by: RoomAccess) -> bool:
    """Not worth an event; the page shows the new order (rooms.ordering.move says so)."""
    by.require_seller()
    by.check_in_room(stakeholder.room_id)
    siblings = stakeholder.room.stakeholders.filter(side=stakeholder.side)
    return move(stakeholder, siblings, direction)


# Buyer access --------------------------------------------------------------------------------


@transaction.atomic
def buyer_link_create(
    *, stakeholder: Stakeholder, actor: User | None, replace: bool = True
) -> tuple[BuyerLink, str]:
    """A fresh link to the stakeholder's address. ``replace`` ends their older links (a re-sent
    invitation); a notification's link leaves them working."""
    if not stakeholder.email:
        raise ValidationError({"email": f"Add an email address for {stakeholder.name} first."})
    now = timezone.now()
    if replace:
        stakeholder.links.filter(revoked_at=None).update(revoked_at=now)
    token, token_hash = token_new()
    days = stakeholder.room.organisation.buyer_link_days
    link = BuyerLink.objects.create(
        organisation_id=stakeholder.organisation_id,
        room_id=stakeholder.room_id,
        stakeholder=stakeholder,
        token_hash=token_hash,
        email=stakeholder.email,
        created_by=actor,
        expires_at=now + timedelta(days=days),
    )
    return link, token


def buyer_link_url(token: str) -> str:
    return settings.SITE_URL + reverse("buyer_link", args=[token])


def buyer_link_placeholder(link: BuyerLink) -> str:
    """What an email holds, at rest, where the link's token goes (outbox.composers)."""
    return secret_placeholder(BUYER_LINK_MAKER, link.pk)


def buyer_link_token_renew(link_id: int, to: str) -> str | None:
    """The token of an email being sent (outbox.composers): a fresh one for a link that still
    works and belongs to the address it is sent to; None otherwise."""
    link = (
        BuyerLink.objects.usable().select_for_update().filter(pk=link_id, email__iexact=to).first()
    )
    if link is None:
        return None
    token, link.token_hash = token_new()
    link.save(update_fields=["token_hash"])
    return token


@transaction.atomic
def buyer_invite(*, stakeholder: Stakeholder, by: RoomAccess) -> BuyerLink:
    """Email a buyer their personal link to the room, again if they had one (sellers; a buyer's
    colleague is invited by colleague_add)."""
    by.require_seller()
    by.check_in_room(stakeholder.room_id)
    return _invite(by, stakeholder)


def _invite(by: RoomAccess, stakeholder: Stakeholder) -> BuyerLink:
    room = by.room
    if stakeholder.side != Side.BUYER:
        raise ValidationError("Only people on the buyer's side are invited by link.")
    if not stakeholder.email:
        raise ValidationError(
            {"email": f"Add an email address for {stakeholder.name} to invite them."}
        )
    link, _token = buyer_link_create(stakeholder=stakeholder, actor=by.user)
    if stakeholder.access_state != AccessState.ACTIVE:
        stakeholder.access_state = AccessState.INVITED
    stakeholder.invited_at = stakeholder.invited_at or timezone.now()
    stakeholder.save(update_fields=["access_state", "invited_at"])
    email_queue(
        key=f"buyer-invitation:{link.pk}",
        to=stakeholder.email,
        template="stakeholders/email/buyer_invitation",
        topic=f"room:{room.pk}",
        headers=reply_about("room", room.pk),  # a reply lands in the room's discussion
        context={
            "room": room,
            "stakeholder": stakeholder,
            "inviter": by.user,
            "inviter_company": room.organisation.name if by.is_seller else room.buyer_company,
            "url": buyer_link_url(buyer_link_placeholder(link)),
            "expires_at": link.expires_at,
        },
        secret=True,
        organisation_id=room.organisation_id,
    )
    event_record_by(
        by,
        EventKind.STAKEHOLDER_INVITED,
        f"invited {stakeholder.name}",
        stakeholder=str(stakeholder.public_id),
    )
    return link


@transaction.atomic
def buyer_revoke(*, stakeholder: Stakeholder, by: RoomAccess) -> None:
    """Lock a buyer out at once: their links stop working and open sessions lose the room."""
    by.require_seller()
    by.check_in_room(stakeholder.room_id)
    if stakeholder.side != Side.BUYER:
        raise ValidationError("Only a buyer's access can be revoked.")
    stakeholder.links.filter(revoked_at=None).update(revoked_at=timezone.now())
    stakeholder.access_state = AccessState.REVOKED
    stakeholder.save(update_fields=["access_state"])
    event_record_by(
        by,
        EventKind.STAKEHOLDER_REVOKED,
        f"revoked {stakeholder.name}'s access",
        stakeholder=str(stakeholder.public_id),
    )


def buyer_link_find(token: str) -> BuyerLink | None:
    """The usable link behind a token, or None: unknown, expired, revoked and re-addressed links
    all look the same."""
    link = (
        BuyerLink.objects.usable()
        .select_related("room", "room__organisation", "room__owner", "stakeholder", "created_by")
        .filter(token_hash=token_hash(token), stakeholder__access_state__in=OPEN_STATES)
        .first()
    )
    if link is None or not link.email or link.email.lower() != link.stakeholder.email.lower():
        return None
    return link


# Only people a seller (or a colleague) invited may come in; "not invited" stays out.


def _signs_in_by_link(user: User) -> bool:
    """A link signs in only an account that is nothing but a buyer's. A seller's, a staff
    member's or anyone's with a verified password signs in with that password: a forwarded
    link must not open someone's whole account."""
    if user.is_staff or user.is_superuser or user.memberships.exists():
        return False
    verified = EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True)
    return not (user.has_usable_password() and verified.exists())


def _buyer_user(email: str, name: str) -> User:
    """One user per address, across rooms and organisations, whoever asks first."""
    try:
        with transaction.atomic():
            # No password, ever: the emailed link is how a buyer signs in.
            user, _ = User.objects.get_or_create(
                email__iexact=email,
                defaults={
                    "email": email.lower(),
                    "name": name[:150],
                    "password": make_password(None),
                },
            )
    except IntegrityError:  # a parallel redemption created them a moment ago
        user = User.objects.get(email__iexact=email)
    return user


def _claim_for_the_link_holder(user: User) -> None:
    """The link proves the address. An unverified account someone else made with it (before the
    real owner was invited) loses its password, and with it the sessions it had."""
    if user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    address, _ = EmailAddress.objects.get_or_create(
        user=user, email__iexact=user.email, defaults={"email": user.email}
    )
    if not address.verified or not address.primary:
        address.verified = address.primary = True
        address.save(update_fields=["verified", "primary"])


@dataclass(frozen=True)
class Redemption:
    stakeholder: Stakeholder
    user: User
    sign_in: bool  # False: the address has a full account, which signs in with its password


@transaction.atomic
def buyer_link_redeem(*, token: str) -> Redemption | None:
    """Redeem a link: the buyer's user (made on first use) is now active in that room."""
    found = buyer_link_find(token)
    if found is None:
        return None
    link = BuyerLink.objects.select_for_update().get(pk=found.pk)
    stakeholder = (
        Stakeholder.objects.select_for_update().select_related("room").get(pk=link.stakeholder_id)
    )
    if link.revoked_at or link.expires_at <= timezone.now():
        return None
    if stakeholder.access_state not in OPEN_STATES or link.email != stakeholder.email:
        return None
    user = _buyer_user(stakeholder.email, name=stakeholder.name)
    sign_in = _signs_in_by_link(user)
    if sign_in:
        _claim_for_the_link_holder(user)
    first_visit = stakeholder.user_id is None or stakeholder.access_state != AccessState.ACTIVE
    stakeholder.user = user
    stakeholder.access_state = AccessState.ACTIVE
    stakeholder.last_seen_at = timezone.now()
    stakeholder.save(update_fields=["user", "access_state", "last_seen_at"])
    link.last_used_at = timezone.now()
    link.save(update_fields=["last_used_at"])
    event_record(
        room=stakeholder.room,
        actor=user,
        side=Side.BUYER,
        kind=EventKind.BUYER_FIRST_VISIT if first_visit else EventKind.INVITATION_OPENED,
        summary="opened the room for the first time" if first_visit else "opened their link",
        is_internal=False,
        stakeholder=str(stakeholder.public_id),
    )
    return Redemption(stakeholder=stakeholder, user=user, sign_in=sign_in)


def buyer_links_request(*, email: str) -> int:
    """Fresh links to every room where this address is a buyer, in one email. Returns how many
    rooms (the page never tells)."""
    stakeholders = list(
        Stakeholder.objects.filter(
            email__iexact=email.strip(), side=Side.BUYER, access_state__in=OPEN_STATES
        ).select_related("room", "room__organisation")
    )
    stakeholders = [s for s in stakeholders if not s.room.is_template]
    if not stakeholders:
        return 0
    with transaction.atomic():
        rooms = []
        for stakeholder in stakeholders:
            # Extra links: asking must not end the links someone already has.
            link, _token = buyer_link_create(stakeholder=stakeholder, actor=None, replace=False)
            url = buyer_link_url(buyer_link_placeholder(link))
            rooms.append({"room": stakeholder.room, "url": url})
        organisations = {s.organisation_id for s in stakeholders}
        email_queue(
            key=f"buyer-links:{link.pk}",
            to=stakeholders[0].email,
            template="stakeholders/email/buyer_links",
            context={"rooms": rooms, "expires_at": link.expires_at},
            secret=True,
            # Its admins see it fail; rooms of several organisations: none may see the others.
            organisation_id=organisations.pop() if len(organisations) == 1 else None,
        )
    return len(stakeholders)
