import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, Membership, Organisation, Role
from tests.factories import InvitationFactory, MembershipFactory, UserFactory
from web.fragments import CSRF_PLACEHOLDER

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """client.post that runs what the view queued with transaction.on_commit (the emails)."""

    def _post(url, data=None, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data or {}, **kwargs)

    return _post


@pytest.fixture
def invite(post):
    def _invite(organisation, email="new.colleague@example.com", role="manager"):
        url = reverse("invitation_create", args=[organisation.public_id])
        return post(url, {"email": email, "role": role})

    return _invite


def link_in(message) -> str:
    return re.search(r"https?://\S+/invitations/\S+/", message.body).group(0)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


class TestOnboarding:
    def test_signed_in_person_without_organisation_is_sent_to_create_one(self, client, user):
        client.force_login(user)
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"] == reverse("organisation_create")

    def test_creating_an_organisation_makes_the_creator_its_admin(self, client, user):
        client.force_login(user)
        response = client.post(reverse("organisation_create"), {"name": "  Globex  "})
        assert response.status_code == 302
        organisation = Organisation.objects.get()
        assert organisation.name == "Globex"
        assert Membership.objects.get(user=user).role == Role.ADMIN
        assert "Create your first room" in client.get("/").content.decode()

    def test_creating_an_organisation_does_not_reveal_whether_its_name_is_taken(self, client, user):
        """A name is only a label: a second "Globex" is simply created, for the person alone."""
        globex = Organisation.objects.create(name="Globex")
        client.force_login(user)
        response = client.post(reverse("organisation_create"), {"name": "GLOBEX"})
        assert response.status_code == 302
        assert "already exists" not in client.get(response["Location"]).content.decode()
        mine = Membership.objects.get(user=user).organisation
        assert mine != globex
        assert mine.name == "GLOBEX"
        assert not globex.memberships.filter(user=user).exists()

    @pytest.mark.parametrize("name", ["", "   ", "x" * 121])
    def test_a_blank_or_overlong_name_is_a_field_error(self, client, user, name):
        client.force_login(user)
        response = client.post(reverse("organisation_create"), {"name": name})
        assert response.status_code == 200
        assert 'class="field__error"' in response.content.decode()
        assert not Organisation.objects.exists()

    def test_organisation_names_are_shown_as_written_and_never_executed(self, client, user):
        client.force_login(user)
        client.post(reverse("organisation_create"), {"name": "<script>alert(1)</script> ש"})
        html = client.get("/").content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; ש" in html


class TestSwitching:
    def test_a_person_in_two_organisations_switches_between_them(self, client, world):
        second = MembershipFactory(user=world.manager, role=Role.ADMIN).organisation
        client.force_login(world.manager)
        assert world.org_a.name in client.get("/").content.decode()
        response = client.post(reverse("organisation_switch", args=[second.public_id]))
        assert response.status_code == 302
        page = client.get("/").content.decode()
        assert f'<p class="eyebrow">{second.name}</p>' in page

    def test_switching_to_an_organisation_one_is_not_in_is_404(self, client, world):
        client.force_login(world.rep)
        response = client.post(reverse("organisation_switch", args=[world.org_b.public_id]))
        assert response.status_code == 404
        assert "Organisation A" in client.get("/").content.decode()

    def test_a_removed_member_falls_back_to_their_other_organisation(self, client, world):
        other = MembershipFactory(user=world.rep).organisation
        client.force_login(world.rep)
        client.post(reverse("organisation_switch", args=[world.org_a.public_id]))
        Membership.objects.filter(user=world.rep, organisation=world.org_a).delete()
        assert f'<p class="eyebrow">{other.name}</p>' in client.get("/").content.decode()


class TestTopBar:
    """The top bar is rendered once per person, organisation and page (web.templatetags.shell):
    whatever it shows must still change when that does."""

    def switcher(self, html: str) -> str:
        return html.split('data-testid="org-switcher"', 1)[1].split("</details>", 1)[0]

    def test_it_follows_the_page_the_name_and_the_organisations(self, client, world):
        client.force_login(world.manager)
        home = client.get(reverse("home")).content.decode()
        assert re.search(r'href="/"\s+aria-current="page">Rooms<', home)
        dashboard = client.get(reverse("dashboard")).content.decode()
        assert 'aria-current="page">Dashboard<' in dashboard
        assert 'aria-current="page">Rooms<' not in dashboard
        assert "Switch organisation" not in self.switcher(dashboard)

        world.manager.name = "Mona Renamed"
        world.manager.save()
        second = MembershipFactory(user=world.manager, role=Role.REP).organisation
        html = client.get(reverse("dashboard")).content.decode()
        assert "Mona Renamed" in html
        assert second.name in self.switcher(html)
        client.post(reverse("organisation_switch", args=[second.public_id]))
        html = client.get(reverse("dashboard")).content.decode()
        assert world.org_a.name in self.switcher(html).split("Switch organisation", 1)[1]

    def test_its_forms_carry_the_persons_own_csrf_token(self, client, world):
        client.force_login(world.owner)
        html = client.get(reverse("home")).content.decode()
        sign_out = html.split(f'action="{reverse("account_logout")}"', 1)[1][:200]
        assert 'name="csrfmiddlewaretoken" value="' in sign_out
        assert CSRF_PLACEHOLDER not in html


class TestInvitations:
    def test_admin_invites_and_the_invitee_joins_through_the_emailed_link(
        self, client, world, invite
    ):
        client.force_login(world.owner)
        response = invite(world.org_a)
        assert response.status_code == 302
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["new.colleague@example.com"]
        assert "Organisation A" in message.subject
        assert message.alternatives[0][1] == "text/html"
        link = path_of(link_in(message))

        invitee = UserFactory(email="new.colleague@example.com")
        client.force_login(invitee)
        page = client.get(link)  # a mail scanner's GET changes nothing
        assert page.status_code == 200
        assert "Join Organisation A" in page.content.decode()
        assert not Membership.objects.filter(user=invitee).exists()

        assert client.post(link).status_code == 302
        membership = Membership.objects.get(user=invitee)
        assert (membership.organisation, membership.role) == (world.org_a, Role.MANAGER)
        assert Invitation.objects.get().accepted_by == invitee

    def test_the_token_is_stored_only_as_a_hash(self, client, world, invite):
        client.force_login(world.owner)
        invite(world.org_a)
        token = link_in(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]
        invitation = Invitation.objects.get()
        assert len(token) >= 43  # 256 bits, base64
        assert token not in invitation.token_hash

    def test_a_used_invitation_link_cannot_be_used_again(self, client, world, invite):
        client.force_login(world.owner)
        invite(world.org_a)
        link = path_of(link_in(mail.outbox[0]))
        invitee = UserFactory(email="new.colleague@example.com")
        client.force_login(invitee)
        client.post(link)
        again = client.post(link)
        assert again.status_code == 410
        assert "can no longer be used" in again.content.decode()
        assert Membership.objects.filter(user=invitee).count() == 1

    def test_an_expired_invitation_shows_a_clear_message_and_joins_nobody(
        self, client, world, invite
    ):
        client.force_login(world.owner)
        invite(world.org_a)
        link = path_of(link_in(mail.outbox[0]))
        Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
        invitee = UserFactory(email="new.colleague@example.com")
        client.force_login(invitee)
        assert client.get(link).status_code == 410
        assert client.post(link).status_code == 410
        assert not Membership.objects.filter(user=invitee).exists()

    def test_an_invitation_for_another_address_is_refused(self, client, world, invite):
        client.force_login(world.owner)
        invite(world.org_a)
        link = path_of(link_in(mail.outbox[0]))
        stranger = UserFactory(email="someone.else@example.com")
        client.force_login(stranger)
        assert "Sign out and sign in" in client.get(link).content.decode()
        assert client.post(link).status_code == 403
        assert not Membership.objects.filter(user=stranger).exists()
        assert Invitation.objects.get().is_pending

    def test_an_unverified_address_cannot_accept(self, client, world, invite):
        client.force_login(world.owner)
        invite(world.org_a)
        link = path_of(link_in(mail.outbox[0]))
        invitee = UserFactory(email="new.colleague@example.com")
        invitee.emailaddress_set.update(verified=False)
        client.force_login(invitee)
        assert client.post(link).status_code == 403
        assert not Membership.objects.filter(user=invitee).exists()

    def test_an_anonymous_visitor_is_asked_to_sign_in_or_sign_up(self, client, world, invite):
        client.force_login(world.owner)
        invite(world.org_a)
        link = path_of(link_in(mail.outbox[0]))
        client.logout()
        page = client.get(link).content.decode()
        assert f"{reverse('account_signup')}?next=" in page
        response = client.post(link)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))

    @pytest.mark.parametrize("token", ["made-up", "a" * 43, "../../etc"])
    def test_tampered_tokens_are_404(self, client, token):
        assert client.get(f"/invitations/{token}/").status_code == 404

    def test_resending_replaces_the_link_and_the_old_one_stops_working(
        self, client, world, invite, post
    ):
        client.force_login(world.owner)
        invite(world.org_a)
        old_link = path_of(link_in(mail.outbox[0]))
        invitation = Invitation.objects.get()
        post(reverse("invitation_resend", args=[world.org_a.public_id, invitation.public_id]))
        assert len(mail.outbox) == 2
        new_link = path_of(link_in(mail.outbox[1]))
        assert new_link != old_link
        assert client.get(old_link).status_code == 404
        assert client.get(new_link).status_code == 200

    def test_inviting_the_same_address_twice_keeps_one_open_invitation(self, client, world, invite):
        client.force_login(world.owner)
        invite(world.org_a, email="Twice@Example.com")
        invite(world.org_a, email="twice@example.com", role="rep")
        invitation = Invitation.objects.get()
        assert (invitation.email, invitation.role) == ("twice@example.com", Role.REP)
        assert len(mail.outbox) == 2

    def test_a_revoked_invitation_is_dead(self, client, world, invite, post):
        client.force_login(world.owner)
        invite(world.org_a)
        link = path_of(link_in(mail.outbox[0]))
        invitation = Invitation.objects.get()
        client.post(
            reverse("invitation_revoke", args=[world.org_a.public_id, invitation.public_id])
        )
        assert client.get(link).status_code == 410

    @pytest.mark.parametrize(
        ("data", "error"),
        [
            ({"email": "not-an-email", "role": "rep"}, "Enter a valid email address."),
            ({"email": "x@example.com", "role": "overlord"}, "Select a valid choice."),
            ({"email": "manager@a.example", "role": "rep"}, "is already a member"),
        ],
    )
    def test_bad_invitations_get_a_clear_error_and_send_nothing(
        self, client, post, world, data, error
    ):
        client.force_login(world.owner)
        response = post(reverse("invitation_create", args=[world.org_a.public_id]), data)
        assert response.status_code == 400
        assert error in response.content.decode()
        assert not Invitation.objects.exists()
        assert mail.outbox == []

    def test_a_manager_cannot_invite(self, client, world, invite):
        client.force_login(world.manager)
        assert invite(world.org_a).status_code == 403
        assert not Invitation.objects.exists()

    def test_an_admin_cannot_act_on_another_organisations_invitation(self, client, world):
        foreign = InvitationFactory(organisation=world.org_b)
        client.force_login(world.owner)
        url = reverse("invitation_revoke", args=[world.org_a.public_id, foreign.public_id])
        assert client.post(url).status_code == 404
        foreign.refresh_from_db()
        assert foreign.revoked_at is None

    def test_an_invitee_joins_from_the_onboarding_page_without_the_link(self, client, world):
        invitation = InvitationFactory(organisation=world.org_a, email="late@example.com")
        invitee = UserFactory(email="late@example.com")
        client.force_login(invitee)
        page = client.get(reverse("organisation_create")).content.decode()
        assert "Join Organisation A" in page
        client.post(reverse("invitation_accept_mine", args=[invitation.public_id]))
        assert Membership.objects.filter(user=invitee, organisation=world.org_a).exists()

    def test_nobody_else_can_accept_an_invitation_by_its_id(self, client, world):
        invitation = InvitationFactory(organisation=world.org_a, email="late@example.com")
        client.force_login(world.outsider)
        url = reverse("invitation_accept_mine", args=[invitation.public_id])
        assert client.post(url).status_code == 404
        assert not Membership.objects.filter(user=world.outsider, organisation=world.org_a).exists()


class TestRoles:
    def role_url(self, world, user):
        membership = Membership.objects.get(user=user, organisation=world.org_a)
        return reverse("member_set_role", args=[world.org_a.public_id, membership.public_id])

    def test_an_admin_changes_a_role(self, client, world):
        client.force_login(world.owner)
        client.post(self.role_url(world, world.rep), {"role": "manager"})
        assert Membership.objects.get(user=world.rep).role == Role.MANAGER

    def test_the_last_admin_cannot_step_down(self, client, world):
        client.force_login(world.owner)
        response = client.post(self.role_url(world, world.owner), {"role": "rep"}, follow=True)
        assert "at least one admin" in response.content.decode()
        assert Membership.objects.get(user=world.owner).role == Role.ADMIN

    def test_the_last_admin_cannot_be_removed(self, client, world):
        client.force_login(world.owner)
        membership = Membership.objects.get(user=world.owner)
        url = reverse("member_remove", args=[world.org_a.public_id, membership.public_id])
        client.post(url)
        assert Membership.objects.filter(pk=membership.pk).exists()

    def test_a_rep_cannot_change_roles(self, client, world):
        client.force_login(world.rep)
        assert client.post(self.role_url(world, world.rep), {"role": "admin"}).status_code == 403
        assert Membership.objects.get(user=world.rep).role == Role.REP

    def test_an_unknown_role_changes_nothing(self, client, world):
        client.force_login(world.owner)
        response = client.post(self.role_url(world, world.rep), {"role": "overlord"}, follow=True)
        assert "Choose one of the roles" in response.content.decode()
        assert Membership.objects.get(user=world.rep).role == Role.REP

    def test_an_outsider_cannot_change_roles_in_another_organisation(self, client, world):
        client.force_login(world.outsider)
        assert client.post(self.role_url(world, world.rep), {"role": "admin"}).status_code == 404

    def test_members_see_the_team_but_not_the_admin_controls(self, client, world):
        client.force_login(world.rep)
        page = client.get(reverse("member_list", args=[world.org_a.public_id])).content.decode()
        assert "manager@a.example" in page
        assert "Invite a colleague" not in page
        assert "<select" not in page
