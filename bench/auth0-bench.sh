#!/usr/bin/env bash
# Auth0 users deleted at the tenant's rate limit (bench/Auth0Bench.java explains the method):
# both tiers of the issue, concurrent (as shipped) and one request at a time, in one run.
#   bench/auth0-bench.sh [LATENCY_MS] [SEARCH_LAG_S] [TIERS...]   defaults: 80 3  10:2:60 50:50:2000
# TIER = BURST:RATE_PER_S:USERS. Needs `mvn -o -q test-compile` (the fake tenant is a test class).
# Output: bench/results/auth0-bench-*.txt
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
LATENCY=${1:-80}
LAG=${2:-3}
shift $(( $# >= 2 ? 2 : $# ))
TIERS=("$@")
[ ${#TIERS[@]} -gt 0 ] || TIERS=(10:2:60 50:50:2000)
[ -d target/test-classes/io/datapurge/testing ] || mvn -B -ntp -o -q test-compile
[ -f target/test.cp ] || mvn -B -ntp -o -q dependency:build-classpath -Dmdep.outputFile=target/test.cp >/dev/null
OUT=bench/results/auth0-bench-$(date -u +%Y%m%dT%H%M%SZ).txt
{
  echo "command: bench/auth0-bench.sh $LATENCY $LAG ${TIERS[*]}"
  echo "machine: $(nproc) cores, load average at start $(cut -d' ' -f1-3 /proc/loadavg); $(java -version 2>&1 | head -1)"
  # The production pause before a second pass (Auth0Options: 2 s).
  java -cp "target/classes:target/test-classes:$(cat target/test.cp)" bench/Auth0Bench.java "$LATENCY" "$LAG" 2 "${TIERS[@]}"
  echo "load average at end $(cut -d' ' -f1-3 /proc/loadavg)"
} 2>&1 | tee "$OUT"
