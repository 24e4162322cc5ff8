"""``manage.py demo_data`` (issue 17, point 1): a made-up archive on the real PostgreSQL, its real
clip encoded by the real pipeline (ffmpeg), counters that match the rows, reproducible by seed,
refused twice, reset that deletes demo rows only, and demo pages that play."""

import io
import os

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db.models import Count, Q

from media_app.models import (
    Category,
    Comment,
    Encoding,
    JournalistVerification,
    Media,
    MediaAction,
    Playlist,
    SearchTerm,
    Tag,
    User,
)
from media_app.selectors.media import media_listable_q
from media_app.services.media import media_delete
from tests.conftest import client_for
from tests.factories import MediaFactory, UserFactory

# Every run encodes a real clip (a few seconds of ffmpeg): those tests are marked slow.
pytestmark = pytest.mark.django_db

SMALL = ("--media", "300", "--users", "40", "--comments", "2000", "--with-clips", "1")


def _run(*args) -> str:
    out = io.StringIO()
    call_command("demo_data", *args, stdout=out)
    return out.getvalue()


def _path(name: str) -> str:
    return os.path.join(settings.MEDIA_ROOT, name)


def _demo_media():
    return Media.objects.filter(user__username__startswith="demo_")


@pytest.mark.slow
def test_small_archive_counts_mix_counters_and_a_second_run_refused():
    out = _run(*SMALL, "--batch", "128")
    assert "300 media" in out and "peak RSS" in out and "rows/s" in out

    assert _demo_media().count() == 300
    assert User.objects.filter(username__startswith="demo_").count() == 40
    assert Comment.objects.filter(user__username__startswith="demo_").count() == 2000
    assert Comment.objects.filter(parent__isnull=False).count() > 100  # threaded a little
    assert Playlist.objects.filter(user__username__startswith="demo_").exists()

    # Visibility mix: public, unlisted, private, awaiting review, and a few failed encodes.
    states = set(_demo_media().values_list("state", flat=True))
    assert states == {"public", "unlisted", "private"}
    assert _demo_media().filter(is_reviewed=False).exists()
    assert _demo_media().filter(encoding_status=Media.EncodingStatus.FAIL).exists()
    assert _demo_media().filter(media_listable_q()).count() > 200
    # Verified journalists with their approved verification record.
    verified = User.objects.filter(username__startswith="demo_", is_verified_journalist=True)
    assert verified.count() >= 2
    assert (
        JournalistVerification.objects.filter(
            user__in=verified, status=JournalistVerification.Status.APPROVED
        ).count()
        == verified.count()
    )
    # Several languages and scripts in the titles, dates over years.
    titles = " ".join(_demo_media().values_list("title", flat=True))
    assert any(c in titles for c in "éèàçñó")
    assert any("\u0600" <= c <= "\u06ff" or "\u0400" <= c <= "\u04ff" for c in titles)
    years = {d.year for d in _demo_media().values_list("add_date", flat=True)}
    assert len(years) >= 5

    # Counters match the rows, recounted by queries.
    for tag in Tag.objects.filter(media__isnull=False).distinct():
        assert tag.media_count == tag.media.filter(media_listable_q()).count(), tag.title
    for cat in Category.objects.all():
        assert cat.media_count == cat.media.filter(media_listable_q()).count(), cat.title
    assert Tag.objects.filter(media_count__gt=0).count() > 20  # a long tail, not three tags
    counted = _demo_media().annotate(
        n_likes=Count("actions", filter=Q(actions__action="like")),
        n_dislikes=Count("actions", filter=Q(actions__action="dislike")),
    )
    for m in counted:
        assert (m.likes, m.dislikes) == (m.n_likes, m.n_dislikes), m.friendly_token
        assert m.views >= m.likes
    assert MediaAction.objects.filter(action="like").count() > 0

    # Search works on what bulk inserts made: every row has its document and language, a
    # listable media is found by its own title, and the suggestions' word list is filled.
    assert not _demo_media().filter(search_document__isnull=True).exists()
    assert _demo_media().exclude(language="").values("language").distinct().count() >= 3
    sample = _demo_media().filter(media_listable_q()).order_by("id").first()
    found = client_for(None).get("/api/v1/search", {"q": f'"{sample.title}"'}).json()
    assert sample.friendly_token in [r["friendly_token"] for r in found["results"]]
    assert SearchTerm.objects.count() > 100

    # A second run without --reset refuses, naming the way out; nothing was added.
    with pytest.raises(CommandError, match=r"already has demo data.*--reset"):
        _run(*SMALL)
    assert _demo_media().count() == 300


@pytest.mark.slow
def test_demo_media_play_and_deleting_one_keeps_the_files_of_the_others(
    api, django_capture_on_commit_callbacks
):
    _run("--media", "20", "--users", "5", "--comments", "50", "--with-clips", "1")
    clip = Media.objects.get(original_filename="demo-clip-1.mp4")  # the real upload
    assert clip.media_file.name and Encoding.objects.filter(media=clip).exists()
    borrowed = list(_demo_media().filter(media_listable_q()).exclude(pk=clip.pk).order_by("pk")[:2])
    assert len(borrowed) == 2
    for media in (clip, *borrowed):
        answer = api.get(f"/api/v1/media/{media.friendly_token}")
        assert answer.status_code == 200
        hls = answer.json()["hls_info"]
        assert hls["master_file"].endswith("master.m3u8")
        for url in hls.values():  # every playlist answers (the file view or /stream/ in S3)
            assert api.get(url).status_code == 200, url
        assert answer.json()["thumbnail_url"]
        assert default_storage.exists(media.thumbnail.name), media.thumbnail.name
        # The page itself plays the master through the file view.
        master = api.get(hls["master_file"])
        assert master.status_code == 200

    # Deleting a demo row (the real delete path) leaves the clip's and the other row's files.
    gone, kept = borrowed
    editor = UserFactory(is_editor=True)
    with django_capture_on_commit_callbacks(execute=True):
        media_delete(media=gone, by=editor)
    assert not default_storage.exists(gone.thumbnail.name)  # its own names went
    for name in (
        clip.hls_file,
        clip.thumbnail.name,
        clip.poster.name,
        clip.media_file.name,
        kept.thumbnail.name,
        kept.media_file.name,
    ):
        assert default_storage.exists(name), name
    answer = client_for(None).get(f"/api/v1/media/{kept.friendly_token}")
    assert answer.status_code == 200 and answer.json()["hls_info"]


@pytest.mark.slow
def test_same_seed_same_archive_and_reset_deletes_demo_rows_only():
    someone = UserFactory(username="reporter_kim")
    theirs = MediaFactory(user=someone, title="Not a demo")
    _run(*SMALL)
    first = list(_demo_media().order_by("title").values_list("title", flat=True))
    comments = sorted(Comment.objects.values_list("text", flat=True))[:50]

    out = _run(*SMALL, "--reset")
    assert "reset: 300 demo media deleted" in out
    assert list(_demo_media().order_by("title").values_list("title", flat=True)) == first
    assert sorted(Comment.objects.values_list("text", flat=True))[:50] == comments

    call_command("demo_data", "--reset", *SMALL, "--seed", "18", stdout=io.StringIO())
    assert list(_demo_media().order_by("title").values_list("title", flat=True)) != first

    from media_app.management.commands.demo_data import demo_reset

    assert demo_reset() == 300
    assert not User.objects.filter(username__startswith="demo_").exists()
    assert not Comment.objects.exists() and not MediaAction.objects.exists()
    assert User.objects.filter(pk=someone.pk).exists()
    assert list(Media.objects.values_list("pk", flat=True)) == [theirs.pk]
    encoded = _path("encoded")
    assert not os.path.isdir(encoded) or not os.listdir(encoded)  # no demo file left


@pytest.mark.parametrize(
    "args, message",
    [
        (("--with-clips", "0"), "--with-clips must be at least 1"),
        (("--users", "1"), "--users must be at least 2"),
        (("--media", "-3"), "must not be negative"),
    ],
)
def test_bad_arguments_are_named(args, message):
    with pytest.raises(CommandError, match=message):
        _run(*args)
    assert not User.objects.filter(username__startswith="demo_").exists()
