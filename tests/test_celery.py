"""Celery and the email outbox: a real worker on the real Redis, idempotent sending."""

import contextlib
import time
import uuid
from unittest import mock

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail

from accounts.services import invitation_create
from config.celery import app
from outbox.models import EmailStatus, OutboundEmail
from outbox.services import email_queue
from outbox.tasks import email_send, outbox_sweep
from tests.conftest import require_or_skip
from tests.factories import MembershipFactory

# One queue for this test process (Celery caches its routes), apart from any other run's.
QUEUE = f"tandem-test-{uuid.uuid4().hex[:8]}"


def _forget_routes() -> None:
    """Celery keeps the queues and the default queue it first computed (cached properties of
    app.amqp): anything that read them earlier in the run (/metrics lists the queues' lengths)
    would send every task to the old default queue, which no worker of ours consumes. The
    whole suite failed this way while each worker test passed alone."""
    for cached in ("queues", "default_queue", "router"):
        app.amqp.__dict__.pop(cached, None)


@pytest.fixture
def real_worker():
    """A worker thread consuming a queue of its own on the Redis of REDIS_URL."""
    require_or_skip(bool(settings.REDIS_URL), "REDIS_URL is not set: no Redis to run a worker on")
    previous = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = QUEUE
    _forget_routes()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
            yield
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = previous
        _forget_routes()


def wait_for(predicate, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def queue_test_email(key="test:1", to="someone@example.com") -> OutboundEmail:
    return email_queue(
        key=key,
        to=to,
        template="accounts/email/invitation",
        context={
            "organisation": {"name": "Acme"},
            "url": "https://x.example/secret",
            "site_name": "Tandem",
        },
        secret=True,
    )


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_sends_the_invitation_and_marks_it_sent(real_worker):
    admin = MembershipFactory(role="admin")
    invitation_create(
        organisation=admin.organisation,
        email="colleague@example.com",
        role="rep",
        invited_by=admin.user,
    )
    # The transaction committed, so on_commit handed the task to Redis; only the worker
    # thread can have marked the outbox row sent.
    assert wait_for(lambda: OutboundEmail.objects.filter(status=EmailStatus.SENT).exists())
    assert [message.to for message in mail.outbox] == [["colleague@example.com"]]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_request_succeeds_and_the_sweep_sends_later(real_worker):
    admin = MembershipFactory(role="admin")
    with mock.patch.object(email_send, "apply_async", side_effect=ConnectionError("broker down")):
        invitation_create(
            organisation=admin.organisation,
            email="later@example.com",
            role="rep",
            invited_by=admin.user,
        )
    email = OutboundEmail.objects.get()
    assert email.status == EmailStatus.PENDING
    assert mail.outbox == []
    # Marked due at once: the sweep does not wait out the grace it gives rows on their way.
    assert email.next_attempt_at is not None
    assert outbox_sweep() == 1  # beat's sweep, once the broker is back
    assert wait_for(lambda: OutboundEmail.objects.get().status == EmailStatus.SENT)
    assert [message.to for message in mail.outbox] == [["later@example.com"]]


@pytest.mark.django_db
class TestEmailSend:
    def test_sending_twice_sends_one_email(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=False):
            email = queue_test_email()
        assert email_send(email.pk) == "sent"
        assert email_send(email.pk) == "skipped"
        assert len(mail.outbox) == 1

    def test_queueing_the_same_key_twice_queues_once(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            queue_test_email()
            queue_test_email()
        assert OutboundEmail.objects.count() == 1
        assert len(mail.outbox) == 1

    def test_a_secret_link_is_erased_from_the_outbox_once_sent(
        self, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            email = queue_test_email()
        email.refresh_from_db()
        assert "secret" in mail.outbox[0].body
        assert "https://x.example/secret" not in email.body_text + email.body_html

    def test_a_failing_server_is_retried_then_left_visible_as_failed(
        self, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=False):
            email = queue_test_email()
        send = mock.patch(
            "django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("refused")
        )
        retry = mock.patch.object(email_send, "retry", side_effect=RuntimeError("retried"))
        with send, retry as retried:
            for _ in range(8):
                with contextlib.suppress(RuntimeError):
                    email_send.run(email.pk)
                # The retry's countdown passes (a send before next_attempt_at is skipped).
                OutboundEmail.objects.update(next_attempt_at=None)
        assert retried.call_count == 7  # with backoff; the eighth failure is final
        email.refresh_from_db()
        assert email.status == EmailStatus.FAILED
        assert email.attempts == 8
        assert "refused" in email.last_error
        assert mail.outbox == []


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_a_buyer_their_link_and_the_owner_an_alert(real_worker):
    from django.test import Client

    from rooms.access import room_access_for
    from stakeholders.services import buyer_invite
    from tests.factories import RoomFactory, StakeholderFactory

    owner = MembershipFactory(role="admin")
    room = RoomFactory(organisation=owner.organisation, owner=owner.user)
    dana = StakeholderFactory(room=room, email="dana@buyer.example")
    buyer_invite(stakeholder=dana, by=room_access_for(owner.user, room))
    assert wait_for(lambda: any(m.to == ["dana@buyer.example"] for m in mail.outbox))
    link = next(m for m in mail.outbox if m.to == ["dana@buyer.example"]).body
    path = link[link.index("/b/") :].split()[0]
    client = Client()
    assert client.post(path).status_code == 302  # her first visit is a buyer action
    assert wait_for(lambda: any(m.to == [owner.user.email] for m in mail.outbox))
    alert = next(m for m in mail.outbox if m.to == [owner.user.email])
    assert "opened the room for the first time" in alert.body


@pytest.mark.django_db
def test_the_sweep_waits_for_a_failed_emails_backoff(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        email = queue_test_email()
    OutboundEmail.objects.update(created_at=email.created_at.replace(year=2000))
    send = mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("down"))
    retry = mock.patch.object(email_send, "retry", side_effect=RuntimeError("retried"))
    with send, retry, contextlib.suppress(RuntimeError):
        email_send.run(email.pk)
    with mock.patch.object(email_send, "delay") as delay:
        assert outbox_sweep() == 0  # still in its backoff
        OutboundEmail.objects.update(next_attempt_at=email.created_at.replace(year=2000))
        assert outbox_sweep() == 1
    assert delay.call_count == 1
