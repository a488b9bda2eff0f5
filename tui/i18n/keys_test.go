package i18n_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ventanilla-kiosk/ventanilla/tui/i18n"
)

// moduleRoot is the repository, seen from tui/i18n.
const moduleRoot = "../.."

// keyShape is what a catalogue key looks like: dotted lower-case words. A
// literal ending in a dot is a prefix the code completes at run time
// ("callcentre.lang." + lang).
var keyShape = regexp.MustCompile(`^[a-z][a-z0-9_]*((\.[a-z0-9_]+)+|(\.[a-z0-9_]+)*\.)$`)

// implicitArgs are arguments a helper adds to every key under a prefix:
// steps.SMSText signs every SMS with Sender.
var implicitArgs = map[string][]string{"sms.": {"Sender"}}

// notKeys are literals of key shape, in a catalogue namespace, that are not
// keys, with the reason.
var notKeys = map[string]string{
	"sms.jsonl": "the demo SMS log file (cmd/ventanilla)",
}

// keyFields are struct fields that hold a catalogue key: a literal there
// must be a key even when it does not look like one ("internal").
var keyFields = map[string]bool{"Key": true, "TitleKey": true, "Label": true, "Hint": true, "Confirm": true}

// codeKey is one catalogue key (or key prefix) found in the code.
type codeKey struct {
	key  string
	pos  token.Position
	args []string // argument names given with it, when they are literal; nil if unknown
}

// scan collects every string literal of key shape in the module's non-test
// Go files (the UI, procedure, cmd, console), every constant holding one
// (so procedure.KeyEmailNoAt counts where it is used), and the argument
// names passed with a key where the call or literal makes them visible:
// T("key", "Name", v), problem(field, KeyX, map[string]any{"Got": n}),
// Message{Key: KeyX, Args: map[string]any{…}}.
func scan(t *testing.T, root string, namespaces map[string]bool) []codeKey {
	t.Helper()
	fset := token.NewFileSet()
	var files []*ast.File
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "testdata", "bin", "var", "vendor":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, p, src, 0)
		if err != nil {
			return err
		}
		files = append(files, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Constants first: name → value, for every string constant of key
	// shape. A name declared twice with different values is dropped
	// (ambiguous), which only loses argument checks, not existence checks:
	// the literal itself is collected below.
	consts := map[string]string{}
	ambiguous := map[string]bool{}
	for _, f := range files {
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if i >= len(vs.Values) {
						continue
					}
					if s, ok := stringLit(vs.Values[i]); ok && keyShape.MatchString(s) {
						if old, dup := consts[name.Name]; dup && old != s {
							ambiguous[name.Name] = true
						}
						consts[name.Name] = s
					}
				}
			}
		}
	}
	keyOf := func(e ast.Expr) (string, bool) {
		if s, ok := stringLit(e); ok {
			return s, true
		}
		var name string
		switch x := e.(type) {
		case *ast.Ident:
			name = x.Name
		case *ast.SelectorExpr:
			name = x.Sel.Name
		default:
			return "", false
		}
		if ambiguous[name] {
			return "", false
		}
		s, ok := consts[name]
		return s, ok
	}

	var out []codeKey
	isNamespaced := func(s string) bool {
		return keyShape.MatchString(s) && namespaces[s[:strings.IndexByte(s, '.')]] && notKeys[s] == ""
	}
	for _, f := range files {
		// A constant named Key… in the packages that hold visitor text is a
		// key whatever its namespace (elsewhere, store's KeyFile is a file).
		file := filepath.ToSlash(fset.Position(f.Package).Filename)
		textPkg := strings.Contains(file, "/procedure/") || strings.Contains(file, "/tui/") || !strings.Contains(file, "/")
		for _, decl := range f.Decls {
			if !textPkg {
				break
			}
			if gd, ok := decl.(*ast.GenDecl); ok && gd.Tok == token.CONST {
				for _, spec := range gd.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, name := range vs.Names {
						if i < len(vs.Values) && strings.HasPrefix(name.Name, "Key") {
							if s, ok := stringLit(vs.Values[i]); ok && keyShape.MatchString(s) && !isNamespaced(s) {
								out = append(out, codeKey{key: s, pos: fset.Position(vs.Values[i].Pos())})
							}
						}
					}
				}
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.BasicLit:
				if s, ok := stringLit(x); ok && isNamespaced(s) {
					out = append(out, codeKey{key: s, pos: fset.Position(x.Pos())})
				}
			case *ast.KeyValueExpr:
				// Key: "internal" in a composite literal is a key even
				// though it has no namespace.
				if id, ok := x.Key.(*ast.Ident); ok && keyFields[id.Name] {
					if s, ok := stringLit(x.Value); ok && s != "" && !isNamespaced(s) {
						out = append(out, codeKey{key: s, pos: fset.Position(x.Value.Pos())})
					}
				}
			case *ast.CallExpr:
				fn := ""
				switch f := x.Fun.(type) {
				case *ast.SelectorExpr:
					fn = f.Sel.Name
				case *ast.Ident:
					fn = f.Name
				}
				switch {
				case fn == "T" && len(x.Args) > 0:
					if k, ok := keyOf(x.Args[0]); ok && keyShape.MatchString(k) && !x.Ellipsis.IsValid() {
						out = append(out, codeKey{key: k, pos: fset.Position(x.Pos()), args: pairNames(x.Args[1:])})
					}
				case fn == "problem" && len(x.Args) == 3:
					if k, ok := keyOf(x.Args[1]); ok {
						out = append(out, codeKey{key: k, pos: fset.Position(x.Pos()), args: mapNames(x.Args[2])})
					}
				}
			case *ast.CompositeLit:
				var k string
				var args []string
				hasKey, hasArgs := false, false
				for _, el := range x.Elts {
					kv, ok := el.(*ast.KeyValueExpr)
					if !ok {
						continue
					}
					id, ok := kv.Key.(*ast.Ident)
					if !ok {
						continue
					}
					switch id.Name {
					case "Key":
						k, hasKey = keyOf(kv.Value)
					case "Args":
						args, hasArgs = mapNames(kv.Value), true
					}
				}
				if hasKey && isNamespaced(k) {
					// A Problem literal without Args is a sentinel for
					// errors.Is, never shown; other literals without Args
					// pass no arguments.
					if !hasArgs && !isType(x.Type, "Problem") {
						args = []string{}
					}
					out = append(out, codeKey{key: k, pos: fset.Position(x.Pos()), args: args})
				}
			}
			return true
		})
	}
	return out
}

func isType(e ast.Expr, name string) bool {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name == name
	case *ast.SelectorExpr:
		return x.Sel.Name == name
	}
	return false
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// pairNames returns the names of name/value argument pairs, nil when any
// name is not a literal (then nothing can be said).
func pairNames(args []ast.Expr) []string {
	names := []string{}
	for i := 0; i < len(args); i += 2 {
		s, ok := stringLit(args[i])
		if !ok {
			return nil
		}
		names = append(names, s)
	}
	return names
}

// mapNames returns the keys of a map[string]any{…} literal; an empty list
// for nil; nil when unknown.
func mapNames(e ast.Expr) []string {
	if id, ok := e.(*ast.Ident); ok && id.Name == "nil" {
		return []string{}
	}
	cl, ok := e.(*ast.CompositeLit)
	if !ok {
		return nil
	}
	names := []string{}
	for _, el := range cl.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			return nil
		}
		s, ok := stringLit(kv.Key)
		if !ok {
			return nil
		}
		// "WeekdayKey" is translated and passed as "Weekday"
		// (steps.MessageText).
		names = append(names, strings.TrimSuffix(s, "Key"))
	}
	return names
}

var placeholderRE = regexp.MustCompile(`\{\{[^}]*?\.([A-Za-z0-9_]+)[^}]*\}\}`)

func placeholders(s string) []string {
	set := map[string]bool{}
	for _, m := range placeholderRE.FindAllStringSubmatch(s, -1) {
		set[m[1]] = true
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestEveryKeyInCodeIsInEveryCatalogue finds every catalogue key the code
// can produce (literals and constants in tui, procedure, cmd; prefixes the
// code completes are checked by TestDynamicKeys) and checks each is in all
// six catalogues with the Spanish text's placeholders, and that the
// arguments the code passes cover those placeholders. A key that is only a
// group of others ("callcentre.before", a step ID) is not a message and is
// accepted.
func TestEveryKeyInCodeIsInEveryCatalogue(t *testing.T) {
	c := i18n.MustDefault()
	found := scan(t, moduleRoot, namespacesOf(c))
	if len(found) < 100 {
		t.Fatalf("found only %d keys in the code: the scan is broken", len(found))
	}
	for _, p := range keyProblems(c, found) {
		t.Error(p)
	}
}

func namespacesOf(c *i18n.Catalog) map[string]bool {
	ns := map[string]bool{}
	for k := range c.Keys(i18n.Source) {
		ns[k[:strings.IndexByte(k, '.')]] = true
	}
	return ns
}

// keyProblems checks what scan found against the catalogues.
func keyProblems(c *i18n.Catalog, found []codeKey) []string {
	var out []string
	src := c.Keys(i18n.Source)
	groups := map[string]bool{}
	for k := range src {
		parts := strings.Split(k, ".")
		for i := 1; i < len(parts); i++ {
			groups[strings.Join(parts[:i], ".")] = true
		}
	}
	seen := map[string]bool{}
	for _, ck := range found {
		k := ck.key
		if strings.HasSuffix(k, ".") {
			if !groups[strings.TrimSuffix(k, ".")] {
				out = append(out, fmt.Sprintf("%s: the code builds keys from %q, and no key starts so", ck.pos, k))
			}
			continue
		}
		es, ok := src[k]
		if !ok {
			if !groups[k] {
				out = append(out, fmt.Sprintf("%s: %q is a key in the code but not in the Spanish catalogue", ck.pos, k))
			}
			continue
		}
		want := placeholders(es)
		if ck.args != nil {
			have := map[string]bool{}
			for _, a := range ck.args {
				have[a] = true
			}
			for prefix, implicit := range implicitArgs {
				if strings.HasPrefix(k, prefix) {
					for _, a := range implicit {
						have[a] = true
					}
				}
			}
			for _, p := range want {
				if !have[p] {
					out = append(out, fmt.Sprintf("%s: %s needs {{.%s}} and the code passes %v", ck.pos, k, p, ck.args))
				}
			}
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		for _, l := range i18n.All[1:] {
			text, ok := c.Keys(l)[k]
			if !ok {
				out = append(out, fmt.Sprintf("%s: %s is missing in %s", ck.pos, k, l))
				continue
			}
			if a, b := strings.Join(want, ","), strings.Join(placeholders(text), ","); a != b {
				out = append(out, fmt.Sprintf("%s: %s in %s has placeholders [%s], Spanish [%s]", ck.pos, k, l, b, a))
			}
		}
	}
	return out
}

// TestNoDeadKeys: every Spanish key is produced somewhere in the code, as
// a literal, a constant or under a prefix the code completes. A dead key
// is text nobody maintains against the screens.
func TestNoDeadKeys(t *testing.T) {
	c := i18n.MustDefault()
	namespaces := map[string]bool{}
	for k := range c.Keys(i18n.Source) {
		namespaces[k[:strings.IndexByte(k, '.')]] = true
	}
	used := map[string]bool{}
	var prefixes []string
	for _, ck := range scan(t, moduleRoot, namespaces) {
		if strings.HasSuffix(ck.key, ".") {
			prefixes = append(prefixes, ck.key)
		} else {
			used[ck.key] = true
		}
	}
	var dead []string
outer:
	for k := range c.Keys(i18n.Source) {
		if used[k] {
			continue
		}
		for _, p := range prefixes {
			if strings.HasPrefix(k, p) && !strings.Contains(k[len(p):], ".") {
				continue outer
			}
		}
		dead = append(dead, k)
	}
	sort.Strings(dead)
	for _, k := range dead {
		t.Errorf("catalogue key %s is never produced by the code", k)
	}
}

// TestKeyCheckCanFail runs the scan and the check on a small module with
// each mistake the check exists for: a key missing from Spanish, a key
// missing in one language, a placeholder the code does not pass, a
// placeholder that differs between languages, a raw Key: "internal", a
// prefix nothing starts with, and a key held in a constant.
func TestKeyCheckCanFail(t *testing.T) {
	dir := t.TempDir()
	const src = `package x
const KeyNoAt = "validation.email.no_at"
const KeyStep = "shell.step"
const KeySlot = "slot.morning"
func f() {
	t.T("home.title")
	t.T("home.typo")
	t.T("shell.step", "N", 1)
	_ = problem("email", KeyNoAt, nil)
	_ = Message{Key: "internal"}
	_ = Message{Key: KeyStep, Args: map[string]any{"N": 1, "Total": 2}}
	_ = "callcentre.lang." + l
	_ = "callcentre.nothing." + l
}`
	if err := os.MkdirAll(filepath.Join(dir, "procedure"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "procedure", "x.go"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{
		"catalog/x.es.toml": {Data: []byte("[home]\ntitle = \"Hola\"\n[shell]\nstep = \"Paso {{.N}} de {{.Total}}\"\n[validation.email]\nno_at = \"Falta @\"\n[callcentre.lang]\nes = \"español\"\n")},
		"catalog/x.en.toml": {Data: []byte("[home]\ntitle = \"Hi\"\n[shell]\nstep = \"Step {{.N}}\"\n[callcentre.lang]\nes = \"Spanish\"\n")},
	}
	c, err := i18n.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	found := scan(t, dir, namespacesOf(c))
	got := strings.Join(keyProblems(c, found), "\n")
	for _, want := range []string{
		`"home.typo" is a key in the code but not in the Spanish catalogue`,
		`shell.step needs {{.Total}} and the code passes [N]`,
		`validation.email.no_at is missing in en`,
		`shell.step in en has placeholders [N], Spanish [N,Total]`,
		`"internal" is a key in the code but not in the Spanish catalogue`,
		`builds keys from "callcentre.nothing."`,
		`home.title is missing in ca`,
		`"slot.morning" is a key in the code but not in the Spanish catalogue`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the check missed %q; it said:\n%s", want, got)
		}
	}
	if strings.Contains(got, "callcentre.lang.\"") {
		t.Errorf("a prefix with keys was reported:\n%s", got)
	}
}
