"""Prepare the S3 bucket for the site (issue 14): ``manage.py media_storage_setup``.

In S3 mode (AWS_STORAGE_BUCKET_NAME set) it
- creates the bucket when it is missing and creating is allowed (AWS_S3_CREATE_BUCKET, or
  ``--create-bucket``), else stops naming the setting;
- sets a CORS rule for the site's origins: browsers PUT upload parts straight to presigned URLs
  and must read each part's ETag to complete the upload; the player GETs presigned segments;
- sets a lifecycle rule that aborts multipart uploads left incomplete for 2 days (the safety net
  behind the reaper task). A server without lifecycle support gets a warning, not a failure.

Rules of other names already on the bucket are kept; ours are replaced by ID, so running it
again changes nothing (it says "unchanged"). In filesystem mode there is nothing to do.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from media_app import storage

CORS_RULE_ID = "openpress-browser"
LIFECYCLE_RULE_ID = "openpress-abort-incomplete-multipart"
ABORT_AFTER_DAYS = 2
# How long a browser may reuse a preflight answer, seconds.
CORS_MAX_AGE = 3600


def site_origins(extra: list[str]) -> list[str]:
    """The site's origins (scheme://host[:port]): CSRF_TRUSTED_ORIGINS (the deployments set it
    from the site's host), else the names of ALLOWED_HOSTS over https (and http when cookies
    are not https-only), plus ``extra``."""
    origins = list(settings.CSRF_TRUSTED_ORIGINS)
    if not origins:
        schemes = (
            ["https"]
            if getattr(settings, "SESSION_COOKIE_SECURE", False)
            else [
                "https",
                "http",
            ]
        )
        for host in settings.ALLOWED_HOSTS:
            if host == "*":
                continue
            host = f"*{host}" if host.startswith(".") else host
            origins += [f"{scheme}://{host}" for scheme in schemes]
    origins += extra
    return sorted({origin.rstrip("/") for origin in origins})


class Command(BaseCommand):
    help = (
        "S3 mode: create the bucket if missing and allowed, set its CORS rule for the site's "
        "origins and a lifecycle rule aborting incomplete multipart uploads after 2 days."
    )
    # The storage check refuses a missing bucket; creating it is this command's job.
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--create-bucket",
            action="store_true",
            help="Create the bucket when it is missing (as AWS_S3_CREATE_BUCKET=true does).",
        )
        parser.add_argument(
            "--origin",
            action="append",
            default=[],
            help="Another origin (scheme://host[:port]) browsers upload from; repeatable.",
        )

    def handle(self, *args, create_bucket: bool, origin: list[str], **options) -> None:
        if not storage.s3_mode():
            self.stdout.write(
                "Filesystem mode (AWS_STORAGE_BUCKET_NAME is not set): nothing to do."
            )
            return
        try:
            side = storage.s3_side()
        except storage.StorageSettingMissing as exc:
            raise CommandError(str(exc)) from exc
        self.client, self.bucket = side.client, side.bucket
        self._bucket(side, create_bucket or settings.AWS_S3_CREATE_BUCKET)
        origins = site_origins(origin)
        if not origins:
            raise CommandError(
                "No site origin to allow in the bucket's CORS rule: set CSRF_TRUSTED_ORIGINS "
                "(https://news.example.org) or ALLOWED_HOSTS, or pass --origin."
            )
        self._cors(origins)
        self._lifecycle()

    def _bucket(self, side, may_create: bool) -> None:
        try:
            side.probe()
        except storage.StorageSettingMissing as exc:
            if "does not exist" not in str(exc):
                raise CommandError(str(exc)) from exc
            if not may_create:
                raise CommandError(
                    f"The bucket '{self.bucket}' (AWS_STORAGE_BUCKET_NAME) does not exist on "
                    f"{side.where}. Create it, or run again with --create-bucket (or "
                    "AWS_S3_CREATE_BUCKET=true)."
                ) from exc
            region = storage.configured("AWS_S3_REGION_NAME")
            where = {} if region == "us-east-1" else {"LocationConstraint": region}
            try:
                self.client.create_bucket(
                    Bucket=self.bucket, **({"CreateBucketConfiguration": where} if where else {})
                )
            except self._errors() as create_exc:
                raise CommandError(
                    f"Creating the bucket '{self.bucket}' on {side.where} failed: {create_exc}"
                ) from create_exc
            self.stdout.write(f"Bucket {self.bucket}: created.")
            return
        self.stdout.write(f"Bucket {self.bucket}: exists.")

    def _errors(self):
        from botocore.exceptions import BotoCoreError, ClientError

        return (BotoCoreError, ClientError)

    def _cors(self, origins: list[str]) -> None:
        from botocore.exceptions import ClientError

        ours = {
            "ID": CORS_RULE_ID,
            "AllowedOrigins": origins,
            # PUT: upload parts; GET, HEAD: presigned segments and playlists for the player.
            "AllowedMethods": ["GET", "HEAD", "PUT"],
            "AllowedHeaders": ["*"],
            # Uppy reads each part's ETag to complete the multipart upload.
            "ExposeHeaders": ["ETag"],
            "MaxAgeSeconds": CORS_MAX_AGE,
        }
        try:
            rules = self.client.get_bucket_cors(Bucket=self.bucket)["CORSRules"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "NoSuchCORSConfiguration":
                raise CommandError(f"Reading the bucket's CORS rules failed: {exc}") from exc
            rules = []
        current = next((r for r in rules if r.get("ID") == CORS_RULE_ID), None)
        if current is not None and _same_cors(current, ours):
            self.stdout.write(f"CORS: unchanged (PUT, GET, HEAD from {', '.join(origins)}).")
            return
        keep = [r for r in rules if r.get("ID") != CORS_RULE_ID]
        try:
            self.client.put_bucket_cors(
                Bucket=self.bucket, CORSConfiguration={"CORSRules": [*keep, ours]}
            )
        except ClientError as exc:
            raise CommandError(
                f"Setting the bucket's CORS rule failed: {exc}. Browsers cannot upload straight "
                "to the bucket without it; set it by hand (docs/storage.md)."
            ) from exc
        self.stdout.write(
            f"CORS: set (PUT, GET, HEAD from {', '.join(origins)}; ETag exposed)"
            + (f", {len(keep)} other rules kept." if keep else ".")
        )

    def _lifecycle(self) -> None:
        from botocore.exceptions import ClientError

        ours = {
            "ID": LIFECYCLE_RULE_ID,
            "Status": "Enabled",
            "Filter": {"Prefix": ""},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": ABORT_AFTER_DAYS},
        }
        try:
            rules = self.client.get_bucket_lifecycle_configuration(Bucket=self.bucket)["Rules"]
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code != "NoSuchLifecycleConfiguration":
                self._no_lifecycle(exc)
                return
            rules = []
        current = next((r for r in rules if r.get("ID") == LIFECYCLE_RULE_ID), None)
        if current is not None and _same_lifecycle(current, ours):
            self.stdout.write(
                f"Lifecycle: unchanged (incomplete multipart uploads aborted after "
                f"{ABORT_AFTER_DAYS} days)."
            )
            return
        keep = [r for r in rules if r.get("ID") != LIFECYCLE_RULE_ID]
        try:
            self.client.put_bucket_lifecycle_configuration(
                Bucket=self.bucket, LifecycleConfiguration={"Rules": [*keep, ours]}
            )
        except ClientError as exc:
            self._no_lifecycle(exc)
            return
        self.stdout.write(
            f"Lifecycle: set (incomplete multipart uploads aborted after {ABORT_AFTER_DAYS} "
            "days)" + (f", {len(keep)} other rules kept." if keep else ".")
        )

    def _no_lifecycle(self, exc) -> None:
        code = exc.response.get("Error", {}).get("Code") or "an error"
        self.stderr.write(
            f"Warning: the S3 server refused the lifecycle rule ({code}): incomplete multipart "
            f"uploads are not aborted by the bucket. Abort those older than {ABORT_AFTER_DAYS} "
            "days by hand or with the server's own tool; the reaper task still aborts the "
            "uploads it knows."
        )


def _same_cors(current: dict, ours: dict) -> bool:
    def norm(rule: dict) -> tuple:
        return (
            sorted(rule.get("AllowedOrigins", [])),
            sorted(rule.get("AllowedMethods", [])),
            sorted(rule.get("AllowedHeaders", [])),
            sorted(rule.get("ExposeHeaders", [])),
            rule.get("MaxAgeSeconds"),
        )

    return norm(current) == norm(ours)


def _same_lifecycle(current: dict, ours: dict) -> bool:
    prefix = current.get("Filter", {}).get("Prefix", current.get("Prefix", ""))
    return (
        current.get("Status") == ours["Status"]
        and prefix == ""
        and current.get("AbortIncompleteMultipartUpload") == ours["AbortIncompleteMultipartUpload"]
        and not current.get("Expiration")
    )
