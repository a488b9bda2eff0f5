package mask

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPhone(t *testing.T) {
	for in, want := range map[string]string{
		"+34600000012":       "+34 6•• ••• •12",
		"+34 612 345 678":    "+34 6•• ••• •78",
		"612345678":          "+34 6•• ••• •78",
		"612 34 56 78":       "+34 6•• ••• •78",
		"34612345678":        "+34 6•• ••• •78",
		"0034 612 345 678":   "+34 6•• ••• •78",
		"(+34) 612-34.56.78": "+34 6•• ••• •78",
		"912345678":          "+34 9•• ••• •78",
		"+33612345678":       "+33 6•• ••• •78",
		"+351912345678":      "+351 9•• ••• •78",
		"123":                "•••",
		"12345":              "••• ••",
		"123456789":          "1•• ••• •89",
		"":                   "",
		"no digits":          "",
	} {
		if got := Phone(in); got != want {
			t.Errorf("Phone(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEmail(t *testing.T) {
	for in, want := range map[string]string{
		"juana@example.es":      "j•••@e•••.es",
		" Juana@Example.ES ":    "J•••@e•••.es",
		"juan.perez@gmail.com":  "j•••@g•••.com",
		"Íñigo@correo.gob.es":   "Í•••@c•••.es",
		"x@localhost":           "x•••@l•••",
		"not-an-address":        "n•••",
		"trailing@":             "t•••",
		"@nolocal.es":           "@•••",
		"":                      "",
		"\xffbad@example.es":    "\uFFFD•••@e•••.es",
		"a.very.long.name@x.es": "a•••@x•••.es",
	} {
		if got := Email(in); got != want {
			t.Errorf("Email(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNIF(t *testing.T) {
	for in, want := range map[string]string{
		"12345678Z":    "•••••678Z",
		"12.345.678-z": "•••••678Z",
		"X1234567L":    "•••••567L",
		"x-1234567-l":  "•••••567L",
		"1234":         "••••",
		"":             "••••",
	} {
		if got := NIF(in); got != want {
			t.Errorf("NIF(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCodeAndName(t *testing.T) {
	if got := Code("123 456 789"); got != "•••••••89" {
		t.Errorf("Code = %q", got)
	}
	if got := Code("1234"); got != "••••" {
		t.Errorf("Code(short) = %q", got)
	}
	if got := Name("María José  Pérez"); got != "M. J. P." {
		t.Errorf("Name = %q", got)
	}
}

func TestText(t *testing.T) {
	in := "550 5.1.1 <juana.garcia@example.es>: unknown; call +34 600 123 456 or 912345678, code 1234"
	got := Text(in)
	for _, bad := range []string{"juana", "600 123 456", "912345678"} {
		if strings.Contains(got, bad) {
			t.Fatalf("Text kept %q: %s", bad, got)
		}
	}
	// The datum inside a text reads as it does alone.
	for _, want := range []string{"550 5.1.1", "code 1234", Email("juana.garcia@example.es"), Phone("912345678")} {
		if !strings.Contains(got, want) {
			t.Fatalf("Text(%q) = %q, missing %q", in, got, want)
		}
	}
}

var nineDigits = regexp.MustCompile(`\d{9}`)

// FuzzText: whatever the input, no e-mail address or 9-digit run survives,
// and the output is valid UTF-8 when the input is.
func FuzzText(f *testing.F) {
	for _, s := range []string{"a@b.cd@e.es", "+34600000000", "tel 612345678, x@y.com", "1 2 3 4 5 6 7 8 9", "550 ok"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Text(s)
		if reEmail.MatchString(out) {
			t.Fatalf("Text(%q) = %q keeps an address", s, out)
		}
		if nineDigits.MatchString(out) {
			t.Fatalf("Text(%q) = %q keeps a phone number", s, out)
		}
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("Text(%q) = %q is not UTF-8", s, out)
		}
	})
}

// FuzzPhone: a masked number never shows more than three of its digits.
func FuzzPhone(f *testing.F) {
	for _, s := range []string{"+34600123456", "600123456", "0034600123456", "+1 555 0100 2233", "12"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Phone(s)
		digits := 0
		for _, r := range out {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		cc := 0
		if strings.HasPrefix(out, "+") {
			cc = strings.IndexByte(out, ' ') - 1
			if cc < 0 {
				cc = len(out) - 1
			}
		}
		if digits-cc > 3 {
			t.Fatalf("Phone(%q) = %q shows %d national digits", s, out, digits-cc)
		}
	})
}

// maskerName is what a hand-written masker would be called.
var maskerName = regexp.MustCompile(`(?i)^(mask|redact|obfuscate|anonymi[sz]e)`)

// TestOneMaskerPerDatum keeps this package the only masker: a function
// named like one anywhere else in the module (outside tests) fails, so
// two places cannot drift apart again (issue 14.4 found three phone
// maskers with three outputs).
func TestOneMaskerPerDatum(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	self, _ := filepath.Abs(".")
	fset := token.NewFileSet()
	found := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); n == "testdata" || strings.HasPrefix(n, ".") || n == "shared" {
				return filepath.SkipDir
			}
			if d.Type()&fs.ModeSymlink != 0 {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || filepath.Dir(path) == self {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		found++
		for _, decl := range f.Decls {
			if fd, ok := decl.(*ast.FuncDecl); ok && maskerName.MatchString(fd.Name.Name) {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s: %s looks like a masker of its own; use package mask", rel, fd.Name.Name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 50 {
		t.Fatalf("walked only %d Go files from %s; is the test in the module?", found, root)
	}
}
