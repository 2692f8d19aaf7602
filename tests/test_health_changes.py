"""A room's health changing is an event (issue 14): ``room.health_changed``, recorded once per
change by beat's sweep or by the check after a change, carried by webhooks and chat, shown in
the seller's feed.

Dates are computed as the page computes them (``timezone.localdate()``), and every expected
reason is the one analytics.health gives for the room at that moment.
"""

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from accounts.models import Side
from activity.kinds import EventKind
from activity.models import Event
from activity.subscriptions import Recorded
from analytics import health_changes
from analytics.health import room_health
from analytics.health_changes import health_check, health_on_recorded, health_sweep
from analytics.models import RoomHealthState
from integrations import chat, webhooks
from integrations.models import ChatChannel, ChatKind
from plans.services import task_set_done, task_update
from rooms.access import room_access_for
from rooms.models import Room
from rooms.services import room_set_stage
from tests.conftest import require_or_skip
from tests.factories import RoomFactory, TaskFactory
from tests.receivers import receiving

pytestmark = pytest.mark.django_db

CHANGED = EventKind.ROOM_HEALTH_CHANGED


def changes():
    return list(Event.objects.filter(kind=CHANGED).order_by("pk"))


def buyer_task(world, *, days: int):
    """A buyer-side task of room A1 due ``days`` from today (negative: overdue)."""
    return TaskFactory(
        milestone=world.room_a1.milestones.get(),
        side=Side.BUYER,
        title="Sign the NDA",
        due_date=timezone.localdate() + timedelta(days=days),
    )


def reason_now(room) -> str:
    return room_health(room).health.reason


def send_due_batches():
    ChatChannel.objects.exclude(due_at=None).update(due_at=timezone.now())
    for channel_id in chat.batches_due():
        chat.batch_send_due(channel_id=channel_id)


# The sweep ------------------------------------------------------------------------------------


def test_the_first_sweep_stores_every_live_rooms_health_and_announces_nothing(world):
    buyer_task(world, days=-2)  # room A1 is at risk from the start
    assert health_sweep() == 0
    assert changes() == []
    stored = {row.room_id: row for row in RoomHealthState.objects.all()}
    # Every room of every organisation, never a template.
    assert set(stored) == {world.room_a1.pk, world.room_a2.pk, world.room_b1.pk}
    assert stored[world.room_a1.pk].state == "at_risk"
    assert stored[world.room_a1.pk].reason == reason_now(world.room_a1)


def test_the_sweep_announces_a_change_once(world):
    health_sweep()
    assert RoomHealthState.objects.get(room=world.room_a1).state == "on_track"
    before = reason_now(world.room_a1)
    buyer_task(world, days=-1)  # falls overdue: what the clock does at midnight
    assert health_sweep() == 1
    assert health_sweep() == 0  # stored: said once
    [event] = changes()
    reason = reason_now(world.room_a1)
    assert reason == "1 buyer task overdue." and before != reason
    assert event.data == {"from": "on_track", "state": "at_risk", "reason": reason}
    assert event.summary == "Health changed: On track → At risk (1 buyer task overdue)"
    assert (event.room_id, event.organisation_id) == (world.room_a1.pk, world.org_a.pk)
    assert event.actor is None and event.actor_side == "" and not event.is_internal
    stored = RoomHealthState.objects.get(room=world.room_a1)
    assert (stored.state, stored.reason) == ("at_risk", reason)


def test_the_sweep_costs_the_same_queries_for_three_rooms_or_thirty(
    world, django_assert_num_queries
):
    health_sweep()
    # 1 the batch of rooms, 3 their facts (tasks, last buyer activity, first invitations),
    # 1 their stored health.
    with django_assert_num_queries(5):
        assert health_sweep() == 0
    RoomFactory.create_batch(27, organisation=world.org_a, owner=world.owner)
    # The same, plus 1 insert of the new rooms' first health.
    with django_assert_num_queries(6):
        health_sweep()
    assert RoomHealthState.objects.count() == 30
    with django_assert_num_queries(5):
        assert health_sweep() == 0
    # In batches of 12 (12, 12, 6): the same five per batch; a short batch is the last.
    with django_assert_num_queries(15):
        assert health_sweep(batch_size=12) == 0


def test_a_room_closing_or_opening_again_is_stored_not_announced(
    world, django_capture_on_commit_callbacks
):
    owner = room_access_for(world.owner, world.room_a1)
    health_sweep()
    with django_capture_on_commit_callbacks(execute=True):
        room_set_stage(by=owner, stage="won")
    assert RoomHealthState.objects.get(room=world.room_a1).state == "closed"
    with django_capture_on_commit_callbacks(execute=True):
        room_set_stage(by=owner, stage="active")
    assert RoomHealthState.objects.get(room=world.room_a1).state == "on_track"
    assert changes() == []


def test_a_room_that_closed_unseen_is_stored_closed_by_the_sweep(world):
    health_sweep()
    Room.objects.filter(pk=world.room_a1.pk).update(stage="lost")  # no service: no check
    assert health_sweep() == 0
    assert RoomHealthState.objects.get(room=world.room_a1).state == "closed"
    assert changes() == []


# Two at once ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_announce_a_change_once(world, monkeypatch):
    require_or_skip(
        connection.vendor == "postgresql",
        "DATABASE_URL is not PostgreSQL: SQLite has no row locks to prove this with",
    )
    health_sweep()
    buyer_task(world, days=-1)
    # Both sweeps have computed the change before either stores it.
    together = threading.Barrier(2)
    computed = health_changes.rooms_health

    def computed_together(rooms, now=None):
        result = computed(rooms, now)
        together.wait(timeout=20)
        return result

    monkeypatch.setattr(health_changes, "rooms_health", computed_together)
    results, errors = [], []

    def sweep():
        try:
            results.append(health_sweep())
        except Exception as exc:  # surfaced below: a thread's exception is otherwise lost
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(results) == [0, 1]
    assert Event.objects.filter(kind=CHANGED).count() == 1
    assert RoomHealthState.objects.get(room=world.room_a1).state == "at_risk"


# At once, after a change -----------------------------------------------------------------------


def test_a_ticked_task_has_its_room_checked_at_once(world, django_capture_on_commit_callbacks):
    task = buyer_task(world, days=-3)
    health_sweep()
    assert RoomHealthState.objects.get(room=world.room_a1).state == "at_risk"
    with (
        mock.patch.object(health_changes, "health_check", wraps=health_check) as checks,
        django_capture_on_commit_callbacks(execute=True),
    ):
        task_set_done(task=task, done=True, by=room_access_for(world.owner, world.room_a1))
    # Checked once: recording the change checks nothing again.
    assert checks.call_count == 1
    [event] = changes()
    assert event.data == {
        "from": "at_risk",
        "state": "on_track",
        "reason": reason_now(world.room_a1),
    }


def test_a_moved_due_date_turns_the_room_at_risk_at_once(world, django_capture_on_commit_callbacks):
    task = buyer_task(world, days=5)
    health_sweep()
    with django_capture_on_commit_callbacks(execute=True):
        task_update(
            task=task,
            by=room_access_for(world.owner, world.room_a1),
            due_date=timezone.localdate() - timedelta(days=1),
        )
    [event] = changes()
    assert (event.data["from"], event.data["state"]) == ("on_track", "at_risk")


def test_a_rooms_first_check_after_a_change_stores_it_and_announces_nothing(
    world, django_capture_on_commit_callbacks
):
    task = buyer_task(world, days=-3)
    with django_capture_on_commit_callbacks(execute=True):
        task_set_done(task=task, done=True, by=room_access_for(world.owner, world.room_a1))
    assert RoomHealthState.objects.get(room=world.room_a1).state == "on_track"
    assert changes() == []


def test_only_changes_that_move_health_are_checked(world):
    event = Event.objects.create(
        organisation=world.org_a, room=world.room_a1, kind=CHANGED, summary="…"
    )
    viewed = Event.objects.create(
        organisation=world.org_a, room=world.room_a1, kind=EventKind.ROOM_VIEWED, summary="…"
    )
    with mock.patch.object(health_changes, "health_check", wraps=health_check) as checks:
        health_on_recorded(Recorded(events=[event, viewed]))
    assert checks.call_count == 0


def test_a_burst_of_changes_in_a_room_is_checked_once_and_a_later_one_again(world):
    """A buyer ticking five tasks schedules one check (the load test's worker queue filled with
    one check per tick); once that check has begun, the next change schedules another."""
    ticks = [
        Event.objects.create(
            organisation=world.org_a, room=world.room_a1, kind=EventKind.TASK_COMPLETED
        )
        for _ in range(5)
    ]
    other_room = Event.objects.create(
        organisation=world.org_a, room=world.room_a2, kind=EventKind.TASK_COMPLETED
    )
    with mock.patch.object(health_changes.health_check_task, "apply_async") as scheduled:
        for tick in ticks:
            health_on_recorded(Recorded(events=[tick]))
        health_on_recorded(Recorded(events=[other_room]))
        assert [call.kwargs["args"] for call in scheduled.call_args_list] == [
            [[world.room_a1.pk]],
            [[world.room_a2.pk]],
        ]
        assert scheduled.call_args_list[0].kwargs["countdown"] == 5
        health_changes.health_check_task([world.room_a1.pk])  # the worker runs the first
        health_on_recorded(Recorded(events=[ticks[0]]))
        assert scheduled.call_count == 3


# Webhooks and chat ----------------------------------------------------------------------------


def test_a_subscribed_endpoint_gets_the_change_signed_and_another_gets_nothing(
    world, django_capture_on_commit_callbacks
):
    with receiving() as subscribed, receiving() as other:
        admin = world.membership(world.owner)
        endpoint = webhooks.endpoint_create(
            admin=admin, url=subscribed.url, event_types=["room.health_changed"]
        )
        webhooks.endpoint_create(
            admin=admin,
            url=other.url,
            event_types=[t.value for t in webhooks.SUBSCRIBABLE if t != "room.health_changed"],
        )
        health_sweep()
        buyer_task(world, days=-1)
        with django_capture_on_commit_callbacks(execute=True):
            health_sweep()
    assert other.received == []
    [received] = subscribed.received
    payload = Webhook(endpoint.secret).verify(received.body, received.headers)
    event = Event.objects.get(kind=CHANGED)
    assert payload["type"] == "room.health_changed"
    assert payload["timestamp"] == event.created_at.isoformat()
    data = payload["data"]
    # The room as the REST API shows it to a seller, and the change.
    assert data["id"] == str(world.room_a1.public_id)
    assert data["buyer_company"] == "Buyer A1" and data["stage"] == "active"
    assert data["owner"]["email"] == world.owner.email
    assert data["health"] == {
        "state": "at_risk",
        "reason": reason_now(world.room_a1),
        "from": "on_track",
        "changed_at": event.created_at.isoformat(),
    }


def test_slack_and_teams_hear_that_a_room_turned_at_risk_with_its_link(
    world, django_capture_on_commit_callbacks
):
    task = buyer_task(world, days=5)
    with receiving() as slack, receiving() as teams:
        admin = world.membership(world.owner)
        chat.channel_create(admin=admin, kind=ChatKind.SLACK, url=slack.url)
        chat.channel_create(
            admin=admin, kind=ChatKind.TEAMS, url=teams.url, room_id=world.room_a1.pk
        )
        health_sweep()
        with django_capture_on_commit_callbacks(execute=True):
            task_update(
                task=task,
                by=room_access_for(world.owner, world.room_a1),
                due_date=timezone.localdate() - timedelta(days=1),
            )
        assert slack.received == [] and teams.received == []  # gathered like buyer actions
        with django_capture_on_commit_callbacks(execute=True):
            send_due_batches()
    url = f"{settings.SITE_URL}/rooms/{world.room_a1.public_id}/"
    reason = reason_now(world.room_a1)
    [slack_message], [teams_message] = slack.received, teams.received
    slack_body = slack_message.json()
    assert slack_body["text"] == "Buyer A1 turned at risk"
    assert slack_body["blocks"][1]["text"]["text"] == (
        f"• <{url}|Buyer A1> turned at risk: {reason}"
    )
    assert slack_body["blocks"][2]["elements"][0]["url"] == url
    card = teams_message.json()["attachments"][0]["content"]
    assert card["body"][0]["text"] == "Buyer A1 turned at risk"
    assert card["body"][1] == {
        "type": "TextBlock",
        "text": f"[Buyer A1]({url}) turned at risk: {reason}",
        "color": "Attention",
        "wrap": True,
    }
    assert card["actions"][0]["url"] == url


def test_a_room_back_on_track_is_not_chat_news(world, django_capture_on_commit_callbacks):
    task = buyer_task(world, days=-2)
    with receiving() as slack:
        chat.channel_create(admin=world.membership(world.owner), kind="slack", url=slack.url)
        health_sweep()
        with django_capture_on_commit_callbacks(execute=True):
            task_set_done(task=task, done=True, by=room_access_for(world.owner, world.room_a1))
        with django_capture_on_commit_callbacks(execute=True):
            send_due_batches()
    assert len(changes()) == 1  # at risk → on track: recorded, for webhooks and the feed
    assert slack.received == []


def test_a_buyer_action_and_a_room_at_risk_share_one_message(
    world, django_capture_on_commit_callbacks
):
    task = buyer_task(world, days=3)
    with receiving() as slack:
        chat.channel_create(admin=world.membership(world.owner), kind="slack", url=slack.url)
        health_sweep()
        buyer = room_access_for(world.buyer, world.room_a1)
        owner = room_access_for(world.owner, world.room_a1)
        other = TaskFactory(milestone=task.milestone, side=Side.BUYER, title="Book <the> demo")
        with django_capture_on_commit_callbacks(execute=True):
            task_set_done(task=other, done=True, by=buyer)
            task_update(task=task, by=owner, due_date=timezone.localdate() - timedelta(days=1))
        with django_capture_on_commit_callbacks(execute=True):
            send_due_batches()
    [message] = slack.received
    body = message.json()
    assert body["text"] == "1 buyer action and 1 deal at risk in Buyer A1"
    lines = body["blocks"][1]["text"]["text"].splitlines()
    assert lines[0] == "• *Bea Buyer* completed “Book &lt;the&gt; demo” (Buyer A1)"
    assert lines[1].endswith("> turned at risk: 1 buyer task overdue.")


# What sellers see ------------------------------------------------------------------------------


def test_the_sellers_feed_shows_the_change_and_the_buyers_page_does_not(
    client, world, django_capture_on_commit_callbacks
):
    health_sweep()
    buyer_task(world, days=-1)
    with django_capture_on_commit_callbacks(execute=True):
        health_sweep()
    path = f"/rooms/{world.room_a1.public_id}/"
    client.force_login(world.owner)
    page = client.get(path).content.decode()
    assert "<strong>Health changed:</strong>" in page
    assert '<span class="badge badge--on_track">On track</span> → ' in page
    assert '<span class="badge badge--at_risk">At risk</span>' in page
    assert "(1 buyer task overdue)" in page
    client.force_login(world.buyer)
    page = client.get(path).content.decode()
    assert "Health changed" not in page and "buyer task overdue" not in page


def test_the_schema_documents_the_health_change(client):
    schema = client.get("/api/schema/?format=json").json()
    hook = schema["webhooks"]["room.health_changed"]["post"]["requestBody"]["content"]
    ref = hook["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    schemas = schema["components"]["schemas"]
    data = schemas[ref]["properties"]["data"]
    data_ref = (data.get("$ref") or data["allOf"][0]["$ref"]).rsplit("/", 1)[1]
    fields = schemas[data_ref]["properties"]
    assert {"id", "buyer_company", "stage", "target_date", "health"} <= set(fields)
    health = fields["health"]
    health_ref = (health.get("$ref") or health["allOf"][0]["$ref"]).rsplit("/", 1)[1]
    assert set(schemas[health_ref]["properties"]) == {"state", "reason", "from", "changed_at"}
