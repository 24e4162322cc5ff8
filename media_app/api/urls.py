"""/api/v1 routes. Paths match MediaCMS's (with or without a trailing slash)."""

from django.urls import re_path

from media_app.api import urls_media, urls_people
from media_app.api.views import corrections, provenance, uploads, uploads_s3

S3_UPLOAD = r"^uploads/s3/(?P<upload_id>[0-9a-f-]{32,36})"

urlpatterns = [
    *urls_media.urlpatterns,
    *urls_people.urlpatterns,
    *corrections.urlpatterns,  # corrections, history chains, stamps (issue 15)
    *provenance.urlpatterns,  # POST verify: Content Credentials of a file (issue 15)
    # Direct uploads to the bucket (S3 mode), before tus's routes.
    re_path(r"^uploads/s3/?$", uploads_s3.S3UploadCollectionView.as_view(), name="api-uploads-s3"),
    re_path(rf"{S3_UPLOAD}/?$", uploads_s3.S3UploadView.as_view(), name="api-upload-s3"),
    re_path(
        rf"{S3_UPLOAD}/parts/?$", uploads_s3.S3UploadPartsView.as_view(), name="api-upload-s3-parts"
    ),
    re_path(
        rf"{S3_UPLOAD}/parts/(?P<part_number>[^/]+)/?$",
        uploads_s3.S3UploadPartView.as_view(),
        name="api-upload-s3-part",
    ),
    re_path(
        rf"{S3_UPLOAD}/complete/?$",
        uploads_s3.S3UploadCompleteView.as_view(),
        name="api-upload-s3-complete",
    ),
    re_path(r"^uploads/?$", uploads.UploadCollectionView.as_view(), name="api-uploads"),
    re_path(
        r"^uploads/(?P<upload_id>[0-9a-f-]{32,36})/?$",
        uploads.UploadView.as_view(),
        name="api-upload",
    ),
]
