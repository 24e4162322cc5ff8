#!/bin/sh
# Start nginx with the OpenPress configuration: fill in the one value taken from the environment
# (the upload limit, in bytes, as declared in openpress/config.py), test the result, run nginx.
set -eu
limit=${UPLOAD_MAX_SIZE:-4294967296}
case "$limit" in
    '' | *[!0-9]*)
        echo "nginx: UPLOAD_MAX_SIZE must be a number of bytes, got '$limit'" >&2
        exit 64
        ;;
esac
sed "s/@UPLOAD_MAX_SIZE@/$limit/" /etc/nginx/openpress/openpress.conf.template \
    >/etc/nginx/conf.d/default.conf
mkdir -p /var/cache/nginx
nginx -t -q
exec nginx -g 'daemon off;'
