"""Two-factor sign-in for sellers (allauth.mfa), required by an organisation's setting and
always of Django's staff; buyers stay passwordless."""

from allauth.mfa.models import Authenticator
from django.urls import reverse

from accounts.models import Role
from activity.kinds import EventKind
from governance.models import AuditEntry
from tests.factories import PASSWORD, MembershipFactory, sign_in_with_totp, totp_code, with_totp


def sign_in(client, user):
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})


def require_two_factor(client, world, on=True):
    client.force_login(world.owner)
    response = client.post(
        reverse("organisation_security", args=[world.org_a.public_id]),
        {"require_two_factor": "on"} if on else {},
    )
    assert response.status_code == 302
    client.logout()


def test_a_member_with_an_authenticator_app_is_asked_for_its_code_at_sign_in(client, world):
    secret = with_totp(world.rep)
    response = sign_in(client, world.rep)
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # not signed in on the password alone
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert client.session["_auth_user_id"] == str(world.rep.pk)


def test_an_admin_requires_two_factor_and_the_log_says_so(client, world):
    require_two_factor(client, world)
    world.org_a.refresh_from_db()
    assert world.org_a.require_two_factor
    (entry,) = AuditEntry.objects.filter(kind=EventKind.SECURITY_SETTINGS_CHANGED)
    assert entry.summary == "required two-factor sign-in of every member"
    assert entry.actor_email == "owner@a.example"


def test_a_member_without_a_second_factor_can_do_nothing_else_until_they_add_one(client, world):
    require_two_factor(client, world)
    response = sign_in(client, world.rep)
    assert client.session["_auth_user_id"] == str(world.rep.pk)
    setup = reverse("two_factor_setup")
    assert client.get(response["Location"])["Location"] == setup
    for url in (reverse("home"), reverse("dashboard"), reverse("api_tokens")):
        assert client.get(url)["Location"] == setup, url
    # HTMX requests are sent there too, as a full page.
    htmx = client.get(reverse("home"), HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"] == setup
    page = client.get(setup)
    assert page.status_code == 200
    assert "Your organisation asks every member" in page.content.decode()
    assert client.get(reverse("mfa_index")).status_code == 200  # where factors are added
    # Adding an authenticator app ends it.
    with_totp(world.rep)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(setup)["Location"] == reverse("home")


def test_a_member_of_an_organisation_that_does_not_require_it_is_not_asked(client, world):
    sign_in(client, world.rep)
    assert client.get(reverse("home")).status_code == 200


def test_the_requirement_follows_the_person_into_every_organisation(client, world):
    # A person in two organisations is asked if either requires it.
    require_two_factor(client, world)
    MembershipFactory(organisation=world.org_b, user=world.rep, role=Role.REP)
    sign_in(client, world.rep)
    assert client.get(reverse("home"))["Location"] == reverse("two_factor_setup")


def test_buyers_are_never_asked_for_a_second_factor(client, world):
    require_two_factor(client, world)
    client.force_login(world.buyer)
    assert client.get(reverse("home")).status_code == 200
    assert not Authenticator.objects.filter(user=world.buyer).exists()


def test_staff_without_a_second_factor_are_made_to_set_one_up(client, world):
    staff = MembershipFactory(
        organisation=world.org_b, user__email="ops@example.com", user__is_staff=True
    ).user
    sign_in(client, staff)
    assert client.get(reverse("admin:index"))["Location"] == reverse("two_factor_setup")
    page = client.get(reverse("two_factor_setup")).content.decode()
    assert "admin asks every staff member" in page


def test_staff_signed_in_without_their_second_factor_are_asked_for_it_before_the_admin(
    client, world
):
    staff = MembershipFactory(
        organisation=world.org_b, user__email="ops@example.com", user__is_staff=True
    ).user
    with_totp(staff)
    client.force_login(staff)  # a session that never passed the second step
    response = client.get(reverse("admin:index"))
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))


def test_staff_who_passed_the_second_factor_reach_the_admin(client, world):
    staff = MembershipFactory(
        organisation=world.org_b, user__email="ops@example.com", user__is_staff=True
    ).user
    sign_in_with_totp(client, staff, with_totp(staff))
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_security_page_lists_who_has_a_second_factor(client, world):
    with_totp(world.rep)
    client.force_login(world.owner)
    page = client.get(reverse("organisation_security", args=[world.org_a.public_id]))
    html = page.content.decode()
    assert "2 without" in html  # the owner and the manager
    assert html.count(">On<") == 1
