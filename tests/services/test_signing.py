"""The signer of media links: nginx's ``secure_link_md5`` text, expiry steps, verdicts, and which
media need signed links (the selectors' rule, evaluated without a query)."""

import itertools
import shutil
import subprocess

import pytest
from django.db.models import Q

from media_app.models import Media
from media_app.selectors.media import media_visible_q
from media_app.services import signing
from tests.factories import MediaFactory

UID = "0123456789abcdef0123456789abcdef"
SECRET = "known-vector-secret-0123456789abcdef"
# Computed outside Python, as nginx does it (MD5, base64 with + and / made URL-safe, no '='):
#   printf '%s' "2000000000 encoded/<UID>/ <SECRET>" | openssl md5 -binary | openssl base64 \
#     | tr '+/' '-_' | tr -d '='
VECTORS = [
    (2000000000, f"encoded/{UID}/", "XE2cMyeOzqXlraN7R-lXvg"),
    (1700000000, f"original/01/{UID}.mp4", "-0RU_hI9Xlx-SBHw7mQQzQ"),
]


@pytest.mark.parametrize(("expires", "scope", "expected"), VECTORS)
def test_the_signature_is_nginx_secure_link_md5_of_expiry_scope_and_key(expires, scope, expected):
    assert signing.link_signature(scope=scope, expires=expires, secret=SECRET) == expected


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_the_known_vectors_agree_with_openssl():
    for expires, scope, expected in VECTORS:
        digest = subprocess.run(
            ["openssl", "md5", "-binary"],
            input=f"{expires} {scope} {SECRET}".encode(),
            capture_output=True,
            check=True,
        ).stdout
        b64 = subprocess.run(
            ["openssl", "base64"], input=digest, capture_output=True, check=True
        ).stdout.decode()
        assert b64.strip().replace("+", "-").replace("/", "_").rstrip("=") == expected


@pytest.mark.parametrize(
    ("name", "scope"),
    [
        (f"encoded/{UID}/hls/run1/master.m3u8", f"encoded/{UID}/"),
        (f"encoded/{UID}/poster.jpg", f"encoded/{UID}/"),
        (f"original/01/{UID}.mp4", f"original/01/{UID}.mp4"),
        (f"encoded/{UID}/", None),  # the folder itself is no file
        (f"original/01/{UID}.mp4/x", None),
        ("userlogos/abc.png", None),
        ("uploads/spool/x.bin", None),
        (f"encoded/{UID[:-1]}/x.jpg", None),
    ],
)
def test_the_scope_is_the_media_folder_or_the_original_file(name, scope):
    assert signing.link_scope(name) == scope


def test_links_expire_a_lifetime_from_now_rounded_up_to_a_step(settings):
    settings.MEDIA_LINK_SECONDS = 21600
    step = 21600 // signing.STEPS
    for now in (1_700_000_000, 1_700_000_001, 1_700_001_799, 1_700_001_800):
        expires = signing.link_expiry(now)
        assert now + 21600 <= expires < now + 21600 + step
        assert expires % step == 0
    # Links handed out within one step are the same link.
    assert signing.link_expiry(1_700_000_001) == signing.link_expiry(1_700_000_002)


def test_a_signed_name_round_trips_and_tampering_is_refused(settings):
    settings.MEDIA_LINK_SECRET = SECRET
    name = f"encoded/{UID}/hls/run1/240/seg_00001.m4s"
    signed = signing.signed_name(name, expires=2000000000)
    assert signed == f"s/XE2cMyeOzqXlraN7R-lXvg/2000000000/{name}"
    assert signing.link_verdict(signed, now=1999999999) == (signing.Verdict.VALID, name)
    # Any other file of the same folder carries the signature on (relative playlist URIs).
    sibling = signed.replace("240/seg_00001.m4s", "master.m3u8")
    assert signing.link_verdict(sibling, now=0)[0] is signing.Verdict.VALID
    # Past the expiry; a longer expiry; another media's folder; another key.
    assert signing.link_verdict(signed, now=2000000001)[0] is signing.Verdict.EXPIRED
    later = signed.replace("/2000000000/", "/2000003600/")
    assert signing.link_verdict(later, now=0)[0] is signing.Verdict.BAD
    other = signed.replace(UID, "f" * 32)
    assert signing.link_verdict(other, now=0)[0] is signing.Verdict.BAD
    settings.MEDIA_LINK_SECRET = SECRET + "x"
    assert signing.link_verdict(signed, now=0)[0] is signing.Verdict.BAD


def test_names_that_are_no_media_file_are_never_signed_nor_granted():
    assert signing.signed_name("userlogos/a.png") == "userlogos/a.png"
    forged = f"s/{'A' * 22}/2000000000/userlogos/a.png"
    assert signing.link_verdict(forged, now=0) == (signing.Verdict.BAD, None)
    assert signing.link_verdict("s/short/1/encoded/x", now=0) == (signing.Verdict.BAD, None)


@pytest.mark.django_db
def test_signed_links_go_to_exactly_the_media_anonymous_visitors_may_not_see():
    """The Python evaluation agrees with the selectors' rule run by the database, whatever the
    state, review and encoding status."""
    combos = itertools.product(Media.State.values, (True, False), Media.EncodingStatus.values)
    media = [
        MediaFactory(state=state, is_reviewed=reviewed, encoding_status=status)
        for state, reviewed, status in combos
    ]
    seen_by_anonymous = set(
        Media.objects.filter(media_visible_q(None)).values_list("pk", flat=True)
    )
    assert seen_by_anonymous and len(seen_by_anonymous) < len(media)
    for m in media:
        assert signing.needs_signed_links(m) == (m.pk not in seen_by_anonymous), (
            m.state,
            m.is_reviewed,
            m.encoding_status,
        )


def test_a_rule_that_cannot_be_evaluated_outside_the_database_fails_loudly():
    media = Media(state=Media.State.PUBLIC, is_reviewed=True, title="a b")
    assert signing._holds(Q(state="public") & ~Q(is_reviewed=False), media)
    assert signing._holds(Q(state="private") | Q(is_reviewed=True), media)
    with pytest.raises(ValueError, match="title__icontains"):
        signing._holds(Q(title__icontains="a"), media)
