"""S3 mode in a real Chromium: a public media encoded into the bucket plays on its watch page,
hls.js fetching the segments from the bucket by presigned URLs, and the page's
Content-Security-Policy lets it (and the poster) through: no violation (issue 14)."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from media_app.models import Media
from tests.browser.test_csp import _WATCH_VIOLATIONS
from tests.encoding.clips import make_clip
from tests.encoding.conftest import encode_inline, upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def allow_site_reads(client, bucket: str, origin: str) -> None:
    """The bucket's CORS rule for the site, as media_storage_setup sets it (GET, HEAD, PUT)."""
    client.put_bucket_cors(
        Bucket=bucket,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": [origin],
                    "AllowedMethods": ["GET", "HEAD", "PUT"],
                    "AllowedHeaders": ["*"],
                    "ExposeHeaders": ["ETag"],
                    "MaxAgeSeconds": 600,
                }
            ]
        },
    )


def test_a_public_media_in_the_bucket_plays_under_the_pages_policy(
    s3_media, s3_bucket, live_server, new_page, settings, tmp_path
):
    settings.SCRATCH_DIR = str(tmp_path / "scratch")
    (tmp_path / "scratch").mkdir()
    clip = make_clip(tmp_path / "harbour.mp4", size="640x360", seconds=6)
    media = encode_inline(upload(clip))
    assert media.encoding_status == Media.EncodingStatus.SUCCESS, media.encoding_fail_reason
    assert media.poster
    allow_site_reads(s3_media.client(), s3_bucket, live_server.url)

    page = new_page()
    page.add_init_script(_WATCH_VIOLATIONS)
    console, from_bucket = [], []
    page.on("console", lambda msg: console.append(msg.text))
    page.on(
        "response",
        lambda r: (
            from_bucket.append((r.status, r.url))
            if r.url.startswith(f"{s3_media.endpoint}/{s3_bucket}/")
            else None
        ),
    )
    page.goto(f"{live_server.url}/view?m={media.friendly_token}")
    video = page.locator(".player video")
    video.wait_for()
    # play() is asked again while paused: hls.js attaching its source interrupts an early one.
    try:
        page.wait_for_function(
            """() => {
            const v = document.querySelector('.player video');
            v.muted = true;
            if (v.paused) v.play().catch(() => null);
            return v.currentTime > 1.5 && v.videoHeight > 0;
        }""",
            polling=250,
            timeout=45_000,
        )
    except PlaywrightTimeout:
        refused = sorted({v.split("?", 1)[0] for v in page.evaluate("window.__csp")})
        raise AssertionError(
            f"the video did not play; refused by the policy: {refused[:6]}, "
            f"bucket answers: {from_bucket[:5]}"
        ) from None
    assert page.locator(".player").get_attribute("data-engine") == "hls.js"
    assert page.evaluate("document.querySelector('.player video').videoHeight") in (240, 360)
    # The segments really came from the bucket, by presigned URLs, and nothing was refused.
    segments = [url for status, url in from_bucket if ".m4s?" in url or ".mp4?" in url]
    assert segments and all("X-Amz-Signature=" in url for url in segments), from_bucket
    assert all(status == 200 for status, _ in from_bucket), from_bucket
    assert page.evaluate("window.__csp") == []
    assert not [text for text in console if "Content Security Policy" in text], console
