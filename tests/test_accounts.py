"""Seller accounts through django-allauth: sign-up, verification, sign-in, reset, rate limits."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
GOOD_PASSWORD = "plan-together-2026"


def sign_up(client, email="new.seller@example.com", password=GOOD_PASSWORD, password2=None):
    return client.post(
        reverse("account_signup"),
        {
            "name": "New Seller",
            "email": email,
            "password1": password,
            "password2": password2 or password,
        },
    )


def first_link(message) -> str:
    return re.sub(r"^https?://[^/]+", "", re.search(r"https?://\S+", message.body).group(0))


def test_sign_up_sends_a_verification_email_and_following_it_signs_in(client):
    response = sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert len(mail.outbox) == 1
    link = first_link(mail.outbox[0])
    assert client.get("/").status_code == 200  # not signed in yet: the landing page
    assert "Confirm" in client.get(link).content.decode()  # GET changes nothing
    assert not EmailAddress.objects.get(email="new.seller@example.com").verified
    response = client.post(link)
    assert EmailAddress.objects.get(email="new.seller@example.com").verified
    assert client.get("/")["Location"] == reverse("organisation_create")


def test_an_unverified_seller_cannot_sign_in(client):
    sign_up(client)
    client.logout()
    mail.outbox.clear()
    response = client.post(
        reverse("account_login"), {"login": "new.seller@example.com", "password": GOOD_PASSWORD}
    )
    assert response["Location"] == reverse("account_email_verification_sent")
    assert client.get("/").status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_verification_link_works_once(client):
    sign_up(client)
    link = first_link(mail.outbox[0])
    client.post(link)
    client.logout()
    again = client.get(link)
    assert again.status_code == 200
    assert "has expired or was already used" in again.content.decode()


@pytest.mark.parametrize(
    ("email", "password", "password2", "message"),
    [
        ("not-an-email", GOOD_PASSWORD, None, "Enter a valid email address."),
        ("weak@example.com", "password", None, "This password is too common."),
        ("short@example.com", "Ab1!", None, "This password is too short."),
        ("digits@example.com", "48213579066", None, "This password is entirely numeric."),
        ("typo@example.com", GOOD_PASSWORD, GOOD_PASSWORD + "x", "same password each time"),
    ],
)
def test_bad_sign_ups_get_a_field_error_and_create_nothing(
    client, email, password, password2, message
):
    response = sign_up(client, email=email, password=password, password2=password2)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()
    assert mail.outbox == []


def test_signing_up_with_a_taken_email_reveals_nothing_and_warns_the_owner(client):
    UserFactory(email="taken@example.com")
    response = sign_up(client, email="TAKEN@example.com")
    # The same answer as for a new address (enumeration prevention) ...
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    # ... no second account, and the real owner hears about the attempt.
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1
    assert [m.to for m in mail.outbox] == [["taken@example.com"]]
    assert "already" in mail.outbox[0].body.lower()


def test_password_reset_answers_the_same_for_unknown_addresses(client):
    UserFactory(email="known@example.com")
    known = client.post(reverse("account_reset_password"), {"email": "known@example.com"})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


def test_password_reset_link_sets_a_new_password(client):
    user = UserFactory(email="forgetful@example.com")
    client.post(reverse("account_reset_password"), {"email": "forgetful@example.com"})
    link = first_link(next(m for m in mail.outbox if m.to == ["forgetful@example.com"]))
    form_url = client.get(link)["Location"]  # allauth moves the key into the session
    response = client.post(
        form_url, {"password1": "a-brand-new-password", "password2": "a-brand-new-password"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-brand-new-password")


def test_sign_in_is_locked_after_five_failures_for_that_address(client):
    UserFactory(email="target@example.com")
    url = reverse("account_login")
    for _ in range(5):
        page = client.post(url, {"login": "target@example.com", "password": "wrong-guess"})
        assert "not correct" in page.content.decode()
    # Even the right password is refused while the limit holds.
    right = client.post(url, {"login": "target@example.com", "password": PASSWORD})
    assert "Too many failed login attempts" in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_in_attempts_from_one_address_are_rate_limited(client):
    url = reverse("account_login")
    statuses = [
        client.post(url, {"login": f"p{i}@example.com", "password": "x"}) for i in range(31)
    ]
    assert {response.status_code for response in statuses[:30]} == {200}
    assert statuses[30].status_code == 429


def test_a_verified_seller_signs_in_and_out(client):
    UserFactory(email="seller@example.com")
    response = client.post(
        reverse("account_login"), {"login": "Seller@Example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/")["Location"] == reverse("organisation_create")
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


def test_the_allauth_pages_use_the_product_layout(client):
    for name in ["account_login", "account_signup", "account_reset_password"]:
        html = client.get(reverse(name)).content.decode()
        assert 'class="topbar"' in html
        assert "css/tandem.css" in html


def test_a_seller_names_themselves_on_the_profile_page_and_blank_is_refused(client):
    user = UserFactory(name="")
    client.force_login(user)
    response = client.post(reverse("profile"), {"name": "   "})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    response = client.post(reverse("profile"), {"name": "  Sam   Seller "})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.name == "Sam Seller"
    page = client.get(reverse("profile")).content.decode()
    assert 'value="Sam Seller"' in page
    menu = page.split('data-testid="account-menu"', 1)[1].split("</summary>", 1)[0]
    assert "Sam Seller" in menu  # the account menu names them


def test_sign_up_asks_for_the_name_and_keeps_it(client):
    response = client.post(
        reverse("account_signup"),
        {
            "name": "Nia Newcomer",
            "email": "nia@seller.example",
            "password1": "plum-harbour-lantern-42",
            "password2": "plum-harbour-lantern-42",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email="nia@seller.example").name == "Nia Newcomer"
    page = client.get(reverse("account_signup")).content.decode()
    assert "Signup" not in page and "Please contact us" not in page
