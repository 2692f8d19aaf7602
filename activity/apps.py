from django.apps import AppConfig


class ActivityConfig(AppConfig):
    """The event log: who did what in which room, recorded by the domain's services (and the
    view buffer), and handed to whoever subscribed (activity.subscriptions)."""

    name = "activity"
