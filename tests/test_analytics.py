"""Engagement analytics: events, visits, rollups, health, the forecast and the dashboard.

Hand-built histories with known answers: a room with a known past has a known forecast date,
health and counts. Times are passed in (``now=``) rather than frozen.
"""

import uuid
from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from accounts.services import user_set_name
from activity.models import Event
from activity.recording import BEACON_SALT, beacon_token
from activity.store import events_store
from analytics.charts import weekly_bars
from analytics.health import RoomFacts, forecast, health, room_health
from analytics.models import DailyActivity
from analytics.rollups import rollup_rebuild
from analytics.selectors import Week, dashboard, room_analytics
from analytics.tasks import rollup_catch_up, rollup_recent_task
from plans.models import Status
from rooms.access import RoomAccess
from rooms.models import Room
from stakeholders.models import Stakeholder
from tests.factories import MilestoneFactory, RoomFactory, StakeholderFactory, TaskFactory

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


def url(name, room):
    return reverse(name, args=[room.public_id])


def payload_for(room, user, at, kind="room.viewed", side="buyer", stakeholder=None, **extra):
    data = {"target": extra.pop("target")} if "target" in extra else {}
    if kind == "room.time":  # as a beacon makes them: a view of its own, seconds all allowed
        data = {"view": str(uuid.uuid4()), "seq": 0}
        extra = {"elapsed": extra["seconds"], **extra}
    return {
        "public_id": str(uuid.uuid4()),
        "created_at": at.isoformat(),
        "organisation_id": room.organisation_id,
        "room_id": room.pk,
        "actor_id": user.pk,
        "actor_side": side,
        "stakeholder_id": stakeholder.pk if stakeholder else None,
        "kind": kind,
        "summary": kind,
        "data": data,
        **extra,
    }


def store(room, user, at, kind="room.viewed", side="buyer", stakeholder=None, **extra):
    """An event as the worker stores it, at a time of our choosing."""
    payload = payload_for(room, user, at, kind, side, stakeholder, **extra)
    events_store([payload])
    return payload


def member(world, user):
    return Membership.objects.get(organisation=world.org_a, user=user)


def facts(**changes) -> RoomFacts:
    base = {
        "stage": "active",
        "start_date": TODAY - timedelta(days=40),
        "target_date": TODAY + timedelta(days=30),
        "total": 20,
        "done": 8,
        "completed_in_window": 8,
        "last_completed": TODAY - timedelta(days=1),
        "overdue": 0,
        "overdue_buyer": 0,
        "last_buyer_activity": NOW - timedelta(days=1),
        "first_invited_at": NOW - timedelta(days=30),
    }
    return RoomFacts(**{**base, **changes})


class TestForecast:
    def test_remaining_tasks_at_the_recent_pace(self):
        # 8 tasks in 28 days, 12 left: 12 / (8/28) = 42 days from today.
        plan = forecast(facts(), TODAY)
        assert plan.date == TODAY + timedelta(days=42)
        assert plan.slip_days == 12
        assert plan.summary == "12 days behind the target date"

    def test_ahead_of_the_target(self):
        plan = forecast(facts(target_date=TODAY + timedelta(days=50)), TODAY)
        assert (plan.slip_days, plan.summary) == (-8, "8 days ahead of the target date")

    def test_a_young_room_uses_the_days_it_has(self):
        # Ten days old, 5 done, 5 left: the pace is 5/10 a day, so 10 more days.
        young = facts(start_date=TODAY - timedelta(days=10), total=10, done=5)
        plan = forecast(young.__class__(**{**young.__dict__, "completed_in_window": 5}), TODAY)
        assert plan.date == TODAY + timedelta(days=10)

    @pytest.mark.parametrize(
        "changes",
        [
            {"start_date": TODAY - timedelta(days=6)},  # under a week of history
            {"completed_in_window": 2},  # too few completions
            {"total": 0, "done": 0, "completed_in_window": 0},  # no plan
        ],
    )
    def test_too_little_history_gives_no_date(self, changes):
        plan = forecast(facts(**changes), TODAY)
        assert (plan.date, plan.slip_days, plan.summary) == (None, None, "Not enough data yet")

    def test_a_finished_plan_is_complete_on_its_last_completion(self):
        plan = forecast(facts(done=20, last_completed=TODAY - timedelta(days=3)), TODAY)
        assert plan.complete and plan.date == TODAY - timedelta(days=3)


class TestHealth:
    def judge(self, **changes):
        room = facts(**changes)
        return health(room, forecast(room, TODAY), NOW)

    def test_stalled_after_two_weeks_without_buyer_activity(self):
        verdict = self.judge(last_buyer_activity=NOW - timedelta(days=14))
        assert (verdict.state, verdict.reason) == ("stalled", "No buyer activity for 14 days.")
        assert self.judge(last_buyer_activity=NOW - timedelta(days=13)).state != "stalled"

    def test_stalled_when_nobody_came_a_week_after_the_invitation(self):
        verdict = self.judge(last_buyer_activity=None, first_invited_at=NOW - timedelta(days=7))
        assert verdict.state == "stalled"
        assert verdict.reason == "No buyer has opened the room 7 days after the invitation."
        early = self.judge(
            last_buyer_activity=None,
            first_invited_at=NOW - timedelta(days=6),
            target_date=TODAY + timedelta(days=50),
        )
        assert (early.state, early.reason) == ("on_track", "Invited 6 days ago.")

    def test_at_risk_when_the_forecast_is_late_or_buyer_tasks_are_overdue(self):
        late = self.judge()  # 12 days behind
        assert (late.state, late.reason) == ("at_risk", "Forecast 12 days after the target date.")
        overdue = self.judge(target_date=TODAY + timedelta(days=60), overdue_buyer=2)
        assert (overdue.state, overdue.reason) == ("at_risk", "2 buyer tasks overdue.")

    def test_on_track_says_why(self):
        verdict = self.judge(target_date=TODAY + timedelta(days=50))
        assert (verdict.state, verdict.reason) == (
            "on_track",
            "Forecast 8 days ahead of the target date.",
        )
        never = self.judge(
            last_buyer_activity=None, first_invited_at=None, target_date=TODAY + timedelta(days=50)
        )
        assert (never.state, never.reason) == ("on_track", "No buyer invited yet.")

    def test_closed_rooms_have_no_health(self):
        assert self.judge(stage="won").state == "closed"


@pytest.fixture
def history(world):
    """Room A1 with a known past: started 40 days ago, target in 30 days, 20 tasks of which
    8 were completed over the last four weeks and 2 buyer tasks are overdue; Bea visited."""
    room = world.room_a1
    room.tasks.all().delete()
    room.start_date = TODAY - timedelta(days=40)
    room.target_date = TODAY + timedelta(days=30)
    room.save()
    milestone = room.milestones.get()
    for i in range(20):
        done = i < 8
        TaskFactory(
            milestone=milestone,
            side="buyer" if i >= 18 else "seller",
            due_date=TODAY - timedelta(days=2) if i >= 18 else TODAY + timedelta(days=5),
            status=Status.DONE if done else Status.TODO,
            completed_at=NOW - timedelta(days=3 * i + 1) if done else None,
        )
    bea = Stakeholder.objects.get(room=room, user=world.buyer)
    bea.invited_at = NOW - timedelta(days=35)
    bea.save()
    return room


class TestVisitsAndRollups:
    def test_views_within_30_minutes_are_one_visit_even_across_midnight(self, world):
        room, bea = world.room_a1, world.buyer
        late = datetime(2026, 11, 18, 23, 50, tzinfo=UTC)
        for minutes in (0, 15, 40, 75):  # 23:50, 00:05, 00:30 | 01:05 (35 min gap)
            store(room, bea, late + timedelta(minutes=minutes))
        store(room, bea, late + timedelta(minutes=20), kind="task.viewed", target="task:x")
        rollup_rebuild(date(2026, 11, 18), date(2026, 11, 19))
        rows = {r.day: r for r in DailyActivity.objects.filter(room=room, user=bea)}
        assert (rows[date(2026, 11, 18)].views, rows[date(2026, 11, 18)].visits) == (1, 1)
        # 00:05, 00:10 (task), 00:30 ride on the visit begun at 23:50; 01:05 starts another.
        assert (rows[date(2026, 11, 19)].views, rows[date(2026, 11, 19)].visits) == (4, 1)
        assert rows[date(2026, 11, 19)].opened == {"task:x": 1}

    def test_a_batch_is_judged_against_the_last_view_before_it_and_late_ones_within_it(self, world):
        room, bea = world.room_a1, world.buyer
        at = NOW - timedelta(hours=5)
        for minutes in (-50, -40, -10):  # stored by earlier drains
            store(room, bea, at + timedelta(minutes=minutes))
        batch = [
            payload_for(room, bea, at + timedelta(minutes=-35)),  # late: 5 min after -40
            payload_for(room, bea, at),  # 10 min after the stored -10
            payload_for(room, bea, at + timedelta(minutes=45)),  # 45 min later: a new visit
            payload_for(world.room_a2, world.other_buyer, at),  # nobody's view before it
        ]
        assert events_store(batch) == []
        starts = dict(
            Event.objects.filter(public_id__in=[p["public_id"] for p in batch]).values_list(
                "public_id", "starts_visit"
            )
        )
        assert [starts[uuid.UUID(p["public_id"])] for p in batch] == [False, False, True, True]

    def test_seconds_actions_and_sides_are_counted_apart(self, world):
        room = world.room_a1
        at = NOW - timedelta(hours=3)
        store(room, world.buyer, at - timedelta(minutes=1), kind="invitation.opened")
        store(room, world.buyer, at)
        store(room, world.buyer, at, kind="room.time", seconds=95)
        store(room, world.buyer, at + timedelta(minutes=1), kind="task.completed")
        store(room, world.owner, at, side="seller")
        rollup_rebuild(TODAY, TODAY)
        bea = DailyActivity.objects.get(room=room, user=world.buyer)
        assert (bea.views, bea.visits, bea.seconds, bea.actions, bea.side) == (
            1,
            1,
            95,
            1,
            "buyer",
        )
        assert bea.stakeholder == Stakeholder.objects.get(room=room, user=world.buyer)
        assert DailyActivity.objects.get(room=room, user=world.owner).side == "seller"

    def test_a_retried_event_is_stored_and_counted_once(self, world):
        payload = store(world.room_a1, world.buyer, NOW)
        events_store([payload, payload])  # a drain that died before trimming, run again
        assert Event.objects.filter(public_id=payload["public_id"]).count() == 1
        rollup_rebuild(TODAY, TODAY)
        assert DailyActivity.objects.get(user=world.buyer).views == 1

    def test_rebuilding_twice_gives_the_same_rows(self, world):
        store(world.room_a1, world.buyer, NOW)
        rollup_rebuild(TODAY - timedelta(days=2), TODAY)
        first = list(DailyActivity.objects.values("room", "day", "user", "views", "visits"))
        rollup_rebuild(TODAY - timedelta(days=2), TODAY)
        assert list(DailyActivity.objects.values("room", "day", "user", "views", "visits")) == (
            first
        )

    def test_the_beat_rebuilds_what_arrived_lately_and_the_nightly_run_the_last_days(self, world):
        # Stored while no rebuild ran (a lost message): the rollups know nothing of them.
        store(world.room_a1, world.buyer, timezone.now() - timedelta(days=2))
        store(world.room_a1, world.buyer, timezone.now())
        DailyActivity.objects.all().delete()
        Event.objects.filter(created_at__lt=timezone.now() - timedelta(days=1)).update(
            stored_at=timezone.now() - timedelta(hours=1)
        )
        rollup_recent_task()  # what arrived in the last minutes: today's event
        assert list(DailyActivity.objects.values_list("day", flat=True)) == [timezone.now().date()]
        rollup_catch_up()  # the last three days, whatever happened
        assert DailyActivity.objects.count() == 2

    def test_an_event_refreshes_its_day_without_waiting_for_the_beat(self, world):
        # No broker here: the rollup of the event's day is rebuilt at once.
        store(world.room_a1, world.buyer, timezone.now())
        assert DailyActivity.objects.get(user=world.buyer).visits == 1


class TestKnownRoom:
    def test_forecast_health_and_counts_of_a_known_history(self, world, history):
        bea = world.buyer
        for days_ago in (1, 3, 10, 20):  # four visits, two in the last week
            store(history, bea, NOW - timedelta(days=days_ago))
        store(history, world.owner, NOW - timedelta(days=1), side="seller")  # not a buyer
        rollup_rebuild(TODAY - timedelta(days=40), TODAY)
        verdict = room_health(history, now=NOW)
        # 8 done in the window (completed 1..22 days ago), 12 left: 42 days, 12 late.
        assert verdict.forecast.date == TODAY + timedelta(days=42)
        assert verdict.forecast.slip_days == 12
        assert verdict.health.state == "at_risk"
        assert verdict.health.reason == (
            "Forecast 12 days after the target date; 2 buyer tasks overdue."
        )
        row = next(
            r for r in dashboard(member(world, world.manager), now=NOW).rows if r.room == history
        )
        assert (row.engagement.visits_7, row.engagement.visits_30) == (2, 4)
        assert (row.engagement.visitors_7, row.engagement.visitors_30) == (1, 1)
        assert row.engagement.last_activity == NOW - timedelta(days=1)
        assert row.health.facts.overdue == 2
        assert row.percent == 40

    def test_the_api_gives_the_same_figures_to_sellers_only(self, client, world, history):
        store(history, world.buyer, timezone.now() - timedelta(days=1))
        client.force_login(world.owner)
        figures_url = f"/api/v1/rooms/{history.public_id}/figures/"
        figures = client.get(figures_url).json()
        expected = room_health(history)
        assert figures["health"] == {
            "state": expected.health.state,
            "reason": expected.health.reason,
        }
        assert figures["forecast"]["slip_days"] == expected.forecast.slip_days
        facts = expected.facts
        assert figures["progress"] == {"done": 8, "total": 20, "overdue": facts.overdue}
        assert (figures["engagement"]["visits_7"], figures["engagement"]["visitors_30"]) == (1, 1)
        client.force_login(world.buyer)
        assert client.get(figures_url).status_code == 403

    def test_stalled_when_the_buyer_went_quiet(self, world, history):
        store(history, world.buyer, NOW - timedelta(days=16))
        rollup_rebuild(TODAY - timedelta(days=20), TODAY)
        verdict = room_health(history, now=NOW)
        assert (verdict.health.state, verdict.health.reason) == (
            "stalled",
            "No buyer activity for 16 days.",
        )

    def test_room_analytics_per_stakeholder(self, world, history):
        task = history.tasks.first()
        store(history, world.buyer, NOW - timedelta(days=2))
        store(history, world.buyer, NOW - timedelta(days=2, minutes=-5), kind="task.viewed",
              target=f"task:{task.public_id}")  # fmt: skip
        store(history, world.buyer, NOW - timedelta(days=2), kind="room.time", seconds=300)
        rollup_rebuild(TODAY - timedelta(days=5), TODAY)
        access = RoomAccess(history, world.owner, membership=member(world, world.owner))
        report = room_analytics(access, now=NOW)
        bea = next(p for p in report.people if p.user_id == world.buyer.pk)
        assert (bea.name, bea.visits, bea.views, bea.seconds) == ("Bea Buyer", 1, 2, 300)
        assert bea.opened == [("task", task.title, 1)]
        assert bea.per_day[-3] == 1 and sum(bea.per_day) == 1
        assert bea.last_seen == NOW - timedelta(days=2, minutes=-5)


class TestDashboard:
    def test_queries_do_not_grow_with_rooms(self, client, world, history):
        client.force_login(world.manager)
        client.get(reverse("dashboard"))  # the session chooses the organisation once

        def count():
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse("dashboard") + "?stage=any").status_code == 200
            return len(queries)

        few = count()
        for _ in range(12):
            room = RoomFactory(organisation=world.org_a, owner=world.rep)
            TaskFactory(milestone=MilestoneFactory(room=room))
            StakeholderFactory(room=room, invited_at=timezone.now())
            store(room, world.buyer, timezone.now())
        assert count() == few

    def test_a_rep_sees_their_own_rooms_and_a_manager_every_room(self, world):
        mine = RoomFactory(organisation=world.org_a, owner=world.rep, buyer_company="Rep's")
        rep_rooms = {r.room for r in dashboard(member(world, world.rep)).rows}
        assert rep_rooms == {mine}
        manager_rooms = {r.room for r in dashboard(member(world, world.manager)).rows}
        assert {mine, world.room_a1, world.room_a2} <= manager_rooms
        assert world.room_b1 not in manager_rooms

    def test_filters_and_sorting(self, client, world, history):
        RoomFactory(organisation=world.org_a, owner=world.rep, buyer_company="Won deal",
                    stage="won")  # fmt: skip
        client.force_login(world.manager)
        page = client.get(reverse("dashboard")).content.decode()
        assert "Buyer A1" in page and "Won deal" not in page  # active rooms by default
        page = client.get(reverse("dashboard"), {"stage": "won"}).content.decode()
        assert "Won deal" in page and "Buyer A1" not in page
        page = client.get(
            reverse("dashboard"), {"owner": str(world.rep.public_id), "stage": "any"}
        ).content.decode()
        assert "Won deal" in page and "Buyer A1" not in page
        # Bea was invited weeks ago and never came: stalled; nobody was invited to A2.
        page = client.get(reverse("dashboard"), {"health": "stalled"}).content.decode()
        assert "Buyer A1" in page and "Buyer A2" not in page
        page = client.get(reverse("dashboard"), {"health": "on_track"}).content.decode()
        assert "Buyer A2" in page and "Buyer A1" not in page
        rows = dashboard(member(world, world.manager), sort="-room").rows
        names = [r.room.buyer_company for r in rows]
        assert names == sorted(names, key=str.lower, reverse=True)

    @pytest.mark.parametrize(
        "query", [{"sort": "'; drop"}, {"health": "<script>"}, {"stage": "x"}, {"owner": "x" * 99}]
    )
    def test_nonsense_filters_are_ignored(self, client, world, query):
        client.force_login(world.manager)
        response = client.get(reverse("dashboard"), query)
        assert response.status_code == 200
        assert "<script>" not in response.content.decode()

    def test_charts_are_inline_svg_with_their_figures_in_words(self, client, world):
        store(world.room_a1, world.buyer, timezone.now())
        client.force_login(world.manager)
        page = client.get(reverse("dashboard")).content.decode()
        # visits (drawn wide, and narrow for a phone) and health; no forecast yet
        assert page.count('<svg class="chart') == 3
        assert "No room has a forecast yet" in page
        assert 'aria-label="Buyer visits per week:' in page
        assert 'aria-label="Rooms by health: On track 2"' in page
        today = timezone.localdate()
        this_week = (today - timedelta(days=today.weekday())).strftime("%-d %b")
        assert f"{this_week} 1" in page.split('aria-label="Buyer visits per week:')[1][:400]

    def test_buyers_never_reach_it(self, client, world):
        client.force_login(world.buyer)
        assert client.get(reverse("dashboard")).status_code == 404
        assert client.get(url("room_analytics", world.room_a1)).status_code == 403


class TestRecording:
    def test_a_buyer_view_is_recorded_with_their_stakeholder(self, client, world):
        client.force_login(world.buyer)
        assert client.get(url("room_detail", world.room_a1)).status_code == 200
        event = Event.objects.get(kind="room.viewed")
        assert (event.actor, event.actor_side, event.starts_visit) == (world.buyer, "buyer", True)
        assert event.stakeholder == Stakeholder.objects.get(user=world.buyer)

    def test_a_second_view_within_30_minutes_is_not_a_new_visit(self, client, world):
        client.force_login(world.buyer)
        client.get(url("room_detail", world.room_a1))
        client.get(url("room_detail", world.room_a1))
        views = Event.objects.filter(kind="room.viewed").order_by("created_at", "pk")
        assert list(views.values_list("starts_visit", flat=True)) == [True, False]

    def test_with_redis_down_the_view_is_written_directly(self, client, world, settings):
        from config.celery import app

        settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
        client.force_login(world.buyer)
        app.conf.task_always_eager = False
        try:
            assert client.get(url("room_detail", world.room_a1)).status_code == 200
        finally:
            app.conf.task_always_eager = True
        assert Event.objects.filter(kind="room.viewed").count() == 1

    def test_with_redis_down_seconds_on_the_page_are_dropped(self, client, world, settings):
        from config.celery import app

        client.force_login(world.buyer)
        view = store(world.room_a1, world.buyer, timezone.now() - timedelta(minutes=5))
        settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
        app.conf.task_always_eager = False
        try:
            beacon = {"token": beacon_token(view), "seq": 0, "seconds": 30}
            assert client.post(url("room_beacon", world.room_a1), beacon).status_code == 204
        finally:
            app.conf.task_always_eager = True
        # Written directly by concurrent requests, they would slip past the store's cap.
        assert not Event.objects.filter(kind="room.time").exists()

    def test_views_in_one_batch_are_judged_in_order(self, world):
        room, at = world.room_a1, NOW - timedelta(hours=2)
        batch = [
            {**payload_for(room, world.buyer, at + timedelta(minutes=m)), "kind": "room.viewed"}
            for m in (50, 0, 10, 45)  # out of order, as a batch may be
        ]
        events_store(batch)
        starts = Event.objects.order_by("created_at").values_list("starts_visit", flat=True)
        assert list(starts) == [True, False, True, False]  # 0 | 10 | 45 (35 min gap) | 50

    def test_an_event_of_a_room_deleted_since_is_set_aside_and_the_others_are_stored(self, world):
        room, bea, at = world.room_a1, world.buyer, timezone.now()
        gone_room = RoomFactory(organisation=world.org_a, owner=world.owner)
        gone_stakeholder = StakeholderFactory(room=room, user=None)
        of_gone_room = payload_for(gone_room, bea, at)
        of_gone_stakeholder = payload_for(room, bea, at, stakeholder=gone_stakeholder)
        gone_room.delete()
        gone_stakeholder.delete()
        malformed = {**payload_for(room, bea, at), "created_at": "yesterday"}
        good = payload_for(room, bea, at)
        del good["stakeholder_id"]  # optional
        aside = events_store([of_gone_room, of_gone_stakeholder, malformed, good])
        assert aside == [malformed, of_gone_room]
        # Stored without the stakeholder, as removing them does to the views stored before.
        assert set(Event.objects.values_list("public_id", "stakeholder")) == {
            (uuid.UUID(good["public_id"]), None),
            (uuid.UUID(of_gone_stakeholder["public_id"]), None),
        }

    def test_task_views_name_the_task_and_templates_are_not_counted(self, client, world):
        client.force_login(world.owner)
        task = world.room_a1.tasks.first()
        client.get(reverse("task_detail", args=[world.room_a1.public_id, task.public_id]))
        client.get(url("template_detail", world.template_a))
        assert list(Event.objects.values_list("kind", "data")) == [
            ("task.viewed", {"target": f"task:{task.public_id}"})
        ]

    def test_the_seller_feed_shows_a_buyer_visit_and_polls_for_more(self, client, world):
        store(world.room_a1, world.owner, timezone.now(), kind="task.completed", side="seller")
        client.force_login(world.owner)
        feed = client.get(url("room_activity", world.room_a1))
        assert feed.status_code == 200
        latest = Event.objects.get().pk
        assert client.get(url("room_activity", world.room_a1), {"after": latest}).status_code == 204
        store(world.room_a1, world.buyer, timezone.now())
        fresh = client.get(url("room_activity", world.room_a1), {"after": latest})
        assert fresh.status_code == 200
        assert "Bea Buyer" in fresh.content.decode()
        assert 'hx-trigger="every 5s"' in fresh.content.decode()

    def test_a_visit_stored_by_the_worker_shows_in_the_cached_feed_on_the_room_page(
        self, client, world
    ):
        client.force_login(world.owner)
        before = client.get(url("room_detail", world.room_a1)).content.decode()
        assert "opened the room" not in before  # the page and its feed are now cached
        # A buyer's view, drained from the buffer: it changes no content, only the feed.
        store(world.room_a1, world.buyer, timezone.now(), summary="opened the room")
        after = client.get(url("room_detail", world.room_a1)).content.decode()
        assert "Bea Buyer</strong> opened the room" in after
        # Reading on in the same visit is not news: the feed, and its version, stay put.
        version = Room.objects.values_list("feed_version", flat=True).get(pk=world.room_a1.pk)
        store(world.room_a1, world.buyer, timezone.now() + timedelta(minutes=1))
        assert Event.objects.filter(actor=world.buyer, starts_visit=False).count() == 1
        assert Room.objects.get(pk=world.room_a1.pk).feed_version == version

    def test_a_new_name_shows_on_the_cached_room_page_and_feed(self, client, world):
        store(world.room_a1, world.buyer, timezone.now(), summary="opened the room")
        client.force_login(world.owner)
        assert (
            "Bea Buyer</strong> opened the room"
            in client.get(url("room_detail", world.room_a1)).content.decode()
        )
        user_set_name(user=world.buyer, name="Beatrice Buyer")
        html = client.get(url("room_detail", world.room_a1)).content.decode()
        assert "Beatrice Buyer</strong> opened the room" in html
        assert "Bea Buyer</strong> opened the room" not in html

    def test_seconds_on_the_page_are_not_in_the_feed(self, client, world):
        store(world.room_a1, world.buyer, timezone.now(), kind="room.time", seconds=40)
        client.force_login(world.owner)
        assert "room.time" not in client.get(url("room_activity", world.room_a1)).content.decode()


class TestBeacon:
    @pytest.fixture
    def view(self, client, world):
        """A view of room A1 by Bea, served an hour ago: that much time on the page is possible."""
        client.force_login(world.buyer)
        return store(world.room_a1, world.buyer, timezone.now() - timedelta(hours=1))

    def post(self, client, room, token, seconds, seq=0):
        return client.post(
            url("room_beacon", room), {"token": token, "seq": seq, "seconds": seconds}
        )

    def counted(self):
        return sum(Event.objects.filter(kind="room.time").values_list("seconds", flat=True))

    def test_the_page_carries_its_token_and_a_beacon_counts(self, client, world, view):
        page = client.get(url("room_detail", world.room_a1)).content.decode()
        assert 'id="tandem-beacon"' in page and "data-token=" in page
        assert self.post(client, world.room_a1, beacon_token(view), "42.4").status_code == 204
        assert self.counted() == 42
        rows = DailyActivity.objects.filter(user=world.buyer)  # the view's day, and today's
        assert sum(rows.values_list("seconds", flat=True)) == 42

    @pytest.mark.parametrize(
        "seconds", ["-5", "0", "1e9", "1801", "NaN", "inf", "ten", "", "4" * 400]
    )
    def test_bad_durations_are_ignored(self, client, world, view, seconds):
        assert self.post(client, world.room_a1, beacon_token(view), seconds).status_code == 204
        assert self.counted() == 0

    def test_a_replayed_beacon_counts_once(self, client, world, view):
        token = beacon_token(view)
        for _ in range(3):
            self.post(client, world.room_a1, token, "30", seq=0)
        self.post(client, world.room_a1, token, "20", seq=1)
        assert self.counted() == 50

    def test_forged_stale_or_foreign_tokens_are_ignored(self, client, world, view):
        forged = signing.dumps({**view, "r": world.room_a1.pk}, salt="another salt")
        self.post(client, world.room_a1, forged, "30")
        other = beacon_token({**view, "room_id": world.room_a2.pk})
        self.post(client, world.room_a1, other, "30")  # a token of another room
        with mock.patch("django.core.signing.time.time", return_value=0):
            stale = signing.dumps(
                {"r": view["room_id"], "u": view["actor_id"], "v": view["public_id"],
                 "t": view["created_at"]}, salt=BEACON_SALT, compress=True,
            )  # fmt: skip
        self.post(client, world.room_a1, stale, "30")
        self.post(client, world.room_a1, "garbage", "30")
        assert self.counted() == 0

    def test_rooms_the_sender_cannot_see_count_nothing(self, client, world, view):
        client.force_login(world.other_buyer)
        assert self.post(client, world.room_a1, beacon_token(view), "30").status_code == 204
        client.force_login(world.outsider)
        assert self.post(client, world.room_a1, beacon_token(view), "30").status_code == 204
        assert self.counted() == 0

    def test_a_view_counts_no_more_seconds_than_have_passed_since_it_was_served(
        self, client, world, view
    ):
        token = beacon_token(view)  # served an hour ago
        for seq in range(200):
            self.post(client, world.room_a1, token, "1800", seq=seq)
        open_for = (timezone.now() - datetime.fromisoformat(view["created_at"])).total_seconds()
        assert 3600 <= self.counted() <= open_for  # not 100 hours
        before = self.counted()
        fresh = beacon_token({**view, "created_at": timezone.now().isoformat()})
        self.post(client, world.room_a1, fresh, "1800")
        assert self.counted() == before  # no second on a page served a moment ago

    def test_a_beacon_whose_sequence_does_not_increase_is_ignored(self, client, world, view):
        token = beacon_token(view)
        for seq, seconds in [(0, "30"), (5, "20"), (3, "40"), (5, "10"), (6, "5")]:
            self.post(client, world.room_a1, token, seconds, seq=seq)
        assert self.counted() == 55  # 30 + 20 + 5: sequence 3 came after 5, and 5 again


@pytest.mark.django_db
def test_a_drain_sized_batch_stored_twice_is_stored_once_with_every_field(world):
    """A thousand-event batch takes PostgreSQL's COPY path (activity.store._bulk_insert); stored
    again (a drain that died before trimming) it inserts nothing."""
    start = timezone.now() - timedelta(hours=2)
    payloads = [
        {
            "public_id": str(uuid.uuid4()),
            "created_at": (start + timedelta(minutes=i)).isoformat(),
            "organisation_id": world.room_a1.organisation_id,
            "room_id": world.room_a1.pk,
            "actor_id": world.buyer.pk,
            "actor_side": "buyer",
            "stakeholder_id": None,
            "kind": "task.viewed" if i % 2 else "room.viewed",
            "summary": f"big batch {i}",
            "data": {"target": f"task:{i}"} if i % 2 else {},
        }
        for i in range(150)
    ]
    assert events_store(payloads) == []
    assert events_store(payloads) == []
    stored = Event.objects.filter(summary__startswith="big batch")
    assert stored.count() == 150
    first, second = stored.order_by("created_at")[:2]
    assert (first.kind, first.data, first.starts_visit) == ("room.viewed", {}, True)
    assert (second.data, second.actor_id, second.starts_visit) == (
        {"target": "task:1"},
        world.buyer.pk,
        False,
    )


def test_each_chart_gridline_is_drawn_at_the_value_its_label_names():
    start = date(2026, 1, 5)
    weeks = [Week(start + timedelta(weeks=i), visits=v) for i, v in enumerate([1, 4, 3])]
    chart = weekly_bars(weeks)  # the top is 5: a label "2" must sit at 2, not at 2.5
    top, plot_h = 16, chart.height - 16 - 28
    for y, label in chart.ticks:
        assert y == pytest.approx(top + plot_h - plot_h * int(label) / 5)
    assert [label for _, label in chart.ticks] == ["0", "1", "2", "3", "4", "5"]
    # A phone's chart is drawn at about its own width, so its 11 px labels stay 11 px.
    assert weekly_bars(weeks, width=340).width == 340
