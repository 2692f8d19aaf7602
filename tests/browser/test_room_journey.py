"""A seller's first real room, driven through the pages: created from the enterprise template
with a target date, dates computed, a buyer added, tasks ticked with the progress bars moving in
place, and the plan saved as a template. Then inline validation, and the room on a phone."""

import datetime
import re

import pytest
from django.utils import dateformat, timezone
from playwright.sync_api import Locator, Page, expect

from accounts.models import Role
from plans.builtin_templates import BUILTIN_TEMPLATES
from plans.models import Status, Task
from plans.templatetags.plan_tags import short_date
from rooms.models import Room
from rooms.services import room_create
from tests.factories import PASSWORD, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ENTERPRISE = BUILTIN_TEMPLATES["enterprise"]
FIRST_MILESTONE = ENTERPRISE.milestones[0]
LAST_MILESTONE = ENTERPRISE.milestones[-1]
PHONE = {"width": 390, "height": 844}


def sign_in(page: Page, live_server, email: str, next_path: str = "") -> None:
    query = f"?next={next_path}" if next_path else ""
    page.goto(f"{live_server.url}/accounts/login/{query}")
    page.get_by_label(re.compile(r"^Email", re.IGNORECASE)).fill(email)
    # Email first (single sign-on): then the password.
    page.get_by_role("button", name="Continue").click()
    page.get_by_label(re.compile(r"^Password:?$", re.IGNORECASE)).fill(PASSWORD)
    page.get_by_role("button", name=re.compile(r"^sign in$", re.IGNORECASE)).click()


def milestone_item(page: Page, title: str) -> Locator:
    """The milestone's list item (task rows are list items too, but hold no h3)."""
    heading = page.get_by_role("heading", name=title, level=3, exact=True)
    return page.get_by_role("region", name="Plan").get_by_role("listitem").filter(has=heading)


def snapshot(page: Page, path) -> None:
    """A full-page screenshot, from the top, that leaves the page's elements as it found them.

    From the top: scrolled, the sticky top bar would be photographed over the room's header.
    The caret is left alone: Playwright hides it by setting ``caret-color`` on every input and,
    restoring it, leaves them all with ``style=""``; htmx's settle then copies that attribute
    onto the swapped-in inputs with setAttribute, which the strict CSP (style-src-attr) refuses.
    """
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=path, full_page=True, caret="initial")


def mark_no_reload(page: Page) -> None:
    """A flag on the window that a full page load would wipe."""
    page.evaluate("window.__noReload = 1")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__noReload") == 1, "the page was reloaded"


def plan_progress_label(page: Page) -> Locator:
    """The words beside the plan's bar (the bar's own fallback text would muddle a match)."""
    return page.get_by_role("region", name="Plan").get_by_text(re.compile(r"of \d+ tasks? done$"))


def plan_progress_text(done: int, total: int) -> str:
    return f"{round(100 * done / total)}% · {done} of {total} tasks done"


def enterprise_room(admin) -> Room:
    return room_create(
        membership=admin,
        buyer_company="Globex",
        target_date=timezone.localdate() + datetime.timedelta(days=180),
        template=ENTERPRISE,
    )


def test_seller_creates_room_from_template_adds_buyer_ticks_tasks_and_saves_template(
    live_server, page, tmp_path
):
    admin = MembershipFactory(role=Role.ADMIN, organisation__name="Initech")
    target = timezone.localdate() + datetime.timedelta(days=180)
    total = ENTERPRISE.task_count
    first_total = len(FIRST_MILESTONE.tasks)

    # 1. From the empty rooms page to a new room planned from the enterprise template.
    sign_in(page, live_server, admin.user.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Deal rooms")
    page.get_by_role("link", name="Create your first room").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New deal room")
    template_card = page.get_by_role("radio", name=re.compile(rf"^{ENTERPRISE.name}\b"))
    template_card.check()
    expect(template_card).to_be_checked()
    page.get_by_label("Buyer company").fill("Globex")
    page.get_by_label("Target date").fill(target.isoformat())
    snapshot(page, tmp_path / "1-new-room.png")
    page.get_by_role("button", name="Create room").click()

    # 2. The room, with every date counted back from the target date.
    expect(page.get_by_role("heading", level=1)).to_have_text("Globex")
    expect(page.get_by_text("The room for Globex is ready.")).to_be_visible()
    room = Room.objects.get(buyer_company="Globex", is_template=False)
    expect(page).to_have_url(f"{live_server.url}/rooms/{room.public_id}/")
    expect(page.get_by_text(f"Target {dateformat.format(target, 'j M Y')}")).to_be_visible()
    assert room.tasks.count() == total
    last = milestone_item(page, LAST_MILESTONE.title)
    expect(last.get_by_text(f"By {dateformat.format(target, 'j M Y')}", exact=True)).to_be_visible()
    first = milestone_item(page, FIRST_MILESTONE.title)
    first_task = FIRST_MILESTONE.tasks[0]
    first_due = target + datetime.timedelta(days=first_task.offset)
    first_row = first.get_by_role("listitem").filter(
        has=page.get_by_role("link", name=first_task.title, exact=True)
    )
    # The page's own rule: the year is shown when the date falls in another year than today.
    expect(first_row.get_by_text(short_date(first_due), exact=True)).to_be_visible()
    plan_progress = plan_progress_label(page)
    expect(plan_progress).to_have_text(plan_progress_text(0, total))
    expect(first.get_by_text(f"0/{first_total}", exact=True)).to_be_visible()
    snapshot(page, tmp_path / "2-room.png")

    # 3. A champion from the buyer joins the People panel, in place.
    mark_no_reload(page)
    people = page.get_by_role("region", name="People")
    hint = people.get_by_role("note")
    expect(hint).to_have_text("No champion and no economic buyer yet: deals without them stall.")
    people.get_by_text("Add someone from Globex", exact=True).click()
    people.get_by_label("Name").fill("Marge Gunderson")
    people.get_by_label("Email").fill("marge@globex.example")
    people.get_by_label("Title").fill("Head of Operations")
    people.get_by_label("Buying role").select_option(label="Champion")
    people.get_by_role("button", name="Add without inviting").click()
    expect(people.get_by_text("Marge Gunderson", exact=True)).to_be_visible()
    expect(people.get_by_text("Head of Operations · Champion")).to_be_visible()
    expect(hint).to_have_text("No economic buyer yet: deals without them stall.")
    expect(hint).not_to_contain_text("champion")
    assert_not_reloaded(page)
    assert room.stakeholders.filter(name="Marge Gunderson", role="champion").exists()

    # 4. Two ticks: the row, the milestone's bar and the plan's bar move without a reload.
    ticked = [task.title for task in FIRST_MILESTONE.tasks[:2]]
    for done, title in enumerate(ticked, start=1):
        page.get_by_role("button", name=f"Complete {title}", exact=True).click()
        reopen = page.get_by_role("button", name=f"Reopen {title}", exact=True)
        expect(reopen).to_have_attribute("aria-pressed", "true")
        expect(plan_progress).to_have_text(plan_progress_text(done, total))
        expect(page.get_by_role("progressbar", name="Plan progress")).to_have_attribute(
            "value", str(done)
        )
        expect(first.get_by_text(f"{done}/{first_total}", exact=True)).to_be_visible()
        expect(
            page.get_by_role("progressbar", name=f"Progress of {FIRST_MILESTONE.title}")
        ).to_have_attribute("value", str(done))
    assert_not_reloaded(page)
    assert set(
        Task.objects.filter(room=room, status=Status.DONE).values_list("title", flat=True)
    ) == set(ticked)
    snapshot(page, tmp_path / "3-room-ticked.png")

    # 5. The plan becomes a template: dates turn into offsets from the target date.
    page.get_by_role("link", name="Save as template").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Save as a template")
    page.get_by_label("Template name").fill("Globex-style enterprise")
    page.get_by_role("button", name="Save template").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Globex-style enterprise")
    template = Room.objects.get(is_template=True, name="Globex-style enterprise")
    expect(page).to_have_url(f"{live_server.url}/templates/{template.public_id}/")
    expect(page.get_by_text("Saved as the template “Globex-style enterprise”.")).to_be_visible()
    template_first = milestone_item(page, FIRST_MILESTONE.title)
    milestone_date = template_first.get_by_role("paragraph").filter(
        has_text=re.compile(rf"^T−{-FIRST_MILESTONE.offset}$")
    )
    expect(milestone_date).to_be_visible()
    expect(template_first.get_by_text(f"T−{-first_task.offset}", exact=True)).to_be_visible()
    expect(page.get_by_role("region", name="Plan")).not_to_contain_text(short_date(first_due))
    # A template is a plan to copy: nothing in it is done or can be ticked.
    expect(
        page.get_by_role("region", name="Plan").get_by_text(re.compile(r"tasks? done$"))
    ).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile(r"^Complete "))).to_have_count(0)
    assert not template.tasks.filter(status="done").exists()
    snapshot(page, tmp_path / "4-template.png")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Templates").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan templates")
    own = page.get_by_role("region", name="Templates of Initech")
    expect(own.get_by_role("link", name="Globex-style enterprise")).to_be_visible()
    expect(own.get_by_text(f"{total} tasks · by")).to_be_visible()


def test_adding_a_task_shows_its_errors_in_place_then_adds_it(live_server, page, tmp_path):
    admin = MembershipFactory(role=Role.ADMIN)
    room = enterprise_room(admin)
    tasks_before = room.tasks.count()
    sign_in(page, live_server, admin.user.email, f"/rooms/{room.public_id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Globex")

    mark_no_reload(page)
    first = milestone_item(page, FIRST_MILESTONE.title)
    first.get_by_text("Add a task", exact=True).click()
    first.get_by_role("button", name="Add task").click()
    expect(first.get_by_role("alert")).to_have_text("This field is required.")
    expect(first.get_by_label("Title")).to_be_visible()
    assert_not_reloaded(page)
    snapshot(page, tmp_path / "task-form-error.png")
    assert room.tasks.count() == tasks_before

    new_title = "Book the executive sponsor call"
    first.get_by_label("Title").fill(new_title)
    first.get_by_role("button", name="Add task").click()
    expect(first.get_by_role("link", name=new_title, exact=True)).to_be_visible()
    expect(first.get_by_text(f"0/{len(FIRST_MILESTONE.tasks) + 1}", exact=True)).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
    assert_not_reloaded(page)
    assert room.tasks.filter(title=new_title).count() == 1


def test_room_page_fits_a_phone_without_sideways_scrolling(live_server, new_page, tmp_path):
    admin = MembershipFactory(role=Role.ADMIN)
    room = enterprise_room(admin)
    page = new_page(viewport=PHONE)
    sign_in(page, live_server, admin.user.email, f"/rooms/{room.public_id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Globex")
    expect(page.get_by_role("region", name="Plan")).to_be_visible()
    snapshot(page, tmp_path / "room-phone.png")
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
