package console

import (
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestHelpDocumentsExitStatuses: scripts read the exit statuses from the
// console's own help (TestExecErrorsAndExitCodes checks them).
func TestHelpDocumentsExitStatuses(t *testing.T) {
	e := newEnv(t, nil)
	out, _, code := e.run(t, "help")
	for _, want := range []string{"0 ok", "1 the operation failed or said no", "2 usage or input error", "75 too many sessions"} {
		if code != exitOK || !strings.Contains(out, want) {
			t.Errorf("help lacks %q:\n%s", want, out)
		}
	}
}

// TestStatusCarriesHealth: status --json says whether the modem, the camera
// and the outbox are fine, and why not, in one object (issue 14.11).
func TestStatusCarriesHealth(t *testing.T) {
	e := newEnv(t, nil)
	out, _, code := e.run(t, "status --json")
	var st struct {
		OK    bool `json:"ok"`
		Modem struct {
			OK        bool   `json:"ok"`
			Operator  string `json:"operator"`
			SignalDBm int    `json:"signal_dbm"`
		} `json:"modem"`
		Camera struct {
			OK     bool   `json:"ok"`
			Device string `json:"device"`
		} `json:"camera"`
		Outbox struct {
			OK    bool           `json:"ok"`
			Jobs  map[string]int `json:"jobs"`
			Error string         `json:"error"`
		} `json:"outbox"`
	}
	if code != exitOK || json.Unmarshal([]byte(out), &st) != nil {
		t.Fatalf("exit %d: %s", code, out)
	}
	if !st.Modem.OK || st.Modem.SignalDBm != -71 || !st.Camera.OK || st.Camera.Device != "sim0" {
		t.Fatalf("devices: %s", out)
	}
	// The fake outbox holds a dead letter: a person must look at it.
	if st.Outbox.OK || st.Outbox.Jobs["dead"] != 1 || !strings.Contains(st.Outbox.Error, "dead letters waiting: 1") || st.OK {
		t.Fatalf("outbox: %s", out)
	}

	e.modem.err = errors.New("modem not available: /dev/ttyUSB2: no such file")
	e.srv.deps.Camera = nil
	out, _, _ = e.run(t, "status")
	for _, want := range []string{"modem NOT OK: modem not available", "camera NOT OK: not available on this kiosk", "outbox NOT OK: dead letters waiting: 1"} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
}

// TestREADMEListsEveryCommand keeps the README's console table true: every
// command the console runs is in it, and every command in it exists.
func TestREADMEListsEveryCommand(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(readme)
	i := strings.Index(doc, "### Technician console over SSH")
	if i < 0 {
		t.Fatal("README has no console section")
	}
	section := doc[i:]
	if j := strings.Index(section[4:], "\n## "); j >= 0 {
		section = section[:j+4]
	}
	e := newEnv(t, nil)
	root := e.srv.commandTree(&sessionState{})
	known := map[string]bool{"help": true}
	var walk func(c *cobra.Command, prefix string)
	walk = func(c *cobra.Command, prefix string) {
		for _, sub := range c.Commands() {
			name := strings.TrimSpace(prefix + " " + sub.Name())
			if sub.HasSubCommands() {
				walk(sub, name)
				continue
			}
			known[name] = true
			if !strings.Contains(section, "`"+name) && !strings.Contains(section, ", `"+sub.Name()) {
				t.Errorf("README's console table lacks %q", name)
			}
		}
	}
	walk(root, "")
	// Each row's first command must exist.
	rowCmd := regexp.MustCompile("(?m)^\\| `([a-z]+(?: [a-z]+)?)")
	for _, m := range rowCmd.FindAllStringSubmatch(section, -1) {
		if !known[m[1]] && !known[strings.Fields(m[1])[0]] {
			t.Errorf("README lists %q, which the console does not have", m[1])
		}
	}
}
