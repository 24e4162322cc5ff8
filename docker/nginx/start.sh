#!/bin/sh
# Start nginx with the OpenPress configuration: fill in the values taken from the environment
# (the upload limit in bytes, the key of signed media links, the trusted proxies in front and
# whether media are in a bucket, all declared in openpress/config.py), test the result, run nginx.
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
# Proxies in front of nginx whose X-Forwarded-For (real_ip) and X-Forwarded-Proto it believes:
# addresses or CIDR ranges, comma-separated; only characters an address can hold reach the
# configuration.
real_ip_from="# no trusted proxy in front: TRUSTED_PROXY_RANGES is empty"
ranges=""
geo=""
for range in $(printf '%s' "${TRUSTED_PROXY_RANGES:-}" | tr ',' ' '); do
    case "$range" in
        *[!0-9A-Fa-f.:/]*)
            echo "nginx: TRUSTED_PROXY_RANGES must be comma-separated addresses or CIDR ranges, got '$range'" >&2
            exit 64
            ;;
    esac
    ranges="$ranges set_real_ip_from $range;"
    geo="$geo $range 1;"
done
[ -n "$ranges" ] && real_ip_from=${ranges# }
[ -n "$geo" ] || geo=" # none: TRUSTED_PROXY_RANGES is empty"
# Where media live (openpress/config.py): a bucket named means S3 mode, where nginx has no media
# volume and hands /media/ to the app (snippets/media-s3.conf); otherwise the volume.
storage=filesystem
[ -n "${AWS_STORAGE_BUCKET_NAME:-}" ] && storage=s3
# A subshell: the umask that keeps the key's file private must not reach nginx (its workers
# could no longer open the cache folders the master creates).
render() (
    umask 077
    sed -e "s/@UPLOAD_MAX_SIZE@/$limit/" -e "s/@MEDIA_LINK_SECRET@/$secret/" \
        -e "s|@REAL_IP_FROM@|$real_ip_from|" -e "s|@TRUSTED_PROXY_GEO@|${geo# }|" \
        -e "s/@MEDIA_STORAGE@/$storage/" "$1" >"$2"
)
if [ "${1:-}" = "--render" ]; then
    render "$2" "$3"
    exit 0
fi
render /etc/nginx/openpress/openpress.conf.template /etc/nginx/conf.d/default.conf
mkdir -p /var/cache/nginx
# -e stderr: the error log compiled into the binary (/var/log/nginx) is not ours to write.
nginx -e stderr -t -q
exec nginx -e stderr -g 'daemon off;'
