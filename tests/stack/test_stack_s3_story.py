"""The app in S3 mode in real containers (issue 14, point 6): compose's s3 profile with every
service up, used through nginx, with the media in the profile's bucket and no media volume.
"""

from __future__ import annotations

import os
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.stack.test_stack import BASE, ENCODED_WITHIN, clip, detail, http, upload, wait_for
from tests.stack.test_stack_s3 import (
    BUCKET,
    S3_PORT,
    S3Compose,
    env_text,
    keys,
    report,
    s3_client,
)

pytestmark = pytest.mark.stack

HEALTHY_WITHIN = 480  # the filesystem stack's 420 s plus Ceph's start
SERVICES = ("postgres", "redis", "s3", "web", "api", "celery-short", "celery-long", "celery-beat")
ONE_SHOTS = ("s3-setup", "migrate")
# Presigned URLs name the server as a browser on this machine reaches it: the port the profile
# publishes on 127.0.0.1 (AWS_S3_PUBLIC_ENDPOINT_URL), signed for that Host.
PUBLIC_ENDPOINT = f"http://127.0.0.1:{S3_PORT}"
REPORT = os.environ.get("STACK_REPORT")


@pytest.fixture(scope="module")
def s3_stack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stack-s3-story")
    access, secret = keys()
    env_file = folder / "stack-s3.env"
    env_file.write_text(env_text(access, secret))
    compose = S3Compose(env_file, project="openpress-stack-s3-story")
    compose.run("down", "-v", "--remove-orphans", check=False)
    started = time.monotonic()
    try:
        # Not checked here: a one-shot that fails makes `up` fail, and healthy() below says
        # why with its logs (migrate's storage check, for one).
        compose.run("up", "-d", "--no-build", check=False, timeout=HEALTHY_WITHIN)

        def healthy():
            states = compose.states()
            for name in ONE_SHOTS:
                state = states.get(name, {})
                if state.get("State") == "exited" and state.get("ExitCode") != 0:
                    logs = compose.run("logs", name, check=False).stdout[-4000:]
                    raise AssertionError(f"{name} failed:\n{logs}")
            return all(states.get(n, {}).get("State") == "exited" for n in ONE_SHOTS) and all(
                states.get(n, {}).get("Health") == "healthy" for n in (*SERVICES, "nginx")
            )

        wait_for(healthy, timeout=HEALTHY_WITHIN, interval=1, message="healthy S3 stack")
        report(f"stack-s3: up to all healthy in {time.monotonic() - started:.1f}s")
        yield compose, s3_client(access, secret)
    finally:
        logs = compose.run("logs", "--no-color", "--tail", "60", check=False).stdout
        if REPORT:
            Path(REPORT).with_suffix(".s3-story.logs").write_text(logs)
        compose.run("down", "-v", "--remove-orphans", check=False)


def fetch(url: str) -> tuple[int, bytes, str]:
    """GET a URL the app handed out, as a browser would: through nginx, or straight from the
    bucket (a presigned URL), following redirects. Returns the status, body and final URL."""
    for _ in range(5):
        if url.startswith(f"{PUBLIC_ENDPOINT}/"):
            try:
                with urllib.request.urlopen(url, timeout=60) as resp:  # noqa: S310
                    return resp.status, resp.read(), url
            except urllib.error.HTTPError as exc:
                return exc.code, exc.read(), url
        got = http("GET", url)
        if got.status in (301, 302, 303, 307, 308):
            url = urllib.parse.urljoin(
                url if url.startswith("http") else BASE + url, got.headers["Location"]
            )
            continue
        return got.status, got.body, url
    raise AssertionError(f"too many redirects from {url}")


def test_stack_s3_an_upload_lands_in_the_bucket_plays_and_leaves_no_file_behind(s3_stack, tmp_path):
    compose, bucket = s3_stack
    username = "s3reporter"
    password = secrets.token_urlsafe(18)
    compose.run(
        "exec",
        "-T",
        "api",
        "/app/docker/entrypoint.sh",
        "manage",
        "shell",
        "-c",
        "from media_app.models import User; "
        f"User.objects.create_superuser('{username}', '{username}@example.org', '{password}')",
    )
    login = http("POST", "/api/v1/login", json_body={"username": username, "password": password})
    assert login.status == 200, login.body[:300]
    token = login.json()["token"]

    source = clip(tmp_path, "s3.mp4", seconds=6, size="640x360")
    friendly = upload(token, source, title="Stack S3", state="public")
    originals = bucket.list_objects_v2(Bucket=BUCKET, Prefix="original/").get("Contents", [])
    assert [o["Size"] for o in originals] == [source.stat().st_size]

    done = wait_for(
        lambda: (
            (d := detail(token, friendly).json())["encoding_status"] in ("success", "fail") and d
        ),
        timeout=ENCODED_WITHIN,
        interval=2,
        message="the encode in S3 mode",
    )
    assert done["encoding_status"] == "success", done.get("encoding_fail_reason")
    encoded = [
        o["Key"] for o in bucket.list_objects_v2(Bucket=BUCKET, Prefix="encoded/")["Contents"]
    ]
    assert [k for k in encoded if k.endswith("master.m3u8")], encoded
    assert [k for k in encoded if k.endswith(".m4s")], encoded

    # Played as a browser would: the playlists and a segment, whatever hands them out.
    master_url = detail(None, friendly).json()["hls_info"]["master_file"]
    status, body, final = fetch(master_url)
    assert status == 200 and body.startswith(b"#EXTM3U"), (status, body[:200])
    variant = next(x for x in body.decode().splitlines() if x and not x.startswith("#"))
    status, body, final = fetch(
        urllib.parse.urljoin(final if final.startswith("http") else BASE + final, variant)
    )
    assert status == 200 and body.startswith(b"#EXTM3U"), (status, body[:200])
    segment = next(x for x in body.decode().splitlines() if x and not x.startswith("#"))
    status, body, _ = fetch(
        urllib.parse.urljoin(final if final.startswith("http") else BASE + final, segment)
    )
    assert status == 200 and len(body) > 1000, status

    # No container has a media volume, and nothing was written where one used to be.
    for service in ("web", "api", "celery-short", "celery-long"):
        files = compose.run("exec", "-T", service, "find", "/data/media", "-type", "f").stdout
        assert files.strip() == "", (service, files[:500])

    # Deleting the media deletes its objects.
    assert http("DELETE", f"/api/v1/media/{friendly}", token=token).status in (200, 202, 204)
    wait_for(
        lambda: (
            not bucket.list_objects_v2(Bucket=BUCKET, Prefix="encoded/").get("Contents")
            and not bucket.list_objects_v2(Bucket=BUCKET, Prefix="original/").get("Contents")
        ),
        timeout=120,
        interval=2,
        message="the media's objects to be deleted",
    )
