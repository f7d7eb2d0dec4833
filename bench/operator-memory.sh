#!/usr/bin/env bash
# Idle operator memory after a busy period, before and after the change, side by side in one run, on
# the running cluster (its real node runs the purge pods; nothing is restarted):
#   for each variant: start the operator (the image's JVM flags under the chart's 512Mi limit) watching
#   namespaces of its own, run RUNS confirmed purges one at a time with kubectl and SCALE dry runs
#   spread over NAMESPACES namespaces (bench/OperatorBench.java), wait 60 s, read VmRSS and the
#   heap used after a full GC.
#   bench/operator-memory.sh [RUNS] [SCALE] [NAMESPACES]        (defaults 30 100 5: 130 resources)
#   bench/operator-memory.sh 0 500 20                            (the scale run, 500 dry runs, side by side)
#   VARIANTS="base image notrim" FLAGS_notrim=-XX:TrimNativeHeapInterval=0 NMT=1 bench/operator-memory.sh
# Variants: base (BASE_REF's jar and Dockerfile flags, default main), image (this tree's), and any
# other name as image plus FLAGS_name (see below).
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
# This tree's CRDs: a shared cluster may hold another branch's newer ones, and the operator refuses
# (Blocked, UnknownFields) the resources carrying fields it does not know.
kubectl apply --server-side --force-conflicts -k crds >/dev/null
OPERATORS=()
DB=
ALLNS=()
cleanup() {
  for ns in "${ALLNS[@]}"; do kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true; done
  for p in "${OPERATORS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -z "$DB" ] || psql -qX -d postgres -c "drop database if exists $DB with (force)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# A Dockerfile's JVM (Java 17 or Temurin 25) and ENTRYPOINT flags (bench/lib/image-jvm.sh), its ENV lines.
. bench/lib/image-jvm.sh
image_env() { sed -n 's/^ENV \([A-Z_]*=[^ ]*\).*/\1/p' | tr '\n' ' '; }
# base: the operator as BASE_REF ships it (its jar, its Dockerfile's flags and ENV; default: main);
# image: this tree's jar, flags and ENV. Any other variant NAME is this tree's image plus the flags in
# FLAGS_NAME (later -XX flags win), e.g. FLAGS_ratio="-XX:MaxHeapFreeRatio=20"; ENV_NAME adds
# environment; ARGS_NAME operator arguments; JAR_NAME=base runs the base jar instead; TRAIN_NAME=1 first
# trains a CDS archive of the operator itself (-XX:ArchiveClassesAtExit, 3 confirmed purges, SIGTERM)
# and runs the variant with it.
BASE_REF=${BASE_REF:-main}
BASE_JAR=$WORK/base/target/user-data-purge.jar
mkdir -p "$WORK/base"
git archive "$BASE_REF" | tar -x -C "$WORK/base"
(cd "$WORK/base" && mvn -B -ntp -o -q package -DskipTests)
BASE_REV=$(git rev-parse --short "$BASE_REF")
declare -A FLAGS=([base]="$(git show "$BASE_REF:Dockerfile" | entry_flags) -XX:MaxRAM=512m"
  [image]="$(entry_flags <Dockerfile) -XX:MaxRAM=512m")
declare -A ENVS=([base]="$(git show "$BASE_REF:Dockerfile" | image_env)" [image]="$(image_env <Dockerfile)")
declare -A JAVA=([base]="$(git show "$BASE_REF:Dockerfile" | image_java)" [image]="$(image_java <Dockerfile)")
declare -A ARGS=([base]="" [image]="")
declare -A JARS=([base]="$BASE_JAR" [image]="$JAR")
declare -A TRAIN=()
# Variants may be chosen: VARIANTS="base image ratio" bench/operator-memory.sh ...
read -r -a ORDER <<<"${VARIANTS:-base image}"
for v in "${ORDER[@]}"; do
  [ -n "${FLAGS[$v]+x}" ] && continue
  f=FLAGS_$v e=ENV_$v a=ARGS_$v j=JAR_$v
  FLAGS[$v]="${FLAGS[image]} ${!f:-}"
  ENVS[$v]="${ENVS[image]} ${!e:-}"
  ARGS[$v]="${!a:-}"
  JARS[$v]=$JAR
  JAVA[$v]=${JAVA[image]}
  [ "${!j:-}" = base ] && JARS[$v]=$BASE_JAR
  t=TRAIN_$v
  TRAIN[$v]=${!t:-}
done
# NMT=1: native memory tracking in every variant, its summary printed when idle (costs a few MB).
[ -z "${NMT:-}" ] || for v in "${ORDER[@]}"; do FLAGS[$v]="${FLAGS[$v]} -XX:NativeMemoryTracking=summary"; done

DB=operator_bench_${STAMP,,}
psql -qX -d postgres -c "create database $DB" >/dev/null
psql -qX -d "$DB" -f src/test/resources/schemas/django.sql -c "select seed_django(10)" >/dev/null
rss() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }
jcmd_for() { echo "$(dirname "$(readlink -f "/proc/$1/exe")")/jcmd"; } # pid: the jcmd of its own JDK
heap_mb() { # pid used|total: the Java heap's used or committed MB, summed over its generations (JDK 17 and 25 formats)
  "$(jcmd_for "$1")" "$1" GC.heap_info 2>/dev/null | awk -v f="$2" '/generation|garbage-first heap|^DefNew |^Tenured / {for (i=1;i<=NF;i++) if ($i==f) {v=$(i+1); sub("K,?","",v); s+=v}} END {printf "%.0f", s/1024}'
}
heap_after_gc() { # pid: Java heap used after a full GC, MB
  "$(jcmd_for "$1")" "$1" GC.run >/dev/null 2>&1 || true
  heap_mb "$1" used
}
heap_committed() { heap_mb "$1" total; } # pid: Java heap committed now, MB

{
  echo "command: bench/operator-memory.sh $RUNS $SCALE $NAMESPACES (VARIANTS=${ORDER[*]}; base: $BASE_REF = $BASE_REV)"
  echo "operator memory benchmark, $(date -u +%FT%TZ): shared cluster, pods: $PURGE_IMAGE"
  echo "machine: $(nproc) cores, load average at start $(cut -d' ' -f1-3 /proc/loadavg); base on $("${JAVA[base]}" -version 2>&1 | head -1), image on $("${JAVA[image]}" -version 2>&1 | head -1)"
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
  if [ -n "${TRAIN[$v]:-}" ]; then
    tprefix="perf-mem-$v-train-$STAMP-"; tprefix=${tprefix,,}; tns=${tprefix}00
    ALLNS+=("$tns")
    kubectl create namespace "$tns" >/dev/null
    kubectl -n "$tns" create secret generic pg-purge --from-literal=username="$PGUSER" \
      --from-literal=password="$PGPASSWORD" >/dev/null
    # shellcheck disable=SC2086
    env ${ENVS[$v]} "${JAVA[$v]}" ${FLAGS[$v]} $(cache_train "${JAVA[$v]}" "$WORK/$v.cache") -jar "${JARS[$v]}" \
      operator --purge-image "$PURGE_IMAGE" --http-port "$PORT" --namespaces "$tns" >"$WORK/train-$v.log" 2>&1 &
    tpid=$!
    for _ in $(seq 600); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
    BENCH_NS_PREFIX=$tprefix java -cp "$JAR" bench/OperatorBench.java latency 3 1 \
      "http://127.0.0.1:$PORT/metrics" "$PGHOST" "$PGPORT" "$DB" >"$WORK/train-$v.bench" 2>&1
    kill "$tpid"; wait "$tpid" 2>/dev/null || true
    echo "trained $v.cache: $(du -m "$WORK/$v.cache" | cut -f1) MB" | tee -a "$OUT"
    FLAGS[$v]="${FLAGS[$v]} $(cache_use "${JAVA[$v]}" "$WORK/$v.cache")"
    PORT=$((PORT + 1))
  fi
  # shellcheck disable=SC2086
  env ${ENVS[$v]} "${JAVA[$v]}" ${FLAGS[$v]} -jar "${JARS[$v]}" operator --purge-image "$PURGE_IMAGE" --http-port "$PORT" \
    --namespaces "$(IFS=,; echo "${nslist[*]}")" ${ARGS[$v]} >"$WORK/operator-$v.log" 2>&1 &
  pid=$!
  OPERATORS+=("$pid")
  for _ in $(seq 600); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  ready=no
  curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && ready=yes
  { echo; echo "== $v: jar ${JARS[$v]#"$WORK"/}, ${ENVS[$v]:+env ${ENVS[$v]}, }flags ${FLAGS[$v]} ${ARGS[$v]}"; echo "started (ready: $ready): RSS $(rss "$pid") MB"; } | tee -a "$OUT"
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
  idle_rss=$(rss "$pid"); committed=$(heap_committed "$pid"); threads=$(awk '/^Threads/ {print $2}' "/proc/$pid/status")
  { echo "idle: $threads threads; $(awk '/^(Rss|Anonymous|Shared_Clean|Private_Clean):/ {printf "%s %.0f MB  ", $1, $2/1024}' "/proc/$pid/smaps_rollup")"
    [ -z "${NMT:-}" ] || "$(jcmd_for "$pid")" "$pid" VM.native_memory summary scale=MB | grep -E '^(Total| *-)' ; } | tee -a "$OUT"
  live=$(heap_after_gc "$pid")
  echo "60 s later (idle): RSS $idle_rss MB, heap committed $committed MB; heap used after a full GC $live MB" | tee -a "$OUT"
  SUMMARY[$v]="$(printf '%-10s idle RSS %4s MB  (right after the runs %4s MB)  heap committed %4s MB, live %3s MB, %3s threads' \
    "$v" "$idle_rss" "$busy_rss" "$committed" "$live" "$threads")"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
{
  echo
  echo "summary: $((RUNS + SCALE)) resources each; target idle RSS <= 150 MB"
  for v in "${ORDER[@]}"; do echo "  ${SUMMARY[$v]}"; done
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee -a "$OUT"
