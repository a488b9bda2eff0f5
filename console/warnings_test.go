package console

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestStatusCarriesWarnings: the kiosk's configuration warnings (a
// holiday file that does not cover next year) reach `status` and
// `status --json`, sanitised like every other kiosk string.
func TestStatusCarriesWarnings(t *testing.T) {
	e := newEnv(t, nil)
	e.kiosk.mu.Lock()
	e.kiosk.st.Warnings = []string{"holidays: the office's holiday file has no days for 2027\x1b[2J"}
	e.kiosk.mu.Unlock()

	out, _, code := e.run(t, "status --json")
	var st struct {
		Warnings []string `json:"warnings"`
	}
	if code != exitOK || json.Unmarshal([]byte(out), &st) != nil {
		t.Fatalf("exit %d: %s", code, out)
	}
	if len(st.Warnings) != 1 || !strings.Contains(st.Warnings[0], "no days for 2027") {
		t.Fatalf("warnings in JSON: %s", out)
	}
	out, _, _ = e.run(t, "status")
	if !strings.Contains(out, "warning") || !strings.Contains(out, "no days for 2027") || strings.Contains(out, "\x1b[2J") {
		t.Fatalf("status text lacks the (sanitised) warning:\n%q", out)
	}

	e.kiosk.mu.Lock()
	e.kiosk.st.Warnings = nil
	e.kiosk.mu.Unlock()
	if out, _, _ = e.run(t, "status --json"); strings.Contains(out, `"warnings"`) {
		t.Fatalf("no warnings, yet the field is there: %s", out)
	}
}
