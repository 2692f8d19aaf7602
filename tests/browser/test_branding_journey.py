"""An admin gives the organisation a logo and a colour; the buyer's link page and room show it."""

import datetime
import io
import re

import pytest
from django.utils import timezone
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from accounts.models import Role
from rooms.access import room_access_for
from rooms.services import room_create
from stakeholders.services import buyer_invite
from tests.browser.test_buyer_journey import (  # noqa: F401 (mailbox is a fixture)
    PHONE,
    link_in,
    mailbox,
    sign_in,
    snapshot,
)
from tests.factories import MembershipFactory, StakeholderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAM = "sam@northwind.example"


def logo_png() -> bytes:
    image = Image.new("RGBA", (1000, 300), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 300, 300), radius=60, fill=(180, 83, 9, 255))
    draw.rectangle((360, 90, 980, 210), fill=(31, 41, 55, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def loaded(img) -> bool:
    return img.evaluate("i => i.complete && i.naturalWidth > 0")


def test_an_admin_brands_the_organisation_and_the_buyer_sees_it(
    live_server,
    new_page,
    settings,
    tmp_path,
    mailbox,  # noqa: F811
    celery_eager,
):
    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path / "media"
    admin = MembershipFactory(
        role=Role.ADMIN, organisation__name="Northwind Traders", user__email=SAM, user__name="Sam"
    )
    organisation = admin.organisation
    page = new_page()
    sign_in(page, live_server, SAM, f"/orgs/{organisation.public_id}/settings/")
    expect(page.get_by_role("heading", name="Branding")).to_be_visible()
    page.get_by_label("Logo").set_input_files(
        {"name": "northwind.png", "mimeType": "image/png", "buffer": logo_png()}
    )
    page.get_by_label("Brand colour").fill("#b45309")
    page.get_by_role("button", name="Save branding").click()
    expect(page.get_by_text("The organisation's branding is saved.")).to_be_visible()
    preview = page.get_by_test_id("logo-preview")
    expect(preview).to_be_visible()
    assert loaded(preview)
    snapshot(page, tmp_path / "settings-1280.png")

    # A room made now starts with the brand colour; its buyer is invited and opens the link.
    organisation.refresh_from_db()
    room = room_create(
        membership=admin,
        buyer_company="Harbour Logistics",
        target_date=timezone.localdate() + datetime.timedelta(days=45),
    )
    assert room.accent_colour == "#b45309"
    stakeholder = StakeholderFactory(room=room, name="Dana Buyer", email="dana@buyer.example")
    buyer_invite(stakeholder=stakeholder, by=room_access_for(admin.user, room))
    (message,) = [m for m in mailbox.messages() if m["To"] == "dana@buyer.example"]
    html = next(
        part.get_content() for part in message.walk() if part.get_content_type() == "text/html"
    )
    assert re.search(r'<img src="http://[^"]+/brand/[0-9a-f]{32}\.png"', html)

    for width, viewport in (("1280", None), ("390", PHONE)):
        buyer = new_page(viewport)
        buyer.goto(link_in(message, live_server))
        logo = buyer.get_by_role("img", name="Northwind Traders")
        expect(logo).to_be_visible()
        assert loaded(logo)
        snapshot(buyer, tmp_path / f"buyer-link-{width}.png")
        if width == "1280":
            buyer.get_by_role("button", name="Open the room").click()
            logo = buyer.get_by_test_id("brand-logos").get_by_role("img", name="Northwind Traders")
            expect(logo).to_be_visible()
            assert loaded(logo)
            snapshot(buyer, tmp_path / "buyer-room-1280.png")
            buyer.set_viewport_size(PHONE)
            snapshot(buyer, tmp_path / "buyer-room-390.png")
