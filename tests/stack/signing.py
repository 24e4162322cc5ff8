"""A throw-away Content Credentials signer for a stack run: the production settings of the
stack's encoder refuse to start without one (docker/entrypoint.sh, check_signing), so the stack
tests sign with a chain made for the run, given as one-line ``base64:`` values in the .env."""

from __future__ import annotations

import base64
import tempfile

from media_app.provenance import development_chain


def signing_env() -> dict[str, str]:
    with tempfile.TemporaryDirectory() as folder:
        chain, key = development_chain(folder)
    return {
        "C2PA_SIGNING_CERT": "base64:" + base64.b64encode(chain).decode(),
        "C2PA_SIGNING_KEY": "base64:" + base64.b64encode(key).decode(),
    }
