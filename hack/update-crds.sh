#!/usr/bin/env bash
# Regenerates the UserDataPurge and UserDataPurgeSchedule CRDs from the Java model (io.datapurge.api) and copies it to crds/
# and, when present, the chart's crds/. CrdFilesTest fails until this has been run after a model
# change. Usage: hack/update-crds.sh
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q process-test-classes
for name in userdatapurges.datapurge.io-v1.yml userdatapurgeschedules.datapurge.io-v1.yml; do
  generated="target/classes/META-INF/fabric8/$name"
  [[ -f "$generated" ]] || { echo "update-crds: $generated was not generated" >&2; exit 1; }
  for dir in crds charts/user-data-purge-operator/crds; do
    if [[ "$dir" == crds || -d "$dir" ]]; then
      cp "$generated" "$dir/$name"
      echo "updated $dir/$name"
    fi
  done
done
