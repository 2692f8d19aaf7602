"""The REST API (issue 7): the browser's rules, for tokens and sessions alike."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Side
from activity.models import Event
from plans.models import Comment, Task
from rooms.models import Room
from tests.api_helpers import client_for, v1
from tests.factories import MilestoneFactory, ResourceFactory, RoomFactory, TaskFactory
from tests.test_resources import png


@pytest.fixture
def seller(world):
    return client_for(world, "owner")


@pytest.fixture
def buyer(world):
    return client_for(world, "buyer")


def room_url(room: Room, rest: str = "") -> str:
    return v1(f"rooms/{room.public_id}/{rest}")


def internal_things(room: Room, owner) -> dict:
    milestone = room.milestones.get()
    task = TaskFactory(milestone=milestone, title="Discount floor", is_internal=True)
    comment = Comment.objects.create(
        organisation=room.organisation, room=room, author=owner, body="Keep 5%", is_internal=True
    )
    resource = ResourceFactory(room=room, is_internal=True, created_by=owner)
    return {"task": task, "comment": comment, "resource": resource}


# Reading ---------------------------------------------------------------------------------------


def test_seller_lists_the_rooms_their_role_reaches(world, seller):
    rooms = seller.get(v1("rooms/")).json()
    names = {r["buyer_company"] for r in rooms["results"]}
    assert names == {"Buyer A1", "Buyer A2"}  # not organisation B's, not the template
    assert rooms["count"] == 2
    assert all(r["your_side"] == "seller" for r in rooms["results"])


def test_rep_lists_only_rooms_they_own_or_are_on_the_team_of(world):
    assert client_for(world, "rep").get(v1("rooms/")).json()["count"] == 0


def test_buyer_sees_their_room_without_seller_only_fields(world, buyer):
    world.room_a1.deal_value = 50000
    world.room_a1.save()
    rooms = buyer.get(v1("rooms/")).json()["results"]
    assert [r["buyer_company"] for r in rooms] == ["Buyer A1"]
    assert rooms[0]["your_side"] == "buyer"
    for field in ("deal_value", "currency", "lost_reason"):
        assert field not in rooms[0]
    detail = buyer.get(room_url(world.room_a1)).json()
    assert "deal_value" not in detail
    assert (
        client_for(world, "owner").get(room_url(world.room_a1)).json()["deal_value"] == "50000.00"
    )


def test_buyer_never_sees_internal_tasks_comments_or_resources(world, buyer, seller):
    hidden = internal_things(world.room_a1, world.owner)
    tasks = buyer.get(room_url(world.room_a1, "tasks/")).json()["results"]
    assert hidden["task"].title not in {t["title"] for t in tasks}
    assert all("is_internal" not in t for t in tasks)
    assert (
        buyer.get(room_url(world.room_a1, f"tasks/{hidden['task'].public_id}/")).status_code == 404
    )
    assert buyer.get(room_url(world.room_a1, "comments/")).json()["count"] == 0
    comment = hidden["comment"].public_id
    assert buyer.get(room_url(world.room_a1, f"comments/{comment}/")).status_code == 404
    assert buyer.get(room_url(world.room_a1, "resources/")).json()["count"] == 0
    resource = hidden["resource"].public_id
    assert buyer.get(room_url(world.room_a1, f"resources/{resource}/")).status_code == 404
    # the seller sees all three
    assert seller.get(room_url(world.room_a1, "tasks/")).json()["count"] == 2
    assert seller.get(room_url(world.room_a1, "comments/")).json()["count"] == 1
    assert seller.get(room_url(world.room_a1, "resources/")).json()["count"] == 1


@pytest.mark.parametrize("persona", ["outsider", "rep", "other_buyer", "revoked_buyer"])
def test_people_outside_the_room_get_404_everywhere_in_it(world, persona):
    client = client_for(world, persona)
    task = world.room_a1.tasks.get()
    for path in (
        "",
        "tasks/",
        f"tasks/{task.public_id}/",
        "milestones/",
        "stakeholders/",
        "comments/",
        "resources/",
    ):
        assert client.get(room_url(world.room_a1, path)).status_code == 404, path
    response = client.post(room_url(world.room_a1, f"tasks/{task.public_id}/tick/"), {"done": True})
    assert response.status_code == 404
    assert client.patch(room_url(world.room_a1), {"buyer_company": "Mine"}).status_code == 404
    assert not task.__class__.objects.get(pk=task.pk).is_done


def test_outsider_cannot_reach_another_organisation(world):
    client = client_for(world, "outsider")
    assert client.get(v1(f"organisations/{world.org_a.public_id}/")).status_code == 404
    orgs = client.get(v1("organisations/")).json()
    assert [o["name"] for o in orgs] == ["Organisation B"]


def test_events_are_the_sellers_and_filter_by_room_kind_and_time(world, seller, buyer):
    task = world.room_a1.tasks.get()
    assert (
        seller.post(
            room_url(world.room_a1, f"tasks/{task.public_id}/tick/"), {"done": True}, format="json"
        ).status_code
        == 200
    )
    RoomFactory(organisation=world.org_b, owner=world.outsider)
    events = seller.get(v1("events/"), {"room": world.room_a1.public_id}).json()["results"]
    assert [e["kind"] for e in events] == ["task.completed"]
    assert seller.get(v1("events/"), {"kind": "room.created"}).json()["count"] == 0
    later = (timezone.now() + timedelta(minutes=1)).isoformat()
    assert seller.get(v1("events/"), {"created_after": later}).json()["count"] == 0
    assert seller.get(v1("events/"), {"created_before": later}).json()["count"] == 1
    assert buyer.get(v1("events/")).json()["count"] == 0  # no activity feed for buyers
    assert client_for(world, "outsider").get(v1("events/")).json()["count"] == 0


def test_templates_list_builtins_and_the_organisations_own(world, seller, buyer):
    templates = seller.get(v1("templates/")).json()["results"]
    ids = [t["id"] for t in templates]
    assert {"enterprise", "smb", "onboarding"} <= set(ids)
    assert str(world.template_a.public_id) in ids
    assert buyer.get(v1("templates/")).status_code == 404  # as the browser: members only
    outsider = client_for(world, "outsider").get(v1("templates/")).json()["results"]
    assert str(world.template_a.public_id) not in {t["id"] for t in outsider}


# The README's example --------------------------------------------------------------------------


def test_create_a_room_from_a_template_and_tick_a_task(world, seller):
    key = next(
        t["id"] for t in seller.get(v1("templates/")).json()["results"] if t["organisation"] is None
    )
    response = seller.post(
        v1("rooms/"),
        {"buyer_company": "Globex", "target_date": "2027-03-01", "template": key},
        format="json",
    )
    assert response.status_code == 201, response.json()
    room = response.json()
    tasks = seller.get(v1(f"rooms/{room['id']}/tasks/"), {"side": "seller"}).json()["results"]
    assert tasks
    ticked = seller.post(
        v1(f"rooms/{room['id']}/tasks/{tasks[0]['id']}/tick/"), {"done": True}, format="json"
    )
    assert ticked.status_code == 200
    assert ticked.json()["status"] == "done"


# Writes as the browser allows them -------------------------------------------------------------


def test_buyer_ticks_buyer_side_tasks_but_not_the_sellers(world, buyer):
    seller_task = world.room_a1.tasks.get()
    buyer_task = TaskFactory(milestone=seller_task.milestone, side=Side.BUYER)
    url = room_url(world.room_a1, "tasks/{}/tick/")
    assert buyer.post(url.format(seller_task.public_id), {"done": True}).status_code == 403
    assert buyer.post(url.format(buyer_task.public_id), {"done": True}).status_code == 200
    buyer_task.refresh_from_db()
    assert buyer_task.is_done


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("patch", "", {"buyer_company": "Taken over"}),
        ("post", "stage/", {"stage": "won"}),
        ("post", "milestones/", {"title": "Ours"}),
        ("post", "stakeholders/sellers/", {"email": "manager@a.example"}),
        ("post", "save-as-template/", {"name": "Copied"}),
    ],
)
def test_buyer_gets_403_for_seller_only_writes(world, buyer, method, path, body):
    response = getattr(buyer, method)(room_url(world.room_a1, path), body, format="json")
    assert response.status_code == 403
    assert response.json()["detail"]


def test_buyer_may_not_make_anything_internal(world, buyer):
    milestone = world.room_a1.milestones.get()
    response = buyer.post(
        room_url(world.room_a1, "tasks/"),
        {"milestone": str(milestone.public_id), "title": "Secret", "is_internal": True},
        format="json",
    )
    assert response.status_code == 403
    response = buyer.post(
        room_url(world.room_a1, "comments/"), {"body": "psst", "is_internal": True}, format="json"
    )
    assert response.status_code == 403
    assert not Task.objects.filter(title="Secret").exists()


def test_buyer_adds_tasks_for_their_own_side_only(world, buyer):
    milestone = world.room_a1.milestones.get()
    url = room_url(world.room_a1, "tasks/")
    mine = buyer.post(url, {"milestone": str(milestone.public_id), "title": "Ours"}, format="json")
    assert mine.status_code == 201
    assert mine.json()["side"] == "buyer"
    theirs = buyer.post(
        url,
        {"milestone": str(milestone.public_id), "title": "Yours", "side": "seller"},
        format="json",
    )
    assert theirs.status_code == 400
    assert "owner" in theirs.json()
    seller_person = world.room_a1.stakeholders.get(side=Side.SELLER)
    theirs = buyer.post(
        url,
        {
            "milestone": str(milestone.public_id),
            "title": "Yours",
            "owner": str(seller_person.public_id),
        },
        format="json",
    )
    assert theirs.status_code == 400
    assert "owner" in theirs.json()


def test_buyer_removes_only_what_they_shared(world, buyer):
    theirs = ResourceFactory(room=world.room_a1, created_by=world.owner)
    mine = ResourceFactory(room=world.room_a1, created_by=world.buyer)
    assert (
        buyer.delete(room_url(world.room_a1, f"resources/{theirs.public_id}/")).status_code == 403
    )
    assert buyer.delete(room_url(world.room_a1, f"resources/{mine.public_id}/")).status_code == 204


def test_files_upload_and_download_through_the_access_check(world, seller, buyer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("pixel.png", png(), content_type="image/png")
    response = seller.post(
        room_url(world.room_a1, "resources/files/"),
        {"file": upload, "title": "Pixel"},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    resource = response.json()
    assert resource["content_type"] == "image/png"
    download = buyer.get(resource["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == png()
    assert download["X-Content-Type-Options"] == "nosniff"
    outsider = client_for(world, "outsider")
    assert outsider.get(resource["download_url"]).status_code == 404
    link = seller.post(
        room_url(world.room_a1, "resources/links/"),
        {"url": "https://example.com/deck", "title": "Deck"},
        format="json",
    )
    assert link.status_code == 201
    follow = buyer.get(link.json()["download_url"])
    assert follow.status_code == 302
    assert follow["Location"] == "https://example.com/deck"


def test_a_fake_file_is_refused_by_its_content(world, seller):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("evil.png", b"<svg onload=alert(1)>", content_type="image/png")
    response = seller.post(
        room_url(world.room_a1, "resources/files/"), {"file": upload}, format="multipart"
    )
    assert response.status_code == 400
    assert "file" in response.json() or "non_field_errors" in response.json()
    assert not world.room_a1.resources.exists()


def test_a_buyer_adds_a_colleague_within_the_rooms_rule(world, buyer, mailoutbox):
    url = room_url(world.room_a1, "stakeholders/")
    response = buyer.post(
        url, {"name": "Cole League", "email": "cole@buyer-a1.example"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["access_state"] == "invited"
    world.room_a1.buyer_invites = "off"
    world.room_a1.save()
    response = buyer.post(url, {"name": "Nope", "email": "nope@buyer-a1.example"}, format="json")
    assert response.status_code == 400


def test_seller_manages_the_plan(world, seller):
    milestones = room_url(world.room_a1, "milestones/")
    created = seller.post(
        milestones, {"title": "Legal", "target_date": "2027-01-31"}, format="json"
    )
    assert created.status_code == 201
    mid = created.json()["id"]
    changed = seller.patch(f"{milestones}{mid}/", {"title": "Legal review"}, format="json")
    assert changed.json()["title"] == "Legal review"
    assert changed.json()["target_date"] == "2027-01-31"
    moved = seller.post(f"{milestones}{mid}/move/", {"direction": "up"}, format="json")
    assert moved.status_code == 200
    task = world.room_a1.tasks.get()
    url = room_url(world.room_a1, f"tasks/{task.public_id}/")
    patched = seller.patch(url, {"milestone": mid, "status": "blocked"}, format="json")
    assert patched.status_code == 200, patched.json()
    assert patched.json()["milestone"] == mid
    assert patched.json()["status"] == "blocked"
    assert seller.delete(url).status_code == 204
    assert seller.delete(f"{milestones}{mid}/").status_code == 204


# Bad input -------------------------------------------------------------------------------------


def test_wrong_types_missing_and_unknown_fields_are_400_with_field_errors(world, seller):
    url = room_url(world.room_a1, "milestones/")
    response = seller.post(url, {"title": ["a list"], "target_date": "not a date"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"title", "target_date"}
    response = seller.post(url, {}, format="json")
    assert response.json() == {"title": ["This field is required."]}
    response = seller.post(url, {"title": "Fine", "colour": "red"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"colour": ["Unknown field."]}
    assert world.room_a1.milestones.count() == 1


def test_malformed_json_is_400(world, seller):
    response = seller.generic(
        "POST", room_url(world.room_a1, "milestones/"), "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert "detail" in response.json()


def test_a_huge_body_is_413_and_saves_nothing(world, seller, settings):
    body = json.dumps({"title": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)})
    response = seller.generic(
        "POST", room_url(world.room_a1, "milestones/"), body, content_type="application/json"
    )
    assert response.status_code == 413
    assert world.room_a1.milestones.count() == 1


def test_ids_of_another_rooms_objects_in_bodies_are_field_errors(world, seller):
    task = world.room_a1.tasks.get()
    other_milestone = MilestoneFactory(room=world.room_b1)
    other_room_person = world.room_a2.stakeholders.get()
    url = room_url(world.room_a1, f"tasks/{task.public_id}/")
    moved = seller.patch(url, {"milestone": str(other_milestone.public_id)}, format="json")
    assert moved.status_code == 400
    assert "milestone" in moved.json()
    owned = seller.patch(url, {"owner": str(other_room_person.public_id)}, format="json")
    assert owned.status_code == 400
    assert "owner" in owned.json()
    task.refresh_from_db()
    assert task.milestone.room_id == world.room_a1.pk
    assert task.owner is None
    comment = seller.post(
        room_url(world.room_a1, "comments/"),
        {"body": "hi", "task": str(TaskFactory(milestone=other_milestone).public_id)},
        format="json",
    )
    assert comment.status_code == 400
    assert "task" in comment.json()


def test_ids_of_another_organisations_objects_in_urls_are_404(world, seller):
    other_task = TaskFactory(milestone=MilestoneFactory(room=world.room_b1))
    assert seller.get(room_url(world.room_b1)).status_code == 404
    url = room_url(world.room_a1, f"tasks/{other_task.public_id}/")  # a real task, wrong room
    assert seller.get(url).status_code == 404
    assert seller.patch(url, {"title": "Mine now"}, format="json").status_code == 404
    other_task.refresh_from_db()
    assert other_task.title != "Mine now"


def test_a_failed_request_leaves_nothing_half_saved(world, seller):
    """A template's plan that cannot be dated fails after the room row was written: the
    transaction takes the room back with it."""
    before = Room.objects.count()
    response = seller.post(
        v1("rooms/"),
        {"buyer_company": "Far", "target_date": "0001-01-05", "template": "enterprise"},
        format="json",
    )
    assert response.status_code == 400
    assert Room.objects.count() == before
    assert not Event.objects.filter(kind="room.created").exists()


def test_room_creation_needs_an_organisation_you_are_in(world, buyer, seller):
    body = {"buyer_company": "Initech", "target_date": "2027-01-01"}
    assert buyer.post(v1("rooms/"), body, format="json").status_code == 404
    response = seller.post(
        v1("rooms/"), body | {"organisation": str(world.org_b.public_id)}, format="json"
    )
    assert response.status_code == 400
    assert "organisation" in response.json()
    response = seller.post(v1("rooms/"), body | {"template": "no-such-template"}, format="json")
    assert response.status_code == 400
    assert "template" in response.json()


# Sessions --------------------------------------------------------------------------------------


def test_the_browsers_session_works_with_its_csrf_token(world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.owner)
    assert client.get(v1("rooms/")).status_code == 200
    url = room_url(world.room_a1, "milestones/")
    assert client.post(url, {"title": "No token"}, format="json").status_code == 403
    client.get("/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(url, {"title": "With token"}, format="json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201


def test_anonymous_requests_are_401(world):
    response = APIClient().get(v1("rooms/"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_one_transaction_per_request_even_when_the_error_comes_after_a_write(
    world, seller, monkeypatch
):
    """A write followed by a refusal in the same request keeps nothing: the API's transaction
    wraps the whole request, not only each service."""
    from django.core.exceptions import ValidationError

    import api.views.plan
    from plans.services import milestone_create

    def create_then_refuse(**kwargs):
        milestone_create(**kwargs)
        raise ValidationError({"title": "Refused after the write."})

    monkeypatch.setattr(api.views.plan, "milestone_create", create_then_refuse)
    response = seller.post(room_url(world.room_a1, "milestones/"), {"title": "Ghost"})
    assert response.status_code == 400
    assert response.json() == {"title": ["Refused after the write."]}
    assert not world.room_a1.milestones.filter(title="Ghost").exists()
    assert not Event.objects.filter(kind="milestone.created").exists()


def test_a_file_over_the_limit_is_refused_without_being_kept(world, seller, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    settings.RESOURCE_MAX_BYTES = 100
    upload = SimpleUploadedFile("big.png", png() + b"\0" * 200, content_type="image/png")
    response = seller.post(
        room_url(world.room_a1, "resources/files/"), {"file": upload}, format="multipart"
    )
    assert response.status_code == 400
    assert "larger than" in response.json()["file"][0]
    assert not world.room_a1.resources.exists()
    assert not any(tmp_path.rglob("*"))


@pytest.mark.parametrize(
    "moment",
    ["0525-04-09T16:15:54+21:32", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00"],
)
def test_event_times_with_any_offset_are_an_answer_not_an_error(world, seller, moment):
    """Found by schemathesis on PostgreSQL: offsets beyond ±15:59 and times outside UTC's years."""
    response = seller.get(v1("events/"), {"created_before": moment})
    assert response.status_code in {200, 400}


def test_buyer_sees_no_sellers_email_address(world, buyer, seller):
    room = buyer.get(room_url(world.room_a1)).json()
    assert room["owner"] == {"name": world.owner.get_full_name()}
    people = buyer.get(room_url(world.room_a1, "stakeholders/"), {"side": "seller"}).json()
    assert [p["email"] for p in people["results"]] == [""]
    assert seller.get(room_url(world.room_a1)).json()["owner"]["email"] == "owner@a.example"


def test_a_templates_plan_is_edited_like_a_rooms(world, seller, buyer):
    template = world.template_a
    url = v1(f"rooms/{template.public_id}/milestones/")
    created = seller.post(url, {"title": "Kick-off", "target_date": "2027-01-10"})
    assert created.status_code == 201
    task = seller.post(
        v1(f"rooms/{template.public_id}/tasks/"),
        {"milestone": created.json()["id"], "title": "Book the call"},
    )
    assert task.status_code == 201
    tick = v1(f"rooms/{template.public_id}/tasks/{task.json()['id']}/tick/")
    assert seller.post(tick, {"done": True}).status_code == 404  # a template's tasks are never done
    assert buyer.get(url).status_code == 404
    assert seller.get(v1(f"rooms/{template.public_id}/")).status_code == 404  # not a room
    assert seller.get(v1(f"rooms/{template.public_id}/comments/")).status_code == 404
