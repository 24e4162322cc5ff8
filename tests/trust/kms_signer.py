"""A stand-in for a KMS or HSM (``C2PA_SIGNER``): the private key stays in this module; OpenPress
gets only a function that signs bytes, and the certificate chain.

C2PA's callback signer hands the callback the bytes to sign and wants the signature back; for
ES256 that is the raw ``r || s`` form (64 bytes), not DER.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from django.conf import settings


def factory():
    chain = Path(settings.C2PA_SIGNING_CERT).read_bytes()
    key_path = Path(settings.C2PA_SIGNING_CERT).with_name("ee.key")  # held by the "KMS"
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)

    def sign(data: bytes) -> bytes:
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    return sign, chain, "es256"
