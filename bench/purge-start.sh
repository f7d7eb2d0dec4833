#!/usr/bin/env bash
# Purge container start: process start to the first SQL statement the server receives, with and
# without the image's AppCDS archive, interleaved so load from other work hits every variant alike.
#   bench/purge-start.sh [REPS]        (default 10 runs of each variant; medians and p90)
# Needs the jar (mvn -o -q package -DskipTests) and hack/pg.sh (PGPORT picks the server).
# How: the server logs every statement of one database (log_statement=all, prefix with %n = Unix
# epoch in ms and %a = application name); each run gets its own --run-id, which the purge puts in its
# application_name; the script notes the epoch (ns) just before exec'ing java. The same clock serves
# both (one machine). "first SQL" = first statement logged for that run; "exit" = process end.
# The archives are trained as the Dockerfile does (a purge that cannot connect, exit 4) and, for
# comparison, by a dry run against a real database (loads the query path as well).
set -euo pipefail
REPS=${1:-10}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
eval "$(hack/pg.sh up | grep '^export')"
export PGSSLMODE=disable
JAR=${PURGE_JAR:-$ROOT/target/user-data-purge.jar}
[ -f "$JAR" ] || mvn -o -q package -DskipTests
DB=purge_start
WORK=$(mktemp -d)
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/bench/results/purge-start-$STAMP.txt
LOG=$ROOT/target/pg/server.log
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
# The Dockerfile's ENTRYPOINT flags (IMAGE_FLAGS), and the same before C1-only and SerialGC joined them.
BASE_FLAGS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -XX:-UsePerfData"
IMAGE_FLAGS="$BASE_FLAGS -XX:TieredStopAtLevel=1 -XX:+UseSerialGC"

psql -qX -d postgres -c "drop database if exists $DB with (force)" -c "create database $DB" \
  -c "alter database $DB set log_statement = 'all'" \
  -c "alter system set log_line_prefix = '%n [%p] %a: '" -c "select pg_reload_conf()" >/dev/null
psql -qX -d "$DB" -f src/test/resources/schemas/django.sql -c "select seed_django(100)" >/dev/null
URL="jdbc:postgresql://$PGHOST:$PGPORT/$DB"
ARGS=(purge --url "$URL" --table auth_user --table custom_auth_tenant --table custom_auth_onboardingprogress
  --dry-run --result-file "$WORK/result.json")

# Training as in the Dockerfile (cannot connect: exit 4), and a full dry run against this database.
PGPASSWORD=training java $IMAGE_FLAGS -XX:ArchiveClassesAtExit="$WORK/docker.jsa" -Xlog:cds=off -jar "$JAR" \
  purge --url jdbc:postgresql://127.0.0.1:9/training --user training --table training --confirm training \
  --dry-run --result-file "$WORK/training.json" >/dev/null 2>&1 || [ $? -eq 4 ]
PGPASSWORD=training java $BASE_FLAGS -XX:ArchiveClassesAtExit="$WORK/base.jsa" -Xlog:cds=off -jar "$JAR" \
  purge --url jdbc:postgresql://127.0.0.1:9/training --user training --table training --confirm training \
  --dry-run --result-file "$WORK/training.json" >/dev/null 2>&1 || [ $? -eq 4 ]
java $IMAGE_FLAGS -XX:ArchiveClassesAtExit="$WORK/full.jsa" -Xlog:cds=off -jar "$JAR" "${ARGS[@]}" >/dev/null 2>&1

declare -A FLAGS=(
  [base_nocds]="$BASE_FLAGS"
  [base_cds]="$BASE_FLAGS -XX:SharedArchiveFile=$WORK/base.jsa"
  [image_nocds]="$IMAGE_FLAGS"
  [image_cds]="$IMAGE_FLAGS -XX:SharedArchiveFile=$WORK/docker.jsa"
  [image_fullcds]="$IMAGE_FLAGS -XX:SharedArchiveFile=$WORK/full.jsa"
)
VARIANTS=(base_nocds base_cds image_nocds image_cds image_fullcds)
# -Xshare:on makes a rejected archive an error instead of a silent slow start.
for v in base_cds image_cds image_fullcds; do
  java ${FLAGS[$v]} -Xshare:on -Xlog:cds=off -jar "$JAR" --version >/dev/null
done

for rep in $(seq "$REPS"); do
  for v in "${VARIANTS[@]}"; do
    id="start-$v-$rep-$$"
    ( date +%s%N >"$WORK/$id.t0"; exec java ${FLAGS[$v]} -Xlog:cds=off -jar "$JAR" "${ARGS[@]}" --run-id "$id" \
        >"$WORK/$id.out" 2>&1 )
    date +%s%N >"$WORK/$id.t1"
  done
done
sleep 1 # let the server flush its log

{
  echo "purge start: process start to first SQL statement received by PostgreSQL, $REPS interleaved runs per variant, $(date -u +%FT%TZ)"
  echo "machine: $(nproc) cores, load average at start $LOAD, at end $(cut -d' ' -f1-3 /proc/loadavg); $(java -version 2>&1 | head -1)"
  echo "purge: --dry-run of 3 root tables (7 with dependents) on a 100-user database; first SQL = pgjdbc's first statement after login"
  printf '%-12s %-62s %10s %10s %10s %10s\n' variant "JVM flags (besides -jar)" "1st SQL p50" "p90 ms" "exit p50" "p90 ms"
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
    printf '%-12s %-62s %10s %10s %10s %10s\n' "$v" "$(echo "${FLAGS[$v]}" | sed "s|$WORK/||g")" \
      "$(pct "$WORK/$v.first" 0.5)" "$(pct "$WORK/$v.first" 0.9)" "$(pct "$WORK/$v.exit" 0.5)" "$(pct "$WORK/$v.exit" 0.9)"
  done
  echo "per-run first-SQL ms:"; for v in "${VARIANTS[@]}"; do echo "  $v: $(xargs <"$WORK/$v.first")"; done
  echo "archives: docker.jsa $(du -k "$WORK/docker.jsa" | cut -f1) KiB (trained as the Dockerfile does), full.jsa $(du -k "$WORK/full.jsa" | cut -f1) KiB (trained by a real dry run)"
  echo "target: first SQL <= 800 ms"
} | tee "$OUT"
psql -qX -d postgres -c "drop database if exists $DB with (force)" -c "alter system reset log_line_prefix" \
  -c "select pg_reload_conf()" >/dev/null
rm -rf "$WORK"
