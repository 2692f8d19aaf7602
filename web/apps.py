from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


class WebConfig(AppConfig):
    """The browser's face: pages and HTMX fragments over the domain's access helpers and
    services, the page cache, the demo seed and the health check."""

    name = "web"

    def ready(self) -> None:
        # Imported here, not at the top: its module loads models, which must wait until the
        # app registry is ready.
        from web.two_factor import on_signed_in

        user_logged_in.connect(on_signed_in, dispatch_uid="web.two_factor")
