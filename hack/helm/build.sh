#!/usr/bin/env bash
# Builds the Helm CLIs the tests run (majors 3 and 4) from Go modules, once, into a cache outside
# the repo, as hack/controlplane/build.sh builds Kubernetes:
#   $HELM_CACHE/<helm version>/helm       (versions from hack/helm/v3/go.mod and hack/helm/v4/go.mod)
# A binary already present is reused. Prints HELM3= and HELM4= lines (paths) on stdout; progress
# goes to stderr. Usage: hack/helm/build.sh [3|4]   (default: both)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${HELM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/user-data-purge/helm}"

log() { echo "helm/build.sh: $*" >&2; }

# shellcheck source=../lib/go-build.sh
source "$here/../lib/go-build.sh"

build() { # major
  local major="$1" module="helm.sh/helm/v$1" version dir
  version="$(required_version "$here/v$major/go.mod" "$module")"
  [[ -n "$version" ]] || { log "cannot read the $module version from $here/v$major/go.mod"; exit 1; }
  dir="$cache/$version"
  if [[ ! -x "$dir/helm" ]]; then
    # The version Helm reports (helm version) is stamped as its own Makefile does.
    go_build "$here/v$major" "$dir" -ldflags "-s -w -X $module/internal/version.version=$version" "$module/cmd/helm"
  fi
  echo "HELM$major=$dir/helm"
}

case "${1:-}" in
  3) build 3 ;;
  4) build 4 ;;
  "") build 3; build 4 ;;
  *) log "usage: hack/helm/build.sh [3|4]"; exit 2 ;;
esac
