#!/usr/bin/python3
"""compose's s3-setup (docker-compose.s3.yml): the media bucket on the profile's server, a CORS
rule that lets the site's pages PUT upload parts straight into it (and read the ETag back), and a
lifecycle rule that aborts multipart uploads abandoned for S3_ABORT_INCOMPLETE_DAYS days.

Idempotent: it runs at every `up`, creates the bucket only when missing and sets both rules
again. A stand-in, with Debian's boto3 in the server's image, until the app's own
`manage.py media_storage_setup` (issue 14) does the same from the app image.
"""

from __future__ import annotations

import os
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def main() -> int:
    bucket = os.environ["AWS_STORAGE_BUCKET_NAME"]
    origins = [o.strip() for o in os.environ["S3_CORS_ORIGINS"].split(",") if o.strip()]
    days = int(os.environ.get("S3_ABORT_INCOMPLETE_DAYS", "2"))
    client = boto3.client(
        "s3",
        endpoint_url=os.environ["AWS_S3_ENDPOINT_URL"],
        region_name=os.environ.get("AWS_S3_REGION_NAME") or "us-east-1",
        aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
        config=Config(
            s3={"addressing_style": "path"},
            retries={"mode": "standard", "max_attempts": 10},
        ),
    )
    try:
        client.head_bucket(Bucket=bucket)
        print(f"s3-setup: bucket {bucket} exists")
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in ("404", "NoSuchBucket"):
            raise
        client.create_bucket(Bucket=bucket)
        print(f"s3-setup: created bucket {bucket}")
    client.put_bucket_cors(
        Bucket=bucket,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": origins,
                    "AllowedMethods": ["GET", "HEAD", "PUT"],
                    "AllowedHeaders": ["*"],
                    # Uppy's multipart upload reads each part's ETag to complete the upload.
                    "ExposeHeaders": ["ETag"],
                    "MaxAgeSeconds": 3600,
                }
            ]
        },
    )
    client.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "abort-incomplete-multipart-uploads",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": days},
                }
            ]
        },
    )
    print(
        f"s3-setup: CORS for {', '.join(origins)}; abandoned multipart uploads end after {days} d"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
