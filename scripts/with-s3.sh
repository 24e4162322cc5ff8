#!/usr/bin/env bash
# with-s3.sh CMD...  - run CMD with S3_ENDPOINT, S3_ACCESS_KEY and S3_SECRET_KEY naming a real S3
# server: the environment's when all three are set, otherwise a Ceph RGW started for the run by
# scripts/s3-test-server.sh in a temporary folder (stopped afterwards, whatever CMD did).
# `make test-s3` runs the suite in S3 mode through it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${S3_ENDPOINT:-}" ] && [ -n "${S3_ACCESS_KEY:-}" ] && [ -n "${S3_SECRET_KEY:-}" ]; then
    exec "$@"
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/openpress-s3.XXXXXX")
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() { "$here/s3-test-server.sh" stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
line=$("$here/s3-test-server.sh" start "$dir" "$port" | tail -n 1)
case "$line" in
    S3_ENDPOINT=*) ;;
    *) echo "with-s3.sh: the S3 server did not start: $line" >&2; exit 1 ;;
esac
# shellcheck disable=SC2163,SC2086
export $line
"$@"
