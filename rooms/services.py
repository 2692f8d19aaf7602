from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Membership
from rooms.models import Room


@transaction.atomic
def room_create(*, membership: Membership, buyer_company: str, target_date: date) -> Room:
    buyer_company = buyer_company.strip()
    if not buyer_company:
        raise ValidationError({"buyer_company": "Name the buyer's company."})
    return Room.objects.create(
        organisation_id=membership.organisation_id,
        owner_id=membership.user_id,
        buyer_company=buyer_company,
        target_date=target_date,
    )
