"""PUT /api/v1/media/<token> (issue 16, point 1): every field, each bad input with the field it
names, someone else's media (404), nothing half-saved, the thumbnail from a time or an image,
the file replaced (encoded again, same token), the history chain."""

import json
import subprocess

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from media_app import storage
from media_app.models import Category, HistoryEntry, Media, Tag
from tests.api._people import body
from tests.conftest import client_for
from tests.encoding.clips import make_clip
from tests.factories import MediaFactory


def url(media) -> str:
    return f"/api/v1/media/{media.friendly_token}"


def put(user, media, data, fmt="json"):
    client = client_for(user)
    if fmt == "multipart":
        return client.put(url(media), data, format="multipart")
    return client.put(url(media), data, format="json")


# --- the fields ------------------------------------------------------------------------------


def test_every_text_field_and_switch_by_json(journalist, settings):
    media = MediaFactory(user=journalist)
    climate = Category.objects.create(title="Climate")
    courts = Category.objects.create(title="Courts")
    response = put(
        journalist,
        media,
        {
            "title": "Floods reach the old town",
            "description": "See https://example.org/report for the data.",
            "tags": ["Floods", "rain, river"],
            "categories": ["Climate", str(courts.uid)],
            "state": "unlisted",
            "allow_download": False,
            "enable_comments": False,
            "embed_domains": ["news.example.org", "Blog.Example.com"],
        },
    )
    assert response.status_code == 201, body(response)
    data = response.json()
    assert data["title"] == "Floods reach the old town"
    assert data["state"] == "unlisted"
    assert data["allow_download"] is False and data["enable_comments"] is False
    media.refresh_from_db()
    assert media.description == "See https://example.org/report for the data."
    assert sorted(media.tags.values_list("title", flat=True)) == ["floods", "rain", "river"]
    assert set(media.categories.all()) == {climate, courts}
    assert media.embed_domains == ["news.example.org", "blog.example.com"]


def test_multipart_as_mediacms_clients_send_it(journalist):
    media = MediaFactory(user=journalist)
    Category.objects.create(title="Climate")
    response = put(
        journalist,
        media,
        {"title": "From a client", "description": "plain", "tags": ["a", "b"]}
        | {"category": "Climate"},
        fmt="multipart",
    )
    assert response.status_code == 201, body(response)
    media.refresh_from_db()
    assert media.title == "From a client"
    assert sorted(media.tags.values_list("title", flat=True)) == ["a", "b"]
    assert [c.title for c in media.categories.all()] == ["Climate"]
    # A field not sent stays as it was (a form's missing checkbox is not "false").
    assert media.allow_download is True and media.enable_comments is True


def test_tag_counts_follow_the_edits(journalist):
    media = MediaFactory(user=journalist)
    other = MediaFactory(user=journalist)
    assert put(journalist, media, {"tags": "floods, rain"}).status_code == 201
    assert put(journalist, other, {"tags": "floods"}).status_code == 201
    assert Tag.objects.get(title="floods").media_count == 2
    assert Tag.objects.get(title="rain").media_count == 1
    assert put(journalist, media, {"tags": "rain"}).status_code == 201
    assert Tag.objects.get(title="floods").media_count == 1
    # Private media is not counted (the count is of what anyone may find).
    assert put(journalist, other, {"state": "private"}).status_code == 201
    assert Tag.objects.get(title="floods").media_count == 0
    climate = Category.objects.create(title="Climate")
    assert put(journalist, media, {"categories": "Climate"}).status_code == 201
    climate.refresh_from_db()
    assert climate.media_count == 1


def test_a_user_who_may_not_publish_cannot_self_review(user):
    media = MediaFactory(user=user, state="private", is_reviewed=False, requested_state="private")
    response = put(user, media, {"state": "public"})
    assert response.status_code == 201, body(response)
    media.refresh_from_db()
    assert media.state == "private" and media.is_reviewed is False
    assert media.requested_state == "public"


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"title": "   "}, "title", "blank"),
        ({"state": "everywhere"}, "state", "valid choice"),
        ({"categories": "Nope"}, "categories", "Unknown categories: Nope"),
        ({"allow_download": "perhaps"}, "allow_download", "valid boolean"),
        ({"enable_comments": [1]}, "enable_comments", "valid boolean"),
        ({"tags": 5}, "tags", "list of strings"),
        ({"tags": [1, 2]}, "tags", "list of strings"),
        ({"thumbnail_time": -1}, "thumbnail_time", "greater than or equal to 0"),
        ({"thumbnail_time": "soon"}, "thumbnail_time", "valid number"),
        ({"thumbnail_time": 99}, "thumbnail_time", "between 0 and the duration"),
        ({"embed_domains": ["not a host!"]}, "embed_domains", ""),
        ({"embed_domains": 7}, "embed_domains", ""),
    ],
)
def test_bad_input_is_400_naming_the_field_and_changes_nothing(journalist, data, field, words):
    media = MediaFactory(user=journalist, title="Before")
    # With a good title beside the bad field: all or nothing.
    response = put(journalist, media, {"title": "After", **data})
    assert response.status_code == 400, body(response)
    answer = response.json()
    assert field in answer, answer
    assert words in json.dumps(answer), answer
    media.refresh_from_db()
    assert media.title == "Before"


def test_unknown_category_after_good_fields_saves_nothing(journalist):
    media = MediaFactory(user=journalist, title="Before", state="public")
    response = put(
        journalist, media, {"title": "After", "tags": "x", "state": "private", "categories": "No"}
    )
    assert response.status_code == 400
    media.refresh_from_db()
    assert (media.title, media.state) == ("Before", "public")
    assert not media.tags.exists() and not Tag.objects.filter(title="x").exists()


def test_someone_elses_media_is_404_and_editors_may_edit(journalist, user, editor):
    media = MediaFactory(user=journalist, title="Theirs")
    response = put(user, media, {"title": "Mine now"})
    assert response.status_code == 404
    hidden = MediaFactory(user=journalist, state="private")
    assert put(user, hidden, {"title": "x"}).status_code == 404
    assert put(editor, media, {"title": "Fixed by the desk"}).status_code == 201
    media.refresh_from_db()
    assert media.title == "Fixed by the desk"


# --- the thumbnail ---------------------------------------------------------------------------


@pytest.fixture
def video(journalist, tmp_path):
    clip = make_clip(tmp_path / "clip.mp4", size="320x240", seconds=4, audio=False)
    with open(clip, "rb") as fh:
        name = default_storage.save("original/te/clip.mp4", fh)
    return MediaFactory(user=journalist, media_file=name, duration=4.0)


def read(name: str) -> bytes:
    with storage.open_read(name) as fh:
        return fh.read()


@pytest.mark.slow
def test_thumbnail_time_draws_the_frame_again(journalist, video):
    first = put(journalist, video, {"thumbnail_time": 0.5})
    assert first.status_code == 201, body(first)
    video.refresh_from_db()
    assert video.thumbnail_time == 0.5
    poster_a, thumb_a = read(video.poster.name), read(video.thumbnail.name)
    assert poster_a[:2] == b"\xff\xd8" and thumb_a[:2] == b"\xff\xd8"
    second = put(journalist, video, {"thumbnail_time": 3.0})
    assert second.status_code == 201, body(second)
    video.refresh_from_db()
    assert read(video.poster.name) != poster_a
    assert read(video.thumbnail.name) != thumb_a


def _image(tmp_path, name="pic.jpg") -> bytes:
    path = tmp_path / name
    subprocess.run(
        [
            *("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=red:s=400x300"),
            *("-frames:v", "1", "-metadata", "comment=Camera SN73519246", str(path)),
        ],
        check=True,
    )
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", "-SerialNumber=SN73519246", str(path)],
        check=True,
    )
    return path.read_bytes()


@pytest.mark.slow
def test_an_uploaded_image_becomes_the_thumbnail_without_its_metadata(journalist, video, tmp_path):
    raw = _image(tmp_path)
    assert b"SN73519246" in raw
    response = put(
        journalist,
        video,
        {"thumbnail": SimpleUploadedFile("pic.jpg", raw, content_type="image/jpeg")},
        fmt="multipart",
    )
    assert response.status_code == 201, body(response)
    video.refresh_from_db()
    poster = read(video.poster.name)
    assert poster[:2] == b"\xff\xd8" and b"SN73519246" not in poster
    assert b"SN73519246" not in read(video.thumbnail.name)


@pytest.mark.slow
def test_an_uploaded_thumbnail_survives_encoding_again_until_a_time_is_chosen(
    journalist, video, tmp_path
):
    from media_app.services import encoding

    response = put(
        journalist,
        video,
        {"thumbnail": SimpleUploadedFile("pic.jpg", _image(tmp_path), content_type="image/jpeg")},
        fmt="multipart",
    )
    assert response.status_code == 201, body(response)
    video.refresh_from_db()
    assert video.thumbnail_uploaded
    uploaded = read(video.poster.name)
    encoding.encoding_prepare(media_id=video.pk)  # an editor's "encode again" starts here
    video.refresh_from_db()
    assert read(video.poster.name) == uploaded
    assert put(journalist, video, {"thumbnail_time": 1.0}).status_code == 201
    video.refresh_from_db()
    assert not video.thumbnail_uploaded and read(video.poster.name) != uploaded


def test_a_thumbnail_that_is_not_an_image_is_400(journalist, video):
    before = video.thumbnail.name
    response = put(
        journalist,
        video,
        {
            "title": "Changed",
            "thumbnail": SimpleUploadedFile("pic.jpg", b"meeting notes " * 50, "image/jpeg"),
        },
        fmt="multipart",
    )
    assert response.status_code == 400
    assert "thumbnail" in response.json() and "must be an image" in response.json()["detail"]
    video.refresh_from_db()
    assert video.title != "Changed" and video.thumbnail.name == before


# --- the file --------------------------------------------------------------------------------


@pytest.mark.slow
def test_replacing_the_file_encodes_again_and_keeps_the_token(
    journalist, tmp_path, django_capture_on_commit_callbacks
):
    from tests.encoding.conftest import encode_inline

    first = make_clip(tmp_path / "first.mp4", size="320x240", seconds=2, audio=False)
    with open(first, "rb") as fh:
        name = default_storage.save("original/te/first.mp4", fh)
    media = MediaFactory(user=journalist, media_file=name, duration=0, encoding_status="pending")
    media = encode_inline(media)
    assert media.encoding_status == "success" and media.duration == pytest.approx(2, abs=0.2)
    token = media.friendly_token
    assert put(journalist, media, {"title": "Now in the chain"}).status_code == 201
    second = make_clip(tmp_path / "second.mp4", size="320x240", seconds=4, audio=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = put(
            journalist,
            media,
            {"media_file": SimpleUploadedFile("second.mp4", second.read_bytes(), "video/mp4")},
            fmt="multipart",
        )
    assert response.status_code == 201, body(response)
    assert callbacks, "the new encode is enqueued once the edit commits"
    media.refresh_from_db()
    assert media.friendly_token == token and media.encoding_status == "pending"
    assert media.media_file.name != name and media.original_filename == "second.mp4"
    media = encode_inline(media)
    assert media.encoding_status == "success"
    assert media.duration == pytest.approx(4, abs=0.2)
    kinds = list(HistoryEntry.objects.filter(media=media).values_list("kind", flat=True))
    # published at the first encode, the title, the replacement, the new encode's files
    assert kinds == ["published", "edited", "files", "files"]
    replaced = json.loads(HistoryEntry.objects.get(media=media, seq=3).payload)
    assert replaced["change"]["replaced"] is True
    assert replaced["change"]["file"]["original"] == media.media_file.name
    from media_app.services.history import chain_break

    entries = HistoryEntry.objects.filter(media=media).order_by("seq")
    assert chain_break(uid=str(media.uid), entries=list(entries)) is None


def test_a_replacement_that_is_not_media_is_400_and_changes_nothing(journalist):
    media = MediaFactory(user=journalist, title="Before")
    before = media.media_file.name
    response = put(
        journalist,
        media,
        {"title": "After", "media_file": SimpleUploadedFile("x.mp4", b"notes " * 100)},
        fmt="multipart",
    )
    assert response.status_code == 400 and "media_file" in response.json()
    media.refresh_from_db()
    assert media.title == "Before" and media.media_file.name == before
    assert media.encoding_status == "success"


def test_a_replacement_over_the_quota_is_413(journalist, settings, tmp_path):
    settings.UPLOAD_QUOTA_BYTES_VERIFIED = 1000
    media = MediaFactory(user=journalist, size=500)
    clip = make_clip(tmp_path / "big.mp4", size="320x240", seconds=1, audio=False)
    response = put(
        journalist,
        media,
        {"media_file": SimpleUploadedFile("big.mp4", clip.read_bytes(), "video/mp4")},
        fmt="multipart",
    )
    assert response.status_code == 413, body(response)
    assert "quota" in response.json()["detail"]
    assert Media.objects.get(pk=media.pk).media_file.name == media.media_file.name


def test_history_records_the_edited_public_facts(journalist):
    media = MediaFactory(user=journalist, title="First")
    assert put(journalist, media, {"description": "one"}).status_code == 201
    assert put(journalist, media, {"title": "Second", "state": "unlisted"}).status_code == 201
    entries = list(HistoryEntry.objects.filter(media=media).order_by("seq"))
    assert [e.kind for e in entries] == ["published", "edited"]
    change = json.loads(entries[1].payload)["change"]
    assert change["title"] == {"from": "First", "to": "Second"}
    assert change["state"] == {"from": "public", "to": "unlisted"}


def test_anonymous_is_refused(public_media):
    from rest_framework.test import APIClient

    assert APIClient().put(url(public_media), {"title": "x"}, format="json").status_code == 403


def test_deleting_media_recounts_its_tags(journalist):
    media = MediaFactory(user=journalist)
    other = MediaFactory(user=journalist)
    assert put(journalist, media, {"tags": "floods"}).status_code == 201
    assert put(journalist, other, {"tags": "floods"}).status_code == 201
    assert Tag.objects.get(title="floods").media_count == 2
    assert client_for(journalist).delete(url(media)).status_code == 204
    assert Tag.objects.get(title="floods").media_count == 1


def test_an_editors_approval_recounts_the_tags(user, editor):
    media = MediaFactory(user=user, state="private", is_reviewed=False, requested_state="public")
    assert put(user, media, {"tags": "floods"}).status_code == 201
    assert Tag.objects.get(title="floods").media_count == 0
    approve = client_for(editor).post(url(media), {"type": "review", "result": True}, format="json")
    assert approve.status_code == 201, body(approve)
    assert Tag.objects.get(title="floods").media_count == 1
