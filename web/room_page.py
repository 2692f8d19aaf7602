"""How the room's views answer: the HTMX fragment, or a redirect for a plain form post."""

import hashlib

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django_htmx.http import reswap, retarget

from analytics.health import room_health
from analytics.selectors import activity_feed
from plans.forms import CommentForm, MilestoneForm, TaskForm
from plans.selectors import RoomPage, buyer_tasks, room_page
from rooms.access import RoomAccess
from rooms.forms import StageForm
from rooms.resource_forms import ResourceFileForm, ResourceLinkForm
from stakeholders.forms import BuyerStakeholderForm
from web.fragments import CSRF_PLACEHOLDER, fragment, personalise
from web.http import AuthedRequest


def room_url(access: RoomAccess, anchor: str = "") -> str:
    name = "template_detail" if access.room.is_template else "room_detail"
    url = reverse(name, args=[access.room.public_id])
    return f"{url}#{anchor}" if anchor else url


def content_key(access: RoomAccess) -> tuple:
    """What a room fragment's cache key starts with (web.fragments): the room's content version
    (rooms.versioning), moved by every write to what the page shows, and the audience.

    All of it is on the room row the access check loaded: a cached page costs no query."""
    room = access.room
    return (room.public_id, room.content_version, access.audience)


def body_key(access: RoomAccess) -> tuple:
    """The body's key: its room's content, and what it shows that the room does not own."""
    return (
        "room",
        content_key(access),
        timezone.localdate(),  # what is overdue, and how long until the target date
        access.room.owner.get_full_name(),
        settings.RESOURCE_MAX_BYTES,  # the upload form states the limit
        # The header's branding: the organisation's logo and colour (loaded with the room).
        access.room.organisation.logo.name,
        access.room.organisation.brand_colour,
    )


def plan_html(page: RoomPage) -> SafeString:
    """The plan with its editing forms (web.fragments)."""

    def context() -> dict:
        people = page.buyers + page.sellers
        for view in page.milestones:
            view.add_form = TaskForm(
                stakeholders=people,
                auto_id=f"id_add_{view.milestone.public_id}_%s",
                for_buyer=not page.access.is_seller,
            )
        return {"page": page, "new_milestone_form": MilestoneForm(auto_id="id_milestone_%s")}

    return fragment("plans/plan.html#plan", ("plan", content_key(page.access), page.today), context)


def people_html(page: RoomPage, *, oob: bool = False) -> SafeString:
    def context() -> dict:
        return {"page": page, "buyer_form": BuyerStakeholderForm(auto_id="id_buyer_%s"), "oob": oob}

    name = "stakeholders/stakeholder_list.html#panel"
    return fragment(name, ("people", content_key(page.access), oob), context)


def activity_html(page: RoomPage, *, oob: bool = True) -> str:
    """The activity feed, out of band, so that an edit in place shows up in it at once."""
    access = page.access
    if not access.is_seller or access.room.is_template:
        return ""
    context = {"activity": activity_feed(access), "access": access, "oob": oob}
    return render_to_string("analytics/activity.html", context)


# Health also moves with buyer activity and the clock, which the body's key does not hold: a
# rendered card is kept this long at most.
INSIGHTS_SECONDS = 60


def insights_html(access: RoomAccess, key: tuple) -> str:
    """Health and forecast, for the room's sellers: rendered again when anything the body shows
    changes (a tick moves the forecast at once), else at most a minute old."""
    if not access.is_seller or access.room.is_template:
        return ""

    def render() -> str:
        context = {"insights": room_health(access.room), "access": access}
        return render_to_string("analytics/insights.html", context)

    digest = hashlib.sha256(repr(key).encode()).hexdigest()
    return cache.get_or_set(f"insights:{digest}", render, INSIGHTS_SECONDS) or ""


def room_body_html(request: HttpRequest, access: RoomAccess) -> SafeString:
    """Everything the room page shows below the navigation, rendered once per content."""
    room = access.room

    def context() -> dict:
        page = room_page(access)
        return {
            "page": page,
            "plan_html": plan_html(page),
            "people_html": "" if room.is_template else people_html(page),
            "stage_form": StageForm(initial={"stage": room.stage}, auto_id="id_stage_%s"),
            "comment_form": CommentForm(auto_id="id_comment_%s"),
            "resource_form": ResourceFileForm(auto_id="id_resource_%s"),
            "link_form": ResourceLinkForm(auto_id="id_link_%s"),
        }

    key = body_key(access)
    html: str = fragment("rooms/room_detail.html#body", key, context)
    html = html.replace(YOUR_TASKS_SLOT, your_tasks_html(access), 1)
    if access.is_seller and not room.is_template:
        html = html.replace(INSIGHTS_SLOT, insights_html(access, key), 1)
        html = html.replace(ACTIVITY_SLOT, activity_feed_html(access), 1)
    return personalise(request, html)


def activity_feed_html(access: RoomAccess) -> str:
    """The feed on a seller's room page, rendered once per state of the feed: the room's
    content version moves with every change it lists and its feed version with every visit
    and every name shown (rooms.versioning), both loaded with the room. Building fifteen
    events and their actors on every request was the page's largest cost in a profile."""
    room = access.room
    key = ("activity", room.public_id, room.content_version, room.feed_version)
    return fragment(
        "analytics/activity.html",
        key,
        lambda: {"activity": activity_feed(access), "access": access},
    )


# What the cached body leaves to each request: a buyer's own tasks; a seller's live figures.
YOUR_TASKS_SLOT = "<!-- tandem:your-tasks -->"
INSIGHTS_SLOT = "<!-- tandem:insights -->"
ACTIVITY_SLOT = "<!-- tandem:activity -->"


def your_tasks_html(
    access: RoomAccess, *, oob: bool = False, notice: str = "", error: bool = False
) -> str:
    """A buyer's own tasks with their ticks, first thing on their page, and their side's tasks
    nobody has taken (personal: never cached; the CSRF placeholder is personalised with the
    page). ``oob``: swapped in out of band, so that a tick anywhere keeps it in step."""
    if access.buyer is None:
        return ""
    context = {
        "yours": buyer_tasks(access),
        "access": access,
        "room": access.room,
        "base": access.base_url,
        "oob": oob,
        "notice": notice,
        "notice_kind": "error" if error else "success",
        "csrf_token": CSRF_PLACEHOLDER,
    }
    return render_to_string("rooms/your_tasks.html", context)


def _after_write(access: RoomAccess) -> RoomAccess:
    """The room was read before the write that moved its content version: read the version
    again, or the fresh fragments would be looked up under the old one."""
    access.room.refresh_from_db(fields=["content_version"])
    return access


def plan_updated(
    request: AuthedRequest,
    access: RoomAccess,
    anchor: str = "plan",
    *,
    saved: str = "",
    next_url: str = "",
    error: str = "",
    in_your_tasks: bool = False,
) -> HttpResponse:
    """After a change to the plan: HTMX swaps in the fresh plan (the room page's inline forms);
    a plain post (an edit page, or a browser without JavaScript) goes back to the room at what
    changed, or to ``next_url``, and says ``saved`` (or ``error``) there. ``in_your_tasks``: the
    action was taken in the buyer's own list, which says it in place."""
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif saved:
            messages.success(request, saved)
        return redirect(next_url or room_url(access, anchor))
    page = room_page(_after_write(access))
    notice = (error or saved) if in_your_tasks else ""
    yours = your_tasks_html(access, oob=True, notice=notice, error=bool(error))
    html = plan_html(page) + yours
    response = HttpResponse(personalise(request, html) + activity_html(page))
    return reswap(retarget(response, "#plan"), "outerHTML")


def stakeholders_updated(
    request: AuthedRequest, access: RoomAccess, *, saved: str = "", error: str = ""
) -> HttpResponse:
    """After a change to the room's people. A plain post goes back to them with ``saved`` (or
    ``error``) as a message; HTMX gets the plan and the people panel, which says it in place,
    beside the button that was pressed."""
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif saved:
            messages.success(request, saved)
        return redirect(room_url(access, "stakeholders"))
    # Owners appear in the plan too, so both are swapped (the panel out of band).
    page = room_page(_after_write(access))
    people: str = people_html(page, oob=True)
    if error or saved:
        kind = "error" if error else "success"
        status = format_html(
            '<p class="callout callout--{}" role="status">{}</p>', kind, error or saved
        )
        people = people.replace(PEOPLE_STATUS_SLOT, status, 1)
    html = plan_html(page) + people + your_tasks_html(access, oob=True)
    response = HttpResponse(personalise(request, html) + activity_html(page))
    return reswap(retarget(response, "#plan"), "outerHTML")


# Where the people panel says what was just done to it (HTMX answers only).
PEOPLE_STATUS_SLOT = "<!-- tandem:people-status -->"


def form_invalid(request: AuthedRequest, template: str, context: dict) -> HttpResponse:
    """422 with the form and its errors: the fragment for HTMX, the whole form page otherwise."""
    name = f"{template}#form" if request.htmx else template
    return render(request, name, context, status=422)
