"""A test RFC 3161 time-stamping authority made of OpenSSL: a root CA and a TSA certificate
(extendedKeyUsage critical timeStamping) generated with ``openssl``, and a small HTTP server
thread that answers ``application/timestamp-query`` by running ``openssl ts -reply``.

The reply carries the signer's certificate only (no ``certs`` in the config, no ``-chain``):
rfc3161-client 1.0.9 refuses a SignedData whose certificates SET is not in DER order, and
OpenSSL writes a chain in the order given."""

from __future__ import annotations

import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_CONFIG = """\
[ tsa ]
default_tsa = tsa_config

[ tsa_config ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256

[ tsa_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ ca_ext ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
"""


def _run(*args: str, cwd: Path, data: bytes | None = None) -> bytes:
    done = subprocess.run(args, cwd=cwd, input=data, capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {done.stderr.decode(errors='replace')}")
    return done.stdout


class OpensslAuthority:
    """``url`` to post queries to; ``ca_pem`` / ``tsa_pem`` paths for verifiers."""

    def __init__(self, folder: Path):
        self.dir = folder
        self.config = folder / "tsa.cnf"
        self.config.write_text(_CONFIG.format(dir=folder))
        (folder / "serial").write_text("01\n")
        ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes")
        _run(
            "openssl", "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "2", "-subj", "/CN=OpenPress test TSA root",
            "-config", str(self.config), "-extensions", "ca_ext", cwd=folder,
        )  # fmt: skip
        _run(
            "openssl", "req", "-new", *ec, "-keyout", "tsa.key", "-out", "tsa.csr",
            "-subj", "/CN=OpenPress test TSA", cwd=folder,
        )  # fmt: skip
        _run(
            "openssl", "x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-out", "tsa.pem",
            "-extfile", str(self.config), "-extensions", "tsa_ext", cwd=folder,
        )  # fmt: skip
        self.ca_pem = folder / "ca.pem"
        self.tsa_pem = folder / "tsa.pem"
        self.queries = 0
        self.refuse = False
        # True: replies carry the chain too, in OpenSSL's order (not DER's set order).
        self.chain = False
        self._server: ThreadingHTTPServer | None = None

    def reply(self, query: bytes) -> bytes:
        with tempfile.NamedTemporaryFile(dir=self.dir, suffix=".tsq") as fh:
            fh.write(query)
            fh.flush()
            return _run(
                "openssl", "ts", "-reply", "-config", str(self.config), "-queryfile", fh.name,
                "-inkey", str(self.dir / "tsa.key"), "-signer", str(self.tsa_pem),
                *(("-chain", str(self.ca_pem)) if self.chain else ()), cwd=self.dir,
            )  # fmt: skip

    def start(self) -> str:
        authority = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                authority.queries += 1
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if authority.refuse or self.headers.get("Content-Type") != (
                    "application/timestamp-query"
                ):
                    self.send_error(503 if authority.refuse else 415)
                    return
                answer = authority.reply(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}/tsa"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
