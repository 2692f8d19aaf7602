"""The manager dashboard, a room's analytics, the live activity feed and the time beacon."""

from uuid import UUID

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from activity.recording import beacon_record
from analytics import charts
from analytics.health import HEALTH_LABELS
from analytics.selectors import SORTS, DashboardRow, activity_feed, dashboard, room_analytics
from analytics.templatetags.analytics_tags import ago, day_month_year
from rooms.models import Stage
from web.http import AuthedRequest
from web.organisation import require_membership, room_access, room_access_for_seller

ROWS_PER_PAGE = 100
ANY_ID = UUID(int=0)
COLUMNS = [
    ("room", "Room"),
    ("owner", "Owner"),
    ("stage", "Stage"),
    ("progress", "Progress"),
    ("health", "Health"),
    ("slip", "Forecast"),
    ("visits7", "Visits 7/30 d"),
    ("visitors", "Buyers"),
    ("last", "Last buyer"),
    ("overdue", "Overdue"),
]


@require_GET
def dashboard_view(request: AuthedRequest) -> HttpResponse:
    """Every room of the organisation for managers and admins; a rep's own rooms for a rep."""
    membership = require_membership(request)
    owner = request.GET.get("owner", "")[:64]
    stage = request.GET.get("stage", Stage.ACTIVE)
    stage = stage if stage in Stage.values else ""
    health = request.GET.get("health", "")
    health = health if health in HEALTH_LABELS else ""
    sort = request.GET.get("sort", "health")
    sort = sort if sort.lstrip("-") in SORTS else "health"
    board = dashboard(membership, owner=owner, stage=stage, health=health, sort=sort)
    sort_key, sort_desc = sort.lstrip("-"), sort.startswith("-")
    # A column's link sorts by it; the column already sorted by flips its direction.
    columns = [
        (key, label, f"-{key}" if key == sort_key and not sort_desc else key)
        for key, label in COLUMNS
    ]
    # Totals and charts count every room chosen; the table shows them a hundred at a time.
    page = Paginator(board.rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    # reverse() twice a row was a tenth of the page's time (profiled): resolve each URL once.
    room_url = reverse("room_detail", args=[ANY_ID]).replace(str(ANY_ID), "{}")
    analytics_url = reverse("room_analytics", args=[ANY_ID]).replace(str(ANY_ID), "{}")
    for row in page.object_list:
        row.room_url = room_url.format(row.room.public_id)
        row.analytics_url = analytics_url.format(row.room.public_id)
    context = {
        "page": page,
        "cells": [_cells(row) for row in page.object_list],
        "columns": columns,
        "sort_key": sort_key,
        "sort_desc": sort_desc,
        "membership": membership,
        "board": board,
        "filters": {"owner": owner, "stage": stage, "health": health, "sort": sort},
        "stages": Stage.choices,
        "healths": list(HEALTH_LABELS.items()),
        "engagement_chart": charts.weekly_bars(board.weeks),
        "engagement_chart_narrow": charts.weekly_bars(board.weeks, width=340, height=190),
        "health_chart": charts.health_bar(board.health_counts),
        "slip_chart": charts.slip_bars(board.rows),
    }
    return render(request, "analytics/dashboard.html", context)


def _cells(row: DashboardRow) -> dict[str, object]:
    """What one table row prints, as flat strings: the template's lookups through the row, its
    health and its room, its conditions, its date filters and its localising of numbers were
    two thirds of the page's rendering over 100 rows (profiled). The words are the ones the
    template wrote before (tests/test_dashboard_figures.py compares them)."""
    room, facts, plan, verdict = row.room, row.health.facts, row.health.forecast, row.health.health
    late = plan.slip_days is not None and plan.slip_days > 0
    if plan.complete:
        slip = "complete"
    elif late:
        slip = f"+{plan.slip_days} d"
    elif plan.slip_days:
        slip = f"{plan.slip_days} d"
    else:
        slip = "on target"
    last = row.engagement.last_activity
    local = timezone.localtime(last) if last else None
    return {
        "room_url": row.room_url,
        "analytics_url": row.analytics_url,
        "company": room.buyer_company,
        "owner": room.owner.get_full_name(),
        "stage": room.stage,
        "stage_label": room.get_stage_display(),
        "done": str(facts.done),
        "total": str(facts.total or 1),
        "percent": str(row.percent),
        "health": verdict.state,
        "health_label": verdict.label,
        "reason": verdict.reason,
        "forecast": day_month_year(plan.date) if plan.date else "",
        "slip": slip,
        "slip_class": "due--overdue" if late and not plan.complete else "muted",
        "target": day_month_year(room.target_date),
        "visits_7": str(row.engagement.visits_7),
        "visits_30": str(row.engagement.visits_30),
        "visitors_30": str(row.engagement.visitors_30),
        # As |date:"c" and |date:"j M Y, H:i" wrote them, in the current time zone.
        "last_iso": local.isoformat() if local else "",
        "last_title": (f"{day_month_year(local)}, {local:%H:%M}" if local else ""),
        "last_ago": ago(last),
        "overdue": str(facts.overdue),
        "any_overdue": facts.overdue > 0,
    }


@require_GET
def room_analytics_view(request: AuthedRequest, room_id: UUID) -> HttpResponse:
    access = room_access_for_seller(request, room_id)
    report = room_analytics(access)
    context = {
        "access": access,
        "room": access.room,
        "report": report,
        "insights": report.health,
        "people": [(person, charts.sparkline(person.per_day)) for person in report.people],
    }
    return render(request, "analytics/room_analytics.html", context)


@require_GET
def activity_view(request: AuthedRequest, room_id: UUID) -> HttpResponse:
    """The feed, polled by the room page: 204 (nothing to swap) until something is newer."""
    access = room_access_for_seller(request, room_id)
    try:
        after = max(0, int(request.GET.get("after", "0")))
    except ValueError:
        after = 0
    if after and not activity_feed(access, after=after, limit=1):
        return HttpResponse(status=204)
    context = {"access": access, "activity": activity_feed(access)}
    return render(request, "analytics/activity.html", context)


@require_POST
def beacon_view(request: HttpRequest, room_id: UUID) -> HttpResponse:
    """Seconds a room page stayed visible. Always 204: a beacon's answer is never read, and it
    tells nobody whether the room exists; what cannot be trusted is simply not counted."""
    try:
        access = room_access(request, room_id, template=False)
    except Http404:  # outsiders, revoked buyers, templates: ignored, not an error
        return HttpResponse(status=204)
    beacon_record(
        access.who,
        token=request.POST.get("token", ""),
        sequence=request.POST.get("seq", ""),
        seconds=request.POST.get("seconds", ""),
    )
    return HttpResponse(status=204)
