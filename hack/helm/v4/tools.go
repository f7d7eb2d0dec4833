//go:build tools

// Package tools pins the Helm 4 CLI that hack/helm/build.sh builds for the tests.
package tools

import _ "helm.sh/helm/v4/cmd/helm"
