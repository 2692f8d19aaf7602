"""A member who leaves hears nothing more of the organisation's rooms (issue 12, finding 1).

Removing a member hands each room they own to a new owner the admin picks and takes them off
every seller team, in one transaction; and every email about a room is checked again when it is
sent, so that one queued before someone left (or a buyer was revoked) is cancelled, not sent.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Membership, Side
from accounts.services import membership_remove
from activity.models import Event
from notifications.alerts import buyer_alert_send_due
from notifications.digest import digest_sweep
from notifications.models import BuyerAlertState
from notifications.reminders import reminders_sweep
from outbox.models import EmailStatus, OutboundEmail
from outbox.tasks import email_send
from plans.services import comment_create
from rooms.access import room_access_for
from rooms.models import Room
from rooms.offboarding import member_offboard
from stakeholders.models import AccessState, Stakeholder
from stakeholders.services import (
    buyer_invite,
    buyer_revoke,
    stakeholder_add_seller,
    stakeholder_remove,
)
from tests.factories import (
    PASSWORD,
    MilestoneFactory,
    RoomFactory,
    StakeholderFactory,
    TaskFactory,
    seller_stakeholder,
)

# A Tuesday morning in Paris (09:30), in the past: what the sweeps queue for it is due at once.
NOW = datetime(2026, 3, 10, 8, 30, tzinfo=UTC)


@pytest.fixture
def team(world):
    """The rep, Randy, owns room R (Globex) and a template, and is on the team of room A1."""
    world.org_a.timezone = "Europe/Paris"
    world.org_a.save(update_fields=["timezone"])
    world.rep.name = "Randy Rep"
    world.rep.save(update_fields=["name"])
    room = RoomFactory(organisation=world.org_a, owner=world.rep, buyer_company="Globex")
    seller_stakeholder(room, world.rep)
    template = RoomFactory(
        organisation=world.org_a, owner=world.rep, is_template=True, name="Randy's plan"
    )
    stakeholder_add_seller(
        by=room_access_for(world.owner, world.room_a1), member=world.membership(world.rep)
    )
    return room, template


def signed_in(client, user):
    client.login(email=user.email, password=PASSWORD)
    return client


def the_email_to(address: str) -> OutboundEmail:
    return OutboundEmail.objects.get(to=address, status=EmailStatus.PENDING)


def claim_sends_nothing(email: OutboundEmail) -> None:
    mail.outbox.clear()
    assert email_send.run(email.pk) == "cancelled"
    assert mail.outbox == []
    email.refresh_from_db()
    assert email.status == EmailStatus.CANCELLED


class TestRemovingAMember:
    def test_their_rooms_go_to_the_chosen_owners_and_they_leave_every_seller_team(
        self, world, team
    ):
        room, template = team
        rep = world.membership(world.rep)
        member_offboard(
            membership=rep,
            actor=world.owner,
            new_owners={
                room.public_id: world.membership(world.manager),
                template.public_id: world.membership(world.owner),
            },
        )
        room.refresh_from_db()
        template.refresh_from_db()
        assert room.owner == world.manager
        assert template.owner == world.owner
        # The new owner is one of the room's people, as an owner always is.
        assert room.stakeholders.filter(user=world.manager, side=Side.SELLER).exists()
        assert not Stakeholder.objects.filter(user=world.rep).exists()
        assert not Room.objects.filter(seller_team=world.rep).exists()
        assert not Membership.objects.filter(user=world.rep).exists()
        assert Event.objects.filter(
            room=room, summary="handed the room to " + world.manager.get_full_name()
        ).exists()

    def test_a_member_is_not_removed_while_a_room_they_own_has_no_new_owner(self, world, team):
        room, template = team
        with pytest.raises(ValidationError, match="Choose a new owner for each room"):
            member_offboard(
                membership=world.membership(world.rep),
                actor=world.owner,
                new_owners={room.public_id: world.membership(world.manager)},
            )
        assert Membership.objects.filter(user=world.rep).exists()
        assert Room.objects.filter(owner=world.rep).count() == 2

    def test_a_room_cannot_go_to_someone_outside_the_organisation(self, world, team):
        room, template = team
        with pytest.raises(ValidationError, match="another member of Organisation A"):
            member_offboard(
                membership=world.membership(world.rep),
                actor=world.owner,
                new_owners={
                    room.public_id: world.membership(world.outsider),
                    template.public_id: world.membership(world.owner),
                },
            )
        room.refresh_from_db()
        assert room.owner == world.rep

    def test_refusing_the_last_admin_undoes_the_hand_over_too(self, world):
        with pytest.raises(ValidationError, match="at least one admin"):
            member_offboard(
                membership=world.membership(world.owner),
                actor=world.owner,
                new_owners={
                    room.public_id: world.membership(world.manager)
                    for room in Room.objects.filter(owner=world.owner)
                },
            )
        world.room_a1.refresh_from_db()
        assert world.room_a1.owner == world.owner
        assert not world.room_a1.stakeholders.filter(user=world.manager).exists()


class TestTheRemovalPage:
    def url(self, world, user):
        return reverse(
            "member_remove", args=[world.org_a.public_id, world.membership(user).public_id]
        )

    def test_it_offers_each_room_they_own_with_the_admin_as_its_new_owner(
        self, client, world, team
    ):
        response = signed_in(client, world.owner).get(self.url(world, world.rep))
        assert response.status_code == 200
        html = response.content.decode()
        assert "Globex" in html and "Randy&#x27;s plan" in html
        owner_id = world.membership(world.owner).public_id
        assert html.count(f'<option value="{owner_id}" selected>') == 2
        assert "leaves the seller team of 1 room" in html

    def test_the_admin_picks_a_new_owner_per_room_and_the_member_is_removed(
        self, client, world, team
    ):
        room, template = team
        manager, owner = world.membership(world.manager), world.membership(world.owner)
        response = signed_in(client, world.owner).post(
            self.url(world, world.rep),
            {
                f"owner-{room.public_id}": manager.public_id,
                f"owner-{template.public_id}": owner.public_id,
            },
        )
        assert response.status_code == 302
        room.refresh_from_db()
        assert room.owner == world.manager
        assert not Membership.objects.filter(user=world.rep).exists()

    def test_a_room_left_without_a_new_owner_refuses_the_removal(self, client, world, team):
        room, _template = team
        response = signed_in(client, world.owner).post(
            self.url(world, world.rep),
            {f"owner-{room.public_id}": world.membership(world.manager).public_id},
        )
        assert response.status_code == 422
        assert Membership.objects.filter(user=world.rep).exists()

    def test_only_an_admin_reaches_it(self, client, world, team):
        url = self.url(world, world.rep)
        assert signed_in(client, world.manager).get(url).status_code == 403
        assert signed_in(client, world.outsider).get(url).status_code == 404

    def test_a_removed_rep_is_not_emailed_when_an_internal_note_mentions_them(
        self, client, world, django_capture_on_commit_callbacks
    ):
        world.rep.name = "Randy Rep"
        world.rep.save(update_fields=["name"])
        stakeholder_add_seller(
            by=room_access_for(world.owner, world.room_a1), member=world.membership(world.rep)
        )
        response = signed_in(client, world.owner).post(self.url(world, world.rep))
        assert response.status_code == 302
        with django_capture_on_commit_callbacks(execute=True):
            comment_create(
                by=room_access_for(world.owner, world.room_a1),
                body="@Randy Rep left: pricing is final",
                is_internal=True,
            )
        assert not [m for m in mail.outbox if world.rep.email in m.to]


class TestAtSendTime:
    """Each kind of email, queued while its recipient could see the room, then cancelled when
    it is claimed because they no longer can."""

    def test_a_buyer_alert_to_an_owner_removed_since_is_not_sent(self, world, team):
        room, _template = team
        Event.objects.create(
            organisation=world.org_a,
            room=room,
            kind="task.completed",
            actor_side=Side.BUYER,
            summary="ticked a task",
        )
        BuyerAlertState.objects.create(room=room, due_at=NOW)
        assert buyer_alert_send_due(room_id=room.pk)
        email = the_email_to(world.rep.email)
        membership_remove(membership=world.membership(world.rep), actor=world.owner)
        claim_sends_nothing(email)

    def test_a_mention_of_a_member_removed_since_is_not_sent(self, world, team):
        comment_create(
            by=room_access_for(world.owner, world.room_a1),
            body="@Randy Rep see the pricing",
            is_internal=True,
        )
        email = the_email_to(world.rep.email)
        membership_remove(membership=world.membership(world.rep), actor=world.owner)
        claim_sends_nothing(email)

    def test_a_reminder_to_a_member_removed_since_is_not_sent(self, world, team):
        room, _template = team
        TaskFactory(
            milestone=MilestoneFactory(room=room),
            owner=room.stakeholders.get(user=world.rep),
            due_date=NOW.date() + timedelta(days=1),
        )
        assert reminders_sweep(now=NOW) == 1
        email = the_email_to(world.rep.email)
        membership_remove(membership=world.membership(world.rep), actor=world.owner)
        claim_sends_nothing(email)

    def test_a_digest_to_a_member_removed_since_is_not_sent(self, world, team):
        event = Event.objects.create(
            organisation=world.org_a,
            room=world.room_a1,
            kind="task.completed",
            actor_side=Side.BUYER,
            summary="ticked a task",
        )
        Event.objects.filter(pk=event.pk).update(created_at=NOW - timedelta(hours=20))
        digest_sweep(now=NOW)
        email = the_email_to(world.rep.email)
        membership_remove(membership=world.membership(world.rep), actor=world.owner)
        claim_sends_nothing(email)

    @pytest.mark.parametrize("leaves", [buyer_revoke, stakeholder_remove])
    def test_a_buyer_invitation_to_a_buyer_revoked_or_removed_since_is_not_sent(
        self, world, leaves
    ):
        by = room_access_for(world.owner, world.room_a1)
        newcomer = StakeholderFactory(
            room=world.room_a1, email="nina@buyer-a1.example", access_state=AccessState.NOT_INVITED
        )
        buyer_invite(stakeholder=newcomer, by=by)
        email = the_email_to("nina@buyer-a1.example")
        leaves(stakeholder=newcomer, by=by)
        claim_sends_nothing(email)

    def test_an_email_to_someone_who_may_still_see_the_room_is_sent(self, world, team):
        room, _template = team
        Event.objects.create(
            organisation=world.org_a,
            room=room,
            kind="task.completed",
            actor_side=Side.BUYER,
            summary="ticked a task",
        )
        BuyerAlertState.objects.create(room=room, due_at=NOW)
        buyer_alert_send_due(room_id=room.pk)
        assert email_send.run(the_email_to(world.rep.email).pk) == "sent"
        assert mail.outbox[-1].to == [world.rep.email]


def test_a_rep_taken_off_a_rooms_team_gets_no_alert_of_it_queued_before(world, team):
    """The rules of who sees a room, not only membership: a rep off the team no longer sees it."""
    room, _template = team
    Event.objects.create(
        organisation=world.org_a,
        room=room,
        kind="task.completed",
        actor_side=Side.BUYER,
        summary="ticked a task",
    )
    BuyerAlertState.objects.create(room=room, due_at=NOW)
    buyer_alert_send_due(room_id=room.pk)
    email = the_email_to(world.rep.email)
    Room.objects.filter(pk=room.pk).update(owner=world.owner)  # handed over by other means
    claim_sends_nothing(email)
