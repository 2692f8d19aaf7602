"""The workers' side of integrations: send one webhook delivery or chat message, send a chat
batch that is due, and beat's sweep of what the broker never delivered."""

import logging

from celery import shared_task

from integrations import chat
from integrations.models import ChatMessage, WebhookDelivery
from integrations.sending import webhook_claim, webhook_post, webhook_record
from outbox.delivery import deliveries_due

logger = logging.getLogger("tandem")


@shared_task(bind=True, max_retries=WebhookDelivery.max_attempts)
def webhook_send(self, delivery_id: int) -> str:
    """One attempt of one delivery (claimed first, so never two at once); a failure is logged
    and retried on the webhook schedule, then left visible as failed."""
    claimed = webhook_claim(delivery_id)
    if isinstance(claimed, str):
        return claimed
    answer = webhook_post(claimed)
    backoff = webhook_record(claimed, answer)
    if answer.ok:
        return "sent"
    if backoff is not None:
        raise self.retry(countdown=backoff)
    logger.warning("webhook %s failed for good: %s", delivery_id, answer.error or answer.status)
    return "failed"


@shared_task
def integrations_sweep() -> int:
    """Beat runs this every minute: deliveries and messages never handed to a worker (broker
    down) or whose backoff is over, and chat batches whose scheduled task was lost."""
    webhooks = deliveries_due(WebhookDelivery)
    for delivery_id in webhooks:
        webhook_send.delay(delivery_id)
    messages = deliveries_due(ChatMessage)
    for message_id in messages:
        chat.chat_message_send.delay(message_id)
    batches = chat.batches_due()
    for channel_id in batches:
        chat.chat_batch_send.delay(channel_id)
    return len(webhooks) + len(messages) + len(batches)
