"""Webhook retries with a real Celery worker on Redis and PostgreSQL (issue 14): the worker
retries on its own schedule (shortened here to a second), and the log shows every attempt."""

import pytest
from django.db import connection
from standardwebhooks.webhooks import Webhook

from integrations import models as integration_models
from integrations import webhooks
from integrations.models import WebhookDelivery
from integrations.tasks import integrations_sweep, webhook_send
from outbox.models import DeliveryStatus
from plans.services import task_set_done
from rooms.access import room_access_for
from tests.conftest import require_or_skip
from tests.receivers import receiving
from tests.test_celery import real_worker, wait_for  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql():
    require_or_skip(
        connection.vendor == "postgresql",
        "DATABASE_URL is not PostgreSQL: SQLite has no row locks to prove these with",
    )


@pytest.fixture
def quick_retries(monkeypatch):
    monkeypatch.setattr(integration_models, "WEBHOOK_RETRY_DELAYS", [1] * 9)


def test_a_worker_retries_a_failing_receiver_until_it_answers_and_logs_all_four(
    world,
    real_worker,  # noqa: F811
    quick_retries,
):
    with receiving(plan=[500, 500, 500, 200]) as receiver:
        endpoint = webhooks.endpoint_create(
            admin=world.membership(world.owner), url=receiver.url, event_types=["task.completed"]
        )
        task = world.room_a1.tasks.get()
        task_set_done(task=task, done=True, by=room_access_for(world.owner, world.room_a1))
        assert wait_for(
            lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.SENT).exists(), 30
        )
    assert len(receiver.received) == 4
    for received in receiver.received:
        assert Webhook(endpoint.secret).verify(received.body, received.headers)["type"] == (
            "task.completed"
        )
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 4
    assert [attempt.status for attempt in delivery.log.all()] == [500, 500, 500, 200]


def test_with_the_broker_down_the_delivery_waits_and_goes_when_it_is_back(
    world,
    real_worker,  # noqa: F811
    monkeypatch,
):
    with receiving() as receiver:
        webhooks.endpoint_create(
            admin=world.membership(world.owner), url=receiver.url, event_types=["task.completed"]
        )

        def broker_down(*args, **kwargs):
            raise ConnectionError("broker down")

        with monkeypatch.context() as patched:
            patched.setattr(webhook_send, "apply_async", broker_down)
            task = world.room_a1.tasks.get()
            task_set_done(task=task, done=True, by=room_access_for(world.owner, world.room_a1))
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == DeliveryStatus.PENDING and receiver.received == []
        WebhookDelivery.objects.update(created_at=delivery.created_at.replace(year=2000))
        assert integrations_sweep() == 1  # beat's sweep, once the broker is back
        assert wait_for(lambda: WebhookDelivery.objects.get().status == DeliveryStatus.SENT)
    assert len(receiver.received) == 1
