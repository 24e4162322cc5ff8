"""Settings shared by every environment; values come from :mod:`openpress.config`."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from openpress import config
from openpress.config import as_bool, as_list

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def setting(name: str, fallback: str | None = None) -> str:
    """A variable's value; a missing required one stops start-up naming the variable."""
    try:
        return config.value(name, fallback)
    except config.MissingSetting as exc:
        raise ImproperlyConfigured(str(exc)) from None


def media_link_secret(raw: str) -> str:
    """The media link secret, refused at start-up unless it is long and safe to write into
    nginx's configuration (docker/nginx/start.sh checks the same)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{32,}", raw):
        raise ImproperlyConfigured(
            "MEDIA_LINK_SECRET must be 32 or more letters, digits, '-' or '_' "
            "(e.g. `openssl rand -hex 32`)."
        )
    return raw


def _under_base(path: str) -> Path:
    p = Path(path)
    return p if p.is_absolute() else BASE_DIR / p


SITE_NAME = setting("SITE_NAME")
DEBUG = as_bool(setting("DEBUG"))
ALLOWED_HOSTS = as_list(setting("ALLOWED_HOSTS"))
CSRF_TRUSTED_ORIGINS = as_list(setting("CSRF_TRUSTED_ORIGINS"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_celery_beat",
    "media_app",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "openpress.urls"
WSGI_APPLICATION = "openpress.wsgi.application"
AUTH_USER_MODEL = "media_app.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_env = environ.Env()


def database_from_url(url: str) -> dict:
    db = _env.db_url_config(url)
    db.setdefault("CONN_MAX_AGE", 60)
    db["CONN_HEALTH_CHECKS"] = True
    if db["ENGINE"] == "django.db.backends.sqlite3" and not os.path.isabs(db["NAME"]):
        db["NAME"] = str(BASE_DIR / db["NAME"])
    return db


# DATABASES is set by each environment's module: production requires DATABASE_URL.
REDIS_URL = setting("REDIS_URL")
# With Sentinels (Kubernetes' prod overlay), Celery and the cache ask them for the current master
# and follow a failover; REDIS_URL's database number still applies.
REDIS_SENTINELS = [
    (host, int(port))
    for host, _, port in (item.rpartition(":") for item in as_list(setting("REDIS_SENTINELS")))
]
REDIS_MASTER_NAME = setting("REDIS_MASTER_NAME")
_redis_db = urlsplit(REDIS_URL).path.strip("/") or "0"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = _under_base(setting("STATIC_ROOT"))
# The frontend's Vite build (hashed bundles + .vite/manifest.json, read by media_app's vite tag).
STATICFILES_DIRS = [BASE_DIR / "frontend" / "dist"]
VITE_MANIFEST_PATH = BASE_DIR / "frontend" / "dist" / ".vite" / "manifest.json"
MEDIA_URL = setting("MEDIA_URL")
MEDIA_ROOT = _under_base(setting("MEDIA_ROOT"))
# Django serves media files itself (checking who may see them, as nginx asks it to) only where
# no nginx stands in front: the embedded default (DEBUG) and the tests' live server.
SERVE_MEDIA_FILES = DEBUG
# Files of media anonymous visitors may not see are handed out as signed, expiring links
# (media_app/services/signing.py) that nginx checks by itself; each settings module sets
# MEDIA_LINK_SECRET through media_link_secret().
MEDIA_LINK_SECONDS = int(setting("MEDIA_LINK_SECONDS"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Uploads: every file goes to a temporary file on disk as it arrives (never held whole in
# memory); the size limit is enforced while streaming by media_app.uploads.
UPLOAD_MAX_SIZE = int(setting("UPLOAD_MAX_SIZE"))
UPLOADS_PER_USER = int(setting("UPLOADS_PER_USER"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 0
FILE_UPLOAD_HANDLERS = ["media_app.uploads.LimitedTemporaryFileUploadHandler"]
FILE_UPLOAD_PERMISSIONS = 0o644
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
SCRATCH_DIR = setting("SCRATCH_DIR") or None
FILE_UPLOAD_TEMP_DIR = SCRATCH_DIR

REPORTED_TIMES_THRESHOLD = int(setting("REPORTED_TIMES_THRESHOLD"))
API_CACHE_SECONDS = int(setting("API_CACHE_SECONDS"))

_email = _env.email_url_config(setting("EMAIL_URL"))
EMAIL_BACKEND = _email.pop("EMAIL_BACKEND")
for _key, _value in _email.items():
    globals()[_key] = _value
DEFAULT_FROM_EMAIL = setting("DEFAULT_FROM_EMAIL")

REST_FRAMEWORK = {
    # Session first, as in MediaCMS: an anonymous write is answered 403, not 401.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "media_app.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_RATES": {"media_action_anon": "60/minute", "media_action_user": "120/minute"},
    "EXCEPTION_HANDLER": "media_app.api.errors.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "OpenPress API",
    "DESCRIPTION": "MediaCMS-compatible /api/v1 plus journalist verification and review.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Celery -----------------------------------------------------------------------------
_sentinel_urls = ";".join(f"sentinel://{h}:{p}/{_redis_db}" for h, p in REDIS_SENTINELS)
CELERY_BROKER_URL = setting("CELERY_BROKER_URL") or _sentinel_urls or REDIS_URL
CELERY_TASK_DEFAULT_QUEUE = "short_tasks"
# Both queues declared, so every worker, the router and `purge` know them by name.
CELERY_TASK_QUEUES = (Queue("short_tasks"), Queue("long_tasks"))
# Every task has an explicit name in one of two families; the family picks the queue.
CELERY_TASK_ROUTES = {
    "encoding.*": {"queue": "long_tasks"},
    "housekeeping.*": {"queue": "short_tasks"},
    "social.*": {"queue": "short_tasks"},
    "notifications.*": {"queue": "short_tasks"},
}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TRACK_STARTED = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_LONG_TASK_TIME_LIMIT = int(setting("CELERY_LONG_TASK_TIME_LIMIT"))
CELERY_VISIBILITY_TIMEOUT = int(setting("CELERY_VISIBILITY_TIMEOUT"))
if CELERY_VISIBILITY_TIMEOUT <= CELERY_LONG_TASK_TIME_LIMIT:
    # A shorter visibility timeout would let Redis hand a still-running encode to a second worker.
    raise ImproperlyConfigured(
        "CELERY_VISIBILITY_TIMEOUT must be longer than CELERY_LONG_TASK_TIME_LIMIT "
        f"({CELERY_VISIBILITY_TIMEOUT} <= {CELERY_LONG_TASK_TIME_LIMIT})"
    )
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
if CELERY_BROKER_URL.startswith("sentinel://"):
    CELERY_BROKER_TRANSPORT_OPTIONS["master_name"] = REDIS_MASTER_NAME
# No task outlives the visibility timeout: the longest (an encode step) is killed first.
CELERY_TASK_TIME_LIMIT = CELERY_LONG_TASK_TIME_LIMIT
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_HEARTBEAT_FILE = setting("CELERY_HEARTBEAT_FILE") or None
_cores = os.cpu_count() or 2
CELERY_LONG_CONCURRENCY = int(setting("CELERY_LONG_CONCURRENCY")) or max(1, _cores // 2)
CELERY_SHORT_CONCURRENCY = int(setting("CELERY_SHORT_CONCURRENCY"))

# --- Encoding ---------------------------------------------------------------------------
ENCODE_LADDER = [int(h) for h in as_list(setting("ENCODE_LADDER"))]
ENCODE_PRESET = setting("ENCODE_PRESET")
ENCODE_CRF = int(setting("ENCODE_CRF"))
ENCODE_SEGMENT_SECONDS = int(setting("ENCODE_SEGMENT_SECONDS"))
ENCODE_FFMPEG_THREADS = int(setting("ENCODE_FFMPEG_THREADS")) or 2
FFMPEG_BINARY = setting("FFMPEG_BINARY")  # empty: see media_app/encoding/runner.py
ENCODE_CHUNK_THRESHOLD_SECONDS = int(setting("ENCODE_CHUNK_THRESHOLD_SECONDS"))
ENCODE_CHUNK_SECONDS = int(setting("ENCODE_CHUNK_SECONDS"))
ENCODE_STUCK_AFTER_SECONDS = int(setting("ENCODE_STUCK_AFTER_SECONDS"))
ENCODE_AUDIO_KBPS = int(setting("ENCODE_AUDIO_KBPS"))
ENCODE_MAX_ATTEMPTS = int(setting("ENCODE_MAX_ATTEMPTS"))
# Chunked encoding joins its chunks in a chord, which counts finished parts in a result backend.
# Only tasks that declare ignore_result=False store anything (CELERY_TASK_IGNORE_RESULT above).
CELERY_RESULT_BACKEND = setting("CELERY_RESULT_BACKEND") or CELERY_BROKER_URL
if CELERY_RESULT_BACKEND.startswith("sentinel://"):
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"master_name": REDIS_MASTER_NAME}
CELERY_RESULT_EXPIRES = 24 * 3600

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": setting("LOG_LEVEL")},
}
