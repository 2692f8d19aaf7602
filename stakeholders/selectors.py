"""Reads about the room's people that more than one page makes."""

from dataclasses import dataclass

from accounts.models import Membership, User
from stakeholders.models import BuyerLink


@dataclass(frozen=True)
class Inviter:
    user: User
    company: str  # the seller's organisation, or the buyer company for a colleague's invite


def buyer_link_inviter(link: BuyerLink) -> Inviter:
    """Who invited the link's buyer, as their invitation email named them (stakeholders.services
    ._invite): the link's maker, else the maker of their latest invitation (a link they asked
    for again, or one in a reminder, has none), else the room's owner."""
    room = link.room
    user: User | None = link.created_by
    if user is None:
        invitation = (
            BuyerLink.objects.filter(stakeholder_id=link.stakeholder_id)
            .exclude(created_by=None)
            .select_related("created_by")
            .order_by("-created_at", "-pk")
            .first()
        )
        user = invitation.created_by if invitation is not None else None
    user = user or room.owner
    seller = Membership.objects.filter(organisation_id=room.organisation_id, user=user).exists()
    return Inviter(user=user, company=room.organisation.name if seller else room.buyer_company)
