"""Watch page: first contentful paint, time to the video's first frame, and the JavaScript it
ships (issue 16, "Performance"; docs/performance.md, "Watch page (issue 16)").

Timing: Django's threaded live server of the browser tests (the tests' settings, a throwaway
test database, the built frontend in frontend/dist) serves a watch page of a 6-second 320x240
HLS clip that ffmpeg makes here; headless Chromium (Debian's, through Playwright) opens it
--repeat times, each in a fresh context (cold cache). Per load it reads, in ms from the start of
navigation: first-contentful-paint (``performance.getEntriesByName``), ``loadeddata`` of the
<video> (its first frame decoded: hls.js has fetched the init segment and the first media
segment) and the first frame presented after a muted play() issued as soon as the <video>
exists (``requestVideoFrameCallback``: what a viewer who presses play at once waits for).
Prints each load and the medians.

Size: the gzip size (level 9, as a server's gzip_static would send) of every JavaScript file the
watch page loads, from the Vite manifest: main.tsx's entry and its static imports, then the
watch page's chunk (main imports it dynamically, for data-page="watch") and its static imports;
the chunks those import lazily (on demand) are listed apart.

    .venv/bin/python bench/watch_page.py [--repeat 5]       # timing and size (frontend/dist)
    .venv/bin/python bench/watch_page.py --size-only [--dist /tmp/op_base/frontend/dist]

--dist also serves that build for the timing (today's server and templates, that JavaScript).

The machine is a shared 2-core box and the server is Django's development-grade live server over
loopback: compare figures taken the same way, not with a production site.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OPTIONS = {
    "repeat": int(os.environ.get("BENCH_REPEAT", "5")),
    "dist": os.environ.get("BENCH_DIST", ""),
}

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

if __name__ != "__main__":
    # Collected by pytest (which set Django up first): the browser tests' fixtures.
    from tests.browser.conftest import chromium, live_server  # noqa: F401
    from tests.conftest import *  # noqa: F403 - the suite's own set-up (test database data)
    from tests.conftest import _media_root  # noqa: F401 - MEDIA_ROOT per test; `*` skips _names

# Before any script of the page: note when the <video> first shows up, start it muted at once,
# and record loadeddata and the first presented frame (ms since navigation start).
_PROBE = """
window.__watch = {};
const seen = new WeakSet();
const arm = (video) => {
  if (seen.has(video)) return;
  seen.add(video);
  window.__watch.video = performance.now();
  video.addEventListener('loadeddata', () => { window.__watch.loadeddata ??= performance.now(); });
  video.muted = true;
  video.requestVideoFrameCallback?.(() => { window.__watch.frame ??= performance.now(); });
  const tryPlay = () => video.play().catch(() => setTimeout(tryPlay, 20));
  tryPlay();
};
new MutationObserver(() => {
  for (const video of document.querySelectorAll('video')) arm(video);
}).observe(document, {childList: true, subtree: true});
"""


def _gz(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9, mtime=0))


def js_sizes(dist: Path) -> dict:
    """{"initial": [(file, raw, gzip)], "lazy": [...]} for the watch page, from dist's manifest."""
    manifest = json.loads((dist / ".vite" / "manifest.json").read_text())
    main = next(k for k, v in manifest.items() if v.get("isEntry") and k.endswith("main.tsx"))
    watch = next(k for k in manifest if k.endswith("pages/Watch.tsx"))
    initial: list[str] = []

    def static_graph(key: str) -> None:
        if key in initial:
            return
        initial.append(key)
        for imported in manifest[key].get("imports", []):
            static_graph(imported)

    static_graph(main)
    static_graph(watch)
    lazy: list[str] = []

    def lazy_graph(key: str) -> None:
        for dynamic in manifest[key].get("dynamicImports", []):
            if dynamic in initial or dynamic in lazy:
                continue
            if key == main:  # main's dynamic imports are the other pages: not the watch page's
                continue
            lazy.append(dynamic)
            for imported in manifest[dynamic].get("imports", []):
                if imported not in initial and imported not in lazy:
                    lazy.append(imported)
            lazy_graph(dynamic)

    for key in list(initial):
        lazy_graph(key)

    def rows(keys: list[str]) -> list[tuple[str, int, int]]:
        out = []
        for key in keys:
            path = dist / manifest[key]["file"]
            if path.suffix == ".js":
                out.append((manifest[key]["file"], path.stat().st_size, _gz(path)))
        return out

    return {"initial": rows(initial), "lazy": rows(lazy)}


def print_sizes(dist: Path) -> None:
    sizes = js_sizes(dist)
    for label, items in (("loaded with the watch page", sizes["initial"]),
                         ("loaded on demand", sizes["lazy"])):  # fmt: skip
        print(f"JavaScript {label} ({dist}):")
        for name, raw, gz in items:
            print(f"  {name:48} {raw / 1024:8.1f} KiB  gzip {gz / 1024:7.1f} KiB")
        total_raw = sum(r for _, r, _ in items)
        total_gz = sum(g for _, _, g in items)
        print(f"  {'total':48} {total_raw / 1024:8.1f} KiB  gzip {total_gz / 1024:7.1f} KiB")


@pytest.mark.django_db(transaction=True)
def test_watch_page_timing(live_server, chromium, tmp_path, capsys, settings):
    from tests.factories import MediaFactory
    from tests.security.test_user_files import _hls_tree

    if OPTIONS["dist"]:  # another build (e.g. an older commit's), served by today's server
        dist = Path(OPTIONS["dist"])
        settings.STATICFILES_DIRS = [dist]
        settings.VITE_MANIFEST_PATH = dist / ".vite" / "manifest.json"

    media = MediaFactory(title="Harbour interview")
    _hls_tree(media, tmp_path / "hls")
    url = f"{live_server.url}/view?m={media.friendly_token}"
    loads = []
    for _ in range(OPTIONS["repeat"] + 1):  # the first load warms the server up: not counted
        context = chromium.new_context()
        try:
            page = context.new_page()
            page.add_init_script(_PROBE)
            page.goto(url)
            page.wait_for_function("() => window.__watch.frame && window.__watch.loadeddata",
                                   timeout=30_000)  # fmt: skip
            fcp = page.evaluate(
                "performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null"
            )
            probe = page.evaluate("window.__watch")
            loads.append((fcp, probe["loadeddata"], probe["frame"]))
        finally:
            context.close()
    loads = loads[1:]
    with capsys.disabled():
        print()
        for i, (fcp, data, frame) in enumerate(loads, 1):
            print(f"load {i}: FCP {fcp:7.1f} ms  loadeddata {data:7.1f} ms  frame {frame:7.1f} ms")
        print(
            f"median of {len(loads)}: first contentful paint "
            f"{statistics.median(x[0] for x in loads):.0f} ms, first frame decoded (loadeddata) "
            f"{statistics.median(x[1] for x in loads):.0f} ms, first frame shown after an "
            f"immediate play() {statistics.median(x[2] for x in loads):.0f} ms"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=OPTIONS["repeat"])
    parser.add_argument("--dist", type=Path, default=ROOT / "frontend" / "dist",
                        help="a Vite build's output folder (for the size)")  # fmt: skip
    parser.add_argument("--size-only", action="store_true", help="only the JavaScript sizes")
    args = parser.parse_args()
    print_sizes(args.dist.resolve())
    if args.size_only:
        return 0
    os.environ["BENCH_REPEAT"] = str(args.repeat)
    os.environ["BENCH_DIST"] = str(args.dist.resolve())
    os.chdir(ROOT)
    argv = ["-q", "-p", "no:cacheprovider", "-o", "tmp_path_retention_policy=none", __file__]
    return int(pytest.main(argv))


if __name__ == "__main__":
    sys.exit(main())
