#!/bin/sh
# The S3 server of compose's s3 profile (docker/s3/Dockerfile):
#   openpress-s3 server   start Ceph (monitor, OSD, radosgw) on the volume /data, stay in the
#                         foreground; SIGTERM stops the daemons cleanly; a daemon that dies
#                         ends the container, so compose's restart policy starts it again
#   openpress-s3 health   radosgw answers HTTP on 7480
#   openpress-s3 setup    the bucket, its CORS and lifecycle rules (setup_bucket.py), once
# S3_ACCESS_KEY / S3_SECRET_KEY are the key pair of the server's one user, fixed at the first
# start of a volume (scripts/s3-test-server.sh); S3_RGW_SIZE_MB the store's size (a sparse file).
set -eu
SERVER=/usr/local/lib/openpress-s3/s3-test-server.sh
DATA=/data/s3
PORT=7480

case "${1:-server}" in
    server)
        # The script's last line holds the secret key: only the endpoint and the access key.
        bash "$SERVER" start "$DATA" "$PORT" | tail -n 1 | sed 's/ S3_SECRET_KEY=.*//'
        trap 'bash "$SERVER" stop "$DATA"; exit 0' TERM INT
        while bash "$SERVER" status "$DATA" >/dev/null; do
            sleep 5 &
            wait $! || true
        done
        echo "openpress-s3: a Ceph daemon stopped:" >&2
        bash "$SERVER" status "$DATA" >&2 || true
        tail -n 20 "$DATA"/log/*.log >&2 || true
        bash "$SERVER" stop "$DATA"
        exit 1
        ;;
    health)
        # Any HTTP answer (anonymous requests get 200 or 403): radosgw is serving.
        code=$(curl -s -m 4 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/")
        [ "$code" != 000 ]
        ;;
    setup)
        exec /usr/bin/python3 /usr/local/lib/openpress-s3/setup_bucket.py
        ;;
    *)
        echo "usage: openpress-s3 server|health|setup" >&2
        exit 64
        ;;
esac
