#!/usr/bin/env bash
# s3-test-server.sh - start/stop a REAL S3 server for tests and CI: Ceph's RADOS Gateway
# (Debian 12 packages, Ceph 16.2 "Pacific") on a throwaway one-node Ceph cluster
# (1 monitor, 1 OSD, 1 radosgw, no ceph-mgr, no cephx) kept entirely under DIR.
#
#   s3-test-server.sh start  DIR PORT  # last line printed:
#       S3_ENDPOINT=http://127.0.0.1:PORT S3_ACCESS_KEY=... S3_SECRET_KEY=...
#   s3-test-server.sh stop   DIR       # SIGTERM (then SIGKILL after 30 s) to the PIDs recorded
#                              # in DIR/pid/, checked against /proc/PID/cmdline; never by name
#   s3-test-server.sh status DIR       # which recorded daemons are alive
#   e.g.  eval "export $(scripts/s3-test-server.sh start /tmp/op-rgw 7480 | tail -n 1)"
#
# The project's own copy of our workplace's shared/tools/s3-rgw.sh (no licence header there; the
# tool is ours to copy, issue 14 asks for a copy inside the project). The packages it installs
# are also listed in scripts/system-packages.txt, so .ci/run installs them up front
# (tests/test_s3_server.py keeps the two lists equal). tests/s3.py starts it for the test run.
#
# Idempotent: `start` starts only the daemons that are not running (so after radosgw
# alone died, `start` restarts just it) and reuses the cluster, data and keys in DIR;
# `stop` on a stopped DIR does nothing. A failed `start` prints log tails, stops DIR.
# Installs its Debian packages (apt-get, as root) if missing: ~25 s, ~290 MB on disk.
# For a fresh cluster: stop, rm -rf DIR. Several DIRs can run at once (other PORTs).
#
# Time (2 cores): start of a new DIR 5-6 s with bluestore, 2.5 s with memstore;
# start of a stopped DIR 2.3-3 s / 1 s; radosgw alone <1 s; stop 0.8-1.6 s.
# Memory (RSS) idle: mon ~37 MB + OSD ~50 MB + radosgw ~45 MB = ~130 MB; under load
# radosgw ~150-180 MB, bluestore OSD grows toward its cache target (osd_memory_target
# 896 MiB, ~120 MB after 1 GB of traffic), a memstore OSD holds all data in RAM (~2x).
#
# Store (env S3_RGW_STORE, fixed at the DIR's first start):
#   bluestore (default) objects in a sparse file DIR/osd-block, S3_RGW_SIZE_MB
#             (default 10240) apparent size, disk used = data; survives kill -9.
#   memstore  objects in the OSD's RAM, capped by S3_RGW_SIZE_MB (default 2048);
#             saved to DIR/osd only by a clean `stop`: after a kill -9 of the OSD the
#             DIR is unusable (start says so; rm -rf DIR). Fastest start.
# A full store makes writes hang (Ceph blocks, it does not fail): size it above the
# data a test suite writes; deleted objects are freed by radosgw's GC after ~1-2 min.
# Other env: S3_RGW_ADDR, the address radosgw listens on (default 127.0.0.1; 0.0.0.0 in
# the container of compose's s3 profile, docker/s3). S3_ACCESS_KEY / S3_SECRET_KEY choose
# the keys at the first start (else random, kept in DIR/s3-keys); S3_RGW_MON_PORT (default: first free from
# 20000 + PORT % 10000). The OSD takes 4 ports in 6800-7300 (Ceph's default range).
# Clients: path-style addressing, any region name (use us-east-1). boto3 >= 1.36 works
# with its defaults over this plain-http endpoint; behind TLS it needs
# AWS_REQUEST_CHECKSUM_CALCULATION=when_required (Pacific lacks the new checksums).
set -eu

PKGS=(ceph-mon ceph-osd radosgw ceph-common curl)
NAMES="rgw osd mon"    # stop order; start order is the reverse
EMPTY_SHA256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

die() { echo "s3-test-server: $*" >&2; exit 1; }
log() { echo "s3-test-server: $*" >&2; }

usage() {
    sed -n '2,12p' "$0" >&2
    exit 2
}

ensure_pkgs() {
    local missing=""
    for b in ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool curl; do
        command -v "$b" >/dev/null 2>&1 || missing="$missing $b"
    done
    [ -z "$missing" ] && return 0
    [ "$(id -u)" = 0 ] || die "missing$missing; run as root or: apt-get install ${PKGS[*]}"
    log "installing Debian packages (${PKGS[*]}), missing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q --no-install-recommends "${PKGS[@]}" >"${TMPDIR:-/tmp}/s3-test-server-apt.log" 2>&1; then
        apt-get update -q >"${TMPDIR:-/tmp}/s3-test-server-apt.log" 2>&1 || true
        apt-get install -y -q --no-install-recommends "${PKGS[@]}" >>"${TMPDIR:-/tmp}/s3-test-server-apt.log" 2>&1 \
            || die "apt-get install failed, see ${TMPDIR:-/tmp}/s3-test-server-apt.log"
    fi
}

# pid_of NAME: prints the recorded PID if that process is alive and is ours (its
# command line names our ceph.conf), else nothing.
pid_of() {
    local f="$D/pid/$1" pid
    [ -s "$f" ] || return 0
    pid=$(cat "$f")
    case "$pid" in ''|*[!0-9]*) return 0 ;; esac
    [ -r "/proc/$pid/cmdline" ] || return 0
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- " $CONF "; then
        # a zombie is not alive
        case "$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$pid/status" 2>/dev/null)" in
            Z|X|'') return 0 ;;
        esac
        echo "$pid"
    fi
}

ceph_() { timeout 30 ceph -c "$CONF" --connect-timeout 20 "$@"; }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# launch NAME CMD...: run a daemon in the foreground mode (-f), detached, record its PID
launch() {
    local name="$1"; shift
    setsid "$@" -f </dev/null >>"$D/log/$name.out" 2>&1 &
    echo $! >"$D/pid/$name"
}

tails() {
    for f in "$D"/log/*; do
        [ -f "$f" ] || continue
        echo "----- $f (last 15 lines)" >&2
        tail -n 15 "$f" >&2 || true
    done
}

fail() {
    log "$*"
    tails
    do_stop >/dev/null 2>&1 || true
    exit 1
}

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
    local secs="$1" what="$2" i=0; shift 2
    while ! "$@" >/dev/null 2>&1; do
        i=$((i + 1))
        [ "$i" -le $((secs * 4)) ] || fail "timed out after ${secs}s waiting for $what"
        sleep 0.25
    done
}

osd_up() { ceph_ osd dump -f json 2>/dev/null | grep -q '"up":1'; }
s3_up() {  # a signed ListBuckets: proves HTTP, S3 auth and RADOS reads all work
    local ak sk out
    ak=$(sed -n 's/^S3_ACCESS_KEY=\([^ ]*\) .*/\1/p' "$D/s3-keys")
    sk=$(sed -n 's/.* S3_SECRET_KEY=//p' "$D/s3-keys")
    out=$(curl -s -m 3 --aws-sigv4 "aws:amz:us-east-1:s3" --user "$ak:$sk" \
        -H "x-amz-content-sha256: $EMPTY_SHA256" -w ' HTTP%{http_code}' "http://127.0.0.1:$PORT/") || return 1
    case "$out" in *ListAllMyBucketsResult*HTTP200) return 0 ;; *) return 1 ;; esac
}
alive() { [ -n "$(pid_of "$1")" ] || fail "$1 exited at start, see $D/log"; }

write_conf() {
    local fsid mon_port store size
    fsid=$(cat /proc/sys/kernel/random/uuid)
    store="${S3_RGW_STORE:-bluestore}"
    case "$store" in
        memstore)  size="${S3_RGW_SIZE_MB:-2048}" ;;
        bluestore) size="${S3_RGW_SIZE_MB:-10240}" ;;
        *) die "S3_RGW_STORE must be memstore or bluestore" ;;
    esac
    mon_port="${S3_RGW_MON_PORT:-}"
    if [ -z "$mon_port" ]; then
        mon_port=$((20000 + PORT % 10000))
        while port_busy "$mon_port" || [ "$mon_port" = "$PORT" ]; do
            mon_port=$((mon_port + 1))
        done
    fi
    port_busy "$mon_port" && die "monitor port $mon_port is in use"
    cat >"$CONF" <<EOF
# written by s3-test-server.sh; a one-node Ceph cluster for tests, no authentication
[global]
fsid = $fsid
mon_host = [v2:127.0.0.1:$mon_port]
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
ms_bind_msgr1 = false
ms_bind_msgr2 = true
ms_bind_ipv6 = false
# radosgw defaults its monitor connection to "secure" mode, which auth "none" lacks
ms_mon_client_mode = crc
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
auth_allow_insecure_global_id_reclaim = false
keyring = $D/keyring
run_dir = $D/run
admin_socket = $D/run/\$name.asok
log_file = $D/log/\$name.log
mon_cluster_log_file = $D/log/cluster.log
crash_dir = $D/crash
pid_file =
log_to_stderr = false
err_to_stderr = true
mon_allow_pool_size_one = true
mon_allow_pool_delete = true
mon_warn_on_pool_no_redundancy = false
mon_max_pg_per_osd = 1000
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
ms_async_op_threads = 2

[mon]
mon_data = $D/mon
mon_data_avail_warn = 10
# commit map changes every 0.1 s, not 1 s: pool creation is ~7x faster
paxos_propose_interval = 0.1

[osd]
osd_data = $D/osd
osd_objectstore = $store
# a clean shutdown on SIGTERM: memstore saves its data to osd_data only then
osd_fast_shutdown = false
memstore_device_bytes = $((size * 1024 * 1024))
bluestore_block_path = $D/osd-block
bluestore_block_size = $((size * 1024 * 1024))
bluestore_block_create = true
bluestore_fsck_on_mkfs = false
osd_memory_target = 939524096
osd_op_num_shards = 2
osd_op_num_threads_per_shard = 1

[client]
rgw_frontends = beast endpoint=$ADDR:$PORT
rgw_data = $D/rgw
rgw_thread_pool_size = 32
rgw_enable_ops_log = false
rgw_enable_usage_log = false
rgw_dynamic_resharding = false
rgw_gc_obj_min_wait = 60
rgw_gc_processor_period = 60
rgw_crypt_require_ssl = false
EOF
}

do_start() {
    ensure_pkgs
    mkdir -p "$D/mon" "$D/osd" "$D/rgw" "$D/run" "$D/log" "$D/pid" "$D/crash"
    [ -s "$CONF" ] || write_conf
    # the radosgw port may change between starts of a DIR
    if [ -z "$(pid_of rgw)" ]; then
        port_busy "$PORT" && die "port $PORT is already in use"
        sed -i "s|^rgw_frontends = .*|rgw_frontends = beast endpoint=$ADDR:$PORT|" "$CONF"
    elif ! grep -q "endpoint=$ADDR:$PORT\$" "$CONF"; then
        die "radosgw of $D is running on another port; stop it first"
    fi

    # --- monitor
    if [ ! -e "$D/mon/store.db" ]; then
        [ -s "$D/keyring" ] || ceph-authtool --create-keyring "$D/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
        local fsid addr
        fsid=$(sed -n 's/^fsid = //p' "$CONF")
        addr=$(sed -n 's/^mon_host = //p' "$CONF")
        monmaptool --create --fsid "$fsid" --addv a "$addr" "$D/monmap" >/dev/null
        ceph-mon -c "$CONF" --mkfs -i a --monmap "$D/monmap" --keyring "$D/keyring" \
            >>"$D/log/mkfs.out" 2>&1 || fail "ceph-mon --mkfs failed"
    fi
    if [ -z "$(pid_of mon)" ]; then
        launch mon ceph-mon -c "$CONF" -i a
    fi
    wait_for 30 "the monitor" ceph_ mon stat
    alive mon

    # --- OSD (id 0)
    if [ ! -s "$D/osd/whoami" ]; then
        local uuid
        uuid=$(cat /proc/sys/kernel/random/uuid)
        [ "$(ceph_ osd new "$uuid")" = 0 ] || fail "ceph osd new did not give id 0"
        ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$uuid" >>"$D/log/mkfs.out" 2>&1 \
            || fail "ceph-osd --mkfs failed"
        touch "$D/osd/s3-rgw-clean"
    fi
    if [ -z "$(pid_of osd)" ]; then
        # memstore keeps objects in RAM and saves them only on a clean stop
        if grep -q '^osd_objectstore = memstore' "$CONF" && [ ! -e "$D/osd/s3-rgw-clean" ]; then
            fail "the OSD of $D (memstore) ended without a clean stop: its data is lost." \
                "Run: $0 stop $D; rm -rf $D; then start again"
        fi
        rm -f "$D/osd/s3-rgw-clean"
        launch osd ceph-osd -c "$CONF" -i 0
    fi
    wait_for 60 "the OSD to be up" osd_up
    alive osd

    # --- S3 user (this also creates the RGW pools)
    if [ ! -s "$D/s3-keys" ]; then
        local ak sk
        ak="${S3_ACCESS_KEY:-$(tr -dc 'A-Z0-9' </dev/urandom | head -c 20)}"
        sk="${S3_SECRET_KEY:-$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 40)}"
        timeout 120 radosgw-admin -c "$CONF" user create --uid=tester --display-name=tester \
            --access-key="$ak" --secret-key="$sk" >>"$D/log/user.out" 2>&1 \
            || fail "radosgw-admin user create failed"
        (umask 077; echo "S3_ACCESS_KEY=$ak S3_SECRET_KEY=$sk" >"$D/s3-keys")
    fi

    # --- radosgw
    if [ -z "$(pid_of rgw)" ]; then
        port_busy "$PORT" && fail "port $PORT is already in use"
        launch rgw radosgw -c "$CONF" -n client.rgw
    fi
    wait_for 60 "the S3 API on port $PORT" s3_up
    alive rgw
    echo "S3_ENDPOINT=http://127.0.0.1:$PORT $(cat "$D/s3-keys")"
}

do_stop() {
    local name pid i
    for name in $NAMES; do
        pid=$(pid_of "$name")
        if [ -n "$pid" ]; then
            kill -TERM "$pid" 2>/dev/null || true
            i=0
            while [ -n "$(pid_of "$name")" ] && [ "$i" -lt 120 ]; do
                sleep 0.25; i=$((i + 1))
            done
            if [ -n "$(pid_of "$name")" ]; then
                log "$name ($pid) ignored SIGTERM for 30 s: SIGKILL"
                kill -KILL "$pid" 2>/dev/null || true
                i=0
                while [ -n "$(pid_of "$name")" ] && [ "$i" -lt 40 ]; do
                    sleep 0.25; i=$((i + 1))
                done
            elif [ "$name" = osd ]; then
                touch "$D/osd/s3-rgw-clean"   # memstore saved its data
            fi
            log "stopped $name ($pid)"
        fi
        rm -f "$D/pid/$name"
    done
}

do_status() {
    local name pid rc=0
    for name in mon osd rgw; do
        pid=$(pid_of "$name")
        if [ -n "$pid" ]; then echo "$name running pid $pid"; else echo "$name stopped"; rc=3; fi
    done
    return $rc
}

[ $# -ge 2 ] || usage
CMD="$1"
case "$2" in /*) ;; *) set -- "$1" "$PWD/$2" "${@:3}" ;; esac
D="${2%/}"
CONF="$D/ceph.conf"
ADDR="${S3_RGW_ADDR:-127.0.0.1}"
case "$CMD" in
    start)
        [ $# -eq 3 ] || usage
        PORT="$3"
        case "$PORT" in ''|*[!0-9]*) die "PORT must be a number" ;; esac
        do_start
        ;;
    stop)
        [ -d "$D" ] || exit 0
        do_stop
        ;;
    status)
        do_status
        ;;
    *) usage ;;
esac
