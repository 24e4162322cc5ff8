"""The load test's visitors (issue 17; run by bench/load.py, which starts the servers).

A realistic mix for a news archive, weighted like a site's traffic: mostly anonymous readers
browsing lists (the newest, page 2 to 20, by views), searching (words drawn from the archive's
own titles, one word or two, now and then with a typo), opening a media's detail and its
comments; some of them like what they watched; a few signed-in journalists upload a small file.

Every simulated reader has an address of its own in X-Forwarded-For (bench/load.py makes nginx
trust the client for that), so per-client limits apply per reader as on a real site. Each
request is named by its endpoint, not its URL, so the report has one line per endpoint.

The archive's tokens and words come from the environment (bench/load.py writes them):
OPENPRESS_LOAD_TOKENS, OPENPRESS_LOAD_WORDS (files, one per line), OPENPRESS_LOAD_API_TOKEN (a
journalist's API token for uploads), OPENPRESS_LOAD_CLIP (a small video file) and
OPENPRESS_LOAD_PAGES (how many full pages the newest list has).
"""

from __future__ import annotations

import os
import random
from pathlib import Path

from locust import HttpUser, between, task

TOKENS = Path(os.environ["OPENPRESS_LOAD_TOKENS"]).read_text().split()
WORDS = Path(os.environ["OPENPRESS_LOAD_WORDS"]).read_text().split()
API_TOKEN = os.environ.get("OPENPRESS_LOAD_API_TOKEN", "")
PAGES = int(os.environ.get("OPENPRESS_LOAD_PAGES", "1"))  # full pages of the newest list
CLIP = Path(os.environ["OPENPRESS_LOAD_CLIP"]).read_bytes() if API_TOKEN else b""


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


class Reader(HttpUser):
    weight = 15
    wait_time = between(0.2, 1.0)

    def on_start(self):
        self.rng = random.Random()
        n = self.rng.randrange(1, 250)
        self.client.headers["X-Forwarded-For"] = f"10.{n}.{self.rng.randrange(256)}.7"
        self.client.headers["Host"] = "localhost"

    @task(6)
    def newest(self):
        page = min(PAGES, self.rng.choice([1, 1, 1, 2, 3, 5, 10, 20]))
        self.client.get(f"/api/v1/media?page={page}", name="list: newest")

    @task(2)
    def by_views(self):
        page = min(PAGES, self.rng.choice([1, 1, 2, 5]))
        self.client.get(f"/api/v1/media?sort_by=views&page={page}", name="list: by views")

    @task(5)
    def search(self):
        words = self.rng.sample(WORDS, self.rng.choice([1, 1, 2]))
        if self.rng.random() < 0.1:
            words[0] = _typo(words[0], self.rng)
        self.client.get("/api/v1/search", params={"q": " ".join(words)}, name="search")

    @task(6)
    def detail(self):
        token = self.rng.choice(TOKENS)
        self.client.get(f"/api/v1/media/{token}", name="media detail")

    @task(3)
    def comments(self):
        token = self.rng.choice(TOKENS)
        self.client.get(f"/api/v1/media/{token}/comments", name="comments")

    @task(1)
    def like(self):
        token = self.rng.choice(TOKENS)
        self.client.post(
            f"/api/v1/media/{token}/actions", json={"type": "like"}, name="like (POST)"
        )


class Journalist(HttpUser):
    """Signed in with an API token; uploads now and then, reads their own media."""

    weight = 1 if API_TOKEN else 0
    wait_time = between(5, 10)

    def on_start(self):
        self.client.headers["Authorization"] = f"Token {API_TOKEN}"
        self.client.headers["Host"] = "localhost"
        self.client.headers["X-Forwarded-For"] = "10.250.0.1"

    @task(3)
    def my_media(self):
        self.client.get("/api/v1/media?author=load-desk", name="list: my media (signed in)")

    @task(1)
    def upload(self):
        self.client.post(
            "/api/v1/media",
            files={"media_file": ("clip.mp4", CLIP, "video/mp4")},
            data={"title": "Load test upload", "description": "From bench/load.py"},
            name="upload (POST)",
        )
