#!/bin/sh
# Start nginx with the OpenPress configuration: fill in the values taken from the environment
# (the upload limit in bytes, and the key of signed media links, both declared in
# openpress/config.py), test the result, run nginx.
#
#   start.sh                          render into /etc/nginx/conf.d/default.conf, then run nginx
#   start.sh --render TEMPLATE OUT    only render (the tests use it with a real nginx binary)
set -eu
limit=${UPLOAD_MAX_SIZE:-4294967296}
case "$limit" in
    '' | *[!0-9]*)
        echo "nginx: UPLOAD_MAX_SIZE must be a number of bytes, got '$limit'" >&2
        exit 64
        ;;
esac
# The key goes into the configuration as a literal: only characters that mean nothing to nginx
# or sed (the app refuses the same, openpress/settings/base.py). Never printed.
secret=${MEDIA_LINK_SECRET:-}
case "$secret" in
    '' | *[!A-Za-z0-9_-]*)
        echo "nginx: MEDIA_LINK_SECRET must be set to 32 or more letters, digits, '-' or '_'" >&2
        exit 64
        ;;
esac
if [ "${#secret}" -lt 32 ]; then
    echo "nginx: MEDIA_LINK_SECRET must be set to 32 or more letters, digits, '-' or '_'" >&2
    exit 64
fi
# A subshell: the umask that keeps the key's file private must not reach nginx (its workers
# could no longer open the cache folders the master creates).
render() (
    umask 077
    sed -e "s/@UPLOAD_MAX_SIZE@/$limit/" -e "s/@MEDIA_LINK_SECRET@/$secret/" "$1" >"$2"
)
if [ "${1:-}" = "--render" ]; then
    render "$2" "$3"
    exit 0
fi
render /etc/nginx/openpress/openpress.conf.template /etc/nginx/conf.d/default.conf
mkdir -p /var/cache/nginx
nginx -t -q
exec nginx -g 'daemon off;'
