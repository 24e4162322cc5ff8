"""Test signing chains for Content Credentials, made with the real ``openssl``.

A CA and an end-entity certificate (ES256, keyUsage digitalSignature, extendedKeyUsage
emailProtection, the key in PKCS#8), as a newsroom's certificate authority would issue.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Chain:
    ca: Path  # the CA certificate: the trust anchor
    chain: Path  # end-entity certificate then CA (what C2PA_SIGNING_CERT names)
    key: Path  # PKCS#8 private key of the end-entity certificate


def _run(*argv: str, cwd: Path) -> None:
    subprocess.run(argv, cwd=cwd, check=True, capture_output=True)


def make_chain(
    folder: Path, *, name: str = "Test Newsroom Signer", days: int = 365, start: str = ""
) -> Chain:
    """``start``: a ``YYYYMMDDHHMMSSZ`` not-before date (with ``days`` counted from it), for an
    expired certificate."""
    folder.mkdir(parents=True, exist_ok=True)
    _run(
        "openssl",
        "ecparam",
        "-name",
        "prime256v1",
        "-genkey",
        "-noout",
        "-out",
        "ca.key",
        cwd=folder,
    )
    _run(
        "openssl", "req", "-x509", "-new", "-key", "ca.key", "-sha256", "-days", "3650",
        "-subj", "/CN=Test C2PA CA/O=Test Trust", "-out", "ca.pem",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=folder,
    )  # fmt: skip
    _run(
        "openssl",
        "ecparam",
        "-name",
        "prime256v1",
        "-genkey",
        "-noout",
        "-out",
        "ee.ec",
        cwd=folder,
    )
    _run("openssl", "pkcs8", "-topk8", "-nocrypt", "-in", "ee.ec", "-out", "ee.key", cwd=folder)
    _run("openssl", "req", "-new", "-key", "ee.key", "-subj", f"/CN={name}/O=Test Newsroom",
         "-out", "ee.csr", cwd=folder)  # fmt: skip
    (folder / "ee.ext").write_text(
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=emailProtection\nsubjectKeyIdentifier=hash\n"
        "authorityKeyIdentifier=keyid\n"
    )
    if start:
        (folder / "index.txt").write_text("")
        (folder / "ca.cnf").write_text(
            "[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial\n"
            "policy=p\ndefault_md=sha256\nunique_subject=no\n[p]\ncommonName=supplied\n"
            "organizationName=optional\n"
        )
        (folder / "serial").write_text("1000\n")
        end = str(int(start[:4]) + 1) + start[4:]
        _run(
            "openssl", "ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile",
            "ca.key", "-in", "ee.csr", "-out", "ee.pem", "-startdate", start, "-enddate", end,
            "-extfile", "ee.ext", "-notext",
            cwd=folder,
        )  # fmt: skip
    else:
        _run(
            "openssl", "x509", "-req", "-in", "ee.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", str(days), "-sha256", "-extfile", "ee.ext",
            "-out", "ee.pem",
            cwd=folder,
        )  # fmt: skip
    chain = folder / "chain.pem"
    chain.write_bytes((folder / "ee.pem").read_bytes() + (folder / "ca.pem").read_bytes())
    return Chain(ca=folder / "ca.pem", chain=chain, key=folder / "ee.key")


def configure(settings, chain: Chain, *, anchors: Path | None = None) -> None:
    """Sign with ``chain`` (files named by path, as an operator would) and trust ``anchors``
    (default: the chain's own CA); production's rules, not development's throwaway chain."""
    settings.C2PA_SIGNING_CERT = str(chain.chain)
    settings.C2PA_SIGNING_KEY = str(chain.key)
    settings.C2PA_TRUST_ANCHORS = str(anchors or chain.ca)
    settings.C2PA_DEV_CHAIN = False
    settings.C2PA_ALLOW_UNSIGNED = False
