from django.apps import AppConfig


class RoomsConfig(AppConfig):
    name = "rooms"

    def ready(self) -> None:
        # Imported here, not at the top: its modules load models, which must wait until the
        # app registry is ready.
        from rooms import subscriptions

        subscriptions.connect()
