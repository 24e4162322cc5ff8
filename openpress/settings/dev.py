"""The embedded default: SQLite, a file-based Celery broker, local media. No server needed.

``make run`` starts the web server, one worker and beat with these settings. The broker is
kombu's filesystem transport: ``CELERY_BROKER_URL=filesystem://`` keeps messages under
``var/broker``; ``filesystem:///some/absolute/folder`` puts them elsewhere (the tests use that to
run a whole embedded instance in a temporary folder).
"""

from pathlib import Path
from urllib.parse import urlsplit

from openpress.settings.base import *  # noqa: F403
from openpress.settings.base import (
    BASE_DIR,
    _env,
    database_from_url,
    media_link_secret,
    setting,
)

DEBUG = True
# No nginx in front: Django serves media files, refusing what the visitor may not see.
SERVE_MEDIA_FILES = True
# Nothing configured: Content Credentials signed by a throwaway, untrusted chain under var/.
C2PA_DEV_CHAIN = True
SECRET_KEY = setting("SECRET_KEY", fallback="dev-only-insecure-key-never-use-in-production")
MEDIA_LINK_SECRET = media_link_secret(
    setting("MEDIA_LINK_SECRET", fallback="dev-only-media-link-secret-never-in-production")
)
DATABASES = {
    "default": database_from_url(setting("DATABASE_URL", fallback="sqlite:///var/db.sqlite3"))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat write to one SQLite file from three processes.
    # WAL lets readers run beside the writer; IMMEDIATE transactions take the write lock up
    # front, so a busy writer makes the others wait (up to `timeout` seconds) instead of failing
    # with "database is locked" halfway through a transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Persistent connections buy nothing with SQLite and keep the file open across requests.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)

# A file cache, shared by the web server and the worker processes (unlike locmem).
CACHES = {
    "default": _env.cache_url_config(setting("CACHE_URL") or f"filecache://{BASE_DIR}/var/cache")
}

_broker = setting("CELERY_BROKER_URL") or "filesystem://"
CELERY_BROKER_URL = _broker
if _broker.startswith("filesystem://"):
    _folder = urlsplit(_broker).path
    _queue_dir = Path(_folder) if _folder not in ("", "/") else BASE_DIR / "var" / "broker"
    for _sub in ("queue", "processing", "processed", "control", "results"):
        (_queue_dir / _sub).mkdir(parents=True, exist_ok=True)
    # kombu's filesystem transport, but a message is deleted when acknowledged, not when read:
    # a worker killed mid-encode leaves it to the next worker (openpress/filebroker.py).
    CELERY_BROKER_TRANSPORT = "openpress.filebroker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "processing_folder": str(_queue_dir / "processing"),
        "processed_folder": str(_queue_dir / "processed"),
        # Without it kombu keeps its fan-out tables (worker remote control) in ./control of
        # whatever the current directory is.
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }
    # Chords (chunked encoding) count finished parts in a result backend; Celery's file backend
    # needs no server either. Redis stays the default everywhere else.
    CELERY_RESULT_BACKEND = setting("CELERY_RESULT_BACKEND") or f"file://{_queue_dir}/results"
