#!/bin/sh
# HEALTHCHECK of the OpenPress image: liveness of whatever role runs as PID 1.
#   uWSGI (web, api): GET /healthz on :9000 answers 200 (no database, no Redis).
#   celery worker or beat: the heartbeat file (CELERY_HEARTBEAT_FILE) was touched recently, so the
#   probe starts no Python and imports no app.
#   anything else (migrate, manage): nothing to watch, healthy while it runs.
set -eu
HEARTBEAT_MAX_AGE_SECONDS=${HEARTBEAT_MAX_AGE_SECONDS:-60}

cmdline=$(tr '\0' ' ' </proc/1/cmdline)
case "$cmdline" in
    *uwsgi*)
        exec python - <<'PY'
import sys
import urllib.error
import urllib.request

request = urllib.request.Request("http://127.0.0.1:9000/healthz", headers={"Host": "localhost"})
try:
    with urllib.request.urlopen(request, timeout=4) as response:
        sys.exit(0 if response.status == 200 else f"/healthz answered {response.status}")
except (OSError, urllib.error.URLError) as exc:
    sys.exit(f"/healthz: {exc}")
PY
        ;;
    *celery*)
        file=${CELERY_HEARTBEAT_FILE:?CELERY_HEARTBEAT_FILE is not set: no heartbeat to check}
        [ -f "$file" ] || { echo "no heartbeat file yet: $file" >&2; exit 1; }
        age=$(($(date +%s) - $(stat -c %Y "$file")))
        if [ "$age" -gt "$HEARTBEAT_MAX_AGE_SECONDS" ]; then
            echo "heartbeat is ${age}s old (limit ${HEARTBEAT_MAX_AGE_SECONDS}s)" >&2
            exit 1
        fi
        ;;
    *) ;;
esac
