import logging

from celery import shared_task

from activity.buffer import drain

logger = logging.getLogger("tandem")


# Named as before the log was its own app, so that beat's schedule and queued messages agree.
@shared_task(ignore_result=True, name="analytics.tasks.events_drain")
def events_drain() -> None:
    """Store the buffered events (activity.buffer): woken by appends, and by beat."""
    drain()


def drain_wake() -> None:
    try:
        events_drain.apply_async(retry=False)
    except Exception:  # the event is safe in the list: beat's drain takes it
        logger.warning("event drain not woken: broker unavailable")
