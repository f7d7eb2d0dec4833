#!/usr/bin/env bash
# Idle operator memory after a busy period, before and after the change, side by side in one run, on
# the running cluster (its real node runs the purge pods; nothing is restarted):
#   for each variant: start the operator (the image's JVM flags under the chart's 512Mi limit) watching
#   namespaces of its own, run RUNS confirmed purges one at a time with kubectl and SCALE dry runs
#   spread over NAMESPACES namespaces (bench/OperatorBench.java), wait 60 s, read VmRSS and the
#   heap used after a full GC.
#   bench/operator-memory.sh [RUNS] [SCALE] [NAMESPACES]        (defaults 30 100 5: 130 resources)
# Needs: KUBECONFIG, PURGE_IMAGE or IMAGE (an image the node holds), PGHOST/PGPORT/PGUSER/PGPASSWORD
# reachable from pods (eval "$(hack/pg.sh env)"), the jar. Output: bench/results/operator-memory-*.txt
set -euo pipefail
RUNS=${1:-30}
SCALE=${2:-100}
NAMESPACES=${3:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
: "${KUBECONFIG:?set KUBECONFIG}"
PURGE_IMAGE=${PURGE_IMAGE:-${IMAGE:?set PURGE_IMAGE or IMAGE}}
[ -f target/user-data-purge.jar ] || mvn -B -ntp -o -q package -DskipTests
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/bench/results/operator-memory-$STAMP.txt
WORK=$ROOT/target/operator-memory
rm -rf "$WORK" && mkdir -p "$WORK"
JAR=$WORK/user-data-purge.jar
cp target/user-data-purge.jar "$JAR"
# The operator as `java -jar … operator` starts it, with a client that ignores spec fields of a newer
# CRD on a shared cluster (bench/TolerantOperator.java); compiled here so no compiler is in the process.
javac -cp "$JAR" -d "$WORK/bench" bench/TolerantOperator.java
OPERATORS=()
DB=
ALLNS=()
cleanup() {
  for ns in "${ALLNS[@]}"; do kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true; done
  for p in "${OPERATORS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -z "$DB" ] || psql -qX -d postgres -c "drop database if exists $DB with (force)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# The image's ENTRYPOINT flags before this change, and now (read from the Dockerfile).
BEFORE_FLAGS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -XX:-UsePerfData -XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
AFTER_FLAGS=$(sed -n 's/^ENTRYPOINT \[\(.*\)\]/\1/p' Dockerfile | tr -d '",' | tr ' ' '\n' | grep '^-XX:' | grep -v SharedArchiveFile | tr '\n' ' ')
# before: main's image flags, no trim; trim (called "after" in the first results): the new flags
# and the idle trim; image: the same plus the Dockerfile's ENV (as the image ships).
declare -A FLAGS=([before]="$BEFORE_FLAGS -XX:MaxRAM=512m" [trim]="$AFTER_FLAGS -XX:MaxRAM=512m"
  [image]="$AFTER_FLAGS -XX:MaxRAM=512m")
declare -A ARGS=([before]="--heap-trim-after 0" [trim]="" [image]="")
IMAGE_ENV=$(sed -n 's/^ENV \(MALLOC_ARENA_MAX=[0-9]*\).*/\1/p' Dockerfile)
declare -A ENVS=([before]="" [trim]="" [image]="$IMAGE_ENV")
# Variants may be chosen: VARIANTS="before image" bench/operator-memory.sh ...
read -r -a ORDER <<<"${VARIANTS:-before trim image}"

DB=operator_bench_${STAMP,,}
psql -qX -d postgres -c "create database $DB" >/dev/null
psql -qX -d "$DB" -f src/test/resources/schemas/django.sql -c "select seed_django(10)" >/dev/null
rss() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }
heap_after_gc() { # pid: Java heap used after a full GC, MB
  jcmd "$1" GC.run >/dev/null 2>&1 || true
  jcmd "$1" GC.heap_info 2>/dev/null | awk '/generation|garbage-first heap/ {for (i=1;i<=NF;i++) if ($i=="used") {v=$(i+1); sub("K,?","",v); s+=v}} END {printf "%.0f", s/1024}'
}
heap_committed() { # pid: Java heap committed now, MB
  jcmd "$1" GC.heap_info 2>/dev/null | awk '/generation|garbage-first heap/ {for (i=1;i<=NF;i++) if ($i=="total") {v=$(i+1); sub("K,?","",v); s+=v}} END {printf "%.0f", s/1024}'
}

{
  echo "command: bench/operator-memory.sh $RUNS $SCALE $NAMESPACES (VARIANTS=${ORDER[*]})"
  echo "operator memory benchmark, $(date -u +%FT%TZ): shared cluster, pods: $PURGE_IMAGE"
  echo "machine: $(nproc) cores, load average at start $(cut -d' ' -f1-3 /proc/loadavg); $(java -version 2>&1 | head -1)"
} | tee "$OUT"
PORT=18390
declare -A SUMMARY
for v in "${ORDER[@]}"; do
  prefix="perf-mem-$v-$STAMP-"
  prefix=${prefix,,}
  nslist=()
  for i in $(seq 0 $((NAMESPACES - 1))); do
    ns=$(printf '%s%02d' "$prefix" "$i")
    nslist+=("$ns")
    ALLNS+=("$ns")
    kubectl create namespace "$ns" >/dev/null
    kubectl -n "$ns" create secret generic pg-purge --from-literal=username="$PGUSER" \
      --from-literal=password="$PGPASSWORD" >/dev/null
  done
  PORT=$((PORT + 1))
  # shellcheck disable=SC2086
  env ${ENVS[$v]} java ${FLAGS[$v]} -cp "$JAR:$WORK/bench" TolerantOperator --purge-image "$PURGE_IMAGE" --http-port "$PORT" \
    --namespaces "$(IFS=,; echo "${nslist[*]}")" ${ARGS[$v]} >"$WORK/operator-$v.log" 2>&1 &
  pid=$!
  OPERATORS+=("$pid")
  for _ in $(seq 600); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  ready=no
  curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && ready=yes
  { echo; echo "== $v: ${ENVS[$v]:+env ${ENVS[$v]}, }flags ${FLAGS[$v]} ${ARGS[$v]}"; echo "started (ready: $ready): RSS $(rss "$pid") MB"; } | tee -a "$OUT"
  [ $ready = yes ] || { tail -20 "$WORK/operator-$v.log"; exit 1; }
  if [ "$RUNS" -gt 0 ]; then
    BENCH_NS_PREFIX=$prefix java -cp "$JAR" bench/OperatorBench.java latency "$RUNS" 1 \
      "http://127.0.0.1:$PORT/metrics" "$PGHOST" "$PGPORT" "$DB" 2>&1 | tee -a "$OUT"
  fi
  t0=$(date +%s.%N)
  BENCH_NS_PREFIX=$prefix java -cp "$JAR" bench/OperatorBench.java scale "$SCALE" "$NAMESPACES" \
    "http://127.0.0.1:$PORT/metrics" "$PGHOST" "$PGPORT" "$DB" 2>&1 | tee -a "$OUT"
  busy_rss=$(rss "$pid")
  echo "right after the runs: RSS $busy_rss MB, heap committed $(heap_committed "$pid") MB" | tee -a "$OUT"
  sleep 60
  idle_rss=$(rss "$pid"); committed=$(heap_committed "$pid")
  live=$(heap_after_gc "$pid")
  echo "60 s later (idle): RSS $idle_rss MB, heap committed $committed MB; heap used after a full GC $live MB" | tee -a "$OUT"
  SUMMARY[$v]="$(printf '%-7s idle RSS %4s MB  (right after the runs %4s MB)  heap committed %4s MB, live %3s MB' \
    "$v" "$idle_rss" "$busy_rss" "$committed" "$live")"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
{
  echo
  echo "summary: $((RUNS + SCALE)) resources each; target idle RSS <= 150 MB"
  for v in "${ORDER[@]}"; do echo "  ${SUMMARY[$v]}"; done
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee -a "$OUT"
