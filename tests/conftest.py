import pytest
from rest_framework.test import APIClient

from tests.factories import MediaFactory, UserFactory
from tests.s3 import s3_bucket, s3_media, s3_server  # noqa: F401 - fixtures: a real S3 server


@pytest.fixture(scope="session", autouse=True)
def _suite_bucket():
    """In S3 mode (`make test-s3`) the suite's bucket exists for the session and is emptied and
    removed at its end; in filesystem mode nothing happens."""
    from django.conf import settings

    if settings.TEST_STORAGE != "s3":
        yield
        return
    from tests.s3 import S3Server, empty_bucket

    server = S3Server(
        settings.AWS_S3_ENDPOINT_URL, settings.AWS_ACCESS_KEY_ID, settings.AWS_SECRET_ACCESS_KEY
    )
    client, bucket = server.client(), settings.AWS_STORAGE_BUCKET_NAME
    try:
        client.create_bucket(Bucket=bucket)
    except client.exceptions.BucketAlreadyOwnedByYou:
        empty_bucket(client, bucket)
    try:
        yield
    finally:
        empty_bucket(client, bucket)
        client.delete_bucket(Bucket=bucket)


def _reapply_data_migrations() -> None:
    """Run every RunPython of media_app's migrations again, against the current models.

    They are idempotent (update_or_create): encode profiles and beat jobs come back after a
    transactional test flushed every table, data migrations included.
    """
    import importlib
    import pkgutil

    from django.apps import apps as django_apps
    from django.db import migrations as dj_migrations

    import media_app.migrations as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"media_app.migrations.{info.name}")
        for operation in module.Migration.operations:
            if isinstance(operation, dj_migrations.RunPython):
                operation.code(django_apps, None)


@pytest.fixture(autouse=True)
def _migration_data(request):
    """What the data migrations create is there in every test that uses the database."""
    names = set(request.fixturenames)
    if request.node.get_closest_marker("django_db") is None:
        if "transactional_db" in names:
            request.getfixturevalue("transactional_db")
        elif "db" in names:
            request.getfixturevalue("db")
        else:
            return
    _reapply_data_migrations()


@pytest.fixture(autouse=True)
def _fresh_anonymous_cache():
    """Each test starts in its own cache namespace (the cache is a shared Redis)."""
    from django.core.cache import cache

    from media_app.services.cache import GENERATION_KEY

    cache.delete(GENERATION_KEY)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the shared Redis for up to their period (an hour): DRF's
    throttles (uploads, reports, sign-ups), allauth's per-address limits, the wrong-code and
    wrong-current-password counters and used TOTP codes. The suite acts from 127.0.0.1 far more
    often than a person, so each test starts without them."""
    import redis
    from django.conf import settings

    cache = settings.CACHES["default"]
    if not cache["BACKEND"].endswith("RedisCache"):
        return
    client = redis.Redis.from_url(cache["LOCATION"])
    patterns = (
        "*throttle_*",
        "*allauth:rl:*",
        "*mfa:code-failures:*",
        "*allauth.mfa.totp.used*",
        "*current-password-failures:*",
    )
    keys = [key for pattern in patterns for key in client.scan_iter(match=pattern, count=1000)]
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def journalist(db):
    return UserFactory(is_verified_journalist=True, verified_outlet="The Independent Desk")


@pytest.fixture
def editor(db):
    return UserFactory(is_editor=True)


@pytest.fixture
def manager(db):
    return UserFactory(is_manager=True)


@pytest.fixture
def public_media(db, journalist):
    return MediaFactory(user=journalist)


def client_for(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


# --- which tests `make test-s3` runs again with media in a bucket -------------------------------

# Modules whose tests store, read, serve or delete media files through the run's storage: the
# S3 run (`make test-s3`, OPENPRESS_TEST_STORAGE=s3) repeats them with media in a bucket, so the
# same assertions hold in both modes (docs/storage.md, "Tests in both modes"). Everything else
# (permissions, search, accounts, deployment files, the beat, worker leases) does not depend on
# where media live and runs once. Tests with the `s3_media` fixture run in S3 mode in every run,
# so they are not repeated either.
S3_RERUN_MODULES = frozenset(
    {
        "tests/api/test_bulk.py",
        "tests/api/test_chapters.py",
        "tests/api/test_edit.py",
        "tests/api/test_hls_info.py",
        "tests/api/test_media.py",
        "tests/api/test_signed_links.py",
        "tests/api/test_subtitles.py",
        "tests/api/test_tus.py",
        "tests/api/test_upload.py",
        "tests/browser/test_edit_page.py",
        "tests/browser/test_journey.py",
        "tests/browser/test_link_expiry.py",
        "tests/browser/test_play_s3.py",
        "tests/browser/test_player.py",
        "tests/browser/test_provenance.py",
        "tests/browser/test_quality.py",
        "tests/browser/test_source_protection.py",
        "tests/browser/test_subtitles_edit.py",
        "tests/encoding/test_bad_input.py",
        "tests/encoding/test_chunked.py",
        "tests/encoding/test_control.py",
        "tests/encoding/test_delivery_s3_player.py",
        "tests/encoding/test_pipeline.py",
        "tests/encoding/test_remux.py",
        "tests/encoding/test_source_url.py",
        "tests/pages/test_media_files.py",
        "tests/pages/test_signed_media_files.py",
        "tests/security/test_original_download.py",
        "tests/security/test_upload_quota.py",
        "tests/security/test_user_files.py",
        "tests/services/test_media_delete.py",
        "tests/test_csp_s3.py",
        "tests/test_demo_data.py",
        "tests/trust/test_corrections.py",
        "tests/trust/test_provenance.py",
        "tests/trust/test_source_protection.py",
    }
)


def pytest_collection_modifyitems(config, items):
    root = config.rootpath
    for item in items:
        module = item.path.relative_to(root).as_posix()
        if module in S3_RERUN_MODULES and "s3_media" not in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.s3)
