"""The dashboard made cheaper must show the same figures and the same page.

The 12-week chart now reads WeeklyActivity (kept by analytics.rollups), the aggregates filter on
the chosen rooms as a subquery, and the table prints flat values. Each test here compares the
new way with the old one on a small world whose history is dated relative to today, so that it
holds on any day: the old chart query over the daily rows, the old row markup, Django's
floatformat.
"""

import random
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.db.models import Sum
from django.template import Context, Template
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Side
from activity.models import Event
from activity.store import events_store
from analytics.models import DailyActivity, WeeklyActivity
from analytics.rollups import monday, rollup_rebuild
from analytics.selectors import CHART_WEEKS, Week, dashboard
from analytics.templatetags.analytics_tags import one_decimal
from plans.models import Status
from tests.factories import MilestoneFactory, RoomFactory, StakeholderFactory, TaskFactory


def store(room, user, at, kind="room.viewed", side="buyer"):
    """An event as the worker stores it (and, with no broker, its day rebuilt at once)."""
    events_store(
        [
            {
                "public_id": str(uuid.uuid4()),
                "created_at": at.isoformat(),
                "organisation_id": room.organisation_id,
                "room_id": room.pk,
                "actor_id": user.pk,
                "actor_side": side,
                "stakeholder_id": None,
                "kind": kind,
                "summary": kind,
                "data": {},
            }
        ]
    )


def weeks_from_days(room_ids, today: date, weeks: int = CHART_WEEKS) -> list[Week]:
    """The chart as it was computed before the weekly rollup: every buyer day summed."""
    first = monday(today) - timedelta(weeks=weeks - 1)
    buckets = [Week(first + timedelta(weeks=i)) for i in range(weeks)]
    per_day = (
        DailyActivity.objects.filter(room_id__in=room_ids, side=Side.BUYER, day__gte=first)
        .values("day")
        .order_by()
        .annotate(visits=Sum("visits"), views=Sum("views"))
    )
    for row in per_day:
        week = buckets[(row["day"] - first).days // 7]
        week.visits += row["visits"] or 0
        week.views += row["views"] or 0
    return buckets


def weekly_rows() -> dict:
    return {
        (w.room_id, w.side, w.week): (w.visits, w.views, w.organisation_id)
        for w in WeeklyActivity.objects.all()
    }


def weekly_from_daily() -> dict:
    sums: dict = defaultdict(lambda: [0, 0, 0])
    for d in DailyActivity.objects.all():
        row = sums[(d.room_id, d.side, monday(d.day))]
        row[0] += d.visits
        row[1] += d.views
        row[2] = d.organisation_id
    return {key: tuple(value) for key, value in sums.items()}


def member(world, user) -> Membership:
    return Membership.objects.get(organisation=world.org_a, user=user)


@pytest.fixture
def busy(world):
    """Three rooms of organisation A with buyers and a seller active over the last 13 weeks,
    including a visit that starts on a Sunday before midnight and goes on into Monday."""
    rng = random.Random(13)  # noqa: S311 - a fixed history, not a secret
    now = timezone.now()
    rooms = [world.room_a1, world.room_a2, RoomFactory(organisation=world.org_a, owner=world.rep)]
    buyers = [world.buyer, world.other_buyer]
    this_monday = datetime.combine(monday(now.date()), time.min, tzinfo=UTC)
    sunday_night = this_monday - timedelta(weeks=3, minutes=10)
    store(rooms[0], world.buyer, sunday_night)
    store(rooms[0], world.buyer, sunday_night + timedelta(minutes=15))  # the same visit
    for _ in range(60):
        at = now - timedelta(days=rng.uniform(0, 95))
        room = rng.choice(rooms)
        if rng.random() < 0.2:
            store(room, world.owner, at, side="seller")
        else:
            store(room, rng.choice(buyers), at, kind=rng.choice(["room.viewed", "task.viewed"]))
    return rooms


class TestWeeklyRollup:
    def test_weekly_rows_are_the_sums_of_the_daily_rows_however_the_days_were_rebuilt(
        self, world, busy
    ):
        # Each event above rebuilt its own room and day: the weeks followed one day at a time.
        assert WeeklyActivity.objects.exists()
        assert weekly_rows() == weekly_from_daily()
        today = timezone.now().date()
        rollup_rebuild(today - timedelta(days=100), today)  # every room, every day
        assert weekly_rows() == weekly_from_daily()
        # Events gone (a person erased), then one week's days rebuilt: its sums follow.
        gone = Event.objects.filter(
            room=busy[0], created_at__gte=timezone.now() - timedelta(days=6)
        )
        gone.delete()
        rollup_rebuild(today - timedelta(days=7), today, [busy[0].pk])
        assert weekly_rows() == weekly_from_daily()

    def test_the_migration_fills_the_weeks_of_the_days_already_rolled_up(self, world, busy):
        expected = weekly_rows()
        WeeklyActivity.objects.all().delete()
        migration = import_module("analytics.migrations.0008_weekly_activity")
        migration.weeks_from_days(apps, None)
        assert weekly_rows() == expected == weekly_from_daily()


class TestSameFigures:
    def test_the_chart_is_what_the_daily_rows_gave(self, world, busy):
        today = timezone.localdate()
        board = dashboard(member(world, world.manager), stage="")
        assert board.weeks == weeks_from_days([room.pk for room in busy], today)
        assert sum(week.visits for week in board.weeks) > 0
        mine = dashboard(member(world, world.manager), owner=str(world.rep.public_id), stage="")
        assert mine.weeks == weeks_from_days([busy[2].pk], today)
        for state in ("on_track", "at_risk", "stalled"):
            chosen = dashboard(member(world, world.manager), stage="", health=state)
            assert chosen.weeks == weeks_from_days([row.room.pk for row in chosen.rows], today)

    def test_a_rep_sees_the_figures_of_their_own_rooms_only(self, world, busy):
        board = dashboard(member(world, world.rep), stage="")
        assert [row.room for row in board.rows] == [busy[2]]
        assert board.weeks == weeks_from_days([busy[2].pk], timezone.localdate())

    def test_a_filter_matching_no_owner_shows_nothing_and_counts_nothing(self, world, busy):
        board = dashboard(member(world, world.manager), owner=str(uuid.uuid4()), stage="")
        assert board.rows == [] and board.totals["visits_30"] == 0
        assert all(week.visits == 0 for week in board.weeks)


# The table row as the template wrote it before it was handed flat values (templates/analytics/
# dashboard.html at the parent of this change): the page must print exactly this.
OLD_ROW = """{% load analytics_tags %}{% for row in rows %}{% with h=row.health e=row.engagement room=row.room %}
      <tr>
        <td data-label="Room"><a class="strong" href="{{ row.room_url }}">{{ room.buyer_company }}</a><br><a class="table__sublink" href="{{ row.analytics_url }}" aria-label="Analytics of {{ room.buyer_company }}">Analytics</a></td>
        <td data-label="Owner">{{ room.owner.get_full_name }}</td>
        {% if not filters.stage %}<td data-label="Stage"><span class="badge badge--{{ room.stage }}">{{ room.get_stage_display }}</span></td>{% endif %}
        <td data-label="Progress" class="nowrap"><progress value="{{ h.facts.done }}" max="{{ h.facts.total|default:1 }}" aria-label="Progress of {{ room.buyer_company }}"></progress> <span class="muted small">{{ row.percent }}%</span></td>
        <td data-label="Health" class="table__reason"><span class="badge badge--{{ h.health.state }}">{{ h.health.label }}</span> <span class="small muted">{{ h.health.reason }}</span></td>
        <td data-label="Forecast">{% if h.forecast.date %}{{ h.forecast.date|day_month_year }} <span class="small {% if h.forecast.slip_days > 0 and not h.forecast.complete %}due--overdue{% else %}muted{% endif %}">{% if h.forecast.complete %}complete{% elif h.forecast.slip_days > 0 %}+{{ h.forecast.slip_days }} d{% elif h.forecast.slip_days < 0 %}{{ h.forecast.slip_days }} d{% else %}on target{% endif %}</span>{% else %}<span class="muted small">Not enough data</span>{% endif %}<br><span class="small muted">target {{ room.target_date|day_month_year }}</span></td>
        <td data-label="Visits 7/30 d" class="num">{{ e.visits_7 }} <span class="muted">/ {{ e.visits_30 }}</span></td>
        <td data-label="Buyers" class="num">{{ e.visitors_30 }}</td>
        <td data-label="Last buyer" class="nowrap">{% if e.last_activity %}<time datetime="{{ e.last_activity|date:'c' }}" title="{{ e.last_activity|date:'j M Y, H:i' }}">{{ e.last_activity|ago }}</time>{% else %}<span class="muted">Never</span>{% endif %}</td>
        <td data-label="Overdue" class="num{% if h.facts.overdue %} due--overdue{% endif %}">{{ h.facts.overdue }}</td>
      </tr>
{% endwith %}{% endfor %}"""  # noqa: E501


def plan(room, done_days_ago: list[int], todo: int, overdue_buyer: int = 0) -> None:
    """Tasks done that many days ago, ``todo`` open ones, some buyer tasks overdue."""
    milestone = MilestoneFactory(room=room)
    now, today = timezone.now(), timezone.localdate()
    for days in done_days_ago:
        TaskFactory(
            milestone=milestone,
            status=Status.DONE,
            completed_at=now - timedelta(days=days),
        )
    for i in range(todo):
        late = i < overdue_buyer
        TaskFactory(
            milestone=milestone,
            side=Side.BUYER if late else Side.SELLER,
            due_date=today - timedelta(days=2) if late else today + timedelta(days=9),
        )


def rows_html(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [" ".join(row.split()) for row in body.split("<tr>")[1:]]


class TestSamePage:
    def test_every_kind_of_row_prints_what_the_old_row_printed(self, client, world, busy):
        today = timezone.localdate()
        start = today - timedelta(days=40)
        late = RoomFactory(organisation=world.org_a, owner=world.rep, buyer_company="Late & Co",
                           start_date=start, target_date=today + timedelta(days=3))  # fmt: skip
        plan(late, [1, 3, 9, 20], todo=30, overdue_buyer=2)
        early = RoomFactory(organisation=world.org_a, owner=world.owner, buyer_company="Early",
                            start_date=start, target_date=today + timedelta(days=300))  # fmt: skip
        plan(early, [1, 2, 3, 4, 5, 6], todo=2)
        done = RoomFactory(organisation=world.org_a, owner=world.owner, buyer_company="Done <b>",
                           start_date=start, target_date=today + timedelta(days=5))  # fmt: skip
        plan(done, [2, 8], todo=0)
        RoomFactory(organisation=world.org_a, owner=world.rep, buyer_company="Won", stage="won")
        StakeholderFactory(room=late, invited_at=timezone.now() - timedelta(days=20))
        store(early, world.buyer, timezone.now() - timedelta(hours=5))
        client.force_login(world.manager)
        for query in ({"stage": "any"}, {"stage": "any", "sort": "-slip"}, {}):
            html = client.get(reverse("dashboard"), query).content.decode()
            stage = query.get("stage", "active")
            board = dashboard(
                member(world, world.manager),
                stage="" if stage == "any" else stage,
                sort=query.get("sort", "health"),
            )
            for row in board.rows:
                row.room_url = reverse("room_detail", args=[row.room.public_id])
                row.analytics_url = reverse("room_analytics", args=[row.room.public_id])
            old = Template(OLD_ROW).render(
                Context({"rows": board.rows, "filters": {"stage": "" if stage == "any" else stage}})
            )
            assert rows_html(html) == rows_html("<tbody>" + old + "</tbody>")
        page = client.get(reverse("dashboard"), {"stage": "any"}).content.decode()
        for text in ("complete</span>", "due--overdue", "d</span>", "Not enough data", "Never"):
            assert text in page
        assert "Done &lt;b&gt;" in page and "Done <b>" not in page


class TestQueries:
    def test_the_dashboard_reads_its_figures_in_seven_queries_whatever_the_rooms(
        self, world, busy, django_assert_num_queries
    ):
        # The owners of the rooms shown, the rooms, their task facts, their last buyer
        # activity, their first invitations, buyer engagement per room, visits per week.
        manager = member(world, world.manager)
        with django_assert_num_queries(7):
            few = dashboard(manager, stage="")
        for _ in range(5):
            room = RoomFactory(organisation=world.org_a, owner=world.rep)
            TaskFactory(milestone=MilestoneFactory(room=room))
            StakeholderFactory(room=room, invited_at=timezone.now())
            store(room, world.buyer, timezone.now())
        with django_assert_num_queries(7):
            more = dashboard(manager, stage="", sort="owner")
            # what the page reads of each row, without a query more
            for row in more.rows:
                (row.room.owner.get_full_name(), row.room.get_stage_display(), row.percent)
        assert len(more.rows) == len(few.rows) + 5

    def test_the_page_runs_nine_queries_whatever_the_rooms(
        self, client, world, busy, django_assert_num_queries
    ):
        client.force_login(world.manager)
        client.get(reverse("dashboard"))  # the session chooses the organisation once
        for more in (0, 4):
            for _ in range(more):
                room = RoomFactory(organisation=world.org_a, owner=world.owner)
                store(room, world.other_buyer, timezone.now() - timedelta(days=3))
            # The user, their memberships (read once: the session's organisation and the
            # switcher), and the seven of the test above.
            with django_assert_num_queries(9):
                response = client.get(reverse("dashboard"), {"stage": "any"})
            assert response.status_code == 200


@pytest.mark.parametrize("seed", range(5))
def test_chart_coordinates_are_written_as_floatformat_wrote_them(seed):
    rng = random.Random(seed)  # noqa: S311 - test values, not a secret
    values = [rng.uniform(-1000, 1000) for _ in range(2000)]
    values += [0.0, -0.0, 0.05, -0.05, 0.25, 0.35, 2.45, -0.04, 1e-9, 187.0, 999.95, 1 / 3, 12]
    assert [one_decimal(v) for v in values] == [floatformat(v, 1) for v in values]
