#!/usr/bin/env bash
# The test command (README "Quick start"): installs and starts what the tests need, then runs
# every tier. Unit tests (*Test) need nothing; *IT need PostgreSQL and the local control plane.
#   hack/test.sh            all tiers
#   hack/test.sh -Dit.test=PurgeCommandIT   extra Maven arguments are passed through
set -euo pipefail
cd "$(dirname "$0")/.."

command -v mvn >/dev/null || { echo "test: Maven is missing; install it (apt-get install maven)" >&2; exit 1; }
command -v go >/dev/null || { echo "test: Go is missing; it builds the local control plane" >&2; exit 1; }

# PostgreSQL 15 (installed with apt-get when missing), private cluster under target/pg.
eval "$(hack/pg.sh up | grep '^export ')"
# etcd, kube-apiserver, kube-controller-manager (built once and cached), node and pod runner.
KUBECONFIG="$(hack/cluster.sh up | tail -n 1)"
export KUBECONFIG

keep="${KEEP_RUNNING:-}"
cleanup() { [ -n "$keep" ] || { hack/cluster.sh down >/dev/null 2>&1 || true; hack/pg.sh down >/dev/null 2>&1 || true; }; }
trap cleanup EXIT

mvn -B -ntp verify "$@"
