#!/usr/bin/env bash
# kubectl purge start: process start to its first API request, side by side with the baseline
# `kubectl get` of the same object, interleaved so load from other work hits every variant alike.
#   bench/plugin-start.sh [REPS]       (default 15 runs of each variant; medians and p90)
# Needs the jar (mvn -o -q package -DskipTests), kubectl on PATH and a cluster (KUBECONFIG).
# How: every variant runs kubectl with -v=7, whose klog lines carry a microsecond timestamp; the
# "Request" line of the first HTTP request is the moment it leaves (discovery included, from the
# same warm cache for every variant). The script notes the clock just before starting the command;
# both clocks are this machine's. "total" is the wall time to exit.
#   baseline        kubectl get userdatapurges.datapurge.io NAME -o json
#   plugin_cds      kubectl purge status NAME   (the launcher maps its AppCDS archive)
#   plugin_nocds    the same with KUBECTL_PURGE_CDS=0
#   plugin_direct   bin/kubectl-purge status NAME, without kubectl's plugin lookup in front
set -euo pipefail
REPS=${1:-15}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
[ -f target/user-data-purge.jar ] || mvn -o -q package -DskipTests
export PATH=$ROOT/bin:$PATH
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/bench/results/plugin-start-$STAMP.txt
WORK=$(mktemp -d)
NS=bench-plugin-$(date +%s)
kubectl create namespace "$NS" >/dev/null
trap 'kubectl delete namespace "$NS" --wait=false >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
sed -e "s/namespace: staging/namespace: $NS/" -e "s/name: plan-staging/name: bench/" deploy/examples/plan-only.yaml |
  kubectl apply -f - >/dev/null

declare -A CMD=(
  [baseline]="kubectl get userdatapurges.datapurge.io bench -n $NS -o json -v=7"
  [plugin_cds]="kubectl purge status bench -n $NS -v=7"
  [plugin_nocds]="env KUBECTL_PURGE_CDS=0 kubectl purge status bench -n $NS -v=7"
  [plugin_direct]="kubectl-purge status bench -n $NS -v=7"
)
VARIANTS=(baseline plugin_cds plugin_nocds plugin_direct)
# Warm-up: the discovery cache, the page cache, and the plugin's AppCDS archive (recorded by its first run).
for v in "${VARIANTS[@]}"; do ${CMD[$v]} >/dev/null 2>&1; ${CMD[$v]} >/dev/null 2>&1; done
ls "${XDG_CACHE_HOME:-$HOME/.cache}"/kubectl-purge/*.jsa >/dev/null

{
  echo "# kubectl purge start, $STAMP, $REPS runs per variant, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# $(kubectl version --client 2>/dev/null | head -1); $(java -version 2>&1 | head -1); $(nproc) cores"
  echo "# variant rep first_request_ms total_ms"
} >"$OUT"
for rep in $(seq "$REPS"); do
  for v in "${VARIANTS[@]}"; do
    start=$(date +%s%N)
    ${CMD[$v]} >/dev/null 2>"$WORK/err"
    end=$(date +%s%N)
    first=$(grep -m1 '"Request"' "$WORK/err" | awk '{print $2}')
    [ -n "$first" ] || { echo "no request logged by $v:" >&2; cat "$WORK/err" >&2; exit 1; }
    python3 - "$v" "$rep" "$start" "$end" "$first" >>"$OUT" <<'PY'
import sys, datetime
v, rep, start, end, first = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
day = datetime.datetime.fromtimestamp(start / 1e9).date()
t = datetime.datetime.combine(day, datetime.datetime.strptime(first, "%H:%M:%S.%f").time())
print(f"{v} {rep} {(t.timestamp() * 1e9 - start) / 1e6:.0f} {(end - start) / 1e6:.0f}")
PY
  done
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT"
python3 - "$OUT" <<'PY' | tee -a "$OUT"
import sys, statistics
rows = [l.split() for l in open(sys.argv[1]) if l[0] != "#"]
def p90(xs):
    xs = sorted(xs); return xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]
print(f"{'variant':<15}{'first request median':>22}{'p90':>8}{'total median':>15}{'p90':>8}")
for v in ["baseline", "plugin_cds", "plugin_nocds", "plugin_direct"]:
    f = [float(r[2]) for r in rows if r[0] == v]; t = [float(r[3]) for r in rows if r[0] == v]
    print(f"{v:<15}{statistics.median(f):>19.0f} ms{p90(f):>5.0f} ms{statistics.median(t):>12.0f} ms{p90(t):>5.0f} ms")
PY
echo "raw: $OUT"
