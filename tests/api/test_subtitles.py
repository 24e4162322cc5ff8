"""Subtitle tracks over the API (issue 16, point 2): upload WebVTT or SRT, bad files refused
naming the line, the detail's ``subtitles_info``, the file served as text/vtt to whoever may
see the media (signed for private media), replace, delete, and search by a subtitle's words.
Runs in either storage mode (``OPENPRESS_TEST_STORAGE=s3``)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from media_app import storage
from media_app.models import Media, Subtitle
from tests.conftest import client_for
from tests.factories import MediaFactory, UserFactory
from tests.served import django_get

pytestmark = pytest.mark.django_db

SRT = b"""1
00:00:01,000 --> 00:00:02,500
The <i>harbour</i> at dawn & the fleet

2
00:00:03,000 --> 00:00:04,000
<font color="#ffff00">Fishermen</font> return
"""

VTT = b"""WEBVTT Kind: captions

NOTE made by hand

intro
00:00:00.500 --> 00:00:02.000 line:0
Council meets <b>tonight</b>

00:02.000 --> 00:03.000
Second cue
"""


def url(media: Media, rest: str = "") -> str:
    return f"/api/v1/media/{media.friendly_token}/subtitles{rest}"


def send(client, media: Media, data: bytes, *, name="track.srt", language="en", **fields):
    body = {"file": SimpleUploadedFile(name, data), "language": language, **fields}
    return client.post(url(media), body, format="multipart")


def served_text(src: str, client=None) -> tuple[int, str, str]:
    """What a browser gets for a track's ``src``: status, content type, text."""
    got = django_get(client or Client(), src)
    return got.status, got.headers.get("Content-Type", ""), got.body.decode("utf-8", "replace")


@pytest.fixture
def owned(user):
    return MediaFactory(user=user, duration=10)


def test_srt_is_converted_to_webvtt_and_listed_in_the_detail(user, owned):
    client = client_for(user)
    response = send(client, owned, SRT)
    assert response.status_code == 201, response.content
    track = response.json()
    assert track["srclang"] == "en" and track["language"] == "en"
    assert track["label"] == "English"  # the language's name by default
    stored = Subtitle.objects.get(media=owned)
    assert stored.file.name == storage.subtitle_name(owned.uid.hex, "en")
    assert stored.text.splitlines() == ["The harbour at dawn & the fleet", "Fishermen return"]

    detail = client.get(f"/api/v1/media/{owned.friendly_token}").json()
    assert detail["subtitles_info"] == [{"src": track["src"], "srclang": "en", "label": "English"}]
    status, kind, text = served_text(track["src"])
    assert status == 200 and kind.startswith("text/vtt")
    assert text.startswith("WEBVTT\n")
    assert "00:00:01.000 --> 00:00:02.500\nThe <i>harbour</i> at dawn &amp; the fleet\n" in text
    assert "00:00:03.000 --> 00:00:04.000\nFishermen return\n" in text
    assert "font" not in text


def test_webvtt_is_kept_as_sent(user, owned):
    response = send(client_for(user), owned, VTT, name="track.vtt", language="fr", label="VF")
    assert response.status_code == 201, response.content
    assert response.json()["label"] == "VF"
    status, kind, text = served_text(response.json()["src"])
    assert status == 200 and kind.startswith("text/vtt")
    assert text == VTT.decode()
    assert Subtitle.objects.get(media=owned).text == "Council meets tonight\nSecond cue"


@pytest.mark.parametrize(
    ("data", "line", "words"),
    [
        (b"Hello there\nthis is prose\n", 1, "not a WebVTT or SRT file"),
        (b"WEBVTT\n\n00:00:01.000 --> 00:00:0x.000\nhi\n", 3, "bad timestamp"),
        (
            b"1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:3,0000 --> 00:00:04,000\nx\n",
            6,
            "bad",
        ),
        (b"1\n-00:00:01,000 --> 00:00:02,000\nearly\n", 2, "negative time"),
        (b"WEBVTT\n\n00:00:05.000 --> 00:00:04.000\nbackwards\n", 3, "before it starts"),
        (
            b"1\n00:00:01,000 --> 00:00:03,000\none\n\n2\n00:00:02,000 --> 00:00:04,000\ntwo\n",
            6,
            "overlap",
        ),
        (b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\na\n00:00:02.000 --> 00:00:03.000\n", 5, "-->"),
        (b"WEBVTT\n\nan id\nno timing here\n", 4, "timing line"),
        (b"WEBVTT\n\n\xff\xfe bad bytes\n", 3, "UTF-8"),
    ],
    ids=[
        "prose",
        "vtt-time",
        "srt-time",
        "negative",
        "end-first",
        "overlap",
        "no-blank",
        "id",
        "encoding",
    ],
)
def test_a_bad_file_is_refused_naming_its_line(user, owned, data, line, words):
    name = "track.vtt" if data.startswith(b"WEBVTT") else "track.srt"
    response = send(client_for(user), owned, data, name=name)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["line"] == line, body
    assert body["detail"].startswith(f"Line {line}:"), body
    assert words in body["detail"], body
    assert not Subtitle.objects.filter(media=owned).exists()


def test_a_file_over_the_limit_is_refused(user, owned, settings):
    settings.SUBTITLE_MAX_BYTES = 200
    big = (
        SRT
        + b"\n"
        + b"".join(
            f"{n}\n00:00:{n:02d},000 --> 00:00:{n:02d},500\nwords\n\n".encode()
            for n in range(5, 30)
        )
    )
    response = send(client_for(user), owned, big)
    assert response.status_code == 400
    assert "at most 200" in response.json()["detail"]
    assert not Subtitle.objects.filter(media=owned).exists()


def test_the_same_language_replaces_and_a_failed_upload_keeps_the_old_track(user, owned):
    client = client_for(user)
    first = send(client, owned, SRT, language="pt-br")
    assert first.status_code == 201 and first.json()["srclang"] == "pt-BR"
    assert first.json()["label"] == "Brazilian Portuguese"
    bad = send(client, owned, b"1\n00:00:09,000 --> 00:00:01,000\nno\n", language="pt-BR")
    assert bad.status_code == 400
    assert "harbour" in served_text(first.json()["src"])[2]

    second = send(client, owned, VTT, name="v.vtt", language="pt-BR", label="Legendas")
    assert second.status_code == 201
    rows = list(Subtitle.objects.filter(media=owned))
    assert [(r.language, r.label) for r in rows] == [("pt-BR", "Legendas")]
    assert "Council meets" in served_text(second.json()["src"])[2]
    listed = client.get(url(owned)).json()
    assert [t["srclang"] for t in listed] == ["pt-BR"]


def test_language_must_be_a_bcp47_tag(user, owned):
    for bad in ("english", "e", "en-", "en US", "12"):
        response = send(client_for(user), owned, SRT, language=bad)
        assert response.status_code == 400, bad
        assert "language" in response.json(), response.json()
    assert send(client_for(user), owned, SRT, language="zh-hant").json()["srclang"] == "zh-Hant"


def test_delete_removes_the_track_and_its_file(user, owned, django_capture_on_commit_callbacks):
    client = client_for(user)
    src = send(client, owned, SRT).json()["src"]
    name = storage.subtitle_name(owned.uid.hex, "en")
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(url(owned, "/en")).status_code == 204
    assert not Subtitle.objects.filter(media=owned).exists()
    assert not storage.exists(name)
    assert served_text(src)[0] == 404
    assert client.delete(url(owned, "/en")).status_code == 404
    detail = client.get(f"/api/v1/media/{owned.friendly_token}").json()
    assert detail["subtitles_info"] == []


def test_others_and_anonymous_may_not_write(user, owned):
    stranger = client_for(UserFactory())
    assert send(stranger, owned, SRT).status_code == 404
    anonymous = send(client_for(None), owned, SRT)
    assert anonymous.status_code in (401, 403)
    send(client_for(user), owned, SRT)
    assert stranger.delete(url(owned, "/en")).status_code == 404
    assert client_for(None).delete(url(owned, "/en")).status_code in (401, 403)
    assert Subtitle.objects.filter(media=owned).count() == 1
    # Anyone who may see the media lists its tracks.
    assert [t["srclang"] for t in client_for(None).get(url(owned)).json()] == ["en"]


def test_an_editor_may_add_tracks(editor, owned):
    assert send(client_for(editor), owned, SRT).status_code == 201


def test_hidden_media_is_404(user):
    hidden = MediaFactory(state=Media.State.PRIVATE, requested_state=Media.State.PRIVATE)
    assert send(client_for(user), hidden, SRT).status_code == 404
    assert client_for(user).get(url(hidden)).status_code == 404
    assert client_for(None).get(url(hidden)).status_code == 404


def test_a_private_media_track_is_signed_and_withheld_from_others(user):
    media = MediaFactory(user=user, state=Media.State.PRIVATE, requested_state=Media.State.PRIVATE)
    src = send(client_for(user), media, SRT).json()["src"]
    detail = client_for(user).get(f"/api/v1/media/{media.friendly_token}").json()
    assert detail["subtitles_info"][0]["src"] == src
    if storage.s3_mode():
        assert src.startswith("/stream/s/"), src
    else:
        assert src.startswith("/media/s/"), src
    # The signed link serves it to whoever holds it (the player), as the other files.
    status, kind, text = served_text(src)
    assert status == 200 and kind.startswith("text/vtt") and "harbour" in text
    # The unsigned address is not served to anyone else.
    unsigned = "/media/" + storage.subtitle_name(media.uid.hex, "en")
    if storage.s3_mode():
        unsigned = "/stream/" + storage.subtitle_name(media.uid.hex, "en")
    assert served_text(unsigned)[0] in (403, 404)


def test_public_media_track_is_plain(user, owned):
    src = send(client_for(user), owned, SRT).json()["src"]
    name = storage.subtitle_name(owned.uid.hex, "en")
    assert src in (f"/media/{name}", f"/stream/{name}"), src


def test_search_finds_a_word_said_only_in_a_subtitle(user, owned):
    other = MediaFactory(user=user, title="Budget", description="numbers")
    hidden = MediaFactory(user=user, state=Media.State.PRIVATE, requested_state="private")
    client = client_for(user)
    send(client, owned, SRT)
    send(client, hidden, SRT)
    found = client_for(None).get("/api/v1/search", {"q": "fishermen"}).json()
    assert [m["friendly_token"] for m in found["results"]] == [owned.friendly_token]
    # Two words, one in the title of another media only: both must match the same media.
    assert client_for(None).get("/api/v1/search", {"q": "fishermen budget"}).json()["results"] == []
    assert other.friendly_token  # listable, but has no subtitle: not found by "fishermen"
    # The listing's q too (one query, visibility unchanged).
    listed = client_for(None).get("/api/v1/media", {"q": "harbour"}).json()
    assert [m["friendly_token"] for m in listed["results"]] == [owned.friendly_token]


def test_search_of_a_subtitle_word_lists_each_media_once(user, owned):
    client = client_for(user)
    send(client, owned, SRT, language="en")
    send(client, owned, SRT, language="fr")
    found = client_for(None).get("/api/v1/search", {"q": "harbour"}).json()
    assert [m["friendly_token"] for m in found["results"]] == [owned.friendly_token]


def test_anonymous_caches_start_again_when_tracks_change(user, owned):
    anonymous = client_for(None)
    detail = f"/api/v1/media/{owned.friendly_token}"
    assert anonymous.get(detail).json()["subtitles_info"] == []  # now cached
    send(client_for(user), owned, SRT)
    assert [t["srclang"] for t in anonymous.get(detail).json()["subtitles_info"]] == ["en"]
    assert anonymous.get("/api/v1/search", {"q": "fishermen"}).json()["count"] == 1
    client_for(user).delete(url(owned, "/en"))
    assert anonymous.get(detail).json()["subtitles_info"] == []
    assert anonymous.get("/api/v1/search", {"q": "fishermen"}).json()["count"] == 0


def test_a_retraction_that_withholds_the_media_withholds_its_tracks(user, owned):
    send(client_for(user), owned, SRT)
    Media.objects.filter(pk=owned.pk).update(retracted=True, media_withheld=True)
    detail = f"/api/v1/media/{owned.friendly_token}"
    assert client_for(None).get(detail).json()["subtitles_info"] == []
    assert client_for(None).get(url(owned)).json() == []
    assert len(client_for(user).get(detail).json()["subtitles_info"]) == 1
    assert len(client_for(user).get(url(owned)).json()) == 1
    name = storage.subtitle_name(owned.uid.hex, "en")
    unsigned = f"/stream/{name}" if storage.s3_mode() else f"/media/{name}"
    assert served_text(unsigned)[0] in (403, 404)
