"""/api/v1 routes. Paths match MediaCMS's (with or without a trailing slash)."""

from django.urls import re_path

from media_app.api import uploads, urls_media, urls_people

urlpatterns = [
    *urls_media.urlpatterns,
    *urls_people.urlpatterns,
    re_path(r"^uploads/?$", uploads.UploadCollectionView.as_view(), name="api-uploads"),
    re_path(
        r"^uploads/(?P<upload_id>[0-9a-f-]{32,36})/?$",
        uploads.UploadView.as_view(),
        name="api-upload",
    ),
]
