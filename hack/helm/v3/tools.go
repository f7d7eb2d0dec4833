//go:build tools

// Package tools pins the Helm 3 CLI that hack/helm/build.sh builds for the tests.
package tools

import _ "helm.sh/helm/v3/cmd/helm"
