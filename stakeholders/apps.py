from django.apps import AppConfig


class StakeholdersConfig(AppConfig):
    name = "stakeholders"

    def ready(self) -> None:
        # Imported here, not at the top: its modules load models, which must wait until the
        # app registry is ready (Django's documented place for this wiring).
        from stakeholders import subscriptions

        subscriptions.connect()
