"""HTML routes at MediaCMS's paths (``/view?m=…``, ``/user/<name>``…) plus the account pages."""

from allauth.account import views as account_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from media_app import delivery, feeds, sharing, views, views_accounts, views_tokens
from media_app.feeds import CorrectionsFeed

urlpatterns = [
    path("", views.home, name="home"),
    # S3 mode: playlists rewritten with presigned segment URLs (media_app/delivery.py).
    re_path(r"^stream/(?P<path>.+)$", delivery.playlist_view, name="media-playlist"),
    re_path(r"^view/?$", views.view_media, name="view"),
    re_path(r"^embed/?$", views.embed_media, name="embed"),
    re_path(r"^edit/?$", views.edit_media, name="edit"),
    re_path(r"^upload/?$", views.upload, name="upload"),
    re_path(r"^scpublisher/?$", views.upload),
    re_path(r"^search/?$", views.search, name="search"),
    re_path(r"^verify/?$", views.verify, name="verify"),
    re_path(r"^corrections/?$", views.corrections, name="corrections"),
    path("corrections/feed", CorrectionsFeed(), name="corrections-feed"),
    re_path(r"^user/(?P<username>[\w.@+-]+)/?$", views.channel, name="channel"),
    # Sharing and browsing (issue 16, points 4 and 6), at MediaCMS's addresses where it has them.
    re_path(r"^oembed/?$", sharing.oembed, name="oembed"),
    re_path(r"^categories/?$", views.categories, name="categories"),
    re_path(r"^tags/?$", views.tags, name="tags"),
    re_path(r"^rss/?$", feeds.latest_media_feed, name="rss"),
    path("feed", feeds.latest_media_feed, name="feed"),
    re_path(r"^user/(?P<username>[\w.@+-]+)/feed/?$", feeds.user_media_feed, name="user-feed"),
    re_path(r"^rss/user/(?P<username>[\w.@+-]+)/?$", feeds.user_media_feed),
    re_path(r"^playlist/(?P<friendly_token>[A-Za-z0-9]+)/?$", views.playlist, name="playlist"),
    re_path(r"^playlists/(?P<friendly_token>[A-Za-z0-9]+)/?$", views.playlist),
    re_path(r"^history/?$", views.history, name="history"),
    re_path(r"^liked/?$", views.liked, name="liked"),
    re_path(r"^my-media/?$", views.my_media, name="my-media"),
    re_path(r"^verification/?$", views.verification, name="verification"),
    re_path(r"^editor/?$", views.editor_dashboard, name="editor"),
    path("accounts/tokens/", views_tokens.tokens_page, name="account-tokens"),
    # Account pages are django-allauth's (login, sign-up, password reset, two-factor at
    # /accounts/2fa/, single sign-on at /accounts/oidc/); the addresses and names the site
    # used before keep working.
    path("accounts/login/", account_views.login, name="login"),
    path("accounts/logout/", account_views.logout, name="logout"),
    path("accounts/signup/", account_views.signup, name="signup"),
    path("accounts/password_reset/", account_views.password_reset, name="password_reset"),
    path(
        "accounts/password_reset/done/",
        RedirectView.as_view(pattern_name="account_reset_password_done"),
    ),
    # Links in reset mails sent before allauth no longer validate: ask for a new one.
    re_path(r"^accounts/reset/", RedirectView.as_view(pattern_name="account_reset_password")),
    path("accounts/", include("allauth.urls")),
    path("manage/two-factor/", views_accounts.two_factor_people, name="manage-two-factor"),
]
