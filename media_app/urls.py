"""HTML routes at MediaCMS's paths (``/view?m=…``, ``/user/<name>``…) plus the account pages."""

from django.contrib.auth import views as auth_views
from django.urls import path, re_path, reverse_lazy

from media_app import views

_ACCOUNTS = "media_app/accounts/"

urlpatterns = [
    path("", views.home, name="home"),
    re_path(r"^view/?$", views.view_media, name="view"),
    re_path(r"^embed/?$", views.embed_media, name="embed"),
    re_path(r"^upload/?$", views.upload, name="upload"),
    re_path(r"^scpublisher/?$", views.upload),
    re_path(r"^search/?$", views.search, name="search"),
    re_path(r"^user/(?P<username>[\w.@+-]+)/?$", views.channel, name="channel"),
    re_path(r"^playlist/(?P<friendly_token>[A-Za-z0-9]+)/?$", views.playlist, name="playlist"),
    re_path(r"^playlists/(?P<friendly_token>[A-Za-z0-9]+)/?$", views.playlist),
    re_path(r"^history/?$", views.history, name="history"),
    re_path(r"^liked/?$", views.liked, name="liked"),
    re_path(r"^my-media/?$", views.my_media, name="my-media"),
    re_path(r"^verification/?$", views.verification, name="verification"),
    re_path(r"^editor/?$", views.editor_dashboard, name="editor"),
    path("accounts/signup/", views.signup, name="signup"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name=_ACCOUNTS + "login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(
            template_name=_ACCOUNTS + "password_reset_form.html",
            email_template_name=_ACCOUNTS + "password_reset_email.txt",
            subject_template_name=_ACCOUNTS + "password_reset_subject.txt",
            success_url=reverse_lazy("password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "accounts/password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(
            template_name=_ACCOUNTS + "password_reset_done.html"
        ),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name=_ACCOUNTS + "password_reset_confirm.html",
            success_url=reverse_lazy("password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name=_ACCOUNTS + "password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
