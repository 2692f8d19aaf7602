"""Reminders under faults, with a real Celery worker on Redis and PostgreSQL (issue 6).

In every case: no email twice, none lost, none about a completed task. The worker is
tests/test_celery.py's: a thread consuming a queue of this test process's own.
"""

import contextlib
import threading
import time
from datetime import timedelta
from smtplib import SMTPRecipientsRefused
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection

from config.celery import app
from notifications.models import SweepLock
from notifications.reminders import reminders_due, reminders_sweep
from outbox.models import EmailStatus, OutboundEmail
from outbox.tasks import email_send, outbox_sweep
from plans.services import task_set_done
from rooms.access import room_access_for
from tests.conftest import require_or_skip
from tests.test_celery import real_worker, wait_for  # noqa: F401 (a fixture)
from tests.test_reminders import NOW, days, plan, task_for  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql():
    require_or_skip(
        connection.vendor == "postgresql",
        "DATABASE_URL is not PostgreSQL: SQLite has no row locks to prove these with",
    )


def _reset_broker_connections() -> None:
    """Producers reconnect to the broker_url of now (the worker's consumer keeps its own)."""
    app._pool = None
    app.amqp._producer_pool = None


@contextlib.contextmanager
def redis_down():
    """Producers point at a port nobody listens on: every hand-off to Celery fails at once."""
    previous = app.conf.broker_url, app.conf.broker_transport_options
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app.conf.broker_transport_options = {"max_retries": 0}
    _reset_broker_connections()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = previous
        _reset_broker_connections()


def age_the_outbox() -> None:
    """The outbox sweep leaves emails younger than two minutes to their own dispatch."""
    OutboundEmail.objects.update(created_at=NOW)


def settle(seconds: float = 1.5) -> None:
    """Give the worker time to do anything more it would (it must not)."""
    time.sleep(seconds)


def copies_to(address: str) -> int:
    return sum(message.to == [address] for message in mail.outbox)


def all_settled() -> bool:
    return not OutboundEmail.objects.filter(
        status__in=[EmailStatus.PENDING, EmailStatus.SENDING]
    ).exists()


def test_the_worker_sends_the_sweeps_reminders_once(real_worker, plan):  # noqa: F811
    task_for(plan, plan.sam, days(2))
    task_for(plan, plan.bea, days(-1))
    assert reminders_sweep(now=NOW) == 2
    assert wait_for(all_settled)
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {EmailStatus.SENT}
    assert copies_to("sam@initech.example") == copies_to("bea@globex.example") == 1


def test_a_worker_killed_after_sending_before_marking_sends_no_second_copy(
    real_worker,  # noqa: F811
    plan,  # noqa: F811
):
    task_for(plan, plan.sam, days(2))
    # The server accepts, then the task dies before it can mark the row sent.
    killed = mock.patch("outbox.tasks.email_mark_sent", side_effect=RuntimeError("worker killed"))
    with killed:
        reminders_sweep(now=NOW)
        assert wait_for(lambda: copies_to("sam@initech.example") == 1)
        settle()
    email = OutboundEmail.objects.get()
    assert email.status == EmailStatus.SENDING  # not known to be sent: never sent again
    # The broker redelivers the message, and beat's outbox sweep runs: nothing goes out again.
    email_send.delay(email.pk)
    age_the_outbox()
    assert outbox_sweep() == 0
    settle()
    assert copies_to("sam@initech.example") == 1
    email.refresh_from_db()
    assert email.status == EmailStatus.SENDING and email.attempts == 1


def test_redis_down_for_the_whole_sweep_loses_nothing_and_sends_later(
    real_worker,  # noqa: F811
    plan,  # noqa: F811
):
    task_for(plan, plan.sam, days(2))
    task_for(plan, plan.bea, days(1))
    with redis_down():
        assert reminders_sweep(now=NOW) == 2  # the sweep commits; hand-offs fail quietly
        settle()
    assert mail.outbox == []
    assert OutboundEmail.objects.filter(status=EmailStatus.PENDING).count() == 2
    # Redis is back: beat's next outbox sweep hands them over.
    age_the_outbox()
    assert outbox_sweep() == 2
    assert wait_for(all_settled)
    assert outbox_sweep() == 0
    settle()
    assert copies_to("sam@initech.example") == copies_to("bea@globex.example") == 1


def test_the_same_sweep_started_twice_in_parallel_sends_each_email_once(
    real_worker,  # noqa: F811
    plan,  # noqa: F811
):
    for n in range(5):
        task_for(plan, plan.sam, days(2), title=f"Seller task {n}")
        task_for(plan, plan.bea, days(-1), title=f"Buyer task {n}")
    SweepLock.objects.get_or_create(name="reminders")
    start = threading.Barrier(2)
    results: list[int] = []

    def slow_reminders_due(now):
        found = reminders_due(now)
        time.sleep(0.5)  # hold the lock long enough for the other sweep to meet it
        return found

    def one_beat():
        try:
            start.wait()
            results.append(reminders_sweep(now=NOW))
        finally:
            connection.close()

    with mock.patch("notifications.reminders.reminders_due", side_effect=slow_reminders_due):
        beats = [threading.Thread(target=one_beat) for _ in range(2)]
        for beat in beats:
            beat.start()
        for beat in beats:
            beat.join()
    assert sorted(results) == [0, 10]  # the second found the first's lock and skipped
    assert wait_for(all_settled)
    assert reminders_sweep(now=NOW) == 0  # and a sweep after both finds nothing new
    settle()
    assert copies_to("sam@initech.example") == copies_to("bea@globex.example") == 1
    assert "Seller task 4" in next(m for m in mail.outbox if m.to == ["sam@initech.example"]).body


def test_due_date_edited_between_queueing_and_sending(real_worker, plan):  # noqa: F811
    moved = task_for(plan, plan.sam, days(2), title="Moved to next month")
    with redis_down():
        reminders_sweep(now=NOW)
    moved.due_date = days(30)
    moved.save(update_fields=["due_date"])
    age_the_outbox()
    outbox_sweep()
    assert wait_for(all_settled)
    settle()
    assert mail.outbox == []  # nothing left to remind of: cancelled
    assert OutboundEmail.objects.get().status == EmailStatus.CANCELLED
    # Two days before the new date, it is reminded: the new date is new news.
    assert reminders_sweep(now=NOW + timedelta(days=28)) == 1
    assert wait_for(lambda: copies_to("sam@initech.example") == 1)
    assert "Moved to next month" in mail.outbox[0].body


def test_task_completed_between_queueing_and_sending(real_worker, plan):  # noqa: F811
    done = task_for(plan, plan.bea, days(2), title="Ticked meanwhile")
    task_for(plan, plan.bea, days(1), title="Still open")
    with redis_down():
        reminders_sweep(now=NOW)
    task_set_done(task=done, done=True, by=room_access_for(plan.seller, plan.room))
    age_the_outbox()
    outbox_sweep()
    assert wait_for(all_settled)
    settle()
    [message] = mail.outbox
    assert "Still open" in message.body
    assert "Ticked meanwhile" not in message.body + message.subject
    # Its overdue reminder never comes either.
    assert reminders_sweep(now=NOW + timedelta(days=3)) == 1  # "Still open" is overdue
    assert wait_for(lambda: len(mail.outbox) == 2)
    assert "Ticked meanwhile" not in mail.outbox[1].body


def test_an_owner_whose_email_bounces_is_not_retried_in_a_loop(real_worker, plan):  # noqa: F811
    task_for(plan, plan.sam, days(2))
    task_for(plan, plan.bea, days(2))
    real_send = EmailBackend.send_messages

    def refuse_sam(backend, messages):
        if any(m.to == ["sam@initech.example"] for m in messages):
            raise SMTPRecipientsRefused({"sam@initech.example": (550, b"5.1.1 No such user")})
        return real_send(backend, messages)

    with mock.patch.object(EmailBackend, "send_messages", refuse_sam):
        reminders_sweep(now=NOW)
        assert wait_for(all_settled)
        age_the_outbox()
        assert outbox_sweep() == 0  # a failed email is not swept up again
        assert reminders_sweep(now=NOW + timedelta(days=1)) == 0
        settle()
    bounced = OutboundEmail.objects.get(to="sam@initech.example")
    assert (bounced.status, bounced.attempts) == (EmailStatus.FAILED, 1)
    assert "No such user" in bounced.last_error
    assert copies_to("bea@globex.example") == 1  # the others still go out
    assert copies_to("sam@initech.example") == 0
