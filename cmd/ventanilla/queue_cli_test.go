package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ventanilla-kiosk/ventanilla/procedure/mask"
)

var idRE = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{26}$`) // a ULID

func queue(t *testing.T, data string, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binPath, append([]string{"queue"}, append(args, "--data", data)...)...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), exitCode(err)
}

// TestQueueContract checks `queue add/list/stats/retry/dead` as outside
// scripts use them (docs/ARCHITECTURE.md).
func TestQueueContract(t *testing.T) {
	data := t.TempDir()
	out, _, code := queue(t, data, "", "add", "--kind", "sms", "--to", "+34600000001", "--text", "hola")
	id := strings.TrimSpace(out)
	if code != 0 || !idRE.MatchString(id) || strings.Count(out, "\n") != 1 {
		t.Fatalf("queue add printed %q (exit %d): want the id alone on one line", out, code)
	}

	out, _, code = queue(t, data, "+34600000002\tprimer mensaje secreto\n# comment\n\n+34600000003\tsegundo mensaje\n", "add", "--stdin")
	ids := strings.Fields(out)
	if code != 0 || len(ids) != 2 || !idRE.MatchString(ids[0]) || !idRE.MatchString(ids[1]) {
		t.Fatalf("--stdin printed %q (exit %d)", out, code)
	}

	for _, bad := range [][]string{
		{"add", "--kind", "fax", "--to", "+34600000000", "--text", "x"},
		{"add", "--kind", "sms", "--to", "hello", "--text", "x"},
		{"add", "--kind", "sms", "--to", "+34600000000", "--text", ""},
		{"retry", "not-an-id"},
	} {
		out, errOut, code := queue(t, data, "", bad...)
		if code != 2 || out != "" || errOut == "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2, nothing on stdout and a message", bad, code, out, errOut)
		}
	}

	out, _, code = queue(t, data, "", "list", "--json")
	if code != 0 {
		t.Fatalf("list: exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("list --json: %d lines, want 3:\n%s", len(lines), out)
	}
	for _, l := range lines {
		var j map[string]any
		if err := json.Unmarshal([]byte(l), &j); err != nil {
			t.Fatalf("list line %q: %v", l, err)
		}
		for _, k := range []string{"id", "kind", "state", "attempts"} {
			if _, ok := j[k]; !ok {
				t.Errorf("list line lacks %q: %s", k, l)
			}
		}
		if j["state"] != "pending" || j["kind"] != "sms" {
			t.Errorf("new job %s", l)
		}
		// The technician sees a masked number, never the whole one.
		if strings.Contains(l, "600000001") || strings.Contains(l, "hola") {
			t.Errorf("personal data in the list: %s", l)
		}
		// …masked as everywhere else (console, audit log, logs).
		if r := j["recipient"]; r != mask.Phone("+34600000001") && r != mask.Phone("+34600000002") && r != mask.Phone("+34600000003") {
			t.Errorf("recipient %q is not masked by package mask", r)
		}
	}

	out, _, code = queue(t, data, "", "stats")
	if code != 0 || !strings.Contains(out, "pending") {
		t.Fatalf("stats: exit %d: %s", code, out)
	}
	if _, _, code = queue(t, data, "", "dead"); code != 0 {
		t.Fatalf("dead: exit %d", code)
	}
	if _, errOut, code := queue(t, data, "", "retry", "01ARZ3NDEKTSV4RRFFQ69G5FAV"); code != 1 || errOut == "" {
		t.Fatalf("retry of an unknown job: exit %d %q, want 1 and a message", code, errOut)
	}

	// Nothing readable in the database file.
	raw, err := os.ReadFile(filepath.Join(data, "ventanilla.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"600000001", "600000002", "primer mensaje secreto", "segundo mensaje"} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("%q is stored in clear", secret)
		}
	}
}
