import base64
import datetime
import hashlib
import hmac
import secrets
import struct
import time

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, Membership, Organisation, Role, Side, User
from accounts.tokens import token_new
from plans.models import Milestone, Task
from rooms.models import Resource, ResourceKind, Room
from stakeholders.models import BuyingRole, Stakeholder

PASSWORD = "a-long-test-password"


class UserFactory(factory.django.DjangoModelFactory):
    """A seller who has verified their email and can sign in with PASSWORD."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create:
            obj.save()
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.REP


class InvitationFactory(factory.django.DjangoModelFactory):
    """An open invitation; use invitation_with_token() when the test needs its link."""

    class Meta:
        model = Invitation

    organisation = factory.SubFactory(OrganisationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = Role.REP
    token_hash = factory.LazyFunction(lambda: token_new()[1])
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    organisation = factory.SubFactory(OrganisationFactory)
    owner = factory.SubFactory(UserFactory)
    buyer_company = factory.Faker("company")
    target_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=60))


def invitation_with_token(**kwargs) -> tuple[Invitation, str]:
    token, token_hash = token_new()
    invitation = InvitationFactory(token_hash=token_hash, **kwargs)
    return invitation, token


class StakeholderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stakeholder

    room = factory.SubFactory(RoomFactory)
    organisation = factory.LazyAttribute(lambda o: o.room.organisation)
    side = Side.BUYER
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"buyer{n}@buyer.example")
    role = BuyingRole.OTHER


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    room = factory.SubFactory(RoomFactory)
    organisation = factory.LazyAttribute(lambda o: o.room.organisation)
    title = factory.Sequence(lambda n: f"Milestone {n}")
    position = factory.Sequence(lambda n: n)


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    milestone = factory.SubFactory(MilestoneFactory)
    room = factory.LazyAttribute(lambda o: o.milestone.room)
    organisation = factory.LazyAttribute(lambda o: o.milestone.organisation)
    title = factory.Sequence(lambda n: f"Task {n}")
    side = Side.SELLER
    due_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=10))
    position = factory.Sequence(lambda n: n)


def seller_stakeholder(room: Room, user: User) -> Stakeholder:
    return StakeholderFactory(
        room=room, side=Side.SELLER, name=user.get_full_name(), email=user.email, user=user
    )


class ResourceFactory(factory.django.DjangoModelFactory):
    """A link; files are uploaded through rooms.resource_services (tests/test_resources.py)."""

    class Meta:
        model = Resource

    room = factory.SubFactory(RoomFactory)
    organisation = factory.LazyAttribute(lambda o: o.room.organisation)
    kind = ResourceKind.LINK
    title = factory.Sequence(lambda n: f"Resource {n}")
    url = factory.Sequence(lambda n: f"https://docs.example.com/{n}")
    position = factory.Sequence(lambda n: n)


# Two-factor sign-in (allauth.mfa) ---------------------------------------------------------


def totp_code(secret: str, at: float | None = None) -> str:
    """The authenticator app's six digits now (RFC 6238: HMAC-SHA1, 30 s), computed here,
    not by allauth, so that the tests check allauth against the standard."""
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def with_totp(user: User) -> str:
    """Give ``user`` an authenticator app; returns its secret."""
    secret = base64.b32encode(secrets.token_bytes(20)).decode()
    TOTP.activate(user, secret)
    return secret


def sign_in_with_totp(client, user: User, secret: str) -> None:
    """Sign in through the site's sign-in and its second step, as a person does."""
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate"), response
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302, response.content.decode()
