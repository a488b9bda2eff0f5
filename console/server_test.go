package console

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/ventanilla-kiosk/ventanilla/procedure/mask"
)

func TestAuthorizedKeyWorks(t *testing.T) {
	e := newEnv(t, nil)
	out, errOut, code := e.run(t, "status")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if !strings.Contains(out, "mad-012") || !strings.Contains(out, "fnmt/2-request") {
		t.Fatalf("status output:\n%s", out)
	}
	logins := e.audit.events("ssh.login")
	if len(logins) != 1 || logins[0].fields["fingerprint"] != gossh.FingerprintSHA256(e.signer.PublicKey()) ||
		logins[0].fields["key"] != "alice@laptop" || logins[0].fields["mode"] != "exec" {
		t.Fatalf("login audit = %+v", logins)
	}
	cmds := e.audit.events("ssh.command")
	if len(cmds) != 1 || cmds[0].fields["command"] != "status" {
		t.Fatalf("command audit = %+v", cmds)
	}
}

func TestHostKeyCreatedPrivately(t *testing.T) {
	e := newEnv(t, nil)
	fi, err := os.Stat(filepath.Join(e.dir, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Fatalf("host key dir mode %v, want 0700", fi.Mode().Perm())
	}
	kfi, err := os.Stat(filepath.Join(e.dir, "keys", "ssh_host_ed25519"))
	if err != nil {
		t.Fatal(err)
	}
	if kfi.Mode().Perm()&0o077 != 0 {
		t.Fatalf("host key mode %v readable by others", kfi.Mode().Perm())
	}
	// A restart keeps the same key.
	before, _ := os.ReadFile(filepath.Join(e.dir, "keys", "ssh_host_ed25519"))
	if err := ensureHostKey(filepath.Join(e.dir, "keys", "ssh_host_ed25519"), slog.Default()); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(filepath.Join(e.dir, "keys", "ssh_host_ed25519"))
	if string(before) != string(after) {
		t.Fatal("host key regenerated")
	}
}

func TestUnknownKeyRefused(t *testing.T) {
	e := newEnv(t, nil)
	stranger := newSigner(t)
	_, err := e.dial(t, gossh.PublicKeys(stranger))
	if err == nil {
		t.Fatal("unknown key accepted")
	}
	// The failure is audited once the connection is gone, with the key.
	deadline := time.Now().Add(2 * time.Second)
	for len(e.audit.events("ssh.auth_failed")) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	rej := e.audit.events("ssh.auth_failed")
	if len(rej) != 1 || !strings.Contains(rej[0].fields["attempts"], gossh.FingerprintSHA256(stranger.PublicKey())) {
		t.Fatalf("auth failure audit = %+v", rej)
	}
	if len(e.audit.events("ssh.login")) != 0 {
		t.Fatal("login audited for a refused key")
	}
	var buf strings.Builder
	if err := e.met.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `ventanilla_ssh_logins_total{result="rejected"} 1`) {
		t.Fatal("refused connection not counted in ventanilla_ssh_logins_total")
	}
}

func TestPasswordAndKeyboardInteractiveRefused(t *testing.T) {
	e := newEnv(t, nil)
	_, err := e.dial(t, gossh.Password("hunter2"))
	if err == nil {
		t.Fatal("password accepted")
	}
	ki := gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) { return []string{"x"}, nil })
	if _, err := e.dial(t, ki); err == nil {
		t.Fatal("keyboard-interactive accepted")
	}
}

func TestNoAuthorizedKeysFileRefusesEveryone(t *testing.T) {
	e := newEnv(t, nil)
	if err := os.Remove(filepath.Join(e.dir, "authorized_keys")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.dial(t); err == nil {
		t.Fatal("accepted with no authorized_keys file")
	}
}

func TestAuthorizedKeysReload(t *testing.T) {
	e := newEnv(t, nil)
	bob := newSigner(t)
	if _, err := e.dial(t, gossh.PublicKeys(bob)); err == nil {
		t.Fatal("bob accepted before being added")
	}
	// Add bob with a bad line before him: the bad line is skipped, bob works.
	path := filepath.Join(e.dir, "authorized_keys")
	content := authorizedLine(e.signer, "alice") + "ssh-ed25519 not-base64!! broken\n" + authorizedLine(bob, "bob")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := e.dial(t, gossh.PublicKeys(bob))
	if err != nil {
		t.Fatalf("bob refused after being added: %v", err)
	}
	c.Close()
	n, bad, err := e.srv.ReloadAuthorizedKeys()
	if err != nil || n != 2 || len(bad) != 1 || !strings.Contains(bad[0], "line 2") {
		t.Fatalf("reload = %d, %v, %v", n, bad, err)
	}
	// Remove alice: she is refused at once.
	if err := os.WriteFile(path, []byte(authorizedLine(bob, "bob")), 0o600); err != nil {
		t.Fatal(err)
	}
	// Same size and mtime granularity must not hide the change: touch to be sure.
	future := time.Now().Add(2 * time.Second)
	_ = os.Chtimes(path, future, future)
	if _, err := e.dial(t); err == nil {
		t.Fatal("alice accepted after removal")
	}
}

func TestParseAuthorizedKeys(t *testing.T) {
	a, b := newSigner(t), newSigner(t)
	data := "# comment\n\n" + authorizedLine(a, "a") +
		"garbage line\n" +
		`cert-authority ` + authorizedLine(b, "ca") +
		`from="10.0.0.1" ` + authorizedLine(b, "b\x1b[31m")
	keys, bad := parseAuthorizedKeys([]byte(data), time.UTC)
	if len(keys) != 2 {
		t.Fatalf("keys = %v", keys)
	}
	if len(bad) != 2 || bad[0].Line != 4 || bad[1].Line != 5 {
		t.Fatalf("bad = %+v", bad)
	}
	es := keys[gossh.FingerprintSHA256(b.PublicKey())]
	if len(es) != 1 || es[0].comment != "b[31m" || es[0].line != 6 {
		t.Fatalf("comment not sanitized or wrong line: %+v", es)
	}
}

func TestExecJSON(t *testing.T) {
	e := newEnv(t, nil)
	out, errOut, code := e.run(t, "status --json")
	if code != 0 {
		t.Fatalf("status --json exit %d: %s", code, errOut)
	}
	var st statusJSON
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status --json not JSON: %v\n%s", err, out)
	}
	if st.KioskID != "mad-012" || st.UptimeSeconds < 3500 || st.Step != "fnmt/2-request" {
		t.Fatalf("status = %+v", st)
	}
	if strings.ContainsRune(out, 0x1b) {
		t.Fatalf("raw ESC in JSON output: %q", out)
	}

	out, _, code = e.run(t, "queue list --json")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 {
		t.Fatalf("queue list --json exit %d, %d lines:\n%s", code, len(lines), out)
	}
	for _, l := range lines {
		var j map[string]any
		if err := json.Unmarshal([]byte(l), &j); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		for _, k := range []string{"id", "kind", "state", "attempts"} {
			if _, ok := j[k]; !ok {
				t.Fatalf("line %q lacks %q", l, k)
			}
		}
	}
	if strings.ContainsRune(out, 0x9b) {
		t.Fatalf("raw C1 CSI in JSON output: %q", out)
	}

	out, _, _ = e.run(t, "queue stats --json")
	var stats map[string]int
	if err := json.Unmarshal([]byte(out), &stats); err != nil || stats["dead"] != 1 || stats["pending"] != 1 {
		t.Fatalf("stats = %v (%v)", stats, err)
	}

	out, _, code = e.run(t, "modem check --json")
	var ms ModemStatus
	if err := json.Unmarshal([]byte(out), &ms); err != nil || code != 0 || ms.SignalDBm != -71 {
		t.Fatalf("modem check --json = %q exit %d (%v)", out, code, err)
	}
	if !strings.Contains(e.runMetrics(t), "ventanilla_modem_signal_dbm -71") {
		t.Fatal("modem check did not update the metric")
	}

	out, _, _ = e.run(t, "queue dead --json")
	if n := strings.Count(strings.TrimSpace(out), "\n") + 1; n != 1 || !strings.Contains(out, `"state":"dead"`) {
		t.Fatalf("queue dead --json:\n%s", out)
	}
}

func (e *testEnv) runMetrics(t *testing.T) string {
	out, errOut, code := e.run(t, "metrics")
	if code != 0 {
		t.Fatalf("metrics exit %d: %s", code, errOut)
	}
	return out
}

func TestExecRawJSONPassesThrough(t *testing.T) {
	e := newEnv(t, nil)
	e.queue.jobs = []JobView{{ID: "x", Raw: []byte(`{ "id": "x",  "kind": "sms", "state": "sent", "attempts": 1, "extra": true }`)}}
	out, _, code := e.run(t, "queue list --json")
	if code != 0 || strings.TrimSpace(out) != `{"id":"x","kind":"sms","state":"sent","attempts":1,"extra":true}` {
		t.Fatalf("raw pass-through = %q (exit %d)", out, code)
	}
}

func TestExecErrorsAndExitCodes(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		cmd      string
		code     int
		inStderr string
	}{
		{"frobnicate", 2, "unknown command"},
		{"queue", 2, "needs a subcommand"},
		{"queue frob", 2, "unknown command"},
		{"queue retry", 2, "accepts 1 arg"},
		{"queue retry NOPE", 2, "bad job id"}, // input error (issue 14.11: was 1)
		{"queue retry 01ARZ3NDEKTSV4RRFFQ69G5FAV", 1, "not found"},
		{"status --bogus", 2, "unknown flag"},
		{"maintenance sideways", 2, "invalid argument"},
		{"logs --level loud", 2, "unknown level"},
		{"modem test 12", 2, "not a phone number"},
		{"modem test 600 00", 2, "not a phone number"},
		{"help", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.cmd, func(t *testing.T) {
			_, errOut, code := e.run(t, tt.cmd)
			if code != tt.code || !strings.Contains(errOut, tt.inStderr) {
				t.Fatalf("%q: exit %d stderr %q; want exit %d containing %q", tt.cmd, code, errOut, tt.code, tt.inStderr)
			}
		})
	}
}

func TestExecActions(t *testing.T) {
	e := newEnv(t, nil)
	out, _, code := e.run(t, "queue retry 01JOB00000000000000000000B")
	if code != 0 || !strings.Contains(out, "due now") {
		t.Fatalf("retry: %q exit %d", out, code)
	}
	if got := e.queue.retriedIDs(); len(got) != 1 || got[0] != "01JOB00000000000000000000B" {
		t.Fatalf("retried = %v", got)
	}
	if _, _, code := e.run(t, "maintenance on"); code != 0 {
		t.Fatal("maintenance on failed")
	}
	if _, _, code := e.run(t, "maintenance off"); code != 0 {
		t.Fatal("maintenance off failed")
	}
	if got := e.kiosk.maintenanceCalls(); len(got) != 2 || !got[0] || got[1] {
		t.Fatalf("maintenance calls = %v", got)
	}
	if n := len(e.audit.events("ssh.maintenance")); n != 2 {
		t.Fatalf("maintenance audited %d times", n)
	}
	out, _, code = e.run(t, "modem test +34 600 000 012")
	// The number reads as it does everywhere else (outbox, audit, logs).
	masked := mask.Phone("+34600000012")
	if code != 0 || !strings.Contains(out, "test SMS sent to "+masked+"\n") {
		t.Fatalf("modem test: %q exit %d, want %q", out, code, masked)
	}
	if a := e.audit.events("ssh.modem_test"); len(a) != 1 || a[0].fields["to"] != masked {
		t.Fatalf("test SMS audit: %+v, want to=%q", a, masked)
	}
	var seen bool
	for _, a := range e.audit.events("ssh.command") {
		if strings.Contains(a.fields["command"], "000 012") || strings.Contains(a.fields["command"], "000012") {
			t.Fatalf("command audit shows the number: %q", a.fields["command"])
		}
		seen = seen || a.fields["command"] == "modem test "+masked
	}
	if !seen {
		t.Fatalf("command audit has no %q", "modem test "+masked)
	}
	e.logs.Handler()
	e.srv.log.Warn("something odd", "code", 42)
	out, _, code = e.run(t, "logs --level warn -n 5")
	if code != 0 || !strings.Contains(out, "something odd code=42") || strings.Contains(out, "session start") {
		t.Fatalf("logs: %q", out)
	}
}

func TestExecWithoutDepsFailsCleanly(t *testing.T) {
	dir := t.TempDir()
	s := newSigner(t)
	_ = os.WriteFile(filepath.Join(dir, "ak"), []byte(authorizedLine(s, "x")), 0o600)
	srv, err := NewServer(Config{Addr: "127.0.0.1:0", HostKeyPath: filepath.Join(dir, "hk"), AuthorizedKeysPath: filepath.Join(dir, "ak")}, Deps{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	e := &testEnv{srv: srv, signer: s}
	pub, _ := os.ReadFile(filepath.Join(dir, "hk.pub"))
	e.hostPK, _, _, _, _ = gossh.ParseAuthorizedKey(pub)
	for _, cmd := range []string{"status", "queue list", "modem check", "camera info", "logs", "maintenance on", "metrics"} {
		_, errOut, code := e.run(t, cmd)
		if code != 1 || !strings.Contains(errOut, "not available") {
			t.Errorf("%q without deps: exit %d %q", cmd, code, errOut)
		}
	}
}

func TestAuthRateLimit(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := newEnv(t, func(c *Config) { c.MaxAuthFailures = 3; c.AuthFailureWindow = time.Minute; c.Now = clock })
	for i := range 3 {
		if _, err := e.dial(t, gossh.PublicKeys(newSigner(t))); err == nil {
			t.Fatalf("attempt %d accepted", i)
		}
	}
	// Now even the right key is refused from this address.
	if _, err := e.dial(t); err == nil {
		t.Fatal("authorized key accepted from a blocked address")
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	c, err := e.dial(t)
	if err != nil {
		t.Fatalf("still blocked after the window: %v", err)
	}
	c.Close()
}

func TestFailLimiterWindow(t *testing.T) {
	now := time.Unix(0, 0)
	l := &failLimiter{max: 2, window: 10 * time.Second, now: func() time.Time { return now }, fails: map[string][]failure{}}
	steps := []struct {
		advance time.Duration
		fail    bool
		blocked bool
	}{
		{0, true, false},
		{5 * time.Second, true, true},
		{6 * time.Second, false, false}, // first failure left the window
		{0, true, true},
		{11 * time.Second, false, false},
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		if s.fail {
			l.fail("1.2.3.4", fmt.Sprint("c", i))
		}
		if got := l.blocked("1.2.3.4"); got != s.blocked {
			t.Fatalf("step %d: blocked = %v, want %v", i, got, s.blocked)
		}
		if l.blocked("5.6.7.8") {
			t.Fatalf("step %d: other IP blocked", i)
		}
	}
	if len(l.fails) > 1 {
		t.Fatalf("stale entries kept: %v", l.fails)
	}
	l.fail("9.9.9.9", "a")
	l.fail("9.9.9.9", "b")
	if !l.blocked("9.9.9.9") {
		t.Fatal("not blocked after 2 failures")
	}
	l.forgive("9.9.9.9", "b") // connection b then authenticated
	if l.blocked("9.9.9.9") {
		t.Fatal("still blocked after forgiving one connection")
	}
}

// An agent offers its keys in turn; the wrong ones before the right one
// must not lock the technician out.
func TestAgentWithSeveralKeysNotBlocked(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxAuthFailures = 2 })
	for i := range 4 {
		c, err := e.dial(t, gossh.PublicKeys(newSigner(t), newSigner(t), e.signer))
		if err != nil {
			t.Fatalf("connection %d refused: %v", i, err)
		}
		c.Close()
	}
	if n := len(e.audit.events("ssh.auth_failed")); n != 0 {
		t.Fatalf("%d auth failures audited for successful logins", n)
	}
}

func TestNoPtyNoCommand(t *testing.T) {
	e := newEnv(t, nil)
	c := e.mustDial(t)
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	var errOut strings.Builder
	sess.Stderr = &errOut
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	err = sess.Wait()
	ee, ok := err.(*gossh.ExitError)
	if !ok || ee.ExitStatus() != 2 || !strings.Contains(errOut.String(), "no terminal") {
		t.Fatalf("err %v stderr %q", err, errOut.String())
	}
}

type panicKiosk struct{ fakeKiosk }

func (*panicKiosk) Status() KioskStatus { panic("boom") }

func TestPanicInCommandIsContained(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.deps.Kiosk = &panicKiosk{}
	_, errOut, code := e.run(t, "status")
	if code != 1 || !strings.Contains(errOut, "internal error") {
		t.Fatalf("exit %d stderr %q", code, errOut)
	}
	if _, _, code := e.run(t, "queue stats"); code != 0 {
		t.Fatal("server unusable after a panic")
	}
	var found bool
	for _, r := range e.logs.Tail(0, slog.LevelError) {
		found = found || strings.Contains(r.Message, "panic")
	}
	if !found {
		t.Fatal("panic not logged")
	}
}
