package i18n

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

var placeholderRE = regexp.MustCompile(`\{\{\s*\.([A-Za-z0-9_]+)\s*\}\}|\{\{[^}]*\.([A-Za-z0-9_]+)[^}]*\}\}`)

func placeholders(s string) []string {
	set := map[string]bool{}
	for _, m := range placeholderRE.FindAllStringSubmatch(s, -1) {
		name := m[1]
		if name == "" {
			name = m[2]
		}
		set[name] = true
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestCatalogsComplete fails when any language misses a key of the Spanish
// source, has a key Spanish lacks, leaves a text empty, or uses other
// placeholders than the Spanish text.
func TestCatalogsComplete(t *testing.T) {
	c := MustDefault()
	src := c.Keys(Source)
	if len(src) == 0 {
		t.Fatal("the Spanish catalogue is empty")
	}
	for _, l := range All {
		keys := c.Keys(l)
		for k, es := range src {
			got, ok := keys[k]
			if !ok {
				t.Errorf("%s: missing key %q (es: %q)", l, k, es)
				continue
			}
			if strings.TrimSpace(got) == "" {
				t.Errorf("%s: key %q is empty", l, k)
			}
			if a, b := placeholders(es), placeholders(got); strings.Join(a, ",") != strings.Join(b, ",") {
				t.Errorf("%s: key %q placeholders %v, Spanish has %v", l, k, b, a)
			}
		}
		for k := range keys {
			if _, ok := src[k]; !ok {
				t.Errorf("%s: key %q is not in the Spanish source catalogue", l, k)
			}
		}
	}
}

// TestCompletenessCheckCanFail proves the check above is not vacuous: a
// catalogue with a missing key and a placeholder mismatch is caught.
func TestCompletenessCheckCanFail(t *testing.T) {
	fsys := fstest.MapFS{
		"catalog/x.es.toml": {Data: []byte("[x]\na = \"Paso {{.N}}\"\nb = \"hola\"\n")},
		"catalog/x.en.toml": {Data: []byte("[x]\na = \"Step {{.Count}}\"\n")},
	}
	c, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Keys(EN)["x.b"]; ok {
		t.Fatal("x.b should be missing in English")
	}
	if a, b := placeholders(c.Keys(ES)["x.a"]), placeholders(c.Keys(EN)["x.a"]); strings.Join(a, ",") == strings.Join(b, ",") {
		t.Fatalf("placeholders %v and %v should differ", a, b)
	}
	if got := c.Text(EN, "x.b"); got != "hola" {
		t.Fatalf("missing English key should fall back to Spanish, got %q", got)
	}
	if got := c.Text(ES, "x.none"); got != "⟦x.none⟧" {
		t.Fatalf("unknown key renders %q", got)
	}
}

func TestTextFillsPlaceholders(t *testing.T) {
	c := MustDefault()
	got := c.Text(ES, "shell.step", "N", 2, "Total", 4)
	if got != "Paso 2 de 4" {
		t.Fatalf("shell.step = %q, want %q", got, "Paso 2 de 4")
	}
	if got := c.Text(EN, "shell.step", "N", 2, "Total", 4); got != "Step 2 of 4" {
		t.Fatalf("English shell.step = %q", got)
	}
}

// BenchmarkLoadCatalog is the start-up cost of parsing every catalogue.
func BenchmarkLoadCatalog(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := Load(catalogFS); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCountOfOne guards against go-i18n's plural lookup: a "Count" of 1
// must render the sentence, not ⟦key⟧.
func TestCountOfOne(t *testing.T) {
	c := MustDefault()
	for _, l := range All {
		for _, n := range []int{0, 1, 2, 29} {
			if got := c.Text(l, "shell.idle_body", "Count", n); strings.Contains(got, "⟦") || !strings.Contains(got, strconv.Itoa(n)) {
				t.Errorf("%s Count=%d: %q", l, n, got)
			}
		}
	}
}
