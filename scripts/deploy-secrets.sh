#!/bin/sh
# The secrets of a Kubernetes overlay:
#   scripts/deploy-secrets.sh dev|prod [--force] [--apply | --print]
#
# Writes deploy/overlays/OVERLAY/secrets.env (ignored by git), then, with --apply, creates or
# updates the Secret openpress-secrets in the namespace openpress from it (`kubectl apply`, the
# current kubectl context), or, with --print, prints that Secret as YAML on stdout (for SOPS,
# Sealed Secrets or a password store; nothing else is printed then). The overlays refer to the
# Secret by name and never generate it, so they render from a clean clone and a GitOps tool
# (Argo CD, Flux) never sees a secret value (docs/deploy.md, "Secrets").
#
# Values are random, like the seed's `head -c 24 /dev/random | base64`, but in hex so they are
# safe inside DATABASE_URL, in redis.conf and in an env file (no quotes, no '#', no '$'). An
# existing file is kept (rotating SECRET_KEY logs everyone out; the database password is set
# when the volume is first initialised), unless --force; a secret it lacks (one added by a newer
# OpenPress, such as REDIS_ADMIN_PASSWORD) is appended to it. Only the path and
# key names are printed, never a value (except the Secret itself with --print).
#
# prod has no POSTGRES_PASSWORD or DATABASE_URL: CloudNativePG generates the database password
# and the app reads its DATABASE_URL from the operator's Secret openpress-db-app.
#
# prod keeps media in a bucket (deploy/components/s3-storage). Its key pair is not ours to make
# up: given in the environment, both or neither,
#   AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... scripts/deploy-secrets.sh prod --apply
# writes them into the file (replacing older ones: that is how they are rotated). Without them
# the Secret has no key pair and the pods use boto3's own chain (an IAM role for the service
# account). deploy/overlays/prod/secrets.env.example lists every key.
set -eu
NAMESPACE=${NAMESPACE:-openpress}
SECRET=openpress-secrets
overlay=${1:-}
case "$overlay" in
    dev | prod) ;;
    *)
        echo "usage: scripts/deploy-secrets.sh dev|prod [--force] [--apply | --print]" >&2
        exit 64
        ;;
esac
shift
force="" action=""
for arg in "$@"; do
    case "$arg" in
        --force) force=1 ;;
        --apply | --print) action=$arg ;;
        *)
            echo "scripts/deploy-secrets.sh: unknown option $arg" >&2
            exit 64
            ;;
    esac
done
file="$(dirname "$0")/../deploy/overlays/$overlay/secrets.env"
# With --print, stdout carries the Secret alone.
say() { if [ "$action" = --print ]; then echo "$@" >&2; else echo "$@"; fi; }
random_hex() { od -An -vtx1 -N "$1" /dev/urandom | tr -d ' \n'; }
umask 077
password=$(random_hex 24)
{
    echo "SECRET_KEY=$(random_hex 48)"
    if [ "$overlay" = dev ]; then
        echo "POSTGRES_PASSWORD=$password"
        echo "DATABASE_URL=postgres://openpress:$password@postgres:5432/openpress"
    fi
    # Signs links to files of private media; the app and nginx both read it.
    echo "MEDIA_LINK_SECRET=$(random_hex 32)"
    # Redis's and the Sentinels' clients (the default user); the app adds it to REDIS_URL.
    echo "REDIS_PASSWORD=$(random_hex 24)"
    # Replication and the Sentinels' own users; only the Redis pods get it.
    echo "REDIS_ADMIN_PASSWORD=$(random_hex 24)"
    # Content Credentials: the newsroom's chain and key, not ours to make up (set below from
    # C2PA_SIGNING_CERT_FILE and C2PA_SIGNING_KEY_FILE); empty keys so the pods' references hold.
    echo "C2PA_SIGNING_CERT="
    echo "C2PA_SIGNING_KEY="
} >"$file.tmp"
if [ -e "$file" ] && [ -z "$force" ]; then
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
        say "kept $file and added:$added"
    else
        say "kept $file (exists; --force replaces it)"
    fi
else
    mv "$file.tmp" "$file"
    say "wrote $file"
fi

if [ "$overlay" = prod ] && [ -n "${AWS_ACCESS_KEY_ID:-}${AWS_SECRET_ACCESS_KEY:-}" ]; then
    if [ -z "${AWS_ACCESS_KEY_ID:-}" ] || [ -z "${AWS_SECRET_ACCESS_KEY:-}" ]; then
        echo "scripts/deploy-secrets.sh: give both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY," \
            "or neither (an IAM role)" >&2
        exit 64
    fi
    grep -v -e '^AWS_ACCESS_KEY_ID=' -e '^AWS_SECRET_ACCESS_KEY=' "$file" >"$file.tmp" || true
    printf 'AWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\n' "$AWS_ACCESS_KEY_ID" \
        "$AWS_SECRET_ACCESS_KEY" >>"$file.tmp"
    mv "$file.tmp" "$file"
    say "set AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY in $file (the media bucket's key pair)"
fi

if [ -n "${C2PA_SIGNING_CERT_FILE:-}${C2PA_SIGNING_KEY_FILE:-}" ]; then
    if [ -z "${C2PA_SIGNING_CERT_FILE:-}" ] || [ -z "${C2PA_SIGNING_KEY_FILE:-}" ]; then
        echo "scripts/deploy-secrets.sh: give both C2PA_SIGNING_CERT_FILE and" \
            "C2PA_SIGNING_KEY_FILE, or neither" >&2
        exit 64
    fi
    for pem in "$C2PA_SIGNING_CERT_FILE" "$C2PA_SIGNING_KEY_FILE"; do
        if ! grep -q -- "-----BEGIN" "$pem" 2>/dev/null; then
            echo "scripts/deploy-secrets.sh: $pem is not a readable PEM file" >&2
            exit 66
        fi
    done
    grep -v -e '^C2PA_SIGNING_CERT=' -e '^C2PA_SIGNING_KEY=' "$file" >"$file.tmp" || true
    printf 'C2PA_SIGNING_CERT=base64:%s\nC2PA_SIGNING_KEY=base64:%s\n' \
        "$(base64 <"$C2PA_SIGNING_CERT_FILE" | tr -d '\n')" \
        "$(base64 <"$C2PA_SIGNING_KEY_FILE" | tr -d '\n')" >>"$file.tmp"
    mv "$file.tmp" "$file"
    say "set C2PA_SIGNING_CERT C2PA_SIGNING_KEY in $file (the Content Credentials signer)"
fi

manifest() {
    kubectl create secret generic "$SECRET" --namespace "$NAMESPACE" --from-env-file="$file" \
        --dry-run=client --output yaml
}
case "$action" in
    --print) manifest ;;
    --apply)
        # apply, not create: the same command updates the Secret after a rotation. Pods read it
        # at start; docs/deploy.md says how they are restarted (Reloader, or rollout restart).
        manifest | kubectl apply -f -
        ;;
esac
