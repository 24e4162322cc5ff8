"""The tests' S3 server (tests/s3.py, scripts/s3-test-server.sh) is a real one, and CI has it."""

from __future__ import annotations

import re
import socket
import sys

import pytest

from tests.s3 import ROOT, SCRIPT, S3ServerUnavailable, start_server

sys.path.insert(0, str(ROOT / "scripts"))

import check_system  # scripts/ is not a package: on sys.path above


def test_the_bucket_of_the_session_stores_reads_and_lists_objects(s3_server, s3_bucket):
    client = s3_server.client()
    client.put_object(Bucket=s3_bucket, Key="probe/hello.txt", Body=b"hello")
    assert client.get_object(Bucket=s3_bucket, Key="probe/hello.txt")["Body"].read() == b"hello"
    listed = client.list_objects_v2(Bucket=s3_bucket, Prefix="probe/")
    assert [item["Key"] for item in listed["Contents"]] == ["probe/hello.txt"]
    client.delete_object(Bucket=s3_bucket, Key="probe/hello.txt")


def test_the_server_does_multipart_uploads_and_ranged_reads(s3_server, s3_bucket):
    """What direct uploads and encoders will rely on: parts of 5 MiB, a Range GET."""
    client = s3_server.client()
    key = "probe/multipart.bin"
    upload = client.create_multipart_upload(Bucket=s3_bucket, Key=key)
    part_size = 5 * 1024 * 1024
    parts = []
    for number, fill in ((1, b"a"), (2, b"b")):
        answer = client.upload_part(
            Bucket=s3_bucket,
            Key=key,
            PartNumber=number,
            UploadId=upload["UploadId"],
            Body=fill * part_size,
        )
        parts.append({"PartNumber": number, "ETag": answer["ETag"]})
    listed = client.list_parts(Bucket=s3_bucket, Key=key, UploadId=upload["UploadId"])
    assert [p["PartNumber"] for p in listed["Parts"]] == [1, 2]
    client.complete_multipart_upload(
        Bucket=s3_bucket, Key=key, UploadId=upload["UploadId"], MultipartUpload={"Parts": parts}
    )
    # Ceph RGW's CompleteMultipartUpload answers an empty ETag; HeadObject has it.
    head = client.head_object(Bucket=s3_bucket, Key=key)
    assert head["ContentLength"] == 2 * part_size
    assert head["ETag"].strip('"').endswith("-2")
    ranged = client.get_object(
        Bucket=s3_bucket, Key=key, Range=f"bytes={part_size - 2}-{part_size + 1}"
    )
    assert ranged["Body"].read() == b"aabb"
    client.delete_object(Bucket=s3_bucket, Key=key)


def test_wrong_keys_are_refused_by_the_server(s3_server, s3_bucket):
    from botocore.exceptions import ClientError

    client = s3_server.client(aws_secret_access_key="not-the-secret-key-of-this-server")
    with pytest.raises(ClientError) as refused:
        client.list_objects_v2(Bucket=s3_bucket)
    assert refused.value.response["Error"]["Code"] == "SignatureDoesNotMatch"


def test_a_server_that_cannot_start_fails_with_the_reason(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(S3ServerUnavailable, match=rf"port {port} is already in use"):
            start_server(tmp_path / "s3", port, timeout=120)


def test_ci_installs_the_packages_the_script_needs():
    """.ci/run installs every package of scripts/system-packages.txt: the script's must be there,
    or CI would depend on the script's own apt-get at test time."""
    script = SCRIPT.read_text()
    (listed,) = re.findall(r"^PKGS=\(([^)]*)\)", script, re.MULTILINE)
    assert set(listed.split()) <= set(check_system.debian_packages("ci"))
