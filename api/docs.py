from drf_spectacular.views import SpectacularSwaggerSplitView


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from local static files, its script a file of its own (no inline script),
    under the site's Content-Security-Policy."""

    template_name = "api/swagger_ui.html"
    title = "Tandem API"
