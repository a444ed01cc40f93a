package app_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const module = "github.com/campusbiz/campusbiz"

// moduleImports maps each package of the module (by import path) to the
// packages of the module its non-test files import.
func moduleImports(t *testing.T) map[string][]string {
	t.Helper()
	graph := map[string][]string{}
	root := ".."
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == "testdata" || name == "node_modules" || (strings.HasPrefix(name, ".") && path != root) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		pkg := module
		if rel != "." {
			pkg += "/" + filepath.ToSlash(rel)
		}
		if _, ok := graph[pkg]; !ok {
			graph[pkg] = nil // a package that imports nothing of ours is still one
		}
		for _, imp := range f.Imports {
			p, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				return err
			}
			if strings.HasPrefix(p, module) {
				graph[pkg] = append(graph[pkg], p)
			}
		}
		return nil
	})
	require.NoError(t, err)
	require.Contains(t, graph, module+"/app", "the module was read")
	return graph
}

// deps is every package of the module that pkg imports, directly or not.
func deps(graph map[string][]string, pkg string) map[string]bool {
	seen := map[string]bool{}
	var visit func(string)
	visit = func(p string) {
		for _, d := range graph[p] {
			if !seen[d] {
				seen[d] = true
				visit(d)
			}
		}
	}
	visit(pkg)
	return seen
}

// The layers import only downward: the JSON API and the pages are sibling
// adapters over the application layer and never import each other; the
// application layer knows no adapter and no worker; the workers know no
// use case and no adapter; the domain and the engine know none of them.
func TestLayersImportOnlyDownward(t *testing.T) {
	t.Parallel()
	graph := moduleImports(t)
	forbidden := map[string][]string{
		"api":              {"web", "workers"},
		"web":              {"api", "workers"},
		"app":              {"api", "web", "workers"},
		"workers":          {"app", "api", "web"},
		"workflows":        {"app", "api", "web", "workers"},
		"workflows/engine": {"workflows", "app", "api", "web", "workers"},
		"workflows/msg":    {"workflows", "workflows/engine", "models", "app", "api", "web", "workers"},
		"models":           {"workflows", "workflows/engine", "app", "api", "web", "workers"},
	}
	for pkg, never := range forbidden {
		got := deps(graph, module+"/"+pkg)
		for _, n := range never {
			require.False(t, got[module+"/"+n], "%s must not depend on %s", pkg, n)
		}
	}
	require.True(t, deps(graph, module+"/api")[module+"/app"], "the check sees real dependencies")
}
