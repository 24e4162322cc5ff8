"""Media in a bucket reach only those who may see them (issue 14, point 4; docs/security.md).

Everything runs against the real S3 server (``s3_media``) and every byte is fetched as a browser
would, with plain HTTP (urllib, no credentials): the bucket itself refuses anonymous listing
and unsigned reads, private media's files come only through presigned URLs that die with the
signed link, and public media's presigned URLs stay the same for a whole step so that caches
work. The HLS tree is a real ffmpeg encode of a generated 3 s clip (fMP4, with an init segment).
"""

from __future__ import annotations

import datetime
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.test import Client
from rest_framework.test import APIClient

from media_app import delivery, storage
from media_app.models import EncodeProfile, Encoding, Media
from media_app.services import signing
from tests.conftest import client_for
from tests.factories import MediaFactory, UserFactory

pytestmark = pytest.mark.django_db

RUN = "r1a2b3c4"
STILLS = ("poster.jpg", "thumbnail.jpg", "sprites.jpg", "sprites.vtt", "preview.webp")


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> dict[str, bytes]:
    """A real HLS rendition (ffmpeg, fMP4): ``{relative name: bytes}`` plus a master."""
    folder = tmp_path_factory.mktemp("hls") / "240"
    folder.mkdir()
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x90:rate=10",
         "-t", "3", "-c:v", "libx264", "-g", "10", "-f", "hls", "-hls_time", "1",
         "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
         "-hls_segment_filename", str(folder / "seg_%05d.m4s"), "-hls_playlist_type", "vod",
         str(folder / "index.m3u8")],
        check=True,
        timeout=120,
    )  # fmt: skip
    files = {f"240/{p.name}": p.read_bytes() for p in sorted(folder.iterdir())}
    files["master.m3u8"] = (
        b"#EXTM3U\n#EXT-X-VERSION:7\n"
        b'#EXT-X-STREAM-INF:BANDWIDTH=200000,RESOLUTION=426x240,CODECS="avc1.64000c"\n'
        b"240/index.m3u8\n"
    )
    assert b'#EXT-X-MAP:URI="init.mp4"' in files["240/index.m3u8"]
    return files


def _put(client, bucket: str, name: str, data: bytes) -> None:
    client.put_object(Bucket=bucket, Key=name, Body=data)


@pytest.fixture
def make_media(s3_media, s3_bucket, clip):
    """A media whose files are in the bucket under the names media_app/storage.py gives."""
    s3 = s3_media.client()

    def make(**kwargs) -> tuple[Media, dict[str, bytes]]:
        media = MediaFactory(**kwargs)
        uid = media.uid.hex
        hls = storage.hls_prefix(uid, RUN)
        objects = {f"{hls}/{rel}": data for rel, data in clip.items()}
        original = storage.original_name(media.uid, "mp4")
        objects[original] = b"the original, as uploaded " + uid.encode()
        for still in STILLS:
            objects[storage.still_name(uid, still)] = f"{still} of {uid}".encode()
        for name, data in objects.items():
            _put(s3, s3_bucket, name, data)
        Media.objects.filter(pk=media.pk).update(
            media_file=original,
            hls_file=f"{hls}/{storage.MASTER_PLAYLIST}",
            poster=storage.still_name(uid, "poster.jpg"),
            thumbnail=storage.still_name(uid, "thumbnail.jpg"),
            sprites=storage.still_name(uid, "sprites.jpg"),
            sprites_vtt=storage.still_name(uid, "sprites.vtt"),
            preview=storage.still_name(uid, "preview.webp"),
        )
        # The rendition's row, as the encoder records it (hls_info is answered from it).
        Encoding.objects.create(
            media=media,
            profile=EncodeProfile.objects.get(resolution=240, codec="h264"),
            status="success",
            progress=100,
            media_file=f"{hls}/240/index.m3u8",
        )
        media.refresh_from_db()
        return media, objects

    return make


def fetch(url: str) -> tuple[int, bytes, dict]:
    """GET with plain HTTP, no credentials: what any browser or script can do."""
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310 (http only)
            return answer.status, answer.read(), dict(answer.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def _site(client, url: str):
    """A site-relative URL (the playlist view) through Django's test client."""
    return client.get(urllib.parse.urlsplit(url).path)


def _uris(playlist: str) -> list[str]:
    lines = [line for line in playlist.splitlines() if line and not line.startswith("#")]
    maps = [
        line.split('URI="', 1)[1].rstrip('"')
        for line in playlist.splitlines()
        if line.startswith("#EXT-X-MAP")
    ]
    return maps + lines


def _play(data: dict, client) -> dict[str, bytes]:
    """The player's path: master (our view) -> variant (our view) -> init and segments (the
    bucket, plain HTTP). Returns what each segment URL downloaded, by object name."""
    master = _site(client, data["hls_info"]["master_file"])
    assert master.status_code == 200, master.content
    assert master["Content-Type"] == "application/vnd.apple.mpegurl"
    [variant_url] = _uris(master.content.decode())
    assert variant_url == data["hls_info"]["240_playlist"]
    variant = _site(client, variant_url)
    assert variant.status_code == 200, variant.content
    got = {}
    for url in _uris(variant.content.decode()):
        assert url.startswith("http://") and "X-Amz-Signature=" in url, url
        status, body, _ = fetch(url)
        assert status == 200, (url, body[:300])
        got[urllib.parse.unquote(urllib.parse.urlsplit(url).path).split("/", 2)[2]] = body
    return got


def _segment_objects(objects: dict[str, bytes]) -> dict[str, bytes]:
    return {n: d for n, d in objects.items() if n.endswith((".m4s", "init.mp4"))}


# --- what anonymous clients can find or guess ------------------------------------------------


def test_the_bucket_lists_nothing_and_serves_no_object_unsigned(make_media, s3_media, s3_bucket):
    """Anonymous ListObjectsV2 is refused, and so is every object key of private, unlisted and
    public media alike, guessed from a public item's pattern (the keys are no secret)."""
    private, private_objects = make_media(state=Media.State.PRIVATE)
    unlisted, unlisted_objects = make_media(state=Media.State.UNLISTED)
    public, public_objects = make_media()
    endpoint = s3_media.endpoint
    for query in ("list-type=2", "list-type=2&prefix=encoded/", ""):
        status, body, _ = fetch(f"{endpoint}/{s3_bucket}?{query}")
        assert status == 403, body
        assert b"AccessDenied" in body and b"<Key>" not in body
    # Public data's pattern applied to the hidden media's uids: refused.
    pattern = {
        # Only the original's folder holds the uid's first two characters: a replace anywhere
        # else could hit a segment's name (seg_87002) by chance.
        name.replace(public.uid.hex, "{uid}").replace(
            f"original/{public.uid.hex[:2]}/", "original/{uid2}/", 1
        )
        for name in public_objects
    }
    assert len(pattern) == len(public_objects) == 12
    for media in (private, unlisted, public):
        uid = media.uid.hex
        for name in pattern:
            key = name.replace("{uid2}", uid[:2]).replace("{uid}", uid)
            assert key in {**private_objects, **unlisted_objects, **public_objects}
            status, body, _ = fetch(f"{endpoint}/{s3_bucket}/{key}")
            assert status == 403, (key, body)
            assert b"AccessDenied" in body


def test_hidden_media_give_anonymous_clients_a_404_and_no_bucket_url(make_media):
    for state, reviewed in ((Media.State.PRIVATE, True), (Media.State.PUBLIC, False)):
        media, _ = make_media(state=state, is_reviewed=reviewed)
        for viewer in (None, UserFactory()):
            answer = client_for(viewer).get(f"/api/v1/media/{media.friendly_token}")
            assert answer.status_code == 404
            assert media.uid.hex not in answer.content.decode()
        # The playlist view, unsigned: not found for them either.
        answer = APIClient().get(f"/stream/{media.hls_file}")
        assert answer.status_code == 404


def test_the_playlist_view_refuses_a_bad_signature_and_an_expired_link(make_media):
    media, _ = make_media(state=Media.State.PRIVATE)
    good = delivery.playlist_link(media.hls_file, public=False)
    assert good.startswith("/stream/s/")
    assert APIClient().get(good).status_code == 200
    _, _, _, sig, expires, rest = good.split("/", 5)
    tampered = [
        f"/stream/s/{'A' * 22}/{expires}/{rest}",  # another signature
        f"/stream/s/{sig}/{int(expires) + 1}/{rest}",  # a longer life
        # The same signature for another media's folder.
        f"/stream/s/{sig}/{expires}/{rest.replace(media.uid.hex, 'f' * 32)}",
    ]
    for url in tampered:
        answer = APIClient().get(url)
        assert answer.status_code == 403, url
        assert b"X-Amz" not in answer.content
    past = int(time.time()) - 10
    expired = delivery.playlist_link(media.hls_file, public=False, expires_at=past)
    answer = APIClient().get(expired)
    assert answer.status_code == 410
    assert b"X-Amz" not in answer.content


# --- private media: presigned URLs that die with the link -----------------------------------


def test_the_owner_plays_a_private_media_from_the_bucket_by_plain_http(make_media):
    owner = UserFactory(is_verified_journalist=True)
    media, objects = make_media(user=owner, state=Media.State.PRIVATE)
    data = client_for(owner).get(f"/api/v1/media/{media.friendly_token}").json()
    assert data["hls_info"]["master_file"].startswith("/stream/s/")
    # The playlists are fetched with no session at all: the signature is what opens them.
    assert _play(data, APIClient()) == _segment_objects(objects)
    master = APIClient().get(data["hls_info"]["master_file"])
    assert master["Cache-Control"] == "private, no-store"
    # Presigned segment URLs ask the bucket for private caching only, until the link's expiry.
    variant = APIClient().get(data["hls_info"]["240_playlist"]).content.decode()
    _, _, headers = fetch(_uris(variant)[0])
    assert headers["Cache-Control"] == "private"
    expires = int(data["hls_info"]["master_file"].split("/")[4])
    assert headers["Expires"] == time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(expires))


def test_stills_and_the_original_are_the_real_objects_presigned(make_media):
    """The bug this fixes: the original's URL presigned the signed-link path
    (``s/<sig>/<exp>/original/...``), which is no object; now the object's own name."""
    owner = UserFactory(is_verified_journalist=True)
    media, objects = make_media(user=owner, state=Media.State.PRIVATE)
    data = client_for(owner).get(f"/api/v1/media/{media.friendly_token}").json()
    fields = {
        "poster_url": "poster.jpg",
        "thumbnail_url": "thumbnail.jpg",
        "sprites_url": "sprites.jpg",
        "preview_url": "preview.webp",
    }
    for field, still in fields.items():
        status, body, headers = fetch(data[field])
        assert status == 200, (field, body[:300])
        assert body == objects[storage.still_name(media.uid.hex, still)]
        assert headers["Cache-Control"] == "private"
    status, body, headers = fetch(data["original_media_url"])
    assert status == 200, body[:300]
    assert body == objects[media.media_file.name]
    assert headers["Content-Disposition"] == "attachment"
    assert "/s/" not in urllib.parse.urlsplit(data["original_media_url"]).path


THUMBNAILS = (
    "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nsprites.jpg#xywh=0,0,160,90\n\n"
    "00:00:01.000 --> 00:00:02.000\nsprites.jpg#xywh=160,0,160,90\n\n"
    "00:00:02.000 --> 00:00:03.000\n../../original/elsewhere.jpg#xywh=0,0,160,90\n"
)


@pytest.mark.parametrize("state", [Media.State.PRIVATE, Media.State.PUBLIC])
def test_the_thumbnails_track_names_the_sprite_sheet_by_presigned_url(
    make_media, s3_media, s3_bucket, state
):
    """The scrub preview's track names its sheet relatively (``sprites.jpg#xywh=...``): read
    from the bucket by a presigned URL, that resolves to an unsigned URL the bucket refuses.
    The API hands out our view instead, which writes each cue's sheet as a presigned URL."""
    owner = UserFactory(is_verified_journalist=True)
    media, objects = make_media(user=owner, state=state, requested_state=state)
    _put(s3_media.client(), s3_bucket, media.sprites_vtt.name, THUMBNAILS.encode())
    data = client_for(owner).get(f"/api/v1/media/{media.friendly_token}").json()
    link = data["sprites_vtt_url"]
    assert link.startswith("/stream/s/" if state == Media.State.PRIVATE else "/stream/encoded/")
    track = _site(APIClient(), link)  # no session: the link (or the public state) opens it
    assert track.status_code == 200
    assert track["Content-Type"].startswith("text/vtt")
    cues = [line for line in track.content.decode().splitlines() if "#xywh=" in line]
    assert len(cues) == 3
    for cue, tile in zip(cues[:2], ("#xywh=0,0,160,90", "#xywh=160,0,160,90"), strict=True):
        url, fragment = cue.split("#", 1)
        assert f"#{fragment}" == tile
        status, body, _ = fetch(url)
        assert status == 200, body[:300]
        assert body == objects[storage.still_name(media.uid.hex, "sprites.jpg")]
    # A reference out of the media's folder is not ours to sign.
    assert cues[2] == "../../original/elsewhere.jpg#xywh=0,0,160,90"
    if state == Media.State.PRIVATE:
        assert track["Cache-Control"] == "private, no-store"
        assert _site(APIClient(), f"/stream/{media.sprites_vtt.name}").status_code == 404


def test_a_presigned_segment_url_stops_working_at_the_links_expiry(make_media, settings):
    """Segments are the bucket's to refuse once the link has expired: S3's own 403."""
    settings.MEDIA_LINK_SECONDS = 3
    owner = UserFactory(is_verified_journalist=True)
    media, _ = make_media(user=owner, state=Media.State.PRIVATE)
    data = client_for(owner).get(f"/api/v1/media/{media.friendly_token}").json()
    variant = APIClient().get(data["hls_info"]["240_playlist"])
    segment = _uris(variant.content.decode())[1]
    expires = int(data["hls_info"]["240_playlist"].split("/")[4])
    assert expires - time.time() <= 4
    status, body, _ = fetch(segment)
    assert status == 200, body[:300]
    deadline = time.time() + 30
    while time.time() < deadline:
        status, body, _ = fetch(segment)
        if status != 200:
            break
        time.sleep(0.5)
    assert status == 403, body
    assert b"AccessDenied" in body
    assert time.time() >= expires
    # And our own view now says the link has expired.
    assert APIClient().get(data["hls_info"]["240_playlist"]).status_code == 410


def test_an_unsigned_playlist_url_plays_for_the_owners_session_only(make_media):
    owner = UserFactory(is_verified_journalist=True)
    media, _ = make_media(user=owner, state=Media.State.PRIVATE)
    session = Client()
    session.force_login(owner)
    mine = session.get(f"/stream/{media.hls_file}")
    assert mine.status_code == 200
    assert mine["Cache-Control"] == "private, no-store"
    # The variant links it gives are signed, so the player needs no session beyond this.
    [variant] = _uris(mine.content.decode())
    assert variant.startswith("/stream/s/")
    assert APIClient().get(f"/stream/{media.hls_file}").status_code == 404


# --- public media: long-lived, stepped, cacheable --------------------------------------------


def test_public_media_play_by_plain_http_with_urls_stable_for_a_step(make_media, settings):
    media, objects = make_media()
    data = APIClient().get(f"/api/v1/media/{media.friendly_token}").json()
    assert data["hls_info"]["master_file"] == f"/stream/{media.hls_file}"
    assert _play(data, APIClient()) == _segment_objects(objects)
    first = APIClient().get(data["hls_info"]["240_playlist"])
    again = APIClient().get(data["hls_info"]["240_playlist"])
    assert first.content == again.content
    step = settings.MEDIA_PUBLIC_LINK_SECONDS // signing.STEPS
    assert first["Cache-Control"] == f"public, max-age={step // 4}"
    status, _, headers = fetch(_uris(first.content.decode())[1])
    assert status == 200
    assert headers["Cache-Control"] == "public"
    # Good for the whole public lifetime from the step's start: at least 7 days minus a step.
    expires = datetime.datetime.strptime(headers["Expires"], "%a, %d %b %Y %H:%M:%S GMT")
    left = expires.replace(tzinfo=datetime.UTC).timestamp() - time.time()
    assert 7 * 86400 - step <= left <= 7 * 86400
    # The stills' URLs too are the same from one answer to the next.
    again_data = APIClient().get(f"/api/v1/media/{media.friendly_token}").json()
    assert again_data["poster_url"] == data["poster_url"]
    assert fetch(data["poster_url"])[1] == objects[media.poster.name]


def test_public_urls_change_only_when_the_step_turns(make_media, settings):
    media, _ = make_media()
    name = storage.still_name(media.uid.hex, "poster.jpg")
    step = delivery.public_step()
    start = int(time.time()) // step * step
    a = delivery.presign(name, signed_at=start, expires_at=start + 10, cache_control="public")
    b = delivery.presign(name, signed_at=start, expires_at=start + 10, cache_control="public")
    c = delivery.presign(name, signed_at=start - 1, expires_at=start + 10, cache_control="public")
    assert a == b != c
    assert delivery.public_window(start) == delivery.public_window(start + step - 1)
    assert delivery.public_window(start + step)[0] == start + step


def test_making_a_media_private_closes_the_playlist_view_at_once(make_media):
    """URLs already handed out live on (the bucket cannot tell); new playlists are refused."""
    media, _ = make_media()
    assert APIClient().get(f"/stream/{media.hls_file}").status_code == 200
    Media.objects.filter(pk=media.pk).update(state=Media.State.PRIVATE)
    assert APIClient().get(f"/stream/{media.hls_file}").status_code == 404


# --- Django's media view in S3 mode ---------------------------------------------------------


def test_the_media_view_redirects_to_presigned_urls_after_its_checks(make_media):
    owner = UserFactory(is_verified_journalist=True)
    private, objects = make_media(user=owner, state=Media.State.PRIVATE)
    segment = f"{storage.hls_prefix(private.uid.hex, RUN)}/240/seg_00001.m4s"
    # Unsigned: a 404 for anonymous visitors, never a redirect into the bucket.
    for path in (segment, private.media_file.name, private.hls_file):
        answer = APIClient().get(f"/media/{path}")
        assert answer.status_code == 404, path
        assert "Location" not in answer
    # Signed: a redirect to the object, presigned; the playlist rewritten as the view does.
    answer = APIClient().get(f"/media/{signing.signed_name(segment)}")
    assert answer.status_code == 302
    assert answer["Cache-Control"] == "private, no-store"
    assert fetch(answer["Location"])[1] == objects[segment]
    answer = APIClient().get(f"/media/{signing.signed_name(private.hls_file)}")
    assert answer.status_code == 200
    assert _uris(answer.content.decode())[0].startswith("/stream/s/")
    assert APIClient().get(f"/media/s/{'A' * 22}/9999999999/{segment}").status_code == 403
    # The owner's session opens the unsigned URL.
    session = Client()
    session.force_login(owner)
    answer = session.get(f"/media/{segment}")
    assert answer.status_code == 302
    assert fetch(answer["Location"])[1] == objects[segment]


# --- the signer --------------------------------------------------------------------------------


def test_presigned_urls_are_botocores_to_the_byte(make_media):
    """Our SigV4 query signing gives the URL botocore gives for the same request and time."""
    import botocore.auth

    media, _ = make_media()
    name = storage.still_name(media.uid.hex, "poster.jpg")
    at = datetime.datetime(2026, 12, 5, 10, 0, 0, tzinfo=datetime.UTC)
    params = {
        "Bucket": storage.bucket_name(),
        "Key": name,
        "ResponseCacheControl": "public",
        "ResponseExpires": "Sat, 12 Dec 2026 10:00:00 GMT",
    }
    # botocore's clock stopped at ``at`` for this one call (restored before any request).
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.auth, "get_current_datetime", lambda: at)
        theirs = storage.s3_client().generate_presigned_url(
            "get_object", Params=params, ExpiresIn=604800
        )
    ours = delivery.presign(
        name, signed_at=int(at.timestamp()), expires_at=int(at.timestamp()) + 604800,
        cache_control="public",
    )  # fmt: skip
    split_theirs, split_ours = urllib.parse.urlsplit(theirs), urllib.parse.urlsplit(ours)
    assert split_ours[:3] == split_theirs[:3]
    assert sorted(urllib.parse.parse_qsl(split_ours.query)) == sorted(
        urllib.parse.parse_qsl(split_theirs.query)
    )


def test_a_playlist_of_900_segments_is_rewritten_locally(s3_media):
    """Presigning asks the bucket nothing: 900 segments, 900 distinct signed URLs."""
    uid = "a" * 32
    prefix = storage.hls_prefix(uid, RUN)
    text = (
        '#EXTM3U\n#EXT-X-MAP:URI="init.mp4"\n'
        + "".join(f"#EXTINF:4.0,\nseg_{i:05d}.m4s\n" for i in range(900))
        + "#EXT-X-ENDLIST\n"
    )
    signer = delivery._Signer(public=True)
    out = delivery.rewrite_playlist(
        text, name=f"{prefix}/240/index.m3u8", segment_url=signer.url, playlist_url=str
    )
    uris = _uris(out)
    assert len(set(uris)) == 901
    assert all(f"/{prefix}/240/" in uri and "X-Amz-Signature=" in uri for uri in uris)


def test_a_playlist_uri_outside_the_media_folder_is_not_presigned(s3_media):
    prefix = storage.hls_prefix("b" * 32, RUN)
    text = "#EXTM3U\n../../../../c" + "c" * 31 + "/poster.jpg\n/etc/passwd\nhttp://x/y.m4s\n"
    out = delivery.rewrite_playlist(
        text,
        name=f"{prefix}/240/index.m3u8",
        segment_url=lambda n: f"SIGNED:{n}",
        playlist_url=lambda n: f"LINK:{n}",
    )
    assert "SIGNED" not in out and "LINK" not in out


@pytest.mark.filesystem
def test_filesystem_mode_keeps_its_links(settings):
    """No bucket: the serializers hand out today's /media/ links, untouched by delivery."""
    from media_app.api.serializers.media import file_url

    media = MediaFactory(state=Media.State.PRIVATE)
    name = storage.still_name(media.uid.hex, "poster.jpg")
    assert not storage.s3_mode()
    assert file_url(name, media).startswith("/media/s/")
    assert file_url(name, MediaFactory()) == f"/media/{name}"
    assert APIClient().get(f"/stream/{name}").status_code == 404


def test_media_public_base_url_replaces_the_origin_of_public_urls_only(make_media, settings):
    settings.MEDIA_PUBLIC_BASE_URL = "https://cdn.example.org/media/"
    public, _ = make_media()
    private, _ = make_media(state=Media.State.PRIVATE)
    owner_data = client_for(private.user).get(f"/api/v1/media/{private.friendly_token}").json()
    data = APIClient().get(f"/api/v1/media/{public.friendly_token}").json()
    assert data["poster_url"].startswith(f"https://cdn.example.org/media/{storage.bucket_name()}/")
    assert not owner_data["poster_url"].startswith("https://cdn.example.org/")


@pytest.fixture
def proxy(s3_media, tmp_path):
    """A throwaway nginx in front of the bucket, as docs/security.md describes the caching proxy:
    it forwards the path after its prefix and the query untouched, with the bucket's Host."""
    from tests.s3 import free_port

    port = free_port()
    upstream = urllib.parse.urlsplit(s3_media.endpoint).netloc
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"""daemon off; worker_processes 1; pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;
  fastcgi_temp_path {tmp_path}/fcgi; uwsgi_temp_path {tmp_path}/uwsgi;
  scgi_temp_path {tmp_path}/scgi;
  server {{
    listen 127.0.0.1:{port};
    location /media/ {{
      proxy_pass http://{upstream}/;
      proxy_set_header Host {upstream};
    }}
  }}
}}
"""
    )
    process = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(tmp_path)])
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
        except urllib.error.HTTPError:
            break
        except OSError:
            time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}/media/"
    finally:
        process.terminate()
        process.wait(10)


def test_public_urls_through_a_proxy_at_media_public_base_url_download(make_media, settings, proxy):
    settings.MEDIA_PUBLIC_BASE_URL = proxy
    media, _ = make_media()
    data = APIClient().get(f"/api/v1/media/{media.friendly_token}").json()
    variant = APIClient().get(data["hls_info"]["240_playlist"]).content.decode()
    for url in _uris(variant):
        assert url.startswith(proxy)
        status, body, _ = fetch(url)
        assert status == 200, body[:300]
    # The proxy adds no right: a guessed key through it is still refused by the bucket.
    private, _ = make_media(state=Media.State.PRIVATE)
    key = storage.still_name(private.uid.hex, "poster.jpg")
    status, body, _ = fetch(f"{proxy}{storage.bucket_name()}/{key}")
    assert status == 403
    # And a public URL's signature does not open another object.
    url = data["poster_url"].replace(media.uid.hex, private.uid.hex)
    assert fetch(url)[0] == 403
