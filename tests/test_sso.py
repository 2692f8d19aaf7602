"""Single sign-on per organisation (issue 17, item 2), against a real OpenID Connect provider:
django-oauth-toolkit in its own process (tests/oidc_provider). Discovery, the code exchange and
userinfo are real HTTP from Tandem to it; the person's side (the provider's sign-in page) is
played with ``requests``, Tandem's with Django's test client."""

import re
import uuid
from html import escape, unescape
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from allauth.account.internal.flows.login import perform_login
from allauth.account.models import EmailAddress, Login
from allauth.core import context
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.middleware import SessionMiddleware
from django.core import mail
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import override_settings
from django.urls import reverse

from accounts.models import Membership, Role, SingleSignOn, User
from accounts.sso import SsoSettings, sso_save
from activity.kinds import EventKind
from governance.models import AuditEntry
from rooms.access import room_access_for
from stakeholders.services import buyer_invite
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    StakeholderFactory,
    UserFactory,
    with_totp,
)
from tests.test_buyers import link_path

pytestmark = pytest.mark.django_db

IDP_PASSWORD = "idp-password-of-the-test"
SECRET = "s3cret-of-the-test-client"


def configure(owner, provider, *, role=Role.MANAGER, required=False, domains="a.example"):
    """Organisation A's single sign-on through the test provider, registered there too."""
    organisation = Membership.objects.get(user=owner).organisation
    client_id = f"tandem-{uuid.uuid4().hex[:8]}"
    sso = sso_save(
        organisation=organisation,
        values=SsoSettings(
            issuer=provider.issuer,
            client_id=client_id,
            client_secret=SECRET,
            domains=domains,
            role=role,
            required=required,
        ),
        actor=owner,
    )
    callback = reverse("openid_connect_callback", kwargs={"provider_id": sso.app.provider_id})
    provider.register(
        client_id=client_id, client_secret=SECRET, redirect_uris=[f"http://testserver{callback}"]
    )
    return sso


def through_provider(client, provider, email: str, *, as_email: str = "", password=IDP_PASSWORD):
    """Type ``email`` on Tandem's sign-in page, sign in at the provider as ``as_email`` (the
    same person unless told), and come back: Tandem's answer to the provider's redirect."""
    start = client.post(reverse("account_login"), {"step": "email", "login": email})
    assert start.status_code == 200, start.content.decode()
    authorize = provider_url(start)
    assert authorize.startswith(f"{provider.issuer}/authorize/")
    query = parse_qs(urlsplit(authorize).query)
    assert query["login_hint"] == [email]
    assert query["code_challenge_method"] == ["S256"]
    browser = requests.Session()
    answer = browser.get(authorize, allow_redirects=False, timeout=10)
    assert answer.status_code == 302  # not signed in there yet: its sign-in page
    sign_in_page = urljoin(answer.url, answer.headers["Location"])
    browser.get(sign_in_page, timeout=10).raise_for_status()
    answer = browser.post(
        sign_in_page,
        data={
            "username": as_email or email,
            "password": password,
            "csrfmiddlewaretoken": browser.cookies["idp_csrftoken"],
            "next": parse_qs(urlsplit(sign_in_page).query)["next"][0],
        },
        allow_redirects=False,
        timeout=10,
    )
    while answer.status_code == 302 and not answer.headers["Location"].startswith(
        "http://testserver/"
    ):
        answer = browser.get(
            urljoin(answer.url, answer.headers["Location"]), allow_redirects=False, timeout=10
        )
    assert answer.status_code == 302, answer.text[:2000]
    back = urlsplit(answer.headers["Location"])
    assert "code" in parse_qs(back.query)
    return client.get(f"{back.path}?{back.query}")


def provider_url(page) -> str:
    """Where the single sign-on step sends the browser (its link, and its meta refresh)."""
    html = page.content.decode()
    url = unescape(re.search(r'href="([^"]+)" data-testid="sso-continue"', html).group(1))
    if "Use my Tandem password instead" not in html:  # required: it goes on by itself
        assert f'content="0;url={escape(url)}"' in html
    return url


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


# Signing in through the provider ------------------------------------------------------------


def test_a_person_of_an_sso_domain_signs_in_at_their_provider_and_joins_the_organisation(
    client, world, oidc_provider
):
    configure(world.owner, oidc_provider, role=Role.MANAGER)
    oidc_provider.person("ada@a.example", IDP_PASSWORD, name="Ada Lovelace")

    response = through_provider(client, oidc_provider, "ada@a.example")

    assert response.status_code == 302, messages_of(response)
    assert response["Location"] == reverse("home")
    ada = User.objects.get(email="ada@a.example")
    assert ada.name == "Ada Lovelace"
    assert not ada.has_usable_password()
    assert EmailAddress.objects.get(user=ada).verified  # the provider's verified claim
    membership = Membership.objects.get(user=ada)
    assert (membership.organisation, membership.role) == (world.org_a, Role.MANAGER)
    (entry,) = AuditEntry.objects.filter(kind=EventKind.MEMBER_JOINED, actor_id=ada.pk)
    assert entry.summary == "joined through single sign-on as manager"
    assert entry.organisation_id == world.org_a.pk
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "Organisation A" in home.content.decode()


def test_a_second_sign_in_reuses_the_account_and_membership(client, world, oidc_provider):
    configure(world.owner, oidc_provider)
    oidc_provider.person("ada@a.example", IDP_PASSWORD, name="Ada Lovelace")
    through_provider(client, oidc_provider, "ada@a.example")
    client.logout()

    response = through_provider(client, oidc_provider, "ada@a.example")

    assert response.status_code == 302
    assert response.wsgi_request.user.email == "ada@a.example"
    assert User.objects.filter(email="ada@a.example").count() == 1
    assert SocialAccount.objects.filter(user__email="ada@a.example").count() == 1
    assert Membership.objects.filter(user__email="ada@a.example").count() == 1
    assert (
        AuditEntry.objects.filter(
            kind=EventKind.MEMBER_JOINED, summary__contains="single sign-on"
        ).count()
        == 1
    )


def test_an_existing_account_of_the_address_is_signed_in_to_and_connected(
    client, world, oidc_provider
):
    configure(world.owner, oidc_provider)
    oidc_provider.person(world.rep.email, IDP_PASSWORD)

    response = through_provider(client, oidc_provider, world.rep.email)

    assert response.status_code == 302
    assert response.wsgi_request.user == world.rep
    assert SocialAccount.objects.get(user=world.rep).provider.startswith("sso-")
    # Already a member: the role they have stays, and no second joining is recorded.
    assert Membership.objects.get(user=world.rep).role == Role.REP
    assert not AuditEntry.objects.filter(
        kind=EventKind.MEMBER_JOINED, summary__contains="single sign-on"
    ).exists()


def test_an_address_outside_the_domains_is_refused(client, world, oidc_provider):
    configure(world.owner, oidc_provider)
    oidc_provider.person("eve@elsewhere.example", IDP_PASSWORD)

    response = through_provider(
        client, oidc_provider, "ada@a.example", as_email="eve@elsewhere.example"
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    assert "eve@elsewhere.example is not an address of Organisation A" in messages_of(response)[0]
    assert not response.wsgi_request.user.is_authenticated
    assert not User.objects.filter(email="eve@elsewhere.example").exists()


def test_an_address_the_provider_has_not_verified_is_refused(client, world, oidc_provider):
    configure(world.owner, oidc_provider)
    oidc_provider.person("una@a.example", IDP_PASSWORD, verified=False)

    response = through_provider(client, oidc_provider, "una@a.example")

    assert response["Location"] == reverse("account_login")
    assert "has not verified una@a.example" in messages_of(response)[0]
    assert not User.objects.filter(email="una@a.example").exists()


def test_an_sso_sign_in_is_not_asked_for_the_organisations_second_factor(
    client, world, oidc_provider
):
    """The identity provider enforces its own second factor (web.sso): neither the
    organisation's rule nor allauth's own step asks for Tandem's."""
    world.org_a.require_two_factor = True
    world.org_a.save(update_fields=["require_two_factor"])
    configure(world.owner, oidc_provider)
    with_totp(world.rep)  # they have an authenticator app as well
    for email in ("ada@a.example", world.rep.email, world.manager.email):
        oidc_provider.person(email, IDP_PASSWORD)

    new_person = through_provider(client, oidc_provider, "ada@a.example")
    assert new_person["Location"] == reverse("home")
    assert client.get(reverse("dashboard")).status_code == 200  # not sent to set one up
    client.logout()
    # A member without a second factor (as the new person is from now on) is not asked either.
    without_factor = through_provider(client, oidc_provider, world.manager.email)
    assert without_factor.wsgi_request.user == world.manager
    assert client.get(reverse("dashboard")).status_code == 200
    client.logout()
    with_factor = through_provider(client, oidc_provider, world.rep.email)
    assert with_factor["Location"] == reverse("home")  # no code asked
    assert with_factor.wsgi_request.user == world.rep

    # A password sign-in of the same organisation is still asked (unchanged).
    client.logout()
    other = UserFactory(email="max@b.example")
    MembershipFactory(organisation=world.org_a, user=other)
    client.post(reverse("account_login"), {"login": other.email, "password": PASSWORD})
    assert client.get(reverse("dashboard"))["Location"] == reverse("two_factor_setup")


# The sign-in page ---------------------------------------------------------------------------


def test_the_sign_in_page_asks_for_the_email_first(client, db):
    page = client.get(reverse("account_login")).content.decode()
    assert 'name="step" value="email"' in page
    assert 'type="password"' not in page


def test_an_address_without_single_sign_on_goes_on_to_the_password(client, world):
    response = client.post(reverse("account_login"), {"step": "email", "login": world.rep.email})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'type="password"' in page
    assert f'value="{world.rep.email}"' in page
    assert "field__error" not in page
    response = client.post(
        reverse("account_login"), {"login": world.rep.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.wsgi_request.user == world.rep


def test_optional_single_sign_on_lets_a_person_choose_their_password(client, world, oidc_provider):
    configure(world.owner, oidc_provider, required=False)
    step = client.post(reverse("account_login"), {"step": "email", "login": world.rep.email})
    page = step.content.decode()
    assert "Use my Tandem password instead" in page
    assert 'http-equiv="refresh"' not in page
    password_step = client.post(
        reverse("account_login"), {"step": "password", "login": world.rep.email}
    )
    assert 'type="password"' in password_step.content.decode()
    response = client.post(
        reverse("account_login"), {"login": world.rep.email, "password": PASSWORD}
    )
    assert response.wsgi_request.user == world.rep


def test_required_single_sign_on_goes_on_to_the_provider_by_itself(client, world, oidc_provider):
    configure(world.owner, oidc_provider, required=True)
    for step in ("email", "password"):  # a forged password step is sent there too
        page = client.post(reverse("account_login"), {"step": step, "login": world.rep.email})
        html = page.content.decode()
        assert 'http-equiv="refresh"' in html
        assert "Use my Tandem password instead" not in html
        assert 'type="password"' not in html


@pytest.mark.parametrize("required", [True, False])
def test_a_provider_that_does_not_answer_is_a_message_not_an_error(client, world, required):
    sso_save(
        organisation=world.org_a,
        values=SsoSettings("http://127.0.0.1:9", "c", "s", "a.example", Role.REP, required),
        actor=world.owner,
    )
    response = client.post(reverse("account_login"), {"step": "email", "login": "x@a.example"})
    assert "identity provider did not answer" in messages_of(response)[0]
    if required:
        assert response["Location"] == reverse("account_login")
    else:  # the password instead
        assert 'type="password"' in response.content.decode()


def test_required_single_sign_on_refuses_a_password_sign_up_and_reset(client, world, oidc_provider):
    configure(world.owner, oidc_provider, required=True)

    response = client.post(
        reverse("account_login"), {"login": world.rep.email, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "Organisation A signs its people in with single sign-on" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated

    response = client.post(
        reverse("account_signup"),
        {
            "name": "Newt",
            "email": "newt@a.example",
            "password1": "a-fine-long-password",
            "password2": "a-fine-long-password",
        },
    )
    assert "signs its people in with single sign-on" in response.content.decode()
    assert not User.objects.filter(email="newt@a.example").exists()

    response = client.post(reverse("account_reset_password"), {"email": world.rep.email})
    assert "Tandem keeps no password for you" in response.content.decode()

    # Another domain is not concerned.
    response = client.post(
        reverse("account_login"), {"login": world.outsider.email, "password": PASSWORD}
    )
    assert response.wsgi_request.user == world.outsider


def test_required_single_sign_on_refuses_every_other_way_in(rf, world, oidc_provider):
    """Whatever signed the person in (a passkey, an emailed confirmation: allauth's
    perform_login, which the password goes through too) is refused before the session."""
    configure(world.owner, oidc_provider, required=True)
    request = rf.get("/")
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)
    request._messages = FallbackStorage(request)
    request.user = AnonymousUser()

    with context.request_context(request):  # as allauth's middleware does
        response = perform_login(request, Login(user=world.rep, email_verification="mandatory"))

    assert response["Location"] == reverse("account_login")
    assert "_auth_user_id" not in request.session
    assert "single sign-on" in str(list(request._messages)[0])
    # Another domain is let in.
    with context.request_context(request):
        perform_login(request, Login(user=world.outsider, email_verification="mandatory"))
    assert request.session["_auth_user_id"] == str(world.outsider.pk)


def test_single_sign_on_that_is_not_required_leaves_the_password(client, world, oidc_provider):
    configure(world.owner, oidc_provider, required=False)
    response = client.post(
        reverse("account_login"), {"login": world.rep.email, "password": PASSWORD}
    )
    assert response.wsgi_request.user == world.rep


# The settings page --------------------------------------------------------------------------


def form(**changes) -> dict:
    return {
        "issuer": "https://login.a.example",
        "client_id": "tandem-client",
        "client_secret": "the-secret-value",
        "domains": "a.example",
        "role": "rep",
        "required": "",
        **changes,
    }


def test_an_admin_sets_up_single_sign_on(client, world):
    client.force_login(world.owner)
    url = reverse("organisation_sso", args=[world.org_a.public_id])
    page = client.get(url).content.decode()
    provider_id = f"sso-{world.org_a.public_id}"
    assert f"http://testserver/accounts/oidc/{provider_id}/login/callback/" in page

    response = client.post(url, form(domains="@A.example", required="on", role="manager"))

    assert response.status_code == 302
    sso = SingleSignOn.objects.get(organisation=world.org_a)
    assert (sso.issuer, sso.role, sso.required, sso.domain_names) == (
        "https://login.a.example",
        "manager",
        True,
        ["a.example"],
    )
    app = SocialApp.objects.get(provider="openid_connect", provider_id=provider_id)
    assert (app.client_id, app.secret) == ("tandem-client", "the-secret-value")
    assert app.settings["server_url"] == "https://login.a.example"
    page = client.get(url).content.decode()
    assert "the-secret-value" not in page
    assert "Set. Leave blank to keep the saved secret" in page
    (entry,) = AuditEntry.objects.filter(kind=EventKind.SSO_CHANGED)
    assert entry.summary == "set up single sign-on"
    assert entry.actor_email == world.owner.email
    assert "the-secret-value" not in str(entry.data)

    # A blank secret keeps the saved one; the change is recorded, named.
    client.post(url, form(client_secret="", client_id="tandem-client-2"))
    app.refresh_from_db()
    assert (app.client_id, app.secret) == ("tandem-client-2", "the-secret-value")
    latest = AuditEntry.objects.filter(kind=EventKind.SSO_CHANGED).order_by("-created_at")[0]
    assert "client_id" in latest.summary
    assert "required" in latest.summary


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"issuer": "http://login.a.example"}, "issuer", "must be an https:// address"),
        ({"issuer": "not a url"}, "issuer", "Enter the issuer as a URL"),
        ({"issuer": "https://login.a.example/?x=1"}, "issuer", "without ?"),
        ({"client_id": ""}, "client_id", "This field is required"),
        ({"client_secret": ""}, "client_secret", "Enter the client secret"),
        ({"domains": "not_a_domain"}, "domains", "is not an email domain"),
        ({"domains": "gmail.com"}, "domains", "public mail provider"),
        ({"domains": "b.example"}, "domains", "already signs in to another organisation"),
        ({"domains": "c.example"}, "domains", "No member of Organisation A"),
        ({"role": "owner"}, "role", "Select a valid choice"),
    ],
)
def test_the_settings_page_refuses_bad_input(client, world, changes, field, message):
    sso_save(
        organisation=world.org_b,
        values=SsoSettings("https://id.b.example", "b", "s", "b.example", Role.REP, False),
        actor=world.outsider,
    )
    client.force_login(world.owner)
    url = reverse("organisation_sso", args=[world.org_a.public_id])
    response = client.post(url, form(**changes))
    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    # What was typed is kept (the secret aside).
    assert f"{form(**changes)['domains']}</textarea>" in response.content.decode()
    assert not SingleSignOn.objects.filter(organisation=world.org_a).exists()
    assert not SocialApp.objects.filter(provider_id=f"sso-{world.org_a.public_id}").exists()


@override_settings(DEBUG=False, WEBHOOKS_ALLOW_PRIVATE=False)
def test_a_local_issuer_needs_local_use_allowed(world):
    with pytest.raises(ValidationError, match="https"):
        sso_save(
            organisation=world.org_a,
            values=SsoSettings("http://127.0.0.1:8080", "c", "s", "a.example", Role.REP, False),
            actor=world.owner,
        )


def test_outsiders_get_404_and_members_403(client, world):
    url = reverse("organisation_sso", args=[world.org_a.public_id])
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404
    assert client.post(url, form()).status_code == 404
    client.force_login(world.rep)
    assert client.post(url, form()).status_code == 403
    assert not SingleSignOn.objects.exists()


def test_turning_single_sign_on_off_removes_the_app_and_is_recorded(client, world, oidc_provider):
    configure(world.owner, oidc_provider)
    oidc_provider.person("ada@a.example", IDP_PASSWORD)
    through_provider(client, oidc_provider, "ada@a.example")
    client.force_login(world.owner)

    response = client.post(reverse("organisation_sso_remove", args=[world.org_a.public_id]))

    assert response.status_code == 302
    assert not SingleSignOn.objects.exists()
    assert not SocialApp.objects.exists()
    assert not SocialAccount.objects.exists()
    assert Membership.objects.filter(user__email="ada@a.example").exists()  # still a member
    assert AuditEntry.objects.filter(
        kind=EventKind.SSO_CHANGED, summary="turned single sign-on off"
    ).exists()
    # Its domain signs in with a password again.
    client.logout()
    page = client.post(reverse("account_login"), {"step": "email", "login": "ada@a.example"})
    assert page.status_code == 200


def test_buyers_are_unaffected(client, world, django_capture_on_commit_callbacks):
    """A buyer follows their emailed link, passwordless, whatever their domain's single sign-on
    says: organisation B requires it for the buyer's domain (it has a member there)."""
    MembershipFactory(organisation=world.org_b, user__email="boss@buyer-a1.example")
    sso_save(
        organisation=world.org_b,
        values=SsoSettings("https://id.b.example", "b", "s", "buyer-a1.example", Role.REP, True),
        actor=world.outsider,
    )
    cara = StakeholderFactory(room=world.room_a1, name="Cara", email="cara@buyer-a1.example")
    with django_capture_on_commit_callbacks(execute=True):
        buyer_invite(stakeholder=cara, by=room_access_for(world.owner, world.room_a1))
    path = link_path(next(m for m in mail.outbox if m.to == [cara.email]))

    response = client.post(path)

    assert response["Location"] == reverse("room_detail", args=[world.room_a1.public_id])
    assert client.get(response["Location"]).status_code == 200
    assert not Membership.objects.filter(user__email="cara@buyer-a1.example").exists()
