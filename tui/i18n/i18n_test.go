package i18n

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
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

// TestLazyLanguages: loading parses Spanish only; a language is parsed on
// its first lookup, and only that one.
func TestLazyLanguages(t *testing.T) {
	c, err := load(catalogFS)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range All {
		if got, want := c.Loaded(l), l == Source; got != want {
			t.Errorf("%s loaded=%v after load, want %v", l, got, want)
		}
	}
	if got := c.Text(CA, "shell.step", "N", 1, "Total", 4); got != "Pas 1 de 4" {
		t.Errorf("Catalan shell.step = %q", got)
	}
	for _, l := range All {
		if got, want := c.Loaded(l), l == Source || l == CA; got != want {
			t.Errorf("%s loaded=%v after a Catalan lookup, want %v", l, got, want)
		}
	}
}

// TestLazyLanguagesConcurrent: lookups in every language from many
// goroutines at once, on a catalogue nobody has used yet, all get their
// text (run with -race: each language is parsed once, safely).
func TestLazyLanguagesConcurrent(t *testing.T) {
	c, err := load(catalogFS)
	if err != nil {
		t.Fatal(err)
	}
	want := map[Lang]string{}
	for _, l := range All {
		want[l] = MustDefault().Text(l, "home.title")
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := 0; g < 12; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < len(All); i++ {
				l := All[(g+i)%len(All)]
				if got := c.Text(l, "home.title"); got != want[l] {
					errs <- fmt.Sprintf("%s: %q, want %q", l, got, want[l])
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// BenchmarkCatalogStartup is what the kiosk pays before the home screen:
// the catalogue loaded and a first Spanish lookup (Spanish only: the other
// languages wait for a visitor).
func BenchmarkCatalogStartup(b *testing.B) {
	for i := 0; i < b.N; i++ {
		c, err := load(catalogFS)
		if err != nil {
			b.Fatal(err)
		}
		_ = c.Text(ES, "home.title")
	}
}

// BenchmarkCatalogAllLanguages parses the six languages: what start-up
// paid before the lazy loading (Spanish at once, five in a background
// goroutine), and what MustDefault does for tests.
func BenchmarkCatalogAllLanguages(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := Load(catalogFS); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCatalogFirstUse is the pause a visitor's first switch to a
// language costs (Catalan, once per process).
func BenchmarkCatalogFirstUse(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		c, err := load(catalogFS)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		_ = c.Text(CA, "home.title")
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
