#!/usr/bin/env bash
# A real, local Kubernetes control plane for tests and demos: etcd, kube-apiserver (RBAC,
# service-account tokens, CRD validation with CEL), kube-controller-manager and a pod runner that
# plays the kubelet for the purge pods on one Ready node. 127.0.0.1 only; state in target/cluster.
#
#   hack/cluster.sh up                 start (or find running) and print the admin kubeconfig's
#                                      path on the last line
#   hack/cluster.sh down               stop everything (state is kept; `up` resumes it)
#   hack/cluster.sh restart-apiserver  stop and start kube-apiserver only
#   hack/cluster.sh status             show what runs
#   hack/cluster.sh reset              down, then delete target/cluster
#
# Environment: CLUSTER_PORT_BASE (4 consecutive ports; default derived from this checkout's path),
# PURGE_JAR (default target/user-data-purge.jar), PURGE_JAVA_OPTS, PODRUNNER_IMAGE_PATTERN
# (default user-data-purge), CONTROLPLANE_CACHE (where binaries are built, see
# hack/controlplane/build.sh).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
state="$root/target/cluster"
pki="$state/pki"
kubeconfig="$state/admin.kubeconfig"
node_name="local-node"
components=(podrunner kube-controller-manager kube-apiserver etcd) # stop order

log() { echo "cluster.sh: $*" >&2; }
die() { log "$*"; exit 1; }

# Pids of a component of THIS plane: its binary lives in the build cache and its command line
# names this plane's state directory (so planes of other checkouts are never touched, and a plane
# whose target/ was deleted by `mvn clean` is still found).
pids_of() { # component
  local d exe
  for d in /proc/[0-9]*; do
    exe="$(readlink "$d/exe" 2>/dev/null)" || continue
    exe="${exe% (deleted)}"
    [[ "${exe##*/}" == "$1" && "$exe" == "$cache"/* ]] || continue
    tr '\0' '\n' <"$d/cmdline" 2>/dev/null | grep -qF -- "$state/" && echo "${d#/proc/}"
  done
  return 0
}

# Containers the pod runner started (their working directory is under $state/pods).
pod_pids() {
  local d
  for d in /proc/[0-9]*; do
    [[ "$(readlink "$d/cwd" 2>/dev/null)" == "$state/pods/"* ]] && echo "${d#/proc/}"
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
      ETCD=*) etcd_bin="${line#*=}" ;;
      PODRUNNER=*) podrunner_bin="${line#*=}" ;;
    esac
  done < <("$root/hack/controlplane/build.sh")
  [[ -n "${podrunner_bin:-}" ]] || die "hack/controlplane/build.sh failed"
  k8s_version="$(basename "$(dirname "$apiserver_bin")")"
}

# Four consecutive ports: apiserver, etcd client, etcd peer, controller-manager. Recorded in
# ports.env so the plane keeps them; the default base depends on this checkout's path, so several
# checkouts can each run their own plane.
choose_ports() {
  if [[ -f "$state/ports.env" ]]; then
    # shellcheck disable=SC1091
    source "$state/ports.env"
  fi
  if [[ -n "${port_base:-}" && "${CLUSTER_PORT_BASE:-$port_base}" != "$port_base" ]] && running; then
    die "the plane runs on ports $port_base-$((port_base + 3)); run hack/cluster.sh down before changing CLUSTER_PORT_BASE"
  fi
  if [[ -z "${port_base:-}" || "${CLUSTER_PORT_BASE:-$port_base}" != "$port_base" ]]; then
    local sum
    sum="$(printf '%s' "$root" | cksum | cut -d' ' -f1)"
    port_base="${CLUSTER_PORT_BASE:-$((20000 + sum % 900 * 10))}"
    [[ "$port_base" =~ ^[0-9]+$ ]] && ((port_base > 1024 && port_base < 65530)) ||
      die "CLUSTER_PORT_BASE=$port_base is not a port between 1025 and 65529"
    mkdir -p "$state"
    echo "port_base=$port_base" >"$state/ports.env"
  fi
  api_port=$port_base etcd_port=$((port_base + 1)) peer_port=$((port_base + 2)) kcm_port=$((port_base + 3))
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

need_free_port() { # port, component
  port_free "$1" || die "port $1 (for $2) is in use by another program; choose other ports with" \
    "CLUSTER_PORT_BASE=<port> hack/cluster.sh up (uses it and the next 3)"
}

certificates() {
  [[ -f "$pki/admin.crt" ]] && return 0
  log "creating certificates in $pki"
  rm -rf "$pki" && mkdir -p "$pki" && cd "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
    -subj "/CN=local-plane-ca" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  sign() { # name, subject, extensions
    openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -subj "$2" 2>/dev/null |
      openssl x509 -req -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -out "$1.crt" \
        -extfile <(printf '%s\n' "$3") 2>/dev/null
  }
  sign apiserver "/CN=kube-apiserver" "subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
extendedKeyUsage=serverAuth"
  sign admin "/O=system:masters/CN=admin" "extendedKeyUsage=clientAuth"
  openssl genrsa -out sa.key 2048 2>/dev/null
  openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  chmod 600 ./*.key
  cd - >/dev/null
}

write_kubeconfig() {
  local tmp="$kubeconfig.tmp"
  cat >"$tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local-plane
  cluster:
    server: https://127.0.0.1:$api_port
    certificate-authority-data: $(base64 -w0 "$pki/ca.crt")
users:
- name: admin
  user:
    client-certificate-data: $(base64 -w0 "$pki/admin.crt")
    client-key-data: $(base64 -w0 "$pki/admin.key")
contexts:
- name: local-plane
  context: {cluster: local-plane, user: admin}
current-context: local-plane
EOF
  chmod 600 "$tmp" && mv "$tmp" "$kubeconfig"
}

# Starts a daemon detached from this script (own session, no inherited descriptors), logging to
# $state/<name>.log.
launch() { # name, command...
  local name="$1"; shift
  log "starting $name"
  setsid "$@" </dev/null >>"$state/$name.log" 2>&1 9>&- &
}

wait_until() { # what, component, seconds, command...
  local what="$1" component="$2" seconds="$3"; shift 3
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [[ -z "$(pids_of "$component")" ]]; then
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
    "https://127.0.0.1:$api_port$1"
}

api_ready() { [[ "$(api_get /readyz)" == ok ]]; }

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
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --cert-dir "$state/apiserver" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" \
    --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-cluster-ip-range 10.0.0.0/24 --allow-privileged=true --profiling=false
  wait_until "kube-apiserver /readyz" kube-apiserver 120 api_ready
}

start_controller_manager() {
  [[ -n "$(pids_of kube-controller-manager)" ]] && return 0
  need_free_port "$kcm_port" kube-controller-manager
  launch kube-controller-manager "$kcm_bin" \
    --kubeconfig "$kubeconfig" \
    --authentication-kubeconfig "$kubeconfig" --authorization-kubeconfig "$kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$kcm_port" \
    --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
    --controllers job,garbagecollector,ttl-after-finished,serviceaccount-token,serviceaccount,namespace,clusterrole-aggregation,root-ca-cert-publisher
  wait_until "kube-controller-manager /healthz" kube-controller-manager 60 \
    curl -skf --max-time 2 "https://127.0.0.1:$kcm_port/healthz"
}

start_podrunner() {
  [[ -n "$(pids_of podrunner)" ]] && return 0
  launch podrunner "$podrunner_bin" --kubeconfig "$kubeconfig" --node-name "$node_name" \
    --node-version "$k8s_version" --jar "${PURGE_JAR:-$root/target/user-data-purge.jar}" \
    --pods-dir "$state/pods"
  wait_until "node $node_name Ready" podrunner 30 node_ready
}

node_ready() { api_get "/api/v1/nodes/$node_name" | tr -d ' \n' | grep -q '"type":"Ready","status":"True"'; }

running() {
  local c
  for c in "${components[@]}"; do [[ -n "$(pids_of "$c")" ]] || return 1; done
}

up() {
  local tool
  for tool in openssl curl flock setsid java; do
    command -v "$tool" >/dev/null || die "$tool not found on PATH; install it (the plane needs openssl, curl, util-linux, a JRE 17+ and Go to build)"
  done
  mkdir -p "$state"
  exec 9>"$state/.lock"
  flock 9
  build
  choose_ports
  # A pod runner built from older sources is replaced (the others are keyed by version only).
  local pid
  for pid in $(pids_of podrunner); do
    [[ "$(readlink "/proc/$pid/exe")" == "$podrunner_bin" ]] || stop_pids "outdated podrunner" "$pid"
  done
  if running && [[ -f "$kubeconfig" ]] && api_ready; then
    echo "$kubeconfig"
    return
  fi
  if [[ ! -f "$kubeconfig" ]]; then
    down_all # e.g. left running after `mvn clean` deleted its state
    choose_ports
  fi
  local start=$SECONDS
  certificates
  write_kubeconfig
  start_etcd
  start_apiserver
  start_controller_manager
  start_podrunner
  wait_until "ServiceAccount default/default" kube-controller-manager 60 \
    api_get /api/v1/namespaces/default/serviceaccounts/default
  log "ready in $((SECONDS - start)) s on https://127.0.0.1:$api_port (logs: $state/*.log)"
  echo "$kubeconfig"
}

down_all() {
  local c
  for c in "${components[@]}"; do stop "$c"; done
  # shellcheck disable=SC2046
  stop_pids "pod processes" $(pod_pids)
}

main() {
  cache="${CONTROLPLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/user-data-purge/controlplane}"
  case "${1:-}" in
    up) up ;;
    down) down_all ;;
    reset) down_all; rm -rf "$state"; log "removed $state" ;;
    restart-apiserver)
      [[ -f "$kubeconfig" ]] || die "no plane in $state; run: hack/cluster.sh up"
      build; choose_ports
      stop kube-apiserver
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
      echo "apiserver https://127.0.0.1:$api_port ($(api_ready && echo ready || echo not ready))"
      echo "kubeconfig $kubeconfig"
      ;;
    *) die "usage: hack/cluster.sh up|down|restart-apiserver|status|reset" ;;
  esac
}

main "$@"
