from django.apps import AppConfig


class ActivityConfig(AppConfig):
    """The event log: who did what in which room (or to the organisation itself), recorded by
    the domain's services, the core's announcements and the view buffer, and handed to
    whoever subscribed (activity.subscriptions)."""

    name = "activity"

    def ready(self) -> None:
        # Imported here, not at the top: its module loads models, which must wait until the
        # app registry is ready.
        from activity import organisation

        organisation.connect()
