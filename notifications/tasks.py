"""What beat starts for notifications (config/settings/base.py, CELERY_BEAT_SCHEDULE). Each task
keeps the name it was queued under before the outbox became its own app."""

from celery import shared_task
from django.utils import timezone

from notifications.alerts import buyer_alert_send, buyer_alert_send_due
from notifications.digest import digest_sweep
from notifications.models import BuyerAlertState
from notifications.reminders import reminders_sweep

__all__ = ["buyer_alert_send", "buyer_alert_sweep", "digest_sweep_task", "reminders_sweep_task"]


@shared_task
def buyer_alert_sweep() -> int:
    """Beat runs this every minute: alerts whose scheduled task never ran."""
    due = BuyerAlertState.objects.filter(due_at__lte=timezone.now()).values_list(
        "room_id", flat=True
    )
    return sum(buyer_alert_send_due(room_id=room_id) for room_id in list(due[:500]))


@shared_task(name="notifications.tasks.reminders_sweep")
def reminders_sweep_task() -> int:
    """Beat runs this every 15 minutes: queue the reminders whose owner's morning has begun."""
    return reminders_sweep()


@shared_task(name="notifications.tasks.digest_sweep")
def digest_sweep_task() -> int:
    """Beat runs this every 15 minutes: queue each seller's digest once their morning begins."""
    return digest_sweep()
