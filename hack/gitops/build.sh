#!/usr/bin/env bash
# Builds hack/gitops/health (how Flux judges an object: kstatus from sigs.k8s.io/cli-utils and Flux's
# own CEL health-check evaluator, versions in hack/gitops/health/go.mod) once, into a cache outside
# the repo keyed by its sources: $GITOPS_CACHE/health-<hash>/health. Prints HEALTH=<path>.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${GITOPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/user-data-purge/gitops}"
log() { echo "gitops/build.sh: $*" >&2; }
# shellcheck source=../lib/go-build.sh
source "$here/../lib/go-build.sh"

key="$(cat "$here/health/go.mod" "$here/health/go.sum" "$here/health/main.go" | sha256sum | cut -c1-16)"
dir="$cache/health-$key"
if [[ ! -x "$dir/health" ]]; then
  go_build "$here/health" "$dir" -ldflags "-s -w" . # the binary takes the module's last element: health
fi
echo "HEALTH=$dir/health"
