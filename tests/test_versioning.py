"""Every domain service that changes what the room page shows moves the room's content version
(rooms.versioning), on which the cached page is keyed (web.room_page)."""

import datetime
import importlib
import inspect
import pkgutil
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from plans import services as plans
from plans.models import Comment, Milestone, Task
from rooms import resource_services as resources
from rooms import services as rooms
from rooms.access import RoomAccess, room_access_for
from rooms.events import event_record
from rooms.models import Resource, Room
from stakeholders import services as stakeholders
from stakeholders.models import Stakeholder
from tests.factories import MilestoneFactory, ResourceFactory, TaskFactory
from tests.test_resources import png

pytestmark = pytest.mark.django_db

DOMAIN_APPS = ["rooms", "plans", "stakeholders"]

# What the page is built from: a write to any of these must move the version.
PAGE_TABLES = {
    model._meta.db_table for model in (Room, Resource, Milestone, Task, Comment, Stakeholder)
} | {Room.seller_team.through._meta.db_table}
WRITE = re.compile(r'^\s*(?:INSERT INTO|UPDATE|DELETE FROM)\s+"?(\w+)"?', re.IGNORECASE)
# A view that starts a visit moves the room's feed version only (rooms.versioning.feed_moved):
# the seller's feed lists it, the page's content does not change.
FEED_ONLY = re.compile(r'^\s*UPDATE\s+"rooms_room"\s+SET\s+"feed_version"\s*=[^,]*\sWHERE', re.I)

# How a service is expected to leave the room's page.
MOVES = "changes the page: the room's content version moves"
QUIET = "writes nothing the page is built from"
GONE = "deletes the room: there is no page left to serve"


def domain_services() -> list[str]:
    """Every public function of every services module of the domain apps (``services`` or
    ``*_services``), found by walking the packages: a new module is walked too."""
    found = []
    for app in DOMAIN_APPS:
        package = importlib.import_module(app)
        for module_info in pkgutil.iter_modules(package.__path__):
            if module_info.name != "services" and not module_info.name.endswith("_services"):
                continue
            module = importlib.import_module(f"{app}.{module_info.name}")
            for name, function in inspect.getmembers(module, inspect.isfunction):
                if function.__module__ == module.__name__ and not name.startswith("_"):
                    found.append(f"{module.__name__}.{name}")
    return sorted(found)


def _bea(w) -> Stakeholder:
    return w.room_a1.stakeholders.get(email="bea@buyer-a1.example")


def _task(w) -> Task:
    return w.room_a1.tasks.get()


def _by(w, user=None, room=None) -> RoomAccess:
    """The acting person's access (the owner's unless told) to room A1 (or ``room``)."""
    return room_access_for(user or w.owner, room or w.room_a1)


# Each service: what it is expected to do to the page, and a case that sets up what it needs
# and returns the call; a call that changes the page returns the room whose page it changed.
CASES: dict[str, tuple[str, object]] = {}


def case(service, expected):
    def register(setup):
        CASES[f"{service.__module__}.{service.__name__}"] = (expected, setup)
        return setup

    return register


@case(rooms.room_create, MOVES)
def _(w):
    membership = w.membership(w.owner)
    target = datetime.date(2030, 1, 1)
    return lambda: rooms.room_create(membership=membership, buyer_company="Zed", target_date=target)


@case(rooms.room_update_details, MOVES)
def _(w):
    by = _by(w)
    return lambda: rooms.room_update_details(by=by, business_goal="Zed")


@case(rooms.room_set_buyer_logo, MOVES)
def _(w):
    # Removing it runs the same write as setting one, without a file to store.
    by = _by(w)
    return lambda: rooms.room_set_buyer_logo(by=by, logo=None)


@case(rooms.room_set_stage, MOVES)
def _(w):
    by = _by(w)
    return lambda: rooms.room_set_stage(by=by, stage="won")


@case(rooms.room_save_as_template, MOVES)
def _(w):
    # The room's activity tells of it; the template is a room of its own, with a new key.
    by = _by(w)

    def call():
        rooms.room_save_as_template(by=by, name="Zed")
        return w.room_a1

    return call


@case(rooms.template_delete, GONE)
def _(w):
    by = _by(w, room=w.template_a)

    def call():
        rooms.template_delete(by=by)
        return w.template_a

    return call


@case(rooms.template_spec_for, QUIET)
def _(w):
    return lambda: rooms.template_spec_for(str(w.template_a.public_id), [w.template_a])


@case(rooms.template_spec_from_room, QUIET)
def _(w):
    return lambda: rooms.template_spec_from_room(w.room_a1)


@case(resources.resource_add_file, MOVES)
def _(w):
    by = _by(w)
    upload = SimpleUploadedFile("zed.png", png())
    return lambda: resources.resource_add_file(by=by, upload=upload).room


@case(resources.resource_add_link, MOVES)
def _(w):
    by = _by(w)
    url = "https://zed.example/"
    return lambda: resources.resource_add_link(by=by, url=url, title="").room


@case(resources.resource_delete, MOVES)
def _(w):
    by = _by(w)
    resource = ResourceFactory(room=w.room_a1)

    def call():
        resources.resource_delete(resource=resource, by=by)
        return w.room_a1

    return call


@case(resources.resource_move, MOVES)
def _(w):
    by = _by(w)
    second = [ResourceFactory(room=w.room_a1) for _ in range(2)][1]

    def call():
        resources.resource_move(resource=second, direction="up", by=by)
        return w.room_a1

    return call


@case(resources.resource_opened, QUIET)
def _(w):
    # A view: recorded (activity.recording), but nothing on the page changes.
    by = _by(w)
    resource = ResourceFactory(room=w.room_a1)
    return lambda: resources.resource_opened(by=by, resource=resource)


@case(plans.milestone_create, MOVES)
def _(w):
    by = _by(w)
    return lambda: plans.milestone_create(by=by, title="Zed").room


@case(plans.milestone_update, MOVES)
def _(w):
    by = _by(w)
    milestone = _task(w).milestone
    return lambda: plans.milestone_update(milestone=milestone, by=by, title="Zed").room


@case(plans.milestone_delete, MOVES)
def _(w):
    by = _by(w)

    def call():
        plans.milestone_delete(milestone=_task(w).milestone, by=by)
        return w.room_a1

    return call


@case(plans.milestone_move, MOVES)
def _(w):
    by = _by(w)
    second = MilestoneFactory(room=w.room_a1)

    def call():
        plans.milestone_move(milestone=second, direction="up", by=by)
        return w.room_a1

    return call


@case(plans.task_create, MOVES)
def _(w):
    by = _by(w)
    milestone = _task(w).milestone
    return lambda: plans.task_create(milestone=milestone, by=by, title="Zed").room


@case(plans.task_update, MOVES)
def _(w):
    by = _by(w)
    task = _task(w)
    fields = {"description": "", "owner": None, "due_date": None, "is_internal": False}
    return lambda: plans.task_update(task=task, by=by, title="Zed", status="blocked", **fields).room


@case(plans.task_set_done, MOVES)
def _(w):
    by = _by(w)
    task = _task(w)
    return lambda: plans.task_set_done(task=task, done=True, by=by).room


@case(plans.task_take, MOVES)
def _(w):
    by = _by(w, w.buyer)
    task = TaskFactory(milestone=_task(w).milestone, side="buyer")
    return lambda: plans.task_take(task=task, by=by).room


@case(plans.task_delete, MOVES)
def _(w):
    by = _by(w)

    def call():
        plans.task_delete(task=_task(w), by=by)
        return w.room_a1

    return call


@case(plans.task_move, MOVES)
def _(w):
    by = _by(w)
    second = TaskFactory(milestone=_task(w).milestone)

    def call():
        plans.task_move(task=second, direction="up", by=by)
        return w.room_a1

    return call


@case(plans.comment_create, MOVES)
def _(w):
    by = _by(w)
    return lambda: plans.comment_create(by=by, body="Zed").room


@case(stakeholders.stakeholder_add_buyer, MOVES)
def _(w):
    by = _by(w)
    return lambda: stakeholders.stakeholder_add_buyer(by=by, name="Zed").room


@case(stakeholders.colleague_add, MOVES)
def _(w):
    by = _by(w, w.buyer)
    email = "zed@buyer-a1.example"
    return lambda: stakeholders.colleague_add(by=by, name="Zed", email=email).room


@case(stakeholders.stakeholder_add_seller, MOVES)
def _(w):
    by = _by(w)
    member = w.membership(w.rep)
    return lambda: stakeholders.stakeholder_add_seller(by=by, member=member).room


@case(stakeholders.stakeholder_update, MOVES)
def _(w):
    by = _by(w)
    bea = _bea(w)
    return lambda: (
        stakeholders.stakeholder_update(
            stakeholder=bea, by=by, name="Zed", email=bea.email, title="", role=""
        ).room
    )


@case(stakeholders.stakeholder_remove, MOVES)
def _(w):
    by = _by(w)

    def call():
        stakeholders.stakeholder_remove(stakeholder=_bea(w), by=by)
        return w.room_a1

    return call


@case(stakeholders.stakeholder_move, MOVES)
def _(w):
    by = _by(w)
    rex = w.room_a1.stakeholders.get(email="rex@buyer-a1.example")

    def call():
        stakeholders.stakeholder_move(stakeholder=rex, direction="up", by=by)
        return w.room_a1

    return call


@case(stakeholders.buyer_invite, MOVES)
def _(w):
    by = _by(w)
    return lambda: stakeholders.buyer_invite(stakeholder=_bea(w), by=by).stakeholder.room


@case(stakeholders.buyer_revoke, MOVES)
def _(w):
    by = _by(w)

    def call():
        stakeholders.buyer_revoke(stakeholder=_bea(w), by=by)
        return w.room_a1

    return call


@case(stakeholders.buyer_link_redeem, MOVES)
def _(w):
    _, token = stakeholders.buyer_link_create(stakeholder=_bea(w), actor=w.owner)
    return lambda: stakeholders.buyer_link_redeem(token=token).stakeholder.room


@case(stakeholders.buyer_link_create, QUIET)
def _(w):
    # The page shows a buyer's access state, which a new link leaves alone, never their links.
    return lambda: stakeholders.buyer_link_create(stakeholder=_bea(w), actor=w.owner)


@case(stakeholders.buyer_link_url, QUIET)
def _(w):
    return lambda: stakeholders.buyer_link_url("zed")


@case(stakeholders.buyer_link_placeholder, QUIET)
def _(w):
    # What an invitation email holds where the link's token goes: nothing is written.
    link, _token = stakeholders.buyer_link_create(stakeholder=_bea(w), actor=w.owner)
    return lambda: stakeholders.buyer_link_placeholder(link)


@case(stakeholders.buyer_link_token_renew, QUIET)
def _(w):
    # The token made as an invitation email is sent: a link's hash, never shown on the page.
    link, _token = stakeholders.buyer_link_create(stakeholder=_bea(w), actor=w.owner)
    return lambda: stakeholders.buyer_link_token_renew(link.pk, link.email)


@case(stakeholders.buyer_link_find, QUIET)
def _(w):
    return lambda: stakeholders.buyer_link_find("zed")


@case(stakeholders.buyer_links_request, QUIET)
def _(w):
    return lambda: stakeholders.buyer_links_request(email="bea@buyer-a1.example")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.parametrize("service", domain_services())
def test_every_domain_service_that_changes_the_page_moves_the_version(world, service):
    """The check walks the services instead of trusting a list, and runs each one.

    A new public function in a domain services module (or a new services module) fails here
    until it is put in CASES with a case that runs it, as pretix's permission matrix fails on
    a URL nobody classified. Classified as changing the page, it must move the room's version;
    classified as not changing it, the SQL it ran must write no table the page is built from,
    so that "it shows nothing" is checked, not taken on trust. A signal on save would miss
    ``.update()`` and bulk writes (and STYLE.md keeps business logic out of signals); a
    database trigger would be invisible in the code and written once per database.
    """
    if service not in CASES:
        pytest.fail(f"{service} is new: classify it in CASES, with a case that runs it")
    expected, case = CASES[service]
    call = case(world)
    versions = dict(Room.objects.values_list("pk", "content_version"))
    with CaptureQueriesContext(connection) as queries:
        room = call()
    if expected == MOVES:
        room = Room.objects.get(pk=room.pk)
        assert room.content_version > versions.get(room.pk, 0)
    elif expected == GONE:
        assert not Room.objects.filter(pk=room.pk).exists()
    else:
        written = {
            m[1]
            for q in queries.captured_queries
            if (m := WRITE.match(q["sql"])) and not FEED_ONLY.match(q["sql"])
        }
        assert not written & PAGE_TABLES
        assert dict(Room.objects.values_list("pk", "content_version")) == versions


def test_every_case_is_of_a_service_that_exists():
    assert set(CASES) <= set(domain_services())


def test_a_recorded_event_moves_the_version(world):
    room = world.room_a1
    before = room.content_version
    event_record(room=room, actor=world.owner, kind="x", summary="zedded", side="seller")
    room.refresh_from_db()
    assert room.content_version == before + 1
