"""The load test's world, written by manage.py shell (bench/loadtest.py): one organisation with
20 reps and 5 managers, a room for every 5 buyers (Enterprise MAP, 27 tasks), each buyer with a
working personal link, sessions for the sellers and managers, and an API token. Prints it as
JSON for the crowd (bench/locustfile.py)."""

import datetime
import json
import os

from django.test import Client

from accounts.models import Membership, Role
from accounts.services import api_token_create, organisation_create, user_create_verified
from plans.builtin_templates import BUILTIN_TEMPLATES
from rooms.access import room_access_for
from rooms.services import room_create
from stakeholders.models import AccessState
from stakeholders.services import buyer_link_create, stakeholder_add_buyer

BUYERS = int(os.environ.get("LOADTEST_BUYERS", "200"))
SELLERS = int(os.environ.get("LOADTEST_SELLERS", "20"))
MANAGERS = int(os.environ.get("LOADTEST_MANAGERS", "5"))
BUYERS_PER_ROOM = 5
# Nobody signs in with it: the crowd uses the sessions printed below.
PASSWORD = "load-password-1"  # noqa: S105 - a throwaway database's


def session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


owner = user_create_verified(email="owner@load.example", password=PASSWORD)
organisation = organisation_create(name="Load Org", creator=owner)
sellers, managers = [], []
for i in range(SELLERS):
    user = user_create_verified(email=f"seller{i}@load.example", password=PASSWORD)
    Membership.objects.create(organisation=organisation, user=user, role=Role.REP)
    sellers.append(user)
for i in range(MANAGERS):
    user = user_create_verified(email=f"manager{i}@load.example", password=PASSWORD)
    Membership.objects.create(organisation=organisation, user=user, role=Role.MANAGER)
    managers.append(user)

today = datetime.datetime.now(tz=datetime.UTC).date()
rooms, buyers = [], []
for r in range(max(1, -(-BUYERS // BUYERS_PER_ROOM))):
    seller = sellers[r % len(sellers)]
    membership = Membership.objects.get(user=seller)
    room = room_create(
        membership=membership,
        buyer_company=f"Load Buyer {r:03}",
        target_date=today + datetime.timedelta(days=90 + r),
        template=BUILTIN_TEMPLATES["enterprise"],
    )
    by = room_access_for(seller, room)
    tasks = list(room.tasks.select_related("milestone"))
    rooms.append(
        {
            "id": str(room.public_id),
            "seller": sellers.index(seller),
            "milestones": [str(m.public_id) for m in room.milestones.all()],
            "seller_tasks": [str(t.public_id) for t in tasks if t.side == "seller"],
            "buyer_tasks": [str(t.public_id) for t in tasks if t.side == "buyer"],
        }
    )
    for b in range(BUYERS_PER_ROOM):
        if len(buyers) == BUYERS:
            break
        stakeholder = stakeholder_add_buyer(
            by=by, name=f"Buyer {r}-{b}", email=f"buyer{r}-{b}@buyer.example", role="other"
        )
        # Invited, as buyer_invite leaves them, without its email: the email would give the link
        # a fresh token (the one printed here would no longer open the room).
        stakeholder.access_state = AccessState.INVITED
        stakeholder.save(update_fields=["access_state"])
        _, token = buyer_link_create(stakeholder=stakeholder, actor=seller)
        buyers.append({"token": token, "room": len(rooms) - 1})

print(
    "CROWD "
    + json.dumps(
        {
            "rooms": rooms,
            "buyers": buyers,
            "sellers": [{"cookie": session_of(u), "email": u.email} for u in sellers],
            "managers": [{"cookie": session_of(u)} for u in managers],
            "api_token": api_token_create(user=owner, name="load test")[1],
        }
    )
)
