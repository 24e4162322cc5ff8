"""Chromium (Debian's, at /usr/bin/chromium) driven by Playwright against a live test server.

The pages load the real frontend build, so run ``npm ci && npm run build`` in frontend/ first.
A failed test leaves a screenshot in ``artifacts/browser/``.
"""

import os
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.test.testcases import _MediaFilesHandler

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(settings.BASE_DIR) / "artifacts" / "browser"
# Full-page screenshots of every page, light and dark, saved on each run so a person can look
# (tests/browser/test_pages_a11y.py); .ci/run prints the folder at the end.
SCREENSHOTS = Path(
    os.environ.get("OPENPRESS_SCREENSHOTS") or Path(settings.BASE_DIR) / "var" / "screenshots"
)
# Playwright's sync API keeps an event loop in this thread, which makes Django refuse ORM calls
# from the test body; they are plain synchronous calls, so this documented opt-out is safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


class _StaticFilesOnly(StaticFilesHandler):
    """Django's live server wraps the site in a handler that serves all of MEDIA_ROOT to anyone
    (``_MediaFilesHandler``). The browser tests must meet the site's own media view instead,
    which refuses hidden files, so this takes that layer off and keeps the static files."""

    def __init__(self, application):
        if not isinstance(application, _MediaFilesHandler):
            raise TypeError(f"Django's live server changed: it wraps {type(application)}")
        super().__init__(application.application)


def _allow_site_in_bucket(origin: str) -> None:
    """S3 mode: the suite's bucket gets the CORS rule a deployment gives it with
    ``manage.py media_storage_setup`` (the same command, for the live server's origin), so the
    browser PUTs upload parts to it and hls.js reads from it, as on a real site."""
    from io import StringIO

    from django.core.management import call_command

    call_command("media_storage_setup", "--origin", origin, stdout=StringIO())


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server (same address option), serving media through the site."""
    from pytest_django.live_server_helper import LiveServer

    addr = request.config.getvalue("liveserver") or os.getenv(
        "DJANGO_LIVE_TEST_SERVER_ADDRESS", "localhost"
    )
    server = LiveServer(addr, start=False)
    server.thread.static_handler = _StaticFilesOnly
    server.start()
    if settings.TEST_STORAGE == "s3":
        _allow_site_in_bucket(server.url)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    if not Path(settings.VITE_MANIFEST_PATH).exists():
        pytest.fail("The frontend is not built: run `npm ci && npm run build` in frontend/")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium, request):
    """Pages in separate browser contexts (separate cookies: one per person)."""
    contexts = []

    def make():
        context = chromium.new_context()
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for i, context in enumerate(contexts):
            for j, page in enumerate(context.pages):
                page.screenshot(
                    path=str(ARTIFACTS / f"{request.node.name}-{i}-{j}.png"), full_page=True
                )
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def clip(tmp_path_factory) -> Path:
    """A 10-second 320x240 clip with sound, generated here (no binary media in the repo)."""
    path = tmp_path_factory.mktemp("clips") / "street-interview.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=25",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440",
            "-t",
            "10",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            "-shortest",
            str(path),
        ],
        check=True,
    )
    return path


@pytest.fixture
def not_media(tmp_path) -> Path:
    path = tmp_path / "notes.mp4"
    path.write_text("these are meeting notes, not a video\n" * 20)
    return path


def save_screenshot(page, name: str) -> Path:
    """A full-page PNG of ``page`` as ``<SCREENSHOTS>/<name>.png`` (``name`` may hold a folder)."""
    path = SCREENSHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")
