#!/usr/bin/env bash
# Builds the local control plane's binaries from Go modules, once, into a cache outside the repo:
#   $CONTROLPLANE_CACHE/<k8s version>/{kube-apiserver,kube-controller-manager,kube-scheduler,kubelet,kube-proxy}
#   $CONTROLPLANE_CACHE/<k8s version>/kubectl/kubectl (the client of the same release)
#   $CONTROLPLANE_CACHE/etcd-<etcd version>/etcd
# Versions come from hack/controlplane/{kube,etcd}/go.mod. A binary already present is reused.
# Prints KUBE_APISERVER=, KUBE_CONTROLLER_MANAGER=, KUBE_SCHEDULER=, KUBELET=, KUBE_PROXY=, KUBECTL=, ETCD=
# lines (paths) on stdout; progress goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${CONTROLPLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/user-data-purge/controlplane}"

log() { echo "build.sh: $*" >&2; }

# shellcheck source=../lib/go-build.sh
source "$here/../lib/go-build.sh"

k8s_version="$(required_version "$here/kube/go.mod" k8s.io/kubernetes)"
etcd_version="$(required_version "$here/etcd/go.mod" go.etcd.io/etcd/server/v3)"
[[ -n "$k8s_version" && -n "$etcd_version" ]] || { log "cannot read versions from $here/*/go.mod"; exit 1; }

# The plane and the node, stamped with the release they are built from, in one `go build` (they
# share most packages).
kube_dir="$cache/$k8s_version"
kube_cmds=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy)
missing=0
for c in "${kube_cmds[@]}"; do [[ -x "$kube_dir/$c" ]] || missing=1; done
kube_ldflags() {
  local minor="${k8s_version#v1.}" pkg ldflags="-s -w"
  minor="${minor%%.*}"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=2026-02-10T00:00:00Z"
  done
  echo "$ldflags"
}
if ((missing)); then
  go_build "$here/kube" "$kube_dir" -ldflags "$(kube_ldflags)" "${kube_cmds[@]/#/k8s.io/kubernetes/cmd/}"
fi
# kubectl of the plane's release, so tests and the demo stay inside kubectl's supported version
# skew (±1 minor) whatever kubectl the machine has. Its own directory and build: a cache from
# before it was added is not rebuilt.
if [[ ! -x "$kube_dir/kubectl/kubectl" ]]; then
  go_build "$here/kube" "$kube_dir/kubectl" -ldflags "$(kube_ldflags)" k8s.io/kubernetes/cmd/kubectl
fi

etcd_dir="$cache/etcd-$etcd_version"
if [[ ! -x "$etcd_dir/etcd" ]]; then
  go_build "$here/etcd" "$etcd_dir" -ldflags "-s -w" go.etcd.io/etcd/server/v3
  # go names the binary after the module path ("server" or "v3" by Go version); call it etcd.
  for f in "$etcd_dir"/*; do [[ "$f" == "$etcd_dir/etcd" ]] || mv "$f" "$etcd_dir/etcd"; done
fi

echo "KUBE_APISERVER=$kube_dir/kube-apiserver"
echo "KUBE_CONTROLLER_MANAGER=$kube_dir/kube-controller-manager"
echo "KUBE_SCHEDULER=$kube_dir/kube-scheduler"
echo "KUBELET=$kube_dir/kubelet"
echo "KUBE_PROXY=$kube_dir/kube-proxy"
echo "KUBECTL=$kube_dir/kubectl/kubectl"
echo "ETCD=$etcd_dir/etcd"
