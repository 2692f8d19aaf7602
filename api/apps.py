from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "REST API"

    def ready(self) -> None:
        # Imported here: schema registers the token scheme with drf-spectacular, and webhooks'
        # serializers load models, which must wait until the app registry is ready.
        from api import schema, webhooks  # noqa: F401

        # Webhooks' data is the object as this API shows it: integrations asks through this.
        webhooks.register()
