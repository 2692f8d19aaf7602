from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """Reactions that push to the tools the deal lives in: signed webhooks, Slack and Teams
    messages (both through the outbox), and calendar feeds. Subscribed to recorded room events
    here."""

    name = "integrations"

    def ready(self) -> None:
        # Imported here, not at the top: its modules load models, which must wait until the
        # app registry is ready.
        from integrations import subscriptions

        subscriptions.connect()
