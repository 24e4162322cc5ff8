"""Chapters over the API (issue 16, point 3): GET/PUT (and POST, as MediaCMS) in our shape and
MediaCMS 7's, bad lists refused naming the entry, the detail's ``chapter_data``, and a file's
own chapters (ffmpeg FFMETADATA [CHAPTER]s) filling ``Media.chapters`` at ingest."""

from __future__ import annotations

import pytest

from media_app.models import Media
from tests.conftest import client_for
from tests.encoding.clips import ffmpeg, make_clip
from tests.encoding.conftest import encode_inline, upload
from tests.factories import MediaFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(media: Media) -> str:
    return f"/api/v1/media/{media.friendly_token}/chapters"


@pytest.fixture
def owned(user):
    return MediaFactory(user=user, duration=120)


def test_put_then_get_and_the_detail_gives_them(user, owned):
    client = client_for(user)
    chapters = [{"start": 0, "title": "Intro"}, {"start": 42.5, "title": " Q&A "}]
    response = client.put(url(owned), chapters, format="json")
    assert response.status_code == 200, response.content
    expected = [{"start": 0.0, "title": "Intro"}, {"start": 42.5, "title": "Q&A"}]
    assert response.json() == {"chapters": expected}
    assert client_for(None).get(url(owned)).json() == {"chapters": expected}
    detail = client_for(None).get(f"/api/v1/media/{owned.friendly_token}").json()
    assert detail["chapter_data"] == expected
    owned.refresh_from_db()
    assert owned.chapters == expected


def test_the_object_shape_and_post_are_accepted(user, owned):
    client = client_for(user)
    body = {"chapters": [{"start": 5, "title": "One"}]}
    assert client.post(url(owned), body, format="json").json() == {
        "chapters": [{"start": 5.0, "title": "One"}]
    }


def test_mediacms_7_shape_is_read_and_answered_in_ours(user, owned):
    body = {
        "chapters": [
            {"startTime": "00:00:00", "endTime": "00:00:10", "chapterTitle": "Opening"},
            {"startTime": "00:01:05.250", "endTime": "00:01:30", "chapterTitle": "Vote"},
            {"startTime": 100, "endTime": 110, "text": "Close"},
        ]
    }
    response = client_for(user).put(url(owned), body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["chapters"] == [
        {"start": 0.0, "title": "Opening"},
        {"start": 65.25, "title": "Vote"},
        {"start": 100.0, "title": "Close"},
    ]


def test_an_empty_list_clears_them(user, owned):
    client = client_for(user)
    client.put(url(owned), [{"start": 1, "title": "A"}], format="json")
    assert client.put(url(owned), [], format="json").json() == {"chapters": []}
    owned.refresh_from_db()
    assert owned.chapters == []


@pytest.mark.parametrize(
    ("chapters", "entry", "words"),
    [
        ([{"start": 10, "title": "B"}, {"start": 5, "title": "A"}], 1, "in order"),
        ([{"start": 0, "title": "A"}, {"start": -3, "title": "B"}], 1, "negative"),
        ([{"start": 0, "title": "A"}, {"start": 0, "title": "B"}], 1, "as the chapter before"),
        ([{"start": 0, "title": "A"}, {"start": 300, "title": "B"}], 1, "past the end"),
        ([{"start": 0, "title": "A"}, {"start": 9, "title": "  "}], 1, "title is empty"),
        ([{"start": "soon", "title": "A"}], 0, "number of seconds"),
        ([{"start": 0, "title": "x" * 201}], 0, "at most 200"),
        (["Intro"], 0, "each entry"),
        ([{"start": n, "title": f"c{n}"} for n in range(201)], 200, "at most 200"),
    ],
    ids=[
        "order",
        "negative",
        "duplicate",
        "past-end",
        "empty-title",
        "bad-time",
        "long-title",
        "not-object",
        "too-many",
    ],
)
def test_a_bad_list_is_refused_naming_the_entry(user, owned, chapters, entry, words):
    owned.duration = 1000 if len(chapters) > 200 else 120
    owned.save(update_fields=["duration"])
    client = client_for(user)
    client.put(url(owned), [{"start": 3, "title": "Kept"}], format="json")
    response = client.put(url(owned), chapters, format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["entry"] == entry, body
    assert f"(entry {entry})" in body["detail"] and words in body["detail"], body
    owned.refresh_from_db()
    assert owned.chapters == [{"start": 3.0, "title": "Kept"}]  # nothing half-saved


def test_not_a_list_is_refused(user, owned):
    response = client_for(user).put(url(owned), {"start": 0}, format="json")
    assert response.status_code == 400
    assert "list" in response.json()["detail"]


def test_others_anonymous_and_hidden(user, owned):
    chapters = [{"start": 0, "title": "A"}]
    assert client_for(UserFactory()).put(url(owned), chapters, format="json").status_code == 404
    assert client_for(None).put(url(owned), chapters, format="json").status_code in (401, 403)
    hidden = MediaFactory(state=Media.State.PRIVATE, requested_state=Media.State.PRIVATE)
    assert client_for(user).get(url(hidden)).status_code == 404
    assert client_for(user).put(url(hidden), chapters, format="json").status_code == 404
    owned.refresh_from_db()
    assert owned.chapters == []


def test_an_editor_may_set_them(editor, owned):
    chapters = [{"start": 0, "title": "A"}]
    assert client_for(editor).put(url(owned), chapters, format="json").status_code == 200


FFMETADATA = """;FFMETADATA1
title=Council meeting

[CHAPTER]
TIMEBASE=1/1000
START=0
END=1500
title=Opening remarks

[CHAPTER]
TIMEBASE=1/1000
START=1500
END=3000
title=The vote
"""


@pytest.fixture(scope="module")
def chaptered_clip(tmp_path_factory):
    folder = tmp_path_factory.mktemp("chapters")
    plain = make_clip(folder / "plain.mp4", seconds=3)
    meta = folder / "chapters.txt"
    meta.write_text(FFMETADATA)
    out = folder / "chaptered.mp4"
    ffmpeg(
        "-i",
        str(plain),
        "-i",
        str(meta),
        "-map_metadata",
        "1",
        "-map_chapters",
        "1",
        "-codec",
        "copy",
        str(out),
    )
    return out


def test_a_files_own_chapters_fill_the_media_at_ingest(chaptered_clip, user):
    media = encode_inline(upload(chaptered_clip, user=user))
    assert media.encoding_status == Media.EncodingStatus.SUCCESS, media.encoding_fail_reason
    assert media.chapters == [
        {"start": 0.0, "title": "Opening remarks"},
        {"start": 1.5, "title": "The vote"},
    ]
    detail = client_for(user).get(f"/api/v1/media/{media.friendly_token}").json()
    assert [c["title"] for c in detail["chapter_data"]] == ["Opening remarks", "The vote"]


def test_the_owners_chapters_are_not_replaced_by_the_files(chaptered_clip, user):
    mine = [{"start": 0.0, "title": "Mine"}]
    media = upload(chaptered_clip, user=user, chapters=mine)
    media = encode_inline(media)
    assert media.chapters == mine


def test_a_file_without_chapters_leaves_them_empty(user, tmp_path):
    media = encode_inline(upload(make_clip(tmp_path / "bare.mp4", seconds=2), user=user))
    assert media.encoding_status == Media.EncodingStatus.SUCCESS
    assert media.chapters == []


def test_anonymous_caches_start_again_when_chapters_change(user, owned):
    anonymous = client_for(None)
    detail = f"/api/v1/media/{owned.friendly_token}"
    assert anonymous.get(detail).json()["chapter_data"] == []  # now cached
    client_for(user).put(url(owned), [{"start": 0, "title": "A"}], format="json")
    assert anonymous.get(detail).json()["chapter_data"] == [{"start": 0.0, "title": "A"}]


def test_an_audio_files_chapters_fill_the_media_too(user, tmp_path):
    meta = tmp_path / "chapters.txt"
    meta.write_text(FFMETADATA)
    episode = tmp_path / "episode.m4a"
    ffmpeg(
        "-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-i", str(meta),
        "-map", "0:a", "-map_chapters", "1", "-c:a", "aac", str(episode),
    )  # fmt: skip
    media = encode_inline(upload(episode, user=user))
    assert media.media_type == Media.MediaType.AUDIO, media.encoding_fail_reason
    assert [c["title"] for c in media.chapters] == ["Opening remarks", "The vote"]
