"""The first minute in a room (issue 13, items 1 to 6): edit pages that answer their save, a
revoked buyer told in words, a buyer's own tasks ticked from the top and taken from their
side's unclaimed ones, the value first, and invitations that name who invited."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from activity.models import Event
from outbox.models import OutboundEmail
from plans.models import Status
from rooms.models import Room
from stakeholders.models import AccessState, Stakeholder
from stakeholders.services import buyer_link_create
from tests.factories import MembershipFactory, StakeholderFactory, TaskFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, room, **ids):
    return reverse(name, kwargs={"room_id": room.public_id, **ids})


def flashes(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def region(html: str, region_id: str) -> str:
    """The element with this id, up to the end of its section (the regions do not nest)."""
    start = html.index(f'id="{region_id}"')
    return html[start : html.index("</section>", start)]


@pytest.fixture
def seller(client, world):
    client.force_login(world.owner)
    return client


@pytest.fixture
def buyer(client, world):
    client.force_login(world.buyer)
    return client


@pytest.fixture
def bea(world) -> Stakeholder:
    return world.room_a1.stakeholders.get(user=world.buyer)


# 1. Edit pages ------------------------------------------------------------------------------


class TestEditPages:
    """An edit page's form is a plain form: saving goes to where the change shows, and says so.
    (Its HTMX twin, in the room page, swaps the plan; that one is not the edit page's.)"""

    def test_an_edit_page_posts_without_htmx_and_its_inline_twin_with_it(self, seller, world):
        task = world.room_a1.tasks.get()
        page = seller.get(url("task_edit", world.room_a1, task_id=task.public_id)).content
        inline = seller.get(url("task_edit", world.room_a1, task_id=task.public_id), **HTMX)
        assert b"hx-post" not in page.split(b"<main", 1)[1]
        assert b"hx-post" in inline.content

    def test_saving_a_task_from_its_page_goes_back_to_the_task_and_says_so(self, seller, world):
        task = world.room_a1.tasks.get()
        data = {"title": "Agree the success criteria, signed", "owner_choice": "side:seller"}
        data |= {"status": "todo"}
        data |= {"milestone": task.milestone.pk, "version": task.version}
        response = seller.post(url("task_edit", world.room_a1, task_id=task.public_id), data)
        assert response.status_code == 302
        assert response["Location"] == url("task_detail", world.room_a1, task_id=task.public_id)
        page = seller.get(response["Location"])
        assert flashes(page) == ["Saved the task “Agree the success criteria, signed”."]
        assert "<h1>Agree the success criteria, signed</h1>" in page.content.decode()

    def test_a_buyer_saves_their_sides_task_from_its_page(self, buyer, world, bea):
        task = TaskFactory(milestone=world.room_a1.milestones.get(), side="buyer", owner=bea)
        data = {"title": "Send the security questionnaire", "owner_choice": str(bea.public_id)}
        data |= {"status": "in_progress", "version": task.version, "milestone": task.milestone.pk}
        form_url = url("task_edit", world.room_a1, task_id=task.public_id)
        response = buyer.post(form_url, data, follow=True)
        assert flashes(response) == ["Saved the task “Send the security questionnaire”."]
        task.refresh_from_db()
        assert (task.title, task.status) == ("Send the security questionnaire", "in_progress")

    def test_saving_a_milestone_from_its_page_goes_to_it_in_the_room(self, seller, world):
        milestone = world.room_a1.milestones.get()
        data = {"title": "Discovery and fit", "version": milestone.version}
        response = seller.post(
            url("milestone_edit", world.room_a1, milestone_id=milestone.public_id), data
        )
        assert response["Location"].endswith(f"#milestone-{milestone.public_id}")
        page = seller.get(response["Location"])
        assert flashes(page) == ["Saved the milestone “Discovery and fit”."]
        assert "Discovery and fit" in region(page.content.decode(), "plan")

    @pytest.mark.parametrize("side", ["buyer", "seller"])
    def test_saving_a_person_from_their_page_goes_to_the_people(self, seller, world, side):
        person = world.room_a1.stakeholders.filter(side=side).first()
        data = {"name": "Renamed Person", "email": person.email, "title": "Head of it"}
        data |= {"role": "champion", "version": person.version}
        edit = url("stakeholder_edit", world.room_a1, stakeholder_id=person.public_id)
        response = seller.post(edit, data)
        assert response["Location"].endswith("#stakeholders")
        page = seller.get(response["Location"])
        assert flashes(page) == ["Saved Renamed Person."]
        assert "Renamed Person" in region(page.content.decode(), "stakeholders")


# 2. A revoked buyer -------------------------------------------------------------------------


class TestRevokedBuyer:
    MESSAGE = "Your access to this room has ended; ask {} for a new link."

    @pytest.fixture
    def rex(self, client, world):
        client.force_login(world.revoked_buyer)
        return client

    @pytest.mark.parametrize("debug", [False, True])
    def test_the_room_page_says_it_ended_in_the_products_layout(self, rex, world, settings, debug):
        settings.DEBUG = debug  # Django's debug 404 page must not stand in for it
        response = rex.get(url("room_detail", world.room_a1))
        assert response.status_code == 404
        html = response.content.decode()
        assert self.MESSAGE.format(world.owner.get_full_name()) in html
        assert 'class="topbar"' in html and "<h1>Access ended</h1>" in html
        assert "Agree the success criteria" not in html  # nothing of the room

    def test_a_plain_form_post_gets_the_same_page(self, rex, world):
        task = world.room_a1.tasks.get()
        response = rex.post(url("task_toggle", world.room_a1, task_id=task.public_id))
        assert response.status_code == 404
        assert "<h1>Access ended</h1>" in response.content.decode()
        response = rex.post(url("room_comment_add", world.room_a1), {"body": "Hello?"})
        assert response.status_code == 404
        assert self.MESSAGE.format(world.owner.get_full_name()) in response.content.decode()

    def test_an_htmx_action_gets_the_message_alone(self, rex, world):
        task = world.room_a1.tasks.get()
        response = rex.post(url("task_toggle", world.room_a1, task_id=task.public_id), **HTMX)
        assert response.status_code == 404
        html = response.content.decode().strip()
        assert html.startswith("<p") and "<html" not in html
        assert "data-tandem-message" in html
        assert self.MESSAGE.format(world.owner.get_full_name()) in html
        task.refresh_from_db()
        assert task.status == Status.TODO

    def test_anyone_else_gets_the_plain_404(self, client, world):
        for person in (world.other_buyer, world.outsider):
            client.force_login(person)
            response = client.get(url("room_detail", world.room_a1))
            assert response.status_code == 404
            assert "has ended" not in response.content.decode()

    def test_a_buyer_removed_from_the_room_gets_the_plain_404(self, rex, world):
        world.room_a1.stakeholders.filter(user=world.revoked_buyer).delete()
        response = rex.get(url("room_detail", world.room_a1))
        assert response.status_code == 404
        assert "has ended" not in response.content.decode()

    def test_the_api_still_answers_a_plain_404(self, world):
        client = Client()
        client.force_login(world.revoked_buyer)
        response = client.get(f"/api/v1/rooms/{world.room_a1.public_id}/")
        assert response.status_code in (401, 403, 404)
        assert "has ended" not in response.content.decode()


# 3. Your tasks ------------------------------------------------------------------------------


class TestYourTasks:
    def test_a_buyers_own_tasks_carry_their_ticks_at_the_top(self, buyer, world, bea):
        milestone = world.room_a1.milestones.get()
        mine = TaskFactory(milestone=milestone, title="Bea signs", side="buyer", owner=bea)
        html = buyer.get(url("room_detail", world.room_a1)).content.decode()
        top = region(html, "your-tasks")
        assert f'hx-post="{url("task_toggle", world.room_a1, task_id=mine.public_id)}"' in top
        assert 'aria-label="Complete Bea signs"' in top
        assert html.index('id="your-tasks"') < html.index('id="plan"')

    def test_a_sellers_page_has_no_your_tasks(self, seller, world):
        assert (
            'id="your-tasks"' not in seller.get(url("room_detail", world.room_a1)).content.decode()
        )

    def test_a_tick_answers_with_the_row_and_the_list_out_of_band(self, buyer, world, bea):
        milestone = world.room_a1.milestones.get()
        mine = TaskFactory(milestone=milestone, title="Bea signs", side="buyer", owner=bea)
        response = buyer.post(url("task_toggle", world.room_a1, task_id=mine.public_id), **HTMX)
        html = response.content.decode()
        assert html.lstrip().startswith(f'<li class="task task--done" id="task-{mine.public_id}"')
        yours = re.search(r'<section[^>]*id="your-tasks"[^>]*>', html).group(0)
        assert 'hx-swap-oob="true"' in yours
        assert 'aria-label="Reopen Bea signs"' in region(html, "your-tasks")
        assert "csrf-" not in html  # the CSRF placeholder is personalised

    def test_take_it_makes_the_task_theirs_and_records_it(self, buyer, world, bea):
        task = TaskFactory(milestone=world.room_a1.milestones.get(), title="Pick me", side="buyer")
        version = world.room_a1.content_version
        response = buyer.post(url("task_take", world.room_a1, task_id=task.public_id), **HTMX)
        assert response.status_code == 200
        html = response.content.decode()
        task.refresh_from_db()
        assert task.owner == bea
        assert Event.objects.filter(room_id=world.room_a1.pk, summary="took the task “Pick me”")
        world.room_a1.refresh_from_db()
        assert world.room_a1.content_version > version
        yours = region(html, "your-tasks")
        assert "“Pick me” is yours now." in yours and 'aria-label="Complete Pick me"' in yours
        assert "Take it" not in yours
        assert response["HX-Retarget"] == "#plan"

    def test_take_it_without_javascript_goes_back_to_the_list(self, buyer, world, bea):
        task = TaskFactory(milestone=world.room_a1.milestones.get(), title="Pick me", side="buyer")
        response = buyer.post(url("task_take", world.room_a1, task_id=task.public_id), follow=True)
        assert flashes(response) == ["“Pick me” is yours now."]
        assert response.redirect_chain[-1][0].endswith("#your-tasks")

    def test_a_task_someone_took_first_is_not_taken_again(self, buyer, world):
        cara = StakeholderFactory(room=world.room_a1, name="Cara Champion", access_state="active")
        task = TaskFactory(milestone=world.room_a1.milestones.get(), side="buyer", owner=cara)
        response = buyer.post(url("task_take", world.room_a1, task_id=task.public_id), **HTMX)
        assert "Cara Champion has already taken" in region(response.content.decode(), "your-tasks")
        task.refresh_from_db()
        assert task.owner == cara

    def test_sellers_and_seller_tasks_are_not_taken(self, client, world):
        task = world.room_a1.tasks.get()  # on the seller's side
        client.force_login(world.buyer)
        assert (
            client.post(url("task_take", world.room_a1, task_id=task.public_id)).status_code == 403
        )
        client.force_login(world.owner)
        buyer_side = TaskFactory(milestone=task.milestone, side="buyer")
        take = url("task_take", world.room_a1, task_id=buyer_side.public_id)
        assert client.post(take).status_code == 403
        assert Room.objects.get(pk=world.room_a1.pk).tasks.filter(owner__isnull=False).count() == 0

    def test_an_internal_task_is_not_there_to_take(self, buyer, world):
        task = TaskFactory(milestone=world.room_a1.milestones.get(), side="buyer", is_internal=True)
        assert (
            buyer.post(url("task_take", world.room_a1, task_id=task.public_id)).status_code == 404
        )


# 4. The value first --------------------------------------------------------------------------


class TestValue:
    def test_a_seller_is_nudged_to_write_why(self, seller, world):
        html = region(seller.get(url("room_detail", world.room_a1)).content.decode(), "value")
        assert "Start with why" in html
        assert 'href="' + url("room_edit", world.room_a1) + '#id_value_summary"' in html

    def test_a_buyer_sees_the_value_and_criteria_when_written(self, buyer, world):
        Room.objects.filter(pk=world.room_a1.pk).update(
            value_summary="One forecast they trust.",
            value_summary_html="<p>One forecast they trust.</p>",
            success_criteria_html="<ul><li>Accuracy within 5%</li></ul>",
        )
        html = buyer.get(url("room_detail", world.room_a1)).content.decode()
        value = region(html, "value")
        assert "One forecast they trust." in value and "Accuracy within 5%" in value
        assert html.index('id="value"') < html.index('id="plan"')
        assert html.index('id="value"') < html.index('id="stakeholders"')

    def test_a_buyer_sees_no_nudge(self, buyer, world):
        assert 'id="value"' not in buyer.get(url("room_detail", world.room_a1)).content.decode()


# 6. Invitations ------------------------------------------------------------------------------


class TestInvitations:
    DATA = {"name": "Dana Decider", "email": "dana@buyer-a1.example", "title": "", "role": "other"}

    def test_add_and_invite_is_the_default_and_queues_the_invitation(
        self, seller, world, django_capture_on_commit_callbacks
    ):
        form = seller.get(url("room_detail", world.room_a1)).content.decode()
        buttons = re.findall(r'<button type="submit"[^>]*name="invite" value="(\d)"', form)
        assert buttons[:2] == ["1", "0"]  # the first is what Enter presses
        with django_capture_on_commit_callbacks(execute=True):
            response = seller.post(url("buyer_add", world.room_a1), {**self.DATA, "invite": "1"})
        assert response.status_code == 302
        dana = Stakeholder.objects.get(email="dana@buyer-a1.example")
        assert dana.access_state == AccessState.INVITED
        assert OutboundEmail.objects.filter(to="dana@buyer-a1.example").exists()
        assert [m.to for m in mail.outbox] == [["dana@buyer-a1.example"]]

    def test_add_without_inviting_sends_nothing(self, seller, world):
        response = seller.post(
            url("buyer_add", world.room_a1), {**self.DATA, "invite": "0"}, follow=True
        )
        assert flashes(response) == ["Added Dana Decider. Invite them when you are ready."]
        dana = Stakeholder.objects.get(email="dana@buyer-a1.example")
        assert dana.access_state == AccessState.NOT_INVITED
        assert not OutboundEmail.objects.exists()

    def test_inviting_someone_without_an_address_saves_nothing(self, seller, world):
        data = {**self.DATA, "email": "", "invite": "1"}
        response = seller.post(url("buyer_add", world.room_a1), data, **HTMX)
        assert response.status_code == 422
        assert "Add an email address for Dana Decider to invite them." in response.content.decode()
        assert not Stakeholder.objects.filter(name="Dana Decider").exists()

    def test_revoke_asks_first_and_says_what_it_did(self, seller, world, bea):
        html = region(
            seller.get(url("room_detail", world.room_a1)).content.decode(), "stakeholders"
        )
        revoke = re.search(r"<button[^>]*>Revoke</button>", html).group(0)
        assert 'hx-confirm="Revoke the access of Bea Buyer?' in revoke
        response = seller.post(
            url("buyer_revoke", world.room_a1, stakeholder_id=bea.public_id), **HTMX
        )
        assert "Bea Buyer no longer has access to the room." in region(
            response.content.decode(), "stakeholders"
        )

    def test_the_landing_page_names_who_invited_and_no_possessive(self, world):
        colleague = MembershipFactory(organisation=world.org_a, user__name="Ivy Inviter").user
        Room.objects.filter(pk=world.room_a1.pk).update(buyer_company="Acme Logistics")
        cara = StakeholderFactory(
            room=world.room_a1, name="Cara", email="cara@acme.example", access_state="invited"
        )
        _link, token = buyer_link_create(stakeholder=cara, actor=colleague)
        html = Client().get(reverse("buyer_link", args=[token])).content.decode()
        assert "Ivy Inviter (Organisation A) shares the plan to go live at Acme Logistics" in html
        assert world.owner.get_full_name() not in html
        assert "Logistics's" not in html and "Logistics'" not in html
        # A link asked for again names the one who invited them, not whoever owns the room.
        _again, token = buyer_link_create(stakeholder=cara, actor=None, replace=False)
        html = Client().get(reverse("buyer_link", args=[token])).content.decode()
        assert "Ivy Inviter (Organisation A) shares" in html
