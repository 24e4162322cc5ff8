"""Content Credentials on what OpenPress publishes (issue 15, part 2), end to end.

Real pipeline (ffmpeg) on generated media, real c2pa-python, a test chain made with openssl and
configured through the settings, files fetched as an anonymous visitor (in either storage mode:
``tests/served.py`` follows S3 mode's redirect into the bucket). Validation is c2pa-python's own
Reader with the test CA as trust anchor, not our code.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json

import c2pa
import pytest
from django.test import Client

from media_app import storage
from media_app.encoding import hls
from media_app.models import JournalistVerification, Media
from tests.encoding.clips import ffmpeg, make_clip
from tests.encoding.conftest import encode_inline, read_bytes, upload
from tests.served import django_get
from tests.trust.c2pa_chain import configure, make_chain

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

GPS = "48,51.5012N"
SERIAL = "CAMSERIAL4242"


@pytest.fixture(scope="module")
def clip_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="module")
def small_clip(clip_dir):
    return make_clip(clip_dir / "small.mp4", size="640x360", seconds=3)


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    return make_chain(tmp_path_factory.mktemp("c2pa") / "newsroom")


@pytest.fixture(scope="module")
def camera(tmp_path_factory):
    """Another chain: a camera maker's, which signs what a 'camera' uploads."""
    return make_chain(tmp_path_factory.mktemp("c2pa") / "camera", name="Test Camera")


@pytest.fixture
def signing(settings, chain):
    configure(settings, chain)
    return chain


def validate(data: bytes, mime: str, anchor, manifest: bytes | None = None) -> dict:
    """c2pa-python's report on ``data`` (and a detached ``manifest``), ``anchor`` trusted."""
    ctx = c2pa.Context.from_dict(
        {"verify": {"verify_trust": True}, "trust": {"trust_anchors": anchor.read_text()}}
    )
    with ctx, c2pa.Reader(mime, io.BytesIO(data), manifest, context=ctx) as reader:
        return json.loads(reader.json())


def failures(report: dict) -> list[str]:
    return [f["code"] for f in report["validation_results"]["activeManifest"]["failure"]]


def active(report: dict) -> dict:
    return report["manifests"][report["active_manifest"]]


def assertion(manifest: dict, label: str) -> dict:
    return next(a["data"] for a in manifest["assertions"] if a["label"] == label)


def flipped(data: bytes, at: int | None = None) -> bytes:
    out = bytearray(data)
    at = len(out) - 200 if at is None else at
    out[at] ^= 0x01
    return bytes(out)


def anonymous(name: str) -> bytes:
    served = django_get(Client(), f"/media/{name}")
    assert served.status == 200, (name, served.status)
    return served.body


def publish(media: Media) -> Media:
    Media.objects.filter(pk=media.pk).update(
        state=Media.State.PUBLIC, is_reviewed=True, allow_download=True
    )
    media.refresh_from_db()
    return media


def test_video_files_carry_credentials_that_validate_and_catch_tampering(
    signing, small_clip, tmp_path
):
    media = upload(small_clip, original_filename="secret-source-name.mp4")
    decided = datetime.datetime(2026, 3, 4, 12, 0, tzinfo=datetime.UTC)
    JournalistVerification.objects.create(
        user=media.user,
        outlet="Daily Planet",
        role="reporter",
        status="approved",
        decided_at=decided,
    )
    media = publish(encode_inline(media))
    assert media.encoding_status == "success", media.encoding_fail_reason
    record = media.provenance
    assert record["signed"] is True and record["trusted"] is True and not record["development"]
    assert record["signer"]["subject"] == "Test Newsroom Signer"
    assert record["incoming"]["status"] == "none"
    assert len(record["original"]["sha256"]) == 64

    stills = {f["role"]: f for f in record["files"]}
    assert {"poster", "thumbnail"} <= set(stills)
    for role in ("poster", "thumbnail"):
        data = anonymous(getattr(media, role).name)
        report = validate(data, "image/jpeg", signing.ca)
        assert report["validation_state"] == "Trusted", failures(report)
        manifest = active(report)
        assert manifest["claim_generator_info"][0]["name"] == "OpenPress"
        actions = [a["action"] for a in assertion(manifest, "c2pa.actions.v2")["actions"]]
        assert actions[0] == "c2pa.opened" and actions[-1] == "c2pa.published"
        assert "c2pa.transcoded" in actions
        work = assertion(manifest, "stds.schema-org.CreativeWork")
        assert work["author"][0]["url"].endswith(f"/user/{media.user.username}")
        assert work["author"][0]["description"] == "Verified journalist since 2026-03-04"
        publication = assertion(manifest, "org.openpress.publication")
        assert publication["media"] == media.friendly_token
        assert publication["original_sha256"] == record["original"]["sha256"]
        assert manifest["ingredients"][0]["title"] == "original upload"
        assert manifest["ingredients"][0]["relationship"] == "parentOf"
        assert b"secret-source-name" not in data
        assert stills[role]["sha256"] == hashlib.sha256(data).hexdigest()
        bad = validate(flipped(data), "image/jpeg", signing.ca)
        assert bad["validation_state"] == "Invalid"

    if media.public_file:  # the clean public copy (source protection, H1's part)
        data = anonymous(media.public_file.name)
        report = validate(data, "video/mp4", signing.ca)
        assert report["validation_state"] == "Trusted", failures(report)
        assert b"secret-source-name" not in data
        assert validate(flipped(data), "video/mp4", signing.ca)["validation_state"] == "Invalid"

    # HLS: one detached manifest per rendition over init.mp4 + segments in playlist order.
    tree = storage.hls_tree(media.hls_file)
    renditions = {r["rendition"]: r for r in record["renditions"]}
    assert renditions, "every rendition gets a manifest"
    for name, entry in renditions.items():
        playlist = hls.parse_media_playlist(read_bytes(f"{tree}/{name}/index.m3u8").decode())
        parts = [playlist.init, *(uri for uri, _ in playlist.segments)]
        whole = b"".join(read_bytes(f"{tree}/{name}/{part}") for part in parts)
        assert hashlib.sha256(whole).hexdigest() == entry["sha256"]
        sidecar = anonymous(f"{tree}/{name}/manifest.c2pa")
        report = validate(whole, "video/mp4", signing.ca, sidecar)
        assert report["validation_state"] == "Trusted", failures(report)
        init_size = len(read_bytes(f"{tree}/{name}/{playlist.init}"))
        tampered = flipped(whole, init_size + (len(whole) - init_size) // 2)
        bad = validate(tampered, "video/mp4", signing.ca, sidecar)
        assert bad["validation_state"] == "Invalid"
        assert any("mismatch" in code for code in failures(bad)), failures(bad)


def test_the_public_download_gets_embedded_credentials(signing, small_clip):
    """The clean public copy (Media.public_file, made by source protection) is signed in place,
    streamed, its media data hashed in Merkle chunks; one flipped byte fails validation."""
    media = upload(small_clip)
    if not media.public_file:  # stand in for source protection's copy when it made none
        name = f"{storage.encoded_prefix(media.uid.hex)}/public.mp4"
        storage.publish_file(str(small_clip), name)
        Media.objects.filter(pk=media.pk).update(public_file=name)
    media = publish(encode_inline(media))
    assert media.encoding_status == "success", media.encoding_fail_reason
    data = anonymous(media.public_file.name) if media.allow_download else b""
    data = data or read_bytes(media.public_file.name)
    report = validate(data, "video/mp4", signing.ca)
    assert report["validation_state"] == "Trusted", failures(report)
    manifest = active(report)
    bmff = next(a for a in manifest["assertions"] if a["label"].startswith("c2pa.hash.bmff"))
    assert "merkle" in bmff["data"]
    entry = next(f for f in media.provenance["files"] if f["role"] == "public")
    assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    bad = validate(flipped(data, len(data) // 2), "video/mp4", signing.ca)
    assert bad["validation_state"] == "Invalid", failures(bad)


def test_a_pdf_download_gets_embedded_credentials(signing, clip_dir):
    from tests.encoding.test_pipeline import _tiny_pdf

    pdf = clip_dir / "doc.pdf"
    pdf.write_bytes(_tiny_pdf())
    media = upload(pdf)
    if not media.public_file:  # stand in for source protection's cleaned copy
        name = f"{storage.encoded_prefix(media.uid.hex)}/public.pdf"
        storage.publish_file(str(pdf), name)
        Media.objects.filter(pk=media.pk).update(public_file=name)
    media = publish(encode_inline(media))
    assert media.encoding_status == "success", media.encoding_fail_reason
    data = read_bytes(media.public_file.name)
    report = validate(data, "application/pdf", signing.ca)
    assert report["validation_state"] == "Trusted", failures(report)
    assert validate(flipped(data, 40), "application/pdf", signing.ca)["validation_state"] != (
        "Trusted"
    )


def test_audio_renditions_get_a_manifest_each(signing, clip_dir):
    audio = clip_dir / "voice.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=f=440:d=3", "-c:a", "aac", str(audio))
    media = encode_inline(upload(audio))
    assert media.encoding_status == "success", media.encoding_fail_reason
    assert media.provenance["signed"] is True
    assert [r["rendition"] for r in media.provenance["renditions"]]


def _camera_sign(src, dst, camera, mime: str) -> None:
    """``src`` signed as a camera would: a manifest whose EXIF assertion holds GPS and a serial."""
    definition = {
        "claim_generator_info": [{"name": "TestCam", "version": "1.0"}],
        "assertions": [
            {
                "label": "c2pa.actions.v2",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": "http://cv.iptc.org/newscodes/"
                            "digitalsourcetype/digitalCapture",
                        }
                    ]
                },
            },
            {
                "label": "stds.exif",
                "data": {
                    "@context": {"exif": "http://ns.adobe.com/exif/1.0/"},
                    "exif:GPSLatitude": GPS,
                    "exif:BodySerialNumber": SERIAL,
                },
            },
        ],
    }
    ctx = c2pa.Context.from_dict({"builder": {"thumbnail": {"enabled": False}}})
    info = c2pa.C2paSignerInfo(b"es256", camera.chain.read_bytes(), camera.key.read_bytes(), None)
    with (
        ctx,
        c2pa.Signer.from_info(info) as signer,
        c2pa.Builder(definition, context=ctx) as b,
        open(src, "rb") as s,
        open(dst, "w+b") as d,
    ):
        b.sign(signer, mime, s, d)


def _camera_photo(path, camera, *, exif: bool = True) -> bytes:
    """A JPEG a signing camera would upload: its manifest has an EXIF assertion with GPS."""
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=800x600:d=1", "-frames:v", "1", str(path) + ".raw.jpg")
    assertions = [
        {
            "label": "c2pa.actions.v2",
            "data": {
                "actions": [
                    {
                        "action": "c2pa.created",
                        "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/"
                        "digitalCapture",
                    }
                ]
            },
        }
    ]
    if exif:
        assertions.append(
            {
                "label": "stds.exif",
                "data": {
                    "@context": {"exif": "http://ns.adobe.com/exif/1.0/"},
                    "exif:GPSLatitude": GPS,
                    "exif:GPSLongitude": "2,17.6700E",
                    "exif:BodySerialNumber": SERIAL,
                },
            }
        )
    definition = {"claim_generator_info": [{"name": "TestCam", "version": "1.0"}],
                  "assertions": assertions}  # fmt: skip
    ctx = c2pa.Context.from_dict({"builder": {"thumbnail": {"enabled": False}}})
    info = c2pa.C2paSignerInfo(b"es256", camera.chain.read_bytes(), camera.key.read_bytes(), None)
    with (
        ctx,
        c2pa.Signer.from_info(info) as signer,
        c2pa.Builder(definition, context=ctx) as b,
        open(str(path) + ".raw.jpg", "rb") as src,
        open(path, "w+b") as dst,
    ):
        b.sign(signer, "image/jpeg", src, dst)
    return path.read_bytes()


def test_incoming_credentials_are_validated_kept_and_their_metadata_redacted(
    signing, camera, settings, tmp_path
):
    # Trust both the newsroom's CA and the camera maker's.
    anchors = tmp_path / "anchors.pem"
    anchors.write_bytes(signing.ca.read_bytes() + camera.ca.read_bytes())
    settings.C2PA_TRUST_ANCHORS = str(anchors)
    photo = tmp_path / "IMG_0001.jpg"
    data = _camera_photo(photo, camera)
    assert GPS.encode() in data  # planted: the camera's manifest carries it

    media = publish(encode_inline(upload(photo)))
    assert media.encoding_status == "success", media.encoding_fail_reason
    incoming = media.provenance["incoming"]
    assert incoming["status"] == "valid", incoming
    assert incoming["signer"]["subject"] == "Test Camera"
    assert media.provenance["chained_incoming"] is True

    names = [media.thumbnail.name, media.poster.name]
    if media.public_file:
        names.append(media.public_file.name)
    for name in names:
        out = anonymous(name)
        assert GPS.encode() not in out and SERIAL.encode() not in out, name
        report = validate(out, "image/jpeg", anchors)
        assert report["validation_state"] == "Trusted", failures(report)
        ours = active(report)
        parent = ours["ingredients"][0]
        assert parent["title"] == "original upload"
        # The camera's manifest is kept as the ingredient's, its EXIF assertion redacted.
        camera_manifest = report["manifests"][parent["active_manifest"]]
        assert camera_manifest["signature_info"]["common_name"] == "Test Camera"
        assert not [a for a in camera_manifest["assertions"] if a["label"].startswith("stds.exif")]
        assert any("stds.exif" in r for r in ours.get("redactions", []))

    # An operator who keeps no incoming credentials: validated and shown, never published.
    settings.C2PA_KEEP_INCOMING = False
    media = publish(encode_inline(upload(photo)))
    assert media.provenance["incoming"]["status"] == "valid"
    assert media.provenance["chained_incoming"] is False
    out = anonymous(media.thumbnail.name)
    assert b"Test Camera" not in out and GPS.encode() not in out
    assert "active_manifest" not in active(validate(out, "image/jpeg", anchors))["ingredients"][0]


def test_a_signed_camera_video_keeps_its_chain_in_every_rendition_without_its_exif(
    signing, camera, settings, tmp_path, small_clip
):
    anchors = tmp_path / "anchors.pem"
    anchors.write_bytes(signing.ca.read_bytes() + camera.ca.read_bytes())
    settings.C2PA_TRUST_ANCHORS = str(anchors)
    video = tmp_path / "VID_0001.mp4"
    _camera_sign(small_clip, video, camera, "video/mp4")
    media = publish(encode_inline(upload(video)))
    assert media.encoding_status == "success", media.encoding_fail_reason
    assert media.provenance["incoming"]["status"] == "valid"
    assert media.provenance["chained_incoming"] is True, media.provenance.get("chain_dropped")
    tree = storage.hls_tree(media.hls_file)
    for entry in media.provenance["renditions"]:
        name = entry["rendition"]
        playlist = hls.parse_media_playlist(read_bytes(f"{tree}/{name}/index.m3u8").decode())
        parts = [playlist.init, *(uri for uri, _ in playlist.segments)]
        whole = b"".join(read_bytes(f"{tree}/{name}/{part}") for part in parts)
        sidecar = anonymous(f"{tree}/{name}/manifest.c2pa")
        assert GPS.encode() not in sidecar and SERIAL.encode() not in sidecar
        report = validate(whole, "video/mp4", anchors, sidecar)
        assert report["validation_state"] == "Trusted", failures(report)
        parent = active(report)["ingredients"][0]
        assert report["manifests"][parent["active_manifest"]]["signature_info"]["common_name"] == (
            "Test Camera"
        )


def test_tampered_and_garbled_incoming_credentials_are_invalid_and_ingest_goes_on(
    signing, camera, settings, tmp_path
):
    settings.C2PA_TRUST_ANCHORS = str(camera.ca)
    photo = tmp_path / "tampered.jpg"
    data = _camera_photo(photo, camera, exif=False)
    # Change one byte of the picture after the manifest (the hashed image data).
    photo.write_bytes(flipped(data, len(data) - 300))
    media = encode_inline(upload(photo))
    assert media.encoding_status == "success", media.encoding_fail_reason
    assert media.provenance["incoming"]["status"] == "invalid"
    assert media.provenance["incoming"]["codes"]
    assert media.provenance["chained_incoming"] is False

    # Garbled: the manifest store cut in the middle (its JUMBF box lies about its length).
    garbled = tmp_path / "garbled.jpg"
    start = data.index(b"jumb")
    garbled.write_bytes(data[: start + 120] + b"\x00" * 50 + data[start + 400 :])
    media = encode_inline(upload(garbled))
    assert media.provenance["incoming"]["status"] in ("invalid", "none")
    # whatever c2pa makes of it, ingest went on and decided on the file itself
    assert media.encoding_status in ("success", "fail")
    if media.encoding_status == "fail":
        assert "Content Credentials" not in media.encoding_fail_reason

    # An untrusted but intact signature is "untrusted-valid".
    settings.C2PA_TRUST_ANCHORS = str(signing.ca)
    intact = tmp_path / "intact.jpg"
    intact.write_bytes(data)
    media = encode_inline(upload(intact))
    assert media.provenance["incoming"]["status"] == "untrusted-valid"


def test_no_signer_in_production_keeps_media_unpublished_unless_allowed(
    settings, small_clip, tmp_path, chain
):
    settings.C2PA_DEV_CHAIN = False
    settings.C2PA_SIGNING_CERT = settings.C2PA_SIGNING_KEY = settings.C2PA_SIGNER = ""
    settings.C2PA_ALLOW_UNSIGNED = False
    media = encode_inline(upload(small_clip))
    assert media.encoding_status == "fail"
    assert "Content Credentials could not be signed" in media.encoding_fail_reason
    assert "C2PA_SIGNING_CERT" in media.provenance["reason"]  # the operator's detail

    # A key that is not the certificate's: refused the same way, and no path or key detail
    # reaches the owner or the public.
    other = make_chain(tmp_path / "other")
    settings.C2PA_SIGNING_CERT, settings.C2PA_SIGNING_KEY = str(chain.chain), str(other.key)
    media = encode_inline(upload(small_clip))
    assert media.encoding_status == "fail"
    assert "not the signing certificate's key" in media.provenance["reason"]
    assert str(tmp_path) not in media.encoding_fail_reason

    settings.C2PA_ALLOW_UNSIGNED = True
    media = encode_inline(upload(small_clip))
    assert media.encoding_status == "success", media.encoding_fail_reason
    assert media.provenance["signed"] is False and media.provenance["reason"]
    public = Client().get(f"/api/v1/media/{publish(media).friendly_token}").json()["provenance"]
    assert public["signed"] is False
    assert public["reason"] == "this site has no signing certificate"
    assert str(tmp_path) not in json.dumps(public)


def test_development_signs_with_a_throwaway_chain_it_calls_untrusted(settings, tmp_path, clip_dir):
    settings.C2PA_DEV_CHAIN = True
    settings.C2PA_DEV_DIR = tmp_path / "dev"
    settings.C2PA_SIGNING_CERT = settings.C2PA_SIGNING_KEY = settings.C2PA_SIGNER = ""
    settings.C2PA_TRUST_ANCHORS = ""
    image = clip_dir / "dev-photo.jpg"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=640x480:d=1", "-frames:v", "1", str(image))
    media = encode_inline(upload(image))
    assert media.encoding_status == "success", media.encoding_fail_reason
    record = media.provenance
    assert record["signed"] is True and record["development"] is True
    assert record["trusted"] is False
    assert "development" in record["signer"]["subject"]
    assert (tmp_path / "dev" / "chain.pem").exists()


def test_callback_signer_plugs_in_a_kms(settings, signing, clip_dir):
    settings.C2PA_SIGNER = "tests.trust.kms_signer.factory"
    settings.C2PA_SIGNING_KEY = ""  # the "KMS" holds it
    image = clip_dir / "kms-photo.jpg"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=640x480:d=1", "-frames:v", "1", str(image))
    media = publish(encode_inline(upload(image)))
    assert media.encoding_status == "success", media.encoding_fail_reason
    assert media.provenance["signer"]["source"] == "callback"
    report = validate(anonymous(media.thumbnail.name), "image/jpeg", signing.ca)
    assert report["validation_state"] == "Trusted", failures(report)


def test_signatures_are_time_stamped_by_the_configured_authority(
    settings, signing, clip_dir, tmp_path
):
    from tests.trust.tsa import OpensslAuthority

    authority = OpensslAuthority(tmp_path)
    settings.C2PA_TSA_URL = authority.start()
    try:
        image = clip_dir / "stamped-photo.jpg"
        ffmpeg("-f", "lavfi", "-i", "testsrc2=s=640x480:d=1", "-frames:v", "1", str(image))
        media = publish(encode_inline(upload(image)))
    finally:
        authority.stop()
    assert media.encoding_status == "success", media.encoding_fail_reason
    assert authority.queries >= 3  # download copy or not, poster and thumbnail at least
    report = validate(anonymous(media.thumbnail.name), "image/jpeg", signing.ca)
    assert report["validation_state"] == "Trusted", failures(report)
    assert active(report)["signature_info"]["time"]
    codes = [x["code"] for x in report["validation_results"]["activeManifest"]["success"]]
    assert "timeStamp.validated" in codes


def test_api_detail_gives_the_public_provenance(signing, client, clip_dir):
    image = clip_dir / "api-photo.jpg"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=640x480:d=1", "-frames:v", "1", str(image))
    media = publish(encode_inline(upload(image, original_filename="whistle.jpg")))
    body = client.get(f"/api/v1/media/{media.friendly_token}").json()
    prov = body["provenance"]
    assert prov["signed"] is True and prov["trusted"] is True
    assert prov["signer"]["subject"] == "Test Newsroom Signer"
    assert prov["original"]["sha256"] == media.provenance["original"]["sha256"]
    assert {f["role"] for f in prov["files"]} >= {"poster", "thumbnail"}
    assert "whistle" not in json.dumps(prov)
    assert "redactable" not in json.dumps(prov)


def test_playlists_announce_their_rendition_manifest(signing, small_clip, settings):
    media = publish(encode_inline(upload(small_clip)))
    tree = storage.hls_tree(media.hls_file)
    rendition = media.provenance["renditions"][0]["rendition"]
    sidecar = read_bytes(f"{tree}/{rendition}/manifest.c2pa")
    prefix = "/stream/" if settings.TEST_STORAGE == "s3" else "/media/"
    response = Client().get(f"{prefix}{tree}/{rendition}/index.m3u8")
    assert response.status_code == 200
    link = response.headers["Link"]
    assert link.endswith('>; rel="c2pa-manifest"'), link
    target = link[1 : link.index(">")]
    if settings.TEST_STORAGE == "s3":  # a presigned URL of the sidecar in the bucket
        from tests.served import fetch

        assert fetch(target)[2] == sidecar
    else:  # beside the playlist
        assert target == "manifest.c2pa"
        assert anonymous(f"{tree}/{rendition}/{target}") == sidecar
    assert "Link" not in Client().get(f"{prefix}{media.hls_file}").headers


# --- /verify ------------------------------------------------------------------------------


def test_verify_recognises_a_downloaded_file_and_rejects_a_tampered_one(signing, clip_dir):
    image = clip_dir / "verify-photo.jpg"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=640x480:d=1", "-frames:v", "1", str(image))
    media = publish(encode_inline(upload(image)))
    data = anonymous(media.thumbnail.name)
    api = Client()

    answer = api.post("/api/v1/verify", {"file": _named(data, "thumb.jpg")}).json()
    assert answer["unaltered"] is True and answer["match"] == "sha256"
    assert answer["media"]["friendly_token"] == media.friendly_token
    assert answer["file"] == "thumbnail"
    assert answer["credentials"]["status"] == "valid"

    answer = api.post("/api/v1/verify", {"file": _named(flipped(data), "thumb.jpg")}).json()
    assert answer["unaltered"] is False and answer["match"] is None
    assert answer["credentials"]["status"] == "invalid"
    assert "do not validate" in answer["message"]

    # By URL: the site's own media URL, read from storage, never fetched.
    url = f"http://testserver/media/{media.poster.name}"
    answer = api.post("/api/v1/verify", {"url": url}, content_type="application/json").json()
    assert answer["unaltered"] is True and answer["file"] == "poster"
    for foreign in ("http://169.254.169.254/latest/meta-data", "file:///etc/passwd",
                    "http://example.org/media/" + media.poster.name):  # fmt: skip
        response = api.post("/api/v1/verify", {"url": foreign}, content_type="application/json")
        assert response.status_code == 400, foreign

    # Nothing to check, or too much.
    assert api.post("/api/v1/verify", {}).status_code == 400
    from media_app.api.views import provenance as verify_api

    limit = verify_api.VERIFY_MAX_BYTES
    try:
        verify_api.VERIFY_MAX_BYTES = 1000
        response = api.post("/api/v1/verify", {"file": _named(data, "thumb.jpg")})
        assert response.status_code == 413
    finally:
        verify_api.VERIFY_MAX_BYTES = limit


def test_verify_checks_a_whole_rendition_by_its_playlist_url(signing, small_clip):
    media = publish(encode_inline(upload(small_clip)))
    tree = storage.hls_tree(media.hls_file)
    name = media.provenance["renditions"][0]["rendition"]
    url = f"/media/{tree}/{name}/index.m3u8"
    answer = Client().post("/api/v1/verify", {"url": url}, content_type="application/json").json()
    assert answer["unaltered"] is True, answer
    assert answer["credentials"]["status"] == "valid"
    assert answer["file"] == f"rendition {name}"

    # The same rendition uploaded as init + segments with its manifest: the manifest decides.
    playlist = hls.parse_media_playlist(read_bytes(f"{tree}/{name}/index.m3u8").decode())
    whole = b"".join(
        read_bytes(f"{tree}/{name}/{p}")
        for p in [playlist.init, *(uri for uri, _ in playlist.segments)]
    )
    sidecar = read_bytes(f"{tree}/{name}/manifest.c2pa")
    answer = (
        Client()
        .post(
            "/api/v1/verify",
            {
                "file": _named(flipped(whole), "rendition.mp4"),
                "manifest": _named(sidecar, "m.c2pa"),
            },
        )
        .json()
    )
    assert answer["unaltered"] is False and answer["credentials"]["status"] == "invalid"


def _named(data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


# --- system check -------------------------------------------------------------------------


def test_system_check_refuses_a_missing_or_expired_signer_in_production(settings, tmp_path):
    from media_app.checks import content_credentials

    settings.C2PA_DEV_CHAIN = False
    settings.C2PA_SIGNING_CERT = settings.C2PA_SIGNING_KEY = settings.C2PA_SIGNER = ""
    settings.C2PA_ALLOW_UNSIGNED = False
    [error] = content_credentials()
    assert error.id == "openpress.E150" and "C2PA_SIGNING_CERT" in error.msg

    expired = make_chain(tmp_path / "expired", start="20200101000000Z")
    settings.C2PA_SIGNING_CERT, settings.C2PA_SIGNING_KEY = str(expired.chain), str(expired.key)
    [error] = content_credentials()
    assert error.id == "openpress.E150" and "expired" in error.msg

    settings.C2PA_SIGNING_KEY = str(tmp_path / "nowhere.key")
    [error] = content_credentials()
    assert "cannot be read" in error.msg

    settings.C2PA_ALLOW_UNSIGNED = True
    [warning] = content_credentials()
    assert warning.id == "openpress.W150"

    good = make_chain(tmp_path / "good")
    settings.C2PA_SIGNING_CERT, settings.C2PA_SIGNING_KEY = str(good.chain), str(good.key)
    assert content_credentials() == []


def test_verify_page_mounts_its_react_page():
    response = Client().get("/verify")
    assert response.status_code == 200
    assert b'data-page="verify"' in response.content
