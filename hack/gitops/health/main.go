// Command health prints how Flux judges each object on stdin (a YAML or JSON stream), one line per
// object:
//
//	<kind>/<name> kstatus=<Status> [<kustomization>=<Status>|error ...]
//
// kstatus is sigs.k8s.io/cli-utils' status.Compute, what Flux's healthChecks and wait: true use.
// With -flux FILE, each Kustomization in FILE that has healthCheckExprs for the object's kind is
// evaluated too, by Flux's own CEL status evaluator (github.com/fluxcd/pkg/runtime/cel).
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/fluxcd/pkg/apis/kustomize"
	fluxcel "github.com/fluxcd/pkg/runtime/cel"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

type check struct {
	kustomization string
	apiVersion    string
	kind          string
	evaluator     *fluxcel.StatusEvaluator
}

func main() {
	fluxFile := flag.String("flux", "", "file with Flux Kustomizations whose healthCheckExprs to evaluate")
	flag.Parse()
	var checks []check
	if *fluxFile != "" {
		f, err := os.Open(*fluxFile)
		if err != nil {
			fail(2, "health:", err)
		}
		for _, k := range decodeAll(f) {
			exprs, _, _ := unstructured.NestedSlice(k.Object, "spec", "healthCheckExprs")
			for _, e := range exprs {
				m, _ := e.(map[string]interface{})
				str := func(key string) string { s, _ := m[key].(string); return s }
				evaluator, err := fluxcel.NewStatusEvaluator(&kustomize.HealthCheckExpressions{
					InProgress: str("inProgress"), Failed: str("failed"), Current: str("current")})
				if err != nil {
					fail(2, "health:", k.GetName(), err)
				}
				checks = append(checks, check{k.GetName(), str("apiVersion"), str("kind"), evaluator})
			}
		}
	}
	for _, u := range decodeAll(os.Stdin) {
		line := []string{u.GetKind() + "/" + u.GetName()}
		result, err := status.Compute(u)
		if err != nil {
			line = append(line, "kstatus=error:"+oneLine(err.Error()))
		} else {
			line = append(line, "kstatus="+result.Status.String())
		}
		for _, c := range checks {
			if c.apiVersion != u.GetAPIVersion() || c.kind != u.GetKind() {
				continue
			}
			r, err := c.evaluator.Evaluate(context.Background(), u)
			if err != nil {
				line = append(line, c.kustomization+"=error:"+oneLine(err.Error()))
			} else {
				line = append(line, c.kustomization+"="+r.Status.String())
			}
		}
		fmt.Println(strings.Join(line, " "))
	}
}

// decodeAll reads every object of a YAML or JSON stream, integers as int64 as the API server's JSON
// reaches Flux (kstatus requires it).
func decodeAll(r io.Reader) []*unstructured.Unstructured {
	decoder := utilyaml.NewYAMLOrJSONDecoder(bufio.NewReader(r), 4096)
	var objects []*unstructured.Unstructured
	for {
		var raw runtime.RawExtension
		if err := decoder.Decode(&raw); err != nil {
			if errors.Is(err, io.EOF) {
				return objects
			}
			fail(2, "health: cannot decode:", err)
		}
		if len(raw.Raw) == 0 || string(raw.Raw) == "null" {
			continue
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(raw.Raw); err != nil {
			fail(2, "health: not an object:", err)
		}
		objects = append(objects, u)
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), "_") }

func fail(code int, args ...interface{}) {
	fmt.Fprintln(os.Stderr, args...)
	os.Exit(code)
}
