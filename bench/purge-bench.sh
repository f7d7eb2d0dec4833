#!/usr/bin/env bash
# Times the purge against a hand-written psql DELETE of the same tables, in one run, on a
# Django-shaped database rebuilt before every measurement.
#   bench/purge-bench.sh [USERS]      (default 100000; REPS=3 runs each, medians reported)
# Needs the jar (mvn -o -q package -DskipTests) and hack/pg.sh. Raw output: bench/results/.
# Both psql and the purge connect without TLS (loopback; TLS is not what is measured). The purge is
# timed twice: plain `java -jar`, and with FAST_START JVM flags, which suit a short-lived Job
# (set them on the purge container with JAVA_TOOL_OPTIONS).
set -euo pipefail
USERS=${1:-100000}
REPS=${REPS:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
eval "$(hack/pg.sh up | grep '^export')"
JAR=${PURGE_JAR:-$ROOT/target/user-data-purge.jar}
[ -f "$JAR" ] || mvn -o -q package -DskipTests
DB=purge_bench
TEMPLATE=purge_bench_template
FAST_START=${FAST_START:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC}
export PGSSLMODE=disable
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/bench/results/purge-bench-$USERS-$STAMP.txt
RAW=$(mktemp -d)
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
TABLES=(--table auth_user --table custom_auth_tenant --table custom_auth_onboardingprogress)

# The data is built once into a template; every measurement gets a fresh copy of it.
psql -qX -d postgres -c "drop database if exists $TEMPLATE with (force)" -c "create database $TEMPLATE" >/dev/null
psql -qX -d "$TEMPLATE" -f src/test/resources/schemas/django.sql -c "select seed_django($USERS)" -c "vacuum analyze" >/dev/null
rebuild() {
  psql -qX -d postgres -c "drop database if exists $DB with (force)" -c "create database $DB template $TEMPLATE" \
    -c "checkpoint" >/dev/null
  psql -qX -d "$DB" -c "select count(*) from auth_user" >/dev/null
}

# timed NAME CMD...: wall seconds and peak RSS (KiB) of the command, appended to $RAW/NAME
timed() {
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$RAW/time" "$@" >"$RAW/$name.out" 2>&1 || { cat "$RAW/$name.out"; exit 1; }
  cat "$RAW/time" >>"$RAW/$name"
  { echo "== $name"; cat "$RAW/$name.out"; cat "$RAW/time"; } >>"$OUT.raw"
}

PSQL_DELETE="begin;
delete from django_admin_log; delete from auth_user_groups; delete from auth_user_user_permissions;
delete from accounts_profile; delete from custom_auth_onboardingprogress;
delete from auth_user; delete from custom_auth_tenant;
commit;"

URL="jdbc:postgresql://$PGHOST:$PGPORT/$DB"
for rep in $(seq "$REPS"); do
  echo "rep $rep/$REPS" >&2
  rebuild; timed psql psql -qX -v ON_ERROR_STOP=1 -d "$DB" -c "$PSQL_DELETE"
  rebuild; timed dryrun java -jar "$JAR" purge "${TABLES[@]}" --dry-run --url "$URL" --result-file "$RAW/dry.json"
  grep -o '"durationMs":[0-9]*' "$RAW/dry.json" | cut -d: -f2 >>"$RAW/dryms"
  timed delete java -jar "$JAR" purge "${TABLES[@]}" --confirm "$DB" --strategy delete --url "$URL" \
    --result-file "$RAW/delete.json"
  grep -o '"durationMs":[0-9]*' "$RAW/delete.json" | cut -d: -f2 >>"$RAW/delete_ms"
  rebuild; timed delete_fast java $FAST_START -jar "$JAR" purge "${TABLES[@]}" --confirm "$DB" --strategy delete \
    --url "$URL" --result-file "$RAW/delete.json"
  rebuild; timed truncate java -jar "$JAR" purge "${TABLES[@]}" --confirm "$DB" --strategy truncate --url "$URL" \
    --result-file "$RAW/truncate.json"
  grep -o '"durationMs":[0-9]*' "$RAW/truncate.json" | cut -d: -f2 >>"$RAW/truncate_ms"
  rebuild; timed truncate_fast java $FAST_START -jar "$JAR" purge "${TABLES[@]}" --confirm "$DB" \
    --strategy truncate --url "$URL" --result-file "$RAW/truncate.json"
done
ROWS=$(grep -o '"totals":{"before":[0-9]*' "$RAW/delete.json" | grep -o '[0-9]*$')
psql -qX -d postgres -c "drop database if exists $DB with (force)" -c "drop database if exists $TEMPLATE" >/dev/null

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
col() { awk -v c="$2" '{print $c}' "$RAW/$1" | median; }
P=$(col psql 1)
row() { # label name
  local w; w=$(col "$2" 1)
  printf '%-44s %8.2f %8.2fx %12.0f\n' "$1" "$w" "$(echo "$w $P" | awk '{print $1/$2}')" "$(col "$2" 2 | awk '{print $1/1024}')"
}
# Paired ratio: each purge run divided by the psql run of the same repetition, then the median;
# steadier than a ratio of medians when other work shares the machine.
paired() { paste -d' ' <(cut -d' ' -f1 "$RAW/$1") <(cut -d' ' -f1 "$RAW/psql") | awk '{print $1/$2}' | median; }
ratio() { paired "$1" | awk -v t="$2" '{printf "%.2fx (paired median) %s", $1, ($1 <= t) ? "met" : "MISSED"}'; }
{
  echo "purge benchmark: $USERS users, $ROWS rows in 7 tables, PostgreSQL 15, median of $REPS runs, $(date -u +%FT%TZ)"
  echo "each run on a fresh copy of the data; wall time includes process start (psql, JVM); sslmode=disable for all"
  echo "machine: $(nproc) cores, load average at start $LOAD"
  printf '%-44s %8s %9s %12s\n' "method" "wall s" "vs psql" "peak RSS MB"
  row "psql: hand-written DELETE, one transaction" psql
  row "purge --strategy delete" delete
  row "purge --strategy delete (FAST_START)" delete_fast
  row "purge --strategy truncate" truncate
  row "purge --strategy truncate (FAST_START)" truncate_fast
  row "purge --dry-run (plan + exact counts)" dryrun
  echo "dry run: planning and counting inside the transaction took $(median <"$RAW/dryms") ms"
  echo "purge transaction alone (durationMs, no JVM start): delete $(median <"$RAW/delete_ms") ms," \
    "truncate $(median <"$RAW/truncate_ms") ms"
  echo "per-run wall seconds: psql $(cut -d' ' -f1 "$RAW/psql" | xargs); delete $(cut -d' ' -f1 "$RAW/delete" | xargs);" \
    "truncate $(cut -d' ' -f1 "$RAW/truncate" | xargs)"
  echo "FAST_START=$FAST_START"
  echo "target delete <= 1.15x psql: plain $(ratio delete 1.15), FAST_START $(ratio delete_fast 1.15)"
  echo "target truncate <= 0.25x psql: plain $(ratio truncate 0.25), FAST_START $(ratio truncate_fast 0.25)"
} | tee "$OUT"
echo "raw output: $OUT.raw" >&2
rm -rf "$RAW"
