#!/usr/bin/env bash
# kubectl apply -> status Succeeded on the real node, stage by stage (bench/RealNodeBench.java explains
# the clocks), for two purge images side by side, runs interleaved:
#   base: the image as BASE_REF's Dockerfile builds it (default main)
#   this: this Dockerfile's image (Temurin 25 with an AOT cache trained on a real purge)
# Each run purges a fresh copy of a 1000-user Django-shaped database (10k rows) on the shared
# PostgreSQL over TLS. The operator runs on this host as the other benches run it (the image's JVM
# flags under the chart's 512Mi limit), one per variant, each watching a namespace of its own.
#   bench/real-node.sh [RUNS]      (default 20 per variant)
#   BUILD=1 BASE_REF=6de0ae0 bench/real-node.sh   (6de0ae0: the JDK 17 image with its AppCDS archive)
# Needs KUBECONFIG, PGHOST/PGPORT/PGUSER/PGPASSWORD (eval "$(hack/pg.sh env)"), the jar, root (ctr, the
# PostgreSQL log), and IMAGE_THIS / IMAGE_BASE loaded in the node (built here when BUILD=1).
set -euo pipefail
RUNS=${1:-20}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
: "${KUBECONFIG:?}"
IMAGE_THIS=${IMAGE_THIS:-localhost/datapurge/user-data-purge-operator:perf}
IMAGE_BASE=${IMAGE_BASE:-localhost/datapurge/user-data-purge-operator:perf-base}
BASE_REF=${BASE_REF:-main}
PG_LOG=${PG_LOG:-/work/main/target/pg/server.log}
SOCK=${NODE_CONTAINERD_SOCKET:-/run/user-data-purge/containerd/containerd.sock}
if [ "${BUILD:-}" = 1 ]; then
  IMAGE=$IMAGE_THIS hack/image.sh >/dev/null
  git show "$BASE_REF:Dockerfile" >target/Dockerfile.base
  IMAGE=$IMAGE_BASE DOCKERFILE=$ROOT/target/Dockerfile.base hack/image.sh >/dev/null
fi
[ -f target/user-data-purge.jar ] || mvn -B -ntp -o -q package -DskipTests
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/bench/results/real-node-$STAMP.txt
WORK=$ROOT/target/real-node
rm -rf "$WORK" && mkdir -p "$WORK"
JAR=$WORK/user-data-purge.jar
cp target/user-data-purge.jar "$JAR"
# This tree's CRDs: a shared cluster may hold another branch's newer ones, and the operator refuses
# (Blocked, UnknownFields) the resources carrying fields it does not know.
kubectl apply --server-side --force-conflicts -k crds >/dev/null
PIDS=()
NSS=()
TEMPLATE=real_node_${STAMP,,}
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for ns in "${NSS[@]}"; do kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true; done
  psql -qX -d postgres -c "drop database if exists $TEMPLATE with (force)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
psql -qX -d postgres -c "create database $TEMPLATE"
psql -qX -d "$TEMPLATE" -f src/test/resources/schemas/django.sql -c "select seed_django(1000)" >/dev/null
ctr --address "$SOCK" -n k8s.io events >"$WORK/ctr-events.log" 2>&1 &
PIDS+=($!)
. bench/lib/image-jvm.sh
FLAGS=$(entry_flags <Dockerfile)
IMAGE_JAVA=$(image_java <Dockerfile)
PORT=18490
ARGS=()
for v in base this; do
  ns=perf-node-$v-${STAMP,,}
  NSS+=("$ns")
  kubectl create namespace "$ns" >/dev/null
  kubectl -n "$ns" create secret generic pg-purge --from-literal=username="$PGUSER" --from-literal=password="$PGPASSWORD" >/dev/null
  image=$IMAGE_THIS; [ $v = this ] || image=$IMAGE_BASE
  PORT=$((PORT + 1))
  # shellcheck disable=SC2086
  "$IMAGE_JAVA" $FLAGS -XX:MaxRAM=512m -jar "$JAR" operator --purge-image "$image" --http-port "$PORT" \
    --namespaces "$ns" >"$WORK/operator-$v.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 600); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  ARGS+=("$v=$ns")
done
{
  echo "command: bench/real-node.sh $RUNS"
  echo "real node: $(kubectl get nodes -o jsonpath='{.items[0].status.nodeInfo.kubeletVersion} {.items[0].status.nodeInfo.containerRuntimeVersion}'), $(date -u +%FT%TZ)"
  echo "images: base=$IMAGE_BASE ($BASE_REF's Dockerfile) this=$IMAGE_THIS; operator flags: $FLAGS -XX:MaxRAM=512m"
  echo "machine: $(nproc) cores, load average at start $(cut -d' ' -f1-3 /proc/loadavg); $(java -version 2>&1 | head -1)"
  java -cp "$JAR" bench/RealNodeBench.java "$RUNS" "$PG_LOG" "$WORK/ctr-events.log" "$TEMPLATE" "$PGHOST" "$PGPORT" "${ARGS[@]}"
  echo "load average at end $(cut -d' ' -f1-3 /proc/loadavg)"
} 2>&1 | tee "$OUT"
