"""Names as people really type them: a 60-character company or template name without a space
never pushes a page sideways on a phone, thirty-one organisations scroll in their menu, and the
top bar shows the organisation's name whole at 1280."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Membership, Role
from plans.builtin_templates import BUILTIN_TEMPLATES
from rooms.access import room_access_for
from rooms.services import room_create, room_save_as_template
from tests.browser.test_buyer_journey import sign_in
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LONG = "Vereinigte" + "Logistikdienstleistungsgesellschaft" + "Nordwestdeutschland"[:15]
assert len(LONG) == 60 and " " not in LONG

FITS = "document.documentElement.scrollWidth <= window.innerWidth"
# What sticks out, to say so when a page does not fit.
WIDEST = """() => [...document.querySelectorAll("body *")]
  .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 5).map((el) => `${el.tagName.toLowerCase()}.${el.className}`)"""


@pytest.fixture
def long_names():
    owner = MembershipFactory(
        role=Role.ADMIN, organisation__name="Northwind Software", user__name="Ada Admin"
    )
    room = room_create(
        membership=owner,
        buyer_company=LONG,
        target_date=timezone.localdate() + datetime.timedelta(days=60),
        template=BUILTIN_TEMPLATES["smb"],
    )
    template = room_save_as_template(by=room_access_for(owner.user, room), name=LONG)
    for number in range(30):
        Membership.objects.create(
            organisation=OrganisationFactory(name=f"Organisation number {number:02}"),
            user=owner.user,
            role=Role.REP,
        )
    return owner, room, template


def test_sixty_characters_without_a_space_never_push_a_phone_page_sideways(
    live_server, new_page, long_names, tmp_path
):
    owner, room, template = long_names
    page = new_page(viewport=PHONE)
    sign_in(page, live_server, owner.user.email, "/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    pages = {
        "rooms": "/",
        "new-room": "/rooms/new/",
        "templates": "/templates/",
        "room": f"/rooms/{room.public_id}/",
        "template": f"/templates/{template.public_id}/",
        "dashboard": "/dashboard/",
    }
    for name, path in pages.items():
        page.goto(live_server.url + path)
        expect(page.get_by_text(LONG).first).to_be_attached()
        page.screenshot(path=tmp_path / f"{name}-390.png", full_page=True)
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        wide = page.evaluate(WIDEST)
        assert page.evaluate(FITS), f"{path} is {width[0]} px wide at {width[1]}: {wide}"

    # The seller's call to write why wraps inside its card (which hides what overflows: its
    # button was once cut off at the screen's edge, though the page did not widen).
    page.goto(live_server.url + pages["room"])
    why = page.locator("#value")
    button = why.get_by_role("link", name="Write the value summary and success criteria")
    card, inside = why.bounding_box(), button.bounding_box()
    assert card and inside and inside["x"] + inside["width"] <= card["x"] + card["width"], (
        card,
        inside,
    )

    # Every section of the main navigation is on screen: none hides past the edge.
    members = page.get_by_role("navigation", name="Main").get_by_role("link", name="Members")
    box = members.bounding_box()
    assert box and box["x"] + box["width"] <= PHONE["width"], box

    # Thirty-one organisations: the menu stays on screen and scrolls.
    page.get_by_test_id("org-switcher").locator("summary").click()
    panel = page.get_by_test_id("org-switcher").locator(".menu__panel")
    expect(panel).to_be_visible()
    sizes = panel.evaluate(
        "el => [el.getBoundingClientRect().bottom, el.scrollHeight, el.clientHeight]"
    )
    bottom, scroll_height, client_height = sizes
    assert bottom <= PHONE["height"], sizes
    assert scroll_height > client_height, sizes  # the rest is a scroll away
    last = panel.get_by_role("button", name="Organisation number 29")
    last.scroll_into_view_if_needed()
    expect(last).to_be_in_viewport()
    page.screenshot(path=tmp_path / "switcher-390.png")


def test_the_top_bar_shows_the_organisation_and_the_person_by_name_at_1280(
    live_server, new_page, long_names, tmp_path
):
    owner, _room, _template = long_names
    page = new_page()
    sign_in(page, live_server, owner.user.email, "/")
    label = page.get_by_test_id("org-switcher").locator(".menu__label")
    expect(label).to_have_text("Northwind Software")
    assert label.evaluate("el => el.scrollWidth <= el.clientWidth"), "the name is cut"
    expect(page.get_by_test_id("account-menu")).to_contain_text("Ada Admin")
    page.screenshot(path=tmp_path / "topbar-1280.png")
