"""/api/v1/media and /api/v1/media/<token>: shapes, filters, edits, editor actions, query counts."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from rest_framework import serializers
from rest_framework.test import APIClient, APIRequestFactory

from media_app.api.serializers import media as s
from media_app.models import Category, Correction, EncodeProfile, Encoding, Media, Tag
from media_app.selectors.media import media_detail
from tests.api._people import body
from tests.conftest import client_for
from tests.factories import MediaFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST_FIELDS = {
    "friendly_token",
    "url",
    "api_url",
    "user",
    "title",
    "description",
    "add_date",
    "views",
    "media_type",
    "state",
    "duration",
    "thumbnail_url",
    "is_reviewed",
    "preview_url",
    "author_name",
    "author_profile",
    "author_thumbnail",
    "encoding_status",
    "likes",
    "dislikes",
    "reported_times",
    "featured",
    "user_featured",
    "size",
    "author_verified",
}
DETAIL_FIELDS = {
    # Source protection (issue 15): the clean copy; what the original revealed (owner/editors).
    "public_file_url",
    "metadata_found",
    "original_unchanged",
    "language",  # issue 17: BCP 47, chooses search stemming
    "friendly_token",
    "url",
    "api_url",
    "user",
    "title",
    "description",
    "add_date",
    "edit_date",
    "media_type",
    "state",
    "is_shared",
    "duration",
    "thumbnail_url",
    "poster_url",
    "thumbnail_time",
    "sprites_url",
    "sprites_vtt_url",
    "preview_url",
    "author_name",
    "author_profile",
    "author_thumbnail",
    "author_verified",
    "encodings_info",
    "encoding_status",
    "encoding_fail_reason",
    "views",
    "likes",
    "dislikes",
    "reported_times",
    "featured",
    "user_featured",
    "original_media_url",
    "size",
    "video_height",
    "enable_comments",
    "categories_info",
    "is_reviewed",
    "edit_url",
    "tags_info",
    "hls_info",
    "license",
    "subtitles_info",
    "chapter_data",
    "ratings_info",
    "add_subtitle_url",
    "allow_download",
    "slideshow_items",
    "provenance",  # issue 15, section 2 (docs/provenance.md)
    "related_media",
    # issue 15, section 3 (docs/provenance.md)
    "corrections",
    "retracted",
}


def _tokens(response) -> list[str]:
    return [m["friendly_token"] for m in response.json()["results"]]


@pytest.mark.filesystem  # /media/ URL forms; S3: tests/security/test_delivery_s3.py
def test_list_shape_and_absolute_links(journalist):
    media = MediaFactory(user=journalist, size=12_345_678, thumbnail="thumbs/a.jpg")
    media.tags.add(Tag.objects.create(title="floods"), Tag.objects.create(title="rain"))
    for path in ("/api/v1/media", "/api/v1/media/"):
        response = APIClient().get(path)
        assert response.status_code == 200
        page = response.json()
        assert set(page) == {"count", "next", "previous", "results", "tags"}
        assert page["count"] == 1 and page["tags"] == "floods, rain"
    item = page["results"][0]
    assert set(item) == LIST_FIELDS
    assert item["url"] == f"http://testserver/view?m={media.friendly_token}"
    assert item["api_url"] == f"http://testserver/api/v1/media/{media.friendly_token}"
    assert item["thumbnail_url"] == "http://testserver/media/thumbs/a.jpg"
    assert item["author_profile"] == f"http://testserver/user/{journalist.username}"
    assert item["author_thumbnail"].startswith("http://testserver/")
    assert item["size"] == "12.3MB" and item["duration"] == 12
    assert item["author_verified"] is True and item["user"] == journalist.username


MEDIA_KINDS = [
    {"thumbnail": "thumbs/a b.jpg", "preview": "previews/p.webp", "duration": 12.5},
    {"poster": "posters/only.jpg", "duration": 0, "size": 0, "media_type": "audio"},
    {"duration": 3599.7, "size": 5_000_000, "featured": True, "description": "é ✓ <b>"},
    {"thumbnail_time": 3.25, "video_height": 720, "enable_comments": False, "state": "private"},
    {"encoding_status": "fail", "encoding_fail_reason": "broken", "is_reviewed": False},
]


def _drf_writes(serializer, obj) -> dict:
    """What DRF's own field machinery writes for ``obj`` with ``serializer``'s fields."""
    return serializers.ModelSerializer.to_representation(serializer, obj)


@pytest.mark.parametrize("kind", MEDIA_KINDS)
@pytest.mark.parametrize("viewer", ["anonymous", "owner"])
def test_hand_written_media_shapes_are_what_drf_would_write(kind, viewer):
    """The list and the detail are written by hand (docs/performance.md): same keys in the same
    order, same values as their declared fields give."""
    author = UserFactory(name="", logo="userlogos/a b.png", is_verified_journalist=True)
    media = MediaFactory(user=author, views=7, likes=2, dislikes=1, **kind)
    media.tags.add(Tag.objects.create(title="floods"))
    media.categories.add(Category.objects.create(title="Climate"))
    MediaFactory(user=author).tags.add(Tag.objects.get(title="floods"))  # a related media
    request = APIRequestFactory().get("/")
    request.user = author if viewer == "owner" else AnonymousUser()
    context = {"request": request}

    row = s.MediaSerializer.rows(Media.objects.filter(pk=media.pk)).get()
    item = s.MediaSerializer(context=context)
    expected = _drf_writes(item, Media.objects.select_related("user").get(pk=media.pk))
    written = item.to_representation(row)
    assert list(written) == list(s.MediaSerializer.Meta.fields) == list(expected)
    assert written == expected

    shown = media_detail(user=request.user, friendly_token=media.friendly_token)
    if shown is None:  # hidden from anonymous visitors
        return
    detail = s.MediaDetailSerializer(context=context)
    expected = _drf_writes(detail, shown)
    written = detail.to_representation(shown)
    assert list(written) == list(s.MediaDetailSerializer.Meta.fields) == list(expected)
    assert written == expected


def test_list_paginates_by_50():
    MediaFactory.create_batch(51)
    first = APIClient().get("/api/v1/media").json()
    assert first["count"] == 51 and len(first["results"]) == 50
    assert first["next"].endswith("page=2") and first["previous"] is None
    second = APIClient().get(first["next"]).json()
    assert len(second["results"]) == 1


def test_list_filters(journalist):
    other = UserFactory(is_verified_journalist=True)
    video = MediaFactory(user=journalist, title="Flood in the valley", views=5)
    audio = MediaFactory(user=other, title="Interview", media_type="audio", views=50)
    featured = MediaFactory(user=other, title="Budget night", featured=True, views=1)
    video.tags.add(Tag.objects.create(title="floods"))
    client = APIClient()

    def tokens(query):
        response = client.get(f"/api/v1/media?{query}")
        assert response.status_code == 200, body(response)
        return _tokens(response)

    assert tokens(f"author={journalist.username}") == [video.friendly_token]
    assert tokens("media_type=audio") == [audio.friendly_token]
    assert tokens("show=featured") == [featured.friendly_token]
    assert tokens("t=floods") == [video.friendly_token]
    assert tokens("q=valley") == [video.friendly_token]
    assert tokens("show=recommended")[0] == audio.friendly_token
    assert tokens("sort_by=views&ordering=asc") == [
        featured.friendly_token,
        video.friendly_token,
        audio.friendly_token,
    ]
    assert tokens("sort_by=title_asc")[0] == featured.friendly_token
    assert tokens("upload_date=today") and tokens("show=latest")
    assert tokens("show=shared_with_me") == []
    bad = client.get("/api/v1/media?media_type=hologram")
    assert bad.status_code == 400 and "media_type" in bad.json()


def test_owner_sees_all_of_own_media_by_author(user):
    private = MediaFactory(user=user, state="private", is_reviewed=False)
    public = MediaFactory(user=user)
    mine = client_for(user).get(f"/api/v1/media?author={user.username}")
    assert set(_tokens(mine)) == {private.friendly_token, public.friendly_token}
    just_private = client_for(user).get(
        f"/api/v1/media?author={user.username}&publish_state=private"
    )
    assert _tokens(just_private) == [private.friendly_token]
    theirs = APIClient().get(f"/api/v1/media?author={user.username}")
    assert _tokens(theirs) == [public.friendly_token]


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize("signed_in", [False, True])
def test_list_query_count_is_constant(rows, signed_in, user, django_assert_num_queries):
    for i in range(rows):
        author = UserFactory(is_verified_journalist=True)
        media = MediaFactory(user=author)
        media.tags.add(Tag.objects.get_or_create(title=f"tag{i % 7}")[0])
    client = client_for(user if signed_in else None)
    # The page (with users joined) and the tags of the page, whatever the page's length; a
    # first page that holds every row needs no count (api/pagination.py).
    with django_assert_num_queries(2):
        response = client.get("/api/v1/media")
    assert len(response.json()["results"]) == rows
    # A page with more after it: the (bounded) count too.
    with django_assert_num_queries(3):
        response = client.get("/api/v1/media?page_size=2")
    assert response.json()["count"] == rows


@pytest.mark.filesystem  # /media/ URL forms; S3: tests/security/test_delivery_s3.py
def test_detail_shape(journalist):
    media = MediaFactory(
        user=journalist,
        poster="posters/p.jpg",
        sprites="sprites/s.jpg",
        sprites_vtt="sprites/s.vtt",
        media_file="original/ab/abc.mp4",
        video_height=720,
    )
    media.tags.add(Tag.objects.create(title="floods"))
    media.categories.add(Category.objects.create(title="Climate"))
    related = MediaFactory(user=journalist)
    related.tags.add(Tag.objects.get(title="floods"))
    response = APIClient().get(f"/api/v1/media/{media.friendly_token}")
    assert response.status_code == 200, body(response)
    data = response.json()
    assert set(data) == DETAIL_FIELDS
    assert data["poster_url"] == "/media/posters/p.jpg"
    assert data["sprites_url"] == "/media/sprites/s.jpg"
    assert data["sprites_vtt_url"] == "/media/sprites/s.vtt"
    # The original is sealed (issue 15) and no clean copy was made: nothing to download.
    assert data["original_media_url"] is None and data["public_file_url"] is None
    assert data["metadata_found"] is None and data["original_unchanged"] is None
    assert data["tags_info"] == [{"title": "floods", "url": "/search?t=floods"}]
    assert data["categories_info"][0]["title"] == "Climate"
    assert [m["friendly_token"] for m in data["related_media"]] == [related.friendly_token]
    assert set(data["related_media"][0]) == LIST_FIELDS
    assert data["hls_info"] == {}
    # Every rung of the ladder is a key, empty until encoded.
    ladder = EncodeProfile.objects.filter(resolution__isnull=False).values_list("resolution")
    assert set(data["encodings_info"]) == {str(r) for (r,) in ladder}
    assert all(v == {} for v in data["encodings_info"].values())
    # With or without the trailing slash.
    assert APIClient().get(f"/api/v1/media/{media.friendly_token}/").status_code == 200


@pytest.mark.filesystem  # /media/ URL forms; S3: tests/security/test_delivery_s3.py
def test_detail_encodings_and_hls(journalist):
    media = MediaFactory(user=journalist)
    profile = EncodeProfile.objects.get(resolution=240, codec="h264")
    run = f"encoded/{media.uid.hex}/hls/run1"
    # Each rendition's playlist in its Encoding row, as the encoder records it: hls_info is
    # answered from these rows (the master below is what a player reads).
    enc = Encoding.objects.create(
        media=media,
        profile=profile,
        status="success",
        progress=100,
        size=2_000_000,
        media_file=f"{run}/240/index.m3u8",
    )
    Encoding.objects.create(
        media=media,
        profile=EncodeProfile.objects.get(resolution=360, codec="h264"),
        status="success",
        progress=100,
        size=3_000_000,
        media_file=f"{run}/360/index.m3u8",
    )
    master = f"{run}/master.m3u8"
    default_storage.save(
        master,
        ContentFile(
            b"#EXTM3U\n#EXT-X-VERSION:7\n"
            b'#EXT-X-STREAM-INF:BANDWIDTH=500000,RESOLUTION=426x240,CODECS="avc1.64001e"\n'
            b"240/index.m3u8\n"
            b'#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360,CODECS="avc1.64001e"\n'
            b"360/index.m3u8\n"
        ),
    )
    Media.objects.filter(pk=media.pk).update(hls_file=master)
    data = APIClient().get(f"/api/v1/media/{media.friendly_token}").json()
    assert data["encodings_info"]["240"]["h264"] == {
        "title": profile.name,
        "url": f"/media/{run}/240/index.m3u8",
        "progress": 100,
        "size": "2.0MB",
        "encoding_id": enc.pk,
        "status": "success",
    }
    base = f"/media/encoded/{media.uid.hex}/hls/run1"
    assert data["hls_info"] == {
        "master_file": f"{base}/master.m3u8",
        "240_playlist": f"{base}/240/index.m3u8",
        "360_playlist": f"{base}/360/index.m3u8",
    }


@pytest.mark.filesystem  # /media/ URL forms; S3: tests/security/test_delivery_s3.py
def test_detail_while_pending_points_at_the_original(journalist):
    media = MediaFactory(user=journalist, encoding_status="pending", media_file="original/o.mp4")
    data = client_for(journalist).get(f"/api/v1/media/{media.friendly_token}").json()
    assert list(data["encodings_info"]) == ["0-original"]
    assert data["encodings_info"]["0-original"]["h264"]["url"] == "/media/original/o.mp4"


def test_unknown_token_is_404_json():
    response = APIClient().get("/api/v1/media/nosuchtok")
    assert response.status_code == 404
    assert "detail" in response.json()


def test_owner_edits(journalist):
    media = MediaFactory(user=journalist)
    Category.objects.create(title="Climate")
    response = client_for(journalist).put(
        f"/api/v1/media/{media.friendly_token}",
        {"title": "New title", "description": "More", "tags": "a, b", "categories": "Climate"},
        format="json",
    )
    assert response.status_code == 201, body(response)
    assert response.json()["title"] == "New title"
    media.refresh_from_db()
    assert media.description == "More"
    assert sorted(media.tags.values_list("title", flat=True)) == ["a", "b"]


def test_edit_bad_input(journalist):
    media = MediaFactory(user=journalist)
    client = client_for(journalist)
    url = f"/api/v1/media/{media.friendly_token}"
    blank = client.put(url, {"title": "   "}, format="json")
    assert blank.status_code == 400 and "title" in blank.json()
    wrong = client.put(url, {"state": "everywhere"}, format="json")
    assert wrong.status_code == 400 and "state" in wrong.json()
    unknown = client.put(url, {"categories": "Nope"}, format="json")
    assert unknown.status_code == 400 and "categories" in unknown.json()
    broken = client.put(url, b'{"title": ', content_type="application/json")
    assert broken.status_code == 400 and "JSON" in broken.json()["detail"]
    media.refresh_from_db()
    assert media.title.startswith("Report")


def test_editor_review_and_feature(editor, user):
    media = MediaFactory(user=user, state="private", is_reviewed=False, requested_state="public")
    client = client_for(editor)
    url = f"/api/v1/media/{media.friendly_token}"
    refused = client_for(user).post(url, {"type": "review", "result": True}, format="json")
    assert refused.status_code == 403
    response = client.post(url, {"type": "review", "result": True}, format="json")
    assert response.status_code == 201 and response.json() == {"detail": "media was approved"}
    media.refresh_from_db()
    assert media.is_reviewed and media.state == "public"
    assert client.post(url, {"type": "feature"}, format="json").status_code == 201
    media.refresh_from_db()
    assert media.featured
    rejected = client.post(url, {"type": "review", "result": False}, format="json")
    assert rejected.status_code == 201
    media.refresh_from_db()
    assert media.state == "private" and not media.is_reviewed
    assert client.post(url, {"type": "explode"}, format="json").status_code == 400


def test_editor_encode_enqueues_after_commit(
    editor, journalist, django_capture_on_commit_callbacks
):
    media = MediaFactory(user=journalist, encoding_status="fail")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for(editor).post(
            f"/api/v1/media/{media.friendly_token}", {"type": "encode"}, format="json"
        )
    assert response.status_code == 201, body(response)
    assert callbacks, "the new encoding run is enqueued once the transaction commits"
    media.refresh_from_db()
    assert media.encoding_status == "pending"
    refused = client_for(journalist).post(
        f"/api/v1/media/{media.friendly_token}", {"type": "encode"}, format="json"
    )
    assert refused.status_code == 403


def test_delete(journalist, user):
    media = MediaFactory(user=journalist)
    url = f"/api/v1/media/{media.friendly_token}"
    assert client_for(user).delete(url).status_code == 403
    assert APIClient().delete(url).status_code == 403
    assert Media.objects.filter(pk=media.pk).exists()
    assert client_for(journalist).delete(url).status_code == 204
    assert not Media.objects.filter(pk=media.pk).exists()
    assert client_for(journalist).delete(url).status_code == 404


def test_related_media_shared_tag_then_category_then_author_then_the_rest(journalist):
    floods, climate = Tag.objects.create(title="floods"), Category.objects.create(title="Climate")
    media = MediaFactory(user=journalist)
    media.tags.add(floods)
    media.categories.add(climate)
    other = UserFactory(is_verified_journalist=True)

    def related(tag=False, category=False, **kwargs):
        item = MediaFactory(**{"user": other, **kwargs})
        if tag:
            item.tags.add(floods)
        if category:
            item.categories.add(climate)
        return item

    expected = [
        related(tag=True, category=True, views=5),
        related(tag=True, views=1),
        related(category=True, views=100),
        related(user=journalist, views=50),
        related(views=1000),
    ]
    related(tag=True, state="private")  # hidden or not yet listable: never related
    related(tag=True, is_reviewed=False)
    related(tag=True, encoding_status="running")
    data = APIClient().get(f"/api/v1/media/{media.friendly_token}").json()
    assert [m["friendly_token"] for m in data["related_media"]] == [
        m.friendly_token for m in expected
    ]


def test_related_media_choice_is_kept_but_what_is_shown_is_read_fresh(journalist):
    """Which media are related is kept for minutes (selectors.media_related); whether each may
    be shown is read again every time: one hidden since drops out while the choice is still
    cached, and a change of the media's own tags chooses again at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from media_app.services.cache import listings_changed

    floods, fire = Tag.objects.create(title="floods"), Tag.objects.create(title="fire")
    media = MediaFactory(user=journalist)
    media.tags.add(floods)
    other = UserFactory(is_verified_journalist=True)
    near, far = MediaFactory(user=other, views=1), MediaFactory(user=other, views=500)
    near.tags.add(floods)
    burning = MediaFactory(user=other, views=3)
    burning.tags.add(fire)
    reader = client_for(UserFactory())  # signed in: no anonymous copy of the whole answer
    url = f"/api/v1/media/{media.friendly_token}"

    def related():
        return [m["friendly_token"] for m in reader.get(url).json()["related_media"]]

    assert related()[:2] == [near.friendly_token, far.friendly_token]
    Media.objects.filter(pk=near.pk).update(state=Media.State.PRIVATE)
    listings_changed()  # the shared copy of the related rows goes; the cached choice stays
    with CaptureQueriesContext(connection) as captured:
        assert near.friendly_token not in related()
    assert not any("UNION" in q["sql"] for q in captured.captured_queries)  # not chosen again
    media.tags.add(fire)
    assert related()[0] == burning.friendly_token  # shares a tag now, and is the most viewed


def test_encode_profiles():
    response = APIClient().get("/api/v1/encode_profiles/")
    assert response.status_code == 200
    profiles = response.json()
    assert isinstance(profiles, list) and profiles
    assert set(profiles[0]) == {"name", "extension", "resolution", "codec", "description"}
    assert {p["resolution"] for p in profiles if p["codec"] == "h264"} >= {240, 1080}


@pytest.mark.parametrize("extra", [1, 8])
def test_detail_query_count_is_constant(extra, journalist, django_assert_num_queries):
    media = MediaFactory(user=journalist)
    for i in range(extra):
        tag = Tag.objects.create(title=f"t{i}")
        media.tags.add(tag)
        media.categories.add(Category.objects.create(title=f"c{i}"))
        MediaFactory(user=UserFactory(is_verified_journalist=True)).tags.add(tag)
        Correction.objects.create(media=media, kind="update", text=f"u{i}", created_by=journalist)
    for profile in EncodeProfile.objects.filter(resolution__isnull=False)[:extra]:
        Encoding.objects.create(media=media, profile=profile, status="success")
    client = APIClient()
    # media, encode profiles, tags, categories, encodings, related media (the ids of its four
    # bounded groups, then their rows), corrections.
    with django_assert_num_queries(8):
        data = client.get(f"/api/v1/media/{media.friendly_token}").json()
    assert len(data["related_media"]) == extra and len(data["tags_info"]) == extra
    assert len(data["corrections"]) == extra


def test_the_encoding_failure_reason_is_for_the_owner_and_editors_only(user, editor):
    reason = "The file is not a video or audio we can read (no stream found)."
    media = MediaFactory(
        user=user, state="private", encoding_status="fail", encoding_fail_reason=reason
    )
    url = f"/api/v1/media/{media.friendly_token}"
    assert client_for(user).get(url).json()["encoding_fail_reason"] == reason
    assert client_for(editor).get(url).json()["encoding_fail_reason"] == reason
    # Made public so others may open it: they still are not told why it failed.
    Media.objects.filter(pk=media.pk).update(state="public", is_reviewed=True)
    assert client_for(UserFactory()).get(url).json()["encoding_fail_reason"] is None
    assert APIClient().get(url).json()["encoding_fail_reason"] is None
