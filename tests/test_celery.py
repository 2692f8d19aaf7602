"""Celery: a real worker on the real Redis, and the invitation task's idempotency."""

import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail

from accounts.models import Invitation
from accounts.services import invitation_create
from accounts.tasks import invitation_send
from accounts.tokens import token_new
from config.celery import app
from tests.conftest import require_or_skip
from tests.factories import InvitationFactory, MembershipFactory


@pytest.fixture
def real_worker():
    """A worker thread consuming a queue of its own on the Redis of REDIS_URL."""
    require_or_skip(bool(settings.REDIS_URL), "REDIS_URL is not set: no Redis to run a worker on")
    queue = f"tandem-test-{uuid.uuid4().hex[:8]}"
    previous = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
            yield
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = previous


def wait_for(predicate, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_sends_the_invitation_and_marks_it_sent(real_worker):
    admin = MembershipFactory(role="admin")
    invitation = invitation_create(
        organisation=admin.organisation,
        email="colleague@example.com",
        role="rep",
        invited_by=admin.user,
    )
    # The request's transaction committed, so on_commit handed the task to Redis; only the
    # worker thread can have set sent_at.
    assert wait_for(lambda: Invitation.objects.get(pk=invitation.pk).sent_at is not None)
    assert [message.to for message in mail.outbox] == [["colleague@example.com"]]


@pytest.mark.django_db
class TestInvitationSend:
    def test_sending_twice_sends_one_email(self):
        token, token_hash = token_new()
        invitation = InvitationFactory(token_hash=token_hash)
        assert invitation_send(invitation.pk, token) is True
        assert invitation_send(invitation.pk, token) is False
        assert len(mail.outbox) == 1

    def test_a_link_replaced_by_a_resend_is_not_sent(self):
        token, _ = token_new()
        invitation = InvitationFactory()
        assert invitation_send(invitation.pk, token) is False
        assert mail.outbox == []

    def test_a_revoked_invitation_is_not_sent(self):
        token, token_hash = token_new()
        invitation = InvitationFactory(token_hash=token_hash, revoked_at="2026-01-01T00:00Z")
        assert invitation_send(invitation.pk, token) is False
        assert mail.outbox == []
