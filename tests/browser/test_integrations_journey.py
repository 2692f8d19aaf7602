"""Integrations in the browser: an admin adds a webhook endpoint, copies its secret (shown
once), sends a test event to a real receiver and reads the delivery in the log; the Slack and
Teams page and both calendar pages, photographed on a desktop and a phone."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect
from standardwebhooks.webhooks import Webhook

from accounts.models import Role
from integrations.models import WebhookEndpoint
from plans.builtin_templates import BUILTIN_TEMPLATES
from rooms.services import room_create
from tests.browser.test_room_journey import PHONE, sign_in, snapshot
from tests.factories import MembershipFactory, StakeholderFactory, UserFactory
from tests.receivers import receiving

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_adds_an_endpoint_sees_the_secret_once_and_the_test_delivery(
    live_server, page, tmp_path, celery_eager
):
    admin = MembershipFactory(role=Role.ADMIN, organisation__name="Initech")
    org = admin.organisation.public_id
    with receiving() as receiver:
        sign_in(page, live_server, admin.user.email, f"/orgs/{org}/webhooks/")
        expect(page.get_by_role("heading", name="Webhooks", level=1)).to_be_visible()
        snapshot(page, tmp_path / "webhooks-empty-1280.png")
        page.get_by_label("Endpoint URL").fill(receiver.url)
        page.get_by_label("Description").fill("Our CRM")
        page.get_by_role("checkbox", name="room.created").uncheck()
        page.get_by_role("button", name="Add endpoint").click()
        secret_box = page.get_by_test_id("new-secret").get_by_role("textbox")
        secret = secret_box.input_value()
        assert secret.startswith("whsec_")
        snapshot(page, tmp_path / "webhooks-secret-1280.png")
        endpoint = WebhookEndpoint.objects.get()
        assert "room.created" not in endpoint.event_types
        page.get_by_role("link", name="Open the endpoint").click()
        expect(page.get_by_test_id("new-secret")).to_have_count(0)  # shown once only
        assert secret not in page.content()
        page.get_by_role("button", name="Send a test event").click()
        log = page.get_by_test_id("delivery-log")
        expect(log).to_contain_text("webhook.test")
        expect(log).to_contain_text("HTTP 200")
        expect(log).to_contain_text("Delivered")
        snapshot(page, tmp_path / "webhook-detail-1280.png")
        page.set_viewport_size(PHONE)
        snapshot(page, tmp_path / "webhook-detail-390.png")
        page.goto(f"{live_server.url}/orgs/{org}/webhooks/")
        snapshot(page, tmp_path / "webhooks-390.png")
    assert len(receiver.received) == 1
    payload = Webhook(secret).verify(receiver.received[0].body, receiver.received[0].headers)
    assert payload["type"] == "webhook.test"


def test_the_chat_and_calendar_pages_on_a_desktop_and_a_phone(
    live_server, new_page, tmp_path, celery_eager
):
    admin = MembershipFactory(role=Role.ADMIN, organisation__name="Initech")
    org = admin.organisation.public_id
    room = room_create(
        membership=admin,
        buyer_company="Globex",
        target_date=timezone.localdate() + datetime.timedelta(days=120),
        template=BUILTIN_TEMPLATES["smb"],
    )
    buyer = UserFactory(email="dana@globex.example", name="Dana Buyer")
    StakeholderFactory(room=room, name="Dana Buyer", email=buyer.email, user=buyer,
                       access_state="active")  # fmt: skip
    for width, viewport in (("1280", None), ("390", PHONE)):
        seller = new_page(viewport=viewport)
        sign_in(seller, live_server, admin.user.email, f"/orgs/{org}/chat/")
        with receiving() as slack:
            seller.get_by_label("Incoming webhook URL").fill(slack.url)
            seller.get_by_label("Channel name").fill(f"#deals-{width}")
            seller.get_by_role("button", name="Add channel").click()
            expect(seller.get_by_text(f"Slack · #deals-{width}")).to_be_visible()
        snapshot(seller, tmp_path / f"chat-{width}.png")
        seller.goto(f"{live_server.url}/settings/calendar/")
        seller.get_by_role("button", name="Make my calendar link").or_(
            seller.get_by_role("button", name="Make a new link")
        ).click()
        webcal = seller.get_by_role("link", name="Subscribe in your calendar app")
        assert webcal.get_attribute("href").startswith("webcal://")
        snapshot(seller, tmp_path / f"calendar-seller-{width}.png")

        client = Client()
        client.force_login(buyer)
        buyer_page = new_page(viewport=viewport)
        buyer_page.context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value,
              "url": live_server.url}]
        )  # fmt: skip
        buyer_page.goto(f"{live_server.url}/rooms/{room.public_id}/")
        buyer_page.get_by_role("link", name="Add to calendar").click()
        buyer_page.get_by_role("button", name="Subscribe to these dates").or_(
            buyer_page.get_by_role("button", name="Make a new subscription link")
        ).click()
        expect(buyer_page.get_by_test_id("new-feed")).to_be_visible()
        feed_url = buyer_page.get_by_label("Or paste this address", exact=False).input_value()
        ics = buyer_page.request.get(feed_url.replace("http://127.0.0.1:8000", live_server.url))
        assert ics.ok and b"BEGIN:VCALENDAR" in ics.body()
        snapshot(buyer_page, tmp_path / f"calendar-buyer-{width}.png")
