package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ventanilla-kiosk/ventanilla/store"
)

// TestQueueAddRefusesHostileAttachments (issue 16.6): a device, a FIFO, a
// directory or an oversized file is refused with exit 2 and a clear
// message before anything is read into memory, and nothing is queued.
func TestQueueAddRefusesHostileAttachments(t *testing.T) {
	data := t.TempDir()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.jpg")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(maxAttachmentBytes + 1); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()
	half := filepath.Join(dir, "half.jpg") // two of these exceed the per-message total
	f, _ = os.Create(half)
	_ = f.Truncate(maxAttachmentsTotal/2 + 1)
	f.Close()
	for _, tc := range []struct {
		attach []string
		want   string
	}{
		{[]string{"/dev/zero"}, "not a regular file"},
		{[]string{fifo}, "not a regular file"},
		{[]string{dir}, "not a regular file"},
		{[]string{big}, "more than"},
		{[]string{half, half}, "more than"},
		{[]string{filepath.Join(dir, "missing.pdf")}, "no such file"},
	} {
		args := []string{"add", "--kind", "email", "--to", "cita@example.es", "--text", "x"}
		for _, a := range tc.attach {
			args = append(args, "--attach", a)
		}
		start := time.Now()
		out, errOut, code := queue(t, data, "", args...)
		if code != 2 || !strings.Contains(errOut, tc.want) || strings.Contains(errOut, "goroutine") || out != "" {
			t.Errorf("attach %v: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.attach, code, out, errOut, tc.want)
		}
		if took := time.Since(start); took > 20*time.Second {
			t.Errorf("attach %v took %v", tc.attach, took)
		}
	}
	// A real document still goes.
	doc := filepath.Join(dir, "solicitud.pdf")
	if err := os.WriteFile(doc, []byte("%PDF-1.4 x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := queue(t, data, "", "add", "--kind", "email", "--to", "cita@example.es", "--text", "x", "--attach", doc); code != 0 || !idRE.MatchString(strings.TrimSpace(out)) {
		t.Fatalf("a small PDF: exit %d %q %q", code, out, errOut)
	}
	if out, _, _ := queue(t, data, "", "list", "--json"); strings.Count(out, "\n") != 1 {
		t.Fatalf("queue holds something from a refused add:\n%s", out)
	}
}

// TestQueueAddSMSValidation (issue 16.7): `queue add` checks an SMS as
// `sms send` does: a mobile number as the screens read it (or an
// international one) and a text of at most maxSMSParts parts.
func TestQueueAddSMSValidation(t *testing.T) {
	data := t.TempDir()
	for _, tc := range []struct {
		to, text, want string
	}{
		{"12345678901234567890", "hola", "not a mobile number"},
		{"000000", "hola", "not a mobile number"},
		{"+34 912 345 678", "hola", "not a mobile number"},     // a landline: no SMS reaches it
		{"+34600000001", strings.Repeat("ñ", 60_000), "parts"}, // (an argument is at most 128 KiB)
		{"+34600000001", strings.Repeat("a", 153*maxSMSParts+1), "parts"},
	} {
		out, errOut, code := queue(t, data, "", "add", "--kind", "sms", "--to", tc.to, "--text", tc.text)
		if code != 2 || !strings.Contains(errOut, tc.want) || out != "" {
			t.Errorf("--to %q, %d characters: exit %d, stderr %.200q; want exit 2 and %q", tc.to, len([]rune(tc.text)), code, errOut, tc.want)
		}
		// sms send shares the check: nothing is even opened.
		sout, serr := runBin(t, "sms", "send", "--port", "/dev/null", "--to", tc.to, "--text", tc.text)
		if code := exitCode(serr); code != 2 || !strings.Contains(sout, tc.want) {
			t.Errorf("sms send --to %q: exit %d, %.200q", tc.to, code, sout)
		}
	}
	// --stdin lines are checked the same way; the lines before stay.
	out, errOut, code := queue(t, data, "600 000 001\tbien\n000000\tmal\n", "add", "--stdin")
	if code != 2 || strings.Count(out, "\n") != 1 || !strings.Contains(errOut, "line 2") {
		t.Fatalf("--stdin: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	// What is accepted is stored in E.164: a national number and a foreign one.
	for _, to := range []string{"600 00 00 02", "+33 6 12 34 56 78"} {
		if _, errOut, code := queue(t, data, "", "add", "--kind", "sms", "--to", to, "--text", strings.Repeat("a", 153*maxSMSParts)); code != 0 {
			t.Fatalf("--to %q: exit %d %s", to, code, errOut)
		}
	}
	out, _, _ = queue(t, data, "", "list")
	for _, want := range []string{"+34 6•• ••• •01", "+34 6•• ••• •02", "+33 6•• ••• •78"} {
		if !strings.Contains(out, want) {
			t.Errorf("queue list lacks %q:\n%s", want, out)
		}
	}
}

func runBin(t *testing.T, args ...string) (string, error) {
	t.Helper()
	b, err := exec.Command(binPath, args...).CombinedOutput()
	return string(b), err
}

// TestQueueOutputSanitized (issue 16.7): a purpose or an error text with
// terminal escapes (clear screen, set title, C1 CSI, bidi override) is
// printed inert by queue list, queue dead and queue audit, as text and as
// JSON.
func TestQueueOutputSanitized(t *testing.T) {
	data := t.TempDir()
	evil := "x\x1b[2J\x1b]0;pwned\x07\u009b2J\u202eevil"
	if _, errOut, code := queue(t, data, "", "add", "--kind", "sms", "--to", "+34600000001", "--text", "hola", "--purpose", evil); code != 0 {
		t.Fatalf("add: %d %s", code, errOut)
	}
	for _, args := range [][]string{{"list"}, {"list", "--json"}, {"audit"}, {"audit", "--json"}} {
		out, errOut, code := queue(t, data, "", args...)
		if code != 0 {
			t.Fatalf("%v: exit %d %s", args, code, errOut)
		}
		// (The table has no purpose column: TestWriteJobsSanitized
		// checks it with an error text.)
		if tableOnly := len(args) == 1 && args[0] == "list"; !tableOnly && !strings.Contains(out, "evil") {
			t.Fatalf("%v: the purpose is not shown at all:\n%q", args, out)
		}
		for _, bad := range []string{"\x1b", "\x07", "\u009b", "\u202e"} {
			if strings.Contains(out, bad) {
				t.Errorf("%v prints %q raw:\n%q", args, bad, out)
			}
		}
	}
}

// TestWriteJobsSanitized: the table shows error texts, which come from
// relays and modems; an escape sequence in one is printed inert.
func TestWriteJobsSanitized(t *testing.T) {
	j := store.Job{ID: "01M93P7MTK6RABX390346194E9", Kind: store.KindEmail, State: store.StateRetry, Attempts: 1, MaxAttempts: 8,
		Recipient: "c•••@e•••.es", LastError: "451 \x1b[2J\x1b]0;pwned\x07\u009b2J\u202eevil"}
	for _, asJSON := range []bool{false, true} {
		var b strings.Builder
		if err := writeJobs(&b, []store.Job{j}, asJSON); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "evil") {
			t.Fatalf("json=%v: error text not shown: %q", asJSON, b.String())
		}
		for _, bad := range []string{"\x1b", "\x07", "\u009b", "\u202e"} {
			if strings.Contains(b.String(), bad) {
				t.Errorf("json=%v prints %q raw: %q", asJSON, bad, b.String())
			}
		}
	}
}
