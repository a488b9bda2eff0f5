// Package docs holds the architecture document and the test that keeps its
// import rules true.
package docs

import (
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/ventanilla-kiosk/ventanilla"

// rule forbids packages under from (module-relative prefix) to depend,
// directly or not, on anything under one of the forbidden prefixes
// (module-relative, or a full module path for outside code).
type rule struct {
	from   string
	forbid []string
	why    string
}

var charm = []string{"github.com/charmbracelet/", "github.com/muesli/"}

// rules are the "Import rules" of ARCHITECTURE.md.
var rules = []rule{
	{"procedure", append([]string{"devices", "store", "tui", "console", "cmd", "go.etcd.io/bbolt"}, charm...),
		"procedure is the domain: no device, store or UI"},
	{"devices", []string{"tui", "console", "store", "procedure", "cmd"},
		"a driver knows its protocol, not the product"},
	{"store", []string{"devices", "tui", "console", "procedure", "cmd"},
		"the store knows jobs and bytes, not who made them"},
	{"tui", []string{"store", "console", "devices/modem", "devices/mail", "cmd", "go.etcd.io/bbolt"},
		"screens reach the outbox and the modem through tui/kit interfaces"},
	{"console", []string{"store", "tui", "devices", "cmd", "go.etcd.io/bbolt"},
		"the console sees the kiosk through console.Deps"},
	{"", []string{"cmd"}, "nothing imports a command"},
}

// bboltOwner is the only part of the module that may import bbolt.
const bboltOwner = "store"

// shared are leaves every package may import whatever its rule forbids:
// they import only the standard library (checked below). procedure/mask is
// the one masker of personal data, used by the store, the console and the
// domain alike, so a number reads the same everywhere.
var shared = []string{"procedure/mask"}

func isShared(to string) bool {
	for _, s := range shared {
		if to == s {
			return true
		}
	}
	return false
}

// stdlib reports whether an import path is the standard library's.
func stdlib(p string) bool { return !strings.Contains(strings.SplitN(p, "/", 2)[0], ".") }

func under(pkg, prefix string) bool {
	if prefix == "" {
		return true
	}
	return pkg == prefix || strings.HasPrefix(pkg, prefix+"/")
}

// rel turns a module import path into a module-relative one; ok is false for
// packages outside the module.
func rel(pkg string) (string, bool) {
	if pkg == module {
		return "", true
	}
	if strings.HasPrefix(pkg, module+"/") {
		return strings.TrimPrefix(pkg, module+"/"), true
	}
	return pkg, false
}

// violations checks deps (import path → transitive dependencies) against the
// rules and returns one line per broken rule, sorted.
func violations(deps map[string][]string) []string {
	var out []string
	for pkg, ds := range deps {
		from, ok := rel(pkg)
		if !ok {
			continue
		}
		for _, d := range ds {
			to, inModule := rel(d)
			if isShared(from) && !stdlib(d) {
				out = append(out, from+" → "+d+": a shared leaf imports only the standard library")
			}
			if inModule && isShared(to) {
				continue
			}
			for _, r := range rules {
				if !under(from, r.from) || (r.from == "" && under(from, "cmd")) {
					continue
				}
				for _, f := range r.forbid {
					hit := false
					if inModule && !strings.Contains(f, ".") {
						hit = under(to, f)
					} else if !inModule {
						hit = strings.HasPrefix(d, f)
					}
					if hit {
						out = append(out, from+" → "+d+": "+r.why)
					}
				}
			}
			if !inModule && strings.HasPrefix(d, "go.etcd.io/bbolt") && !under(from, bboltOwner) && !under(from, "cmd") {
				out = append(out, from+" → "+d+": only store opens the database")
			}
		}
	}
	sort.Strings(out)
	return out
}

func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}{{range .Deps}} {{.}}{{end}}", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 {
			deps[f[0]] = f[1:]
		}
	}
	if len(deps) < 10 {
		t.Fatalf("go list found %d packages; is the test running inside the module?", len(deps))
	}
	for _, v := range violations(deps) {
		t.Error(v)
	}
}

// TestImportRulesCatch proves the checker sees each kind of breach.
func TestImportRulesCatch(t *testing.T) {
	m := func(p string) string { return module + "/" + p }
	cases := []struct {
		pkg, dep string
	}{
		{m("procedure"), m("devices/modem")},
		{m("procedure"), "go.etcd.io/bbolt"},
		{m("procedure"), "github.com/charmbracelet/lipgloss"},
		{m("devices/camera"), m("tui/kit")},
		{m("devices/modem/emulator"), m("store")},
		{m("tui/home"), m("store")},
		{m("tui/kit"), m("devices/modem")},
		{m("console"), m("tui")},
		{m("store/dispatch"), m("devices/mail")},
		{m("console/metrics"), "go.etcd.io/bbolt"},
		{m("tui"), m("cmd/ventanilla")},
		{m("procedure/mask"), m("procedure")},
		{m("procedure/mask"), "golang.org/x/text/unicode/norm"},
	}
	for _, c := range cases {
		if v := violations(map[string][]string{c.pkg: {c.dep}}); len(v) == 0 {
			t.Errorf("%s → %s not reported", c.pkg, c.dep)
		}
	}
	allowed := []struct{ pkg, dep string }{
		{m("tui/kit"), m("devices/camera")},
		{m("tui/fnmt"), m("procedure")},
		{m("store"), "go.etcd.io/bbolt"},
		{m("cmd/ventanilla"), m("store")},
		{m("devices/camera"), m("devices/camera/sim")},
		{m("store/dispatch"), m("store")},
		{m("store"), m("procedure/mask")},
		{m("console"), m("procedure/mask")},
		{m("procedure/mask"), "strings"},
	}
	for _, c := range allowed {
		if v := violations(map[string][]string{c.pkg: {c.dep}}); len(v) != 0 {
			t.Errorf("%s → %s reported: %v", c.pkg, c.dep, v)
		}
	}
}
