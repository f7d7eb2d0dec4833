#!/usr/bin/env bash
# The operator on the local cluster (real kube-apiserver, Job controller, a kubelet running the image):
#   1. latency: RUNS confirmed purges applied one at a time with kubectl: resource created -> Job
#      created, and pod ended -> status Succeeded (p50/p95), from watch events received by the
#      benchmark process (bench/OperatorBench.java explains the method);
#   2. scale: SCALE dry-run resources in NAMESPACES namespaces, all must end Succeeded; operator heap
#      (max of 1 s samples), API requests per resource and non-2xx responses (the operator's own
#      client counter, datapurge_kube_api_requests_total);
#   3. idle RSS: VmRSS of the operator 60 s after start with every resource of 1-2 present, for the
#      image's JVM flags in a 512Mi container (the chart's limit) and for plain `java -jar`.
#   bench/operator-bench.sh [RUNS] [SCALE] [NAMESPACES]      (defaults 100 500 20)
# Needs the jar, hack/pg.sh (PGPORT) and hack/cluster.sh. Output: bench/results/operator-bench-*.txt
set -euo pipefail
RUNS=${1:-100}
SCALE=${2:-500}
NAMESPACES=${3:-20}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
[ -f target/user-data-purge.jar ] || mvn -o -q package -DskipTests
if [ -z "${IDLE_ONLY:-}" ]; then
  # A fresh cluster (its node runs the purge pods) and the image built from the Dockerfile.
  hack/cluster.sh down >/dev/null 2>&1 || true
  export KUBECONFIG
  KUBECONFIG=$(hack/cluster.sh up 2>"$ROOT/target/cluster-up.log" | tail -1)
  PURGE_IMAGE=$(hack/image.sh 2>/dev/null | tail -1)
fi
eval "$(hack/pg.sh up | grep '^export')"
export PGSSLMODE=disable
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/bench/results/operator-bench-$STAMP.txt
WORK=$ROOT/target/operator-bench
rm -rf "$WORK" && mkdir -p "$WORK"
OPERATORS=()
trap 'for p in "${OPERATORS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
# A copy of the jar for the operator on this host, so a rebuild during the run changes nothing,
# trained as the Dockerfile does.
JAR=$WORK/user-data-purge.jar
cp target/user-data-purge.jar "$JAR" # a new file: a JVM still running an older copy keeps its own
# The Dockerfile's ENTRYPOINT flags; before docs/performance.md's change, without the last two.
OLD_IMAGE_FLAGS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -XX:-UsePerfData"
IMAGE_FLAGS="$OLD_IMAGE_FLAGS -XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
PGPASSWORD=training java $IMAGE_FLAGS -XX:ArchiveClassesAtExit="$WORK/purge.jsa" -Xlog:cds=off -jar "$JAR" \
  purge --url jdbc:postgresql://127.0.0.1:9/training --user training --table training --confirm training \
  --dry-run --result-file "$WORK/training.json" >/dev/null 2>&1 || [ $? -eq 4 ]
# The operator as in its container: the image's flags, and the chart's 512Mi limit (MaxRAM).
OPERATOR_FLAGS=${OPERATOR_FLAGS:-$IMAGE_FLAGS -XX:MaxRAM=512m}

PORT=18081
start_operator() { # port flags...: starts it in the background, sets OP_PID, waits for /readyz
  local port=$1; shift
  if curl -s "http://127.0.0.1:$port/" >/dev/null 2>&1; then echo "port $port is taken" >&2; exit 1; fi
  java "$@" -jar "$JAR" operator --purge-image "${PURGE_IMAGE:-localhost/datapurge/user-data-purge-operator:0.1.0}" --http-port "$port" \
    >"$WORK/operator-$port.log" 2>&1 &
  OP_PID=$!
  OPERATORS+=("$OP_PID")
  for _ in $(seq 600); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$OP_PID" 2>/dev/null || { cat "$WORK/operator-$port.log"; exit 1; }
    sleep 0.1
  done
  echo "operator on $port not ready" >&2; exit 1
}
rss() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }
heap_after_gc() { # pid: Java heap used after a full GC, MB (not metaspace)
  jcmd "$1" GC.run >/dev/null 2>&1 || true
  jcmd "$1" GC.heap_info 2>/dev/null | awk '/generation|garbage-first heap/ {for (i=1;i<=NF;i++) if ($i=="used") {v=$(i+1); sub("K,?","",v); s+=v}} END {printf "%.0f", s/1024}'
}

if [ -n "${IDLE_ONLY:-}" ]; then # only section 3, against the plane and resources of an earlier run
  export KUBECONFIG=$ROOT/target/cluster/admin.kubeconfig
  echo "operator idle RSS only (IDLE_ONLY), $(date -u +%FT%TZ); load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT"
else
kubectl apply --server-side -k crds >/dev/null
kubectl wait --for condition=established crd/userdatapurges.datapurge.io >/dev/null
for i in $(seq 0 $((NAMESPACES - 1))); do
  ns=$(printf 'bench-%02d' "$i")
  kubectl delete namespace "$ns" --ignore-not-found --wait=true >/dev/null
  kubectl create namespace "$ns" >/dev/null
  kubectl -n "$ns" create secret generic pg-purge --from-literal=username="$PGUSER" \
    --from-literal=password="$PGPASSWORD" >/dev/null
done
DB=operator_bench
psql -qX -d postgres -c "drop database if exists $DB with (force)" -c "create database $DB" >/dev/null
psql -qX -d "$DB" -f src/test/resources/schemas/django.sql -c "select seed_django(10)" >/dev/null

BENCH=(java -cp "$JAR" bench/OperatorBench.java)
{
  echo "operator benchmark, $(date -u +%FT%TZ): local control plane (kube-apiserver/kube-controller-manager $(kubectl version -o json 2>/dev/null | grep -o '"gitVersion": *"[^"]*"' | tail -1 | cut -d'"' -f4), kubelet on containerd running the image), PostgreSQL 15"
  echo "machine: $(nproc) cores, load average at start $(cut -d' ' -f1-3 /proc/loadavg); $(java -version 2>&1 | head -1)"
  echo "operator JVM flags: $OPERATOR_FLAGS; pods: $PURGE_IMAGE on the node"
} | tee "$OUT"

start_operator "$PORT" $OPERATOR_FLAGS
MAIN_PID=$OP_PID
echo "operator started, RSS $(rss "$MAIN_PID") MB" | tee -a "$OUT"
echo | tee -a "$OUT"
"${BENCH[@]}" latency "$RUNS" 1 "http://127.0.0.1:$PORT/metrics" "$PGHOST" "$PGPORT" "$DB" | tee -a "$OUT"
echo "load average after latency: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT"
echo | tee -a "$OUT"
"${BENCH[@]}" scale "$SCALE" "$NAMESPACES" "http://127.0.0.1:$PORT/metrics" "$PGHOST" "$PGPORT" "$DB" | tee -a "$OUT"
echo "load average after scale: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT"
{ grep -c ' ERROR ' "$WORK/operator-$PORT.log" || true; } | xargs echo "operator log ERROR lines:" | tee -a "$OUT"
echo | tee -a "$OUT"
[ "${IDLE:-1}" = 1 ] || exit 0
sleep 60
echo "idle RSS (same operator, 60 s after the runs): $(rss "$MAIN_PID") MB;" \
  "heap used after a full GC: $(heap_after_gc "$MAIN_PID") MB" | tee -a "$OUT"
kill "$MAIN_PID"; wait "$MAIN_PID" 2>/dev/null || true
fi
TOTAL=$(kubectl get purge -A --no-headers | wc -l)

# Idle RSS of a freshly started operator with every resource present, per JVM flag set; started one
# after the other, measured 60 s after /readyz.
declare -A VARIANT=(
  [old_image_512Mi]="$OLD_IMAGE_FLAGS -XX:MaxRAM=512m -XX:+UseSerialGC"
  [image_512Mi]="$IMAGE_FLAGS -XX:MaxRAM=512m"
  [plain_java]=""
)
echo "idle operator RSS, 60 s after start with $TOTAL resources (and their Jobs and pods) present; target <= 200 MB" | tee -a "$OUT"
for v in old_image_512Mi image_512Mi plain_java; do
  start_operator $((PORT + 1)) ${VARIANT[$v]}
  sleep 60
  printf '  %-16s %5s MB   heap after GC %4s MB   flags: %s\n' "$v" "$(rss "$OP_PID")" "$(heap_after_gc "$OP_PID")" \
    "${VARIANT[$v]:-(none)}" | tee -a "$OUT"
  kill "$OP_PID"; wait "$OP_PID" 2>/dev/null || true
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT"
echo "raw: $WORK (operator logs), $OUT" >&2
