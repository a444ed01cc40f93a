package api_test

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/campusbiz/campusbiz/api"
	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// TestOpenAPIMatchesRoutes fails when a route is missing from the OpenAPI
// document or the document lists a route the router does not have. Paths
// marked x-served-by: pages (the certificate verify URL) are the pages'
// (package web), served on the same server: the API must not route them
// and the pages must.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	require.NoError(t, yaml.Unmarshal(api.OpenAPIDocument(), &doc))
	documented, byPages := map[string]bool{}, map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" || strings.HasPrefix(method, "x-") {
				continue
			}
			if ops["x-served-by"] == "pages" {
				byPages[strings.ToUpper(method)+" "+path] = true
			} else {
				documented[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	require.NotEmpty(t, byPages, "the verify URL is documented")

	routed := openAPIRoutes(a.e)
	withPages := openAPIRoutes(a.withPages().e)
	for k := range byPages {
		require.False(t, routed[k], "%s is the pages', not the API's", k)
		require.True(t, withPages[k], "%s: documented as served by the pages, which do not route it", k)
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

// openAPIRoutes lists e's routes as the OpenAPI document names them
// ("METHOD /path/{param}").
func openAPIRoutes(e *echo.Echo) map[string]bool {
	param := regexp.MustCompile(`:([a-z_]+)`)
	methodsByPath := map[string][]string{}
	for _, r := range e.Routes() {
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
	return routed
}
