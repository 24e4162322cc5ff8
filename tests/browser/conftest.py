"""Chromium (Debian's, at /usr/bin/chromium) driven by Playwright against a live test server.

The pages load the real frontend build, so run ``npm ci && npm run build`` in frontend/ first.
A failed test leaves a screenshot of each of its pages in ``artifacts/browser/``, and the
requests each page made, with those never answered (the failure's report shows them too).
"""

import os
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.test.testcases import _MediaFilesHandler
from playwright.sync_api import Error as PlaywrightError

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
    timelines = getattr(item, "page_timelines", None)
    if report.when == "call" and report.failed and timelines:
        # In the failure's own report, so CI's log shows where each page was stuck.
        for i, timeline in enumerate(timelines.values()):
            report.sections.append((f"requests of page {i}", timeline.report()))
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


class _Timeline:
    """What a page asked of the network and when, kept so a failed test can say which requests
    never finished (a page that hangs on one resource never fires ``load``)."""

    def __init__(self, page):
        self.start = time.monotonic()
        self.lines: list[str] = []
        self.pending: dict[int, str] = {}
        page.on("request", self._request)
        page.on("requestfinished", lambda r: self._end(r, "finished"))
        page.on("requestfailed", lambda r: self._end(r, f"failed ({r.failure})"))
        page.on("load", lambda *_: self._note("load event"))
        page.on("crash", lambda *_: self._note("the page crashed"))
        page.on("console", lambda m: m.type == "error" and self._note(f"console: {m.text}"))

    def _note(self, text: str) -> None:
        self.lines.append(f"{time.monotonic() - self.start:8.1f} s  {text}")

    def _request(self, request) -> None:
        self.pending[id(request)] = f"{request.method} {request.url}"
        self._note(f"asked {request.method} {request.url}")

    def _end(self, request, how: str) -> None:
        self.pending.pop(id(request), None)
        self._note(f"{how} {request.url}")

    def report(self, last: int | None = 300) -> str:
        """The last ``last`` events (all with ``None``; a page playing a film asks for hundreds
        of segments) and the requests still unanswered."""
        shown = self.lines if last is None else self.lines[-last:]
        left_out = len(self.lines) - len(shown)
        skipped = [f"({left_out} earlier events left out)"] if left_out else []
        unanswered = [f"    {line}" for line in self.pending.values()] or ["    (none)"]
        return "\n".join([*skipped, *shown, "still pending:", *unanswered])


@pytest.fixture
def new_page(chromium, request):
    """Pages in separate browser contexts (separate cookies: one per person)."""
    contexts, timelines = [], {}
    request.node.page_timelines = timelines

    def make():
        context = chromium.new_context()
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        timelines[id(page)] = _Timeline(page)
        return page

    yield make
    try:
        failed = getattr(request.node, "report_call", None)
        if failed is not None and failed.failed:
            _keep_evidence(request.node.name, contexts, timelines)
    finally:
        for context in contexts:
            context.close()


def _keep_evidence(name: str, contexts, timelines) -> None:
    """A failed test's pages: their request timelines (the failure's report shows them too) and
    screenshots. A page whose renderer is stuck cannot be photographed; that is said, not
    raised, so the contexts still close and the next tests do not inherit a throttled page."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for i, context in enumerate(contexts):
        for j, page in enumerate(context.pages):
            stem = ARTIFACTS / f"{name}-{i}-{j}"
            timeline = timelines.get(id(page))
            if timeline is not None:
                Path(f"{stem}.log").write_text(f"{page.url}\n{timeline.report(last=None)}\n")
            try:
                page.screenshot(path=f"{stem}.png", full_page=True, timeout=10_000)
            except PlaywrightError as error:
                print(f"page {i}-{j} of {name}: no screenshot ({error.message.splitlines()[0]})")


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
