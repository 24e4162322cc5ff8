"""Production: every secret must come from the environment; nothing insecure by default.

A missing ``SECRET_KEY``, ``DATABASE_URL`` or ``MEDIA_LINK_SECRET`` stops start-up with
ImproperlyConfigured naming the variable (see ``setting`` in base.py);
``tests/test_settings_production.py`` holds us to it.
"""

from redis.sentinel import Sentinel

from openpress.config import as_bool
from openpress.settings.base import *  # noqa: F403
from openpress.settings.base import (
    REDIS_MASTER_NAME,
    REDIS_SENTINEL_KWARGS,
    REDIS_SENTINELS,
    REDIS_URL,
    _env,
    database_from_url,
    media_link_secret,
    setting,
)

SECRET_KEY = setting("SECRET_KEY")
DATABASES = {"default": database_from_url(setting("DATABASE_URL"))}
MEDIA_LINK_SECRET = media_link_secret(setting("MEDIA_LINK_SECRET"))
CACHES = {
    "default": _env.cache_url_config(
        setting("CACHE_URL") or REDIS_URL.replace("redis://", "rediscache://", 1)
    )
}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # A Redis that is away is a cache miss, not a 500 (openpress/cache.py).
    CACHES["default"]["BACKEND"] = "openpress.cache.ResilientRedisCache"
if REDIS_SENTINELS and not setting("CACHE_URL"):
    # Django's RedisCache builds its pool with pool_class.from_url(REDIS_URL, **OPTIONS): a
    # Sentinel pool ignores the URL's host and asks the sentinels for the master (and again after
    # a failover, when the old master answers READONLY).
    CACHES["default"]["OPTIONS"] = {
        "pool_class": "redis.sentinel.SentinelConnectionPool",
        "service_name": REDIS_MASTER_NAME,
        "sentinel_manager": Sentinel(
            REDIS_SENTINELS, socket_timeout=2, sentinel_kwargs=REDIS_SENTINEL_KWARGS
        ),
    }

# TLS ends at the ingress or nginx in front of us; it tells us the original scheme.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = as_bool(setting("SECURE_COOKIES"))
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "SAMEORIGIN"

SILENCED_SYSTEM_CHECKS = [
    # HSTS and the http->https redirect belong to the TLS-terminating proxy: a redirect here
    # would also hit the plain-http liveness and readiness probes inside the cluster.
    "security.W004",
    "security.W008",
    # SAMEORIGIN, not DENY: our own pages frame the player; /embed opts out per view.
    "security.W019",
]
