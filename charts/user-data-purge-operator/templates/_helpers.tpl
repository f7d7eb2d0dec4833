{{- define "udp.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "udp.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "udp.selectorLabels" -}}
app.kubernetes.io/name: {{ include "udp.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "udp.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "udp.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "udp.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "udp.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create=false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The operator image; a digest pins it and wins over the tag. */}}
{{- define "udp.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
What the operator may do where it watches UserDataPurges and UserDataPurgeSchedules. No Secrets: the purge Job's
Pod reads the database credentials through secretKeyRef, resolved by the kubelet.
*/}}
{{- define "udp.watchRules" -}}
# create/delete: a UserDataPurgeSchedule creates one run per tick and deletes its own runs (history, Replace).
- apiGroups: [datapurge.io]
  resources: [userdatapurges]
  verbs: [get, list, watch, create, patch, update, delete]
- apiGroups: [datapurge.io]
  resources: [userdatapurges/status]
  verbs: [patch, update]
# Owner references with blockOwnerDeletion need this where OwnerReferencesPermissionEnforcement is on.
- apiGroups: [datapurge.io]
  resources: [userdatapurges/finalizers]
  verbs: [update]
- apiGroups: [datapurge.io]
  resources: [userdatapurgeschedules]
  verbs: [get, list, watch, patch, update]
- apiGroups: [datapurge.io]
  resources: [userdatapurgeschedules/status]
  verbs: [patch, update]
- apiGroups: [datapurge.io]
  resources: [userdatapurgeschedules/finalizers]
  verbs: [update]
- apiGroups: [batch]
  resources: [jobs]
  verbs: [get, list, watch, create, delete]
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch]
# create/patch: the operator's own Events; list/watch: the kubelet's FailedMount Events, which
# name a missing spec.seed ConfigMap (the operator reads no ConfigMaps itself).
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch, list, watch]
{{- end }}

{{/* Refuse combinations the schema cannot express with a message that names the fix. */}}
{{- define "udp.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElection.enabled) }}
{{- fail (printf "replicaCount=%d needs leaderElection.enabled=true: without a Lease every replica would reconcile and start purge Jobs. Set leaderElection.enabled=true or replicaCount=1." (int .Values.replicaCount)) }}
{{- end }}
{{- include "udp.validateNamespace" . }}
{{- end }}

{{/*
On a real install or upgrade (lookup answers: kube-system is found), the release namespace must
exist and enforce the restricted Pod Security Standard. `helm install --create-namespace` makes
the namespace after rendering and without labels, so it is refused here instead of running the
operator where nothing enforces what docs/security.md promises. `helm template` and client-side
dry runs cannot look up, so they are not checked.
*/}}
{{- define "udp.validateNamespace" -}}
{{- if and .Values.podSecurity.requireRestrictedNamespace (lookup "v1" "Namespace" "" "kube-system") }}
{{- $ns := lookup "v1" "Namespace" "" .Release.Namespace }}
{{- $labels := dict }}
{{- if $ns }}{{- $labels = $ns.metadata.labels | default dict }}{{- end }}
{{- if ne (index $labels "pod-security.kubernetes.io/enforce" | default "") "restricted" }}
{{- fail (printf "namespace %s %s: create it with the labels before installing (kubectl apply -f deploy/namespace.yaml for user-data-purge-system, or: kubectl create namespace %s && kubectl label namespace %s pod-security.kubernetes.io/enforce=restricted pod-security.kubernetes.io/warn=restricted pod-security.kubernetes.io/audit=restricted) and install without --create-namespace, which makes a namespace without them; or set podSecurity.requireRestrictedNamespace=false" .Release.Namespace (ternary "does not enforce the restricted Pod Security Standard (label pod-security.kubernetes.io/enforce=restricted)" "does not exist yet, and --create-namespace would make it without the restricted Pod Security labels" (not (empty $ns))) .Release.Namespace .Release.Namespace) }}
{{- end }}
{{- end }}
{{- end }}
