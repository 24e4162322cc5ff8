"""Users, auth, playlists, journalist verification and review (under /api/v1/)."""

from django.urls import re_path

from media_app.api.views import mfa, playlists, tokens, users, verification

urlpatterns = [
    re_path(r"^login/?$", users.LoginView.as_view(), name="api-login"),
    re_path(r"^user/token/?$", users.UserTokenView.as_view(), name="api-user-token"),
    re_path(r"^user/tokens/?$", tokens.UserTokensView.as_view(), name="api-user-tokens"),
    re_path(
        r"^user/tokens/(?P<pk>[0-9]{1,18})/?$",
        tokens.UserTokenDetailView.as_view(),
        name="api-user-token-detail",
    ),
    re_path(r"^whoami/?$", users.WhoamiView.as_view(), name="api-whoami"),
    re_path(r"^users/?$", users.UserListView.as_view(), name="api-users"),
    re_path(r"^users/(?P<username>[\w.@+-]+)/?$", users.UserDetailView.as_view(), name="api-user"),
    re_path(
        r"^users/(?P<username>[\w.@+-]+)/mfa/?$",
        mfa.SecondFactorOfView.as_view(),
        name="api-user-mfa",
    ),
    re_path(r"^manage_users/?$", users.ManageUsersView.as_view(), name="api-manage-users"),
    re_path(r"^playlists/?$", playlists.PlaylistListView.as_view(), name="api-playlists"),
    re_path(
        r"^playlists/(?P<friendly_token>[A-Za-z0-9]+)/?$",
        playlists.PlaylistDetailView.as_view(),
        name="api-playlist",
    ),
    re_path(
        r"^verification/requests/?$",
        verification.VerificationListView.as_view(),
        name="api-verification-requests",
    ),
    re_path(
        r"^verification/requests/(?P<pk>[0-9]+)/?$",
        verification.VerificationDetailView.as_view(),
        name="api-verification-request",
    ),
    re_path(
        r"^verification/requests/(?P<pk>[0-9]+)/(?P<decision>approve|reject|revoke)/?$",
        verification.VerificationDecisionView.as_view(),
        name="api-verification-decision",
    ),
    re_path(r"^review/queue/?$", verification.ReviewQueueView.as_view(), name="api-review-queue"),
    re_path(
        r"^review/(?P<friendly_token>[A-Za-z0-9]+)/?$",
        verification.ReviewVerdictView.as_view(),
        name="api-review",
    ),
]
