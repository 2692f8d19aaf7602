from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from inbound.handling import inbound_handle
from inbound.models import InboundMessage, InboundStatus


@shared_task(name="inbound.tasks.inbound_handle")
def inbound_handle_task(message_pk: int) -> str:
    """Act on one received message (inbound.services); a second run does nothing."""
    return inbound_handle(message_pk).status


@shared_task(name="inbound.tasks.inbound_sweep")
def inbound_sweep() -> int:
    """Beat, every minute: messages the broker never delivered to a worker (it was down when
    they came in). A message handled twice is acted on once (inbound.handling locks it)."""
    pks = list(
        InboundMessage.objects.filter(
            status=InboundStatus.RECEIVED, received_at__lt=timezone.now() - timedelta(minutes=2)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
    for pk in pks:
        inbound_handle_task.delay(pk)
    return len(pks)
