from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "REST API"

    def ready(self) -> None:
        from api import (
            schema,  # noqa: F401  registers the token scheme with drf-spectacular
            webhooks,  # its serializers load models: the registry must be ready
        )

        # Webhooks' data is the object as this API shows it: integrations asks through this.
        webhooks.register()
