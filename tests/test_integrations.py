"""Integrations (issue 14): signed webhooks to a real receiver, the address guard, Slack and
Teams batches, calendar feeds, and their pages and API."""

import contextlib
import ipaddress
import json
import socket
import time
from datetime import timedelta
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from accounts.models import Side
from integrations import calendar, chat, webhooks
from integrations.models import (
    ChatChannel,
    ChatKind,
    ChatMessage,
    WebhookDelivery,
    WebhookEndpoint,
)
from integrations.net import RefusedAddress, address_refused, post_json, url_check
from integrations.tasks import webhook_send
from outbox.models import DeliveryStatus
from plans.models import Status
from plans.services import comment_create, task_set_done, task_update
from rooms.access import room_access_for
from rooms.resource_services import resource_add_link
from rooms.services import room_set_stage
from stakeholders.models import AccessState
from stakeholders.services import (
    buyer_invite,
    buyer_link_redeem,
    buyer_link_token_renew,
    buyer_revoke,
    stakeholder_add_buyer,
)
from tests.factories import MilestoneFactory, TaskFactory
from tests.receivers import receiving

pytestmark = pytest.mark.django_db


def endpoint_for(world, url, events=("task.completed",), **extra) -> WebhookEndpoint:
    return webhooks.endpoint_create(
        admin=world.membership(world.owner), url=url, event_types=list(events), **extra
    )


def first_task(world):
    return world.room_a1.tasks.get()


def tick(world, user=None, task=None):
    task = task or first_task(world)
    return task_set_done(
        task=task, done=True, by=room_access_for(user or world.owner, world.room_a1)
    )


def attempt(delivery: WebhookDelivery) -> None:
    """One attempt, as a worker makes it once the backoff has passed."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=None)
    with contextlib.suppress(Retry):  # eager tasks raise the retry they schedule
        webhook_send.apply(args=[delivery.pk])
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=None)


def verified(endpoint: WebhookEndpoint, received) -> dict:
    return Webhook(endpoint.secret).verify(received.body, received.headers)


# Webhooks -----------------------------------------------------------------------------------


def test_a_ticked_task_reaches_the_receiver_signed_in_the_standard_webhooks_format(
    world, django_capture_on_commit_callbacks
):
    with receiving() as receiver:
        endpoint = endpoint_for(world, receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            tick(world)
    assert len(receiver.received) == 1
    got = receiver.received[0]
    payload = verified(endpoint, got)
    task = first_task(world)
    assert payload["type"] == "task.completed"
    assert payload["data"]["id"] == str(task.public_id)
    assert payload["data"]["status"] == Status.DONE
    assert payload["data"]["room"] == str(world.room_a1.public_id)
    assert got.headers["webhook-id"].startswith("msg_")
    assert got.headers["content-type"] == "application/json"
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.response_status == 200 and delivery.response_body == '{"ok": true}'
    assert delivery.log.count() == 1


def test_a_forged_signature_is_refused_by_the_receivers_library(
    world, django_capture_on_commit_callbacks
):
    with receiving() as receiver:
        endpoint_for(world, receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            tick(world)
    with pytest.raises(WebhookVerificationError):
        Webhook(webhooks.secret_new()).verify(
            receiver.received[0].body, receiver.received[0].headers
        )


def test_every_event_type_carries_the_object_as_the_api_shows_it(
    world, django_capture_on_commit_callbacks
):
    with receiving() as receiver:
        everything = [choice.value for choice in webhooks.SUBSCRIBABLE]
        endpoint_for(world, receiver.url, events=everything)
        owner = room_access_for(world.owner, world.room_a1)
        task = first_task(world)
        with django_capture_on_commit_callbacks(execute=True):
            task_update(task=task, by=owner, due_date=task.due_date + timedelta(days=3))
            task_set_done(task=task, done=True, by=owner)
            task_set_done(task=task, done=False, by=owner)
            comment_create(by=owner, body="Over to you", task=task)
            resource_add_link(by=owner, url="https://docs.example/deck", title="Deck")
            room_set_stage(by=owner, stage="won")
            task_update(task=task, by=owner, title="Only the title")  # no date moved: nothing
    types = [r.json()["type"] for r in receiver.received]
    assert types == [
        "task.due_date_changed", "task.completed", "task.reopened", "comment.created",
        "resource.shared", "room.stage_changed",
    ]  # fmt: skip
    by_type = {r.json()["type"]: r.json()["data"] for r in receiver.received}
    assert by_type["comment.created"]["body"] == "Over to you"
    assert by_type["resource.shared"]["url"] == "https://docs.example/deck"
    assert by_type["room.stage_changed"]["stage"] == "won"
    assert (
        by_type["room.stage_changed"]["deal_value"] is not None
        or "deal_value" in (by_type["room.stage_changed"])
    )


def test_internal_items_go_only_to_endpoints_that_ask_for_them(
    world, django_capture_on_commit_callbacks
):
    secret_task = TaskFactory(milestone=world.room_a1.milestones.get(), is_internal=True)
    with receiving() as plain, receiving() as inside:
        endpoint_for(world, plain.url)
        endpoint_for(world, inside.url, include_internal=True)
        with django_capture_on_commit_callbacks(execute=True):
            tick(world, task=secret_task)
    assert plain.received == []
    assert [r.json()["data"]["id"] for r in inside.received] == [str(secret_task.public_id)]


def test_a_receiver_that_fails_three_times_then_succeeds_gets_four_attempts_all_logged(
    world, django_capture_on_commit_callbacks
):
    with receiving(plan=[500, 500, 500, 200]) as receiver:
        endpoint_for(world, receiver.url)
        with django_capture_on_commit_callbacks(execute=False):
            tick(world)
        delivery = WebhookDelivery.objects.get()
        for _ in range(4):
            attempt(delivery)
        attempt(delivery)  # sent: nothing more
    assert len(receiver.received) == 4
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1  # one message
    assert len({r.body for r in receiver.received}) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 4
    assert [a.status for a in delivery.log.all()] == [500, 500, 500, 200]
    assert delivery.log.first().body == "receiver says no"


def test_retries_grow_to_about_three_days_then_the_delivery_is_failed(
    world, django_capture_on_commit_callbacks
):
    with receiving(plan=[503]) as receiver:
        endpoint_for(world, receiver.url)
        with django_capture_on_commit_callbacks(execute=False):
            tick(world)
        delivery = WebhookDelivery.objects.get()
        delays = []
        for _ in range(WebhookDelivery.max_attempts):
            with contextlib.suppress(Retry):
                webhook_send.apply(args=[delivery.pk])
            delivery.refresh_from_db()
            if delivery.next_attempt_at and delivery.status == DeliveryStatus.PENDING:
                delays.append(round((delivery.next_attempt_at - timezone.now()).total_seconds()))
            WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=None)
    assert delivery.status == DeliveryStatus.FAILED
    assert len(receiver.received) == WebhookDelivery.max_attempts
    assert delays == sorted(delays)
    assert timedelta(days=2.5) < timedelta(seconds=sum(delays)) < timedelta(days=3.5)


def test_a_hanging_receiver_is_cut_at_the_timeout(world, settings):
    settings.WEBHOOKS_TIMEOUT = 1
    with receiving(plan=["hang"], hang_seconds=5) as receiver:
        started = time.monotonic()
        answer = post_json(receiver.url, b"{}", {})
        took = time.monotonic() - started
    assert answer.status is None and "timed out" in answer.error.lower()
    assert took < 3


@pytest.mark.parametrize(
    ("plan", "expect"),
    [
        ("close", lambda a: a.status is None and a.error),
        ("big", lambda a: a.status == 200 and len(a.body) == 1024),
    ],
)
def test_a_receiver_that_hangs_up_or_answers_10_mb_is_logged_not_followed(plan, expect):
    with receiving(plan=[plan]) as receiver:
        answer = post_json(receiver.url, b"{}", {})
    assert expect(answer)


def test_a_disabled_endpoint_gets_nothing(world, django_capture_on_commit_callbacks):
    with receiving() as receiver:
        endpoint = endpoint_for(world, receiver.url)
        # One delivery queued while it was on, and the endpoint then turned off before it went.
        with django_capture_on_commit_callbacks(execute=False):
            tick(world)
        webhooks.endpoint_update(
            endpoint=endpoint, admin=world.membership(world.owner), is_active=False
        )
        with django_capture_on_commit_callbacks(execute=True):
            task_set_done(
                task=first_task(world),
                done=False,
                by=room_access_for(world.owner, world.room_a1),
            )
        attempt(WebhookDelivery.objects.get())
    assert receiver.received == []
    assert WebhookDelivery.objects.get().status == DeliveryStatus.CANCELLED


def test_a_day_of_failures_turns_the_endpoint_off_and_tells_its_admins(
    world, django_capture_on_commit_callbacks
):
    with receiving(plan=[500]) as receiver:
        endpoint = endpoint_for(world, receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            tick(world)  # the first failure starts the run
        endpoint.refresh_from_db()
        assert endpoint.is_active and endpoint.failing_since is not None
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            failing_since=timezone.now() - timedelta(days=1, minutes=1)
        )
        with django_capture_on_commit_callbacks(execute=True):
            attempt(WebhookDelivery.objects.get())
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert "failed for a day" in endpoint.disabled_reason
    assert [m.to for m in mail.outbox] == [[world.owner.email]]
    assert endpoint.url in mail.outbox[0].body


def test_a_success_ends_the_run_of_failures(world, django_capture_on_commit_callbacks):
    with receiving(plan=[500, 200]) as receiver:
        endpoint = endpoint_for(world, receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            tick(world)
        attempt(WebhookDelivery.objects.get())
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None and endpoint.is_active


def test_a_secret_rotated_mid_retry_signs_the_next_attempt(
    world, django_capture_on_commit_callbacks
):
    with receiving(plan=[500, 200]) as receiver:
        endpoint = endpoint_for(world, receiver.url)
        old = endpoint.secret
        with django_capture_on_commit_callbacks(execute=True):
            tick(world)
        endpoint = webhooks.endpoint_rotate_secret(
            endpoint=endpoint, admin=world.membership(world.owner)
        )
        attempt(WebhookDelivery.objects.get())
    first, second = receiver.received
    Webhook(old).verify(first.body, first.headers)
    Webhook(endpoint.secret).verify(second.body, second.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(first.body, first.headers)
    # For a day the old secret signs beside the new one, while the receiver switches.
    assert len(second.headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(second.body, second.headers)


def test_a_test_event_reaches_even_an_endpoint_turned_off(
    world, django_capture_on_commit_callbacks
):
    with receiving() as receiver:
        endpoint = endpoint_for(world, receiver.url)
        webhooks.endpoint_update(
            endpoint=endpoint, admin=world.membership(world.owner), is_active=False
        )
        with django_capture_on_commit_callbacks(execute=True):
            webhooks.webhook_test_send(endpoint=endpoint)
    assert verified(endpoint, receiver.received[0])["type"] == "webhook.test"


def test_a_failed_delivery_sent_again_goes_once_more(world, django_capture_on_commit_callbacks):
    with receiving(plan=[500]) as receiver:
        endpoint_for(world, receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            tick(world)
        WebhookDelivery.objects.update(status=DeliveryStatus.FAILED)
        receiver.plan = [200]
        with django_capture_on_commit_callbacks(execute=True):
            webhooks.webhook_send_again(delivery=WebhookDelivery.objects.get())
    assert len(receiver.received) == 2
    assert WebhookDelivery.objects.get().status == DeliveryStatus.SENT


def test_with_the_broker_down_deliveries_wait_for_the_sweep(
    world, django_capture_on_commit_callbacks
):
    from integrations.tasks import integrations_sweep  # noqa: PLC0415 -- the task under test

    with receiving() as receiver:
        endpoint_for(world, receiver.url)
        with (
            mock.patch.object(webhook_send, "apply_async", side_effect=ConnectionError("down")),
            django_capture_on_commit_callbacks(execute=True),
        ):
            tick(world)
        assert receiver.received == []
        WebhookDelivery.objects.update(created_at=timezone.now() - timedelta(minutes=5))
        assert integrations_sweep() == 1
    assert len(receiver.received) == 1


# The address guard --------------------------------------------------------------------------

REFUSED = [
    ("127.0.0.1", "loopback"),
    ("127.8.9.10", "loopback"),
    ("::1", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("192.168.1.1", "private"),
    ("fd12:3456::1", "private"),
    ("169.254.10.10", "link-local"),
    ("fe80::1", "link-local"),
    ("169.254.169.254", "metadata"),
    ("fd00:ec2::254", "metadata"),
    ("100.100.100.200", "metadata"),
    ("224.0.0.251", "multicast"),
    ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"),  # noqa: S104 (an address refused, not bound)
    ("::", "unspecified"),
    ("100.64.0.1", "shared"),
    ("::ffff:127.0.0.1", "loopback"),
    ("::ffff:169.254.169.254", "metadata"),
    ("::ffff:10.0.0.1", "private"),
    ("64:ff9b::a9fe:a9fe", "metadata"),  # NAT64 of 169.254.169.254
    ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
    ("240.0.0.1", "reserved"),
    ("192.0.2.5", "private"),  # documentation
]
ALLOWED = ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


@pytest.mark.parametrize(("address", "why"), REFUSED)
def test_the_guard_refuses(address, why):
    reason = address_refused(ipaddress.ip_address(address))
    assert why in reason


@pytest.mark.parametrize("address", ALLOWED)
def test_the_guard_allows_public_addresses(address):
    assert address_refused(ipaddress.ip_address(address)) == ""


def fake_dns(address: str):
    def getaddrinfo(host, port, *args, **kwargs):
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]

    return getaddrinfo


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://hooks.example/x", "http"),
        ("javascript:alert(1)", "http"),
        ("https://user:pw@hooks.example/x", "password"),
        ("https://hooks.example/" + "x" * 2000, "at most"),
        ("http://127.0.0.1:8000/", "loopback"),
        ("http://[::ffff:169.254.169.254]/latest", "metadata"),
        ("http://metadata.internal/", "metadata"),  # a name that resolves to it
    ],
)
def test_a_refused_url_is_a_field_error(world, settings, url, message):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    with (
        mock.patch("socket.getaddrinfo", fake_dns("169.254.169.254"))
        if "internal" in url
        else mock.patch("socket.getaddrinfo", socket.getaddrinfo)
    ):
        with pytest.raises(RefusedAddress, match=message):
            url_check(url)
        with pytest.raises(Exception) as raised:
            endpoint_for(world, url)
    assert "url" in raised.value.message_dict


def test_the_connection_goes_to_the_address_checked_and_the_host_is_kept(settings):
    """DNS is asked once; a second answer (rebinding) is never used."""
    with receiving() as receiver:
        # The second answer is another loopback address where nothing listens: were it used,
        # the post would fail (and no traffic leaves the machine either way).
        answers = iter(["127.0.0.1", "127.0.0.2"])
        calls = []

        def getaddrinfo(host, port, *args, **kwargs):
            calls.append(host)
            return fake_dns(next(answers))(host, port)

        with mock.patch("socket.getaddrinfo", getaddrinfo):
            answer = post_json(f"http://hooks.test:{receiver.port}/x", b"{}", {})
    assert answer.status == 200
    assert calls == ["hooks.test"]
    assert receiver.received[0].headers["host"] == f"hooks.test:{receiver.port}"


def test_without_the_local_switch_a_delivery_to_loopback_is_refused_unsent(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    with receiving() as receiver:
        answer = post_json(receiver.url, b"{}", {})
    assert answer.status is None and "loopback" in answer.error
    assert receiver.received == []


# Slack and Teams ----------------------------------------------------------------------------


def buyer_burst(world):
    buyer = room_access_for(world.buyer, world.room_a1)
    milestone = world.room_a1.milestones.get()
    task = TaskFactory(milestone=milestone, side=Side.BUYER, title="Sign the <NDA> & send")
    task_set_done(task=task, done=True, by=buyer)
    comment_create(by=buyer, body="Done, see the signed copy", task=task)
    resource_add_link(by=buyer, url="https://drive.example/nda", title="Signed NDA")
    # The seller's own actions are not news to the seller's channel.
    comment_create(by=room_access_for(world.owner, world.room_a1), body="Thanks!")


def send_due_batches():
    ChatChannel.objects.exclude(due_at=None).update(due_at=timezone.now())
    for channel_id in chat.batches_due():
        chat.batch_send_due(channel_id=channel_id)


def test_slack_and_teams_get_one_message_for_a_burst_of_buyer_actions(
    world, django_capture_on_commit_callbacks
):
    with receiving() as slack, receiving() as teams:
        admin = world.membership(world.owner)
        chat.channel_create(admin=admin, kind=ChatKind.SLACK, url=slack.url, name="#deals")
        chat.channel_create(
            admin=admin, kind=ChatKind.TEAMS, url=teams.url, room_id=world.room_a1.pk
        )
        with django_capture_on_commit_callbacks(execute=True):
            buyer_burst(world)
        # The burst is gathered: nothing is posted until the batch is due.
        assert slack.received == [] and teams.received == []
        with django_capture_on_commit_callbacks(execute=True):
            send_due_batches()
        with django_capture_on_commit_callbacks(execute=True):
            send_due_batches()  # nothing new: nothing more
    assert len(slack.received) == 1 and len(teams.received) == 1
    slack_body, teams_body = slack.received[0].json(), teams.received[0].json()
    assert slack_body["text"] == "3 buyer actions in Buyer A1", slack_body
    text = slack_body["blocks"][1]["text"]["text"]
    assert text.count("Bea Buyer") == 3
    assert "&lt;NDA&gt; &amp; send" in text and "<NDA>" not in text
    assert "Thanks!" not in json.dumps(slack_body)
    button = slack_body["blocks"][2]["elements"][0]
    assert button["url"].endswith(f"/rooms/{world.room_a1.public_id}/")
    card = teams_body["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert len(card["content"]["body"][1]["facts"]) == 3
    assert card["content"]["actions"][0]["type"] == "Action.OpenUrl"
    assert ChatMessage.objects.filter(status=DeliveryStatus.SENT).count() == 2


def test_a_channel_hears_of_a_room_at_most_every_ten_minutes(
    world, django_capture_on_commit_callbacks
):
    with receiving() as slack:
        chat.channel_create(admin=world.membership(world.owner), kind="slack", url=slack.url)
        with django_capture_on_commit_callbacks(execute=True):
            buyer_burst(world)
        with django_capture_on_commit_callbacks(execute=True):
            send_due_batches()
        with django_capture_on_commit_callbacks(execute=True):
            comment_create(by=room_access_for(world.buyer, world.room_a1), body="One more")
    channel = ChatChannel.objects.get()
    assert channel.due_at - channel.sent_at >= chat.CHAT_INTERVAL - timedelta(seconds=1)


def test_a_chat_url_on_a_refused_address_is_a_field_error(world, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    with pytest.raises(Exception) as raised:
        chat.channel_create(
            admin=world.membership(world.owner), kind="teams", url="http://10.0.0.8/hook"
        )
    assert "url" in raised.value.message_dict


# Calendar feeds -----------------------------------------------------------------------------


@pytest.fixture
def plan(world):
    """Room A1's plan with dates: a milestone, the world's seller task owned by the owner, a
    buyer task, an internal task, a done task, and a task with no date."""
    room = world.room_a1
    today = timezone.localdate()
    milestone = room.milestones.get()
    milestone.target_date = today + timedelta(days=20)
    milestone.save(update_fields=["target_date"])
    undated = MilestoneFactory(room=room, title="Someday")
    owner_person = room.stakeholders.get(user=world.owner)
    bea = room.stakeholders.get(user=world.buyer)
    seller_task = first_task(world)
    seller_task.owner = owner_person
    seller_task.save(update_fields=["owner"])
    return {
        "milestone": milestone,
        "undated": undated,
        "seller_task": seller_task,
        "buyer_task": TaskFactory(milestone=milestone, side=Side.BUYER, owner=bea),
        "internal": TaskFactory(milestone=milestone, is_internal=True, owner=owner_person),
        "done": TaskFactory(milestone=milestone, side=Side.BUYER, status=Status.DONE),
        "undated_task": TaskFactory(milestone=milestone, side=Side.BUYER, due_date=None),
        "other_room": TaskFactory(milestone=MilestoneFactory(room=world.room_a2)),
    }


def feed_events(client, token: str) -> dict[str, dict]:
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    parsed = Calendar.from_ical(response.content)
    return {str(e["UID"]): e for e in parsed.walk("VEVENT")}


def uid(kind: str, thing) -> str:
    return f"{kind}-{thing.public_id}@tandem"


def test_a_sellers_feed_holds_their_open_tasks_and_their_rooms_milestones(client, world, plan):
    _feed, token = calendar.feed_create(user=world.owner)
    events = feed_events(client, token)
    assert set(events) == {
        uid("milestone", plan["milestone"]),
        uid("task", plan["seller_task"]),
        uid("task", plan["internal"]),  # the seller's own: internal is theirs to see
    }
    task_event = events[uid("task", plan["seller_task"])]
    assert task_event.decoded("DTSTART") == plan["seller_task"].due_date
    assert task_event.decoded("DTEND") == plan["seller_task"].due_date + timedelta(days=1)
    assert "Buyer A1" in str(task_event["SUMMARY"])


def test_a_buyers_feed_holds_the_milestones_and_their_sides_tasks_and_nothing_internal(
    client, world, plan
):
    bea = world.room_a1.stakeholders.get(user=world.buyer)
    _feed, token = calendar.feed_create(user=world.buyer, stakeholder=bea)
    events = feed_events(client, token)
    assert set(events) == {uid("milestone", plan["milestone"]), uid("task", plan["buyer_task"])}
    body = client.get(f"/calendar/{token}.ics").content.decode()
    assert plan["internal"].title not in body


def test_a_moved_date_moves_sequence_and_last_modified_and_a_done_task_drops_out(
    client, world, plan
):
    bea = world.room_a1.stakeholders.get(user=world.buyer)
    _feed, token = calendar.feed_create(user=world.buyer, stakeholder=bea)
    task = plan["buyer_task"]
    before = feed_events(client, token)[uid("task", task)]
    buyer = room_access_for(world.buyer, world.room_a1)
    task_update(task=task, by=buyer, due_date=task.due_date + timedelta(days=2))
    after = feed_events(client, token)[uid("task", task)]
    assert after.decoded("DTSTART") == task.due_date
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("LAST-MODIFIED") >= before.decoded("LAST-MODIFIED")
    task_set_done(task=task, done=True, by=buyer)
    assert uid("task", task) not in feed_events(client, token)


def test_an_unchanged_feed_answers_304(client, world, plan):
    _feed, token = calendar.feed_create(user=world.owner)
    first = client.get(f"/calendar/{token}.ics")
    assert first["ETag"] and first["Last-Modified"]
    again = client.get(f"/calendar/{token}.ics", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    since = client.get(f"/calendar/{token}.ics", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    task_set_done(
        task=plan["seller_task"], done=True, by=room_access_for(world.owner, world.room_a1)
    )
    changed = client.get(f"/calendar/{token}.ics", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200


def test_a_revoked_feed_and_a_revoked_buyers_feed_answer_404(client, world, plan):
    feed, token = calendar.feed_create(user=world.owner)
    calendar.feed_revoke(feed=feed)
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    bea = world.room_a1.stakeholders.get(user=world.buyer)
    _feed, buyer_token = calendar.feed_create(user=world.buyer, stakeholder=bea)
    bea.access_state = AccessState.REVOKED
    bea.save(update_fields=["access_state"])
    assert client.get(f"/calendar/{buyer_token}.ics").status_code == 404


def test_a_new_link_replaces_the_old_and_only_the_hash_is_kept(client, world, plan):
    _old, old_token = calendar.feed_create(user=world.owner)
    feed, token = calendar.feed_create(user=world.owner)
    assert client.get(f"/calendar/{old_token}.ics").status_code == 404
    assert client.get(f"/calendar/{token}.ics").status_code == 200
    assert token not in feed.token_hash and len(token) >= 43  # 256 bits


def test_the_buyer_adds_the_room_to_their_calendar(client, world, plan):
    client.force_login(world.buyer)
    room_page = client.get(reverse("room_detail", args=[world.room_a1.public_id]))
    assert b"Add to calendar" in room_page.content
    page = client.post(reverse("room_calendar", args=[world.room_a1.public_id]))
    assert page.status_code == 200
    webcal = page.context["new_webcal"]
    assert webcal.startswith("webcal://") and webcal.endswith(".ics")
    token = webcal.rsplit("/", 1)[1].removesuffix(".ics")
    assert set(feed_events(client, token)) == {
        uid("milestone", plan["milestone"]),
        uid("task", plan["buyer_task"]),
    }
    download = client.get(reverse("room_calendar_ics", args=[world.room_a1.public_id]))
    assert plan["internal"].title.encode() not in download.content
    assert "attachment" in download["Content-Disposition"]


def test_a_single_tasks_ics_and_no_internal_task_for_a_buyer(client, world, plan):
    client.force_login(world.buyer)
    task = plan["buyer_task"]
    response = client.get(
        reverse("task_calendar_ics", args=[world.room_a1.public_id, task.public_id])
    )
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [uid("task", task)]
    hidden = client.get(
        reverse("task_calendar_ics", args=[world.room_a1.public_id, plan["internal"].public_id])
    )
    assert hidden.status_code == 404


# Pages and API ------------------------------------------------------------------------------


def test_the_admin_adds_an_endpoint_sees_its_secret_once_and_its_test_delivery(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.owner)
    url = reverse("webhook_list", args=[world.org_a.public_id])
    with receiving() as receiver:
        page = client.post(url, {"url": receiver.url, "event_types": ["task.completed"]})
        assert page.status_code == 200
        endpoint = WebhookEndpoint.objects.get()
        assert endpoint.secret.encode() in page.content
        detail = reverse("webhook_detail", args=[world.org_a.public_id, endpoint.public_id])
        assert endpoint.secret.encode() not in client.get(detail).content
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("webhook_test", args=[world.org_a.public_id, endpoint.public_id]))
    log = client.get(detail).content.decode()
    assert "webhook.test" in log and "HTTP 200" in log
    assert len(receiver.received) == 1


def test_the_page_refuses_a_private_address_with_a_field_error(client, world, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    client.force_login(world.owner)
    url = reverse("webhook_list", args=[world.org_a.public_id])
    page = client.post(url, {"url": "http://192.168.0.10/hook", "event_types": ["room.created"]})
    assert page.status_code == 422
    assert "private" in page.context["form"].errors["url"][0]
    assert not WebhookEndpoint.objects.exists()


def test_the_api_manages_endpoints_and_shows_the_secret_only_when_made(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.owner)
    with receiving() as receiver:
        made = client.post(
            "/api/v1/webhooks/",
            {"url": receiver.url, "event_types": ["task.completed", "comment.created"]},
            content_type="application/json",
        )
        assert made.status_code == 201, made.json()
        secret, endpoint_id = made.json()["secret"], made.json()["id"]
        assert secret.startswith("whsec_")
        listed = client.get("/api/v1/webhooks/").json()["results"]
        assert [e["id"] for e in listed] == [endpoint_id] and "secret" not in listed[0]
        changed = client.patch(
            f"/api/v1/webhooks/{endpoint_id}/",
            {"event_types": ["room.created"]},
            content_type="application/json",
        )
        assert changed.json()["event_types"] == ["room.created"]
        rotated = client.post(f"/api/v1/webhooks/{endpoint_id}/rotate-secret/").json()
        assert rotated["secret"] != secret
        with django_capture_on_commit_callbacks(execute=True):
            tested = client.post(f"/api/v1/webhooks/{endpoint_id}/test/")
        assert tested.status_code == 202
        log = client.get(f"/api/v1/webhooks/{endpoint_id}/deliveries/").json()["results"]
        assert log[0]["event_type"] == "webhook.test" and log[0]["status"] == "sent"
        assert log[0]["log"][0]["status"] == 200
        Webhook(rotated["secret"]).verify(receiver.received[0].body, receiver.received[0].headers)
    assert client.delete(f"/api/v1/webhooks/{endpoint_id}/").status_code == 204


def test_the_api_answers_a_bad_endpoint_with_field_errors(client, world):
    client.force_login(world.owner)
    bad = client.post(
        "/api/v1/webhooks/",
        {"url": "ftp://x.example/", "event_types": ["nope"]},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert "event_types" in bad.json()
    bad = client.post(
        "/api/v1/webhooks/",
        {"url": "ftp://x.example/", "event_types": ["room.created"]},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "url" in bad.json()


def test_a_rep_may_not_add_an_endpoint_and_an_outsider_sees_none(client, world):
    endpoint = WebhookEndpoint.objects.create(
        organisation=world.org_a, url="https://hooks.example/a", event_types=["room.created"]
    )
    client.force_login(world.rep)
    refused = client.post(
        "/api/v1/webhooks/",
        {
            "organisation": str(world.org_a.public_id),
            "url": "https://hooks.example/b",
            "event_types": ["room.created"],
        },
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert client.get(f"/api/v1/webhooks/{endpoint.public_id}/").status_code == 403
    client.force_login(world.outsider)
    assert client.get("/api/v1/webhooks/").json()["results"] == []
    assert client.get(f"/api/v1/webhooks/{endpoint.public_id}/").status_code == 404


def test_the_api_makes_and_revokes_calendar_feeds(client, world, plan):
    client.force_login(world.buyer)
    made = client.post(
        "/api/v1/calendar-feeds/",
        {"room": str(world.room_a1.public_id)},
        content_type="application/json",
    )
    assert made.status_code == 201, made.json()
    token = made.json()["url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert uid("task", plan["buyer_task"]) in feed_events(client, token)
    feed_id = made.json()["id"]
    assert [f["id"] for f in client.get("/api/v1/calendar-feeds/").json()["results"]] == [feed_id]
    assert client.delete(f"/api/v1/calendar-feeds/{feed_id}/").status_code == 204
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    # Another buyer's room is a 404, as everywhere.
    other = client.post(
        "/api/v1/calendar-feeds/",
        {"room": str(world.room_a2.public_id)},
        content_type="application/json",
    )
    assert other.status_code == 404


def test_the_schema_documents_every_webhook_event(client):
    schema = client.get("/api/schema/?format=json").json()
    assert set(schema["webhooks"]) >= {
        "room.created", "room.stage_changed", "task.completed", "task.reopened",
        "task.due_date_changed", "comment.created", "stakeholder.added", "stakeholder.invited",
        "stakeholder.revoked", "buyer.first_visit", "resource.shared", "webhook.test",
    }  # fmt: skip
    task_event = schema["webhooks"]["task.completed"]["post"]["requestBody"]["content"]
    ref = task_event["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    data = schema["components"]["schemas"][ref]["properties"]["data"]
    data_ref = data.get("$ref") or data["allOf"][0]["$ref"]
    fields = schema["components"]["schemas"][data_ref.rsplit("/", 1)[1]]["properties"]
    assert {"id", "title", "due_date", "status", "room"} <= set(fields)


def test_people_events_carry_the_stakeholder_and_a_buyers_first_visit_too(
    world, django_capture_on_commit_callbacks
):
    with receiving() as receiver:
        endpoint_for(
            world,
            receiver.url,
            events=[
                "stakeholder.added", "stakeholder.invited", "stakeholder.revoked",
                "buyer.first_visit",
            ],
        )  # fmt: skip
        owner = room_access_for(world.owner, world.room_a1)
        with django_capture_on_commit_callbacks(execute=True):
            carl = stakeholder_add_buyer(by=owner, name="Carl", email="carl@buyer-a1.example")
            link = buyer_invite(stakeholder=carl, by=owner)
        token = buyer_link_token_renew(link.pk, carl.email)
        with django_capture_on_commit_callbacks(execute=True):
            assert buyer_link_redeem(token=token) is not None
            buyer_revoke(stakeholder=carl, by=owner)
    sent = [(r.json()["type"], r.json()["data"]["id"]) for r in receiver.received]
    assert sent == [
        ("stakeholder.added", str(carl.public_id)),
        ("stakeholder.invited", str(carl.public_id)),
        ("buyer.first_visit", str(carl.public_id)),
        ("stakeholder.revoked", str(carl.public_id)),
    ]
    assert receiver.received[-1].json()["data"]["access_state"] == "revoked"


def test_a_chat_message_that_fails_is_shown_to_the_admins_with_why(
    client, world, django_capture_on_commit_callbacks
):
    with receiving(plan=[500]) as slack:
        chat.channel_create(admin=world.membership(world.owner), kind="slack", url=slack.url)
        with django_capture_on_commit_callbacks(execute=True):
            buyer_burst(world)
        with django_capture_on_commit_callbacks(execute=True):
            send_due_batches()
    assert len(slack.received) == 1
    message = ChatMessage.objects.get()
    assert message.status == DeliveryStatus.PENDING and message.next_attempt_at is not None
    client.force_login(world.owner)
    page = client.get(reverse("chat_channels", args=[world.org_a.public_id])).content.decode()
    assert "Retrying" in page and "HTTP 500" in page


def test_every_change_to_an_endpoint_is_in_the_audit_log(world):
    from governance.models import AuditEntry  # the audit log is another app's; only here

    admin = world.membership(world.owner)
    endpoint = endpoint_for(world, "http://127.0.0.1:18499/hook")
    webhooks.endpoint_update(endpoint=endpoint, admin=admin, description="CRM")
    webhooks.endpoint_rotate_secret(endpoint=endpoint, admin=admin)
    webhooks.endpoint_delete(endpoint=endpoint, admin=admin)
    entries = AuditEntry.objects.filter(organisation=world.org_a, kind__startswith="webhook.")
    assert [(e.kind, e.summary) for e in entries.order_by("pk")] == [
        ("webhook.created", "added the webhook http://127.0.0.1:18499/hook"),
        ("webhook.updated", "changed the webhook http://127.0.0.1:18499/hook"),
        ("webhook.updated", "rotated the secret of http://127.0.0.1:18499/hook"),
        ("webhook.deleted", "deleted the webhook http://127.0.0.1:18499/hook"),
    ]
    assert {e.actor_id for e in entries} == {world.owner.pk}
