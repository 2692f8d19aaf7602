"""The check after a change, through a real Celery worker on Redis and PostgreSQL (issue 14): a
buyer task's date moves into the past, the worker checks the room, records
``room.health_changed`` and delivers it to the endpoint that asked, signed."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from accounts.models import Side
from activity.kinds import EventKind
from activity.models import Event
from analytics.health_changes import health_sweep
from integrations import webhooks
from plans.services import task_update
from rooms.access import room_access_for
from tests.conftest import require_or_skip
from tests.factories import TaskFactory
from tests.receivers import receiving
from tests.test_celery import real_worker, wait_for  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_worker_checks_the_room_after_the_change_and_the_endpoint_hears_of_it(
    world,
    real_worker,  # noqa: F811
):
    require_or_skip(
        connection.vendor == "postgresql", "DATABASE_URL is not PostgreSQL: no worker to share"
    )
    task = TaskFactory(
        milestone=world.room_a1.milestones.get(),
        side=Side.BUYER,
        due_date=timezone.localdate() + timedelta(days=4),
    )
    with receiving() as receiver:
        endpoint = webhooks.endpoint_create(
            admin=world.membership(world.owner),
            url=receiver.url,
            event_types=["room.health_changed"],
        )
        health_sweep()
        task_update(
            task=task,
            by=room_access_for(world.owner, world.room_a1),
            due_date=timezone.localdate() - timedelta(days=1),
        )
        assert wait_for(lambda: len(receiver.received) == 1, 30)
    payload = Webhook(endpoint.secret).verify(
        receiver.received[0].body, receiver.received[0].headers
    )
    assert payload["type"] == "room.health_changed"
    assert (payload["data"]["health"]["from"], payload["data"]["health"]["state"]) == (
        "on_track",
        "at_risk",
    )
    assert Event.objects.filter(kind=EventKind.ROOM_HEALTH_CHANGED).count() == 1
