"""``python manage.py demo_data``: a made-up newsroom archive (issue 17, docs/performance.md
"Demo data (issue 17)").

Demo accounts are the users whose username starts with ``demo_``; demo media, comments, likes
and playlists are theirs, demo categories belong to a demo account. ``--reset`` deletes exactly
those (and the demo tags nobody else uses), nothing else.

Files. The first ``--with-clips`` media are real clips made with ffmpeg and sent through the real
upload (``services.media.media_create``) and encoding pipeline, run here in this process, step
by step, with the same service functions the Celery tasks call (``encoding_prepare``,
``encoding_ladder``, ``encoding_extras``, ``encoding_finish``) instead of through the broker, so
the command needs no worker. Every other demo video borrows one clip's HLS ladder: its
``hls_file`` and ``Encoding`` rows name the clip's files (under the clip's folder, served by the
clip's visibility or by a signed link). Its original and stills are its own names, hard links to
the clip's files on a filesystem storage (server-side copies in a bucket), so deleting a demo
media deletes only its own links, never a file another media shows. Deleting one of the clip
media themselves stops the borrowed ladder of the rows that share it: delete demo data with
``--reset``.
"""

from __future__ import annotations

import contextlib
import os
import random
import resource
import shutil
import string
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db import reset_queries, transaction
from django.utils import timezone

from media_app import storage
from media_app.demo import text
from media_app.demo.words import CATEGORY_TITLES, OUTLETS, ROLES
from media_app.models import (
    Category,
    Comment,
    Encoding,
    JournalistVerification,
    Media,
    MediaAction,
    Playlist,
    PlaylistMedia,
    SearchDocument,
    Tag,
    User,
)

PREFIX = "demo_"
DESK = f"{PREFIX}desk"
EDITOR = f"{PREFIX}editor"
DEFAULT_SEED = 17
YEARS = 10
_TOKEN_ALPHABET = string.ascii_letters + string.digits
# A voice-like tone: a pitch gliding around 180 Hz, in syllables of about a quarter second.
_VOICE = (
    "aevalsrc=exprs='0.5*sin(2*PI*(170+40*sin(2*PI*0.7*t))*t)"
    "*(0.55+0.45*sin(2*PI*4*t))*gt(mod(t\\,2.2)\\,0.25)':s=48000:c=stereo:d={d}"
)
_FAIL_REASON = "Reading the file: Invalid data found when processing input (demo data)"


@dataclass
class Source:
    """A real encoded clip whose outputs other demo rows borrow."""

    media: Media
    stills: dict[str, str]
    encodings: list[Encoding] = field(default_factory=list)


@contextlib.contextmanager
def _explicit_dates():
    """Let bulk_create keep the dates we give (spread over ten years) on the fields Django
    would otherwise set to now (``auto_now_add`` / ``auto_now``); restored afterwards."""
    fields = [
        Comment._meta.get_field("add_date"),
        User._meta.get_field("date_added"),
        Playlist._meta.get_field("add_date"),
        JournalistVerification._meta.get_field("created_at"),
        Media._meta.get_field("edit_date"),
        Category._meta.get_field("add_date"),
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    try:
        for f in fields:
            f.auto_now = f.auto_now_add = False
        yield
    finally:
        for f, now, now_add in saved:
            f.auto_now, f.auto_now_add = now, now_add


class _Progress:
    """tqdm on a terminal, a line per batch otherwise."""

    def __init__(self, out, label: str, total: int):
        self.out, self.label, self.total, self.done = out, label, total, 0
        self.bar = None
        if sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=label, unit="rows", leave=True)

    def update(self, n: int) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        else:
            self.out.write(f"{self.label}: {self.done}/{self.total}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _batches(total: int, size: int):
    start = 0
    while start < total:
        yield start, min(size, total - start)
        start += size
        # With DEBUG (``make run``'s settings) Django keeps the last 9,000 queries' SQL, and a
        # bulk insert's SQL is megabytes: dropped after each batch so memory stays bounded.
        reset_queries()


class Command(BaseCommand):
    help = "Fill the database with a made-up newsroom archive (demo_ accounts); see --help."

    def add_arguments(self, parser):
        parser.add_argument("--media", type=int, default=200, help="Media rows (default 200).")
        parser.add_argument("--users", type=int, default=50, help="Demo accounts (default 50).")
        parser.add_argument("--comments", type=int, default=2000, help="Comments (default 2000).")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Random seed.")
        parser.add_argument(
            "--with-clips",
            type=int,
            default=3,
            dest="clips",
            help="Real clips encoded by the pipeline (default 3, at least 1); the other "
            "videos borrow their renditions.",
        )
        parser.add_argument("--batch", type=int, default=5000, help="Rows per insert.")
        parser.add_argument(
            "--reset", action="store_true", help="Delete the existing demo data first."
        )

    def handle(self, *args, **opts):
        started = time.monotonic()
        n_media, n_users, n_comments = opts["media"], opts["users"], opts["comments"]
        clips, self.batch = opts["clips"], opts["batch"]
        if min(n_media, n_users, n_comments, self.batch) < 0 or self.batch == 0:
            raise CommandError(
                "--media, --users and --comments must not be negative; --batch must be positive."
            )
        if clips < 1 or clips > n_media:
            raise CommandError("--with-clips must be at least 1 and at most --media.")
        if n_users < 2:
            raise CommandError("--users must be at least 2 (the demo desk and a demo editor).")
        existing = User.objects.filter(username__startswith=PREFIX).count()
        if existing and not opts["reset"]:
            raise CommandError(
                f"This database already has demo data ({existing} demo_ accounts). "
                "Run again with --reset to delete it and make it anew."
            )
        if opts["reset"]:
            self.stdout.write(f"reset: {demo_reset(out=self.stdout)} demo media deleted")

        self.rng = random.Random(opts["seed"])  # noqa: S311 - made-up data, reproducible
        self.now = timezone.now().replace(microsecond=0)
        self.rows = 0
        with _explicit_dates():
            self._users(n_users)
            self._taxonomy()
        self._clips(clips)  # real uploads: the models' own dates
        with _explicit_dates():
            self._media(n_media)
            self._comments(n_comments)
            self._playlists()
        self._recount()
        self._search()
        self._analyze()
        from media_app.services.cache import listings_changed

        listings_changed()

        elapsed = time.monotonic() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        self.stdout.write(
            self.style.SUCCESS(
                f"demo data: {n_media} media ({clips} encoded clips), {n_users} users, "
                f"{n_comments} comments; {self.rows} rows in {elapsed:.1f} s "
                f"({self.rows / max(elapsed, 1e-6):.0f} rows/s), peak RSS {peak:.0f} MB "
                f"(ffmpeg {children:.0f} MB)"
            )
        )

    # --- helpers ---------------------------------------------------------------------------

    def _date(self, after=None):
        """A moment of the last ten years, more of them recent (the archive grew)."""
        start = after or self.now - timedelta(days=365 * YEARS)
        span = (self.now - start).total_seconds()
        return start + timedelta(seconds=int(span * (1 - self.rng.random() ** 1.6)))

    def _uid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _token(self) -> str:
        return "".join(self.rng.choice(_TOKEN_ALPHABET) for _ in range(9))

    # --- people ----------------------------------------------------------------------------

    def _users(self, n: int) -> None:
        rng = self.rng
        progress = _Progress(self.stdout, "users", n)
        self.user_ids: list[int] = []
        self.verified: set[int] = set()
        for start, size in _batches(n, self.batch):
            users, verifications = [], []
            for i in range(start, start + size):
                username = DESK if i == 0 else EDITOR if i == 1 else f"{PREFIX}{i:06d}"
                name = "Demo Desk" if i == 0 else text.display_name(rng)
                joined = self._date()
                verified = i == 0 or (i > 1 and rng.random() < 0.12)
                outlet = rng.choice(OUTLETS) if verified else ""
                users.append(
                    User(
                        username=username,
                        name=name,
                        email=f"{username}@demo.invalid",
                        password="!demo-no-login",  # noqa: S106 - "!": no password logs in
                        description=text.pick_language(rng).sentence(rng)
                        if rng.random() < 0.4
                        else "",
                        is_editor=i == 1,
                        is_verified_journalist=verified,
                        verified_outlet=outlet,
                        email_is_verified=True,
                        date_joined=joined,
                        date_added=joined,
                        role_granted_at=joined if verified or i == 1 else None,
                    )
                )
                if verified:
                    verifications.append((username, outlet, joined))
            User.objects.bulk_create(users)
            ids = dict(
                User.objects.filter(username__in=[u.username for u in users]).values_list(
                    "username", "id"
                )
            )
            self.user_ids.extend(ids[u.username] for u in users)
            rows = [
                JournalistVerification(
                    user_id=ids[username],
                    outlet=outlet,
                    role=rng.choice(ROLES),
                    evidence_links=[f"https://example.org/staff/{username}"],
                    statement="Demo account.",
                    status=JournalistVerification.Status.APPROVED,
                    created_at=joined,
                    decided_by_id=self.user_ids[1] if len(self.user_ids) > 1 else None,
                    decided_at=joined + timedelta(days=2),
                )
                for username, outlet, joined in verifications
            ]
            JournalistVerification.objects.bulk_create(rows)
            self.verified.update(ids[u] for u, _, _ in verifications)
            self.rows += len(users) + len(rows)
            progress.update(size)
        progress.close()
        # Prolific authors and commenters first: a Zipf draw over a shuffled order.
        order = list(self.user_ids)
        rng.shuffle(order)
        self.authors = text.Zipf(order, 0.8)

    def _taxonomy(self) -> None:
        titles = list(CATEGORY_TITLES)
        existing = set(Category.objects.filter(title__in=titles).values_list("title", flat=True))
        cats = [
            Category(
                title=t,
                description=f"{t} (demo category)",
                user_id=self.user_ids[1],
                is_global=True,
                add_date=self.now - timedelta(days=365 * YEARS),
            )
            for t in titles
            if t not in existing
        ]
        Category.objects.bulk_create(cats)
        self.rows += len(cats)
        by_title = dict(Category.objects.filter(title__in=titles).values_list("title", "id"))
        self.categories = text.Zipf([by_title[t] for t in titles], 1.1)
        pool = text.tag_pool()
        Tag.objects.bulk_create([Tag(title=t) for t in pool], ignore_conflicts=True)
        self.rows += len(pool)
        ids = dict(Tag.objects.filter(title__in=pool).values_list("title", "id"))
        self.tags = text.Zipf([ids[t] for t in pool], 1.05)

    # --- the real clips --------------------------------------------------------------------

    def _clips(self, k: int) -> None:
        from media_app.services import encoding as svc
        from media_app.services.media import media_create

        desk = User.objects.get(username=DESK)
        self.sources: list[Source] = []
        with tempfile.TemporaryDirectory(prefix="demo-clips-") as work:
            for i in range(k):
                path = os.path.join(work, f"demo-clip-{i + 1}.mp4")
                _make_clip(path, seconds=4 + i % 3, hue=(i * 47) % 360)
                lang = text.pick_language(self.rng)
                with open(path, "rb") as fh:
                    # The encode runs right below in this process, not through the broker.
                    media = media_create(
                        user=desk,
                        uploaded_file=File(fh, name=os.path.basename(path)),
                        title=lang.title(self.rng),
                        description=lang.paragraph(self.rng),
                        enqueue=False,
                    )
                plan = svc.encoding_prepare(media_id=media.pk)
                if plan is None or plan.kind != "video" or plan.chunks != 0:
                    raise CommandError(f"demo clip {i + 1}: unexpected encoding plan {plan!r}")
                svc.encoding_ladder(media_id=media.pk, run=plan.run)
                svc.encoding_extras(media_id=media.pk, run=plan.run)
                svc.encoding_finish(media_id=media.pk, run=plan.run)
                media.refresh_from_db()
                if media.encoding_status != Media.EncodingStatus.SUCCESS or not media.hls_file:
                    raise CommandError(
                        f"demo clip {i + 1} did not encode: {media.encoding_fail_reason}"
                    )
                added = self._date()
                Media.objects.filter(pk=media.pk).update(
                    add_date=added,
                    edit_date=added,
                    views=self.rng.randint(50, 5000),
                    featured=i == 0,
                )
                self._attach_taxonomy([media.pk])
                stills = {
                    f: getattr(media, f).name
                    for f in ("poster", "thumbnail", "sprites", "sprites_vtt", "preview")
                    if getattr(media, f)
                }
                encodings = list(
                    Encoding.objects.filter(
                        media=media, chunk=False, status=Encoding.Status.SUCCESS
                    )
                )
                self.sources.append(Source(media=media, stills=stills, encodings=encodings))
                self.rows += 1 + len(encodings)
                self.stdout.write(f"clip {i + 1}/{k}: {media.friendly_token} encoded")
        self.media_ids = [s.media.pk for s in self.sources]
        self.added = {s.media.pk: Media.objects.get(pk=s.media.pk).add_date for s in self.sources}

    def _attach_taxonomy(self, media_ids: list[int]) -> None:
        rng = self.rng
        tag_rows, cat_rows = [], []
        for mid in media_ids:
            for tid in self.tags.sample(rng, rng.choice((0, 1, 2, 2, 3, 3, 4, 5))):
                tag_rows.append(Media.tags.through(media_id=mid, tag_id=tid))
            for cid in self.categories.sample(rng, 1 if rng.random() < 0.8 else 2):
                cat_rows.append(Media.categories.through(media_id=mid, category_id=cid))
        Media.tags.through.objects.bulk_create(tag_rows)
        Media.categories.through.objects.bulk_create(cat_rows)
        self.rows += len(tag_rows) + len(cat_rows)

    # --- media -----------------------------------------------------------------------------

    def _media(self, n: int) -> None:
        rest = n - len(self.sources)
        progress = _Progress(self.stdout, "media", rest)
        for start, size in _batches(rest, self.batch):
            rows, sources, links, encodings = [], [], [], []
            for i in range(start, start + size):
                sources.append(self.sources[i % len(self.sources)])
                rows.append(self._media_row(sources[-1], links))
            Media.objects.bulk_create(rows)
            ids = dict(Media.objects.filter(uid__in=[m.uid for m in rows]).values_list("uid", "id"))
            for m, source in zip(rows, sources, strict=True):
                m.pk = ids[m.uid]
                self.added[m.pk] = m.add_date
                if m.encoding_status == Media.EncodingStatus.SUCCESS:
                    encodings.extend(
                        Encoding(
                            media_id=m.pk,
                            profile_id=e.profile_id,
                            status=Encoding.Status.SUCCESS,
                            progress=100,
                            media_file=e.media_file.name,
                            size=e.size,
                            bitrate=e.bitrate,
                        )
                        for e in source.encodings
                    )
            Encoding.objects.bulk_create(encodings)
            _copy_files(links)
            self._attach_taxonomy([m.pk for m in rows])
            self._likes(rows)
            self.media_ids.extend(m.pk for m in rows)
            self.rows += len(rows) + len(encodings)
            progress.update(size)
        progress.close()

    def _media_row(self, source: Source, links: list) -> Media:
        rng = self.rng
        src = source.media
        uid = self._uid()
        user_id = self.authors(rng)
        publisher = user_id in self.verified
        lang = text.pick_language(rng)
        roll = rng.random()
        requested = Media.State.PUBLIC
        if roll < 0.07:
            requested = Media.State.UNLISTED
        elif roll < 0.13:
            requested = Media.State.PRIVATE
        reviewed = publisher or rng.random() < 0.88
        state = requested if reviewed else Media.State.PRIVATE
        failed = rng.random() < 0.01
        added = self._date()
        original = storage.original_name(uid, "mp4")
        links.append((src.media_file.name, original))
        stills = {}
        if not failed:
            for f, name in source.stills.items():
                stills[f] = storage.still_name(uid.hex, os.path.basename(name))
                links.append((name, stills[f]))
        views = int(rng.lognormvariate(3.5, 1.8)) if not failed else 0
        likes = min(int(views * rng.random() * 0.05), len(self.user_ids) // 2)
        dislikes = min(likes // 8 + (rng.random() < 0.05), len(self.user_ids) // 4)
        return Media(
            uid=uid,
            friendly_token=self._token(),
            user_id=user_id,
            title=lang.title(rng),
            description=lang.paragraph(rng),
            media_type=Media.MediaType.VIDEO,
            state=state,
            requested_state=requested,
            is_reviewed=reviewed,
            reviewed_at=added + timedelta(hours=rng.randint(1, 72)) if reviewed else None,
            reviewed_by_id=None if publisher or not reviewed else self.user_ids[1],
            encoding_status=Media.EncodingStatus.FAIL if failed else Media.EncodingStatus.SUCCESS,
            encoding_fail_reason=_FAIL_REASON if failed else "",
            encoding_run="" if failed else src.encoding_run,
            encoding_attempts=3 if failed else 1,
            featured=rng.random() < 0.005,
            enable_comments=rng.random() < 0.97,
            media_file=original,
            original_filename=f"{lang.code}-{uid.hex[:8]}.mp4",
            # Most uploaders say which language they speak; some leave it unknown ("").
            language=lang.code if rng.random() < 0.9 else "",
            hls_file="" if failed else src.hls_file,
            media_info=src.media_info,
            duration=src.duration,
            size=src.size,
            video_width=src.video_width,
            video_height=src.video_height,
            thumbnail_time=src.thumbnail_time,
            views=views + likes,
            likes=likes,
            dislikes=dislikes,
            add_date=added,
            edit_date=added,
            **stills,
        )

    def _likes(self, rows: list[Media]) -> None:
        rng = self.rng
        actions = []
        for m in rows:
            voters = rng.sample(self.user_ids, m.likes + m.dislikes) if m.likes + m.dislikes else []
            for k, uid in enumerate(voters):
                actions.append(
                    MediaAction(
                        user_id=uid,
                        media_id=m.pk,
                        action=MediaAction.Action.LIKE
                        if k < m.likes
                        else MediaAction.Action.DISLIKE,
                        action_date=self._date(after=m.add_date),
                    )
                )
        MediaAction.objects.bulk_create(actions, batch_size=self.batch)
        self.rows += len(actions)

    # --- comments and playlists ------------------------------------------------------------

    def _comments(self, n: int) -> None:
        rng = self.rng
        if not n:
            return
        order = list(self.media_ids)
        rng.shuffle(order)
        popular = text.Zipf(order, 0.9)
        added_of = self.added
        progress = _Progress(self.stdout, "comments", n)
        for _start, size in _batches(n, self.batch):
            replies = int(size * 0.15)
            top = []
            for _ in range(size - replies):
                mid = popular(rng)
                lang = text.pick_language(rng)
                top.append(
                    Comment(
                        uid=self._uid(),
                        media_id=mid,
                        user_id=self.authors(rng),
                        text=lang.paragraph(rng, 1, 2),
                        add_date=self._date(after=added_of[mid]),
                    )
                )
            Comment.objects.bulk_create(top)
            ids = dict(
                Comment.objects.filter(uid__in=[c.uid for c in top]).values_list("uid", "id")
            )
            answers = []
            for _ in range(replies):
                parent = rng.choice(top)
                lang = text.pick_language(rng)
                answers.append(
                    Comment(
                        uid=self._uid(),
                        media_id=parent.media_id,
                        user_id=self.authors(rng),
                        parent_id=ids[parent.uid],
                        text=lang.sentence(rng, 3, 12),
                        add_date=self._date(after=parent.add_date),
                    )
                )
            Comment.objects.bulk_create(answers)
            self.rows += size
            progress.update(size)
        progress.close()

    def _playlists(self) -> None:
        rng = self.rng
        count = max(1, len(self.user_ids) // 20)
        listable = text.Zipf(self.media_ids, 0.7)
        lists, items = [], []
        for _ in range(count):
            lang = text.pick_language(rng)
            lists.append(
                Playlist(
                    uid=self._uid(),
                    friendly_token=self._token(),
                    user_id=self.authors(rng),
                    title=lang.title(rng),
                    description=lang.sentence(rng),
                    add_date=self._date(),
                )
            )
        Playlist.objects.bulk_create(lists)
        ids = dict(Playlist.objects.filter(uid__in=[p.uid for p in lists]).values_list("uid", "id"))
        for p in lists:
            for pos, mid in enumerate(listable.sample(rng, rng.randint(3, 15))):
                items.append(PlaylistMedia(playlist_id=ids[p.uid], media_id=mid, ordering=pos))
        PlaylistMedia.objects.bulk_create(items, batch_size=self.batch)
        self.rows += len(lists) + len(items)

    def _analyze(self) -> None:
        """Fresh planner statistics for what was just bulk-inserted (autovacuum would get there
        in time; the first queries would meanwhile plan with empty-table guesses)."""
        from django.db import connection

        if connection.vendor != "postgresql":
            return
        tables = [
            model._meta.db_table
            for model in (User, Media, Comment, MediaAction, Tag, Category, Playlist, PlaylistMedia)
        ]
        # the join tables of tags and categories and the search documents too: without their
        # statistics a page's tags were planned for 600 rows a media, and a search for a common
        # word read its documents by the wrong index (34 -> 67 ms at 100,000 media)
        tables += [Media.tags.through._meta.db_table, Media.categories.through._meta.db_table]
        tables.append(SearchDocument._meta.db_table)
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")

    def _search(self) -> None:
        """Bulk inserts bypass the signals that keep search documents: build them all here,
        then the word list of "did you mean" (media_app/services/search.py)."""
        from media_app.services import search

        if not search.fts_enabled():
            return
        total = Media.objects.count()
        bar = _Progress(self.stdout, "search documents", total)
        search.refresh_all(batch=self.batch, progress=lambda done: bar.update(done - bar.done))
        bar.close()
        self.stdout.write(f"search: {search.refresh_terms()} words for suggestions")

    def _recount(self) -> None:
        taxonomy_counts_set()


def taxonomy_counts_set() -> None:
    """Every tag's and category's ``media_count``: its listable media (the rule of
    ``services.media.taxonomy_recount``), from one GROUP BY per model and one bulk UPDATE.
    ``taxonomy_recount``'s correlated subquery per tag took minutes at 100k media."""
    from django.db.models import Count

    from media_app.selectors.media import media_listable_q

    listable = Media.objects.filter(media_listable_q()).values("pk")
    for model, through, key in (
        (Tag, Media.tags.through, "tag_id"),
        (Category, Media.categories.through, "category_id"),
    ):
        counts = dict(
            through.objects.filter(media_id__in=listable)
            .order_by()
            .values_list(key)
            .annotate(n=Count("id"))
        )
        changed = []
        for row in model.objects.only("pk", "media_count").iterator(chunk_size=2000):
            if row.media_count != counts.get(row.pk, 0):
                row.media_count = counts.get(row.pk, 0)
                changed.append(row)
        model.objects.bulk_update(changed, ["media_count"], batch_size=2000)


def _make_clip(path: str, *, seconds: int, hue: int) -> None:
    """A few seconds of testsrc2 (tinted per clip) with a voice-like tone, H.264/AAC."""
    video = f"testsrc2=s=640x360:r=25:d={seconds},hue=h={hue}"
    subprocess.run(  # noqa: S603 - fixed arguments
        [  # noqa: S607 - ffmpeg from PATH, as the encoder finds it
            "ffmpeg",
            "-hide_banner",
            "-nostdin",
            "-y",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            video,
            "-f",
            "lavfi",
            "-i",
            _VOICE.format(d=seconds),
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-pix_fmt",
            "yuv420p",
            "-g",
            "50",
            "-c:a",
            "aac",
            "-b:a",
            "96k",
            "-shortest",
            path,
        ],
        check=True,
        timeout=120,
    )


def _copy_files(pairs: list[tuple[str, str]]) -> None:
    """Each demo row's own names for the clip's original and stills: hard links on a
    filesystem (no bytes copied; deleting one name leaves the others), server-side copies in a
    bucket."""
    if not pairs:
        return
    if storage.local_storage():
        made = set()
        for src, dst in pairs:
            target = storage.storage_path(dst)
            folder = os.path.dirname(target)
            if folder not in made:
                os.makedirs(folder, exist_ok=True)
                made.add(folder)
            try:
                os.link(storage.storage_path(src), target)
            except FileExistsError:
                pass
            except OSError:
                shutil.copyfile(storage.storage_path(src), target)
        return
    client, bucket = storage.s3_client(), storage.bucket_name()
    for src, dst in pairs:
        client.copy_object(Bucket=bucket, Key=dst, CopySource={"Bucket": bucket, "Key": src})


def demo_reset(*, out=None, batch: int = 2000) -> int:
    """Delete the demo data: demo accounts and everything they own (media with their files,
    comments, likes, playlists, verification records, demo categories) and the demo tags no
    other media carries. Answers how many media were deleted."""
    from media_app.demo.text import tag_pool
    from media_app.services.media import media_files_names

    demo_users = User.objects.filter(username__startswith=PREFIX)
    deleted = 0
    while True:
        chunk = list(
            Media.objects.filter(user__in=demo_users)
            .order_by("pk")
            .only(
                "pk",
                "uid",
                "media_file",
                "poster",
                "thumbnail",
                "sprites",
                "sprites_vtt",
                "preview",
            )[:batch]
        )
        if not chunk:
            break
        names = [n for m in chunk for n in media_files_names(m)]
        prefixes = [storage.encoded_prefix(m.uid.hex) for m in chunk]
        with transaction.atomic():
            Media.objects.filter(pk__in=[m.pk for m in chunk]).delete()
        storage.delete_many(names)
        for prefix in prefixes:
            storage.delete_prefix(prefix)
        deleted += len(chunk)
        reset_queries()
        if out is not None:
            out.write(f"reset: {deleted} demo media deleted")
    with transaction.atomic():
        Category.objects.filter(user__in=demo_users).filter(media__isnull=True).delete()
        demo_users.delete()
        Tag.objects.filter(title__in=tag_pool(), media__isnull=True).delete()
        taxonomy_counts_set()
    return deleted
