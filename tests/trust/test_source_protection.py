"""Source protection (issue 15, part 1), end to end: nothing identifying leaves the platform.

Real files made here (ffmpeg, then exiftool plants a phone's tags; a PDF written by hand with an
Info dictionary and XMP), the real pipeline, and every URL an anonymous visitor is given (the
detail answer's files, the download, the master and rendition playlists, their init segments and
every segment) fetched as that visitor, in either storage mode (``tests/served.py`` follows S3
mode's redirect into the bucket). Each answer is searched twice: exiftool's and ffprobe's reading
of it, and its raw bytes. The owner still gets the original, byte for byte.
"""

from __future__ import annotations

import json
import subprocess
import urllib.parse
from pathlib import Path

import pytest
from django.test import Client

from media_app import storage
from media_app.models import Media
from tests.conftest import client_for
from tests.encoding.clips import ffmpeg
from tests.encoding.conftest import encode_inline
from tests.encoding.conftest import upload as stored_upload
from tests.factories import UserFactory
from tests.served import Served, django_get, fetch, store

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

LAT, LON = "48.8584", "2.2945"
SERIAL = "SN73519246"
AUTHOR = "Ottilie Quellmann"
MAKE, MODEL = "AcmeOptics", "ZX9-Pocket"
SOFTWARE = "EditPro 9.4"
COMMENT = "whistle-7731 met at the docks"
SUBJECT = "Leaked memo 4471"
# What must appear in no public byte (GPS also as exiftool prints it, signed degrees).
NEEDLES = [LAT, LON, SERIAL, AUTHOR, MAKE, MODEL, SOFTWARE, "whistle-7731", SUBJECT]


def _exiftool(*args: str, check: bool = True) -> str:
    run = subprocess.run(["exiftool", *args], check=check, capture_output=True, text=True)
    return run.stdout


def make_phone_jpeg(path: Path, *, orientation: int = 1) -> Path:
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240", "-frames:v", "1", str(path))
    _exiftool(
        "-q",
        "-overwrite_original",
        f"-GPSLatitude={LAT}",
        "-GPSLatitudeRef=N",
        f"-GPSLongitude={LON}",
        "-GPSLongitudeRef=E",
        f"-Make={MAKE}",
        f"-Model={MODEL}",
        f"-SerialNumber={SERIAL}",
        f"-Artist={AUTHOR}",
        f"-XMP-dc:Creator={AUTHOR}",
        f"-Software={SOFTWARE}",
        f"-UserComment={COMMENT}",
        "-DateTimeOriginal=2024:05:01 10:00:00",
        f"-Orientation#={orientation}",
        str(path),
    )
    return path


def make_phone_mp4(path: Path) -> Path:
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=320x240:rate=25",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440",
        "-t",
        "3",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-metadata",
        f"location=+{LAT}+00{LON}/",
        "-metadata",
        f"artist={AUTHOR}",
        "-metadata",
        f"comment={COMMENT}",
        "-metadata",
        f"make={MAKE}",
        "-metadata",
        f"model={MODEL}",
        "-movflags",
        "use_metadata_tags",
        str(path),
    )
    return path


def make_pdf(path: Path) -> Path:
    """A one-page PDF with an Info dictionary (Author, Subject, Creator) and an XMP stream."""
    xmp = (
        '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        'rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator><rdf:Seq>'
        f"<rdf:li>{AUTHOR}</rdf:li></rdf:Seq></dc:creator></rdf:Description></rdf:RDF>"
        '</x:xmpmeta><?xpacket end="w"?>'
    ).encode()
    page = b"0.2 0.4 0.8 rg 20 20 260 360 re f BT /F1 24 Tf 40 200 Td (Hello) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /Metadata 5 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 400] /Contents 4 0 R "
        b"/Resources << /Font << /F1 7 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(page) + page + b"\nendstream",
        b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n" % len(xmp)
        + xmp
        + b"\nendstream",
        b"<< /Author (%s) /Subject (%s) /Creator (%s) >>"
        % (AUTHOR.encode(), SUBJECT.encode(), SOFTWARE.encode()),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))
    return path


def upload(path: Path) -> Media:
    """A pending media whose original is stored under the name the upload service gives it
    (``original/<2 hex>/<uid hex>.<ext>``, which the file gate and signed links know)."""
    media = stored_upload(path)
    name = storage.original_name(media.uid, path.suffix.lstrip("."))
    store(name, path.read_bytes())
    Media.objects.filter(pk=media.pk).update(media_file=name)
    media.refresh_from_db()
    return media


# --- fetching everything the public is given ------------------------------------------------


def _get(url: str, client=None) -> Served:
    if url.startswith(("http://", "https://")):
        parts = urllib.parse.urlsplit(url)
        if parts.netloc in ("testserver", ""):
            return django_get(
                client or Client(), parts.path + ("?" + parts.query if parts.query else "")
            )
        status, headers, body = fetch(url)
        return Served(status, headers, body, None, url)
    return django_get(client or Client(), url)


_URI_ATTR = 'URI="'


def _playlist_uris(text: str) -> list[str]:
    uris = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            if _URI_ATTR in line:
                uris.append(line.split(_URI_ATTR, 1)[1].split('"', 1)[0])
            continue
        uris.append(line)
    return uris


def public_files(detail: dict) -> dict[str, bytes]:
    """Every file an anonymous visitor is given by the detail answer, playlists followed down to
    every segment: ``{url: bytes}``."""
    start = [
        detail.get(key)
        for key in (
            "thumbnail_url",
            "poster_url",
            "sprites_url",
            "sprites_vtt_url",
            "preview_url",
            "original_media_url",
            "public_file_url",
        )
    ]
    start += [v for v in (detail.get("hls_info") or {}).values() if isinstance(v, str)]
    for profiles in (detail.get("encodings_info") or {}).values():
        for enc in (profiles or {}).values():
            if isinstance(enc, dict) and enc.get("url"):
                start.append(enc["url"])
    seen: dict[str, bytes] = {}
    todo = [u for u in start if u]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        answer = _get(url)
        assert answer.status == 200, (url, answer.status)
        seen[url] = answer.body
        if answer.body.startswith(b"#EXTM3U"):
            base = answer.url or url
            for uri in _playlist_uris(answer.body.decode()):
                todo.append(urllib.parse.urljoin(base, uri))
    return seen


def assert_clean(files: dict[str, bytes], tmp_path: Path) -> None:
    assert files
    for n, (url, data) in enumerate(files.items()):
        for needle in NEEDLES:
            assert needle.encode() not in data, (needle, url)
        if data.startswith((b"#EXTM3U", b"WEBVTT")):
            continue
        local = tmp_path / f"public-{n}"
        local.write_bytes(data)
        # exit status 1 for what it cannot read (a bare fMP4 segment): what it printed counts
        seen = _exiftool("-json", "-G1", "-n", "-a", "-u", str(local), check=False) or "[{}]"
        probe = subprocess.run(
            ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(local)],
            capture_output=True,
            text=True,
        ).stdout
        for needle in NEEDLES:
            assert needle not in seen, (needle, url, seen)
            assert needle not in probe, (needle, url)
        tags = json.loads(seen)[0]
        assert not [k for k in tags if "GPS" in k], (url, tags)
        assert not [k for k in tags if k.endswith(("SerialNumber", ":Make", ":Model"))], url


def publish(media: Media) -> Media:
    Media.objects.filter(pk=media.pk).update(
        state=Media.State.PUBLIC, is_reviewed=True, allow_download=True
    )
    media.refresh_from_db()
    return media


def _detail(media: Media, user=None) -> dict:
    response = client_for(user).get(f"/api/v1/media/{media.friendly_token}")
    assert response.status_code == 200
    return response.json()


def _owner_gets_the_original(media: Media, original: bytes) -> None:
    url = _detail(media, media.user)["original_media_url"]
    assert url and media.media_file.name in url
    owner = Client()
    owner.force_login(media.user)
    answer = _get(url, owner)
    assert (answer.status, answer.body) == (200, original)
    # Sealed: an anonymous visitor and a stranger get nothing at the original's own URL.
    assert django_get(Client(), f"/media/{media.media_file.name}").status == 404
    stranger = Client()
    stranger.force_login(UserFactory())
    assert django_get(stranger, f"/media/{media.media_file.name}").status == 404


def _found(media: Media) -> list[dict]:
    response = client_for(media.user).get(f"/api/v1/media/{media.friendly_token}/original")
    assert response.status_code == 200
    return response.json()["metadata_found"]


# --- the tests -------------------------------------------------------------------------------


@pytest.fixture
def clips(tmp_path) -> Path:
    return tmp_path


def test_a_phone_jpeg_reaches_the_public_without_its_metadata(clips, tmp_path):
    path = make_phone_jpeg(clips / "phone.jpg")
    original = path.read_bytes()
    media = publish(encode_inline(upload(path)))
    assert media.encoding_status == "success", media.encoding_fail_reason
    assert media.public_file.name.endswith(f"/download/{media.uid.hex}.jpg")

    detail = _detail(media)
    assert detail["metadata_found"] is None and detail["original_unchanged"] is None
    assert detail["original_media_url"] == detail["public_file_url"]
    files = public_files(detail)
    assert any(url == detail["public_file_url"] for url in files)
    assert_clean(files, tmp_path)
    _owner_gets_the_original(media, original)

    found = _found(media)
    groups = {(i["group"], i["value"]) for i in found}
    assert ("device", MAKE) in groups and ("device", MODEL) in groups
    assert ("serial", SERIAL) in groups and ("author", AUTHOR) in groups
    assert ("software", SOFTWARE) in groups
    assert ("created", "2024:05:01 10:00:00") in groups
    position = next(i for i in found if i["group"] == "location" and "lat" in i)
    assert (position["lat"], position["lon"]) == (float(LAT), float(LON))
    assert all(i["removed"] for i in found), [i for i in found if not i["removed"]]
    # The owner and editors see it in the detail answer too; nobody else.
    assert _detail(media, media.user)["metadata_found"] == found
    assert _detail(media, UserFactory(is_editor=True))["metadata_found"] == found
    assert _detail(media, UserFactory())["metadata_found"] is None
    assert client_for(UserFactory()).get(
        f"/api/v1/media/{media.friendly_token}/original"
    ).status_code in (403, 404)


def test_a_turned_jpeg_comes_out_upright(clips):
    path = make_phone_jpeg(clips / "turned.jpg", orientation=6)
    media = publish(encode_inline(upload(path)))
    assert media.encoding_status == "success", media.encoding_fail_reason
    data = _get(_detail(media)["public_file_url"]).body
    local = clips / "upright.jpg"
    local.write_bytes(data)
    tags = json.loads(_exiftool("-json", "-n", str(local)))[0]
    # 320x240 pixels shown turned a quarter: upright, 240 wide and 320 tall, nothing to turn.
    assert (tags["ImageWidth"], tags["ImageHeight"]) == (240, 320)
    assert "Orientation" not in tags
    poster = clips / "poster.jpg"
    poster.write_bytes(_get(_detail(media)["poster_url"]).body)
    tags = json.loads(_exiftool("-json", "-n", str(poster)))[0]
    assert tags["ImageHeight"] > tags["ImageWidth"]


def test_a_phone_video_reaches_the_public_without_its_tags(clips, tmp_path):
    path = make_phone_mp4(clips / "phone.mp4")
    original = path.read_bytes()
    media = publish(encode_inline(upload(path)))
    assert media.encoding_status == "success", media.encoding_fail_reason
    assert media.public_file.name.endswith(".mp4")

    detail = _detail(media)
    files = public_files(detail)
    assert any(".m4s" in url for url in files) and any("init" in url for url in files)
    assert_clean(files, tmp_path)
    _owner_gets_the_original(media, original)

    found = _found(media)
    values = {i["value"] for i in found}
    assert AUTHOR in values and COMMENT in values
    assert any(i["group"] == "location" and i.get("lat") == float(LAT) for i in found)
    assert all(i["removed"] for i in found), [i for i in found if not i["removed"]]


def test_a_pdf_reaches_the_public_without_its_author(clips, tmp_path):
    path = make_pdf(clips / "memo.pdf")
    original = path.read_bytes()
    media = publish(encode_inline(upload(path)))
    assert media.encoding_status == "success", media.encoding_fail_reason
    assert media.public_file.name.endswith(".pdf")

    detail = _detail(media)
    files = public_files(detail)
    assert_clean(files, tmp_path)
    data = files[detail["public_file_url"]]
    assert data.startswith(b"%PDF-")
    _owner_gets_the_original(media, original)

    found = _found(media)
    assert {("author", AUTHOR), ("other identifying", SUBJECT)} <= {
        (i["group"], i["value"]) for i in found
    }
    assert all(i["removed"] for i in found)


def test_the_owner_may_publish_the_original_unchanged_after_confirming(clips):
    path = make_phone_jpeg(clips / "consent.jpg")
    original = path.read_bytes()
    pending = upload(path)
    owner = client_for(pending.user)
    url = f"/api/v1/media/{pending.friendly_token}/original"
    # Not read yet: nothing to confirm against.
    answer = owner.post(url, {"publish_unchanged": True, "confirm": True}, format="json")
    assert answer.status_code == 409
    media = publish(encode_inline(pending))

    assert owner.post(url, {"publish_unchanged": True}, format="json").status_code == 400
    editor = client_for(UserFactory(is_editor=True))
    answer = editor.post(url, {"publish_unchanged": True, "confirm": True}, format="json")
    assert answer.status_code == 403  # an editor may not expose someone else's source
    answer = owner.post(url, {"publish_unchanged": True, "confirm": True}, format="json")
    assert answer.status_code == 200 and answer.json()["original_unchanged"] is True
    assert _detail(media, media.user)["original_unchanged"] is True
    anonymous = _detail(media)
    assert media.media_file.name in anonymous["original_media_url"]
    assert _get(anonymous["original_media_url"]).body == original

    answer = owner.post(url, {"publish_unchanged": False}, format="json")
    assert answer.status_code == 200 and answer.json()["original_unchanged"] is False
    anonymous = _detail(media)
    assert anonymous["original_media_url"] == anonymous["public_file_url"]
    assert django_get(Client(), f"/media/{media.media_file.name}").status == 404


def test_a_pdf_that_cannot_be_cleaned_stays_unpublished_with_the_reason(clips):
    path = clips / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Author (" + AUTHOR.encode() + b") >> endobj\n")
    media = encode_inline(upload(path))
    assert media.encoding_status == "fail"
    assert media.encoding_fail_reason.startswith(
        "Identifying metadata could not be removed from this PDF"
    ), media.encoding_fail_reason
    assert not media.public_file
    assert _detail(media, media.user)["encoding_fail_reason"] == media.encoding_fail_reason


@pytest.mark.parametrize("ext", ["png", "webp", "gif"])
def test_png_webp_and_gif_lose_their_tags_too(clips, ext):
    path = clips / f"still.{ext}"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240", "-frames:v", "1", str(path))
    _exiftool(
        "-q", "-overwrite_original", f"-XMP-dc:Creator={AUTHOR}", f"-XMP-tiff:Make={MAKE}",
        f"-XMP-aux:SerialNumber={SERIAL}", str(path),
    )  # fmt: skip
    assert AUTHOR.encode() in path.read_bytes() and SERIAL.encode() in path.read_bytes()
    media = publish(encode_inline(upload(path)))
    assert media.encoding_status == "success", media.encoding_fail_reason
    assert media.public_file.name.endswith(f".{ext}")
    data = _get(_detail(media)["public_file_url"]).body
    for needle in (AUTHOR, MAKE, SERIAL):
        assert needle.encode() not in data, needle
    found = _found(media)
    assert {AUTHOR, MAKE, SERIAL} <= {i["value"] for i in found}
    assert all(i["removed"] for i in found)
