"""Settings shared by every environment; values come from :mod:`openpress.config`."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote, urlsplit

import csp.constants as _csp_constants
import environ
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from openpress import config, cpu
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
    "drf_spectacular",
    "django_celery_beat",
    "media_app",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language of each answer: the django_language cookie (set by /i18n/setlang/), then
    # Accept-Language, then LANGUAGE_CODE (after sessions, before common: Django's order).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Content-Security-Policy on every answer (CONTENT_SECURITY_POLICY below; django-csp's
    # middleware, which in S3 mode adds the bucket's origins: media_app/delivery.py).
    "media_app.delivery.MediaCSPMiddleware",
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
                "django.template.context_processors.i18n",
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


def redis_url_with_password(url: str, password: str) -> str:
    """``url`` carrying ``password`` (``redis://:<password>@host...``), unless it names one
    already or there is none: REDIS_PASSWORD stays a secret of its own while REDIS_URL is plain
    configuration (a ConfigMap in Kubernetes)."""
    parts = urlsplit(url)
    if not password or parts.password or parts.scheme not in ("redis", "rediss"):
        return url
    netloc = f":{quote(password, safe='')}@{parts.netloc.rpartition('@')[2]}"
    return parts._replace(netloc=netloc).geturl()


# DATABASES is set by each environment's module: production requires DATABASE_URL.
# Redis's password (requirepass; the Sentinels take the same one) is added to REDIS_URL here, so
# the cache, the broker and the result backend all carry it.
REDIS_PASSWORD = setting("REDIS_PASSWORD")
REDIS_URL = redis_url_with_password(setting("REDIS_URL"), REDIS_PASSWORD)
# What a client says to the Sentinels themselves (redis-py's and kombu's sentinel_kwargs).
REDIS_SENTINEL_KWARGS = {"password": REDIS_PASSWORD} if REDIS_PASSWORD else {}
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
    # Validates nothing: a changed password revokes every API token of the account.
    {"NAME": "media_app.services.tokens.RevokeTokensOnPasswordChange"},
]

# Languages of the pages (docs/i18n.md): English, French and Arabic (right to left). The
# templates' strings come from locale/<lang>/LC_MESSAGES/django.mo, the frontend's t() strings
# from djangojs.mo, written into every page as its catalog (script#op-i18n).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français"), ("ar", "العربية")]
LOCALE_PATHS = [BASE_DIR / "locale"]
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


def storage_backends(
    *,
    bucket: str,
    endpoint_url: str,
    access_key: str,
    secret_key: str,
    region: str,
    addressing_style: str,
    link_seconds: int,
) -> dict:
    """Django's STORAGES: media in the S3 bucket when one is named (django-storages), else on
    the filesystem under MEDIA_ROOT exactly as without this function (docs/storage.md)."""
    staticfiles = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    if not bucket:
        return {
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": staticfiles,
        }
    if addressing_style not in ("path", "virtual", "auto"):
        raise ImproperlyConfigured("AWS_S3_ADDRESSING_STYLE must be path, virtual or auto.")
    if addressing_style == "auto" and endpoint_url:
        # Self-hosted servers (MinIO, Garage, Ceph RGW) rarely have a DNS name per bucket.
        addressing_style = "path"
    from botocore.config import Config

    client_config = Config(
        signature_version="s3v4",
        s3={"addressing_style": addressing_style},
        # Checksums only where S3 demands them: boto3 >= 1.36 adds CRC trailers by default,
        # which Ceph RGW 16 and older MinIO and Garage refuse behind TLS.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        retries={"mode": "standard", "max_attempts": 5},
        connect_timeout=5,
        read_timeout=60,
    )
    return {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": endpoint_url or None,
                # None: boto3's own chain (an IAM role, a web identity, ~/.aws).
                "access_key": access_key or None,
                "secret_key": secret_key or None,
                "region_name": region,
                "client_config": client_config,
                # Nothing in the bucket is public by ACL; links are presigned and expire like
                # the signed links of filesystem mode.
                "default_acl": None,
                "querystring_auth": True,
                "querystring_expire": link_seconds,
                # As FileSystemStorage: a name already taken gets a suffix, nothing is replaced.
                "file_overwrite": False,
            },
        },
        "staticfiles": staticfiles,
    }


# Media go to an S3-compatible bucket when AWS_STORAGE_BUCKET_NAME is set (issue 14: not finished,
# media_app/checks.py refuses it outside the tests), else to MEDIA_ROOT as they always have.
AWS_STORAGE_BUCKET_NAME = setting("AWS_STORAGE_BUCKET_NAME")
STORAGES = storage_backends(
    bucket=AWS_STORAGE_BUCKET_NAME,
    endpoint_url=setting("AWS_S3_ENDPOINT_URL"),
    access_key=setting("AWS_ACCESS_KEY_ID"),
    secret_key=setting("AWS_SECRET_ACCESS_KEY"),
    region=setting("AWS_S3_REGION_NAME"),
    addressing_style=setting("AWS_S3_ADDRESSING_STYLE"),
    link_seconds=MEDIA_LINK_SECONDS,
)
# The S3 server as browsers reach it, when that is another name than the app's (compose: the app
# reaches http://s3:7480, a browser on the host http://127.0.0.1:7480): presigned URLs handed to
# browsers are signed for it (media_app/delivery.py); the app's own requests keep the endpoint.
AWS_S3_PUBLIC_ENDPOINT_URL = setting("AWS_S3_PUBLIC_ENDPOINT_URL")
if AWS_S3_PUBLIC_ENDPOINT_URL and not re.fullmatch(
    r"https?://[^/\s?#]+/?", AWS_S3_PUBLIC_ENDPOINT_URL
):
    raise ImproperlyConfigured(
        "AWS_S3_PUBLIC_ENDPOINT_URL must be a scheme and host, e.g. http://127.0.0.1:7480."
    )
# A missing bucket is created by the start-up check only when this says so (development).
AWS_S3_CREATE_BUCKET = as_bool(setting("AWS_S3_CREATE_BUCKET"))
# Where a caching proxy or CDN serves public media's objects in S3 mode: it replaces the scheme and
# host of their presigned URLs (media_app/delivery.py, docs/security.md).
MEDIA_PUBLIC_BASE_URL = setting("MEDIA_PUBLIC_BASE_URL")
# S3 mode: lifetime of public media's presigned URLs (media_app/delivery.py), at most 7 days.
MEDIA_PUBLIC_LINK_SECONDS = int(setting("MEDIA_PUBLIC_LINK_SECONDS"))
if MEDIA_PUBLIC_BASE_URL and not re.fullmatch(r"https?://[^/\s]+/(\S*/)?", MEDIA_PUBLIC_BASE_URL):
    raise ImproperlyConfigured(
        "MEDIA_PUBLIC_BASE_URL must be an http(s) URL ending in '/', "
        "e.g. https://cdn.example.org/media/."
    )

# Content-Security-Policy of pages (django-csp; docs/security.md, "Content-Security-Policy and
# user files"): scripts only from our own static files (or a tag carrying the request's nonce,
# `request.csp_nonce`), no plugins, no <base> elsewhere, framed only by our own pages (/embed
# lifts that). hls.js plays through MediaSource, a blob: URL for the <video>: the one thing beyond
# 'self' the pages need (tests/security/test_user_files.py plays media in Chromium under it).
# Media files carry a policy of their own (a sandbox: media_app/file_access.py, docker/nginx),
# which the middleware leaves alone. In S3 mode the middleware (media_app.delivery.
# MediaCSPMiddleware) adds the bucket's origin and MEDIA_PUBLIC_BASE_URL's to img-src, media-src
# and connect-src of every page, computed at each answer from the storage in use.
_media_origin = "{0.scheme}://{0.netloc}".format(urlsplit(MEDIA_URL)) if "//" in MEDIA_URL else ""
_own = ("'self'", *([_media_origin] if _media_origin else []))
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", _csp_constants.NONCE],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'self'"],
        "style-src": ["'self'"],
        "img-src": list(_own),
        "media-src": [*_own, "blob:"],
        "connect-src": list(_own),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Sessions live in the database only: the cache may be away (openpress/cache.py answers a miss
# then), and a session deleted meanwhile (a logout) must not come back from it afterwards.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Uploads: every file goes to a temporary file on disk as it arrives (never held whole in
# memory); the size limit is enforced while streaming by media_app.uploads.
UPLOAD_MAX_SIZE = int(setting("UPLOAD_MAX_SIZE"))
UPLOADS_PER_USER = int(setting("UPLOADS_PER_USER"))
# Subtitle files are read whole into memory to be checked (media_app/services/subtitles.py).
SUBTITLE_MAX_BYTES = int(setting("SUBTITLE_MAX_BYTES"))
# Search (media_app/selectors/search.py, docs/search.md): a query's longest run, the ranking's
# recency blend (score = relevance * (1 + WEIGHT / (1 + age_days / DAYS))), and below how many
# results page 1 offers "did you mean".
SEARCH_STATEMENT_TIMEOUT_MS = int(setting("SEARCH_STATEMENT_TIMEOUT_MS"))
SEARCH_RECENCY_WEIGHT = 0.5
SEARCH_RECENCY_DAYS = 365
SEARCH_SUGGEST_BELOW = 5
# Per-account byte quota over originals plus the declared length of unfinished uploads
# (media_app/services/quotas.py); 0 means no limit.
UPLOAD_QUOTA_BYTES = int(setting("UPLOAD_QUOTA_BYTES"))
UPLOAD_QUOTA_BYTES_VERIFIED = int(setting("UPLOAD_QUOTA_BYTES_VERIFIED"))
UPLOAD_MAX_PENDING = int(setting("UPLOAD_MAX_PENDING"))
UPLOAD_CREATE_RATE = setting("UPLOAD_CREATE_RATE")
UPLOAD_CREATE_RATE_PER_CLIENT = setting("UPLOAD_CREATE_RATE_PER_CLIENT")
for _name in ("UPLOAD_CREATE_RATE", "UPLOAD_CREATE_RATE_PER_CLIENT"):
    # DRF would only parse a bad rate on the first upload, as a 500: refuse it at start-up.
    if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", globals()[_name]):
        raise ImproperlyConfigured(
            f"{_name} must look like 60/hour (number/second|minute|hour|day)."
        )
# S3 mode: direct uploads from the browser to the bucket (media_app/services/uploads_s3.py).
UPLOAD_S3_PART_SIZE = int(setting("UPLOAD_S3_PART_SIZE"))
UPLOAD_S3_PART_URL_SECONDS = int(setting("UPLOAD_S3_PART_URL_SECONDS"))
if UPLOAD_S3_PART_SIZE < 5 * 1024 * 1024 or UPLOAD_S3_PART_URL_SECONDS < 60:
    raise ImproperlyConfigured(
        "UPLOAD_S3_PART_SIZE must be 5242880 (S3's smallest part) or more and "
        "UPLOAD_S3_PART_URL_SECONDS 60 or more."
    )
FILE_UPLOAD_MAX_MEMORY_SIZE = 0
FILE_UPLOAD_HANDLERS = ["media_app.uploads.LimitedTemporaryFileUploadHandler"]
FILE_UPLOAD_PERMISSIONS = 0o644
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
SCRATCH_DIR = setting("SCRATCH_DIR") or None
FILE_UPLOAD_TEMP_DIR = SCRATCH_DIR
# The orphan sweep (media_app/services/storage.py) leaves younger files: uploads and encodes
# still being written.
ORPHAN_GRACE_SECONDS = int(setting("ORPHAN_GRACE_SECONDS"))
# The history chains' daily stamp (media_app/services/history.py, docs/provenance.md).
HISTORY_TSA_URL = setting("HISTORY_TSA_URL")
HISTORY_TSA_TIMEOUT = float(setting("HISTORY_TSA_TIMEOUT"))

# Sites that may frame /embed (media_app/embedding.py; checked by media_app.checks).
EMBED_ALLOWED_DOMAINS = as_list(setting("EMBED_ALLOWED_DOMAINS"))
REPORTED_TIMES_THRESHOLD = int(setting("REPORTED_TIMES_THRESHOLD"))
REPORT_MIN_ACCOUNT_AGE_HOURS = float(setting("REPORT_MIN_ACCOUNT_AGE_HOURS"))
REPORT_COOLDOWN_HOURS = float(setting("REPORT_COOLDOWN_HOURS"))
REPORT_RATE_PER_CLIENT = setting("REPORT_RATE_PER_CLIENT")
REPORT_RATE_PER_MEDIA = setting("REPORT_RATE_PER_MEDIA")
for _name in ("REPORT_RATE_PER_CLIENT", "REPORT_RATE_PER_MEDIA"):
    # Checked here: DRF would only parse a bad rate on the first report, as a 500.
    if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", globals()[_name]):
        raise ImproperlyConfigured(f"{_name} must look like 5/hour (number/second|minute|hour|day)")
API_CACHE_SECONDS = int(setting("API_CACHE_SECONDS"))
API_TOKEN_DAYS = int(setting("API_TOKEN_DAYS"))

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
        # Our hashed, scoped, expiring tokens (`Token <key>` or `Bearer <key>`).
        "media_app.api.authentication.ApiTokenAuthentication",
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
_sentinel_auth = f":{quote(REDIS_PASSWORD, safe='')}@" if REDIS_PASSWORD else ""
_sentinel_urls = ";".join(
    f"sentinel://{_sentinel_auth}{h}:{p}/{_redis_db}" for h, p in REDIS_SENTINELS
)
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
    CELERY_BROKER_TRANSPORT_OPTIONS["sentinel_kwargs"] = REDIS_SENTINEL_KWARGS
# No task outlives the visibility timeout: the longest (an encode step) is killed first.
CELERY_TASK_TIME_LIMIT = CELERY_LONG_TASK_TIME_LIMIT
# django-celery-beat's database scheduler, firing only while it holds a lease in Redis, so that
# two beats (replicas, a rolling update, a partition) never fire at once (openpress/beat.py).
CELERY_BEAT_SCHEDULER = "openpress.beat:LeasedScheduler"
BEAT_LEASE_SECONDS = float(setting("BEAT_LEASE_SECONDS"))
BEAT_LEASE_KEY = "openpress:beat:lease"
if BEAT_LEASE_SECONDS < 4:
    raise ImproperlyConfigured("BEAT_LEASE_SECONDS must be 4 or more.")
CELERY_HEARTBEAT_FILE = setting("CELERY_HEARTBEAT_FILE") or None
# Worker sizes follow the CPUs this container may use (its cgroup limit), not the node's cores.
_cpus = cpu.available_cpus()
CELERY_LONG_CONCURRENCY = int(setting("CELERY_LONG_CONCURRENCY")) or cpu.long_concurrency(_cpus)
CELERY_SHORT_CONCURRENCY = int(setting("CELERY_SHORT_CONCURRENCY")) or cpu.short_concurrency(_cpus)

# --- Encoding ---------------------------------------------------------------------------
ENCODE_LADDER = [int(h) for h in as_list(setting("ENCODE_LADDER"))]
ENCODE_PRESET = setting("ENCODE_PRESET")
ENCODE_CRF = int(setting("ENCODE_CRF"))
ENCODE_SEGMENT_SECONDS = int(setting("ENCODE_SEGMENT_SECONDS"))
# The long worker's CPUs shared by the encodes it runs at once (2 on a 2-CPU pod).
ENCODE_FFMPEG_THREADS = int(setting("ENCODE_FFMPEG_THREADS")) or cpu.ffmpeg_threads(
    _cpus, CELERY_LONG_CONCURRENCY
)
FFMPEG_BINARY = setting("FFMPEG_BINARY")  # empty: see media_app/encoding/runner.py
ENCODE_CHUNK_THRESHOLD_SECONDS = int(setting("ENCODE_CHUNK_THRESHOLD_SECONDS"))
ENCODE_CHUNK_SECONDS = int(setting("ENCODE_CHUNK_SECONDS"))
ENCODE_STUCK_AFTER_SECONDS = int(setting("ENCODE_STUCK_AFTER_SECONDS"))
# A running encoding step holds a lease it renews; a lapsed one is requeued (encoding/lease.py).
ENCODE_LEASE_SECONDS = int(setting("ENCODE_LEASE_SECONDS"))
# An upload whose encode message the broker lost is sent again (services/encoding_pending.py).
ENCODE_PENDING_REQUEUE_SECONDS = int(setting("ENCODE_PENDING_REQUEUE_SECONDS"))
ENCODE_AUDIO_KBPS = int(setting("ENCODE_AUDIO_KBPS"))
ENCODE_MAX_ATTEMPTS = int(setting("ENCODE_MAX_ATTEMPTS"))
# Chunked encoding joins its chunks in a chord, which counts finished parts in a result backend.
# Only tasks that declare ignore_result=False store anything (CELERY_TASK_IGNORE_RESULT above).
CELERY_RESULT_BACKEND = setting("CELERY_RESULT_BACKEND") or CELERY_BROKER_URL
if CELERY_RESULT_BACKEND.startswith("sentinel://"):
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
        "master_name": REDIS_MASTER_NAME,
        "sentinel_kwargs": REDIS_SENTINEL_KWARGS,
    }
CELERY_RESULT_EXPIRES = 24 * 3600

# --- Provenance: C2PA Content Credentials (media_app/provenance.py, docs/provenance.md) -------
C2PA_SIGNING_CERT = setting("C2PA_SIGNING_CERT")
C2PA_SIGNING_KEY = setting("C2PA_SIGNING_KEY")
C2PA_SIGNING_ALG = setting("C2PA_SIGNING_ALG")
C2PA_TSA_URL = setting("C2PA_TSA_URL")
C2PA_SIGNER = setting("C2PA_SIGNER")
C2PA_ALLOW_UNSIGNED = as_bool(setting("C2PA_ALLOW_UNSIGNED"))
C2PA_TRUST_ANCHORS = setting("C2PA_TRUST_ANCHORS")
C2PA_KEEP_INCOMING = as_bool(setting("C2PA_KEEP_INCOMING"))
# Where development's throwaway signing chain is made when nothing is configured.
C2PA_DEV_DIR = BASE_DIR / "var" / "c2pa-dev"
# With nothing configured, development signs with that throwaway chain; production refuses.
C2PA_DEV_CHAIN = DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": setting("LOG_LEVEL")},
}

# --- Logins: lockout, sign-up throttle, the client's address (docs/security.md) ---------
# The client's address, for every throttle and lockout (media_app/client_address.py): behind
# TRUSTED_PROXY_COUNT proxies that each append to X-Forwarded-For, the N-th address from the
# right; with 0 (no proxy, the embedded default) the header is ignored. Behind our nginx it is 1.
TRUSTED_PROXY_COUNT = int(setting("TRUSTED_PROXY_COUNT"))
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# django-axes counts failed authenticate(request=...) calls, per client address and per account,
# in the database (SQLite embedded, PostgreSQL in production: no cache needed), and answers 429
# + Retry-After on every login path: /api/v1/login, HTTP Basic, the login page, the admin.
INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware", "media_app.logins.SignupThrottleMiddleware"]
# First: a locked-out client or account is refused before any password is checked.
AUTHENTICATION_BACKENDS = [
    "media_app.logins.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_FAILURE_LIMIT = int(setting("LOGIN_FAILURE_LIMIT"))
LOGIN_LOCKOUT_SECONDS = int(setting("LOGIN_LOCKOUT_SECONDS"))
if LOGIN_FAILURE_LIMIT < 1 or LOGIN_LOCKOUT_SECONDS < 1:
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_LOCKOUT_SECONDS must be 1 or more.")
# Read when asked, so a changed LOGIN_* setting applies at once.
AXES_FAILURE_LIMIT = "media_app.services.logins.login_failure_limit"  # LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = "media_app.services.logins.login_cool_off"  # LOGIN_LOCKOUT_SECONDS
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]  # either one locks
AXES_USERNAME_CALLABLE = "media_app.logins.account_key"
AXES_CLIENT_IP_CALLABLE = "media_app.client_address.client_address"
AXES_LOCKOUT_CALLABLE = "media_app.logins.lockout_response"
# Attempts refused during a lockout are not counted: it ends LOGIN_LOCKOUT_SECONDS after the
# last counted failure, as Retry-After says, however hard someone keeps knocking.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A success does not wipe the address's failures (one valid account would reset them).
AXES_RESET_ON_SUCCESS = False
# No log of successful logins (addresses of people signing in are not ours to keep); failures
# are kept only as long as they count.
AXES_DISABLE_ACCESS_LOG = True
AXES_SENSITIVE_PARAMETERS = ["username", "email", "login", "ip_address"]
# allauth's own failed-login limit answers a form error, not a 429: axes is the one lockout.
ACCOUNT_RATE_LIMITS = {"login_failed": False}
SIGNUP_RATE = setting("SIGNUP_RATE")
if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", SIGNUP_RATE):
    raise ImproperlyConfigured("SIGNUP_RATE must look like 10/hour (number/second|minute|hour|day)")
# HTTP Basic stays on for MediaCMS clients (throttled by axes like every login); false drops it.
API_BASIC_AUTH = as_bool(setting("API_BASIC_AUTH"))
if not API_BASIC_AUTH:
    REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] = [
        name
        for name in REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]
        if name != "rest_framework.authentication.BasicAuthentication"
    ]

# --- Accounts: django-allauth (login, two-factor, single sign-on; docs/security.md) ------
INSTALLED_APPS += [
    # After media_app: its templates (media_app/templates/account/, mfa/, allauth/) win.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
]
# After authentication and messages, before axes (which its docs want last): role holders past
# the two-factor grace period are sent to enrolment.
_axes = "axes.middleware.AxesMiddleware"
_before = MIDDLEWARE.index(_axes) if _axes in MIDDLEWARE else len(MIDDLEWARE)
MIDDLEWARE[_before:_before] = [
    "allauth.account.middleware.AccountMiddleware",
    "media_app.middleware.SecondFactorEnrolmentMiddleware",
]
TEMPLATES[0]["OPTIONS"]["context_processors"].append("media_app.context_processors.two_factor")
# Whatever backends are declared above (a throttling one first, then Django's ModelBackend for
# username + password, as before), then allauth's, which also signs people in by e-mail.
AUTHENTICATION_BACKENDS = [
    *globals().get("AUTHENTICATION_BACKENDS", ["django.contrib.auth.backends.ModelBackend"]),
    # allauth's, checking each account's password once per attempt (media_app/logins.py).
    "media_app.logins.AccountBackend",
]
ACCOUNT_FORMS = {"login": "media_app.forms.LoginForm", "signup": "media_app.forms.SignUpForm"}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
# As before allauth: addresses are not verified by mail; one address per account.
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_SIGNUP_REDIRECT_URL = "/verification"
# Changing one's e-mail or password, or a second factor, asks for the password (or a second
# factor) again when the last sign-in is older than a few minutes.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
# A reset asked for an unknown address sends nothing: the site mails only its own members.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
MFA_ADAPTER = "media_app.accounts.MFAAdapter"
# The code forms count wrong codes per account (services/mfa.py): allauth's own limit rides on
# its login_failed rate, which the login lockout above may turn off.
MFA_FORMS = {
    "authenticate": "media_app.forms.SecondFactorForm",
    "reauthenticate": "media_app.forms.SecondFactorReauthenticateForm",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
# The e-mail is not verified by mail (above), so enrolment cannot wait for it.
MFA_ALLOW_UNVERIFIED_EMAIL = True
# One period either side of now (RFC 6238's allowance for clock drift); each code works once.
MFA_TOTP_TOLERANCE = 1
MFA_TOTP_ISSUER = SITE_NAME
# WebAuthn needs https except on localhost; DEBUG (the embedded default) runs plain http.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_GRACE_DAYS = int(setting("MFA_GRACE_DAYS"))
# Single sign-on: one OpenID Connect provider, on only when its issuer URL is set.
OIDC_PROVIDER_URL = setting("OIDC_PROVIDER_URL")
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": []}}
if OIDC_PROVIDER_URL:
    SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"].append(
        {
            "provider_id": "oidc",
            "name": setting("OIDC_PROVIDER_NAME"),
            "client_id": setting("OIDC_CLIENT_ID"),
            "secret": setting("OIDC_CLIENT_SECRET"),
            "settings": {"server_url": OIDC_PROVIDER_URL, "oauth_pkce_enabled": True},
        }
    )
SOCIALACCOUNT_ADAPTER = "media_app.accounts.SocialAccountAdapter"
# A provider's claim of an e-mail address never opens an existing local account.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_STORE_TOKENS = False
# HTTP Basic carries only a password: it opens no account protected by a second factor; every
# API authentication refuses a role holder past the grace period (media_app/api/views/mfa.py).
_DRF = "rest_framework.authentication"
MFA_GATED_API_AUTHENTICATION = {
    f"{_DRF}.BasicAuthentication": "media_app.api.mfa_gate.BasicAuthentication",
    f"{_DRF}.TokenAuthentication": "media_app.api.mfa_gate.TokenAuthentication",
    "media_app.api.authentication.ApiTokenAuthentication": (
        "media_app.api.mfa_gate.ApiTokenAuthentication"
    ),
}
REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] = [
    MFA_GATED_API_AUTHENTICATION.get(name, name)
    for name in REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]
]
