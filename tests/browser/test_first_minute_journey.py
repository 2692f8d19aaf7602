"""The first minute in a room, in Chromium at 1280 and 390 px wide (issue 13, items 1 to 6):
each edit page saves and shows what it saved; a buyer ticks their own tasks at the top and
takes one nobody has, the plan keeping in step; a revoked buyer is told in words where they
look; the room's regions come in a phone's order.

Every page's console is watched: an htmx error (a swap into a target the page does not have)
fails the journey, as the CSP violations do (conftest)."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Role
from plans.builtin_templates import BUILTIN_TEMPLATES
from plans.models import Status
from rooms.access import room_access_for
from rooms.models import Room
from rooms.services import room_create
from stakeholders.services import buyer_revoke
from tests.factories import MembershipFactory, StakeholderFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SMB = BUILTIN_TEMPLATES["smb"]
COMPANY = "Acme Logistics"
SELLER_NAME = "Sam Seller"
WIDE = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
WIDTHS = pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1280", "390"])


def snapshot(page: Page, path) -> None:
    """A full-page screenshot from the top, caret left alone (test_room_journey.snapshot)."""
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=path, full_page=True, caret="initial")


def signed_in(new_page, live_server, user, viewport) -> Page:
    """A page of a browser in which ``user`` is signed in (a session made as the site does)."""
    client = Client()
    client.force_login(user)
    page = new_page(viewport=viewport)
    cookie = {"name": "sessionid", "value": client.cookies["sessionid"].value}
    page.context.add_cookies([{**cookie, "url": live_server.url}])
    page.on("console", lambda message: page_errors(page).append(message.text))
    return page


def page_errors(page: Page) -> list[str]:
    if not hasattr(page, "_htmx_log"):
        page._htmx_log = []  # type: ignore[attr-defined]
    return page._htmx_log  # type: ignore[attr-defined]


def assert_no_htmx_error(page: Page) -> None:
    errors = [text for text in page_errors(page) if re.search(r"htmx|target", text, re.I)]
    assert not errors, errors


def in_viewport(page: Page, locator) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def top(locator) -> float:
    box = locator.bounding_box()
    assert box is not None
    return box["y"]


@pytest.fixture
def room(db):
    seller = MembershipFactory(
        role=Role.ADMIN,
        organisation__name="Northwind Traders",
        user__name=SELLER_NAME,
        user__email="sam@northwind.example",
    )
    return room_create(
        membership=seller,
        buyer_company=COMPANY,
        target_date=timezone.localdate() + datetime.timedelta(days=45),
        template=SMB,
    )


@pytest.fixture
def dana(room):
    user = UserFactory(email="dana@acme.example", name="Dana Decider")
    stakeholder = StakeholderFactory(
        room=room, name="Dana Decider", email=user.email, user=user, access_state="active"
    )
    return stakeholder


def room_url(live_server, room: Room) -> str:
    return f"{live_server.url}/rooms/{room.public_id}/"


# 1. Every edit page saves and shows what it saved -------------------------------------------


@WIDTHS
def test_each_edit_page_saves_and_shows_the_result(
    live_server, new_page, room, dana, tmp_path, viewport
):
    width = viewport["width"]
    page = signed_in(new_page, live_server, room.owner, viewport)
    task = room.tasks.filter(side="seller").first()
    milestone = room.milestones.first()

    # The task: its page, Edit, a new title, Save: back on the task, saying so.
    page.goto(f"{room_url(live_server, room)}tasks/{task.public_id}/")
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Title").fill("Send the order form, signed")
    page.get_by_role("button", name="Save task").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Saved the task “Send the order form, signed”."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Send the order form, signed")
    snapshot(page, tmp_path / f"edit-task-saved-{width}.png")

    # The milestone's edit page: back in the room at the milestone, saying so.
    page.goto(f"{room_url(live_server, room)}milestones/{milestone.public_id}/edit/")
    page.get_by_label("Title").fill("First demo and fit")
    page.get_by_role("button", name="Save milestone").click()
    message = page.get_by_role("status").filter(
        has_text="Saved the milestone “First demo and fit”."
    )
    expect(message).to_be_visible()
    assert in_viewport(page, message), "the message is out of sight"
    heading = page.get_by_role("heading", name="First demo and fit", level=3)
    expect(heading).to_be_visible()
    snapshot(page, tmp_path / f"edit-milestone-saved-{width}.png")

    # A person on each side, from their edit pages: back at the people, saying so.
    seller_person = room.stakeholders.get(side="seller")
    for person, new_name in ((dana, "Dana D. Decider"), (seller_person, "Sam A. Seller")):
        page.goto(f"{room_url(live_server, room)}stakeholders/{person.public_id}/edit/")
        page.get_by_label("Name").fill(new_name)
        page.get_by_role("button", name="Save", exact=True).click()
        message = page.get_by_role("status").filter(has_text=f"Saved {new_name}.")
        expect(message).to_be_visible()
        assert in_viewport(page, message), "the message is out of sight"
        people = page.get_by_role("region", name="People")
        expect(people.get_by_text(new_name, exact=True)).to_be_visible()
        snapshot(page, tmp_path / f"edit-{person.side}-person-saved-{width}.png")
    assert_no_htmx_error(page)


@WIDTHS
def test_a_buyer_saves_their_task_from_its_edit_page(
    live_server, new_page, room, dana, tmp_path, viewport
):
    task = room.tasks.filter(side="buyer").first()
    task.owner = dana
    task.save(update_fields=["owner"])
    page = signed_in(new_page, live_server, dana.user, viewport)
    page.goto(f"{room_url(live_server, room)}tasks/{task.public_id}/")
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Title").fill("Choose the admins")
    page.get_by_label("Status").select_option(label="In progress")
    page.get_by_role("button", name="Save task").click()
    expect(page.get_by_role("status")).to_contain_text("Saved the task “Choose the admins”.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose the admins")
    expect(page.get_by_text("In progress", exact=True)).to_be_visible()
    snapshot(page, tmp_path / f"edit-task-saved-buyer-{viewport['width']}.png")
    assert_no_htmx_error(page)


# 3-5. A buyer's first minute ----------------------------------------------------------------


@WIDTHS
def test_a_buyer_takes_a_task_and_ticks_it_from_the_top_in_step_with_the_plan(
    live_server, new_page, room, dana, tmp_path, viewport
):
    Room.objects.filter(pk=room.pk).update(
        value_summary="Acme ships on time because the plan is shared.",
        value_summary_html="<p>Acme ships on time because the plan is shared.</p>",
        success_criteria_html="<ul><li>Every depot live by the target date</li></ul>",
    )
    first, second = room.tasks.filter(side="buyer").order_by("due_date", "position")[:2]
    second.owner = dana
    second.save(update_fields=["owner"])
    page = signed_in(new_page, live_server, dana.user, viewport)
    page.goto(room_url(live_server, room))
    yours = page.get_by_role("region", name="Your tasks")
    plan = page.get_by_role("region", name="Plan")

    # Only her own task is under Your tasks, with its tick; the side's others are apart.
    expect(yours.get_by_role("button", name=f"Complete {second.title}", exact=True)).to_be_visible()
    expect(yours.get_by_role("button", name=f"Complete {first.title}", exact=True)).to_have_count(0)
    # The value comes first on a wide screen; on a phone her tasks, the value, the people, then
    # the plan.
    value = page.locator("#value")
    people = page.get_by_role("region", name="People")
    resources = page.get_by_role("region", name="Resources")
    if viewport == WIDE:
        assert top(value) < top(yours) < top(plan)
        assert in_viewport(page, yours.get_by_role("button", name=f"Complete {second.title}"))
    else:
        assert top(yours) < top(value) < top(people) < top(resources) < top(plan)
        assert in_viewport(page, yours.get_by_role("button", name=f"Complete {second.title}"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    snapshot(page, tmp_path / f"buyer-room-{viewport['width']}.png")

    # She takes one that nobody has: it joins her tasks, and the plan names her.
    unclaimed = yours.locator("details.unclaimed")
    if not unclaimed.get_attribute("open"):
        unclaimed.locator("summary").click()
    yours.get_by_role("button", name=f"Take it: {first.title}").click()
    expect(yours.get_by_role("status")).to_have_text(f"“{first.title}” is yours now.")
    expect(yours.get_by_role("button", name=f"Complete {first.title}", exact=True)).to_be_visible()
    row = plan.locator(f"#task-{first.public_id}")
    expect(row).to_contain_text("Dana Decider")
    first.refresh_from_db()
    assert first.owner == dana

    # She ticks it at the top: the plan's row is ticked too, and its progress moves.
    yours.get_by_role("button", name=f"Complete {first.title}", exact=True).click()
    expect(row.get_by_role("button", name=f"Reopen {first.title}")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(yours.get_by_role("button", name=f"Reopen {first.title}")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(plan.locator("#plan-progress")).to_contain_text("1 of")
    # She ticks the other one in the plan: the top follows.
    plan.get_by_role("button", name=f"Complete {second.title}", exact=True).click()
    expect(yours.get_by_role("button", name=f"Reopen {second.title}")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(yours).to_contain_text("All done")
    second.refresh_from_db()
    assert second.status == Status.DONE
    snapshot(page, tmp_path / f"buyer-room-ticked-{viewport['width']}.png")
    assert_no_htmx_error(page)


@WIDTHS
def test_a_sellers_phone_shows_health_people_and_files_before_the_plan(
    live_server, new_page, room, tmp_path, viewport
):
    page = signed_in(new_page, live_server, room.owner, viewport)
    page.goto(room_url(live_server, room))
    # No value summary yet: the seller is asked to write it, where a buyer will read it first.
    nudge = page.locator("#value")
    expect(nudge.get_by_role("heading", name="Start with why")).to_be_visible()
    nudge.get_by_role("link", name="Write the value summary and success criteria").click()
    expect(page.get_by_label("Value summary")).to_be_visible()
    page.go_back()
    plan = page.get_by_role("region", name="Plan")
    for name in ("Health & forecast", "People", "Resources"):
        region = page.get_by_role("region", name=name)
        if viewport == PHONE:
            assert top(region) < top(plan), f"{name} comes after the plan on a phone"
        else:  # alongside the plan, in the column to its right
            box, plan_box = region.bounding_box(), plan.bounding_box()
            assert box and plan_box and box["x"] > plan_box["x"] + plan_box["width"], name
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    snapshot(page, tmp_path / f"seller-room-{viewport['width']}.png")


# 2. A revoked buyer is told where they look --------------------------------------------------


@WIDTHS
def test_a_revoked_buyer_is_told_on_every_kind_of_request(
    live_server, new_page, room, dana, tmp_path, viewport
):
    task = room.tasks.filter(side="buyer").order_by("-due_date").first()
    page = signed_in(new_page, live_server, dana.user, viewport)
    page.goto(room_url(live_server, room))
    expect(page.get_by_role("heading", level=1)).to_have_text(COMPANY)
    said = f"Your access to this room has ended; ask {SELLER_NAME} for a new link."

    buyer_revoke(stakeholder=dana, by=room_access_for(room.owner, room))

    # An in-place action, far down the page: the answer is beside the tick she pressed.
    tick = page.get_by_role("region", name="Plan").get_by_role(
        "button", name=f"Complete {task.title}", exact=True
    )
    tick.scroll_into_view_if_needed()
    with page.expect_response(re.compile(r"/toggle/$")) as refused:
        tick.click()
    assert refused.value.status == 404
    message = page.locator(f"#task-{task.public_id}").get_by_role("alert")
    expect(message).to_have_text(said)
    assert in_viewport(page, message), "the message is out of sight"
    snapshot_here = tmp_path / f"revoked-htmx-{viewport['width']}.png"
    page.screenshot(path=snapshot_here, caret="initial")  # what she sees, where she is
    task.refresh_from_db()
    assert task.status == Status.TODO

    # A form posted without HTMX (the discussion's): a page in the product's layout.
    discussion = page.get_by_role("region", name="Discussion")
    discussion.get_by_label("Comment").fill("Are we still on for Friday?")
    with page.expect_response(re.compile(r"/comments/$")) as posted:
        discussion.get_by_role("button", name="Post").click()
    assert posted.value.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Access ended")
    expect(page.get_by_role("alert")).to_have_text(said)
    expect(page.get_by_role("link", name="Your rooms").last).to_be_visible()
    snapshot(page, tmp_path / f"revoked-post-{viewport['width']}.png")

    # A full page (a reload, a link from an email): the same page, a 404 all the same.
    response = page.goto(room_url(live_server, room))
    assert response is not None and response.status == 404
    expect(page.get_by_role("alert")).to_have_text(said)
    expect(page.get_by_role("main")).not_to_contain_text(task.title)
    snapshot(page, tmp_path / f"revoked-page-{viewport['width']}.png")
