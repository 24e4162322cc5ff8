"""Every environment variable OpenPress reads, declared once.

Settings modules read values through :func:`value`; the deployment renderers and
``.env.example`` are produced from :data:`VARIABLES`, so the name, default and meaning of a
variable live here and nowhere else. This module imports nothing from Django on purpose: the
renderers in ``openpress/deployment`` use it without configuring Django.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


class MissingSetting(RuntimeError):
    """A required variable (a secret, usually) is not set."""


@dataclass(frozen=True)
class Var:
    """One environment variable: its name, default (``None`` = required) and a one-line doc."""

    name: str
    default: str | None
    doc: str
    secret: bool = False
    group: str = "core"


VARIABLES: tuple[Var, ...] = (
    # core
    Var(
        "DJANGO_SETTINGS_MODULE",
        "openpress.settings.production",
        "Settings module: openpress.settings.dev, .test or .production.",
    ),
    Var("SECRET_KEY", None, "Django's signing key; long and random.", secret=True),
    Var("DEBUG", "false", "Debug pages and verbose errors; never true in production."),
    Var("ALLOWED_HOSTS", "localhost,127.0.0.1", "Comma-separated host names this site answers to."),
    Var("CSRF_TRUSTED_ORIGINS", "", "Comma-separated origins (scheme://host) trusted for POSTs."),
    Var(
        "SECURE_COOKIES",
        "true",
        "Session and CSRF cookies only over https (production); false for a plain-http stack.",
    ),
    Var("SITE_NAME", "OpenPress", "Name shown in pages and e-mails."),
    Var("LOG_LEVEL", "INFO", "Level of the application's logs."),
    Var("OPENPRESS_ADMIN_USER", "admin", "Username of the admin `create_admin_if_missing` makes."),
    Var("API_TOKEN_DAYS", "90", "Days an API token (from login or the account page) stays valid."),
    Var(
        "OPENPRESS_ADMIN_PASSWORD",
        "",
        "That admin's password; empty means a random one, printed once.",
        secret=True,
    ),
    # backing services
    Var(
        "DATABASE_URL",
        None,
        "Database, e.g. postgres://user:password@postgres:5432/openpress.",
        secret=True,
        group="services",
    ),
    Var(
        "REDIS_URL",
        "redis://127.0.0.1:6379/0",
        "Redis used as cache and Celery broker.",
        group="services",
    ),
    Var(
        "REDIS_PASSWORD",
        "",
        "Password Redis and its Sentinels require (compose and Kubernetes always set one); "
        "added to REDIS_URL. Empty: none (the tests, a Redis on loopback).",
        secret=True,
        group="services",
    ),
    Var(
        "REDIS_SENTINELS",
        "",
        "Comma-separated host:port of Redis Sentinels; when set, Celery and the cache follow "
        "the master they name (REDIS_URL's database number still applies).",
        group="services",
    ),
    Var(
        "REDIS_MASTER_NAME",
        "openpress",
        "Name under which the Sentinels monitor the Redis master.",
        group="services",
    ),
    Var(
        "CELERY_BROKER_URL",
        "",
        "Celery broker; empty means REDIS_URL. filesystem:// runs without a server.",
        group="services",
    ),
    Var(
        "CACHE_URL",
        "",
        "Django cache; empty means REDIS_URL (a file cache under var/ in development).",
        group="services",
    ),
    Var(
        "EMAIL_URL",
        "consolemail://",
        "Outgoing mail, e.g. smtp+tls://user:pw@host:587.",
        group="services",
    ),
    Var(
        "DEFAULT_FROM_EMAIL",
        "OpenPress <noreply@openpress.local>",
        "Sender of the e-mails OpenPress sends.",
        group="services",
    ),
    # storage and uploads
    Var("MEDIA_ROOT", "media_files", "Folder holding uploaded and encoded media.", group="storage"),
    Var("MEDIA_URL", "/media/", "URL prefix under which media files are served.", group="storage"),
    Var(
        "MEDIA_LINK_SECRET",
        None,
        "Key of the signed, expiring links to files of media anonymous visitors may not see; "
        "shared by the app and nginx: 32 or more letters, digits, '-' or '_'.",
        secret=True,
        group="storage",
    ),
    Var(
        "MEDIA_LINK_SECONDS",
        "21600",
        "How long a signed media file link works, in seconds: the longest a revoked viewer "
        "keeps access to files they were given.",
        group="storage",
    ),
    Var(
        "STATIC_ROOT",
        "static_collected",
        "Folder static files are collected into.",
        group="storage",
    ),
    Var("UPLOAD_MAX_SIZE", "4294967296", "Largest accepted upload, in bytes.", group="storage"),
    Var("UPLOADS_PER_USER", "500", "How many media one user may upload.", group="storage"),
    Var(
        "SEARCH_STATEMENT_TIMEOUT_MS",
        "2000",
        "Longest a search may run in PostgreSQL, in milliseconds, before it is cancelled and "
        "answered 503; 0 = no limit.",
    ),
    Var(
        "SUBTITLE_MAX_BYTES",
        "2097152",
        "Largest accepted subtitle file (WebVTT or SRT), in bytes.",
        group="storage",
    ),
    Var(
        "UPLOAD_QUOTA_BYTES",
        "5368709120",
        "Bytes of originals plus unfinished uploads an ordinary account may hold; 0 = no limit.",
        group="storage",
    ),
    Var(
        "UPLOAD_QUOTA_BYTES_VERIFIED",
        "214748364800",
        "The same quota for verified journalists, editors, managers and admins; 0 = no limit.",
        group="storage",
    ),
    Var(
        "UPLOAD_MAX_PENDING",
        "5",
        "Unfinished resumable uploads one account may have at once; 0 = no limit.",
        group="storage",
    ),
    Var(
        "UPLOAD_CREATE_RATE",
        "60/hour",
        "Uploads one account may start (tus creation or multipart POST), as a DRF rate.",
        group="storage",
    ),
    Var(
        "UPLOAD_CREATE_RATE_PER_CLIENT",
        "120/hour",
        "Uploads one client address may start, whatever the account, as a DRF rate.",
        group="storage",
    ),
    Var(
        "SCRATCH_DIR",
        "",
        "Local scratch space for encoders; empty means the system tmp.",
        group="storage",
    ),
    Var(
        "ORPHAN_GRACE_SECONDS",
        "86400",
        "Stored files no media owns (originals, encoded runs) are deleted once this old.",
        group="storage",
    ),
    # object storage (issue 14, docs/storage.md): django-storages' standard names
    Var(
        "AWS_STORAGE_BUCKET_NAME",
        "",
        "Bucket of an S3-compatible server for media; empty keeps media on the filesystem "
        "(MEDIA_ROOT). docs/storage.md says how both modes work.",
        group="object-storage",
    ),
    Var(
        "AWS_S3_ENDPOINT_URL",
        "",
        "URL of the S3 server (e.g. http://minio:9000); empty means Amazon S3 itself.",
        group="object-storage",
    ),
    Var(
        "AWS_S3_PUBLIC_ENDPOINT_URL",
        "",
        "S3 mode: the S3 server as browsers reach it (e.g. http://127.0.0.1:7480 when the app "
        "reaches http://s3:7480); URLs handed to browsers are signed for it. Empty: "
        "AWS_S3_ENDPOINT_URL.",
        group="object-storage",
    ),
    Var(
        "AWS_ACCESS_KEY_ID",
        "",
        "Access key for the bucket; empty: boto3's own chain (an IAM role, ~/.aws).",
        secret=True,
        group="object-storage",
    ),
    Var(
        "AWS_SECRET_ACCESS_KEY",
        "",
        "Secret key that goes with AWS_ACCESS_KEY_ID.",
        secret=True,
        group="object-storage",
    ),
    Var(
        "AWS_S3_REGION_NAME",
        "us-east-1",
        "Region the requests are signed for (self-hosted servers accept us-east-1).",
        group="object-storage",
    ),
    Var(
        "AWS_CA_BUNDLE",
        "",
        "boto3's own: a CA bundle file to check an HTTPS S3 server against; encoders' ffmpeg "
        "reads the bucket with the same one. Empty = the bundle boto3 ships.",
        group="object-storage",
    ),
    Var(
        "AWS_S3_ADDRESSING_STYLE",
        "auto",
        "path (bucket in the URL path), virtual (bucket in the host name) or auto: path when "
        "AWS_S3_ENDPOINT_URL is set (MinIO, Garage, Ceph RGW), else boto3's (virtual on AWS).",
        group="object-storage",
    ),
    Var(
        "MEDIA_PUBLIC_BASE_URL",
        "",
        "S3 mode: base URL (https://cdn.example.org/) of a CDN or proxy serving public media's "
        "objects, never private ones; empty: links go to the S3 endpoint.",
        group="object-storage",
    ),
    Var(
        "MEDIA_PUBLIC_LINK_SECONDS",
        "604800",
        "S3 mode: how long the presigned URLs of public media's files live (7 days, SigV4's "
        "longest); temporary credentials (IAM role, IRSA) end them sooner (docs/security.md).",
        group="object-storage",
    ),
    Var(
        "AWS_S3_CREATE_BUCKET",
        "false",
        "true: a missing bucket is created at start-up (development); false: start-up stops "
        "saying it is missing.",
        group="object-storage",
    ),
    Var(
        "UPLOAD_S3_PART_SIZE",
        "16777216",
        "S3 mode: bytes of each part a browser sends straight to the bucket (5 MiB or more; "
        "larger for files that would need more than 10,000 parts).",
        group="object-storage",
    ),
    Var(
        "UPLOAD_S3_PART_URL_SECONDS",
        "3600",
        "S3 mode: how long a presigned URL for one part of a direct upload works, in seconds.",
        group="object-storage",
    ),
    Var(
        "API_CACHE_SECONDS",
        "30",
        "How long anonymous lists, details and searches are cached, by the app and by nginx in "
        "front of it (a visibility change applies at once; counters may lag up to twice this); "
        "0 turns both off.",
        group="workflow",
    ),
    # workflow
    Var(
        "EMBED_ALLOWED_DOMAINS",
        "*",
        "Comma-separated sites that may embed the player (/embed): host names, *.example.org "
        "for sub-domains, * for any; empty: this site only. A media's own list adds to it "
        "(or 'none' turns it off for that media): docs/security.md, \"Embedding\".",
        group="workflow",
    ),
    Var(
        "REPORTED_TIMES_THRESHOLD",
        "10",
        "Counted reports (signed-in, aged accounts) after which media turns private.",
        group="workflow",
    ),
    Var(
        "REPORT_MIN_ACCOUNT_AGE_HOURS",
        "72",
        "How old an account must be before its reports count toward hiding media.",
        group="workflow",
    ),
    Var(
        "REPORT_COOLDOWN_HOURS",
        "72",
        "After an editor clears reported media, reports are only recorded for this long.",
        group="workflow",
    ),
    Var(
        "REPORT_RATE_PER_CLIENT",
        "5/hour",
        "Reports one client address may send (DRF rate: number/second|minute|hour|day).",
        group="workflow",
    ),
    Var(
        "REPORT_RATE_PER_MEDIA",
        "20/hour",
        "Reports one media may receive from everyone together (DRF rate).",
        group="workflow",
    ),
    # celery
    Var(
        "CELERY_LONG_TASK_TIME_LIMIT",
        "14400",
        "Hard time limit in seconds of the longest task (an encode).",
        group="celery",
    ),
    Var(
        "CELERY_VISIBILITY_TIMEOUT",
        "21600",
        "Seconds before the broker redelivers an unacknowledged task; above the longest task.",
        group="celery",
    ),
    Var(
        "CELERY_LONG_CONCURRENCY",
        "0",
        "Processes of a long worker; 0 means one per two CPUs of its container's limit "
        "(cgroup cpu.max), else of the CPUs it may run on.",
        group="celery",
    ),
    Var(
        "CELERY_SHORT_CONCURRENCY",
        "0",
        "Processes of a short worker; 0 means two per CPU of its container's limit (2 to 16).",
        group="celery",
    ),
    Var(
        "BEAT_LEASE_SECONDS",
        "20",
        "Lease in Redis that a celery beat must hold to fire jobs (at most one fires); a standby "
        "takes over within this plus a quarter of it after the holder is lost.",
        group="celery",
    ),
    Var(
        "CELERY_HEARTBEAT_FILE",
        "",
        "File a worker or beat touches to prove it is alive; empty disables it.",
        group="celery",
    ),
    # encoding
    Var(
        "ENCODE_LADDER",
        "240,360,480,720,1080",
        "Heights of the H.264 renditions.",
        group="encoding",
    ),
    Var("ENCODE_PRESET", "veryfast", "x264 preset of every rendition.", group="encoding"),
    Var("ENCODE_CRF", "23", "x264 constant rate factor.", group="encoding"),
    Var(
        "ENCODE_SEGMENT_SECONDS",
        "4",
        "HLS segment and keyframe interval, seconds.",
        group="encoding",
    ),
    Var(
        "FFMPEG_BINARY",
        "",
        "The ffmpeg that encodes. Empty: the FFmpeg build inside the imageio-ffmpeg package "
        "(FFmpeg 7 or newer, which runs each encoder of the one-process ladder in its own "
        "thread), or `ffmpeg` on PATH when that package has none for this machine.",
        group="encoding",
    ),
    Var(
        "ENCODE_FFMPEG_THREADS",
        "0",
        "Threads of one ffmpeg process; 0 means the long worker's CPUs (its container's "
        "limit) shared by the encodes it runs at once: 2 on a 2-CPU pod.",
        group="encoding",
    ),
    Var(
        "ENCODE_CHUNK_THRESHOLD_SECONDS",
        "600",
        "Videos longer than this are cut into chunks encoded in parallel.",
        group="encoding",
    ),
    Var("ENCODE_CHUNK_SECONDS", "120", "Target length of one chunk, seconds.", group="encoding"),
    Var(
        "ENCODE_STUCK_AFTER_SECONDS",
        "21600",
        "An encoding running longer than this is requeued or failed.",
        group="encoding",
    ),
    Var(
        "ENCODE_LEASE_SECONDS",
        "60",
        "Lease of a running encoding step, renewed by its worker every sixth of it; once it "
        "runs out (worker killed, node lost) the sweep starts the encode again on another "
        "worker within this plus 15 s.",
        group="encoding",
    ),
    Var(
        "ENCODE_PENDING_REQUEUE_SECONDS",
        "120",
        "An upload whose encode has not started after this long, and whose message the broker "
        "no longer holds (lost in a Redis restart or failover), is sent again (checked each "
        "minute).",
        group="encoding",
    ),
    Var(
        "ENCODE_AUDIO_KBPS", "128", "AAC stereo bitrate, encoded once per media.", group="encoding"
    ),
    Var(
        "ENCODE_MAX_ATTEMPTS",
        "2",
        "Runs of a stuck encoding before it is failed instead of requeued.",
        group="encoding",
    ),
    Var(
        "CELERY_RESULT_BACKEND",
        "",
        "Where chunk-encoding chords count finished parts; empty means REDIS_URL.",
        group="encoding",
    ),
    # provenance: C2PA Content Credentials on what OpenPress publishes (docs/provenance.md)
    Var(
        "C2PA_SIGNING_CERT",
        "",
        "PEM certificate chain (end-entity first) that signs Content Credentials: inline, "
        "base64:<the PEM in base64> (one line) or a file path. Empty in development: a "
        "throwaway, untrusted chain is made under var/.",
        # Not a secret itself, but deployed with its key (the Secret openpress-secrets).
        secret=True,
        group="provenance",
    ),
    Var(
        "C2PA_SIGNING_KEY",
        "",
        "PEM PKCS#8 private key of that certificate: inline, base64:<PEM in base64> or a path.",
        secret=True,
        group="provenance",
    ),
    Var(
        "C2PA_SIGNING_ALG",
        "es256",
        "Signature algorithm: es256, es384, es512, ps256, ps384, ps512 or ed25519.",
        group="provenance",
    ),
    Var(
        "C2PA_TSA_URL",
        "",
        "RFC 3161 time-stamping authority that time-stamps each signature; empty: none.",
        group="provenance",
    ),
    Var(
        "C2PA_SIGNER",
        "",
        "Dotted path of a callable returning (sign_callback, certificate_chain_pem, alg), for a "
        "key held in a KMS or HSM; overrides C2PA_SIGNING_KEY.",
        group="provenance",
    ),
    Var(
        "C2PA_ALLOW_UNSIGNED",
        "false",
        "true: publish without Content Credentials when signing is not configured or fails "
        "(the panel says 'not signed'); false: such media fail to publish.",
        group="provenance",
    ),
    Var(
        "C2PA_KEEP_INCOMING",
        "true",
        "Keep an upload's own valid Content Credentials (a signing camera's) as the ingredient "
        "of ours, metadata assertions redacted; false: validate and show them, never publish "
        "them (their signed claim and certificate can name the device: docs/provenance.md).",
        group="provenance",
    ),
    Var(
        "C2PA_TRUST_ANCHORS",
        "",
        "PEM root certificates (inline or a file path) that validation trusts, for incoming "
        "credentials and the /verify page. Empty: signatures validate but none is trusted.",
        group="provenance",
    ),
    # accountability: the history chains' daily stamp (docs/provenance.md, section 3)
    Var(
        "HISTORY_TSA_URL",
        "",
        "RFC 3161 time-stamping authority that stamps the daily digest of every media's history "
        "chain; empty: the digest is published without a token.",
        group="accountability",
    ),
    Var(
        "HISTORY_TSA_TIMEOUT",
        "20",
        "Seconds to wait for that authority's answer; a failure is retried at the next run.",
        group="accountability",
    ),
    # accounts: two-factor authentication and single sign-on (docs/security.md)
    Var(
        "MFA_GRACE_DAYS",
        "7",
        "Days after an editor, manager, admin or verified-journalist role is granted before "
        "a second factor (authenticator app or security key) is required.",
        group="accounts",
    ),
    Var(
        "OIDC_PROVIDER_URL",
        "",
        "OpenID Connect issuer URL of a newsroom's single sign-on (its "
        ".well-known/openid-configuration is read); empty turns single sign-on off.",
        group="accounts",
    ),
    Var("OIDC_CLIENT_ID", "", "Client id OpenPress has at that provider.", group="accounts"),
    Var(
        "OIDC_CLIENT_SECRET",
        "",
        "Client secret OpenPress has at that provider.",
        secret=True,
        group="accounts",
    ),
    Var(
        "OIDC_PROVIDER_NAME",
        "Newsroom sign-on",
        "Label of the single sign-on button on the login page.",
        group="accounts",
    ),
    # logins: brute-force lockout, sign-up throttle, the client's address (docs/security.md)
    Var(
        "LOGIN_FAILURE_LIMIT",
        "10",
        "Failed logins after which a client address, and separately an account, is locked out "
        "of logging in (every path: API, HTTP Basic, login page, admin).",
        group="logins",
    ),
    Var(
        "LOGIN_LOCKOUT_SECONDS",
        "900",
        "How long such a lockout lasts, from the last failure counted; sessions and API tokens "
        "already given out keep working.",
        group="logins",
    ),
    Var(
        "SIGNUP_RATE",
        "10/hour",
        "Sign-up attempts one client address may make, as a DRF rate (number/second|minute|"
        "hour|day).",
        group="logins",
    ),
    Var(
        "API_BASIC_AUTH",
        "true",
        "Accept HTTP Basic (username and password on every request, as MediaCMS clients "
        "send) on /api/v1; it is throttled like every login. false turns it off.",
        group="logins",
    ),
    Var(
        "TRUSTED_PROXY_COUNT",
        "0",
        "Proxies in front of Django that append the address they saw to X-Forwarded-For: 0 "
        "when Django is reached directly (the embedded default), 1 behind OpenPress's nginx.",
        group="logins",
    ),
    Var(
        "TRUSTED_PROXY_RANGES",
        "",
        "Comma-separated addresses or CIDR ranges of proxies in front of nginx (a load balancer, "
        "an ingress controller) whose X-Forwarded-For nginx believes; empty when nginx is the "
        "edge. Read by docker/nginx/start.sh.",
        group="logins",
    ),
    # server processes (read by docker/entrypoint.sh and docker/uwsgi.ini, not by Django)
    Var("WEB_PROCESSES", "2", "uWSGI worker processes of a web or api container.", group="server"),
    Var("WEB_THREADS", "2", "Threads of each uWSGI worker process.", group="server"),
    Var("WEB_HARAKIRI", "300", "Seconds after which uWSGI kills a stuck request.", group="server"),
    Var(
        "DB_WAIT_SECONDS",
        "60",
        "How long a container waits for the database before it gives up.",
        group="server",
    ),
    # the test suite only (openpress/settings/test.py); no deployment reads them
    Var(
        "OPENPRESS_TEST_STORAGE",
        "filesystem",
        "Tests only: filesystem, or s3 (`make test-s3`: media in a bucket of S3_ENDPOINT).",
        group="tests",
    ),
    Var(
        "OPENPRESS_TEST_BUCKET",
        "",
        "Tests only: the bucket the suite uses in s3 mode (made and removed by the run); empty "
        "gives each run a fresh name, so runs sharing an S3 server keep apart.",
        group="tests",
    ),
)

BY_NAME: Mapping[str, Var] = {v.name: v for v in VARIABLES}


def value(name: str, fallback: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The variable's value: the environment, else its default, else ``fallback``.

    ``fallback`` is for development and test settings only; production settings pass none, so a
    required variable that is not set stops start-up with a message naming it.
    """
    var = BY_NAME[name]
    env = os.environ if environ is None else environ
    raw = env.get(name)
    if raw not in (None, ""):
        return raw
    if var.default is not None:
        return var.default
    if fallback is not None:
        return fallback
    raise MissingSetting(f"{name} is not set: {var.doc}")


def as_bool(raw: str) -> bool:
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def as_list(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_example() -> str:
    """The text of ``.env.example``: every variable with its doc and default."""
    lines = [
        "# Generated from openpress/config.py by `python -m openpress.config`; do not edit.",
        "",
    ]
    group = None
    for var in VARIABLES:
        if var.group != group:
            group = var.group
            lines += [f"# --- {group} ---"]
        lines.append(f"# {var.doc}" + (" Required; no default." if var.default is None else ""))
        lines.append(f"{var.name}={'' if var.default is None else var.default}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - tiny CLI
    import sys

    text = env_example()
    if "--check" in sys.argv:
        with open(".env.example", encoding="utf-8") as fh:
            if fh.read() != text:
                sys.exit(".env.example is stale: run `python -m openpress.config`")
    else:
        with open(".env.example", "w", encoding="utf-8") as fh:
            fh.write(text)
