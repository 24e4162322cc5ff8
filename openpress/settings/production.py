"""Production: every secret must come from the environment; nothing insecure by default."""

from openpress.settings.base import *  # noqa: F403
from openpress.settings.base import REDIS_URL, _env, database_from_url, setting

SECRET_KEY = setting("SECRET_KEY")
DATABASES = {"default": database_from_url(setting("DATABASE_URL"))}
CACHES = {
    "default": _env.cache_url_config(
        setting("CACHE_URL") or REDIS_URL.replace("redis://", "rediscache://", 1)
    )
}

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "SAMEORIGIN"
