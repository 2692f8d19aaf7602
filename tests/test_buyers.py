"""Buyers in the room: emailed links without passwords, what they may see and do."""

import datetime
import re
import threading

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from activity.kinds import LINK_KINDS
from activity.models import Event
from outbox.models import OutboundEmail
from plans.models import Comment, Status, Task
from rooms.access import room_access_for
from rooms.models import Room
from stakeholders.models import AccessState, BuyerLink, Stakeholder
from stakeholders.services import buyer_invite
from tests.factories import StakeholderFactory, TaskFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
CARA = "cara@buyer-a1.example"  # the invite fixture's buyer


def url(name, room, **ids):
    return reverse(name, kwargs={"room_id": room.public_id, **ids})


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def link_path(message) -> str:
    return re.search(r"https?://[^/\s]+(/b/[^/\s]+/)", message.body).group(1)


@pytest.fixture
def invite(client, world, django_capture_on_commit_callbacks):
    """The owner invites a new buyer of room A1; returns (stakeholder, link path)."""

    def _invite(email="cara@buyer-a1.example", name="Cara Champion"):
        stakeholder = StakeholderFactory(
            room=world.room_a1, name=name, email=email, role="champion"
        )
        with django_capture_on_commit_callbacks(execute=True):
            buyer_invite(stakeholder=stakeholder, by=room_access_for(world.owner, world.room_a1))
        message = next(m for m in reversed(mail.outbox) if m.to == [email])
        return stakeholder, link_path(message)

    return _invite


class TestInvitations:
    def test_the_buyer_follows_the_link_and_is_in_the_room_without_a_password(self, invite, world):
        stakeholder, path = invite()
        message = mail.outbox[-1]
        assert "Owner" in message.subject or world.owner.get_full_name() in message.subject
        html = message.alternatives[0][0]
        assert world.room_a1.accent_colour in html
        assert "Open the room" in html
        client = Client()
        page = client.get(path)  # a mail scanner's GET changes nothing
        assert page.status_code == 200
        assert "Open the room" in page.content.decode()
        assert not User.objects.filter(email="cara@buyer-a1.example").exists()

        response = client.post(path)
        assert response["Location"] == url("room_detail", world.room_a1)
        user = User.objects.get(email="cara@buyer-a1.example")
        assert not user.has_usable_password()
        stakeholder.refresh_from_db()
        assert (stakeholder.user, stakeholder.access_state) == (user, AccessState.ACTIVE)
        assert client.get(response["Location"]).status_code == 200
        assert Event.objects.filter(kind="buyer.first_visit", actor=user).count() == 1

    def test_the_link_is_long_random_and_stored_only_as_a_hash(self, invite):
        _, path = invite()
        token = path.strip("/").split("/")[-1]
        assert len(token) >= 43
        link = BuyerLink.objects.get()
        assert token not in link.token_hash
        sent = OutboundEmail.objects.get(key=f"buyer-invitation:{link.pk}")
        assert token not in sent.body_text + sent.body_html

    @pytest.mark.parametrize(
        "spoil",
        [
            lambda link, path: (BuyerLink.objects.update(expires_at=timezone.now()), path)[1],
            lambda link, path: (BuyerLink.objects.update(revoked_at=timezone.now()), path)[1],
            lambda link, path: path[:-6] + "/",
            lambda link, path: path[:-3] + "xx/",
            lambda link, path: "/b/" + "A" * 43 + "/",
        ],
        ids=["expired", "revoked", "truncated", "tampered", "made-up"],
    )
    def test_broken_links_are_all_the_same_404(self, invite, spoil):
        _, path = invite()
        bad = spoil(None, path)
        client = Client()
        for method in (client.get, client.post):
            response = method(bad)
            assert response.status_code == 404
            assert "This link does not open a room" in response.content.decode()
        assert not User.objects.filter(email="cara@buyer-a1.example").exists()

    def test_a_new_link_replaces_the_old_one(self, invite, world):
        stakeholder, old = invite()
        buyer_invite(stakeholder=stakeholder, by=room_access_for(world.owner, world.room_a1))
        assert Client().get(old).status_code == 404
        assert BuyerLink.objects.usable().count() == 1

    def test_a_link_opens_only_its_own_room(self, invite, world):
        _, path = invite()
        client = Client()
        client.post(path)
        assert client.get(url("room_detail", world.room_a2)).status_code == 404
        assert client.get(url("room_detail", world.room_b1)).status_code == 404


class TestSomeoneElseOpensABuyersLink:
    """A signed-in person who is not the link's buyer (a seller trying the email, someone else
    on a shared computer) is asked before the link signs them out; staying leaves the link
    unused. Both doors behave alike: the room link and a reminder's link to a task."""

    @pytest.fixture(params=["room", "task"])
    def door(self, request, invite, world):
        """Cara's link, and where it leads: (stakeholder, link path, destination)."""
        stakeholder, path = invite()
        if request.param == "room":
            return stakeholder, path, url("room_detail", world.room_a1)
        task = world.room_a1.tasks.get(title="Agree the success criteria")
        return (
            stakeholder,
            f"{path}tasks/{task.public_id}/",
            url("task_detail", world.room_a1, task_id=task.public_id),
        )

    @staticmethod
    def assert_unused(stakeholder):
        stakeholder.refresh_from_db()
        assert (stakeholder.user, stakeholder.access_state) == (None, AccessState.INVITED)
        assert BuyerLink.objects.get(stakeholder=stakeholder).last_used_at is None
        assert not User.objects.filter(email=CARA).exists()
        assert not Event.objects.filter(kind__in=LINK_KINDS).exists()

    def test_a_signed_in_seller_is_asked_and_the_question_changes_nothing(
        self, door, client, world
    ):
        stakeholder, path, _ = door
        client.force_login(world.rep)
        page = client.get(path)
        assert page.status_code == 200
        html = page.content.decode()
        assert "You are signed in as rep@a.example." in text_of(html)
        assert "as Cara Champion?</h1>" in html
        assert 'name="open_as" value="buyer"' in html and 'name="open_as" value="me"' in html
        # A POST without an answer (the button of a page shown before they signed in) asks too.
        assert "You are signed in as rep@a.example." in text_of(client.post(path).content.decode())
        assert int(client.session["_auth_user_id"]) == world.rep.pk
        self.assert_unused(stakeholder)

    def test_staying_leads_a_seller_who_sees_the_room_there_and_leaves_the_link_unused(
        self, door, client, world
    ):
        stakeholder, path, destination = door
        client.force_login(world.owner)
        response = client.post(path, {"open_as": "me"})
        assert response.status_code == 302 and response["Location"] == destination
        assert int(client.session["_auth_user_id"]) == world.owner.pk
        page = client.get(destination).content.decode()
        assert "You are still signed in as owner@a.example" in page
        self.assert_unused(stakeholder)

    @pytest.mark.parametrize("person", ["rep", "outsider", "other_buyer"])
    def test_staying_leads_someone_who_cannot_see_the_room_home(self, door, client, world, person):
        stakeholder, path, _ = door
        someone = getattr(world, person)
        client.force_login(someone)
        response = client.post(path, {"open_as": "me"})
        assert response.status_code == 302 and response["Location"] == reverse("home")
        assert int(client.session["_auth_user_id"]) == someone.pk
        page = client.get(reverse("home")).content.decode()
        assert f"You are still signed in as {someone.email}" in page
        self.assert_unused(stakeholder)

    def test_choosing_the_buyer_signs_out_and_in_as_the_buyer(self, door, client, world):
        stakeholder, path, destination = door
        client.force_login(world.rep)
        response = client.post(path, {"open_as": "buyer"})
        assert response.status_code == 302 and response["Location"] == destination
        cara = User.objects.get(email="cara@buyer-a1.example")
        assert int(client.session["_auth_user_id"]) == cara.pk
        stakeholder.refresh_from_db()
        assert (stakeholder.user, stakeholder.access_state) == (cara, AccessState.ACTIVE)
        assert client.get(destination).status_code == 200

    def test_the_buyer_already_signed_in_is_not_asked(self, door, world):
        _, path, destination = door
        cara = Client()
        cara.post(path)  # her first visit signs her in
        page = cara.get(path)
        assert "You are signed in as" not in page.content.decode()
        response = cara.post(path)
        assert response.status_code == 302 and response["Location"] == destination
        assert int(cara.session["_auth_user_id"]) == User.objects.get(email=CARA).pk

    def test_an_anonymous_visitor_sees_the_link_page_as_before(self, door):
        stakeholder, path, _ = door
        html = Client().get(path).content.decode()
        assert "Hello Cara Champion:" in html
        assert "You are signed in as" not in html and "open_as" not in html
        self.assert_unused(stakeholder)


class TestWhatBuyersSee:
    @pytest.fixture
    def buyer(self, client, world):
        client.force_login(world.buyer)
        return client

    def test_internal_tasks_notes_and_analytics_never_reach_a_buyer(self, buyer, world):
        room = world.room_a1
        milestone = room.milestones.get()
        secret = TaskFactory(milestone=milestone, title="Discount approval", is_internal=True)
        Comment.objects.create(
            organisation=room.organisation, room=room, body="Their budget is 80k", is_internal=True
        )
        Comment.objects.create(
            organisation=room.organisation, room=room, task=secret, body="internal"
        )
        html = buyer.get(url("room_detail", room)).content.decode()
        assert "Discount approval" not in html
        assert "Their budget is 80k" not in html
        assert 'id="activity"' not in html
        assert "No champion" not in html  # the coverage hint is a seller's insight
        assert buyer.get(url("task_detail", room, task_id=secret.public_id)).status_code == 404
        assert buyer.post(url("task_toggle", room, task_id=secret.public_id)).status_code == 404

    def test_the_deal_value_is_the_sellers_business(self, buyer, world):
        Room.objects.filter(pk=world.room_a1.pk).update(deal_value=99000)
        assert "99,000" not in buyer.get(url("room_detail", world.room_a1)).content.decode()

    def test_a_buyers_own_tasks_come_first(self, buyer, world):
        room = world.room_a1
        bea = room.stakeholders.get(user=world.buyer)
        TaskFactory(milestone=room.milestones.get(), title="Beas own job", side="buyer", owner=bea)
        html = buyer.get(url("room_detail", room)).content.decode()
        assert html.index("Your tasks") < html.index('id="plan"')
        assert html.index("Beas own job") < html.index('id="plan"')

    def test_a_buyer_ticks_a_buyer_side_task_but_not_a_sellers(self, buyer, world):
        room = world.room_a1
        theirs = TaskFactory(milestone=room.milestones.get(), side="buyer")
        ours = room.tasks.get(side="seller")
        assert (
            buyer.post(url("task_toggle", room, task_id=theirs.public_id), **HTMX).status_code
            == 200
        )
        assert buyer.post(url("task_toggle", room, task_id=ours.public_id)).status_code == 403
        theirs.refresh_from_db()
        ours.refresh_from_db()
        assert (theirs.status, ours.status) == (Status.DONE, Status.TODO)
        assert theirs.completed_by == world.buyer

    def test_a_buyer_adds_a_task_for_their_side_only(self, buyer, world):
        room = world.room_a1
        milestone = room.milestones.get()
        seller = room.stakeholders.get(user=world.owner)
        path = url("task_add", room, milestone_id=milestone.public_id)
        refused = buyer.post(
            path, {"title": "For the seller", "owner_choice": str(seller.public_id)}
        )
        assert refused.status_code == 422
        refused = buyer.post(path, {"title": "For the seller", "owner_choice": "side:seller"})
        assert refused.status_code == 422
        ok = buyer.post(path, {"title": "Loop in IT", "owner_choice": "side:buyer"})
        assert ok.status_code == 302
        task = Task.objects.get(title="Loop in IT")
        assert (task.side, task.is_internal) == ("buyer", False)
        assert not Task.objects.filter(title="For the seller").exists()

    def test_a_buyers_comment_is_public_and_theirs(self, buyer, world):
        buyer.post(url("room_comment_add", world.room_a1), {"body": "Hi all"})
        comment = Comment.objects.get(body="Hi all")
        assert not comment.is_internal
        assert comment.author == world.buyer

    def test_a_buyers_task_form_has_no_internal_box(self, buyer, world):
        milestone = world.room_a1.milestones.get()
        html = buyer.get(url("task_add", world.room_a1, milestone_id=milestone.public_id))
        assert 'name="is_internal"' not in html.content.decode()

    @pytest.mark.parametrize(
        "name",
        ["milestone_add", "room_edit", "room_save_as_template", "seller_add"],
    )
    def test_seller_only_pages_are_403_for_the_buyer(self, buyer, world, name):
        assert buyer.get(url(name, world.room_a1)).status_code == 403

    def test_a_revoked_buyer_is_locked_out_mid_session(self, buyer, client, world):
        room = world.room_a1
        assert buyer.get(url("room_detail", room)).status_code == 200
        seller = Client()
        seller.force_login(world.owner)
        bea = room.stakeholders.get(user=world.buyer)
        seller.post(url("buyer_revoke", room, stakeholder_id=bea.public_id))
        assert buyer.get(url("room_detail", room)).status_code == 404
        assert buyer.post(url("room_comment_add", room), {"body": "still here?"}).status_code == 404

    def test_removing_a_buyer_ends_their_access_too(self, buyer, world):
        seller = Client()
        seller.force_login(world.owner)
        bea = world.room_a1.stakeholders.get(user=world.buyer)
        seller.post(url("stakeholder_remove", world.room_a1, stakeholder_id=bea.public_id))
        assert buyer.get(url("room_detail", world.room_a1)).status_code == 404

    def test_a_buyers_home_lists_their_rooms(self, buyer, world):
        html = buyer.get(reverse("home")).content.decode()
        assert "Buyer A1" in html
        assert "Buyer A2" not in html


class TestColleagues:
    @pytest.fixture
    def buyer(self, client, world):
        client.force_login(world.buyer)
        return client

    def add(self, client, world, email):
        return client.post(
            url("buyer_add", world.room_a1),
            {"name": "Colin Colleague", "email": email, "role": "legal"},
        )

    def test_a_buyer_brings_a_colleague_who_gets_their_own_link(
        self, buyer, world, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = self.add(buyer, world, "colin@buyer-a1.example")
        assert response.status_code == 302
        colin = Stakeholder.objects.get(email="colin@buyer-a1.example")
        assert colin.access_state == AccessState.INVITED
        message = next(m for m in mail.outbox if m.to == ["colin@buyer-a1.example"])
        other = Client()
        assert other.post(link_path(message)).status_code == 302
        assert other.get(url("room_detail", world.room_a1)).status_code == 200

    def test_the_seller_can_restrict_colleagues_to_the_buyers_domains(self, buyer, world):
        Room.objects.filter(pk=world.room_a1.pk).update(
            buyer_invites="domains", buyer_domains="buyer-a1.example"
        )
        refused = self.add(buyer, world, "colin@gmail.example")
        assert refused.status_code == 422
        assert "Only addresses at buyer-a1.example" in refused.content.decode()
        assert self.add(buyer, world, "colin@buyer-a1.example").status_code == 302

    def test_the_seller_can_turn_colleague_invitations_off(self, buyer, world):
        Room.objects.filter(pk=world.room_a1.pk).update(buyer_invites="off")
        refused = self.add(buyer, world, "colin@buyer-a1.example")
        assert refused.status_code == 422
        assert not Stakeholder.objects.filter(email="colin@buyer-a1.example").exists()


class TestReturningBuyers:
    def test_asking_for_links_answers_the_same_for_known_and_unknown_addresses(
        self, client, world, django_capture_on_commit_callbacks
    ):
        path = reverse("buyer_link_request")
        with django_capture_on_commit_callbacks(execute=True):
            known = client.post(path, {"email": "BEA@buyer-a1.example"})
            unknown = client.post(path, {"email": "nobody@nowhere.example"})

        def body(response):
            html = response.content.decode()
            for varying in ("BEA@buyer-a1.example", "nobody@nowhere.example"):
                html = html.replace(varying, "X")
            # Nonces and CSRF tokens differ on every response.
            return re.sub(r'(nonce|value|X-CSRFToken)(="|": ")[^"]+"', r"\1\2", html)

        assert known.status_code == unknown.status_code == 200
        assert body(known) == body(unknown)
        assert [m.to for m in mail.outbox] == [["bea@buyer-a1.example"]]
        other = Client()
        assert other.post(link_path(mail.outbox[0])).status_code == 302

    def test_a_revoked_buyer_gets_no_link(self, client, world, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("buyer_link_request"), {"email": "rex@buyer-a1.example"})
        assert mail.outbox == []

    def test_asking_is_rate_limited(self, client):
        statuses = [
            client.post(reverse("buyer_link_request"), {"email": "same@example.com"}).status_code
            for _ in range(4)
        ]
        assert statuses == [200, 200, 200, 429]

    def test_a_malformed_address_is_a_field_error(self, client):
        response = client.post(reverse("buyer_link_request"), {"email": "not an email"})
        assert "Enter a valid email address." in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_redemptions_make_one_user_and_agree(world):
    if connection.vendor != "postgresql":
        pytest.skip("parallel transactions need PostgreSQL (SQLite serialises writers)")
    stakeholder = StakeholderFactory(room=world.room_a1, email="para@buyer-a1.example")
    buyer_invite(stakeholder=stakeholder, by=room_access_for(world.owner, world.room_a1))
    path = link_path(mail.outbox[-1])
    results = []

    def redeem():
        try:
            results.append(Client().post(path).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=redeem) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [302] * 20
    assert User.objects.filter(email__iexact="para@buyer-a1.example").count() == 1
    assert Event.objects.filter(kind="buyer.first_visit", room=world.room_a1).count() == 1


class TestSellerAlerts:
    def test_buyer_actions_alert_the_owner_at_most_once_per_ten_minutes(
        self, client, world, django_capture_on_commit_callbacks
    ):
        from notifications.models import BuyerAlertState
        from notifications.tasks import buyer_alert_sweep

        room = world.room_a1
        client.force_login(world.buyer)
        theirs = TaskFactory(milestone=room.milestones.get(), side="buyer", title="Sign the NDA")
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url("task_toggle", room, task_id=theirs.public_id))
        alerts = [m for m in mail.outbox if m.to == [world.owner.email]]
        assert len(alerts) == 1
        assert "completed “Sign the NDA”" in alerts[0].body

        with django_capture_on_commit_callbacks(execute=True):
            client.post(url("room_comment_add", room), {"body": "Question on pricing"})
            client.post(url("room_comment_add", room), {"body": "And on the SLA"})
        assert len([m for m in mail.outbox if m.to == [world.owner.email]]) == 1  # batched

        # Ten minutes later beat's sweep sends one email with both comments.
        BuyerAlertState.objects.update(due_at=timezone.now() - datetime.timedelta(seconds=1))
        with django_capture_on_commit_callbacks(execute=True):
            assert buyer_alert_sweep() == 1
        alerts = [m for m in mail.outbox if m.to == [world.owner.email]]
        assert len(alerts) == 2
        assert alerts[1].body.count("commented in the discussion") == 2
        assert "Sign the NDA" not in alerts[1].body

    def test_seller_actions_alert_nobody(self, client, world, django_capture_on_commit_callbacks):
        client.force_login(world.owner)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url("room_comment_add", world.room_a1), {"body": "Note to self"})
        assert mail.outbox == []

    def test_buyer_events_show_in_the_sellers_activity_feed(self, client, world):
        buyer = Client()
        buyer.force_login(world.buyer)
        buyer.post(url("room_comment_add", world.room_a1), {"body": "Hello from Bea"})
        client.force_login(world.owner)
        html = client.get(url("room_detail", world.room_a1)).content.decode()
        assert "Bea Buyer</strong> commented in the discussion" in html


@pytest.mark.parametrize(
    ("invites", "domains", "error"),
    [
        ("domains", "", "Name at least one domain"),
        ("domains", "globex.com, not a domain", "Not a domain: not a domain"),
        ("whatever", "", "Select a valid choice."),
    ],
)
def test_the_colleague_rule_is_validated(client, world, invites, domains, error):
    room = world.room_a1
    client.force_login(world.owner)
    data = {
        "buyer_company": room.buyer_company,
        "accent_colour": "#123456",
        "currency": "USD",
        "target_date": room.target_date.isoformat(),
        "start_date": room.start_date.isoformat(),
        "buyer_invites": invites,
        "buyer_domains": domains,
    }
    response = client.post(url("room_edit", room), data)
    assert response.status_code == 422
    assert error in response.content.decode()
    data.update(buyer_invites="domains", buyer_domains="@Globex.com, globex.co.uk")
    assert client.post(url("room_edit", room), data).status_code == 302
    room.refresh_from_db()
    assert room.allowed_buyer_domains == ["globex.com", "globex.co.uk"]


def test_a_buyer_user_carries_the_name_the_seller_gave_them(invite):
    _, path = invite(name="Cara Champion")
    Client().post(path)
    assert User.objects.get(email="cara@buyer-a1.example").get_full_name() == "Cara Champion"


def test_your_tasks_lists_theirs_and_the_buyer_sides_unclaimed_ones(client, world):
    room = world.room_a1
    milestone = room.milestones.get()
    bea = room.stakeholders.get(user=world.buyer)
    TaskFactory(milestone=milestone, title="Claimed by Bea", side="buyer", owner=bea)
    TaskFactory(milestone=milestone, title="Nobody yet", side="buyer")
    TaskFactory(
        milestone=milestone, title="Bea already did", side="buyer", owner=bea, status="done"
    )
    client.force_login(world.buyer)
    html = client.get(url("room_detail", room)).content.decode()
    top = html[html.index("Your tasks") : html.index('id="plan"')]
    mine, unclaimed = top.split("nobody has taken", 1)
    assert "Claimed by Bea" in mine and "Nobody yet" not in mine
    assert "Nobody yet" in unclaimed and "Take it" in unclaimed
    assert "Bea already did" not in top  # done, and not in the last two days


def test_a_buyer_sees_no_empty_value_summary_card(client, world):
    client.force_login(world.buyer)
    assert (
        "No value summary yet" not in client.get(url("room_detail", world.room_a1)).content.decode()
    )


class TestMentions:
    def comment(self, client, world, body, **extra):
        return client.post(url("room_comment_add", world.room_a1), {"body": body, **extra})

    def test_a_mentioned_buyer_gets_an_email_with_their_own_link(
        self, client, world, django_capture_on_commit_callbacks
    ):
        client.force_login(world.owner)
        with django_capture_on_commit_callbacks(execute=True):
            self.comment(client, world, "@bea buyer could you sign the NDA?")
        message = next(m for m in mail.outbox if m.to == ["bea@buyer-a1.example"])
        assert "could you sign the NDA?" in message.body
        assert Client().post(link_path(message)).status_code == 302

    def test_an_internal_note_never_reaches_a_buyer(
        self, client, world, django_capture_on_commit_callbacks
    ):
        client.force_login(world.manager)
        with django_capture_on_commit_callbacks(execute=True):
            self.comment(
                client,
                world,
                "@Bea Buyer is hard to read, cc @" + world.owner.name,
                is_internal="on",
            )
        assert [m.to for m in mail.outbox if "mentioned you" in m.subject] == [[world.owner.email]]

    def test_people_not_yet_invited_or_revoked_are_not_emailed(
        self, client, world, django_capture_on_commit_callbacks
    ):
        StakeholderFactory(room=world.room_a1, name="Nina New", email="nina@buyer-a1.example")
        client.force_login(world.owner)
        with django_capture_on_commit_callbacks(execute=True):
            self.comment(client, world, "@Nina New and @Rex Revoked, welcome")
        assert not [m for m in mail.outbox if "mentioned you" in m.subject]


def test_mentions_match_the_longest_name_once():
    from plans.mentions import find_mentions

    ann = Stakeholder(name="Ann")
    ann_lee = Stakeholder(name="Ann Lee")
    bo = Stakeholder(name="Bo")
    found = find_mentions("Thanks @ann lee and @Bob, not @Bo!", [ann, ann_lee, bo])
    assert found == [ann_lee, bo]


class TestLinkAbuse:
    """Found in review: what a link must never do."""

    def test_a_link_stops_working_when_the_address_is_changed(self, invite, client, world):
        from stakeholders.services import stakeholder_update

        stakeholder, path = invite()
        # Whoever may edit the room points the invited person at someone else's address.
        stakeholder_update(
            stakeholder=stakeholder, by=room_access_for(world.owner, world.room_a1), name="Cara",
            email=world.manager.email, title="", role="other",
        )  # fmt: skip
        other = Client()
        assert other.post(path).status_code == 404
        assert "_auth_user_id" not in other.session

    def test_changing_an_active_buyers_address_ends_the_old_persons_access(self, client, world):
        from stakeholders.services import stakeholder_update

        bea = world.room_a1.stakeholders.get(user=world.buyer)
        stakeholder_update(
            stakeholder=bea, by=room_access_for(world.owner, world.room_a1), name="Bea's successor",
            email="successor@buyer-a1.example", title="", role="champion",
        )  # fmt: skip
        bea.refresh_from_db()
        assert (bea.user, bea.access_state) == (None, AccessState.NOT_INVITED)
        client.force_login(world.buyer)
        assert client.get(url("room_detail", world.room_a1)).status_code == 404

    def test_a_link_to_an_address_with_a_seller_account_does_not_sign_it_in(self, invite, world):
        # Organisation A invites the admin of organisation B as a buyer: whoever holds the link
        # (a forwarded email) must not get organisation B.
        _, path = invite(email=world.outsider.email, name="Otto Outsider")
        other = Client()
        response = other.post(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        assert "_auth_user_id" not in other.session
        assert world.outsider.has_usable_password()

    def test_an_unverified_account_made_before_the_invitation_loses_its_password(
        self, invite, world, django_capture_on_commit_callbacks
    ):
        attacker = Client()
        attacker.post(
            reverse("account_signup"),
            {
                "name": "Cara",
                "email": "cara@buyer-a1.example",
                "password1": "attacker-pass-1",
                "password2": "attacker-pass-1",
            },
        )
        _, path = invite()
        assert Client().post(path).status_code == 302
        user = User.objects.get(email="cara@buyer-a1.example")
        assert not user.has_usable_password()
        assert user.emailaddress_set.get().verified
        attacker.post(
            reverse("account_login"),
            {"login": "cara@buyer-a1.example", "password": "attacker-pass-1"},
        )
        assert attacker.get(url("room_detail", world.room_a1)).status_code != 200

    def test_someone_never_invited_cannot_let_themselves_in(self, client, world):
        StakeholderFactory(room=world.room_a1, email="nina@buyer-a1.example")
        client.post(reverse("buyer_link_request"), {"email": "nina@buyer-a1.example"})
        assert not BuyerLink.objects.filter(email="nina@buyer-a1.example").exists()
        assert not [m for m in mail.outbox if m.to == ["nina@buyer-a1.example"]]

    def test_asking_for_links_does_not_end_the_links_someone_has(self, invite, client):
        _, path = invite()
        client.post(reverse("buyer_link_request"), {"email": "cara@buyer-a1.example"})
        assert Client().post(path).status_code == 302


def test_user_text_cannot_collect_someone_elses_csrf_token(client, world):
    from web.fragments import CSRF_PLACEHOLDER

    buyer = Client()
    buyer.force_login(world.buyer)
    bait = f'x" name="csrfmiddlewaretoken" value="{CSRF_PLACEHOLDER}" {CSRF_PLACEHOLDER}'
    buyer.post(url("room_comment_add", world.room_a1), {"body": bait})
    client.force_login(world.owner)
    html = client.get(url("room_detail", world.room_a1)).content.decode()
    assert CSRF_PLACEHOLDER in html  # shown as written, not swapped for the owner's token


def test_the_lost_reason_is_for_sellers(client, world):
    Room.objects.filter(pk=world.room_a1.pk).update(stage="lost", lost_reason="Too expensive")
    client.force_login(world.buyer)
    assert "Too expensive" not in client.get(url("room_detail", world.room_a1)).content.decode()


def test_a_buyer_is_offered_only_what_they_may_do_on_a_task_page(client, world):
    room = world.room_a1
    theirs = TaskFactory(milestone=room.milestones.get(), side="buyer")
    ours = room.tasks.get(side="seller")
    client.force_login(world.buyer)
    html = client.get(url("task_detail", room, task_id=ours.public_id)).content.decode()
    assert "Mark as done" not in html and ">Edit<" not in html
    html = client.get(url("task_detail", room, task_id=theirs.public_id)).content.decode()
    assert "Mark as done" in html and ">Edit<" in html
    assert ">Your rooms<" in html


class TestUnsubscribe:
    def alert(self, world, django_capture_on_commit_callbacks):
        buyer = Client()
        buyer.force_login(world.buyer)
        with django_capture_on_commit_callbacks(execute=True):
            buyer.post(url("room_comment_add", world.room_a1), {"body": "Hello"})
        return [m for m in mail.outbox if m.to == [world.owner.email]]

    def test_every_alert_carries_one_click_unsubscribe_headers(
        self, world, django_capture_on_commit_callbacks
    ):
        [alert] = self.alert(world, django_capture_on_commit_callbacks)
        assert alert.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        link = alert.extra_headers["List-Unsubscribe"].strip("<>")
        assert link in alert.body
        # The mail client POSTs, signed out, without a CSRF token (RFC 8058).
        client = Client(enforce_csrf_checks=True)
        response = client.post(link.replace("http://127.0.0.1:8000", ""))
        assert response.status_code == 200
        assert "You are unsubscribed" in response.content.decode()
        mail.outbox.clear()
        Event.objects.all().delete()
        from notifications.models import BuyerAlertState

        BuyerAlertState.objects.all().delete()
        assert self.alert(world, django_capture_on_commit_callbacks) == []

    def test_opening_the_link_asks_before_unsubscribing(
        self, world, django_capture_on_commit_callbacks
    ):
        from outbox.preferences import wants

        [alert] = self.alert(world, django_capture_on_commit_callbacks)
        link = alert.extra_headers["List-Unsubscribe"].strip("<>")
        page = Client().get(link.replace("http://127.0.0.1:8000", ""))
        assert "Stop these emails?" in page.content.decode()
        assert wants(world.owner.email, "alerts")

    def test_a_tampered_unsubscribe_link_is_404(self, client):
        assert client.post("/unsubscribe/not-a-token/").status_code == 404

    def test_each_person_chooses_their_emails_on_a_page(self, client, world):
        from outbox.preferences import wants

        client.force_login(world.buyer)
        assert client.get(reverse("notification_preferences")).status_code == 200
        client.post(reverse("notification_preferences"), {"alerts": "on"})
        assert wants(world.buyer.email, "alerts")
        assert not wants(world.buyer.email, "mentions")

    def test_a_muted_mention_sends_nothing_and_makes_no_link(
        self, client, world, django_capture_on_commit_callbacks
    ):
        from outbox.preferences import preferences_set

        preferences_set(email="bea@buyer-a1.example", muted={"mentions"})
        links = BuyerLink.objects.count()
        client.force_login(world.owner)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url("room_comment_add", world.room_a1), {"body": "@Bea Buyer hi"})
        assert not [m for m in mail.outbox if m.to == ["bea@buyer-a1.example"]]
        assert BuyerLink.objects.count() == links
