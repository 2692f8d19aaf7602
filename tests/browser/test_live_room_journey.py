"""The live room: a seller and a buyer, each in a browser of their own, have the same room
open; each sees the other's tick and comment appear without reloading, and what the buyer is
half-way through typing is left alone."""

import pytest
from django.test import Client
from playwright.sync_api import expect

from accounts.models import Role
from tests.factories import (
    MembershipFactory,
    MilestoneFactory,
    RoomFactory,
    StakeholderFactory,
    TaskFactory,
    UserFactory,
    seller_stakeholder,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def open_as(new_page, live_server, user, room, viewport=None):
    client = Client()
    client.force_login(user)
    page = new_page(viewport=viewport)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/rooms/{room.public_id}/", timeout=30_000)
    page.evaluate("window.__sameDocument = true")  # gone if the page ever reloads
    return page


def test_seller_and_buyer_see_each_others_tick_and_comment_without_reloading(
    live_server, new_page, tmp_path
):
    seller = MembershipFactory(role=Role.ADMIN, user__name="Sam Seller").user
    room = RoomFactory(organisation=seller.memberships.get().organisation, owner=seller,
                       buyer_company="Globex")  # fmt: skip
    seller_stakeholder(room, seller)
    buyer = UserFactory(email="dana@globex.example", name="Dana Buyer")
    StakeholderFactory(room=room, name="Dana Buyer", email=buyer.email, user=buyer,
                       access_state="active")  # fmt: skip
    milestone = MilestoneFactory(room=room, title="Security review")
    ours = TaskFactory(milestone=milestone, title="Send the SOC 2 report", side="seller")
    theirs = TaskFactory(milestone=milestone, title="Fill in the questionnaire", side="buyer")

    sam = open_as(new_page, live_server, seller, room)
    dana = open_as(new_page, live_server, buyer, room)

    # Dana starts a comment and leaves it half-typed while Sam works.
    draft = dana.locator("#discussion textarea")
    draft.fill("Half-way through a question about")

    sam.get_by_role("button", name=f"Complete {ours.title}").click()
    expect(sam.locator(f"#task-{ours.public_id}")).to_have_class("task task--done", timeout=10_000)
    sam.locator("#discussion textarea").fill("The SOC 2 report is in Resources.")
    sam.locator("#discussion").get_by_role("button", name="Post").click()

    # Dana's page, never reloaded, shows both; her draft is untouched.
    expect(dana.locator(f"#task-{ours.public_id}")).to_have_class("task task--done", timeout=15_000)
    expect(dana.locator("#discussion")).to_contain_text("The SOC 2 report is in Resources.",
                                                         timeout=15_000)  # fmt: skip
    assert dana.evaluate("window.__sameDocument === true")
    expect(draft).to_have_value("Half-way through a question about")
    dana.screenshot(path=tmp_path / "live-buyer-1280.png", full_page=True)

    # Dana ticks her task and posts her comment; Sam's page shows both without a reload.
    dana.get_by_role("button", name=f"Complete {theirs.title}").click()
    expect(dana.locator(f"#task-{theirs.public_id}")).to_have_class("task task--done")
    draft.fill("Done: the questionnaire is filled in.")
    dana.locator("#discussion").get_by_role("button", name="Post").click()
    sam.evaluate("window.__sameDocument = true")  # Sam's own post reloaded his page once
    expect(sam.locator(f"#task-{theirs.public_id}")).to_have_class("task task--done",
                                                                    timeout=15_000)  # fmt: skip
    expect(sam.locator("#discussion")).to_contain_text("Done: the questionnaire is filled in.",
                                                        timeout=15_000)  # fmt: skip
    assert sam.evaluate("window.__sameDocument === true")
    sam.screenshot(path=tmp_path / "live-seller-1280.png", full_page=True)

    phone = open_as(new_page, live_server, buyer, room, viewport=PHONE)
    sam.locator("#discussion textarea").fill("Thanks Dana!")
    sam.locator("#discussion").get_by_role("button", name="Post").click()
    expect(phone.locator("#discussion")).to_contain_text("Thanks Dana!", timeout=15_000)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.screenshot(path=tmp_path / "live-buyer-390.png", full_page=True)
