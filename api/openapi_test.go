package api_test

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/campusbiz/campusbiz/api"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// TestOpenAPIMatchesRoutes fails when a route is missing from the OpenAPI
// document or the document lists a route the router does not have.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	require.NoError(t, yaml.Unmarshal(api.OpenAPIDocument(), &doc))
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}

	param := regexp.MustCompile(`:([a-z_]+)`)
	methodsByPath := map[string][]string{}
	for _, r := range a.e.Routes() {
		if r.Method == "echo_route_not_found" {
			continue
		}
		path := param.ReplaceAllString(r.Path, "{$1}")
		path = strings.Replace(path, "/*", "/{path}", 1)
		methodsByPath[path] = append(methodsByPath[path], r.Method)
	}
	routed := map[string]bool{}
	for path, methods := range methodsByPath {
		if len(methods) > 5 { // registered with Any (Asynqmon): documented as GET
			methods = []string{http.MethodGet}
		}
		for _, m := range methods {
			routed[m+" "+path] = true
		}
	}
	var missing, stale []string
	for k := range routed {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !routed[k] {
			stale = append(stale, k)
		}
	}
	slices.Sort(missing)
	slices.Sort(stale)
	require.Empty(t, missing, "routes missing from api/openapi.yaml")
	require.Empty(t, stale, "api/openapi.yaml lists routes the router does not have")
	r := a.do(http.MethodGet, "/api/v1/openapi.yaml", "", nil)
	require.Equal(t, http.StatusOK, r.Status)
	require.Contains(t, string(r.Body), "openapi: 3.")
}
