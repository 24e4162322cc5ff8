#!/bin/sh
# Generate the secrets of a Kubernetes overlay: scripts/deploy-secrets.sh dev|prod [--force]
#
# Writes deploy/overlays/OVERLAY/secrets.env (ignored by git), which the overlay's secretGenerator
# turns into the openpress-secrets Secret. Values are random, like the seed's
# `head -c 24 /dev/random | base64`, but in hex so they are safe inside DATABASE_URL and in an env
# file that compose and kustomize read alike (no quotes, no '#', no '$'). An existing file is kept
# (rotating SECRET_KEY logs everyone out; the database password is set when the volume is first
# initialised), unless --force; a secret it lacks (one added by a newer OpenPress, such as
# MEDIA_LINK_SECRET or REDIS_PASSWORD) is appended to it. Nothing is printed but the path and key names.
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
random_hex() { od -An -vtx1 -N "$1" /dev/urandom | tr -d ' \n'; }
umask 077
password=$(random_hex 24)
{
    echo "SECRET_KEY=$(random_hex 48)"
    echo "POSTGRES_PASSWORD=$password"
    # prod reads its DATABASE_URL from CloudNativePG's openpress-db-app Secret instead.
    echo "DATABASE_URL=postgres://openpress:$password@postgres:5432/openpress"
    # Signs links to files of private media; the app and nginx both read it.
    echo "MEDIA_LINK_SECRET=$(random_hex 32)"
    # Required by Redis and its Sentinels; the app adds it to REDIS_URL.
    echo "REDIS_PASSWORD=$(random_hex 24)"
} >"$file.tmp"
if [ -e "$file" ] && [ "${2:-}" != "--force" ]; then
    added=""
    # A file cut short of its last newline would glue the first added line onto its last one.
    [ -z "$(tail -c 1 "$file")" ] || echo >>"$file"
    while IFS= read -r line; do
        key=${line%%=*}
        case "$key" in
            # The password and the URL holding it only ever come as a pair, with the volume.
            POSTGRES_PASSWORD | DATABASE_URL) continue ;;
        esac
        if ! grep -q "^$key=" "$file"; then
            printf '%s\n' "$line" >>"$file"
            added="$added $key"
        fi
    done <"$file.tmp"
    rm -f "$file.tmp"
    if [ -n "$added" ]; then
        echo "kept $file and added:$added"
    else
        echo "kept $file (exists; --force replaces it)"
    fi
    exit 0
fi
mv "$file.tmp" "$file"
echo "wrote $file"
