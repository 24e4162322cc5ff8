#!/bin/sh
# Generate the secrets of a Kubernetes overlay: scripts/deploy-secrets.sh dev|prod [--force]
#
# Writes deploy/overlays/OVERLAY/secrets.env (ignored by git), which the overlay's secretGenerator
# turns into the openpress-secrets Secret. Values are random, like the seed's
# `head -c 24 /dev/random | base64`, but in hex so they are safe inside DATABASE_URL and in an env
# file that compose and kustomize read alike (no quotes, no '#', no '$'). An existing file is kept
# (rotating SECRET_KEY logs everyone out; the database password is set when the volume is first
# initialised), unless --force. Nothing is printed but the path.
set -eu
overlay=${1:-}
case "$overlay" in
    dev | prod) ;;
    *)
        echo "usage: scripts/deploy-secrets.sh dev|prod [--force]" >&2
        exit 64
        ;;
esac
file="$(dirname "$0")/../deploy/overlays/$overlay/secrets.env"
if [ -e "$file" ] && [ "${2:-}" != "--force" ]; then
    echo "kept $file (exists; --force replaces it)"
    exit 0
fi
random_hex() { od -An -vtx1 -N "$1" /dev/urandom | tr -d ' \n'; }
umask 077
password=$(random_hex 24)
{
    echo "SECRET_KEY=$(random_hex 48)"
    echo "POSTGRES_PASSWORD=$password"
    # prod reads its DATABASE_URL from CloudNativePG's openpress-db-app Secret instead.
    echo "DATABASE_URL=postgres://openpress:$password@postgres:5432/openpress"
} >"$file.tmp"
mv "$file.tmp" "$file"
echo "wrote $file"
