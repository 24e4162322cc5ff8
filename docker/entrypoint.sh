#!/bin/sh
# The one entry point of the OpenPress image: `entrypoint.sh ROLE [ARGS...]`.
#
# Roles: web and api (uWSGI on :9000, docker/uwsgi.ini), celery-short, celery-long, celery-beat,
# migrate (one-shot), manage ARGS (manage.py), wait-db; anything else is refused with the list.
# The role replaces this shell (exec), so signals from `docker stop` or Kubernetes reach it.
# This script never changes file ownership, never writes a settings file and never prints a
# secret: connection failures are reported with the host and port only.
set -eu

ROLES="web api celery-short celery-long celery-beat migrate manage wait-db"
# Defaults as declared in openpress/config.py (the one list of variables).
DB_WAIT_SECONDS=${DB_WAIT_SECONDS:-60}
export WEB_PROCESSES="${WEB_PROCESSES:-2}" WEB_THREADS="${WEB_THREADS:-2}"
export WEB_HARAKIRI="${WEB_HARAKIRI:-300}"

usage() {
    echo "usage: entrypoint.sh ROLE [ARGS...]" >&2
    echo "roles: $ROLES" >&2
}

# Wait for the database with a deadline. Python does the connecting: it parses DATABASE_URL the
# same way the settings do and names only host and port when it cannot get through.
wait_for_db() {
    python - "$DB_WAIT_SECONDS" <<'PY'
import sys
import time

import django
from django.db import connection

deadline = time.monotonic() + float(sys.argv[1])
django.setup()
where = f"{connection.settings_dict.get('HOST') or 'localhost'}:{connection.settings_dict.get('PORT') or 'default port'}"
while True:
    try:
        connection.ensure_connection()
        connection.close()
        break
    except Exception as exc:  # any driver error: the server is not there yet, or refuses us
        if time.monotonic() >= deadline:
            print(
                f"entrypoint: database at {where} did not answer within {sys.argv[1]}s "
                f"({type(exc).__name__}); check DATABASE_URL and that the database runs",
                file=sys.stderr,
            )
            sys.exit(3)
        time.sleep(1)
PY
}

# The roles that serve or work refuse to start on an object storage that cannot work (a wrong
# key, an unreachable endpoint, a missing bucket): uWSGI and Celery run no system checks
# themselves, and `migrate` passing once does not cover a worker started later with other
# settings. The check's message names the setting (media_app/checks.py); filesystem mode costs
# one Python start and no request. Its "no issues" line goes to stderr, the log.
check_storage() {
    if ! python -m django check --tag storage >&2; then
        echo "entrypoint: the object storage check failed (above); not starting $role" >&2
        exit 78
    fi
}

# The encoder signs what it publishes (Content Credentials, docs/provenance.md): without a
# working signing chain and key it refuses to start, unless the operator chose to publish
# unsigned (C2PA_ALLOW_UNSIGNED=true: then the check only warns).
check_signing() {
    if ! python -m django check --tag provenance >&2; then
        echo "entrypoint: the signing check failed (above); not starting $role" >&2
        exit 78
    fi
}

celery_worker() {  # celery_worker QUEUE CONCURRENCY [ARGS...]
    queue=$1 concurrency=$2
    shift 2
    exec celery -A openpress worker --queues "$queue" --concurrency "$concurrency" \
        --hostname "$queue@%h" --loglevel "${LOG_LEVEL:-INFO}" "$@"
}

if [ $# -eq 0 ]; then
    usage
    exit 64
fi
role=$1
shift

case "$role" in
    web | api)
        check_storage
        wait_for_db
        exec uwsgi --ini /app/docker/uwsgi.ini "$@"
        ;;
    celery-short)
        check_storage
        wait_for_db
        # CELERY_SHORT_CONCURRENCY when set, else two per CPU of the container's limit.
        concurrency=$(python -m openpress.cpu celery-short)
        celery_worker short_tasks "$concurrency" "$@"
        ;;
    celery-long)
        check_storage
        check_signing
        wait_for_db
        # CELERY_LONG_CONCURRENCY when set, else one encode per two CPUs of the container's
        # limit (its cgroup), not of the node: nproc counts the node's cores (openpress/cpu.py).
        concurrency=$(python -m openpress.cpu celery-long)
        # SIGTERM means a cold shutdown here: no stop grace period covers an encode of hours, and
        # a warm shutdown cut short by SIGKILL would leave the message unacknowledged in Redis
        # until the visibility timeout (hours). Cold shutdown stops ffmpeg at once; the encoding
        # tasks are acks_late + reject_on_worker_lost, so the message goes back to the queue and
        # the next worker redoes the step (every step is idempotent).
        export REMAP_SIGTERM=SIGQUIT
        celery_worker long_tasks "$concurrency" "$@"
        ;;
    celery-beat)
        check_storage
        wait_for_db
        # The schedule lives in the database (django-celery-beat); no schedule file is written.
        # It fires only while it holds the beat lease: several may run (openpress/beat.py).
        exec celery -A openpress beat --loglevel "${LOG_LEVEL:-INFO}" \
            --scheduler openpress.beat:LeasedScheduler "$@"
        ;;
    migrate)
        wait_for_db
        exec python /app/manage.py migrate --noinput "$@"
        ;;
    manage)
        exec python /app/manage.py "$@"
        ;;
    wait-db)
        wait_for_db
        ;;
    *)
        echo "entrypoint: unknown role '$role'" >&2
        usage
        exit 64
        ;;
esac
