"""Who may do and set what lives in the services (plans, stakeholders, rooms): the same rule,
and the same answer, whether the browser or the API asks, and when a service is called with no
view at all."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import Side
from activity.models import Event
from plans.models import Comment, Status, Task
from plans.services import (
    comment_create,
    milestone_create,
    task_create,
    task_delete,
    task_set_done,
    task_update,
)
from rooms.access import RoomAccess, room_access_for
from rooms.models import Room
from rooms.resource_services import resource_add_link, resource_delete, resource_move
from rooms.services import room_set_stage
from stakeholders.services import (
    buyer_invite,
    buyer_revoke,
    stakeholder_add_buyer,
    stakeholder_move,
    stakeholder_remove,
    stakeholder_update,
)
from tests.api_helpers import client_for, v1
from tests.factories import ResourceFactory, TaskFactory

REFUSED = "Only the seller's team can mark something internal."


def page(name: str, room: Room, **ids) -> str:
    return reverse(name, kwargs={"room_id": room.public_id, **ids})


def api(room: Room, rest: str) -> str:
    return v1(f"rooms/{room.public_id}/{rest}")


@pytest.fixture
def browser(world) -> Client:
    client = Client()
    client.force_login(world.buyer)
    return client


@pytest.fixture
def as_buyer(world) -> RoomAccess:
    return room_access_for(world.buyer, world.room_a1)


@pytest.fixture
def as_seller(world) -> RoomAccess:
    return room_access_for(world.owner, world.room_a1)


# One rule, both faces ---------------------------------------------------------------------------


def test_a_buyers_internal_comment_is_refused_in_the_browser_and_the_api(world, browser):
    room = world.room_a1
    body = {"body": "Only for the seller", "is_internal": "on"}
    assert browser.post(page("room_comment_add", room), body).status_code == 403
    response = client_for(world, "buyer").post(
        api(room, "comments/"), {"body": "Only for the seller", "is_internal": True}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["detail"] == REFUSED
    assert not Comment.objects.exists()
    assert not Event.objects.filter(kind="comment.created").exists()


def test_a_buyers_internal_task_is_refused_in_the_browser_and_the_api(world, browser):
    room = world.room_a1
    milestone = room.milestones.get()
    data = {"title": "Hidden", "owner_choice": "side:buyer", "is_internal": "on"}
    path = page("task_add", room, milestone_id=milestone.public_id)
    assert browser.post(path, data).status_code == 403
    body = {"milestone": str(milestone.public_id), "title": "Hidden", "is_internal": True}
    response = client_for(world, "buyer").post(api(room, "tasks/"), body, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == REFUSED
    assert not Task.objects.filter(title="Hidden").exists()


def test_a_buyers_internal_link_is_refused_in_the_browser_and_the_api(world, browser):
    room = world.room_a1
    data = {"url": "https://buyer.example/notes", "is_internal": "on"}
    assert browser.post(page("resource_add_link", room), data).status_code == 403
    body = {"url": "https://buyer.example/notes", "is_internal": True}
    response = client_for(world, "buyer").post(api(room, "resources/links/"), body, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == REFUSED
    assert not room.resources.exists()


def test_a_buyer_giving_work_to_the_seller_is_a_field_error_on_both_faces(world, browser):
    room = world.room_a1
    milestone = room.milestones.get()
    path = page("task_add", room, milestone_id=milestone.public_id)
    response = browser.post(path, {"title": "Yours", "owner_choice": "side:seller"})
    assert response.status_code == 422
    assert "Choose someone on your side" in response.content.decode().replace("&#x27;", "'")
    body = {"milestone": str(milestone.public_id), "title": "Yours", "side": "seller"}
    response = client_for(world, "buyer").post(api(room, "tasks/"), body, format="json")
    assert response.status_code == 400
    assert response.json()["owner"] == [
        "Choose someone on your side: the seller's team plans its own work."
    ]
    assert not Task.objects.filter(title="Yours").exists()


# The services, called directly -------------------------------------------------------------------


def test_a_buyers_task_is_on_the_buyers_side_unless_they_say_otherwise(world, as_buyer):
    milestone = world.room_a1.milestones.get()
    task = task_create(milestone=milestone, by=as_buyer, title="Loop in IT")
    assert (task.side, task.is_internal, task.owner) == (Side.BUYER, False, None)
    event = Event.objects.get(kind="task.created")
    assert (event.actor, event.actor_side) == (world.buyer, "buyer")


def test_the_task_service_keeps_a_buyer_to_their_own_side(world, as_buyer):
    milestone = world.room_a1.milestones.get()
    seller_person = world.room_a1.stakeholders.get(side=Side.SELLER)
    with pytest.raises(ValidationError) as caught:
        task_create(milestone=milestone, by=as_buyer, title="Yours", side=Side.SELLER)
    assert list(caught.value.message_dict) == ["owner"]
    with pytest.raises(ValidationError):
        task_create(milestone=milestone, by=as_buyer, title="Yours", owner=seller_person)
    with pytest.raises(PermissionDenied):
        task_create(milestone=milestone, by=as_buyer, title="Yours", is_internal=True)
    assert not Task.objects.filter(title="Yours").exists()


def test_a_buyer_cannot_change_or_tick_the_sellers_tasks_through_the_service(world, as_buyer):
    ours = world.room_a1.tasks.get()  # the seller's
    assert ours.side == Side.SELLER
    with pytest.raises(PermissionDenied):
        task_update(task=ours, by=as_buyer, title="Mine now")
    with pytest.raises(PermissionDenied):
        task_set_done(task=ours, done=True, by=as_buyer)
    ours.refresh_from_db()
    assert (ours.title, ours.status) == ("Agree the success criteria", Status.TODO)


def test_a_buyer_cannot_hand_their_task_to_the_seller_or_hide_it(world, as_buyer):
    theirs = TaskFactory(milestone=world.room_a1.milestones.get(), side=Side.BUYER)
    with pytest.raises(ValidationError):
        task_update(task=theirs, by=as_buyer, side=Side.SELLER)
    with pytest.raises(PermissionDenied):
        task_update(task=theirs, by=as_buyer, is_internal=True)
    theirs.refresh_from_db()
    assert (theirs.side, theirs.is_internal) == (Side.BUYER, False)


def test_a_buyers_internal_note_is_refused_by_the_comment_service(world, as_buyer):
    with pytest.raises(PermissionDenied):
        comment_create(by=as_buyer, body="psst", is_internal=True)
    comment = comment_create(by=as_buyer, body="Hello")
    assert (comment.author, comment.is_internal) == (world.buyer, False)


def test_seller_only_services_refuse_a_buyer(world, as_buyer):
    room = world.room_a1
    task = room.tasks.get()
    bea = room.stakeholders.get(user=world.buyer)
    refused = [
        lambda: milestone_create(by=as_buyer, title="Ours"),
        lambda: task_delete(task=task, by=as_buyer),
        lambda: stakeholder_add_buyer(by=as_buyer, name="Someone"),
        lambda: buyer_invite(stakeholder=bea, by=as_buyer),
        lambda: room_set_stage(by=as_buyer, stage="won"),
        lambda: resource_move(resource=ResourceFactory(room=room), direction="up", by=as_buyer),
    ]
    for call in refused:
        with pytest.raises(PermissionDenied):
            call()
    assert room.milestones.count() == 1 and room.tasks.exists()


def test_a_partial_task_update_changes_only_what_is_given(world, as_seller):
    bea = world.room_a1.stakeholders.get(user=world.buyer)
    task = TaskFactory(milestone=world.room_a1.milestones.get(), owner=bea, side=Side.BUYER)
    task_update(task=task, by=as_seller, title="Renamed")
    task.refresh_from_db()
    assert (task.title, task.owner, task.side, task.status) == ("Renamed", bea, "buyer", "todo")
    task_update(task=task, by=as_seller, owner=None)  # unassigned, on the side it was on
    task.refresh_from_db()
    assert (task.owner, task.side) == (None, "buyer")
    task_update(task=task, by=as_seller, side=Side.SELLER)
    task.refresh_from_db()
    assert (task.owner, task.side) == (None, "seller")


def test_a_seller_may_mark_things_internal(world, as_seller):
    link = resource_add_link(by=as_seller, url="https://a.example/m", title="M", is_internal=True)
    note = comment_create(by=as_seller, body="Margins", is_internal=True)
    assert link.is_internal and note.is_internal
    assert set(Event.objects.values_list("actor_side", flat=True)) == {"seller"}


def test_a_partial_room_update_through_the_api_changes_only_what_is_given(world):
    room = world.room_a1
    seller = client_for(world, "owner")
    before = (room.buyer_company, room.target_date)
    response = seller.patch(api(room, ""), {"business_goal": "Go live"}, format="json")
    assert response.status_code == 200
    room.refresh_from_db()
    assert (room.business_goal, (room.buyer_company, room.target_date)) == ("Go live", before)
    response = seller.patch(api(room, ""), {"buyer_invites": "domains"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"buyer_domains": ["Name at least one domain, e.g. globex.com."]}
    body = {"buyer_invites": "domains", "buyer_domains": "@Globex.com, globex.co.uk"}
    assert seller.patch(api(room, ""), body, format="json").status_code == 200
    room.refresh_from_db()
    assert room.allowed_buyer_domains == ["globex.com", "globex.co.uk"]


def test_a_service_refuses_an_object_of_another_room_than_its_access(world, as_seller):
    """What a service changes is reached through the access; something from another room is a
    caller's bug, refused before anything is written (no stray event, no stale page)."""
    other = world.room_a2
    foreign_person = other.stakeholders.filter(side=Side.BUYER).first()
    foreign_file = ResourceFactory(room=other)
    events = Event.objects.count()
    calls = [
        lambda: stakeholder_update(stakeholder=foreign_person, by=as_seller, name="Zed"),
        lambda: stakeholder_remove(stakeholder=foreign_person, by=as_seller),
        lambda: stakeholder_move(stakeholder=foreign_person, direction="up", by=as_seller),
        lambda: buyer_invite(stakeholder=foreign_person, by=as_seller),
        lambda: buyer_revoke(stakeholder=foreign_person, by=as_seller),
        lambda: resource_delete(resource=foreign_file, by=as_seller),
        lambda: resource_move(resource=foreign_file, direction="up", by=as_seller),
        lambda: task_update(task=TaskFactory(room=other), by=as_seller, title="Zed"),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="outside the room"):
            call()
    foreign_person.refresh_from_db()
    assert foreign_person.name != "Zed"
    assert other.resources.filter(pk=foreign_file.pk).exists()
    assert Event.objects.count() == events
