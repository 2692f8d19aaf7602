from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    """What an organisation's IT, security and legal ask for: the audit log (a projection of
    the event log, subscribed here), export of the organisation and erasure of a person."""

    name = "governance"

    def ready(self) -> None:
        # Imported here, not at the top: its modules load models, which must wait until the
        # app registry is ready.
        from governance import subscriptions

        subscriptions.connect()
