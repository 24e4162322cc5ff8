from django.apps import AppConfig


class MediaAppConfig(AppConfig):
    name = "media_app"
    verbose_name = "OpenPress media"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from media_app import checks, logins, signals  # noqa: F401 - checks, receivers
