"""/api/v1 routes. Paths match MediaCMS's (with or without a trailing slash)."""

from media_app.api import urls_media, urls_people

urlpatterns = [*urls_media.urlpatterns, *urls_people.urlpatterns]
