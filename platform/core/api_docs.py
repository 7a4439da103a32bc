from drf_spectacular.views import SpectacularSwaggerSplitView


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI served from our own origin, its script in a file so that the strict
    Content-Security-Policy needs no inline script."""

    template_name = "core/api_docs.html"
