#!/usr/bin/env bash
# The whole loop on this machine, as a user would run it:
#   a local Kubernetes cluster with a real node (hack/cluster.sh: kubelet on containerd),
#   the project's image built from the Dockerfile and loaded into the node (hack/image.sh),
#   PostgreSQL with a Django-shaped database and sample users (hack/pg.sh),
#   the operator installed from deploy/ (kubectl apply -k, the image set to the local one),
#   a Secret and a purge manifest applied with kubectl,
#   the plan, the confirmation, and the counts in the resource's status.
# Usage: hack/demo.sh   (USERS=1000 sample users by default; leaves PostgreSQL and the cluster
# running: stop them with hack/cluster.sh down; hack/pg.sh down). Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."

users="${USERS:-1000}"
ns=purge-demo
db=pyfactor_demo
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Kubernetes cluster with a real node (hack/cluster.sh up)"
KUBECONFIG="$(hack/cluster.sh up | tail -n 1)"
export KUBECONFIG
export PATH="$PWD/target/cluster/bin:$PATH" # the kubectl of the cluster's release
echo "KUBECONFIG=$KUBECONFIG"
kubectl get nodes -o wide

say "The image, from the Dockerfile (hack/image.sh)"
image="$(hack/image.sh | tail -n 1)"
echo "$image"

say "PostgreSQL 15 (hack/pg.sh up), reachable from pods at $(hack/cluster.sh host-address)"
eval "$(hack/pg.sh up | grep '^export ')"
psql -q -d postgres -c "drop database if exists $db" -c "create database $db"
psql -q -d "$db" -f src/test/resources/schemas/django.sql
psql -q -d "$db" -c "select seed_django($users)" >/dev/null
echo "database $db: $users users, their tenants, groups, permissions, admin log, profiles, onboarding"

say "Operator (kubectl apply -k deploy, with the local image)"
mkdir -p target/demo
cat >target/demo/kustomization.yaml <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [../../crds, ../../deploy]
images:
  - name: datapurge/user-data-purge-operator
    newName: ${image%:*}
    newTag: ${image##*:}
# Only the demo's namespace: the tests' purges in other namespaces are not this operator's.
patches:
  - patch: |-
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: user-data-purge-operator, namespace: user-data-purge-system}
      spec:
        template:
          spec:
            containers:
              - name: operator
                env: [{name: WATCH_NAMESPACES, value: $ns}, {name: LOG_FORMAT, value: plain}]
YAML
installed="$(kubectl -n user-data-purge-system get deployment user-data-purge-operator -o name 2>/dev/null || true)"
kubectl apply --server-side --force-conflicts -k target/demo
# Same tag, maybe a rebuilt image: a running operator is restarted onto it.
[[ -z "$installed" ]] || kubectl -n user-data-purge-system rollout restart deployment/user-data-purge-operator >/dev/null
kubectl -n user-data-purge-system rollout status deployment/user-data-purge-operator --timeout=180s
kubectl -n user-data-purge-system get pods -o wide

say "Namespace, Secret and the purge manifest (kubectl apply)"
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

wait_phase() { # phase
  if ! kubectl -n "$ns" wait purge/reset-staging --for=jsonpath='{.status.phase}'="$1" --timeout=180s >/dev/null; then
    kubectl -n "$ns" get purge reset-staging -o yaml >&2
    kubectl -n user-data-purge-system logs deployment/user-data-purge-operator --tail=30 >&2
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
job="$(kubectl -n "$ns" get purge reset-staging -o jsonpath='{.status.jobName}')"
say "The purge pod on the node (kubectl logs job/$job)"
kubectl -n "$ns" get pods -l job-name="$job" -o wide
kubectl -n "$ns" logs "job/$job" | tail -n 5
echo
echo "PostgreSQL and the cluster keep running; stop them with: hack/cluster.sh down; hack/pg.sh down"
