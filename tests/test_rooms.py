import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from rooms.markdown import render_markdown
from rooms.models import Room
from tests.factories import RoomFactory

pytestmark = pytest.mark.django_db


def future(days=30) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def test_a_seller_creates_a_room_and_lands_in_it(client, world):
    client.force_login(world.rep)
    response = client.post(
        reverse("room_create"), {"buyer_company": "  Initrode  ", "target_date": future()}
    )
    room = Room.objects.get(buyer_company="Initrode")
    assert response["Location"] == reverse("room_detail", args=[room.public_id])
    assert (room.organisation, room.owner) == (world.org_a, world.rep)
    assert "Initrode" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"buyer_company": "", "target_date": future()}, "This field is required."),
        ({"buyer_company": "   ", "target_date": future()}, "This field is required."),
        ({"buyer_company": "x" * 201, "target_date": future()}, "at most 200 characters"),
        ({"buyer_company": "Initrode", "target_date": "next tuesday"}, "Enter a valid date."),
        ({"buyer_company": "Initrode", "target_date": ""}, "This field is required."),
    ],
)
def test_bad_rooms_get_a_field_error_and_create_nothing(client, world, data, error):
    client.force_login(world.owner)
    before = Room.objects.count()
    response = client.post(reverse("room_create"), data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert Room.objects.count() == before


def test_a_target_date_in_the_past_is_allowed_with_a_warning(client, world):
    client.force_login(world.owner)
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    response = client.post(
        reverse("room_create"), {"buyer_company": "Late Co", "target_date": yesterday}, follow=True
    )
    assert "The target date is in the past" in response.content.decode()
    assert Room.objects.filter(buyer_company="Late Co").exists()


def test_buyer_names_are_shown_as_written(client, world):
    RoomFactory(organisation=world.org_a, owner=world.owner, buyer_company="<b>Bold</b> שלום")
    client.force_login(world.owner)
    html = client.get("/").content.decode()
    assert "&lt;b&gt;Bold&lt;/b&gt; שלום" in html


def test_a_rep_sees_only_the_rooms_they_own_or_are_on_the_team_of(client, world):
    mine = RoomFactory(organisation=world.org_a, owner=world.rep, buyer_company="Rep Owns")
    team = RoomFactory(organisation=world.org_a, owner=world.owner, buyer_company="Rep Helps")
    team.seller_team.add(world.rep)
    client.force_login(world.rep)
    html = client.get("/").content.decode()
    assert "Rep Owns" in html
    assert "Rep Helps" in html
    assert "Buyer A1" not in html
    assert client.get(reverse("room_detail", args=[team.public_id])).status_code == 200
    assert client.get(reverse("room_detail", args=[mine.public_id])).status_code == 200
    assert client.get(reverse("room_detail", args=[world.room_a1.public_id])).status_code == 404


def test_managers_see_every_room_of_their_organisation_and_none_other(client, world):
    client.force_login(world.manager)
    html = client.get("/").content.decode()
    assert "Buyer A1" in html
    assert "Buyer B1" not in html
    assert client.get(reverse("room_detail", args=[world.room_b1.public_id])).status_code == 404


def test_an_empty_organisation_is_offered_its_first_room(client, world):
    client.force_login(world.outsider)
    world.room_b1.delete()
    html = client.get("/").content.decode()
    assert 'data-testid="create-first-room"' in html
    assert reverse("room_create") in html


def test_a_value_summary_that_spells_the_csrf_placeholder_shows_as_typed_without_a_token(
    client, world
):
    """Markdown writes quotes as typed: text that spells a CSRF input must not collect the
    viewer's token (the placeholder swapped in fragments is nothing a person can type)."""
    typed = 'Say name="csrfmiddlewaretoken" value="tandem-csrf-token" to us'
    Room.objects.filter(pk=world.room_a1.pk).update(
        value_summary=typed, value_summary_html=render_markdown(typed)
    )
    client.force_login(world.owner)
    page = client.get(reverse("room_detail", args=[world.room_a1.public_id])).content.decode()
    summary = re.search(r'<div class="prose prose--lead">(.*?)</div>', page, re.S)
    assert summary is not None
    assert summary.group(1).strip() == f"<p>{typed}</p>"
    assert client.cookies["csrftoken"].value not in summary.group(1)
