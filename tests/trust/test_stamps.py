"""The daily stamp of every history chain's head (issue 15, section 3): digest, RFC 3161 token
from a test authority made with ``openssl ts``, verified with rfc3161-client and with
``openssl ts -verify`` as an outsider would; a failing authority never breaks the stamp."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import subprocess

import pytest
from cryptography import x509
from django.core.management import call_command
from rfc3161_client import VerificationError, VerifierBuilder, decode_timestamp_response

from media_app.models import HistoryStamp
from media_app.services.corrections import correction_create
from media_app.services.history import history_stamp_make
from tests.conftest import client_for
from tests.factories import MediaFactory
from tests.trust.tsa import OpensslAuthority

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    tsa = OpensslAuthority(tmp_path_factory.mktemp("tsa"))
    tsa.url = tsa.start()
    yield tsa
    tsa.stop()


def _chains(journalist, count=2):
    media = [MediaFactory(user=journalist) for _ in range(count)]
    for item in media:
        correction_create(media=item, by=journalist, kind="update", text="More footage.")
    return media


def _verifier(authority):
    ca = x509.load_pem_x509_certificate(authority.ca_pem.read_bytes())
    tsa = x509.load_pem_x509_certificate(authority.tsa_pem.read_bytes())
    return VerifierBuilder().add_root_certificate(ca).tsa_certificate(tsa).build()


def test_stamp_history_time_stamps_the_heads(settings, journalist, authority, tmp_path):
    settings.HISTORY_TSA_URL = authority.url
    media = _chains(journalist)
    out = io.StringIO()
    call_command("stamp_history", stdout=out)
    stamp = HistoryStamp.objects.get()
    assert f"2 chains, digest {stamp.digest}, time-stamped by {authority.url}" in out.getvalue()

    # What is published, and how an outsider recomputes the digest from the chains' heads.
    published = client_for(None).get("/api/v1/history/stamps").json()["results"][0]
    heads = {
        str(m.uid): client_for(None)
        .get(f"/api/v1/media/{m.friendly_token}/history")
        .json()["results"][-1]["entry_hash"]
        for m in media
    }
    assert published["heads"] == heads
    message = json.dumps(heads, sort_keys=True, separators=(",", ":")).encode()
    assert published["digest"] == hashlib.sha256(message).hexdigest() == stamp.digest
    assert published["tsa_url"] == authority.url
    token = base64.b64decode(published["token"])

    # rfc3161-client: the token is the test authority's, over exactly this digest.
    response = decode_timestamp_response(token)
    assert _verifier(authority).verify(response, bytes.fromhex(stamp.digest))
    changed = hashlib.sha256(message + b" ").digest()
    with pytest.raises(VerificationError):
        _verifier(authority).verify(response, changed)

    # The outsider's cross-check with OpenSSL (docs/provenance.md).
    (tmp_path / "stamp.tsr").write_bytes(token)
    verify = [
        "openssl", "ts", "-verify", "-in", str(tmp_path / "stamp.tsr"),
        "-CAfile", str(authority.ca_pem), "-untrusted", str(authority.tsa_pem),
    ]  # fmt: skip
    ok = subprocess.run([*verify, "-digest", stamp.digest], capture_output=True, text=True)
    assert ok.returncode == 0 and "Verification: OK" in ok.stdout, ok.stdout + ok.stderr
    bad = subprocess.run([*verify, "-digest", changed.hex()], capture_output=True, text=True)
    assert bad.returncode != 0


def test_a_failing_authority_leaves_the_stamp_without_a_token_and_is_asked_again(
    settings, journalist, authority
):
    settings.HISTORY_TSA_URL = authority.url
    _chains(journalist, count=1)
    authority.refuse = True
    try:
        stamp = history_stamp_make()  # never raises
    finally:
        authority.refuse = False
    assert stamp.token is None and stamp.tsa_url == "" and len(stamp.heads) == 1
    assert client_for(None).get("/api/v1/history/stamps").json()["results"][0]["token"] is None

    asked = authority.queries
    stamp = history_stamp_make()  # the next run: the same day, now stamped
    assert authority.queries == asked + 1 and stamp.token
    assert HistoryStamp.objects.count() == 1
    history_stamp_make()  # stamped already: the authority is not asked again
    assert authority.queries == asked + 1

    settings.HISTORY_TSA_URL = "http://127.0.0.1:9/nothing-listens"
    HistoryStamp.objects.all().delete()
    assert history_stamp_make().token is None


def test_without_an_authority_the_digest_is_published_alone(settings, journalist):
    settings.HISTORY_TSA_URL = ""
    _chains(journalist, count=3)
    from media_app.tasks.housekeeping import history_stamp

    digest = history_stamp()
    stamp = HistoryStamp.objects.get()
    assert stamp.digest == digest and stamp.token is None and len(stamp.heads) == 3


def test_an_authority_writing_its_chain_out_of_der_order_is_asked_without_it(
    settings, journalist, authority, tmp_path
):
    settings.HISTORY_TSA_URL = authority.url
    _chains(journalist, count=1)
    authority.chain = True
    try:
        asked = authority.queries
        stamp = history_stamp_make()
    finally:
        authority.chain = False
    assert authority.queries == asked + 2 and stamp.token
    (tmp_path / "stamp.tsr").write_bytes(bytes(stamp.token))
    ok = subprocess.run(
        [
            "openssl",
            "ts",
            "-verify",
            "-in",
            str(tmp_path / "stamp.tsr"),
            "-digest",
            stamp.digest,
            "-CAfile",
            str(authority.ca_pem),
            "-untrusted",
            str(authority.tsa_pem),
        ],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0 and "Verification: OK" in ok.stdout, ok.stdout + ok.stderr
    response = decode_timestamp_response(bytes(stamp.token))
    assert _verifier(authority).verify(response, bytes.fromhex(stamp.digest))
