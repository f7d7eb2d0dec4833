#!/usr/bin/env bash
# Purge container start, as the image runs it, before and after a change, interleaved so load from
# other work hits both alike: process start to the first SQL statement the server receives, and to
# the process's exit (a dry run of the CDS training schema: plan, exact counts, result file).
#   bench/purge-start.sh [REPS]        (default 15 runs of each variant; medians and p90)
# Variants: base = BASE_REF's jar and its Dockerfile's ENTRYPOINT flags (default: main), image = this
# tree's; each on its image's JVM (Java 17 or Temurin 25) with its own class cache (AppCDS archive or
# AOT cache) trained as its Dockerfile trains it (a real confirmed purge of
# src/main/docker/cds-training.sql on this server).
# Needs hack/pg.sh (PGPORT picks the server). How: the server logs every statement of the database
# (log_statement=all, prefix %n = Unix epoch in ms, %a = application name); each run gets its own
# --run-id, which the purge puts in its application_name; the script notes the epoch (ns) just
# before exec'ing java. One machine, one clock.
set -euo pipefail
REPS=${1:-15}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
eval "$(hack/pg.sh up | grep '^export')"
export PGSSLMODE=disable
BASE_REF=${BASE_REF:-main}
DB=purge_start
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/bench/results/purge-start-$STAMP.txt
LOG=$ROOT/target/pg/server.log

# Each Dockerfile's JVM (Java 17 or Temurin 25), ENTRYPOINT flags and class cache: bench/lib/image-jvm.sh.
. bench/lib/image-jvm.sh
mkdir -p "$WORK/base" "$WORK/image"
mkdir -p "$WORK/base/src" && git archive "$BASE_REF" | tar -x -C "$WORK/base/src"
(cd "$WORK/base/src" && mvn -B -ntp -o -q package -DskipTests)
cp "$WORK/base/src/target/user-data-purge.jar" "$WORK/base/user-data-purge.jar"
[ -f target/user-data-purge.jar ] || mvn -B -ntp -o -q package -DskipTests
cp target/user-data-purge.jar "$WORK/image/user-data-purge.jar"
declare -A FLAGS=([base]="$(git show "$BASE_REF:Dockerfile" | entry_flags)" [image]="$(entry_flags <Dockerfile)")
declare -A JAVA=([base]="$(git show "$BASE_REF:Dockerfile" | image_java)" [image]="$(image_java <Dockerfile)")
declare -A CACHE=()
VARIANTS=(base image)
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

training_db() {
  psql -qX -d postgres -c "drop database if exists $DB with (force)" -c "create database $DB" >/dev/null
  psql -qX -v ON_ERROR_STOP=1 -d "$DB" -f src/main/docker/cds-training.sql >/dev/null
}
URL="jdbc:postgresql://$PGHOST:$PGPORT/$DB"
for v in "${VARIANTS[@]}"; do
  training_db
  "${JAVA[$v]}" ${FLAGS[$v]} $(cache_train "${JAVA[$v]}" "$WORK/$v/purge.cache") -jar "$WORK/$v/user-data-purge.jar" \
    purge --url "$URL" --table auth_user --confirm "$DB" --result-file "$WORK/$v/training.json" >/dev/null 2>&1
  grep -q '"committed":true' "$WORK/$v/training.json"
  CACHE[$v]=$(cache_use "${JAVA[$v]}" "$WORK/$v/purge.cache")
  # -Xshare:on / -XX:AOTMode=on make a rejected cache an error instead of a silent slow start.
  strict=-Xshare:on; is_aot_jvm "${JAVA[$v]}" && strict=-XX:AOTMode=on
  "${JAVA[$v]}" ${FLAGS[$v]} ${CACHE[$v]} $strict -jar "$WORK/$v/user-data-purge.jar" --version >/dev/null
done
training_db
psql -qX -d postgres -c "alter database $DB set log_statement = 'all'" \
  -c "alter system set log_line_prefix = '%n [%p] %a: '" -c "select pg_reload_conf()" >/dev/null
ARGS=(purge --url "$URL" --table auth_user --dry-run)

for rep in $(seq "$REPS"); do
  for v in "${VARIANTS[@]}"; do
    id="start-$v-$rep-$$"
    ( date +%s%N >"$WORK/$id.t0"; exec "${JAVA[$v]}" ${FLAGS[$v]} ${CACHE[$v]} \
        -jar "$WORK/$v/user-data-purge.jar" "${ARGS[@]}" --result-file "$WORK/$id.json" --run-id "$id" >"$WORK/$id.out" 2>&1 )
    date +%s%N >"$WORK/$id.t1"
    grep -q '"dryRun":true' "$WORK/$id.json" || { cat "$WORK/$id.out" >&2; exit 1; }
  done
done
sleep 1 # let the server flush its log

{
  echo "command: bench/purge-start.sh $REPS (base: $BASE_REF = $(git rev-parse --short "$BASE_REF"), image: this tree)"
  echo "purge start as the image runs it: $REPS interleaved runs per variant, $(date -u +%FT%TZ)"
  echo "machine: $(nproc) cores, load average at start $LOAD, at end $(cut -d' ' -f1-3 /proc/loadavg); $(java -version 2>&1 | head -1)"
  echo "purge: --dry-run of auth_user (and its dependents) on the CDS training schema; first SQL = pgjdbc's first statement after login"
  printf '%-6s %10s %10s %10s %10s  %s\n' variant "1st SQL p50" "p90 ms" "exit p50" "p90 ms" "JVM flags (besides the archive and -jar)"
  for v in "${VARIANTS[@]}"; do
    : >"$WORK/$v.first"; : >"$WORK/$v.exit"
    for rep in $(seq "$REPS"); do
      id="start-$v-$rep-$$"
      t0=$(( $(cat "$WORK/$id.t0") / 1000000 ))
      first=$(grep -m1 "user-data-purge $id: LOG:  statement:" "$LOG" | cut -d' ' -f1 | tr -d .)
      [ -n "$first" ] || { echo "no statement logged for $id" >&2; cat "$WORK/$id.out" >&2; exit 1; }
      echo $(( first - t0 )) >>"$WORK/$v.first"
      echo $(( $(cat "$WORK/$id.t1") / 1000000 - t0 )) >>"$WORK/$v.exit"
    done
    pct() { sort -n "$1" | awk -v p="$2" '{a[NR]=$1} END {i=int(NR*p+0.999); if (i<1) i=1; print a[i]}'; }
    printf '%-6s %10s %10s %10s %10s  %s\n' "$v" "$(pct "$WORK/$v.first" 0.5)" "$(pct "$WORK/$v.first" 0.9)" \
      "$(pct "$WORK/$v.exit" 0.5)" "$(pct "$WORK/$v.exit" 0.9)" "$("${JAVA[$v]}" -version 2>&1 | head -1 | cut -d' ' -f1-3) ${FLAGS[$v]}"
  done
  echo "per-run ms (first SQL / exit):"
  for v in "${VARIANTS[@]}"; do echo "  $v: $(xargs <"$WORK/$v.first") / $(xargs <"$WORK/$v.exit")"; done
  echo "class caches: base $(du -k "$WORK/base/purge.cache" | cut -f1) KiB, image $(du -k "$WORK/image/purge.cache" | cut -f1) KiB"
  echo "target: first SQL <= 800 ms"
} | tee "$OUT"
psql -qX -d postgres -c "drop database if exists $DB with (force)" -c "alter system reset log_line_prefix" \
  -c "select pg_reload_conf()" >/dev/null
