"""The embedded default: SQLite, a file-based Celery broker, local media. No server needed."""

from openpress.settings.base import *  # noqa: F403
from openpress.settings.base import BASE_DIR, _env, database_from_url, setting

DEBUG = True
SECRET_KEY = setting("SECRET_KEY", fallback="dev-only-insecure-key-never-use-in-production")
DATABASES = {
    "default": database_from_url(setting("DATABASE_URL", fallback="sqlite:///var/db.sqlite3"))
}
CACHES = {"default": _env.cache_url_config(setting("CACHE_URL") or "locmemcache://")}

_broker = setting("CELERY_BROKER_URL") or "filesystem://"
CELERY_BROKER_URL = _broker
if _broker.startswith("filesystem://"):
    _queue_dir = BASE_DIR / "var" / "broker"
    for _sub in ("queue", "processed"):
        (_queue_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "processed_folder": str(_queue_dir / "processed"),
        "store_processed": False,
    }
