#!/usr/bin/env bash
# Times the purge against a hand-written psql DELETE of the same tables, in one run, on a
# Django-shaped database rebuilt before every measurement.
#   bench/purge-bench.sh [USERS]      (default 100000; REPS=3 runs each, medians reported)
# Needs the jar (mvn -o -q package -DskipTests) and hack/pg.sh. Raw output: bench/results/.
# Both psql and the purge connect without TLS (loopback; TLS is not what is measured). The purge is
# timed twice: plain `java -jar` (the machine's Java 17), and as the purge Job runs it (FAST_START):
# the image's JVM (Temurin 25), the Dockerfile's ENTRYPOINT flags (C1 only, SerialGC, …) and its AOT
# cache, trained here the way the Dockerfile trains it. Baselines: psql DELETE and psql TRUNCATE. The purge's delete runs with its default
# --fk-checks batch and, once per repetition, with --fk-checks per-row.
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
export PGSSLMODE=disable
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/bench/results/purge-bench-$USERS-$STAMP.txt
RAW=$(mktemp -d)
# The image's JVM (Temurin 25, bench/lib/image-jvm.sh) and flags, read from the Dockerfile's
# ENTRYPOINT (all but the cache and the jar), and its AOT cache trained as the image build trains it:
# a real confirmed purge of the training schema (src/main/docker/cds-training.sql), here on the
# bench's own server.
. bench/lib/image-jvm.sh
IMAGE_JAVA=$(image_java <Dockerfile)
IMAGE_FLAGS=$(entry_flags <Dockerfile)
psql -qX -d postgres -c "drop database if exists purge_bench_training with (force)" \
  -c "create database purge_bench_training" >/dev/null
psql -qX -v ON_ERROR_STOP=1 -d purge_bench_training -f src/main/docker/cds-training.sql >/dev/null
"$IMAGE_JAVA" $IMAGE_FLAGS $(cache_train "$IMAGE_JAVA" "$RAW/purge.cache") -jar "$JAR" \
  purge --url "jdbc:postgresql://$PGHOST:$PGPORT/purge_bench_training" --table auth_user --confirm purge_bench_training \
  --result-file "$RAW/training.json" >/dev/null 2>&1
grep -q '"committed":true' "$RAW/training.json"
psql -qX -d postgres -c "drop database purge_bench_training" >/dev/null
FAST_START=${FAST_START:-$IMAGE_FLAGS $(cache_use "$IMAGE_JAVA" "$RAW/purge.cache")}
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
TABLES=(--table auth_user --table custom_auth_tenant --table custom_auth_onboardingprogress)

# The data is built once into a template; every measurement gets a fresh copy of it.
psql -qX -d postgres -c "drop database if exists $TEMPLATE with (force)" -c "create database $TEMPLATE" >/dev/null
psql -qX -d "$TEMPLATE" -f src/test/resources/schemas/django.sql -c "select seed_django($USERS)" -c "vacuum analyze" >/dev/null
rebuild() {
  psql -qX -d postgres -c "drop database if exists $DB with (force)" -c "create database $DB template $TEMPLATE" \
    -c "checkpoint" >/dev/null
  # every run starts with the tables in the cache (the purge counts them all first anyway)
  psql -qX -d "$DB" -c "select (select count(*) from auth_user), (select count(*) from custom_auth_tenant), (select count(*) from custom_auth_onboardingprogress), (select count(*) from django_admin_log), (select count(*) from auth_user_groups), (select count(*) from auth_user_user_permissions), (select count(*) from accounts_profile)" >/dev/null
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
PSQL_TRUNCATE="begin;
truncate table django_admin_log, auth_user_groups, auth_user_user_permissions, accounts_profile,
  custom_auth_onboardingprogress, auth_user, custom_auth_tenant restrict;
commit;"

URL="jdbc:postgresql://$PGHOST:$PGPORT/$DB"
for rep in $(seq "$REPS"); do
  echo "rep $rep/$REPS" >&2
  rebuild; timed psql psql -qX -v ON_ERROR_STOP=1 -d "$DB" -c "$PSQL_DELETE"
  rebuild; timed psql_truncate psql -qX -v ON_ERROR_STOP=1 -d "$DB" -c "$PSQL_TRUNCATE"
  rebuild; timed dryrun java -jar "$JAR" purge "${TABLES[@]}" --dry-run --url "$URL" --result-file "$RAW/dry.json"
  grep -o '"durationMs":[0-9]*' "$RAW/dry.json" | cut -d: -f2 >>"$RAW/dryms"
  timed dryrun_fast "$IMAGE_JAVA" $FAST_START -jar "$JAR" purge "${TABLES[@]}" --dry-run --url "$URL" --result-file "$RAW/dry.json"
  timed delete java -jar "$JAR" purge "${TABLES[@]}" --confirm "$DB" --strategy delete --url "$URL" \
    --result-file "$RAW/delete.json"
  grep -o '"durationMs":[0-9]*' "$RAW/delete.json" | cut -d: -f2 >>"$RAW/delete_ms"
  rebuild; timed delete_fast "$IMAGE_JAVA" $FAST_START -jar "$JAR" purge "${TABLES[@]}" --confirm "$DB" --strategy delete \
    --url "$URL" --result-file "$RAW/delete.json"
  rebuild; timed delete_perrow_fast "$IMAGE_JAVA" $FAST_START -jar "$JAR" purge "${TABLES[@]}" --confirm "$DB" --strategy delete \
    --fk-checks per-row --url "$URL" --result-file "$RAW/delete_perrow.json"
  grep -o '"durationMs":[0-9]*' "$RAW/delete_perrow.json" | cut -d: -f2 >>"$RAW/delete_perrow_ms"
  rebuild; timed truncate java -jar "$JAR" purge "${TABLES[@]}" --confirm "$DB" --strategy truncate --url "$URL" \
    --result-file "$RAW/truncate.json"
  grep -o '"durationMs":[0-9]*' "$RAW/truncate.json" | cut -d: -f2 >>"$RAW/truncate_ms"
  rebuild; timed truncate_fast "$IMAGE_JAVA" $FAST_START -jar "$JAR" purge "${TABLES[@]}" --confirm "$DB" \
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
  row "psql: TRUNCATE of the same tables" psql_truncate
  row "purge --strategy delete" delete
  row "purge --strategy delete (FAST_START)" delete_fast
  row "purge --strategy delete --fk-checks per-row (FAST_START)" delete_perrow_fast
  row "purge --strategy truncate" truncate
  row "purge --strategy truncate (FAST_START)" truncate_fast
  row "purge --dry-run (plan + exact counts)" dryrun
  row "purge --dry-run (FAST_START)" dryrun_fast
  echo "dry run: planning and counting inside the transaction took $(median <"$RAW/dryms") ms"
  echo "purge transaction alone (durationMs, no JVM start): delete $(median <"$RAW/delete_ms") ms," \
    "delete --fk-checks per-row $(median <"$RAW/delete_perrow_ms") ms, truncate $(median <"$RAW/truncate_ms") ms"
  echo "keys checked once (dropped and re-added) in the delete: $(grep -o '"keyChecks":{[^}]*}' "$RAW/delete.json")"
  echo "per-run wall seconds: psql $(cut -d' ' -f1 "$RAW/psql" | xargs); delete $(cut -d' ' -f1 "$RAW/delete" | xargs);" \
    "delete per-row $(cut -d' ' -f1 "$RAW/delete_perrow_fast" | xargs);" \
    "truncate $(cut -d' ' -f1 "$RAW/truncate" | xargs)"
  echo "FAST_START=$("$IMAGE_JAVA" -version 2>&1 | head -1 | cut -d' ' -f1-3) ${FAST_START//$RAW\//}"
  echo "target delete (--fk-checks batch, the default) <= 0.25x psql: plain $(ratio delete 0.25), FAST_START $(ratio delete_fast 0.25)"
  echo "target delete --fk-checks per-row <= 1.05x psql: FAST_START $(ratio delete_perrow_fast 1.05)"
  echo "target truncate <= 0.10x psql: plain $(ratio truncate 0.10), FAST_START $(ratio truncate_fast 0.10)"
  echo "truncate vs psql TRUNCATE (median wall): plain $(echo "$(col truncate 1) $(col psql_truncate 1)" | awk '{printf "%.2fx", $1/$2}')," \
    "FAST_START $(echo "$(col truncate_fast 1) $(col psql_truncate 1)" | awk '{printf "%.2fx", $1/$2}')"
  peak=$(cat "$RAW"/{delete,delete_fast,delete_perrow_fast,truncate,truncate_fast,dryrun,dryrun_fast} | awk '$2 > m {m = $2} END {printf "%.0f", m/1024}')
  echo "target peak RSS of the purge <= 256 MB: $peak MB (largest of all purge runs) $([ "$peak" -le 256 ] && echo met || echo MISSED)"
} | tee "$OUT"
echo "raw output: $OUT.raw" >&2
rm -rf "$RAW"
