"""Emails that carry a secret link: their failures reach the organisation's admins, the
outbox never holds the link (waiting, sending, sent or failed), and staff never read it."""

import re
from smtplib import SMTPRecipientsRefused
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.services import invitation_create
from accounts.tokens import token_hash
from outbox.models import EmailStatus, OutboundEmail
from outbox.tasks import email_send
from rooms.access import room_access_for
from stakeholders.services import buyer_invite, buyer_links_request
from tests.factories import (
    PASSWORD,
    StakeholderFactory,
    UserFactory,
    sign_in_with_totp,
    with_totp,
)

BOUNCE = SMTPRecipientsRefused({"cara@buyer-a1.example": (550, b"No such user")})
LINK = re.compile(r"https?://[^/\s]+(/(?:b|invitations)/[^/\s]+/)")


def bounced():
    return mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=BOUNCE)


def stored(email: OutboundEmail) -> str:
    email.refresh_from_db()
    return email.subject + email.body_text + email.body_html


def tokens_in(text: str) -> list[str]:
    return [path.strip("/").split("/")[-1] for path in LINK.findall(text)]


@pytest.fixture
def cara(world):
    return StakeholderFactory(
        room=world.room_a1, name="Cara Champion", email="cara@buyer-a1.example", role="champion"
    )


def invite(world, cara, capture) -> OutboundEmail:
    with capture(execute=True):
        link = buyer_invite(stakeholder=cara, by=room_access_for(world.owner, world.room_a1))
    return OutboundEmail.objects.get(key=f"buyer-invitation:{link.pk}")


def test_a_failed_buyer_invitation_shows_to_the_admins_and_is_sent_again_with_a_working_link(
    client, world, cara, django_capture_on_commit_callbacks
):
    with bounced():
        email = invite(world, cara, django_capture_on_commit_callbacks)
    email.refresh_from_db()
    assert email.status == EmailStatus.FAILED
    client.force_login(world.owner)
    page = client.get(reverse("email_deliveries", args=[world.org_a.public_id]))
    assert "cara@buyer-a1.example" in page.content.decode()
    assert "No such user" in page.content.decode()

    url = reverse("email_send_again", args=[world.org_a.public_id, email.public_id])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    path = LINK.search(mail.outbox[-1].body).group(1)
    assert Client().post(path)["Location"].endswith(f"/rooms/{world.room_a1.public_id}/")


def test_a_failed_organisation_invitation_shows_to_the_admins_and_is_sent_again(
    client, world, django_capture_on_commit_callbacks
):
    with bounced(), django_capture_on_commit_callbacks(execute=True):
        invitation_create(
            organisation=world.org_a, email="nina@a.example", role="rep", invited_by=world.owner
        )
    email = OutboundEmail.objects.get(to="nina@a.example")
    assert email.status == EmailStatus.FAILED
    client.force_login(world.owner)
    page = client.get(reverse("email_deliveries", args=[world.org_a.public_id]))
    assert "nina@a.example" in page.content.decode()
    url = reverse("email_send_again", args=[world.org_a.public_id, email.public_id])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    path = LINK.search(mail.outbox[-1].body).group(1)
    UserFactory(email="nina@a.example")
    nina = Client()
    nina.login(email="nina@a.example", password=PASSWORD)
    nina.post(path)
    assert world.org_a.memberships.filter(user__email="nina@a.example").exists()


def test_a_buyer_asking_for_links_to_one_organisations_rooms_is_that_organisations_email(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        buyer_links_request(email="bea@buyer-a1.example")
    assert OutboundEmail.objects.get(to="bea@buyer-a1.example").organisation == world.org_a


def test_the_outbox_never_holds_a_buyers_link_waiting_sent_or_failed(
    world, cara, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        link = buyer_invite(stakeholder=cara, by=room_access_for(world.owner, world.room_a1))
    waiting = OutboundEmail.objects.get(key=f"buyer-invitation:{link.pk}")
    assert "/b/" in stored(waiting)  # where the link goes...
    assert not any(
        cara.links.filter(token_hash=hash_of(t)).exists() for t in tokens_in(stored(waiting))
    )  # ...but no token that opens anything
    assert email_send.run(waiting.pk) == "sent"
    token = tokens_in(mail.outbox[-1].body)[0]
    assert token not in stored(waiting)


def test_an_interrupted_email_keeps_no_link_in_the_outbox(
    world, cara, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        link = buyer_invite(stakeholder=cara, by=room_access_for(world.owner, world.room_a1))
    email = OutboundEmail.objects.get(key=f"buyer-invitation:{link.pk}")
    died = mock.patch("outbox.tasks.email_mark_sent", side_effect=SystemExit("killed"))
    with died, pytest.raises(SystemExit):
        email_send.run(email.pk)
    email.refresh_from_db()
    assert email.status == EmailStatus.SENDING  # left for the admins to decide
    token = tokens_in(mail.outbox[-1].body)[0]
    assert token not in stored(email)


def test_an_email_for_a_link_revoked_before_it_is_sent_is_cancelled(
    world, cara, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        link = buyer_invite(stakeholder=cara, by=room_access_for(world.owner, world.room_a1))
        buyer_invite(stakeholder=cara, by=room_access_for(world.owner, world.room_a1))  # again
    first = OutboundEmail.objects.get(key=f"buyer-invitation:{link.pk}")
    assert email_send.run(first.pk) == "cancelled"
    assert mail.outbox == []


def test_a_placeholder_typed_into_an_email_brings_no_link(
    world, django_capture_on_commit_callbacks
):
    """Someone names a colleague after another person's link: nothing is made for it."""
    with django_capture_on_commit_callbacks(execute=True):
        link = buyer_invite(
            stakeholder=world.room_a1.stakeholders.get(email="bea@buyer-a1.example"),
            by=room_access_for(world.owner, world.room_a1),
        )
    placeholder = f"tandemsecret-buyer_link-{link.pk}-{'0' * 20}"
    bait = StakeholderFactory(
        room=world.room_a1, name=placeholder, email="eve@elsewhere.example", role="champion"
    )
    with django_capture_on_commit_callbacks(execute=True):
        buyer_invite(stakeholder=bait, by=room_access_for(world.owner, world.room_a1))
    sent = mail.outbox[-1]
    assert sent.to == ["eve@elsewhere.example"]
    assert len(set(tokens_in(sent.body))) == 1  # eve's own link only


def test_staff_never_read_a_secret_link_in_the_admin(client, world):
    email = OutboundEmail.objects.create(
        key="legacy:1",
        to="cara@buyer-a1.example",
        subject="Your room",
        body_text="Open https://x.example/b/the-secret-token/",
        body_html='<a href="https://x.example/b/the-secret-token/">Open</a>',
        scrub_after_send=True,
        status=EmailStatus.SENDING,
    )
    staff = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)
    sign_in_with_totp(client, staff, with_totp(staff))
    page = client.get(reverse("admin:outbox_outboundemail_change", args=[email.pk]))
    assert page.status_code == 200
    assert "Your room" in page.content.decode()
    assert "the-secret-token" not in page.content.decode()


def hash_of(token: str) -> str:
    return token_hash(token)
