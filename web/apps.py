from django.apps import AppConfig


class WebConfig(AppConfig):
    """The browser's face: pages and HTMX fragments over the domain's access helpers and
    services, the page cache, the demo seed and the health check."""

    name = "web"
