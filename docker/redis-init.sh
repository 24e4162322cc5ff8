#!/bin/sh
# Kubernetes only: the init container of every Redis pod (deploy/base/redis.yaml, ConfigMap
# redis-scripts) writes the pod's redis.conf and sentinel.conf. Linted by shellcheck
# (scripts/deploy-check.sh, .ci/run); run for real by tests/deploy/test_redis_init.py.
#
# Whom to follow, in this order:
#   1. the master the running Sentinels name (the `redis-sentinel` Service answers);
#   2. with no Sentinel answering (the whole set is starting again), the master this pod's own
#      Sentinel last knew: its sentinel.conf lives on the pod's volume and Sentinel rewrites it
#      at every failover. So after a full restart the set follows the last master, and a
#      redis-0 that was a replica is never promoted with its older data;
#   3. on the very first start (nothing on the volume), redis-0.
# Users (Redis ACL), in Redis and in the Sentinels alike:
#   default      the app and the probes, with REDIS_PASSWORD (REDISCLI_AUTH; redis-cli reads it
#                from there too): every data command, none of the administrative ones (CONFIG,
#                REPLICAOF, SHUTDOWN, DEBUG, ACL, MODULE...), and on a Sentinel only the
#                questions a client asks (who is the master);
#   replication  a replica's link to its master, and sentinel: what a Sentinel sends to Redis;
#   admin        Sentinel to Sentinel; these three with REDIS_ADMIN_PASSWORD, which only the
#                Redis pods get (both from the openpress-secrets Secret).
# The settings common to compose and Kubernetes (persistence, memory) are in
# SCRIPTS_DIR/redis.conf, rendered from openpress/deployment/topology.py.
set -eu
CONF_DIR=${CONF_DIR:-/conf}
DATA_DIR=${DATA_DIR:-/data}
SCRIPTS_DIR=${SCRIPTS_DIR:-/scripts}
SENTINEL_HOST=${SENTINEL_HOST:-redis-sentinel}
SENTINEL_PORT=${SENTINEL_PORT:-26379}
SERVICE=${SERVICE:-redis}
REDIS_PORT=${REDIS_PORT:-6379}
: "${MASTER_NAME:?}" "${SENTINEL_QUORUM:?}" "${POD_NAME:?}"

require() {  # require VALUE NAME: a password safe in a config file line
    case "$1" in
        '' | *[!A-Za-z0-9_-]*)
            echo "redis: $2 must be set to letters, digits, '-' or '_'" \
                "(scripts/deploy-secrets.sh adds a missing one)" >&2
            exit 64
            ;;
    esac
}
require "${REDISCLI_AUTH:-}" REDIS_PASSWORD
require "${REDIS_ADMIN_PASSWORD:-}" REDIS_ADMIN_PASSWORD
umask 077
me="$POD_NAME.$SERVICE"
sentinel_conf="$DATA_DIR/sentinel.conf"

master=""
if answer=$(redis-cli -h "$SENTINEL_HOST" -p "$SENTINEL_PORT" --raw \
        sentinel get-master-addr-by-name "$MASTER_NAME" 2>/dev/null); then
    master=$(printf '%s\n' "$answer" | head -n 1)
    [ -z "$master" ] || echo "redis: the sentinels name $master"
fi
if [ -z "$master" ] && [ -f "$sentinel_conf" ]; then
    # "sentinel monitor NAME HOST PORT QUORUM", as Sentinel last rewrote it.
    master=$(awk -v name="$MASTER_NAME" \
        '$1 == "sentinel" && $2 == "monitor" && $3 == name { print $4 }' "$sentinel_conf")
    [ -z "$master" ] || echo "redis: no sentinel answers; this pod's sentinel last knew $master"
fi
[ -n "$master" ] || master="redis-0.$SERVICE"
echo "redis: this pod is $me, the master is $master"

{
    cat "$SCRIPTS_DIR/redis.conf"
    echo "port $REDIS_PORT"
    echo "dir $DATA_DIR"
    echo "replica-announce-ip $me"
    echo "user default on >$REDISCLI_AUTH ~* &* +@all -@admin"
    echo "user replication on >$REDIS_ADMIN_PASSWORD +psync +replconf +ping"
    echo "user sentinel on >$REDIS_ADMIN_PASSWORD &* +multi +exec +slaveof +ping +subscribe" \
        "+publish +info +role +config|rewrite +client|setname +client|kill +script|kill"
    echo "masteruser replication"
    echo "masterauth $REDIS_ADMIN_PASSWORD"
    if [ "$master" != "$me" ]; then echo "replicaof $master $REDIS_PORT"; fi
} >"$CONF_DIR/redis.conf"

# The Sentinel keeps its identity across restarts, so its peers do not count it twice.
myid=""
if [ -f "$sentinel_conf" ]; then
    myid=$(awk '$1 == "sentinel" && $2 == "myid" { print $3 }' "$sentinel_conf")
fi
{
    echo "port 26379"
    echo "dir /tmp"
    [ -z "$myid" ] || echo "sentinel myid $myid"
    echo "sentinel resolve-hostnames yes"
    echo "sentinel announce-hostnames yes"
    echo "sentinel announce-ip $me"
    echo "user default on >$REDISCLI_AUTH -@all +auth +hello +ping +client|setname" \
        "+sentinel|get-master-addr-by-name +sentinel|master +sentinel|masters" \
        "+sentinel|replicas +sentinel|slaves +sentinel|sentinels"
    echo "user admin on >$REDIS_ADMIN_PASSWORD ~* &* +@all"
    echo "sentinel sentinel-user admin"
    echo "sentinel sentinel-pass $REDIS_ADMIN_PASSWORD"
    echo "sentinel monitor $MASTER_NAME $master $REDIS_PORT $SENTINEL_QUORUM"
    echo "sentinel auth-user $MASTER_NAME sentinel"
    echo "sentinel auth-pass $MASTER_NAME $REDIS_ADMIN_PASSWORD"
    echo "sentinel down-after-milliseconds $MASTER_NAME 5000"
    echo "sentinel failover-timeout $MASTER_NAME 60000"
    echo "sentinel parallel-syncs $MASTER_NAME 1"
} >"$sentinel_conf.tmp"
mv "$sentinel_conf.tmp" "$sentinel_conf"
