"""An admin removes a rep who owns a room: the page asks who takes it over, then the rep is gone
from the organisation and the room has its new owner (issue 12, finding 1)."""

import os

import pytest
from playwright.sync_api import expect

from accounts.models import Membership, Role
from rooms.models import Room
from tests.browser.test_room_journey import PHONE, sign_in
from tests.factories import MembershipFactory, RoomFactory, seller_stakeholder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_removes_a_rep_and_hands_their_room_to_a_manager(new_page, live_server):
    admin = MembershipFactory(role=Role.ADMIN, user__email="ada@initech.example", user__name="Ada")
    org = admin.organisation
    MembershipFactory(organisation=org, role=Role.MANAGER, user__name="Mo Manager")
    rep = MembershipFactory(organisation=org, role=Role.REP, user__name="Randy Rep").user
    room = RoomFactory(organisation=org, owner=rep, buyer_company="Globex")
    seller_stakeholder(room, rep)
    RoomFactory(organisation=org, owner=rep, is_template=True, name="Randy's enterprise plan")

    page = new_page()
    sign_in(page, live_server, "ada@initech.example", f"/orgs/{org.public_id}/members/")
    shots = os.environ.get("SCREENSHOTS")  # a developer looking at the pages
    if shots:
        page.screenshot(path=f"{shots}/member_list_1280.png", full_page=True)
    page.get_by_role("link", name=f"Remove {rep.email}").click()
    expect(page.get_by_role("heading", name="Remove Randy Rep")).to_be_visible()
    # Each room defaults to the admin; this one goes to the manager.
    expect(page.get_by_label("Randy's enterprise plan")).to_have_value(str(admin.public_id))
    page.get_by_label("Globex").select_option(label="Mo Manager (manager)")
    if shots:
        page.screenshot(path=f"{shots}/member_remove_1280.png", full_page=True)
        page.set_viewport_size(PHONE)
        page.screenshot(path=f"{shots}/member_remove_390.png", full_page=True)
    page.get_by_role("button", name="Remove Randy Rep").click()

    expect(page.get_by_text(f"{rep.email} was removed")).to_be_visible()
    assert not Membership.objects.filter(user=rep).exists()
    assert Room.objects.get(pk=room.pk).owner.name == "Mo Manager"
