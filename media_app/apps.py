from django.apps import AppConfig


class MediaAppConfig(AppConfig):
    name = "media_app"
    verbose_name = "OpenPress media"
    default_auto_field = "django.db.models.BigAutoField"
