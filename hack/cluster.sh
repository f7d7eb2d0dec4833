#!/usr/bin/env bash
# A real, local Kubernetes cluster for tests and demos: etcd, kube-apiserver (RBAC and the Node
# authorizer, service-account tokens, CRD validation with CEL), kube-controller-manager,
# kube-scheduler, and one node: a kubelet on containerd + runc, a bridge pod network, kube-proxy
# (nftables) for Service routing. Needs root. State in target/cluster; the node's data (images,
# pod volumes) under /var/lib/user-data-purge, its runtime state under /run/user-data-purge.
#
# All traffic stays on this machine: pods sit on the bridge datapurge0 (10.244.0.1/24) with
# routes to that subnet and to the Service range only (no default route, no masquerade).
# kube-apiserver, the kubelet and PostgreSQL (hack/pg.sh) listen on the bridge address; the
# other servers on 127.0.0.1.
#
#   hack/cluster.sh up                 start (or find running) and print the admin kubeconfig's
#                                      path on the last line
#   hack/cluster.sh down               stop everything it started, remove the bridge and the
#                                      Service rules, restore the host settings the kubelet
#                                      changed (state is kept; `up` resumes it)
#   hack/cluster.sh host-address       the address at which pods reach servers on this machine
#                                      (what a manifest puts in spec.database.host)
#   hack/cluster.sh restart-apiserver [SECONDS]
#                                      stop kube-apiserver, keep it down SECONDS (default 0), start it
#   hack/cluster.sh status             show what runs
#   hack/cluster.sh reset              down, then delete target/cluster
#
# target/cluster/bin/kubectl is the kubectl of the cluster's release (hack/test.sh and
# hack/demo.sh put it first on PATH, inside kubectl's supported version skew).
#
# Environment: CLUSTER_PORT_BASE (9 consecutive ports; default derived from this checkout's path),
# CONTROLPLANE_CACHE (where binaries are built, see hack/controlplane/build.sh).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
state="$root/target/cluster"
pki="$state/pki"
kubeconfig="$state/admin.kubeconfig"
node_name="local-node"
bridge="datapurge0"
host_address="10.244.0.1"
# A fixed MAC: otherwise the kernel gives the bridge the MAC of one of its pod ports, which changes
# as pods come and go, and running pods lose the host for seconds (stale ARP entries).
bridge_mac="02:44:50:00:00:01"
pod_cidr="10.244.0.0/24"
service_cidr="10.0.0.0/24"
node_dir="/var/lib/user-data-purge"
run_dir="/run/user-data-purge"
containerd_socket="$run_dir/containerd/containerd.sock"
pause_image="localhost/datapurge/pause:3.10"
# Stop order: the node first, then the plane.
components=(kube-proxy kubelet kube-scheduler kube-controller-manager kube-apiserver etcd)

log() { echo "cluster.sh: $*" >&2; }
die() { log "$*"; exit 1; }

# Pids of a component of THIS cluster: its binary has the component's name and its command line
# names this cluster's state directory (so clusters of other checkouts are never touched, and one
# whose target/ was deleted by `mvn clean` is still found).
pids_of() { # component
  local d exe
  for d in /proc/[0-9]*; do
    exe="$(readlink "$d/exe" 2>/dev/null)" || continue
    exe="${exe% (deleted)}"
    [[ "${exe##*/}" == "$1" ]] || continue
    { tr '\0' '\n' <"$d/cmdline"; } 2>/dev/null | grep -qF -- "$state/" && echo "${d#/proc/}"
  done
  return 0
}

# The node's containerd and its shims (they name the node's socket, not the state directory).
runtime_pids() {
  local d
  for d in /proc/[0-9]*; do
    { tr '\0' '\n' <"$d/cmdline"; } 2>/dev/null | grep -qxF -- "$containerd_socket" && echo "${d#/proc/}"
    [[ "$(readlink "$d/exe" 2>/dev/null)" == */containerd ]] &&
      { tr '\0' '\n' <"$d/cmdline"; } 2>/dev/null | grep -qF -- "$node_dir/containerd.toml" && echo "${d#/proc/}"
  done
  return 0
}

stop_pids() { # name, pids...
  local name="$1"; shift
  (($#)) || return 0
  log "stopping $name (pid $*)"
  kill -TERM "$@" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$@" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$@" 2>/dev/null || true
}

stop() { # component
  # shellcheck disable=SC2046
  stop_pids "$1" $(pids_of "$1")
}

build() {
  local line
  while IFS= read -r line; do
    case "$line" in
      KUBE_APISERVER=*) apiserver_bin="${line#*=}" ;;
      KUBE_CONTROLLER_MANAGER=*) kcm_bin="${line#*=}" ;;
      KUBE_SCHEDULER=*) scheduler_bin="${line#*=}" ;;
      KUBELET=*) kubelet_bin="${line#*=}" ;;
      KUBE_PROXY=*) proxy_bin="${line#*=}" ;;
      KUBECTL=*) kubectl_bin="${line#*=}" ;;
      ETCD=*) etcd_bin="${line#*=}" ;;
    esac
  done < <("$root/hack/controlplane/build.sh")
  [[ -n "${proxy_bin:-}" && -n "${kubectl_bin:-}" && -n "${etcd_bin:-}" ]] || die "hack/controlplane/build.sh failed"
  mkdir -p "$state/bin"
  ln -sfn "$kubectl_bin" "$state/bin/kubectl"
}

# Nine consecutive ports: apiserver, etcd client, etcd peer, controller-manager, scheduler,
# kubelet, kubelet healthz, kube-proxy healthz and metrics. Recorded in ports.env so the cluster keeps them;
# the default base depends on this checkout's path.
choose_ports() {
  if [[ -f "$state/ports.env" ]]; then
    # shellcheck disable=SC1091
    source "$state/ports.env"
  fi
  if [[ -n "${port_base:-}" && "${CLUSTER_PORT_BASE:-$port_base}" != "$port_base" ]] && running; then
    die "the cluster runs on ports $port_base-$((port_base + 8)); run hack/cluster.sh down before changing CLUSTER_PORT_BASE"
  fi
  if [[ -z "${port_base:-}" || "${CLUSTER_PORT_BASE:-$port_base}" != "$port_base" ]]; then
    local sum
    sum="$(printf '%s' "$root" | cksum | cut -d' ' -f1)"
    port_base="${CLUSTER_PORT_BASE:-$((20000 + sum % 900 * 10))}"
    [[ "$port_base" =~ ^[0-9]+$ ]] && ((port_base > 1024 && port_base < 65526)) ||
      die "CLUSTER_PORT_BASE=$port_base is not a port between 1025 and 65525"
    mkdir -p "$state"
    echo "port_base=$port_base" >"$state/ports.env"
  fi
  api_port=$port_base etcd_port=$((port_base + 1)) peer_port=$((port_base + 2)) kcm_port=$((port_base + 3))
  scheduler_port=$((port_base + 4)) kubelet_port=$((port_base + 5)) kubelet_healthz_port=$((port_base + 6))
  proxy_healthz_port=$((port_base + 7)) proxy_metrics_port=$((port_base + 8))
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && ! (exec 3<>"/dev/tcp/$host_address/$1") 2>/dev/null; }

need_free_port() { # port, component
  port_free "$1" || die "port $1 (for $2) is in use by another program; choose other ports with" \
    "CLUSTER_PORT_BASE=<port> hack/cluster.sh up (uses it and the next 8)"
}

# What the node needs from Debian: the container runtime, CNI plugins, nft for kube-proxy,
# podman to make the pause image.
install_packages() {
  local missing=() tool
  for tool in containerd:containerd runc:runc nft:nftables podman:podman gcc:gcc; do
    command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
  done
  [[ -x /usr/lib/cni/bridge ]] || missing+=(containernetworking-plugins)
  [[ -f /usr/lib/x86_64-linux-gnu/libc.a ]] || missing+=(libc6-dev) # gcc -static (pause)
  ((${#missing[@]})) || return 0
  log "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
}

certificates() {
  # Certificates from before the node existed (no bridge address, no node identity) are made again.
  [[ -f "$pki/node.crt" ]] && return 0
  log "creating certificates in $pki"
  rm -rf "$pki" && mkdir -p "$pki" && cd "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
    -subj "/CN=local-plane-ca" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  sign() { # name, subject, extensions
    openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -subj "$2" 2>/dev/null |
      openssl x509 -req -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -out "$1.crt" \
        -extfile <(printf '%s\n' "$3") 2>/dev/null
  }
  sign apiserver "/CN=kube-apiserver" "subjectAltName=IP:$host_address,IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
extendedKeyUsage=serverAuth"
  sign admin "/O=system:masters/CN=admin" "extendedKeyUsage=clientAuth"
  # The kubelet as the Node authorizer knows it, its serving certificate, and the API server's
  # client certificate for calls to the kubelet (logs).
  sign node "/O=system:nodes/CN=system:node:$node_name" "extendedKeyUsage=clientAuth"
  sign kubelet "/CN=$node_name" "subjectAltName=IP:$host_address,DNS:$node_name
extendedKeyUsage=serverAuth"
  sign apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "extendedKeyUsage=clientAuth"
  openssl genrsa -out sa.key 2048 2>/dev/null
  openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  chmod 600 ./*.key
  cd - >/dev/null
}

write_kubeconfig() { # file, user: the certificate pair in $pki (admin, node)
  local tmp="$1.tmp"
  (umask 077; : >"$tmp") # holds a private key: never readable by others, not even for a moment
  cat >"$tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local-plane
  cluster:
    server: https://$host_address:$api_port
    certificate-authority-data: $(base64 -w0 "$pki/ca.crt")
users:
- name: $2
  user:
    client-certificate-data: $(base64 -w0 "$pki/$2.crt")
    client-key-data: $(base64 -w0 "$pki/$2.key")
contexts:
- name: local-plane
  context: {cluster: local-plane, user: $2}
current-context: local-plane
EOF
  chmod 600 "$tmp" && mv "$tmp" "$1"
}

# Starts a daemon detached from this script (own session, no inherited descriptors), logging to
# $state/<name>.log.
launch() { # name, command...: sets launched_pid
  local name="$1"; shift
  log "starting $name"
  setsid "$@" </dev/null >>"$state/$name.log" 2>&1 9>&- &
  launched_pid=$! # setsid execs the command (a background job is no group leader): its pid
}

wait_until() { # what, component, seconds, command...
  local what="$1" component="$2" seconds="$3"; shift 3
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    # The pid launch recorded, not a search by name: the name appears only once exec has run.
    if ! kill -0 "${launched_pid:-0}" 2>/dev/null; then
      tail -n 30 "$state/$component.log" >&2 || true
      die "$component exited (log: $state/$component.log)"
    fi
    if ((SECONDS > deadline)); then
      tail -n 30 "$state/$component.log" >&2 || true
      die "$what not reached within ${seconds}s (log: $state/$component.log)"
    fi
    sleep 0.3
  done
}

api_get() { # path: prints the body, fails unless 200
  curl -sf --max-time 5 --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" \
    "https://$host_address:$api_port$1"
}

api_ready() { [[ "$(api_get /readyz)" == ok ]]; }

# --- host settings -------------------------------------------------------------------------------

# The kubelet sets these sysctls; their values from before the first `up` are kept so `down`
# puts them back.
host_sysctls=(vm.overcommit_memory kernel.panic kernel.panic_on_oops)

save_host_settings() {
  mkdir -p "$node_dir"
  [[ -f "$node_dir/host-settings" ]] && return 0
  local k
  for k in "${host_sysctls[@]}"; do echo "$k=$(sysctl -n "$k")"; done >"$node_dir/host-settings.tmp"
  nft list tables 2>/dev/null | sed 's/^table /table=/' >>"$node_dir/host-settings.tmp" || true
  mv "$node_dir/host-settings.tmp" "$node_dir/host-settings"
}

restore_host_settings() {
  [[ -f "$node_dir/host-settings" ]] || return 0
  local line cmd t rule chain
  # With iptables installed the kubelet adds KUBE-FIREWALL (and canary) chains: removed with their
  # jumps; a table that did not exist before the first `up` and has no rules now is deleted.
  # (Every pipeline here may find nothing: `|| true`, or set -e would end `down` half-way.)
  for cmd in iptables ip6tables; do
    command -v "$cmd" >/dev/null || continue
    for t in filter nat mangle; do
      { "$cmd" -t "$t" -S 2>/dev/null | grep -E '^-A .* -j KUBE-' || true; } | while IFS= read -r rule; do
        eval "$cmd -t $t -D ${rule#-A }" 2>/dev/null || true
      done
      { "$cmd" -t "$t" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^KUBE-/ { print $2 }' || true; } | while IFS= read -r chain; do
        "$cmd" -t "$t" -F "$chain" 2>/dev/null || true
        "$cmd" -t "$t" -X "$chain" 2>/dev/null || true
      done
    done
  done
  { nft list tables 2>/dev/null || true; } | sed 's/^table //' | while IFS= read -r t; do
    grep -qxF "table=$t" "$node_dir/host-settings" && continue
    # shellcheck disable=SC2086
    { nft list table $t 2>/dev/null || true; } | grep -vE '^\s*(#|table |chain |type |\}|$)' | grep -q . && continue
    # shellcheck disable=SC2086
    nft delete table $t 2>/dev/null || true
  done
  while IFS= read -r line; do
    case "$line" in
      table=*) ;;
      *) sysctl -q -w "$line" >/dev/null || log "could not restore $line" ;;
    esac
  done <"$node_dir/host-settings"
  rm -f "$node_dir/host-settings"
}

# The bridge exists before kube-apiserver starts: it listens on the bridge address.
pod_network() {
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    log "creating bridge $bridge ($host_address/24)"
    ip link add name "$bridge" address "$bridge_mac" type bridge
  fi
  [[ "$(cat "/sys/class/net/$bridge/address")" == "$bridge_mac" ]] || ip link set "$bridge" address "$bridge_mac"
  ip addr show dev "$bridge" | grep -qF "inet $host_address/" || ip addr add "$host_address/24" dev "$bridge"
  ip link set "$bridge" up
  # A guard that does not depend on the host's ip_forward: nothing from the pods is forwarded off
  # the bridge, and the servers on the bridge address answer only the pods and this machine.
  nft -f - <<EOF
table inet datapurge
delete table inet datapurge
table inet datapurge {
  chain forward { type filter hook forward priority -10; policy accept; iifname "$bridge" oifname != "$bridge" drop; }
  chain input { type filter hook input priority -10; policy accept; ip daddr $host_address iifname != { "$bridge", "lo" } drop; }
}
EOF
  mkdir -p "$state/cni/net.d"
  cat >"$state/cni/net.d/10-datapurge.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "datapurge",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$bridge",
      "isGateway": false,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$run_dir/cni-ipam",
        "ranges": [[{"subnet": "$pod_cidr", "gateway": "$host_address", "rangeStart": "10.244.0.10"}]],
        "routes": [{"dst": "$service_cidr", "gw": "$host_address"}]
      }
    },
    {"type": "loopback"}
  ]
}
EOF
}

# --- plane ---------------------------------------------------------------------------------------

start_etcd() {
  [[ -n "$(pids_of etcd)" ]] && return 0
  need_free_port "$etcd_port" etcd; need_free_port "$peer_port" etcd
  launch etcd "$etcd_bin" --name default --data-dir "$state/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "default=http://127.0.0.1:$peer_port" --unsafe-no-fsync=true \
    --log-level warn
  wait_until "etcd health" etcd 30 curl -sf --max-time 2 "http://127.0.0.1:$etcd_port/health"
}

start_apiserver() {
  [[ -n "$(pids_of kube-apiserver)" ]] && return 0
  need_free_port "$api_port" kube-apiserver
  launch kube-apiserver "$apiserver_bin" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address "$host_address" --advertise-address "$host_address" --secure-port "$api_port" \
    --cert-dir "$state/apiserver" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" \
    --kubelet-client-key "$pki/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$pki/ca.crt" --kubelet-preferred-address-types InternalIP \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-cluster-ip-range "$service_cidr" --allow-privileged=true --profiling=false
  wait_until "kube-apiserver /readyz" kube-apiserver 120 api_ready
}

start_controller_manager() {
  [[ -n "$(pids_of kube-controller-manager)" ]] && return 0
  need_free_port "$kcm_port" kube-controller-manager
  # nodelifecycle clears a new node's not-ready taint; replicaset and deployment run the
  # operator's Deployment; endpointslice serves its metrics Service.
  launch kube-controller-manager "$kcm_bin" \
    --kubeconfig "$kubeconfig" \
    --authentication-kubeconfig "$kubeconfig" --authorization-kubeconfig "$kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$kcm_port" \
    --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
    --controllers job,garbagecollector,ttl-after-finished,serviceaccount-token,serviceaccount,namespace,clusterrole-aggregation,root-ca-cert-publisher,nodelifecycle,replicaset,deployment,endpointslice,podgc
  wait_until "kube-controller-manager /healthz" kube-controller-manager 60 \
    curl -skf --max-time 2 "https://127.0.0.1:$kcm_port/healthz"
}

start_scheduler() {
  [[ -n "$(pids_of kube-scheduler)" ]] && return 0
  need_free_port "$scheduler_port" kube-scheduler
  launch kube-scheduler "$scheduler_bin" --kubeconfig "$kubeconfig" \
    --authentication-kubeconfig "$kubeconfig" --authorization-kubeconfig "$kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$scheduler_port" --leader-elect=false
  wait_until "kube-scheduler /healthz" kube-scheduler 60 \
    curl -skf --max-time 2 "https://127.0.0.1:$scheduler_port/healthz"
}

# --- node ----------------------------------------------------------------------------------------

start_containerd() {
  if [[ -S "$containerd_socket" ]] && ctr --address "$containerd_socket" version >/dev/null 2>&1; then
    return 0
  fi
  mkdir -p "$node_dir" "$run_dir"
  # Version 2 config for containerd 1.6: cgroupfs (no systemd here), no oom_score_adj below the
  # parent's (no CAP_SYS_RESOURCE in this VM), CNI from Debian's plugins and our conflist.
  cat >"$node_dir/containerd.toml" <<EOF
version = 2
root = "$node_dir/containerd"
state = "$run_dir/containerd"
[grpc]
  address = "$containerd_socket"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$pause_image"
  restrict_oom_score_adj = true
  # Pod network namespaces under $run_dir (not /run/netns), so down's unmount frees them and their veths.
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$state/cni/net.d"
EOF
  # The config names the state directory, so pids_of finds this containerd.
  printf '# cluster %s\n' "$state/" >>"$node_dir/containerd.toml"
  launch containerd containerd --config "$node_dir/containerd.toml"
  wait_until "containerd" containerd 30 ctr --address "$containerd_socket" version
}

# The pod sandbox image, from Kubernetes' own pause.c (no registry to pull it from).
pause_image() {
  ctr --address "$containerd_socket" -n k8s.io images ls -q | grep -qxF "$pause_image" && return 0
  local src dir
  # (go mod download -json prints the module's directory, downloading it into an empty cache first)
  src="$(cd "$root/hack/controlplane/kube" && go mod download -json k8s.io/kubernetes |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')/build/pause/linux/pause.c"
  [[ -f "$src" ]] || die "pause.c not found in the k8s.io/kubernetes module ($src)"
  dir="$(mktemp -d)"
  gcc -Os -static -o "$dir/pause" "$src" -DVERSION=3.10-datapurge
  printf 'FROM scratch\nCOPY pause /pause\nUSER 65535:65535\nENTRYPOINT ["/pause"]\n' >"$dir/Containerfile"
  CONTAINERS_CONF="$root/hack/image/containers.conf" podman build -q --pull=never -t "$pause_image" "$dir" >/dev/null
  CONTAINERS_CONF="$root/hack/image/containers.conf" podman save --format docker-archive "$pause_image" |
    ctr --address "$containerd_socket" -n k8s.io images import - >/dev/null
  rm -rf "$dir"
  log "pause image $pause_image loaded"
}

start_kubelet() {
  [[ -n "$(pids_of kubelet)" ]] && return 0
  need_free_port "$kubelet_port" kubelet; need_free_port "$kubelet_healthz_port" kubelet
  write_kubeconfig "$state/node.kubeconfig" node
  cat >"$state/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $host_address
port: $kubelet_port
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $kubelet_healthz_port
tlsCertFile: $pki/kubelet.crt
tlsPrivateKeyFile: $pki/kubelet.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $pki/ca.crt}
authorization: {mode: AlwaysAllow}
containerRuntimeEndpoint: unix://$containerd_socket
cgroupDriver: cgroupfs
failSwapOn: false
resolvConf: ""
clusterDomain: cluster.local
# Images exist only locally (hack/image.sh): never garbage-collect them.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%}
serializeImagePulls: false
podLogsDir: $node_dir/pod-logs
# No KUBE-FIREWALL / canary chains in the host's iptables; cgroup v1 as this host has it.
makeIPTablesUtilChains: false
failCgroupV1: false
EOF
  launch kubelet "$kubelet_bin" --config "$state/kubelet.yaml" --kubeconfig "$state/node.kubeconfig" \
    --hostname-override "$node_name" --node-ip "$host_address" --root-dir "$node_dir/kubelet"
  wait_until "node $node_name Ready" kubelet 60 node_ready
}

start_proxy() {
  [[ -n "$(pids_of kube-proxy)" ]] && return 0
  need_free_port "$proxy_healthz_port" kube-proxy; need_free_port "$proxy_metrics_port" kube-proxy
  # Service rules in kube-proxy's own nftables tables; conntrack sysctls left as they are.
  launch kube-proxy "$proxy_bin" --kubeconfig "$kubeconfig" --hostname-override "$node_name" \
    --proxy-mode nftables --cluster-cidr "$pod_cidr" --nodeport-addresses "$host_address/32" \
    --healthz-bind-address "127.0.0.1:$proxy_healthz_port" --metrics-bind-address "127.0.0.1:$proxy_metrics_port" \
    --conntrack-max-per-core 0 --conntrack-tcp-timeout-established 0 --conntrack-tcp-timeout-close-wait 0
  wait_until "kube-proxy /healthz" kube-proxy 60 curl -sf --max-time 2 "http://127.0.0.1:$proxy_healthz_port/healthz"
}

# One node per machine (the bridge, the runtime and the node's directories are machine-wide): it
# belongs to the cluster whose state directory containerd.toml names. Another checkout's node is
# never stopped or reused; one whose checkout is gone may be taken over.
node_owner() { sed -n 's/^# cluster //p' "$node_dir/containerd.toml" 2>/dev/null; }

owns_node() {
  local owner
  owner="$(node_owner)"
  [[ -z "$owner" || "$owner" == "$state/" || ! -d "$owner" ]] || ! runtime_running
}

runtime_running() { [[ -n "$(runtime_pids)" ]]; }

need_node() {
  owns_node || die "the node runs for the cluster in $(node_owner) (another checkout); run hack/cluster.sh down there first"
}

# Ready, and the controller-manager has taken the not-ready taint off (pods can be scheduled).
node_ready() {
  local node
  node="$(api_get "/api/v1/nodes/$node_name" | tr -d ' \n')" || return 1
  grep -q '"type":"Ready","status":"True"' <<<"$node" && ! grep -q 'node.kubernetes.io/not-ready' <<<"$node"
}

running() {
  local c
  for c in "${components[@]}"; do [[ -n "$(pids_of "$c")" ]] || return 1; done
  [[ -S "$containerd_socket" ]]
}

up() {
  local tool
  [[ "$(id -u)" == 0 ]] || die "run as root: the node's kubelet, containerd and bridge need it"
  install_packages
  for tool in openssl curl flock setsid go ip; do
    command -v "$tool" >/dev/null || die "$tool not found on PATH; install it (the cluster needs openssl, curl, util-linux, iproute2 and Go to build)"
  done
  mkdir -p "$state"
  exec 9>"$state/.lock"
  flock 9
  need_node
  build
  choose_ports
  if running && [[ -f "$kubeconfig" ]] && api_ready && node_ready; then
    echo "$kubeconfig"
    return
  fi
  if [[ ! -f "$kubeconfig" ]]; then
    down_all # e.g. left running after `mvn clean` deleted its state
    choose_ports
  fi
  local start=$SECONDS
  save_host_settings
  pod_network
  certificates
  write_kubeconfig "$kubeconfig" admin
  start_etcd
  start_apiserver
  start_controller_manager
  start_scheduler
  start_containerd
  pause_image
  start_kubelet
  start_proxy
  wait_until "ServiceAccount default/default" kube-controller-manager 60 \
    api_get /api/v1/namespaces/default/serviceaccounts/default
  log "ready in $((SECONDS - start)) s on https://$host_address:$api_port (logs: $state/*.log)"
  echo "$kubeconfig"
}

# The pods' containers and sandboxes, then containerd and its shims, then what the node left on
# the host: pod volume mounts, Service rules, the bridge, the sysctls.
stop_node() {
  local c
  if ! owns_node; then
    log "leaving the node alone: it runs for the cluster in $(node_owner)"
    return 0
  fi
  if [[ -S "$containerd_socket" ]]; then
    for c in $(ctr --address "$containerd_socket" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr --address "$containerd_socket" -n k8s.io tasks kill -s SIGKILL "$c" >/dev/null 2>&1 || true
    done
  fi
  # shellcheck disable=SC2046
  stop_pids "containerd" $(runtime_pids)
  # The kubelet bind-mounts its root directory onto itself, and pod volumes below it.
  { awk -v d="$node_dir/kubelet" -v r="$run_dir" 'index($2, d) == 1 || index($2, r) == 1 { print $2 }' /proc/mounts || true; } |
    sort -r | while IFS= read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$run_dir"
  nft delete table ip kube-proxy 2>/dev/null || true
  nft delete table ip6 kube-proxy 2>/dev/null || true
  nft delete table inet datapurge 2>/dev/null || true
  # What CNI and the kubelet keep outside the node's directories: cached results, log links,
  # the pods' cgroups.
  rm -f /var/lib/cni/results/datapurge-* /var/lib/cni/results/cni-loopback-*
  find /var/log/containers -maxdepth 1 -lname "$node_dir/pod-logs/*" -delete 2>/dev/null || true
  find /sys/fs/cgroup -mindepth 2 -maxdepth 2 -name kubepods -type d 2>/dev/null |
    while IFS= read -r c; do find "$c" -depth -type d -exec rmdir {} + 2>/dev/null || true; done
  ip link show "$bridge" >/dev/null 2>&1 && ip link delete "$bridge" && log "removed bridge $bridge"
  restore_host_settings
}

down_all() {
  local c
  for c in "${components[@]}"; do stop "$c"; done
  stop_node
}

main() {
  case "${1:-}" in
    up) up ;;
    down) down_all ;;
    reset) down_all; rm -rf "$state"; log "removed $state" ;;
    host-address) echo "$host_address" ;;
    restart-apiserver)
      [[ -f "$kubeconfig" ]] || die "no cluster in $state; run: hack/cluster.sh up"
      build; choose_ports
      stop kube-apiserver
      sleep "${2:-0}"
      start_apiserver
      log "kube-apiserver restarted"
      ;;
    status)
      choose_ports
      local c pids
      for c in "${components[@]}"; do
        pids="$(pids_of "$c" | tr '\n' ' ')"
        printf '%-24s %s\n' "$c" "${pids:-not running}"
      done
      pids="$(runtime_pids | tr '\n' ' ')"
      printf '%-24s %s\n' "containerd (+ shims)" "${pids:-not running}"
      echo "apiserver https://$host_address:$api_port ($(api_ready && echo ready || echo not ready))"
      echo "kubeconfig $kubeconfig"
      ;;
    *) die "usage: hack/cluster.sh up|down|host-address|restart-apiserver|status|reset" ;;
  esac
}

main "$@"
