from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from media_app import file_access, health
from openpress import microcache

# Swagger UI comes from its CDN, and its start-up script from this view (the split view: no
# inline script), so only this page's policy names the CDN (and allows the inline style block).
_SWAGGER_CDN = "https://cdn.jsdelivr.net"
_API_DOCS = csp_update(
    {
        "script-src": [_SWAGGER_CDN],
        "style-src": [_SWAGGER_CDN, "'unsafe-inline'"],
        "img-src": [_SWAGGER_CDN],
    }
)(SpectacularSwaggerSplitView.as_view(url_name="schema"))

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("healthz/dependencies", health.dependencies, name="health-dependencies"),
    path("internal/media-file-access", file_access.media_file_access, name="media-file-access"),
    path(
        "internal/listings-generation", microcache.listings_generation, name="listings-generation"
    ),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/docs/", _API_DOCS, name="api-docs"),
    path("api/v1/", include("media_app.api.urls")),
    # The footer's language chooser posts here (Django's set_language: a cookie, then back).
    path("i18n/", include("django.conf.urls.i18n")),
    # Reached only where no nginx serves /media/ (SERVE_MEDIA_FILES): private files stay private.
    re_path(r"^media/(?P<path>.+)$", file_access.serve_media_file, name="media-file"),
    path("", include("media_app.urls")),
]
