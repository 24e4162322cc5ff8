"""The tamper-evident history (issue 15, section 3): the chain's format, what is recorded, and
``verify_history`` naming exactly the entry changed behind the application's back."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from media_app.models import HistoryEntry, Media
from media_app.services.history import GENESIS
from tests.conftest import client_for
from tests.factories import MediaFactory, UserFactory

pytestmark = pytest.mark.django_db


def _verify(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify_history", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code), out.getvalue()
    return 0, out.getvalue()


def _published_by_review(editor) -> Media:
    """A registered user's upload, encoded, waiting for review; the editor approves it."""
    author = UserFactory()
    media = MediaFactory(
        user=author,
        state=Media.State.PRIVATE,
        requested_state=Media.State.PUBLIC,
        is_reviewed=False,
    )
    assert not HistoryEntry.objects.filter(media=media).exists()
    response = client_for(editor).post(
        f"/api/v1/media/{media.friendly_token}", {"type": "review", "result": True}, format="json"
    )
    assert response.status_code == 201, response.content
    return media


def test_publication_and_edits_form_a_chain_anyone_can_recompute(editor):
    media = _published_by_review(editor)
    for n in range(3):
        response = client_for(editor).put(
            f"/api/v1/media/{media.friendly_token}", {"title": f"Take {n}"}, format="json"
        )
        assert response.status_code == 201, response.content

    history = client_for(None).get(f"/api/v1/media/{media.friendly_token}/history").json()
    entries = history["results"]
    assert [e["seq"] for e in entries] == [1, 2, 3, 4]
    assert [e["kind"] for e in entries] == ["published", "edited", "edited", "edited"]
    prev = GENESIS
    for entry in entries:
        # Recomputed from the published format alone (docs/provenance.md).
        assert entry["prev_hash"] == prev
        digest = hashlib.sha256((prev + entry["payload"]).encode()).hexdigest()
        assert entry["entry_hash"] == digest
        payload = json.loads(entry["payload"])
        assert (
            json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            == (entry["payload"])
        )
        assert payload["media"] == str(media.uid) and payload["seq"] == entry["seq"]
        prev = digest
    first = json.loads(entries[0]["payload"])
    assert first["by"] == editor.username
    assert first["change"]["state"] == "public"
    assert first["change"]["author"] == media.user.username
    last = json.loads(entries[-1]["payload"])
    assert last["change"] == {"title": {"from": "Take 1", "to": "Take 2"}}
    assert last["by"] == editor.username


def test_verify_history_names_the_row_changed_in_the_database(editor):
    media = _published_by_review(editor)
    for n in range(3):
        client_for(editor).put(
            f"/api/v1/media/{media.friendly_token}", {"title": f"Take {n}"}, format="json"
        )
    untouched = _published_by_review(editor)
    client_for(editor).put(
        f"/api/v1/media/{untouched.friendly_token}", {"description": "Edited."}, format="json"
    )
    assert _verify() == (0, "ok: 2 chains, 6 entries\n")

    # Someone with database access rewrites what the second edit said.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE media_app_historyentry SET payload = replace(payload, 'Take 1', 'Take X') "
            "WHERE media_id = %s AND seq = 3",
            [media.pk],
        )
    code, out = _verify()
    assert code == 1
    broken = [line for line in out.splitlines() if line.startswith("broken:")]
    assert broken == [
        f"broken: media {media.friendly_token} seq 3: entry_hash does not match the payload "
        "(the payload was changed)"
    ]
    assert untouched.friendly_token not in out
    assert _verify("--media", untouched.friendly_token) == (0, "ok: 1 chains, 2 entries\n")
    assert _verify("--media", media.friendly_token)[0] == 1


def test_verify_history_catches_a_rehashed_entry_and_a_deleted_one(editor):
    media = _published_by_review(editor)
    for n in range(3):
        client_for(editor).put(
            f"/api/v1/media/{media.friendly_token}", {"title": f"Take {n}"}, format="json"
        )
    # The forger recomputes the changed entry's own hash: the next link no longer holds.
    entry = HistoryEntry.objects.get(media=media, seq=2)
    entry.payload = entry.payload.replace("Take 0", "Take Z")
    entry.entry_hash = hashlib.sha256((entry.prev_hash + entry.payload).encode()).hexdigest()
    entry.save()
    code, out = _verify()
    assert code == 1
    assert f"broken: media {media.friendly_token} seq 3: prev_hash" in out

    HistoryEntry.objects.filter(media=media, seq__gte=2).delete()
    HistoryEntry.objects.create(
        media=media,
        seq=4,
        kind="edited",
        payload="{}",
        prev_hash="0" * 64,
        entry_hash="0" * 64,
        created_at=entry.created_at,
    )
    code, out = _verify()
    assert code == 1 and f"media {media.friendly_token} seq 4: seq 4 where 2" in out


def test_what_is_and_is_not_recorded(editor, journalist):
    # A publisher's upload that is never public has no chain.
    private = MediaFactory(user=journalist, state=Media.State.PRIVATE)
    client_for(journalist).put(
        f"/api/v1/media/{private.friendly_token}", {"title": "Draft"}, format="json"
    )
    assert not HistoryEntry.objects.filter(media=private).exists()
    # Made public: the chain starts; made unlisted, then private: recorded.
    client_for(journalist).put(
        f"/api/v1/media/{private.friendly_token}", {"state": "public"}, format="json"
    )
    for state in ("unlisted", "private"):
        client_for(journalist).put(
            f"/api/v1/media/{private.friendly_token}", {"state": state}, format="json"
        )
    # A change of something that is not a public fact is not.
    client_for(journalist).put(
        f"/api/v1/media/{private.friendly_token}", {"enable_comments": False}, format="json"
    )
    rows = HistoryEntry.objects.filter(media=private).order_by("seq")
    changes = [json.loads(e.payload)["change"] for e in rows]
    assert [e.kind for e in rows] == ["published", "edited", "edited"]
    assert changes[0]["title"] == "Draft"
    assert changes[1] == {"state": {"from": "public", "to": "unlisted"}}
    assert changes[2] == {"state": {"from": "unlisted", "to": "private"}}
    # Private now, its history is its owner's and editors' to read.
    assert (
        client_for(None).get(f"/api/v1/media/{private.friendly_token}/history").status_code == 404
    )
    assert (
        client_for(editor).get(f"/api/v1/media/{private.friendly_token}/history").status_code == 200
    )


def test_the_encode_publishes_and_a_new_encode_replaces_the_files(tmp_path):
    """Real ffmpeg: a publisher's upload is published when its encode succeeds (the chain's
    first entry names its file), and encoding it again appends the new files."""
    from tests.encoding.clips import make_clip
    from tests.encoding.conftest import encode_inline, upload

    clip = make_clip(tmp_path / "field.mp4", size="320x240", seconds=2)
    media = upload(clip, user=UserFactory(is_verified_journalist=True))
    assert not HistoryEntry.objects.filter(media=media).exists()  # not yet encoded
    media = encode_inline(media)
    assert media.encoding_status == Media.EncodingStatus.SUCCESS, media.encoding_fail_reason
    first = HistoryEntry.objects.get(media=media)
    change = json.loads(first.payload)["change"]
    assert first.kind == "published"
    assert change["file"]["original"] == media.media_file.name
    assert change["file"]["hls"] == media.hls_file
    sha = (media.provenance.get("original") or {}).get("sha256")
    assert change["file"]["original_sha256"] == (sha or None)

    media = encode_inline(media)
    last = HistoryEntry.objects.filter(media=media).order_by("seq").last()
    assert (last.seq, last.kind) == (2, "files")
    assert (
        json.loads(last.payload)["change"]["file"]["hls"] == media.hls_file != change["file"]["hls"]
    )
    assert _verify() == (0, "ok: 1 chains, 2 entries\n")


def test_an_author_change_in_the_admin_is_recorded(editor, client):
    from django import forms

    from media_app.models import User

    admin = User.objects.create_superuser("chief", "chief@example.org", "correct horse battery")
    media = _published_by_review(editor)
    heir = UserFactory()
    client.force_login(admin)
    page = client.get(f"/admin/media_app/media/{media.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        name: form[name].value()
        for name, field in form.fields.items()
        # File fields left out keep their file; None is not a form value.
        if form[name].value() is not None and not isinstance(field, forms.FileField)
    }
    data.update(
        {
            "user": heir.pk,
            # The admin's split date and time widget.
            "add_date_0": media.add_date.strftime("%Y-%m-%d"),
            "add_date_1": media.add_date.strftime("%H:%M:%S"),
            "tags": [],
            "categories": [],
            "encodings-TOTAL_FORMS": 0,
            "encodings-INITIAL_FORMS": 0,
        }
    )
    response = client.post(f"/admin/media_app/media/{media.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    last = HistoryEntry.objects.filter(media=media).order_by("seq").last()
    assert last.kind == "edited"
    assert json.loads(last.payload)["change"] == {
        "author": {"from": media.user.username, "to": heir.username}
    }
    assert json.loads(last.payload)["by"] == "chief"


def test_verify_history_catches_a_rewritten_tail_against_the_stamps(editor):
    """A forger rewrites a chain's last entry and recomputes it: the chain holds, but the day's
    stamp names a head that is no longer there."""
    from media_app.models import HistoryStamp
    from media_app.services.history import history_stamp_make

    media = _published_by_review(editor)
    client_for(editor).put(
        f"/api/v1/media/{media.friendly_token}", {"title": "As published"}, format="json"
    )
    history_stamp_make()
    assert _verify() == (0, "ok: 1 chains, 2 entries, 1 stamps\n")

    entry = HistoryEntry.objects.get(media=media, seq=2)
    entry.payload = entry.payload.replace("As published", "As we wish")
    entry.entry_hash = hashlib.sha256((entry.prev_hash + entry.payload).encode()).hexdigest()
    entry.save()
    code, out = _verify()
    assert code == 1
    assert f"broken: media {media.friendly_token}: the head " in out
    assert "is no longer in its chain (rewritten)" in out

    HistoryStamp.objects.update(digest="0" * 64)
    code, out = _verify()
    assert "digest does not match its heads" in out
