#!/usr/bin/env bash
# Auth0 users deleted at the tenant's rate limit (bench/Auth0Bench.java explains the method):
# both tiers of the issue, concurrent (as shipped) and one request at a time, in one run.
#   bench/auth0-bench.sh [LATENCY_MS] [SEARCH_LAG_S] [TIERS...]   defaults: 80 3  10:2:60 50:50:2000
# TIER = BURST:RATE_PER_S:USERS.
#
# Issue 16's edges (bench/Auth0EdgesBench.java): a selective purge concurrent vs one at a time, and
# listing a large tenant by the users-export job vs windowed search, both tiers, in one run:
#   bench/auth0-bench.sh edges [LATENCY_MS] [LIST_USERS] [TIERS...]  defaults: 80 20000  10:2:60 50:50:1000
# TIER = BURST:RATE_PER_S:SELECTED_USERS.
# Needs `mvn -o -q test-compile` (the fake tenant is a test class). Output: bench/results/auth0-*.txt
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
MODE=delete
if [ "${1:-}" = edges ]; then MODE=edges; shift; fi
LATENCY=${1:-80}
if [ $MODE = edges ]; then ARG2=${2:-20000}; else ARG2=${2:-3}; fi
shift $(( $# >= 2 ? 2 : $# ))
TIERS=("$@")
if [ ${#TIERS[@]} -eq 0 ]; then
  if [ $MODE = edges ]; then TIERS=(10:2:60 50:50:1000); else TIERS=(10:2:60 50:50:2000); fi
fi
[ -d target/test-classes/io/datapurge/testing ] || mvn -B -ntp -o -q test-compile
[ -f target/test.cp ] || mvn -B -ntp -o -q dependency:build-classpath -Dmdep.outputFile=target/test.cp >/dev/null
CP="target/classes:target/test-classes:$(cat target/test.cp)"
if [ $MODE = edges ]; then
  OUT=bench/results/auth0-edges-$(date -u +%Y%m%dT%H%M%SZ).txt
else
  OUT=bench/results/auth0-bench-$(date -u +%Y%m%dT%H%M%SZ).txt
fi
{
  echo "command: bench/auth0-bench.sh $([ $MODE = edges ] && echo 'edges ')$LATENCY $ARG2 ${TIERS[*]}"
  echo "machine: $(nproc) cores, load average at start $(cut -d' ' -f1-3 /proc/loadavg); $(java -version 2>&1 | head -1)"
  if [ $MODE = edges ]; then
    java -cp "$CP" bench/Auth0EdgesBench.java "$LATENCY" "$ARG2" "${TIERS[@]}"
  else
    # The production pause before a second pass (Auth0Options: 2 s).
    java -cp "$CP" bench/Auth0Bench.java "$LATENCY" "$ARG2" 2 "${TIERS[@]}"
  fi
  echo "load average at end $(cut -d' ' -f1-3 /proc/loadavg)"
} 2>&1 | tee "$OUT"
