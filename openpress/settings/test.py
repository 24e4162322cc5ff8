"""Tests run against a real PostgreSQL and a real Redis.

Where they come from, in order: ``DATABASE_URL`` / ``REDIS_URL`` when set; else containers
started by testcontainers when a Docker engine answers; else start-up stops with a message
saying what is missing. (This runs when pytest-django loads settings, before any conftest.)
"""

import os
import secrets
import shutil

from django.core.exceptions import ImproperlyConfigured

from openpress.settings.base import *  # noqa: F403
from openpress.settings.base import BASE_DIR, database_from_url


def _docker_answers() -> bool:
    if not shutil.which("docker"):
        return False
    import subprocess

    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0  # noqa: S607
    except (OSError, subprocess.TimeoutExpired):
        return False


def _services() -> tuple[str, str]:
    db, redis = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    if db and redis:
        return db, redis
    if not _docker_answers():
        missing = " and ".join(n for n, v in (("DATABASE_URL", db), ("REDIS_URL", redis)) if not v)
        raise ImproperlyConfigured(
            f"The tests need a real PostgreSQL and Redis: set {missing} "
            "(e.g. postgres://postgres@127.0.0.1:5432/openpress and redis://127.0.0.1:6379/0) "
            "or start a Docker engine so testcontainers can run them."
        )
    import atexit

    from testcontainers.postgres import PostgresContainer
    from testcontainers.redis import RedisContainer

    if not db:
        pg = PostgresContainer("postgres:16", driver=None).start()
        atexit.register(pg.stop)
        db = pg.get_connection_url()
    if not redis:
        rc = RedisContainer("redis:7").start()
        atexit.register(rc.stop)
        redis = f"redis://{rc.get_container_host_ip()}:{rc.get_exposed_port(6379)}/0"
    # Child processes (the real celery worker the tests start) inherit the same services.
    os.environ["DATABASE_URL"], os.environ["REDIS_URL"] = db, redis
    return db, redis


_DB_URL, REDIS_URL = _services()

SECRET_KEY = "test-only-key"
MEDIA_LINK_SECRET = "test-only-media-link-secret-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["*"]
DATABASES = {"default": database_from_url(_DB_URL)}
DATABASES["default"]["CONN_MAX_AGE"] = 0
CACHES = {"default": {"BACKEND": "openpress.cache.ResilientRedisCache", "LOCATION": REDIS_URL}}
CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Encodes sign with development's throwaway C2PA chain unless a test configures one.
C2PA_DEV_CHAIN = True
# The browser tests' live server has no nginx in front of it.
SERVE_MEDIA_FILES = True
if not os.environ.get("MEDIA_ROOT"):
    MEDIA_ROOT = BASE_DIR / "var" / "test-media"

# The suite in S3 mode (`make test-s3`, issue 14): media in a bucket of the S3 server that
# S3_ENDPOINT / S3_ACCESS_KEY / S3_SECRET_KEY name (scripts/with-s3.sh starts one). The bucket is
# made and emptied by tests/conftest.py; tests marked `filesystem` are deselected there.
TEST_STORAGE = os.environ.get("OPENPRESS_TEST_STORAGE", "filesystem")
if TEST_STORAGE == "s3":
    _s3 = {k: os.environ.get(k, "") for k in ("S3_ENDPOINT", "S3_ACCESS_KEY", "S3_SECRET_KEY")}
    if not all(_s3.values()):
        raise ImproperlyConfigured(
            "OPENPRESS_TEST_STORAGE=s3 needs S3_ENDPOINT, S3_ACCESS_KEY and S3_SECRET_KEY: "
            "run the suite with `make test-s3` (scripts/with-s3.sh starts a server)."
        )
    from openpress.settings.base import storage_backends

    # A name of its own per run unless one is given: runs sharing a server must not empty or
    # remove each other's bucket. Kept in the environment so that the run's subprocesses (Celery
    # workers, manage.py) use the same one.
    if not os.environ.get("OPENPRESS_TEST_BUCKET"):
        os.environ["OPENPRESS_TEST_BUCKET"] = f"openpress-suite-{secrets.token_hex(4)}"
    AWS_STORAGE_BUCKET_NAME = os.environ["OPENPRESS_TEST_BUCKET"]
    AWS_S3_ENDPOINT_URL = _s3["S3_ENDPOINT"]
    AWS_ACCESS_KEY_ID = _s3["S3_ACCESS_KEY"]
    AWS_SECRET_ACCESS_KEY = _s3["S3_SECRET_KEY"]
    AWS_S3_REGION_NAME = "us-east-1"
    STORAGES = storage_backends(
        bucket=AWS_STORAGE_BUCKET_NAME,
        endpoint_url=AWS_S3_ENDPOINT_URL,
        access_key=AWS_ACCESS_KEY_ID,
        secret_key=AWS_SECRET_ACCESS_KEY,
        region=AWS_S3_REGION_NAME,
        addressing_style="path",
        link_seconds=MEDIA_LINK_SECONDS,
    )
elif TEST_STORAGE != "filesystem":
    raise ImproperlyConfigured("OPENPRESS_TEST_STORAGE must be filesystem or s3.")
