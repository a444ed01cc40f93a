package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// codeArg is the position of the code argument of the functions that take
// a message code.
var codeArg = map[string]int{
	"msg.New": 0, "New": 0, // in package msg itself
	"Invalid": 1, "workflows.Invalid": 1,
	"Refuse": 1, "workflows.Refuse": 1,
	"NewReason": 1, "workflows.NewReason": 1,
	"Fail": 1, "workflows.Fail": 1,
	"newError": 1, "fieldError": 1, "queryError": 1,
	"RefuseField": 2, "workflows.RefuseField": 2,
	"NewProblem": 1, "app.NewProblem": 1,
}

// TestCodesAreConstants: the code our packages pass for a message is
// always one of workflows/msg's constants, never a string literal that
// could escape the catalogs; and no non-test file of workflows/ names an
// API route.
func TestCodesAreConstants(t *testing.T) {
	roots := []string{"../../workflows", "../../workers", "../../app", "../../api", "../../web", "../../internal"}
	checked := 0
	for _, root := range roots {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, 0)
			require.NoError(t, err)
			inspectCodes(t, fset, f)
			checked++
			if strings.HasPrefix(path, "../../workflows") {
				ast.Inspect(f, func(n ast.Node) bool {
					if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING && strings.Contains(lit.Value, "/api/v1") {
						t.Errorf("%s: domain text names a route: %s", fset.Position(lit.Pos()), lit.Value)
					}
					return true
				})
			}
			return nil
		})
		require.NoError(t, err)
	}
	require.Greater(t, checked, 100)
}

func inspectCodes(t *testing.T, fset *token.FileSet, f *ast.File) {
	t.Helper()
	isLiteral := func(e ast.Expr) bool {
		lit, ok := e.(*ast.BasicLit)
		return ok && lit.Kind == token.STRING
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.CallExpr:
			name := ""
			switch fn := x.Fun.(type) {
			case *ast.Ident:
				name = fn.Name
			case *ast.SelectorExpr:
				if pkg, ok := fn.X.(*ast.Ident); ok {
					name = pkg.Name + "." + fn.Sel.Name
				}
			}
			if i, ok := codeArg[name]; ok && (name != "New" || f.Name.Name == "msg") && i < len(x.Args) && isLiteral(x.Args[i]) {
				t.Errorf("%s: %s is given the code %s: use a workflows/msg constant", fset.Position(x.Pos()), name, x.Args[i].(*ast.BasicLit).Value)
			}
		case *ast.CompositeLit:
			typ := ""
			switch tt := x.Type.(type) {
			case *ast.Ident:
				typ = tt.Name
			case *ast.SelectorExpr:
				typ = tt.Sel.Name
			}
			if typ != "Message" && typ != "Reason" && typ != "ScoreFactor" {
				return true
			}
			for _, el := range x.Elts {
				kv, ok := el.(*ast.KeyValueExpr)
				if key, isIdent := kv.Key.(*ast.Ident); ok && isIdent && key.Name == "Code" && isLiteral(kv.Value) {
					t.Errorf("%s: a %s with the code %s: use a workflows/msg constant", fset.Position(kv.Pos()), typ, kv.Value.(*ast.BasicLit).Value)
				}
			}
		}
		return true
	})
}
