#!/usr/bin/env bash
# The whole loop on this machine, as a user would run it:
#   PostgreSQL with a Django-shaped database and sample users (hack/pg.sh),
#   a local Kubernetes control plane (hack/cluster.sh),
#   the CRD, a Secret and a purge manifest applied with kubectl,
#   the operator (the jar, in the background, logging to target/demo-operator.log),
#   the plan, the confirmation, and the counts in the resource's status.
# Usage: hack/demo.sh   (USERS=1000 sample users by default; leaves PostgreSQL and the plane
# running: stop them with hack/cluster.sh down; hack/pg.sh down)
set -euo pipefail
cd "$(dirname "$0")/.."

users="${USERS:-1000}"
ns=purge-demo
db=pyfactor_demo
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

if [[ ! -f target/user-data-purge.jar ]]; then
  say "Building target/user-data-purge.jar"
  mvn -B -q -DskipTests package
fi

say "PostgreSQL 15 (hack/pg.sh up)"
eval "$(hack/pg.sh up | grep '^export ')"
psql -q -d postgres -c "drop database if exists $db" -c "create database $db"
psql -q -d "$db" -f src/test/resources/schemas/django.sql
psql -q -d "$db" -c "select seed_django($users)" >/dev/null
echo "database $db: $users users, their tenants, groups, permissions, admin log, profiles, onboarding"

say "Kubernetes control plane (hack/cluster.sh up)"
KUBECONFIG="$(hack/cluster.sh up | tail -n 1)"
export KUBECONFIG
echo "KUBECONFIG=$KUBECONFIG"

say "CRD, namespace, Secret and the purge manifest (kubectl apply)"
kubectl apply --server-side --force-conflicts -f crds/userdatapurges.datapurge.io-v1.yml
kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "$ns" delete purge reset-staging --ignore-not-found --wait=true
kubectl -n "$ns" create secret generic pg-purge --from-literal=username="$PGUSER" \
  --from-literal=password="$PGPASSWORD" --dry-run=client -o yaml | kubectl apply -f -
manifest="$(cat <<YAML
apiVersion: datapurge.io/v1alpha1
kind: UserDataPurge
metadata:
  name: reset-staging
  namespace: $ns
spec:
  database:
    host: $PGHOST
    port: $PGPORT
    name: $db
    sslMode: require
    credentialsSecret: {name: pg-purge, usernameKey: username, passwordKey: password}
  tables: [auth_user, custom_auth_tenant, custom_auth_onboardingprogress]
  strategy: Delete
YAML
)"
echo "$manifest"
echo "$manifest" | kubectl apply -f -

say "Operator (java -jar target/user-data-purge.jar operator, log: target/demo-operator.log)"
java -jar target/user-data-purge.jar operator --namespaces "$ns" \
  --purge-image datapurge/user-data-purge-operator:0.1.0 --http-port 0 >target/demo-operator.log 2>&1 &
operator=$!
trap 'kill "$operator" 2>/dev/null || true; wait "$operator" 2>/dev/null || true' EXIT

wait_phase() { # phase
  if ! kubectl -n "$ns" wait purge/reset-staging --for=jsonpath='{.status.phase}'="$1" --timeout=180s >/dev/null; then
    kubectl -n "$ns" get purge reset-staging -o yaml >&2
    tail -n 30 target/demo-operator.log >&2
    exit 1
  fi
}

say "Plan (no spec.confirm yet: a read-only Job counts what would be deleted)"
wait_phase AwaitingConfirmation
kubectl -n "$ns" get purge reset-staging
kubectl -n "$ns" get purge reset-staging \
  -o jsonpath='{range .status.tables[*]}{.role}{"\t"}{.before}{"\t"}{.table}{"\n"}{end}{.status.message}{"\n"}'

say "Confirm (kubectl patch ... spec.confirm=$db)"
kubectl -n "$ns" patch purge reset-staging --type=merge -p "{\"spec\":{\"confirm\":\"$db\"}}"
wait_phase Succeeded

say "Result"
kubectl -n "$ns" get purge reset-staging
kubectl -n "$ns" get purge reset-staging -o yaml | sed -n '/^status:/,$p'
kubectl -n "$ns" get jobs
kubectl -n "$ns" describe purge reset-staging | sed -n '/^Events:/,$p'
echo "rows left in auth_user: $(psql -tAq -d "$db" -c 'select count(*) from auth_user')"
port="$(grep -o 'http port=[0-9]*' target/demo-operator.log | head -n 1 | cut -d= -f2)"
if [[ -n "$port" ]]; then
  say "Metrics (http://127.0.0.1:$port/metrics)"
  curl -s "http://127.0.0.1:$port/metrics" | grep '^datapurge_' || true
fi
echo
echo "PostgreSQL and the control plane keep running; stop them with: hack/cluster.sh down; hack/pg.sh down"
