"""Media, comments, actions, search, taxonomy and editor listings (under /api/v1/).

Every path answers with and without its trailing slash, as MediaCMS's do.
"""

from django.urls import re_path

from media_app.api.views import media as v
from media_app.api.views.bulk import MediaBulkActionsView
from media_app.api.views.source_protection import MediaOriginalView
from media_app.api.views.subtitles import urlpatterns as subtitles_urls

MEDIA = r"(?P<friendly_token>[A-Za-z0-9]{1,12})"

urlpatterns = [
    re_path(r"^media/?$", v.MediaListView.as_view(), name="api-media"),
    re_path(r"^media/user/bulk_actions/?$", MediaBulkActionsView.as_view(), name="api-media-bulk"),
    re_path(rf"^media/{MEDIA}/?$", v.MediaDetailView.as_view(), name="api-media-detail"),
    re_path(
        rf"^media/{MEDIA}/comments/?$",
        v.MediaCommentsView.as_view(),
        name="api-media-comments",
    ),
    re_path(
        rf"^media/{MEDIA}/comments/(?P<uid>[0-9a-fA-F-]{{32,36}})/?$",
        v.MediaCommentView.as_view(),
        name="api-media-comment",
    ),
    re_path(rf"^media/{MEDIA}/actions/?$", v.MediaActionsView.as_view(), name="api-media-actions"),
    re_path(rf"^media/{MEDIA}/original/?$", MediaOriginalView.as_view(), name="api-media-original"),
    re_path(r"^comments/?$", v.CommentListView.as_view(), name="api-comments"),
    re_path(
        r"^user/action/(?P<action>like|dislike|watch|report)/?$",
        v.UserActionMediaView.as_view(),
        name="api-user-action",
    ),
    re_path(r"^search/?$", v.SearchView.as_view(), name="api-search"),
    re_path(r"^categories/?$", v.CategoryListView.as_view(), name="api-categories"),
    re_path(r"^tags/?$", v.TagListView.as_view(), name="api-tags"),
    re_path(r"^encode_profiles/?$", v.EncodeProfileListView.as_view(), name="api-encode-profiles"),
    re_path(r"^manage_media/?$", v.ManageMediaView.as_view(), name="api-manage-media"),
    re_path(r"^manage_comments/?$", v.ManageCommentsView.as_view(), name="api-manage-comments"),
    *subtitles_urls,  # subtitle tracks and chapters (issue 16)
]
