"""Branding: an organisation's logo and colour, a room's buyer logo; uploads checked like room
files (raster images only), resized server-side, served by name, shown in rooms and emails."""

import io
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from accounts.branding import contrast, text_colour_on
from accounts.models import Organisation
from activity.kinds import EventKind
from activity.models import Event
from rooms.access import room_access_for
from rooms.models import Room
from rooms.services import room_create
from stakeholders.services import buyer_invite
from tests.factories import StakeholderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored(media) -> list:
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


def image_bytes(size=(1200, 600), fmt="PNG", colour=(15, 118, 110, 255), **save) -> bytes:
    out = io.BytesIO()
    mode = "RGBA" if fmt in {"PNG", "WEBP"} else "RGB"
    Image.new(mode, size, colour[: len(mode)]).save(out, format=fmt, **save)
    return out.getvalue()


def upload(content: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def branding_url(org) -> str:
    return reverse("organisation_branding", args=[org.public_id])


def post_branding(client, org, logo=None, colour="#0f766e"):
    data = {"brand_colour": colour}
    if logo is not None:
        data["logo"] = logo
    return client.post(branding_url(org), data)


def field_errors(response) -> str:
    return " ".join(re.findall(r'class="field__error"[^>]*>([^<]*)<', response.content.decode()))


class TestOrganisationLogo:
    def test_a_png_is_resized_reencoded_stored_and_shown(self, client, world, media):
        client.force_login(world.owner)
        exif = Image.Exif()
        exif[0x010E] = "secret description"
        content = image_bytes(exif=exif.tobytes())
        response = post_branding(client, world.org_a, upload(content, "logo.png"))
        assert response.status_code == 302
        world.org_a.refresh_from_db()
        assert world.org_a.brand_colour == "#0f766e"
        (path,) = stored(media)
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert image.size == (320, 160)  # fitted within 400x160, proportions kept
            assert not image.getexif()
        assert b"secret description" not in path.read_bytes()
        settings_page = client.get(reverse("organisation_settings", args=[world.org_a.public_id]))
        assert world.org_a.logo_url in settings_page.content.decode()
        served = Client().get(world.org_a.logo_url)
        assert served.status_code == 200
        assert served["Content-Type"] == "image/png"
        assert b"".join(served.streaming_content) == path.read_bytes()
        assert Event.objects.filter(kind=EventKind.BRANDING_CHANGED).count() == 1

    @pytest.mark.parametrize("fmt", ["JPEG", "WEBP", "GIF"])
    def test_other_raster_formats_become_png(self, client, world, media, fmt):
        client.force_login(world.owner)
        content = image_bytes(size=(100, 100), fmt=fmt)
        response = post_branding(client, world.org_a, upload(content, f"logo.{fmt.lower()}"))
        assert response.status_code == 302
        (path,) = stored(media)
        assert path.read_bytes().startswith(b"\x89PNG")

    @pytest.mark.parametrize(
        ("content", "name", "error"),
        [
            (
                b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
                b"<script>alert(1)</script></svg>",
                "logo.svg",
                "SVG and other markup is not accepted",
            ),
            (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "logo.png", "SVG"),
            (b"just some text, not a picture\n", "logo.png", "This is not an image we accept"),
            (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "logo.png", "not an image we accept"),
            (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "logo.png", "damaged"),
        ],
    )
    def test_what_is_not_a_raster_image_is_refused_and_nothing_stored(
        self, client, world, media, content, name, error
    ):
        client.force_login(world.owner)
        response = post_branding(client, world.org_a, upload(content, name), colour="#123456")
        assert response.status_code == 422
        assert error in field_errors(response)
        world.org_a.refresh_from_db()
        assert not world.org_a.logo
        assert world.org_a.brand_colour == ""  # one form, one transaction: nothing saved
        assert stored(media) == []

    def test_a_huge_image_is_refused(self, client, world, media, monkeypatch):
        client.force_login(world.owner)
        # 6000 x 5000 is 30 megapixels, but a PNG of one colour is a few kilobytes.
        content = image_bytes(size=(6000, 5000), fmt="PNG")
        assert len(content) < 1_000_000
        response = post_branding(client, world.org_a, upload(content, "logo.png"))
        assert response.status_code == 422
        assert "too large" in field_errors(response)
        assert stored(media) == []

    def test_a_file_over_the_size_limit_is_refused(self, client, world, media, settings):
        settings.LOGO_MAX_BYTES = 1000
        client.force_login(world.owner)
        content = image_bytes(size=(400, 400), fmt="JPEG", quality=100)
        assert len(content) > 1000
        response = post_branding(client, world.org_a, upload(content, "logo.jpg"))
        assert response.status_code == 422
        assert "larger than" in field_errors(response)
        assert stored(media) == []

    def test_replacing_and_removing_the_logo_leaves_no_file_behind(
        self, client, world, media, django_capture_on_commit_callbacks
    ):
        client.force_login(world.owner)
        with django_capture_on_commit_callbacks(execute=True):
            post_branding(client, world.org_a, upload(image_bytes(), "one.png"))
            post_branding(client, world.org_a, upload(image_bytes(size=(50, 50)), "two.png"))
        (path,) = stored(media)
        with Image.open(path) as image:
            assert image.size == (50, 50)  # smaller than the box: not enlarged
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                branding_url(world.org_a), {"brand_colour": "#0f766e", "remove_logo": "on"}
            )
        assert response.status_code == 302
        assert stored(media) == []

    @pytest.mark.parametrize("who", ["manager", "rep", "outsider", "buyer"])
    def test_only_admins_change_branding(self, client, world, media, who):
        client.force_login(getattr(world, who))
        response = post_branding(client, world.org_a, upload(image_bytes(), "logo.png"))
        assert response.status_code in {403, 404}
        world.org_a.refresh_from_db()
        assert (world.org_a.logo, world.org_a.brand_colour) == ("", "")
        assert stored(media) == []

    def test_anonymous_is_sent_to_sign_in(self, client, world):
        response = post_branding(client, world.org_a, upload(image_bytes(), "logo.png"))
        assert response.status_code == 302
        assert "login" in response["Location"]


class TestColour:
    @pytest.mark.parametrize(
        "colour",
        ["#fff;}body{display:none", "red", "#12345", "#1234567", "#gggggg", "</style>"],
    )
    def test_a_colour_that_is_not_rrggbb_is_refused(self, client, world, colour):
        client.force_login(world.owner)
        response = post_branding(client, world.org_a, colour=colour)
        assert response.status_code == 422
        assert "#RRGGBB" in field_errors(response)
        world.org_a.refresh_from_db()
        assert world.org_a.brand_colour == ""

    def test_the_model_refuses_it_too(self, world):
        world.org_a.brand_colour = "#fff;}"
        with pytest.raises(Exception, match="RRGGBB"):
            world.org_a.full_clean()

    def test_text_on_any_colour_is_the_more_readable_of_white_and_black(self):
        steps = [f"{v:02x}" for v in range(0, 256, 17)] + ["76", "77", "78"]
        for colour in (f"#{r}{g}{b}" for r in steps for g in steps for b in steps):
            chosen = text_colour_on(colour)
            other = "#000000" if chosen == "#ffffff" else "#ffffff"
            assert contrast(colour, chosen) >= contrast(colour, other)
            assert contrast(colour, chosen) >= 4.5, colour

    def test_new_rooms_start_with_the_brand_colour(self, world):
        Organisation.objects.filter(pk=world.org_a.pk).update(brand_colour="#0f766e")
        membership = world.membership(world.owner)
        membership.organisation.refresh_from_db()
        room = room_create(
            membership=membership, buyer_company="Globex", target_date=world.room_a1.target_date
        )
        assert room.accent_colour == "#0f766e"


def set_org_logo(client, world):
    client.force_login(world.owner)
    assert post_branding(client, world.org_a, upload(image_bytes(), "logo.png")).status_code == 302
    world.org_a.refresh_from_db()
    client.logout()
    return world.org_a.logo_url


class TestWhereItShows:
    def test_the_logo_and_colour_are_in_the_buyers_room_page(self, client, world):
        logo = set_org_logo(client, world)
        client.force_login(world.buyer)
        page = client.get(reverse("room_detail", args=[world.room_a1.public_id]))
        html = page.content.decode()
        assert page.status_code == 200
        assert f'src="{logo}"' in html
        assert "--brand: #0f766e; --brand-text: #ffffff;" in html

    def test_the_logo_is_in_the_invitation_email_from_the_outbox(
        self, client, world, django_capture_on_commit_callbacks
    ):
        logo = set_org_logo(client, world)
        stakeholder = StakeholderFactory(
            room=world.room_a1, name="Cara", email="cara@buyer-a1.example", role="champion"
        )
        with django_capture_on_commit_callbacks(execute=True):
            buyer_invite(stakeholder=stakeholder, by=room_access_for(world.owner, world.room_a1))
        message = next(m for m in reversed(mail.outbox) if m.to == [stakeholder.email])
        html = message.alternatives[0][0]
        assert f'src="{world.org_a.logo_email_url}"' in html
        assert world.org_a.logo_email_url.endswith(logo)
        # and the buyer's link page shows it too
        path = re.search(r"https?://[^/\s]+(/b/[^/\s]+/)", message.body).group(1)
        assert f'src="{logo}"' in Client().get(path).content.decode()

    def test_a_made_up_or_unused_logo_name_is_a_404(self, client, world, media):
        assert client.get(reverse("brand_logo", args=["0" * 32 + ".png"])).status_code == 404
        assert client.get(reverse("brand_logo", args=["..%2Fsecret.png"])).status_code == 404
        set_org_logo(client, world)
        name = world.org_a.logo.name.rsplit("/", 1)[-1]
        assert client.get(reverse("brand_logo", args=[name])).status_code == 200
        Organisation.objects.filter(pk=world.org_a.pk).update(logo="")
        assert client.get(reverse("brand_logo", args=[name])).status_code == 404


class TestBuyerLogo:
    def url(self, room):
        return reverse("room_buyer_logo", args=[room.public_id])

    def test_a_seller_sets_the_buyer_logo_shown_beside_the_sellers(self, client, world, media):
        set_org_logo(client, world)
        client.force_login(world.owner)
        content = image_bytes(size=(800, 800), fmt="JPEG")
        response = client.post(self.url(world.room_a1), {"buyer_logo": upload(content, "b.jpg")})
        assert response.status_code == 302
        room = Room.objects.get(pk=world.room_a1.pk)
        with Image.open(room.buyer_logo.path) as image:
            assert (image.format, image.size) == ("PNG", (160, 160))
        html = client.get(reverse("room_detail", args=[room.public_id])).content.decode()
        logos = html[html.index('data-testid="brand-logos"') :]
        assert logos.index(world.org_a.logo_url) < logos.index(room.buyer_logo_url)
        client.post(self.url(room), {"remove": "1"})
        room.refresh_from_db()
        assert not room.buyer_logo

    def test_an_svg_buyer_logo_is_refused_with_the_reason(self, client, world, media):
        client.force_login(world.owner)
        svg = upload(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "b.svg")
        response = client.post(self.url(world.room_a1), {"buyer_logo": svg}, follow=True)
        assert "SVG and other markup is not accepted" in response.content.decode()
        assert not Room.objects.get(pk=world.room_a1.pk).buyer_logo
        assert stored(media) == []

    @pytest.mark.parametrize("who", ["buyer", "outsider"])
    def test_buyers_and_outsiders_cannot(self, client, world, media, who):
        client.force_login(getattr(world, who))
        response = client.post(
            self.url(world.room_a1), {"buyer_logo": upload(image_bytes(), "b.png")}
        )
        assert response.status_code in {403, 404}
        assert stored(media) == []


def test_a_cached_room_page_follows_a_branding_change(client, world):
    client.force_login(world.buyer)
    room_url = reverse("room_detail", args=[world.room_a1.public_id])
    assert 'data-testid="brand-logos"' not in client.get(room_url).content.decode()
    logo = set_org_logo(client, world)
    client.force_login(world.buyer)
    assert f'src="{logo}"' in client.get(room_url).content.decode()


def test_the_room_emails_layout_shows_both_logos(client, world, media):
    from django.template.loader import render_to_string  # noqa: PLC0415 (only this test)

    set_org_logo(client, world)
    client.force_login(world.owner)
    buyer_png = upload(image_bytes(size=(300, 300), fmt="PNG"), "b.png")
    client.post(
        reverse("room_buyer_logo", args=[world.room_a1.public_id]), {"buyer_logo": buyer_png}
    )
    room = Room.objects.select_related("organisation").get(pk=world.room_a1.pk)
    html = render_to_string(
        "notifications/email/reminders_message.html", {"brand": room, "groups": []}
    )
    assert f'src="{room.organisation.logo_email_url}"' in html
    assert f'src="{room.buyer_logo_email_url}"' in html
    assert html.index(room.organisation.logo_email_url) < html.index(room.buyer_logo_email_url)
