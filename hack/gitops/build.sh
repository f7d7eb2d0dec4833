#!/usr/bin/env bash
# Builds hack/gitops/health (how Flux judges an object: kstatus from sigs.k8s.io/cli-utils and Flux's
# own CEL health-check evaluator, versions in hack/gitops/health/go.mod) once, into a cache outside
# the repo keyed by its sources: $GITOPS_CACHE/health-<hash>/health. Prints HEALTH=<path>.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${GITOPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/user-data-purge/gitops}"
log() { echo "gitops/build.sh: $*" >&2; }

key="$(cat "$here/health/go.mod" "$here/health/go.sum" "$here/health/main.go" | sha256sum | cut -c1-16)"
dir="$cache/health-$key"
if [[ ! -x "$dir/health" ]]; then
  command -v go >/dev/null || { log "go not found on PATH: install Go to build the Flux health tool"; exit 1; }
  tmp="$dir.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp"
  log "building $dir/health (first time only; a minute)"
  (cd "$here/health" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp/health" .)
  mkdir -p "$dir"
  mv "$tmp/health" "$dir/health"
  rmdir "$tmp"
fi
echo "HEALTH=$dir/health"
