"""Personas shared by the whole suite (STYLE.md): owner, manager and rep of organisation A,
outsider (admin of organisation B), buyer (active in room A1), other_buyer (active in room A2),
revoked_buyer (of room A1, locked out)."""

import os
import shutil
from dataclasses import dataclass

import pytest
from django.core.cache import cache

from accounts.models import Membership, Organisation, Role, User
from rooms.models import Room
from tests.factories import (
    MembershipFactory,
    MilestoneFactory,
    OrganisationFactory,
    RoomFactory,
    StakeholderFactory,
    TaskFactory,
    UserFactory,
    seller_stakeholder,
)
from tests.oidc_provider import fixture as oidc_fixture

CHROMIUM = "/usr/bin/chromium"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_or_skip(available: bool, reason: str) -> None:
    """Skip on a developer machine that lacks a tool; in CI a missing tool is a failure."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI must provide it: see .ci/run)")
    pytest.skip(reason)


def has_executable(name: str) -> bool:
    return shutil.which(name) is not None


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """A real OpenID Connect identity provider (django-oauth-toolkit) in its own process, for
    single sign-on (tests/oidc_provider)."""
    provider = oidc_fixture.start(tmp_path_factory.mktemp("oidc-provider") / "data")
    yield provider
    oidc_fixture.stop(provider)


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate-limit counters live in the cache; one test's sign-ins must not throttle the next.
    cache.clear()
    yield
    cache.clear()


@dataclass
class World:
    org_a: Organisation
    org_b: Organisation
    owner: User
    manager: User
    rep: User
    outsider: User
    room_a1: Room
    room_b1: Room
    template_a: Room
    buyer: User
    other_buyer: User
    revoked_buyer: User
    room_a2: Room

    def membership(self, user: User) -> Membership:
        return Membership.objects.get(user=user)


@pytest.fixture
def world(db) -> World:
    org_a = OrganisationFactory(name="Organisation A")
    org_b = OrganisationFactory(name="Organisation B")
    owner = MembershipFactory(
        organisation=org_a, role=Role.ADMIN, user__email="owner@a.example"
    ).user
    manager = MembershipFactory(
        organisation=org_a, role=Role.MANAGER, user__email="manager@a.example"
    ).user
    rep = MembershipFactory(organisation=org_a, role=Role.REP, user__email="rep@a.example").user
    outsider = MembershipFactory(
        organisation=org_b, role=Role.ADMIN, user__email="outsider@b.example"
    ).user
    room_a1 = RoomFactory(organisation=org_a, owner=owner, buyer_company="Buyer A1")
    room_b1 = RoomFactory(organisation=org_b, owner=outsider, buyer_company="Buyer B1")
    seller_stakeholder(room_a1, owner)
    milestone = MilestoneFactory(room=room_a1, title="Discovery")
    TaskFactory(milestone=milestone, title="Agree the success criteria")
    buyer = UserFactory(email="bea@buyer-a1.example", name="Bea Buyer")
    StakeholderFactory(
        room=room_a1, name="Bea Buyer", email=buyer.email, user=buyer, access_state="active"
    )
    revoked_buyer = UserFactory(email="rex@buyer-a1.example", name="Rex Revoked")
    StakeholderFactory(
        room=room_a1,
        name="Rex Revoked",
        email=revoked_buyer.email,
        user=revoked_buyer,
        access_state="revoked",
    )
    room_a2 = RoomFactory(organisation=org_a, owner=owner, buyer_company="Buyer A2")
    other_buyer = UserFactory(email="olga@buyer-a2.example", name="Olga Other")
    StakeholderFactory(
        room=room_a2,
        name="Olga Other",
        email=other_buyer.email,
        user=other_buyer,
        access_state="active",
    )
    template_a = RoomFactory(organisation=org_a, owner=owner, is_template=True, name="Template A")
    return World(
        org_a, org_b, owner, manager, rep, outsider, room_a1, room_b1, template_a,
        buyer, other_buyer, revoked_buyer, room_a2,
    )  # fmt: skip


@pytest.fixture
def owner(world):
    return world.owner


@pytest.fixture
def manager(world):
    return world.manager


@pytest.fixture
def rep(world):
    return world.rep


@pytest.fixture
def outsider(world):
    return world.outsider


@pytest.fixture
def user(db):
    return UserFactory()
