"""No edit silently lost: two sellers, each in their own browser, edit the same task at once.
The first save wins; the second comes back in place with what they typed beside what is saved
now, and saving again keeps theirs. On a phone the conflict form fits the screen."""

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from plans.models import Task
from tests.browser.test_room_journey import (
    FIRST_MILESTONE,
    PHONE,
    assert_not_reloaded,
    enterprise_room,
    mark_no_reload,
    sign_in,
    snapshot,
)
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TASK = FIRST_MILESTONE.tasks[0].title


def seller_page(new_page, **kwargs) -> Page:
    """A page that sends no time-on-page beacon: the one a page sends as its context closes
    would reach the live server while the test database is flushed, and deadlock it."""
    page = new_page(**kwargs)
    page.route("**/beacon/", lambda route: route.abort())
    return page


def open_task_editor(page: Page, task: Task):
    """The task's row with its editing form swapped in (HTMX)."""
    row = page.locator(f"#task-{task.public_id}")
    row.hover()  # a narrow window with a mouse shows the row's buttons on hover only
    row.get_by_role("link", name=f"Edit {task.title}").click()
    expect(row.get_by_label("Title", exact=True)).to_be_visible()
    return row


def test_the_second_of_two_sellers_saving_the_same_task_sees_the_conflict_and_overwrites_nothing(
    live_server, new_page, tmp_path
):
    alice = MembershipFactory(role=Role.ADMIN, user__email="alice@initech.example")
    bob = MembershipFactory(
        role=Role.ADMIN, organisation=alice.organisation, user__email="bob@initech.example"
    )
    room = enterprise_room(alice)
    task = room.tasks.get(title=TASK)
    description = task.description
    room_path = f"/rooms/{room.public_id}/"

    first, second = seller_page(new_page), seller_page(new_page)
    sign_in(first, live_server, alice.user.email, room_path)
    sign_in(second, live_server, bob.user.email, room_path)
    for page in (first, second):
        expect(page.get_by_role("heading", level=1)).to_have_text("Globex")

    # Both open the task's editor; Bob saves first.
    mark_no_reload(first)
    alice_row = open_task_editor(first, task)
    bob_row = open_task_editor(second, task)
    bob_row.get_by_label("Title", exact=True).fill("Bob's title")
    bob_row.get_by_role("button", name="Save task").click()
    expect(second.get_by_role("link", name="Bob's title", exact=True)).to_be_visible()

    # Alice saves what she typed: the form stays, in place, and Bob's words are kept.
    alice_row.get_by_label("Title", exact=True).fill("Alice's title")
    alice_row.get_by_label("Description").fill("Alice's notes")
    alice_row.get_by_role("button", name="Save task").click()
    expect(alice_row.get_by_text("Someone else saved this after you opened it.")).to_be_visible()
    expect(alice_row.get_by_label("Title", exact=True)).to_have_value("Alice's title")
    expect(alice_row.get_by_text("Saved now: Bob's title")).to_be_visible()
    assert_not_reloaded(first)
    snapshot(first, tmp_path / "conflict-1280.png")
    alice_row.screenshot(path=tmp_path / "conflict-form-1280.png", caret="initial")
    task.refresh_from_db()
    assert (task.title, task.description) == ("Bob's title", description)

    # Saving again is a deliberate choice to keep hers.
    alice_row.get_by_role("button", name="Save task").click()
    expect(first.get_by_role("link", name="Alice's title", exact=True)).to_be_visible()
    task.refresh_from_db()
    assert (task.title, task.description) == ("Alice's title", "Alice's notes")

    # On a phone: Bob, with the editor open, finds Alice's save when he saves.
    phone = seller_page(new_page, viewport=PHONE)
    sign_in(phone, live_server, bob.user.email, room_path)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Globex")
    phone_row = open_task_editor(phone, task)
    Task.objects.filter(pk=task.pk).update(title="Carol's title", version=task.version + 1)
    phone_row.get_by_label("Title", exact=True).fill("Bob again")
    phone_row.get_by_role("button", name="Save task").click()
    expect(phone_row.get_by_text("Saved now: Carol's title")).to_be_visible()
    phone_row.scroll_into_view_if_needed()
    phone.screenshot(path=tmp_path / "conflict-390.png", caret="initial")
    width = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
    assert Task.objects.get(pk=task.pk).title == "Carol's title"
