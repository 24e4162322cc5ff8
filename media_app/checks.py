"""System checks (``manage.py check``, and every management command): the encoding tools, and
the object storage when AWS_STORAGE_BUCKET_NAME is set.

Every role runs them at start-up (``migrate`` first), so a deployment whose image or
``FFMPEG_BINARY`` lacks a tool says so at once instead of at the first upload. Warnings, not
errors: web and beat never run ffmpeg, and the encoders fail each media with a readable reason
when a tool is missing.
"""

from __future__ import annotations

import logging
import shutil

from django.conf import settings
from django.core import checks

from media_app.encoding.runner import ffmpeg_binary


@checks.register("encoding")
def encoding_tools(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    problems = []
    ffmpeg = ffmpeg_binary()
    if shutil.which(ffmpeg) is None:
        where = "FFMPEG_BINARY" if settings.FFMPEG_BINARY else "the imageio-ffmpeg package or PATH"
        problems.append(
            checks.Warning(
                f"ffmpeg '{ffmpeg}' (from {where}) cannot be run: uploads will not be encoded.",
                hint="Install ffmpeg (apt-get install ffmpeg) or set FFMPEG_BINARY to one.",
                id="openpress.W001",
            )
        )
    if shutil.which("ffprobe") is None:
        problems.append(
            checks.Warning(
                "ffprobe is not on PATH: uploads will not be probed or encoded.",
                hint="apt-get install ffmpeg",
                id="openpress.W002",
            )
        )
    return problems


logger = logging.getLogger(__name__)


def _s3_error(message: str, hint: str, number: int) -> checks.Error:
    return checks.Error(message, hint=hint, id=f"openpress.E{number}")


@checks.register("storage")
def object_storage(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """With a bucket named, refuse to start unless the bucket answers to our keys.

    Errors, not warnings: every role runs the checks at start-up (``migrate`` first), and a
    wrong key or endpoint must stop the deployment there, naming the setting, rather than fail
    the first upload with a traceback.
    """
    bucket = settings.AWS_STORAGE_BUCKET_NAME
    if not bucket:
        return []
    return _bucket_problems(bucket)


def _bucket_problems(bucket: str) -> list[checks.CheckMessage]:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError
    from django.core.files.storage import storages

    storage = storages["default"]
    where = f"the S3 server at {storage.endpoint_url}" if storage.endpoint_url else "Amazon S3"
    if bool(storage.access_key) != bool(storage.secret_key):
        missing = "AWS_SECRET_ACCESS_KEY" if storage.access_key else "AWS_ACCESS_KEY_ID"
        other = "AWS_ACCESS_KEY_ID" if storage.access_key else "AWS_SECRET_ACCESS_KEY"
        return [
            _s3_error(
                f"{missing} is not set, but {other} is: the bucket '{bucket}' cannot be used.",
                "Set both keys, or neither to use boto3's own credentials (an IAM role).",
                102,
            )
        ]
    session = boto3.session.Session(
        aws_access_key_id=storage.access_key,
        aws_secret_access_key=storage.secret_key,
        aws_session_token=storage.security_token,
    )
    if session.get_credentials() is None:
        return [
            _s3_error(
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set and boto3 finds no "
                f"other credentials (IAM role, ~/.aws): the bucket '{bucket}' cannot be used.",
                "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.",
                102,
            )
        ]
    # One attempt, short timeouts: start-up says what is wrong in seconds, not minutes.
    client = session.client(
        "s3",
        endpoint_url=storage.endpoint_url,
        region_name=storage.region_name,
        verify=storage.verify,
        config=storage.client_config.merge(
            Config(
                retries={"mode": "standard", "max_attempts": 1}, connect_timeout=3, read_timeout=10
            )
        ),
    )
    try:
        # Listing (not HeadBucket, whose errors have no body) tells a wrong key, a wrong
        # secret, a missing bucket and a refusal apart; the app needs s3:ListBucket anyway.
        client.list_objects_v2(Bucket=bucket, MaxKeys=1)
    except BotoCoreError as exc:
        return [
            _s3_error(
                f"{where} (AWS_S3_ENDPOINT_URL) cannot be reached: {exc}",
                "Check AWS_S3_ENDPOINT_URL (scheme, host, port) and that the server runs; with "
                "a host name and no DNS name per bucket, set AWS_S3_ADDRESSING_STYLE=path.",
                103,
            )
        ]
    except ClientError as exc:
        return _refusal(client, bucket, where, exc, storage.region_name)
    return []


def _refusal(client, bucket: str, where: str, exc, region: str) -> list[checks.CheckMessage]:
    from botocore.exceptions import BotoCoreError, ClientError

    code = exc.response.get("Error", {}).get("Code", "")
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if code == "NoSuchBucket":
        if not settings.AWS_S3_CREATE_BUCKET:
            return [
                _s3_error(
                    f"The bucket '{bucket}' (AWS_STORAGE_BUCKET_NAME) does not exist on {where}.",
                    "Create it (docs/storage.md), fix AWS_STORAGE_BUCKET_NAME, or set "
                    "AWS_S3_CREATE_BUCKET=true to have it created at start-up (development).",
                    105,
                )
            ]
        where_to = {} if region == "us-east-1" else {"LocationConstraint": region}
        try:
            client.create_bucket(
                Bucket=bucket, **({"CreateBucketConfiguration": where_to} if where_to else {})
            )
        except (BotoCoreError, ClientError) as create_exc:
            return [
                _s3_error(
                    f"The bucket '{bucket}' (AWS_STORAGE_BUCKET_NAME) does not exist on {where} "
                    f"and creating it failed (AWS_S3_CREATE_BUCKET): {create_exc}",
                    "Create it by hand, or give AWS_ACCESS_KEY_ID the right to create buckets.",
                    105,
                )
            ]
        logger.warning("created the bucket %s on %s (AWS_S3_CREATE_BUCKET)", bucket, where)
        return []
    if code == "InvalidAccessKeyId":
        message = f"AWS_ACCESS_KEY_ID is not a key that {where} knows."
        hint = "Check AWS_ACCESS_KEY_ID (and AWS_S3_ENDPOINT_URL: is it the right server?)."
        number = 104
    elif code == "SignatureDoesNotMatch":
        message = f"AWS_SECRET_ACCESS_KEY is not the secret of AWS_ACCESS_KEY_ID on {where}."
        hint = "Check AWS_SECRET_ACCESS_KEY."
        number = 104
    elif code in ("AccessDenied", "AllAccessDisabled"):
        message = (
            f"AWS_ACCESS_KEY_ID may not list the bucket '{bucket}' (AWS_STORAGE_BUCKET_NAME) on "
            f"{where}: access denied."
        )
        hint = "Grant the key s3:ListBucket, GetObject, PutObject and DeleteObject on the bucket."
        number = 104
    elif code in ("AuthorizationHeaderMalformed", "PermanentRedirect") or status == 301:
        message = (
            f"The bucket '{bucket}' is not in the region AWS_S3_REGION_NAME names ('{region}') "
            f"on {where}: {code or status}."
        )
        hint = "Set AWS_S3_REGION_NAME to the bucket's region."
        number = 106
    else:
        message = (
            f"{where} refused listing the bucket '{bucket}': {code or 'an error'} (HTTP {status})."
        )
        hint = "Check AWS_S3_ENDPOINT_URL, AWS_STORAGE_BUCKET_NAME and the keys."
        number = 107
    return [_s3_error(message, hint, number)]


# --- Content Credentials (issue 15, docs/provenance.md): E150 / W150 ----------------------


@checks.register("provenance")
def content_credentials(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """In production, a signer that cannot sign stops start-up (openpress.E150), unless the
    operator chose to publish unsigned (C2PA_ALLOW_UNSIGNED): then a warning (W150).
    Development with nothing configured signs with a throwaway chain and says so."""
    from media_app import provenance

    if getattr(settings, "C2PA_DEV_CHAIN", False) and not (
        settings.C2PA_SIGNING_CERT or settings.C2PA_SIGNING_KEY or settings.C2PA_SIGNER
    ):
        return []
    try:
        cfg = provenance.signer_config()
    except provenance.SigningUnavailable as exc:
        problems = [str(exc)]
    else:
        problems = provenance.certificate_problems(cfg)
    if not problems:
        return []
    message = "Content Credentials cannot be signed: " + "; ".join(problems) + "."
    if settings.C2PA_ALLOW_UNSIGNED:
        return [
            checks.Warning(
                message + " Media are published unsigned (C2PA_ALLOW_UNSIGNED).",
                hint="Configure C2PA_SIGNING_CERT and C2PA_SIGNING_KEY (docs/provenance.md).",
                id="openpress.W150",
            )
        ]
    return [
        checks.Error(
            message,
            hint="Configure C2PA_SIGNING_CERT and C2PA_SIGNING_KEY (or C2PA_SIGNER), or set "
            "C2PA_ALLOW_UNSIGNED=true to publish without Content Credentials "
            "(docs/provenance.md).",
            id="openpress.E150",
        )
    ]


# --- embedding (issue 16, media_app/embedding.py): E160 ------------------------------------


@checks.register("security")
def embed_allowed_domains(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """EMBED_ALLOWED_DOMAINS must be host names, *.wildcards, * or empty: a typo there would
    otherwise refuse (or allow) embedding silently."""
    from django.core.exceptions import ValidationError

    from media_app.embedding import NONE, clean_embed_domains

    try:
        cleaned = clean_embed_domains(list(getattr(settings, "EMBED_ALLOWED_DOMAINS", [])))
    except ValidationError as exc:
        problem = exc.messages[0]
    else:
        if cleaned != [NONE]:
            return []
        problem = "'none' is for one media's list; the site's list is empty for no embedding"
    return [
        checks.Error(
            f"EMBED_ALLOWED_DOMAINS: {problem}",
            hint="Comma-separated host names, *.example.org, * for any site, or empty for "
            "this site only (docs/security.md, 'Embedding').",
            id="openpress.E160",
        )
    ]
