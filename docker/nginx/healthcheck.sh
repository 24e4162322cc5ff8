#!/bin/bash
# HEALTHCHECK of the nginx image, with bash's /dev/tcp: the image need not carry curl.
set -eu
exec 3<>/dev/tcp/127.0.0.1/8080
printf 'GET /nginx-health HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
read -r _ code _ <&3
[ "$code" = 200 ]
