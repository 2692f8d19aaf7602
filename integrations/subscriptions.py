"""How integrations hear of what happens: called once, from IntegrationsConfig.ready().

Each receiver only calls a function of this app; the work is there."""

from activity.subscriptions import subscribe
from integrations.chat import chat_on_recorded
from integrations.webhooks import webhooks_on_recorded


def connect() -> None:
    # Inside the recording transaction: the deliveries and the chat schedule commit with the
    # events that caused them, or not at all.
    subscribe("integrations.webhooks", webhooks_on_recorded)
    subscribe("integrations.chat", chat_on_recorded)
