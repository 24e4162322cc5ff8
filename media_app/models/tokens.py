"""Random public identifiers (MediaCMS's ``friendly_token``: 9 characters of [A-Za-z0-9])."""

import secrets
import string

FRIENDLY_TOKEN_LEN = 9
_ALPHABET = string.ascii_letters + string.digits


def friendly_token() -> str:
    # 62**9 ≈ 1.3e16 values: a collision is astronomically rare; the unique index still guards.
    return "".join(secrets.choice(_ALPHABET) for _ in range(FRIENDLY_TOKEN_LEN))
