package procedure

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports keeps the package inside its architectural limits: the
// standard library, rickar/cal and x/text only (no devices, no bbolt, no
// UI), and no logging at all, so personal data cannot leak from here.
func TestImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			first := strings.SplitN(path, "/", 2)[0]
			switch {
			case path == "log" || strings.HasPrefix(path, "log/"):
				t.Errorf("%s imports %s: this package must not log", f, path)
			case !strings.Contains(first, "."):
				// standard library
			case strings.HasPrefix(path, "github.com/rickar/cal/v2"), strings.HasPrefix(path, "golang.org/x/text"):
			default:
				t.Errorf("%s imports %s, outside procedure's allowed dependencies", f, path)
			}
		}
	}
}
