#!/usr/bin/env bash
# The test command (README "Quick start"): installs and starts what the tests need, then runs
# every tier. Unit tests (*Test) need nothing; *IT need PostgreSQL, the local cluster (control plane
# and a real node) and the project's image on that node.
#   hack/test.sh            all tiers
#   hack/test.sh -Dit.test=PurgeCommandIT   extra Maven arguments are passed through
set -euo pipefail
cd "$(dirname "$0")/.."

command -v mvn >/dev/null || { echo "test: Maven is missing; install it (apt-get install maven)" >&2; exit 1; }
command -v go >/dev/null || { echo "test: Go is missing; it builds the local cluster" >&2; exit 1; }
# The seed ITs check a seeded password hash with real Django, pip-installed into a virtualenv under
# target/ (testing/DjangoPasswords); Debian ships venv's pip bootstrap separately.
if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  echo "test: installing python3-venv (apt-get)" >&2
  apt-get install -y -qq python3-venv >/dev/null
fi

# kubectl's discovery cache of this run only: a CRD a test created and deleted (a short name, a
# group) must not shadow resources for later kubectl calls, in this run or the next.
export KUBECACHEDIR="$PWD/target/kube-cache"
rm -rf "$KUBECACHEDIR"

keep="${KEEP_RUNNING:-}"
cleanup() { [ -n "$keep" ] || { hack/cluster.sh down >/dev/null 2>&1 || true; hack/pg.sh down >/dev/null 2>&1 || true; }; }
trap cleanup EXIT

# etcd, kube-apiserver, kube-controller-manager, kube-scheduler, and a kubelet on containerd with
# kube-proxy as the node (built once and cached; apt-get installs the runtime when missing).
KUBECONFIG="$(hack/cluster.sh up | tail -n 1)"
export KUBECONFIG
# The tests run kubectl as a user does: the kubectl of the cluster's release.
export PATH="$PWD/target/cluster/bin:$PATH"
# The image from the Dockerfile, loaded into the node: every purge pod and the Helm-installed
# operator run it.
PURGE_TEST_IMAGE="$(hack/image.sh | tail -n 1)"
export PURGE_TEST_IMAGE
# PostgreSQL 15 (installed with apt-get when missing), private cluster under target/pg, listening
# on the address where pods reach this machine too.
pg_env="$(hack/pg.sh up)"
eval "$(grep '^export ' <<<"$pg_env")"

mvn -B -ntp verify "$@"
