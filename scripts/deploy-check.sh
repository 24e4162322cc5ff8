#!/usr/bin/env bash
# Offline checks of the deployment files (issue 6), for CI and by hand; no cluster, no registry.
#
#   1. docker-compose.yml and deploy/base are current (`python -m openpress.deployment render
#      --check`);
#   2. both overlays build (`kubectl kustomize`) from a copy of deploy/ with no secrets.env;
#   3. kubernetes-validate --strict against Kubernetes 1.32 (custom resources: tests/deploy);
#   4. checkov on both overlays, with the skips each overlay's checkov.yaml justifies;
#   5. yamllint (deploy/yamllint.yaml) on deploy/ and docker-compose.yml;
#   6. check-jsonschema: docker-compose.yml (and the override) against the compose spec;
#   7. shellcheck: docker/redis-init.sh (the Redis pods' init script) and these scripts.
#
# Python tools come from the project's venv (dev extra); checkov, whose pins clash with the dev
# tools, lives in its own venv under var/tools/checkov, made on first use. kubectl (1.32, with
# kustomize) must be on PATH. Every check runs; the exit status is non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
VENV=${VENV:-.venv}
PY=$VENV/bin/python
K8S_VERSION=${K8S_VERSION:-1.32.0}
CHECKOV_VENV=var/tools/checkov
CHECKOV_VERSION=${CHECKOV_VERSION:-3.2.500}

failed=()
check() {  # check NAME COMMAND...: run it, remember a failure, carry on
    local name=$1
    shift
    printf '\n== %s\n' "$name"
    if "$@"; then echo "-- $name: ok"; else echo "-- $name: FAILED"; failed+=("$name"); fi
}

for tool in kubernetes-validate yamllint check-jsonschema shellcheck; do
    [ -x "$VENV/bin/$tool" ] || { echo "$tool missing: make venv (dev extra)" >&2; exit 2; }
done
command -v kubectl >/dev/null || { echo "kubectl (1.32, with kustomize) is not on PATH" >&2; exit 2; }
if [ ! -x "$CHECKOV_VENV/bin/checkov" ]; then
    echo "installing checkov $CHECKOV_VERSION into $CHECKOV_VENV"
    if ! python3 -m venv "$CHECKOV_VENV" \
        || ! "$CHECKOV_VENV/bin/pip" install -q "checkov==$CHECKOV_VERSION"; then
        echo "could not install checkov" >&2
        exit 2
    fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A copy without any secrets.env, as a clean clone has it: the overlays refer to the Secret by
# name (scripts/deploy-secrets.sh --apply makes it in the cluster) and must render without one.
cp -r deploy "$work/deploy"
rm -f "$work"/deploy/overlays/*/secrets.env

check "rendered files are current" "$PY" -m openpress.deployment render --check
for overlay in dev prod; do
    check "kustomize build: $overlay" \
        sh -c "kubectl kustomize '$work/deploy/overlays/$overlay' >'$work/$overlay.yaml'"
    check "kubernetes-validate --strict $K8S_VERSION: $overlay" \
        "$VENV/bin/kubernetes-validate" --strict --quiet -k "$K8S_VERSION" "$work/$overlay.yaml"
    check "checkov: $overlay" "$CHECKOV_VENV/bin/checkov" -d "$work/deploy/overlays/$overlay" \
        --config-file "deploy/overlays/$overlay/checkov.yaml"
done
# The shell scripts the manifests and these checks run (the Redis pods' init script is in a
# ConfigMap, so nothing else would lint it before a cluster runs it).
check "shellcheck" "$VENV/bin/shellcheck" docker/redis-init.sh scripts/deploy-check.sh \
    scripts/deploy-secrets.sh
check "yamllint" "$VENV/bin/yamllint" --strict -c deploy/yamllint.yaml deploy docker-compose.yml
check "compose spec" "$VENV/bin/check-jsonschema" --builtin-schema vendor.compose-spec \
    docker-compose.yml docker-compose.override.yml

if [ ${#failed[@]} -gt 0 ]; then
    printf '\n== deploy checks FAILED: %s\n' "${failed[*]}"
    exit 1
fi
printf '\n== deploy checks passed\n'
