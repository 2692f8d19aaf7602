"""The room page and its plan, edited in place (HTMX) and by plain form posts."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from activity.models import Event
from plans.builtin_templates import BUILTIN_TEMPLATES
from plans.models import Milestone, Status, Task
from plans.services import (
    comment_create,
    milestone_move,
    milestone_update,
    task_move,
    task_set_done,
    task_update,
)
from rooms.access import room_access_for
from rooms.events import event_record
from rooms.models import Room
from rooms.resource_services import resource_add_link, resource_move
from rooms.services import room_create, room_update_details
from stakeholders.models import Stakeholder
from stakeholders.services import (
    buyer_invite,
    buyer_revoke,
    stakeholder_add_buyer,
    stakeholder_move,
    stakeholder_update,
)
from tests.factories import (
    MilestoneFactory,
    ResourceFactory,
    RoomFactory,
    StakeholderFactory,
    TaskFactory,
)
from web.fragments import CSRF_PLACEHOLDER

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
TODAY = timezone.localdate


def url(name, room, **ids):
    return reverse(name, kwargs={"room_id": room.public_id, **ids})


@pytest.fixture
def seller(client, world):
    client.force_login(world.owner)
    return client


@pytest.fixture
def room(world):
    return world.room_a1


@pytest.fixture
def task(room):
    return room.tasks.get()


# The room page's changes, as the services make them: each case sets up what it needs and
# returns the change and how the page shows it (TestFragments).


def _without_feed(html):
    """The page but its activity feed, which tells of every change whether or not the cached
    body shows it."""
    return re.sub(
        r'<section class="card activity" id="activity".*?</section>', "", html, flags=re.S
    )


def _shows(text):
    return lambda html: text in _without_feed(html)


def _shows_before(first, second):
    return lambda html: -1 < _without_feed(html).find(first) < _without_feed(html).find(second)


def _by(w, room):
    """The owner's access to the room: the services act through it (rooms.access)."""
    return room_access_for(w.owner, room)


def _task_update(task, by, **changes):
    current = {
        "title": task.title,
        "description": task.description,
        "owner": task.owner,
        "due_date": task.due_date,
        "status": task.status,
        "is_internal": task.is_internal,
    }
    return lambda: task_update(task=task, by=by, **{**current, **changes})


def task_title(w, room, task):
    return _task_update(task, _by(w, room), title="Zed task"), _shows("Zed task")


def task_status(w, room, task):
    return _task_update(task, _by(w, room), status="blocked"), _shows("Blocked")


def task_due_date(w, room, task):
    due = datetime.date(2001, 1, 2)
    return _task_update(task, _by(w, room), due_date=due), _shows("2 Jan")


def task_ticked(w, room, task):
    by = _by(w, room)

    def change():
        task_set_done(task=task, done=True, by=by)

    return change, _shows("1 of 1 task done")


def milestone_title(w, room, task):
    by = _by(w, room)

    def change():
        milestone_update(milestone=task.milestone, by=by, title="Zed milestone")

    return change, _shows("Zed milestone")


def stakeholder_name(w, room, task):
    bea = room.stakeholders.get(email="bea@buyer-a1.example")
    by = _by(w, room)

    def change():
        stakeholder_update(
            stakeholder=bea, by=by, name="Zed Buyer", email=bea.email, title="", role=""
        )

    return change, _shows("Zed Buyer")


def buyer_company(w, room, task):
    by = _by(w, room)

    def change():
        room_update_details(by=by, buyer_company="Zed Co")

    # In the people panel, not only in the page's header (which is never cached).
    return change, _shows('<h3 class="stakeholders__side">Zed Co</h3>')


def task_comment(w, room, task):
    by = _by(w, room)
    return lambda: comment_create(by=by, body="x", task=task), _shows("1 comment")


def room_note(w, room, task):
    by = _by(w, room)
    return lambda: comment_create(by=by, body="Zed note"), _shows("Zed note")


def link_shared(w, room, task):
    by = _by(w, room)

    def change():
        resource_add_link(by=by, url="https://zed.example/", title="Zed link")

    return change, _shows("Zed link")


def task_moved(w, room, task):
    second = TaskFactory(milestone=task.milestone, title="Zed second task")
    by = _by(w, room)

    def change():
        task_move(task=second, direction="up", by=by)

    return change, _shows_before("Zed second task", task.title)


def milestone_moved(w, room, task):
    second = MilestoneFactory(room=room, title="Zed second milestone")
    by = _by(w, room)

    def change():
        milestone_move(milestone=second, direction="up", by=by)

    return change, _shows_before("Zed second milestone", task.milestone.title)


def stakeholder_moved(w, room, task):
    first, second = (StakeholderFactory(room=room, name=name) for name in ("Zed One", "Zed Two"))
    Stakeholder.objects.filter(pk=second.pk).update(position=first.position + 1)
    by = _by(w, room)

    def change():
        stakeholder_move(stakeholder=second, direction="up", by=by)

    return change, _shows_before("Zed Two", "Zed One")


def resource_moved(w, room, task):
    first, second = (ResourceFactory(room=room, title=t) for t in ("Zed doc 1", "Zed doc 2"))
    by = _by(w, room)

    def change():
        resource_move(resource=second, direction="up", by=by)

    return change, _shows_before("Zed doc 2", "Zed doc 1")


def owner_renamed(w, room, task):
    # No service: the name is the owner's account's, not the room's, and the key holds it.
    def change():
        w.owner.name = "Zed Owner"
        w.owner.save(update_fields=["name"])

    return change, _shows("Zed Owner")


def buyer_invited(w, room, task):
    by = _by(w, room)
    zed = stakeholder_add_buyer(by=by, name="Zed", email="zed@buyer-a1.example")
    return lambda: buyer_invite(stakeholder=zed, by=by), _shows("zed@buyer-a1.example · Invited")


def buyer_revoked(w, room, task):
    bea = room.stakeholders.get(email="bea@buyer-a1.example")
    by = _by(w, room)
    return lambda: buyer_revoke(stakeholder=bea, by=by), _shows("bea@buyer-a1.example · Revoked")


def event_recorded(w, room, task):
    # The activity feed is filled in per request, outside the cached body.
    def change():
        event_record(room=room, actor=None, side="", kind="x", summary="zedded")

    return change, lambda html: "zedded" in html


PAGE_CHANGES = [
    task_title,
    task_status,
    task_due_date,
    task_ticked,
    milestone_title,
    stakeholder_name,
    buyer_company,
    task_comment,
    room_note,
    link_shared,
    task_moved,
    milestone_moved,
    stakeholder_moved,
    resource_moved,
    owner_renamed,
    buyer_invited,
    buyer_revoked,
    event_recorded,
]


class TestTicking:
    def test_ticking_with_htmx_returns_the_row_and_both_progress_bars(self, seller, room, task):
        other = TaskFactory(milestone=task.milestone)
        response = seller.post(url("task_toggle", room, task_id=task.public_id), **HTMX)
        html = response.content.decode()
        assert response.status_code == 200
        assert f'id="task-{task.public_id}"' in html
        assert 'aria-pressed="true"' in html
        milestone_bar = re.search(
            rf'id="progress-{task.milestone.public_id}" hx-swap-oob="true"', html
        )
        assert milestone_bar
        assert '<span class="progress-block__label">1/2</span>' in html
        assert 'id="plan-progress" hx-swap-oob="true"' in html
        assert "<strong>50%</strong> · 1 of 2 tasks done" in html
        task.refresh_from_db()
        assert task.status == Status.DONE
        assert task.completed_by == room.owner
        assert task.completed_at is not None
        assert other.status == Status.TODO

    def test_ticking_again_reopens_the_task(self, seller, room, task):
        seller.post(url("task_toggle", room, task_id=task.public_id), **HTMX)
        seller.post(url("task_toggle", room, task_id=task.public_id), **HTMX)
        task.refresh_from_db()
        assert (task.status, task.completed_at, task.completed_by) == (Status.TODO, None, None)

    def test_ticking_without_javascript_redirects_back_to_the_task(self, seller, room, task):
        response = seller.post(url("task_toggle", room, task_id=task.public_id))
        assert response.status_code == 302
        assert response["Location"].endswith(f"#task-{task.public_id}")
        task.refresh_from_db()
        assert task.is_done

    def test_every_tick_is_recorded_with_who_did_it(self, seller, room, task):
        seller.post(url("task_toggle", room, task_id=task.public_id), **HTMX)
        event = Event.objects.filter(room=room, kind="task.completed").get()
        assert event.actor == room.owner
        assert task.title in event.summary

    def test_a_task_of_another_room_is_404_even_with_a_room_one_may_edit(self, seller, world):
        foreign = TaskFactory(milestone=MilestoneFactory(room=world.room_b1))
        response = seller.post(url("task_toggle", world.room_a1, task_id=foreign.public_id))
        assert response.status_code == 404
        foreign.refresh_from_db()
        assert not foreign.is_done


class TestEditingThePlan:
    def test_adding_a_milestone_with_htmx_returns_the_fresh_plan(self, seller, room):
        response = seller.post(
            url("milestone_add", room), {"title": "Security review", "target_date": ""}, **HTMX
        )
        assert response.status_code == 200
        assert response["HX-Retarget"] == "#plan"
        assert "Security review" in response.content.decode()
        assert room.milestones.filter(title="Security review").exists()

    def test_adding_a_task_assigns_the_owner_and_their_side(self, seller, room):
        milestone = room.milestones.get()
        buyer = room.stakeholders.get(email="bea@buyer-a1.example")
        data = {
            "title": "Send the security questionnaire",
            "owner_choice": str(buyer.public_id),
            "due_date": "2027-02-01",
        }
        response = seller.post(url("task_add", room, milestone_id=milestone.public_id), data)
        assert response.status_code == 302
        task = Task.objects.get(title="Send the security questionnaire")
        assert (task.owner, task.side, task.due_date) == (buyer, "buyer", datetime.date(2027, 2, 1))
        assert task.organisation == room.organisation

    @pytest.mark.parametrize(
        ("data", "error"),
        [
            ({"title": ""}, "This field is required."),
            ({"title": "   "}, "This field is required."),
            ({"title": "x" * 10_000}, "at most 200 characters"),
            ({"title": "Ok", "due_date": "next friday"}, "Enter a valid date."),
            ({"title": "Ok", "owner_choice": "not-a-person"}, "Select a valid choice."),
        ],
    )
    def test_a_bad_task_gets_an_inline_error_and_saves_nothing(self, seller, room, data, error):
        milestone = room.milestones.get()
        before = Task.objects.count()
        response = seller.post(
            url("task_add", room, milestone_id=milestone.public_id), data, **HTMX
        )
        html = response.content.decode()
        assert response.status_code == 422
        assert error in html
        assert html.lstrip().startswith("<form")  # the form alone, swapped in place
        assert Task.objects.count() == before

    def test_without_javascript_a_bad_task_shows_the_form_page(self, seller, room):
        milestone = room.milestones.get()
        response = seller.post(
            url("task_add", room, milestone_id=milestone.public_id), {"title": ""}
        )
        assert response.status_code == 422
        assert "<html" in response.content.decode()
        assert "This field is required." in response.content.decode()

    def test_an_owner_from_another_room_is_refused(self, seller, world, room):
        stranger = StakeholderFactory(room=world.room_b1)
        milestone = room.milestones.get()
        data = {"title": "Sneaky", "owner_choice": str(stranger.public_id)}
        response = seller.post(url("task_add", room, milestone_id=milestone.public_id), data)
        assert response.status_code == 422
        assert not Task.objects.filter(title="Sneaky").exists()

    def test_a_task_cannot_be_moved_to_another_rooms_milestone(self, seller, world, room, task):
        foreign = MilestoneFactory(room=world.room_b1)
        data = {
            "title": task.title,
            "owner_choice": "side:seller",
            "status": "todo",
            "milestone": foreign.pk,
        }
        response = seller.post(url("task_edit", room, task_id=task.public_id), data)
        assert response.status_code == 422
        task.refresh_from_db()
        assert task.milestone.room == room

    def test_editing_a_task_changes_its_status_and_milestone(self, seller, room, task):
        second = MilestoneFactory(room=room, title="Legal")
        data = {
            "title": "Renamed",
            "owner_choice": "side:buyer",
            "status": "blocked",
            "milestone": second.pk,
            "description": "Why it matters",
            "due_date": "",
        }
        response = seller.post(url("task_edit", room, task_id=task.public_id), data, **HTMX)
        assert response.status_code == 200
        task.refresh_from_db()
        assert (task.title, task.status, task.milestone, task.side, task.owner) == (
            "Renamed",
            Status.BLOCKED,
            second,
            "buyer",
            None,
        )

    def test_the_edit_form_comes_as_a_fragment_for_htmx(self, seller, room, task):
        response = seller.get(url("task_edit", room, task_id=task.public_id), **HTMX)
        html = response.content.decode()
        assert html.lstrip().startswith("<form")
        assert f'value="{task.title}"' in html

    def test_deleting_a_milestone_deletes_its_tasks(self, seller, room, task):
        milestone = task.milestone
        seller.post(url("milestone_delete", room, milestone_id=milestone.public_id), **HTMX)
        assert not Milestone.objects.filter(pk=milestone.pk).exists()
        assert not Task.objects.filter(pk=task.pk).exists()

    def test_tasks_move_up_and_down_and_stop_at_the_ends(self, seller, room, task):
        second = TaskFactory(milestone=task.milestone, title="Second")

        def order():
            return list(task.milestone.tasks.values_list("title", flat=True))

        seller.post(url("task_move", room, task_id=second.public_id), {"direction": "up"}, **HTMX)
        assert order() == ["Second", task.title]
        seller.post(url("task_move", room, task_id=second.public_id), {"direction": "up"}, **HTMX)
        assert order() == ["Second", task.title]
        seller.post(url("task_move", room, task_id=second.public_id), {"direction": "down"})
        assert order() == [task.title, "Second"]

    def test_milestones_reorder(self, seller, room):
        first = room.milestones.get()
        second = MilestoneFactory(room=room, title="Second")
        seller.post(url("milestone_move", room, milestone_id=second.public_id), {"direction": "up"})
        assert list(room.milestones.values_list("title", flat=True)) == ["Second", first.title]

    def test_an_unknown_direction_moves_nothing(self, seller, room, task):
        second = TaskFactory(milestone=task.milestone)
        seller.post(url("task_move", room, task_id=second.public_id), {"direction": "sideways"})
        assert list(task.milestone.tasks.values_list("pk", flat=True)) == [task.pk, second.pk]


class TestRoomPage:
    def test_the_page_shows_progress_overdue_tasks_and_the_coverage_hint(self, seller, room):
        milestone = room.milestones.get()
        TaskFactory(
            milestone=milestone, title="Late one", due_date=TODAY() - datetime.timedelta(days=2)
        )
        TaskFactory(milestone=milestone, title="Done one", status=Status.DONE)
        html = seller.get(url("room_detail", room)).content.decode()
        assert "1 task overdue." in html
        assert "task task--overdue" in html
        assert "<strong>33%</strong> · 1 of 3 tasks done" in html
        assert "No champion and no economic buyer yet" in html

    def test_the_hint_names_only_the_roles_still_missing(self, seller, room):
        StakeholderFactory(room=room, role="champion")
        html = seller.get(url("room_detail", room)).content.decode()
        assert "No economic buyer yet" in html

    def test_markdown_is_rendered_safely(self, seller, room):
        summary = (
            "**Faster close** <script>alert(1)</script> [x](javascript:alert(1)) "
            '<img src=x onerror="alert(1)"> שלום עולם'
        )
        data = {
            "buyer_company": room.buyer_company,
            "accent_colour": "#123456",
            "currency": "EUR",
            "value_summary": summary,
            "target_date": room.target_date.isoformat(),
            "start_date": room.start_date.isoformat(),
            "buyer_invites": "anyone",
        }
        assert seller.post(url("room_edit", room), data).status_code == 302
        html = seller.get(url("room_detail", room)).content.decode()
        assert "<strong>Faster close</strong>" in html
        assert "<script>alert(1)</script>" not in html
        assert 'href="javascript' not in html
        assert "<img" not in html
        assert "שלום עולם" in html
        assert ".room { --accent: #123456; }" in html

    @pytest.mark.parametrize(
        ("field", "value", "error"),
        [
            ("accent_colour", "red;}{x", "Enter a colour as #RRGGBB."),
            ("accent_colour", "red; } body { display:none", "at most 7 characters"),
            ("deal_value", "-5", "greater than or equal to 0"),
            ("target_date", "soon", "Enter a valid date."),
            ("buyer_company", "", "This field is required."),
        ],
    )
    def test_bad_room_details_are_refused(self, seller, room, field, value, error):
        data = {
            "buyer_company": "Still here",
            "accent_colour": "#4f46e5",
            "currency": "USD",
            "target_date": room.target_date.isoformat(),
            "start_date": room.start_date.isoformat(),
            "buyer_invites": "anyone",
            field: value,
        }
        response = seller.post(url("room_edit", room), data)
        assert response.status_code == 422
        assert error in response.content.decode()
        room.refresh_from_db()
        assert room.buyer_company == "Buyer A1"

    def test_user_text_is_shown_exactly_as_typed(self, seller, room, task):
        task.title = '<b onmouseover="x()">Bold</b> ‏עברית'
        task.save()
        html = seller.get(url("room_detail", room)).content.decode()
        assert "&lt;b onmouseover=&quot;x()&quot;&gt;Bold&lt;/b&gt; ‏עברית" in html

    @pytest.mark.parametrize("size", [5, 200])
    def test_the_room_page_makes_the_same_queries_for_any_plan_size(
        self, client, world, size, django_assert_num_queries, monkeypatch
    ):
        room = RoomFactory(organisation=world.org_a, owner=world.owner)
        milestones = [MilestoneFactory(room=room) for _ in range(5)]
        for i in range(size):
            TaskFactory(milestone=milestones[i % 5])
        for _ in range(6):
            StakeholderFactory(room=room)
        client.force_login(world.owner)
        # The view itself is queued to a worker, not written by the page (tests/
        # test_analytics.py covers the recording): here it is only collected.
        queued = []
        monkeypatch.setattr("activity.recording.event_queue", queued.append)
        # The first view renders the page: user (the session is read from the cache), the
        # person's memberships (read once: the room's organisation and the switcher), room
        # (with owner and organisation: its content version is the cache key); then the
        # page's data: stakeholders, milestones, tasks (with owners), comment counts,
        # discussion, resources (with who shared them); the health card (tasks, buyer
        # activity, invitations) and the activity feed; the session is saved (savepoint,
        # update, release: the organisation is now chosen).
        with django_assert_num_queries(16):
            assert client.get(url("room_detail", room)).status_code == 200
        # Every later view finds the rendered body, the health card and the activity feed
        # under the room's content and feed versions, loaded with the room: user,
        # memberships, room. The session comes from the cache (SESSION_ENGINE cached_db).
        with django_assert_num_queries(3):
            response = client.get(url("room_detail", room))
        assert response.status_code == 200
        assert [view["kind"] for view in queued] == ["room.viewed", "room.viewed"]

    @pytest.mark.parametrize("size", [5, 200])
    def test_a_buyers_room_page_adds_one_query_for_their_own_tasks(
        self, client, world, size, django_assert_num_queries, monkeypatch
    ):
        room = world.room_a1
        bea = room.stakeholders.get(user=world.buyer)
        milestone = room.milestones.get()
        for i in range(size):
            TaskFactory(milestone=milestone, side="buyer", owner=bea if i % 2 else None)
        monkeypatch.setattr("activity.recording.event_queue", lambda view: None)
        client.force_login(world.buyer)
        assert client.get(url("room_detail", room)).status_code == 200
        # A later view finds the rendered body under the room's content version: user (the
        # session is read from the cache), their memberships (none: a buyer), room, their
        # stakeholder row (the access check), their own tasks and their side's unclaimed ones
        # (Your tasks: personal, never cached).
        with django_assert_num_queries(5):
            response = client.get(url("room_detail", room))
        assert response.status_code == 200
        assert 'id="your-tasks"' in response.content.decode()


class TestStakeholders:
    def test_adding_a_buyer_shows_them_and_updates_the_hint(self, seller, room):
        data = {
            "name": "Eve Economic",
            "email": "EVE@buyer.example",
            "title": "CFO",
            "role": "economic_buyer",
        }
        response = seller.post(url("buyer_add", room), data, **HTMX)
        html = response.content.decode()
        assert re.search(r'<section[^>]* id="stakeholders"[^>]* hx-swap-oob="true"', html)
        assert "Eve Economic" in html
        assert Stakeholder.objects.get(name="Eve Economic").email == "eve@buyer.example"

    @pytest.mark.parametrize(
        ("data", "error"),
        [
            (
                {"name": "Bad", "email": "not-an-email", "role": "other"},
                "Enter a valid email address.",
            ),
            (
                {"name": "Dup", "email": "BEA@buyer-a1.example", "role": "other"},
                "is already in this room",
            ),
            ({"name": "", "email": "", "role": "other"}, "This field is required."),
            ({"name": "Role", "email": "", "role": "king"}, "Select a valid choice."),
        ],
    )
    def test_bad_stakeholders_get_an_inline_error(self, seller, room, data, error):
        before = Stakeholder.objects.count()
        response = seller.post(url("buyer_add", room), data, **HTMX)
        assert response.status_code == 422
        assert error in response.content.decode()
        assert Stakeholder.objects.count() == before

    def test_a_colleague_added_to_the_seller_team_can_open_the_room(
        self, seller, client, world, room
    ):
        rep_membership = world.membership(world.rep)
        response = seller.post(
            url("seller_add", room), {"member": rep_membership.pk, "title": "SE"}
        )
        assert response.status_code == 302
        client.force_login(world.rep)
        assert client.get(url("room_detail", room)).status_code == 200

    def test_removing_a_colleague_from_the_team_closes_the_room_to_them(
        self, seller, client, world, room
    ):
        seller.post(url("seller_add", room), {"member": world.membership(world.rep).pk})
        stakeholder = room.stakeholders.get(user=world.rep)
        seller.post(url("stakeholder_remove", room, stakeholder_id=stakeholder.public_id))
        client.force_login(world.rep)
        assert client.get(url("room_detail", room)).status_code == 404

    def test_the_owner_cannot_be_removed(self, seller, room):
        owner = room.stakeholders.get(user=room.owner)
        seller.post(url("stakeholder_remove", room, stakeholder_id=owner.public_id))
        assert Stakeholder.objects.filter(pk=owner.pk).exists()

    def test_removing_a_buyer_leaves_their_tasks_unassigned(self, seller, room, task):
        buyer = room.stakeholders.get(email="bea@buyer-a1.example")
        task.owner, task.side = buyer, "buyer"
        task.save()
        seller.post(url("stakeholder_remove", room, stakeholder_id=buyer.public_id), **HTMX)
        task.refresh_from_db()
        assert (task.owner, task.side) == (None, "buyer")


class TestComments:
    def test_a_comment_on_a_task_and_an_internal_note_in_the_discussion(self, seller, room, task):
        seller.post(
            url("task_comment_add", room, task_id=task.public_id), {"body": "Done by Friday?"}
        )
        seller.post(url("room_comment_add", room), {"body": "Pricing notes", "is_internal": "on"})
        assert task.comments.get().body == "Done by Friday?"
        note = room.comments.get(task=None)
        assert note.is_internal
        detail = seller.get(url("task_detail", room, task_id=task.public_id)).content.decode()
        assert "Done by Friday?" in detail

    def test_an_empty_comment_is_refused(self, seller, room):
        response = seller.post(url("room_comment_add", room), {"body": "   "})
        assert response.status_code == 422
        assert not room.comments.exists()

    def test_comments_are_shown_as_written(self, seller, room):
        seller.post(url("room_comment_add", room), {"body": "<script>alert(1)</script>\nline two"})
        html = seller.get(url("room_detail", room)).content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>line two" in html


class TestStages:
    def test_marking_lost_needs_a_reason(self, seller, room):
        response = seller.post(url("room_stage", room), {"stage": "lost"})
        assert response.status_code == 422
        assert "Say why the deal was lost" in response.content.decode()
        room.refresh_from_db()
        assert room.stage == "active"

    def test_lost_with_a_reason_and_back_to_active(self, seller, room):
        seller.post(url("room_stage", room), {"stage": "lost", "lost_reason": "Budget frozen"})
        room.refresh_from_db()
        assert (room.stage, room.lost_reason) == ("lost", "Budget frozen")
        seller.post(url("room_stage", room), {"stage": "active"})
        room.refresh_from_db()
        assert (room.stage, room.lost_reason) == ("active", "")

    def test_a_won_room_keeps_its_plan_editable_for_onboarding(self, seller, room, task):
        seller.post(url("room_stage", room), {"stage": "won"})
        response = seller.post(url("task_toggle", room, task_id=task.public_id), **HTMX)
        assert response.status_code == 200
        milestone = room.milestones.get()
        seller.post(url("task_add", room, milestone_id=milestone.public_id), {"title": "Kickoff"})
        assert room.tasks.filter(title="Kickoff").exists()

    def test_the_room_list_filters_by_stage_and_searches_by_buyer(self, seller, world):
        RoomFactory(
            organisation=world.org_a, owner=world.owner, buyer_company="Won Co", stage="won"
        )
        html = seller.get(reverse("home")).content.decode()
        assert "Buyer A1" in html and "Won Co" not in html
        html = seller.get(reverse("home"), {"stage": "won"}).content.decode()
        assert "Won Co" in html and "Buyer A1" not in html
        html = seller.get(reverse("home"), {"stage": "any", "q": "won"}).content.decode()
        assert "Won Co" in html and "Buyer A1" not in html


class TestTemplates:
    def create(self, seller, **data):
        return seller.post(reverse("room_create"), {"buyer_company": "Initech", **data})

    def test_a_room_from_the_enterprise_template_counts_back_from_the_target(self, seller):
        target = datetime.date(2027, 6, 30)
        self.create(seller, template="enterprise", target_date=target.isoformat())
        room = Room.objects.get(buyer_company="Initech")
        spec = BUILTIN_TEMPLATES["enterprise"]
        assert room.milestones.count() == len(spec.milestones)
        assert room.tasks.count() == spec.task_count
        assert 20 <= spec.task_count <= 30
        last = room.milestones.order_by("-position").first()
        assert last.target_date == target
        first_task = spec.milestones[0].tasks[0]
        created = room.tasks.get(title=first_task.title)
        assert created.due_date == target + datetime.timedelta(days=first_task.offset)
        assert created.description == first_task.description
        assert room.tasks.filter(is_internal=True).exists()
        # Seller tasks belong to the room's owner; buyer tasks wait for a buyer.
        assert not room.tasks.filter(side="seller", owner=None).exists()
        assert not room.tasks.filter(side="buyer").exclude(owner=None).exists()

    def test_the_onboarding_template_counts_forward_from_the_start(self, seller):
        start = datetime.date(2027, 1, 4)
        self.create(
            seller, template="onboarding", target_date="2027-04-01", start_date=start.isoformat()
        )
        room = Room.objects.get(buyer_company="Initech")
        spec = BUILTIN_TEMPLATES["onboarding"]
        first = spec.milestones[0].tasks[0]
        assert room.tasks.get(title=first.title).due_date == start + datetime.timedelta(
            days=first.offset
        )

    def test_creating_from_a_template_is_all_or_nothing(self, world, monkeypatch):
        def boom(*args, **kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(Task.objects, "bulk_create", boom)
        rooms = Room.objects.count()
        with pytest.raises(RuntimeError):
            room_create(
                membership=world.membership(world.owner),
                buyer_company="Half",
                target_date=datetime.date(2027, 1, 1),
                template=BUILTIN_TEMPLATES["smb"],
            )
        assert Room.objects.count() == rooms
        assert not Milestone.objects.filter(room__buyer_company="Half").exists()

    def test_save_as_template_then_create_a_room_from_it(self, seller, room, task):
        task.due_date = room.target_date - datetime.timedelta(days=10)
        task.is_internal = True
        task.save()
        response = seller.post(url("room_save_as_template", room), {"name": "Our MAP"})
        template = Room.objects.get(is_template=True, name="Our MAP")
        assert response["Location"] == reverse("template_detail", args=[template.public_id])
        assert not template.stakeholders.exists()
        assert template.tasks.get().is_internal
        page = seller.get(response["Location"]).content.decode()
        assert "T−10" in page

        target = datetime.date(2028, 3, 1)
        self.create(seller, template=str(template.public_id), target_date=target.isoformat())
        copy = Room.objects.get(buyer_company="Initech").tasks.get()
        assert copy.due_date == target - datetime.timedelta(days=10)
        assert copy.title == task.title

    def test_templates_are_not_rooms_and_rooms_are_not_templates(self, seller, world):
        html = seller.get(reverse("home")).content.decode()
        assert "Template A" not in html
        assert (
            seller.get(reverse("room_detail", args=[world.template_a.public_id])).status_code == 404
        )
        assert (
            seller.get(reverse("template_detail", args=[world.room_a1.public_id])).status_code
            == 404
        )

    def test_a_rep_may_use_a_template_they_may_not_edit(self, client, world):
        client.force_login(world.rep)
        assert "Template A" in client.get(reverse("template_list")).content.decode()
        assert (
            client.get(reverse("template_detail", args=[world.template_a.public_id])).status_code
            == 404
        )
        response = client.post(
            reverse("room_create"),
            {
                "buyer_company": "Rep Co",
                "template": str(world.template_a.public_id),
                "target_date": "2027-05-01",
            },
        )
        assert response.status_code == 302

    def test_deleting_a_template(self, seller, world):
        seller.post(reverse("template_delete", args=[world.template_a.public_id]))
        assert not Room.objects.filter(pk=world.template_a.pk).exists()

    def test_a_room_cannot_be_deleted_as_a_template(self, seller, world):
        response = seller.post(reverse("template_delete", args=[world.room_a1.public_id]))
        assert response.status_code == 404
        assert Room.objects.filter(pk=world.room_a1.pk).exists()

    def test_an_unknown_template_is_a_field_error(self, seller):
        response = self.create(seller, template="nope", target_date="2027-01-01")
        assert response.status_code == 400
        assert "Select a valid choice." in response.content.decode()
        assert not Room.objects.filter(buyer_company="Initech").exists()

    def test_another_organisations_template_cannot_be_used(self, seller, world):
        foreign = RoomFactory(
            organisation=world.org_b, owner=world.outsider, is_template=True, name="B"
        )
        response = self.create(seller, template=str(foreign.public_id), target_date="2027-01-01")
        assert response.status_code == 400
        assert not Room.objects.filter(buyer_company="Initech").exists()


class TestFragments:
    def test_edit_forms_served_alone_post_to_the_right_room(self, seller, room, task):
        for name, ids in [
            ("task_edit", {"task_id": task.public_id}),
            ("milestone_edit", {"milestone_id": task.milestone.public_id}),
            (
                "stakeholder_edit",
                {"stakeholder_id": room.stakeholders.get(email="bea@buyer-a1.example").public_id},
            ),
        ]:
            html = seller.get(url(name, room, **ids), **HTMX).content.decode()
            assert f'action="{url(name, room, **ids)}"' in html, name

    def test_the_cached_plan_never_carries_another_persons_csrf_token(self, client, world, room):
        tokens = []
        for user in (world.owner, world.manager):
            client.force_login(user)
            html = client.get(url("room_detail", room)).content.decode()
            in_plan = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
            assert in_plan and CSRF_PLACEHOLDER not in html
            tokens.append(set(in_plan))
        assert tokens[0].isdisjoint(tokens[1])

    @pytest.mark.parametrize("case", PAGE_CHANGES, ids=lambda case: case.__name__)
    def test_a_change_to_anything_shown_is_seen_at_once(self, seller, world, room, task, case):
        """Each change made as the app makes it (through a service), once the page is cached:
        the service moves the room's content version, and the cached body is not served."""
        change, shown = case(world, room, task)
        assert not shown(seller.get(url("room_detail", room)).content.decode())
        change()
        assert shown(seller.get(url("room_detail", room)).content.decode())

    def test_an_edit_in_place_after_the_page_was_cached_answers_with_the_fresh_fragments(
        self, seller, room
    ):
        """The view read the room, and its content version, before the write moved it."""
        seller.get(url("room_detail", room))
        data = {"title": "Security review", "target_date": ""}
        html = seller.post(url("milestone_add", room), data, **HTMX).content.decode()
        assert "Security review" in _without_feed(html)
        data = {"name": "Eve Economic", "email": "eve@buyer.example", "role": "economic_buyer"}
        html = seller.post(url("buyer_add", room), data, **HTMX).content.decode()
        assert "Eve Economic" in _without_feed(html)

    def test_form_fields_have_unique_ids_on_the_room_page(self, seller, room):
        MilestoneFactory(room=room)
        html = seller.get(url("room_detail", room)).content.decode()
        ids = re.findall(r' id="([^"]+)"', html)
        assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_a_ticked_row_keeps_its_comment_count(client, world):
    client.force_login(world.owner)
    room = world.room_a1
    task = room.tasks.get()
    client.post(url("task_comment_add", room, task_id=task.public_id), {"body": "One"})
    html = client.post(url("task_toggle", room, task_id=task.public_id), **HTMX).content.decode()
    assert "1 comment" in html


def test_edit_forms_fill_date_inputs_in_the_format_browsers_read(client, world):
    client.force_login(world.owner)
    room = world.room_a1
    task = room.tasks.get()
    html = client.get(url("room_edit", room)).content.decode()
    assert f'value="{room.target_date.isoformat()}"' in html
    html = client.get(url("task_edit", room, task_id=task.public_id)).content.decode()
    assert f'value="{task.due_date.isoformat()}"' in html


def test_the_stage_menu_offers_each_stage_as_a_choice(client, world):
    client.force_login(world.owner)
    html = client.get(url("room_detail", world.room_a1)).content.decode()
    for stage in ["active", "won", "lost", "archived"]:
        assert f'type="radio" name="stage" value="{stage}"' in html


def test_a_templates_dates_are_offsets_and_never_overdue(client, world):
    template = world.template_a
    milestone = MilestoneFactory(room=template)
    TaskFactory(milestone=milestone, due_date=template.target_date - datetime.timedelta(days=400))
    client.force_login(world.owner)
    html = client.get(reverse("template_detail", args=[template.public_id])).content.decode()
    assert "T−400" in html
    assert "overdue" not in html


def test_a_template_takes_no_people_and_no_comments(client, world):
    client.force_login(world.owner)
    template = world.template_a
    response = client.post(url("buyer_add", template), {"name": "Nope", "role": "other"})
    assert response.status_code == 422
    assert "A template has no people" in response.content.decode()
    response = client.post(url("room_comment_add", template), {"body": "Nope"})
    assert response.status_code == 422
    assert not template.stakeholders.exists()
    assert not template.comments.exists()


def test_edits_in_place_refresh_the_activity_feed(client, world):
    client.force_login(world.owner)
    room = world.room_a1
    task = room.tasks.get()
    html = client.post(url("task_toggle", room, task_id=task.public_id), **HTMX).content.decode()
    assert re.search(r'<section[^>]* id="activity"[^>]* hx-swap-oob="true"', html)
    assert f"completed “{task.title}”" in html
    html = client.post(
        url("buyer_add", room), {"name": "Ola", "role": "other"}, **HTMX
    ).content.decode()
    assert "added Ola" in html


def test_a_new_task_is_ours_unless_said_otherwise(client, world):
    client.force_login(world.owner)
    room = world.room_a1
    milestone = room.milestones.get()
    page = client.get(url("room_detail", room)).content.decode()
    assert '<option value="side:seller" selected>' in page
    client.post(url("task_add", room, milestone_id=milestone.public_id), {"title": "Ours"})
    assert Task.objects.get(title="Ours").side == "seller"


def test_due_dates_in_another_year_show_the_year(client, world):
    client.force_login(world.owner)
    room = world.room_a1
    next_year = TODAY().replace(month=1, day=5, year=TODAY().year + 1)
    Task.objects.filter(room=room).update(due_date=next_year)
    html = client.get(url("room_detail", room)).content.decode()
    assert f"5 Jan {next_year.year}" in html


def test_a_templates_tasks_cannot_be_ticked(client, world):
    template = world.template_a
    task = TaskFactory(milestone=MilestoneFactory(room=template))
    client.force_login(world.owner)
    html = client.get(reverse("template_detail", args=[template.public_id])).content.decode()
    assert 'class="tick"' not in html
    assert client.post(url("task_toggle", template, task_id=task.public_id)).status_code == 404


def test_a_date_the_template_cannot_count_back_from_is_a_field_error(client, world):
    client.force_login(world.owner)
    response = client.post(
        reverse("room_create"),
        {"buyer_company": "Early", "template": "enterprise", "target_date": "0001-01-02"},
    )
    assert response.status_code == 400
    assert "Choose a date this plan" in response.content.decode()
    assert not Room.objects.filter(buyer_company="Early").exists()


def test_a_nul_byte_in_the_search_is_ignored(client, world):
    client.force_login(world.owner)
    assert client.get(reverse("home"), {"q": "Buyer\x00 A1"}).status_code == 200


def test_an_empty_post_is_a_form_with_errors_not_a_fresh_form(client, world):
    client.force_login(world.owner)
    response = client.post(url("room_edit", world.room_a1), {})
    assert response.status_code == 422
