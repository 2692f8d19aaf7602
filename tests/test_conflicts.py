"""No edit silently lost (rooms.conflicts): two people edit the same task, milestone, room details
or stakeholder; the second save is refused and shown what the first one saved, in the services,
the browser's forms and the API (ETag and If-Match)."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import Side
from activity.kinds import EventKind
from activity.models import Event
from plans.models import Milestone, Task
from plans.services import milestone_update, task_move, task_set_done, task_update
from rooms.access import room_access_for
from rooms.conflicts import EditConflict
from rooms.models import Room
from rooms.services import room_update_details
from stakeholders.models import Stakeholder
from stakeholders.services import stakeholder_update
from tests.api_helpers import client_for, v1
from tests.factories import TaskFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def room(world):
    return world.room_a1


@pytest.fixture
def by(world, room):
    return room_access_for(world.owner, room)


@pytest.fixture
def task(room):
    return room.tasks.get()


@pytest.fixture
def milestone(room):
    return room.milestones.get()


@pytest.fixture
def buyer(room):
    return room.stakeholders.get(side=Side.BUYER, name="Bea Buyer")


@pytest.fixture
def seller(client, world):
    client.force_login(world.owner)
    return client


def url(name, room, **ids):
    return reverse(name, kwargs={"room_id": room.public_id, **ids})


# The services -------------------------------------------------------------------------------


class TestServices:
    def test_every_task_edit_moves_its_version_on(self, by, task):
        task_update(task=task, by=by, title="First")
        task_update(task=task, by=by, title="Second", expected_version=2)
        assert Task.objects.get(pk=task.pk).version == 3

    def test_a_task_edit_of_an_older_version_is_refused_and_writes_nothing(self, by, task):
        task_update(task=Task.objects.get(pk=task.pk), by=by, title="Saved first")
        with pytest.raises(EditConflict) as refused:
            task_update(task=task, by=by, title="Saved second", expected_version=1)
        assert refused.value.current_version == 2
        saved = Task.objects.get(pk=task.pk)
        assert (saved.title, saved.version) == ("Saved first", 2)

    def test_a_task_edit_without_a_version_still_wins_as_before(self, by, task):
        task_update(task=Task.objects.get(pk=task.pk), by=by, title="Saved first")
        task_update(task=task, by=by, title="Saved second")
        assert Task.objects.get(pk=task.pk).title == "Saved second"

    def test_a_tick_makes_an_edit_form_opened_before_it_stale(self, by, task):
        task_set_done(task=Task.objects.get(pk=task.pk), done=True, by=by)
        with pytest.raises(EditConflict):
            task_update(task=task, by=by, status="todo", expected_version=1)
        assert Task.objects.get(pk=task.pk).is_done

    def test_two_ticks_from_one_stale_page_complete_the_task_once(self, by, task):
        """Two people tick an open task at once (each page read it open): the second finds it
        done, so it stays done, with one completion event (the load test found two)."""
        stale = Task.objects.get(pk=task.pk)
        task_set_done(task=task, done=not task.is_done, by=by)
        task_set_done(task=stale, done=not stale.is_done, by=by)
        saved = Task.objects.get(pk=task.pk)
        assert (saved.is_done, saved.version) == (True, 2)
        completed = Event.objects.filter(
            kind=EventKind.TASK_COMPLETED, data__task=str(task.public_id)
        )
        assert completed.count() == 1

    def test_a_task_edit_keeps_a_move_made_since_it_was_opened(self, by, milestone, task):
        TaskFactory(milestone=milestone, title="Second")
        assert task_move(task=Task.objects.get(pk=task.pk), direction="down", by=by)
        task_update(task=task, by=by, title="Renamed", expected_version=1)
        order = milestone.tasks.order_by("position", "pk").values_list("title", flat=True)
        assert list(order) == ["Second", "Renamed"]

    def test_a_milestone_edit_of_an_older_version_is_refused(self, by, milestone):
        milestone_update(milestone=Milestone.objects.get(pk=milestone.pk), by=by, title="One")
        with pytest.raises(EditConflict):
            milestone_update(milestone=milestone, by=by, title="Two", expected_version=1)
        assert Milestone.objects.get(pk=milestone.pk).title == "One"

    def test_a_room_details_edit_of_older_details_is_refused(self, world, room):
        room_update_details(by=room_access_for(world.owner, room), buyer_company="Globex")
        stale = room_access_for(world.owner, Room.objects.get(pk=room.pk))
        with pytest.raises(EditConflict):
            room_update_details(by=stale, buyer_company="Initech", expected_version=1)
        assert Room.objects.get(pk=room.pk).buyer_company == "Globex"

    def test_the_room_details_version_does_not_move_with_the_rest_of_the_room(self, by, room, task):
        task_set_done(task=task, done=True, by=by)
        room_update_details(by=by, buyer_company="Globex", expected_version=1)
        assert Room.objects.get(pk=room.pk).buyer_company == "Globex"

    def test_a_stakeholder_edit_of_an_older_version_is_refused(self, by, buyer):
        stakeholder_update(stakeholder=Stakeholder.objects.get(pk=buyer.pk), by=by, title="CFO")
        with pytest.raises(EditConflict):
            stakeholder_update(stakeholder=buyer, by=by, title="CTO", expected_version=1)
        assert Stakeholder.objects.get(pk=buyer.pk).title == "CFO"


@pytest.mark.django_db(transaction=True)
def test_of_ten_parallel_saves_against_the_same_version_one_wins(world):
    """The version is checked under the row's lock: two saves read in the same instant cannot
    both pass the check."""
    if connection.vendor != "postgresql":
        pytest.skip("parallel transactions need PostgreSQL (SQLite serialises writers)")
    task = world.room_a1.tasks.get()
    outcomes = []

    def save(number: int) -> None:
        try:
            by = room_access_for(world.owner, Room.objects.get(pk=world.room_a1.pk))
            mine = Task.objects.get(pk=task.pk)
            task_update(task=mine, by=by, title=f"Save {number}", expected_version=1)
            outcomes.append(f"Save {number}")
        except EditConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [outcome for outcome in outcomes if outcome != "conflict"]
    assert len(outcomes) == 10 and len(winners) == 1
    saved = Task.objects.get(pk=task.pk)
    assert (saved.title, saved.version) == (winners[0], 2)


# The browser's forms ------------------------------------------------------------------------


def task_post(task, **changes):
    return {
        "version": "1",
        "title": task.title,
        "owner_choice": f"side:{task.side}",
        "status": task.status,
        "milestone": task.milestone_id,
        "description": task.description,
        "due_date": task.due_date.isoformat() if task.due_date else "",
        **changes,
    }


class TestForms:
    def test_the_edit_form_carries_the_version_it_was_opened_with(self, seller, room, task):
        Task.objects.filter(pk=task.pk).update(version=7)
        response = seller.get(url("task_edit", room, task_id=task.public_id), **HTMX)
        assert 'type="hidden" name="version" value="7"' in response.content.decode()

    @pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "no javascript"])
    def test_a_stale_task_form_comes_back_with_both_values_and_saves_nothing(
        self, seller, by, room, task, headers
    ):
        task_update(task=Task.objects.get(pk=task.pk), by=by, title="Theirs")
        data = task_post(task, title="Mine")
        response = seller.post(url("task_edit", room, task_id=task.public_id), data, **headers)
        assert response.status_code == 409
        html = response.content.decode()
        assert "Someone else saved this after you opened it." in html
        assert 'value="Mine"' in html  # what they typed, in the field
        assert "Saved now:</span> Theirs" in html  # what is saved, beside it
        assert 'name="version" value="2"' in html  # saving again keeps theirs
        assert html.lstrip().startswith("<form") == bool(headers)
        assert Task.objects.get(pk=task.pk).title == "Theirs"

    def test_saving_the_conflict_form_again_keeps_what_they_typed(self, seller, by, room, task):
        task_update(task=Task.objects.get(pk=task.pk), by=by, title="Theirs")
        data = task_post(task, title="Mine", version="2")
        response = seller.post(url("task_edit", room, task_id=task.public_id), data, **HTMX)
        assert response.status_code == 200
        assert Task.objects.get(pk=task.pk).title == "Mine"

    def test_only_the_fields_that_differ_show_what_is_saved(self, seller, by, room, task):
        task_update(task=Task.objects.get(pk=task.pk), by=by, status="blocked")
        data = task_post(task, title="Mine")
        response = seller.post(url("task_edit", room, task_id=task.public_id), data, **HTMX)
        html = response.content.decode()
        assert "Saved now:</span> Blocked" in html
        assert f"Saved now:</span> {task.title}" in html
        assert html.count("Saved now:") == 2

    def test_a_stale_milestone_form_comes_back_with_both_values(self, seller, by, room, milestone):
        milestone_update(milestone=Milestone.objects.get(pk=milestone.pk), by=by, title="Theirs")
        data = {"version": "1", "title": "Mine", "target_date": "", "description": ""}
        edit = url("milestone_edit", room, milestone_id=milestone.public_id)
        response = seller.post(edit, data, **HTMX)
        assert response.status_code == 409
        assert "Saved now:</span> Theirs" in response.content.decode()
        assert Milestone.objects.get(pk=milestone.pk).title == "Theirs"

    def test_a_stale_stakeholder_form_comes_back_with_both_values(self, seller, by, room, buyer):
        stakeholder_update(stakeholder=Stakeholder.objects.get(pk=buyer.pk), by=by, title="CFO")
        data = {"version": "1", "name": buyer.name, "email": buyer.email, "title": "CTO"}
        data["role"] = buyer.role
        edit = url("stakeholder_edit", room, stakeholder_id=buyer.public_id)
        response = seller.post(edit, data, **HTMX)
        assert response.status_code == 409
        html = response.content.decode()
        assert 'value="CTO"' in html and "Saved now:</span> CFO" in html
        assert Stakeholder.objects.get(pk=buyer.pk).title == "CFO"

    def test_a_stale_room_details_form_comes_back_with_both_values(self, seller, by, room):
        room_update_details(by=by, buyer_company="Globex")
        form = seller.get(url("room_edit", room)).context["form"]
        data = {name: value for name, value in form.initial.items() if value is not None}
        data |= {"version": "1", "buyer_company": "Initech"}
        response = seller.post(url("room_edit", room), data)
        assert response.status_code == 409
        html = response.content.decode()
        assert 'value="Initech"' in html and "Saved now:</span> Globex" in html
        assert Room.objects.get(pk=room.pk).buyer_company == "Globex"


# The API ------------------------------------------------------------------------------------


def task_path(room, task):
    return v1(f"rooms/{room.public_id}/tasks/{task.public_id}/")


class TestApi:
    def test_reading_a_task_gives_its_version_as_etag(self, world, room, task):
        response = client_for(world, "owner").get(task_path(room, task))
        assert response.headers["ETag"] == '"1"'

    def test_a_write_with_the_current_etag_is_made(self, world, room, task):
        api = client_for(world, "owner")
        path = task_path(room, task)
        etag = api.get(path).headers["ETag"]
        response = api.patch(path, {"title": "Mine"}, format="json", HTTP_IF_MATCH=etag)
        assert response.status_code == 200
        assert response.headers["ETag"] == '"2"'
        assert Task.objects.get(pk=task.pk).title == "Mine"

    def test_a_write_with_a_stale_etag_answers_412_with_the_task_as_it_is(
        self, world, by, room, task
    ):
        api = client_for(world, "owner")
        path = task_path(room, task)
        etag = api.get(path).headers["ETag"]
        task_update(task=Task.objects.get(pk=task.pk), by=by, title="Theirs")
        response = api.patch(path, {"title": "Mine"}, format="json", HTTP_IF_MATCH=etag)
        assert response.status_code == 412
        assert response.json()["title"] == "Theirs"
        assert response.headers["ETag"] == '"2"'
        assert Task.objects.get(pk=task.pk).title == "Theirs"

    def test_a_write_without_if_match_is_made_whatever_changed(self, world, by, room, task):
        task_update(task=Task.objects.get(pk=task.pk), by=by, title="Theirs")
        response = client_for(world, "owner").patch(
            task_path(room, task), {"title": "Mine"}, format="json"
        )
        assert response.status_code == 200
        assert Task.objects.get(pk=task.pk).title == "Mine"

    @pytest.mark.parametrize("header", ['W/"1"', "1", "garbage"])
    def test_an_if_match_that_is_not_the_strong_etag_is_refused(self, world, room, task, header):
        response = client_for(world, "owner").patch(
            task_path(room, task), {"title": "Mine"}, format="json", HTTP_IF_MATCH=header
        )
        assert response.status_code == 412
        assert Task.objects.get(pk=task.pk).title != "Mine"

    def test_if_match_star_or_a_list_naming_the_etag_is_made(self, world, room, task):
        api = client_for(world, "owner")
        for header in ("*", '"9", "1"'):
            Task.objects.filter(pk=task.pk).update(version=1)
            response = api.patch(
                task_path(room, task), {"title": "Mine"}, format="json", HTTP_IF_MATCH=header
            )
            assert response.status_code == 200, header

    @pytest.mark.parametrize(
        ("path", "body", "model"),
        [
            ("milestones/{milestone}/", {"title": "Mine"}, Milestone),
            ("stakeholders/{buyer}/", {"title": "Mine"}, Stakeholder),
            ("", {"buyer_company": "Mine"}, Room),
        ],
        ids=["milestone", "stakeholder", "room"],
    )
    def test_milestones_people_and_room_details_answer_412_to_a_stale_etag(
        self, world, room, milestone, buyer, path, body, model
    ):
        api = client_for(world, "owner")
        ids = {"milestone": milestone.public_id, "buyer": buyer.public_id}
        full = v1(f"rooms/{room.public_id}/{path.format(**ids)}")
        etag = api.get(full).headers["ETag"]
        assert etag == '"1"'
        assert api.patch(full, body, format="json", HTTP_IF_MATCH=etag).status_code == 200
        stale = api.patch(full, {**body}, format="json", HTTP_IF_MATCH=etag)
        assert stale.status_code == 412
        assert stale.headers["ETag"] == '"2"'
