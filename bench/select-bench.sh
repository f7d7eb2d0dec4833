#!/usr/bin/env bash
# Selective purge (--where), in one run, two measurements:
#  1. keep 1 % (the staff) of USERS users (default 100000): the purge vs a hand-written psql DELETE of
#     the same rows in one transaction (semi-joins on the foreign keys), each on a fresh copy of the
#     data; the rows left by both are compared table by table. Target: purge <= 1.10x psql.
#  2. erase one user from a BIG-user database (default 1000000): wall time of the purge process,
#     JVM start and exact counts included. Target: <= 2.5 s.
#   bench/select-bench.sh [USERS] [BIG]     (REPS=5 runs each, medians; USERS=0 / BIG=0 skip part 1 / 2)
# Needs the jar (mvn -o -q package -DskipTests) and a PostgreSQL: the PG* environment of
# `hack/pg.sh env` when set, else hack/pg.sh up. Raw output: bench/results/select-bench-*.txt.raw.
# Like bench/purge-bench.sh: sslmode=disable, and the purge is timed plain and as the Job runs it
# (FAST_START: the Dockerfile's JVM flags and an AppCDS archive trained as the Dockerfile trains it).
set -euo pipefail
USERS=${1:-100000}
BIG=${2:-1000000}
REPS=${REPS:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
[ -n "${PGHOST:-}" ] || eval "$(hack/pg.sh up | grep '^export')"
JAR=${PURGE_JAR:-$ROOT/target/user-data-purge.jar}
[ -f "$JAR" ] || mvn -o -q package -DskipTests
export PGSSLMODE=disable
DB=select_bench
TEMPLATE=select_bench_template
BIGDB=select_bench_big
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/bench/results/select-bench-$USERS-$STAMP.txt
RAW=$(mktemp -d)
IMAGE_FLAGS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -XX:-UsePerfData -XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
PGPASSWORD=training java $IMAGE_FLAGS -XX:ArchiveClassesAtExit="$RAW/purge.jsa" -Xlog:cds=off -jar "$JAR" \
  purge --url jdbc:postgresql://127.0.0.1:9/training --user training --table training --confirm training \
  --dry-run --result-file "$RAW/training.json" >/dev/null 2>&1 || [ $? -eq 4 ]
FAST_START="$IMAGE_FLAGS -XX:SharedArchiveFile=$RAW/purge.jsa -Xlog:cds=off"
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
KEEP="NOT (is_staff OR is_superuser)"
TABLES="auth_user custom_auth_tenant custom_auth_onboardingprogress django_admin_log auth_user_groups auth_user_user_permissions accounts_profile"
counts_sql() { local s="select"; for t in $TABLES; do s="$s (select count(*) from $t) as $t,"; done; echo "${s%,}"; }

# 1 % staff: users 1, 101, 201, …, each the owner of its tenant, so the kept users' tenants stay.
seed() { # DB USERS
  psql -qX -d postgres -c "drop database if exists $1 with (force)" -c "create database $1" >/dev/null
  psql -qX -d "$1" -f src/test/resources/schemas/django.sql -c "select seed_django($2)" \
    -c "update auth_user set is_staff = true where id % 100 = 1" -c "vacuum analyze" >/dev/null
}
rebuild() {
  psql -qX -d postgres -c "drop database if exists $DB with (force)" -c "create database $DB template $TEMPLATE" \
    -c "checkpoint" >/dev/null
  psql -qXAt -d "$DB" -c "$(counts_sql)" >/dev/null # every run starts with the tables in the cache
}
timed() { # NAME CMD...: wall seconds and peak RSS (KiB), appended to $RAW/NAME
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$RAW/time" "$@" >"$RAW/$name.out" 2>&1 || { cat "$RAW/$name.out"; exit 1; }
  cat "$RAW/time" >>"$RAW/$name"
  { echo "== $name"; cat "$RAW/$name.out"; cat "$RAW/time"; } >>"$OUT.raw"
}
SEL="select id from auth_user where $KEEP"
PSQL_DELETE="begin;
delete from django_admin_log where user_id in ($SEL);
delete from auth_user_groups where user_id in ($SEL);
delete from auth_user_user_permissions where user_id in ($SEL);
delete from accounts_profile where user_id in ($SEL);
delete from custom_auth_onboardingprogress where user_id in ($SEL)
  or tenant_id in (select id from custom_auth_tenant where owner_id in ($SEL));
delete from custom_auth_tenant where owner_id in ($SEL);
delete from auth_user where $KEEP;
commit;"
URL="jdbc:postgresql://$PGHOST:$PGPORT/$DB"
PURGE=(purge --table auth_user --where "auth_user=$KEEP" --confirm "$DB" --url "$URL" --result-file "$RAW/purge.json")
if [ "$USERS" -gt 0 ]; then
seed "$TEMPLATE" "$USERS"
for rep in $(seq "$REPS"); do
  echo "keep 1 %: rep $rep/$REPS" >&2
  rebuild; timed psql psql -qX -v ON_ERROR_STOP=1 -d "$DB" -c "$PSQL_DELETE"
  psql -qXAt -d "$DB" -c "$(counts_sql)" >"$RAW/after_psql"
  rebuild; timed purge java -jar "$JAR" "${PURGE[@]}"
  grep -o '"durationMs":[0-9]*' "$RAW/purge.json" | cut -d: -f2 >>"$RAW/purge_ms"
  psql -qXAt -d "$DB" -c "$(counts_sql)" >"$RAW/after_purge"
  cmp -s "$RAW/after_psql" "$RAW/after_purge" || { echo "rows left differ: psql $(cat "$RAW/after_psql"), purge $(cat "$RAW/after_purge")" >&2; exit 1; }
  rebuild; timed purge_fast java $FAST_START -jar "$JAR" "${PURGE[@]}"
done
cp "$RAW/purge.json" "$RAW/keep.json"
ROWS_LEFT=$(tr '|' ' ' <"$RAW/after_purge")
psql -qX -d postgres -c "drop database if exists $DB with (force)" -c "drop database if exists $TEMPLATE" >/dev/null
fi

if [ "$BIG" -gt 0 ]; then
  echo "erase one user: building $BIG users" >&2
  seed "$BIGDB" "$BIG"
  psql -qXAt -d "$BIGDB" -c "$(counts_sql)" >/dev/null
  BIGURL="jdbc:postgresql://$PGHOST:$PGPORT/$BIGDB"
  for rep in $(seq "$REPS"); do
    echo "erase one user: rep $rep/$REPS" >&2
    u=$((BIG / 2 + rep * 10 + 2)) # not a tenant owner, so nobody the predicate keeps references the user
    timed erase java -jar "$JAR" purge --table auth_user --where "auth_user=id = $u" --confirm "$BIGDB" \
      --url "$BIGURL" --result-file "$RAW/erase.json"
    grep -o '"durationMs":[0-9]*' "$RAW/erase.json" | cut -d: -f2 >>"$RAW/erase_ms"
    timed erase_fast java $FAST_START -jar "$JAR" purge --table auth_user --where "auth_user=id = $((u + 1))" \
      --confirm "$BIGDB" --url "$BIGURL" --result-file "$RAW/erase_fast.json"
    grep -o '"durationMs":[0-9]*' "$RAW/erase_fast.json" | cut -d: -f2 >>"$RAW/erase_fast_ms"
    timed erase_psql psql -qX -v ON_ERROR_STOP=1 -d "$BIGDB" -c "begin;
      delete from django_admin_log where user_id = $((u + 2)); delete from auth_user_groups where user_id = $((u + 2));
      delete from auth_user_user_permissions where user_id = $((u + 2)); delete from accounts_profile where user_id = $((u + 2));
      delete from custom_auth_onboardingprogress where user_id = $((u + 2)); delete from auth_user where id = $((u + 2)); commit;"
  done
  psql -qX -d postgres -c "drop database if exists $BIGDB with (force)" >/dev/null
fi

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
col() { awk -v c="$2" '{print $c}' "$RAW/$1" | median; }
paired() { paste -d' ' <(cut -d' ' -f1 "$RAW/$1") <(cut -d' ' -f1 "$RAW/psql") | awk '{print $1/$2}' | median; }
ratio() { paired "$1" | awk -v t="$2" '{printf "%.2fx (paired median) %s", $1, ($1 <= t) ? "met" : "MISSED"}'; }
{
  echo "selective purge benchmark, PostgreSQL 15, median of $REPS runs, $(date -u +%FT%TZ)"
  echo "machine: $(nproc) cores, load average at start $LOAD; sslmode=disable; wall time includes process start"
  if [ "$USERS" -gt 0 ]; then
  echo
  echo "1. keep 1 % (staff) of $USERS users: --table auth_user --where \"auth_user=$KEEP\" (each run on a fresh copy)"
  printf '%-52s %8s %9s %12s\n' "method" "wall s" "vs psql" "peak RSS MB"
  P=$(col psql 1)
  for r in "psql: hand-written DELETE with semi-joins, one tx:psql" "purge:purge" "purge (FAST_START):purge_fast"; do
    w=$(col "${r##*:}" 1)
    printf '%-52s %8.2f %8.2fx %12.0f\n' "${r%:*}" "$w" "$(echo "$w $P" | awk '{print $1/$2}')" "$(col "${r##*:}" 2 | awk '{print $1/1024}')"
  done
  echo "rows left ($TABLES): $ROWS_LEFT (identical after psql and purge in every run)"
  echo "purge transaction alone (durationMs): $(median <"$RAW/purge_ms") ms"
  echo "per-run wall seconds: psql $(cut -d' ' -f1 "$RAW/psql" | xargs); purge $(cut -d' ' -f1 "$RAW/purge" | xargs); FAST_START $(cut -d' ' -f1 "$RAW/purge_fast" | xargs)"
  echo "purge result: $(cat "$RAW/keep.json")"
  echo "target purge <= 1.10x psql: plain $(ratio purge 1.10), FAST_START $(ratio purge_fast 1.10)"
  fi
  if [ "$BIG" -gt 0 ]; then
    echo
    echo "2. erase one user from $BIG users: --table auth_user --where \"auth_user=id = N\" (exact counts of all 7 tables)"
    printf '%-52s %8s %14s\n' "method" "wall s" "durationMs"
    printf '%-52s %8.2f %14s\n' "purge" "$(col erase 1)" "$(median <"$RAW/erase_ms")"
    printf '%-52s %8.2f %14s\n' "purge (FAST_START)" "$(col erase_fast 1)" "$(median <"$RAW/erase_fast_ms")"
    printf '%-52s %8.2f %14s\n' "psql: hand-written DELETE of that user's rows (no counts)" "$(col erase_psql 1)" "-"
    echo "per-run wall seconds: purge $(cut -d' ' -f1 "$RAW/erase" | xargs); FAST_START $(cut -d' ' -f1 "$RAW/erase_fast" | xargs)"
    echo "purge result: $(cat "$RAW/erase.json")"
    ok() { awk -v w="$(col "$1" 1)" 'BEGIN {printf "%.2f s %s", w, (w <= 2.5) ? "met" : "MISSED"}'; }
    echo "target erase <= 2.5 s wall: plain $(ok erase), FAST_START $(ok erase_fast)"
  fi
  echo "FAST_START=${FAST_START//$RAW\//}"
} | tee "$OUT"
echo "raw output: $OUT.raw" >&2
rm -rf "$RAW"
