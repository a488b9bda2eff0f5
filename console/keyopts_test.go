package console

import (
	"bytes"
	"errors"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

func TestParseKeyOptions(t *testing.T) {
	ok := []struct {
		opts []string
		want keyOptions
	}{
		{nil, keyOptions{}},
		{[]string{`from="10.0.0.0/8,!10.9.9.9,*.example.org"`}, keyOptions{from: []string{"10.0.0.0/8", "!10.9.9.9", "*.example.org"}}},
		{[]string{`expiry-time="20300101"`}, keyOptions{expiry: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{[]string{`expiry-time="203001021530Z"`}, keyOptions{expiry: time.Date(2030, 1, 2, 15, 30, 0, 0, time.UTC)}},
		{[]string{`command="queue list --json"`}, keyOptions{command: []string{"queue", "list", "--json"}}},
		{[]string{`command="logs --level \"warn\""`}, keyOptions{command: []string{"logs", "--level", "warn"}}},
		{[]string{"restrict"}, keyOptions{noPty: true}},
		{[]string{"restrict", "pty"}, keyOptions{noPty: false}},
		{[]string{"pty", "restrict"}, keyOptions{noPty: true}},
		{[]string{"No-Pty", "no-port-forwarding", "no-agent-forwarding", "no-X11-forwarding", "no-user-rc"}, keyOptions{noPty: true}},
	}
	for _, c := range ok {
		got, err := parseKeyOptions(c.opts, time.UTC)
		if err != nil {
			t.Errorf("%q: %v", c.opts, err)
			continue
		}
		if strings.Join(got.from, ",") != strings.Join(c.want.from, ",") || !got.expiry.Equal(c.want.expiry) ||
			strings.Join(got.command, "|") != strings.Join(c.want.command, "|") || got.noPty != c.want.noPty {
			t.Errorf("%q: got %+v, want %+v", c.opts, got, c.want)
		}
	}
	for _, bad := range [][]string{
		{`environment="PATH=/tmp"`}, {`permitopen="host:22"`}, {`permitlisten="8080"`}, {`principals="root"`},
		{`tunnel="0"`}, {"cert-authority"}, {"port-forwarding"}, {"agent-forwarding"}, {"X11-forwarding"},
		{"user-rc"}, {"no-touch-required"}, {"verify-required"}, {"frobnicate"},
		{`from=10.0.0.1`}, {`from=""`}, {`from="10.0.0.1/8"`}, {`from="10.0.0.0/33"`}, {`from="a,,b"`},
		{`expiry-time="2020"`}, {`expiry-time="20201301"`}, {`command=""`}, {`command="unterminated 'quote"`},
		{`from="10.0.0.1"`, `from="10.0.0.2"`}, {"restrict=yes"},
	} {
		if _, err := parseKeyOptions(bad, time.UTC); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestFromAllows(t *testing.T) {
	for _, c := range []struct {
		pats string
		addr string
		want bool
	}{
		{"10.9.9.9", "10.9.9.9", true},
		{"10.9.9.9", "127.0.0.1", false},
		{"10.0.0.0/8", "10.200.1.1", true},
		{"10.0.0.0/8", "11.0.0.1", false},
		{"10.*", "10.1.2.3", true},
		{"10.?.2.3", "10.1.2.3", true},
		{"10.?.2.3", "10.11.2.3", false},
		{"*,!10.9.9.9", "10.9.9.9", false},
		{"!10.9.9.9,*", "10.9.9.9", false},
		{"!10.9.9.9", "10.1.1.1", false}, // a negation alone allows nobody (sshd)
		{"10.0.0.0/8,!10.9.0.0/16", "10.9.1.1", false},
		{"10.0.0.0/8,!10.9.0.0/16", "10.8.1.1", true},
		{"::1", "::1", true},
		{"fd00::/8", "fd12::1", true},
		{"127.0.0.1", "::ffff:127.0.0.1", true},
		{"*.example.org", "10.1.1.1", false}, // no reverse DNS: names never match an address
	} {
		pats, err := parseFrom(c.pats)
		if err != nil {
			t.Fatalf("%q: %v", c.pats, err)
		}
		if got := fromAllows(pats, netip.MustParseAddr(c.addr)); got != c.want {
			t.Errorf("from=%q for %s = %v, want %v", c.pats, c.addr, got, c.want)
		}
	}
}

// writeKeys replaces authorized_keys and moves its mtime on, so the
// keyring sees the change even within the same second and size.
func (e *testEnv) writeKeys(t *testing.T, content string) {
	t.Helper()
	path := filepath.Join(e.dir, "authorized_keys")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	e.bumpKeys(t)
}

var keysBump = time.Now()

func (e *testEnv) bumpKeys(t *testing.T) {
	t.Helper()
	keysBump = keysBump.Add(time.Second)
	if err := os.Chtimes(filepath.Join(e.dir, "authorized_keys"), keysBump, keysBump); err != nil {
		t.Fatal(err)
	}
}

func (e *testEnv) refused(t *testing.T) {
	t.Helper()
	c, err := e.dial(t)
	if err == nil {
		c.Close()
		t.Fatal("the key got in")
	}
	if !strings.Contains(err.Error(), "unable to authenticate") {
		t.Fatalf("dial: %v", err)
	}
}

func (e *testEnv) logged(t *testing.T, want string) {
	t.Helper()
	for _, r := range e.logs.Tail(0, slog.LevelDebug) {
		if strings.Contains(r.Message+" "+r.Attrs, want) {
			return
		}
	}
	t.Fatalf("no log line with %q", want)
}

// TestKeyOptionsOfTheIssue: the line of issue 16.2 — from another address,
// expired, forced to `status`, restricted — no longer lets its key in from
// here, let alone run `maintenance on`.
func TestKeyOptionsOfTheIssue(t *testing.T) {
	e := newEnv(t, nil)
	e.writeKeys(t, `from="10.9.9.9",expiry-time="20200101",command="status",restrict `+authorizedLine(e.signer, "alice"))
	e.refused(t)
	if got := e.kiosk.maintenanceCalls(); len(got) != 0 {
		t.Fatalf("maintenance calls %v", got)
	}
	e.logged(t, "the key expired at 2020-01-01")
}

func TestFromOption(t *testing.T) {
	e := newEnv(t, nil)
	for _, c := range []struct {
		from string
		in   bool
	}{
		{"127.0.0.1", true}, {"127.0.0.0/8", true}, {"127.*", true}, {"10.9.9.9", false},
		{"10.0.0.0/8", false}, {"*,!127.0.0.1", false}, {"!127.0.0.0/8,*", false},
	} {
		e.writeKeys(t, `from="`+c.from+`" `+authorizedLine(e.signer, "alice"))
		c2, err := e.dial(t)
		if c.in != (err == nil) {
			t.Errorf("from=%q: in=%v, err %v", c.from, err == nil, err)
		}
		if err == nil {
			c2.Close()
		}
	}
	// Two lines for the same key: any one that allows the address lets it in.
	e.writeKeys(t, `from="10.9.9.9" `+authorizedLine(e.signer, "office")+`from="127.0.0.1" `+authorizedLine(e.signer, "lab"))
	if _, _, code := e.run(t, "status"); code != 0 {
		t.Fatalf("second line not used: exit %d", code)
	}
	if l := e.audit.events("ssh.login"); l[len(l)-1].fields["key"] != "lab" {
		t.Fatalf("session not attributed to the line that allowed it: %+v", l[len(l)-1])
	}
}

func TestExpiryTimeOption(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	e := newEnv(t, func(c *Config) { c.Now = func() time.Time { return now } })
	e.writeKeys(t, `expiry-time="202606011200Z" `+authorizedLine(e.signer, "alice"))
	e.refused(t)
	e.logged(t, "expired")
	e.writeKeys(t, `expiry-time="20260601120001Z" `+authorizedLine(e.signer, "alice"))
	if _, _, code := e.run(t, "status"); code != 0 {
		t.Fatal("a key before its expiry is refused")
	}
}

// TestCommandOption: a key with command= runs that command whatever the
// client asks, and the audit log keeps what it asked.
func TestCommandOption(t *testing.T) {
	e := newEnv(t, nil)
	e.writeKeys(t, `command="status --json" `+authorizedLine(e.signer, "monitor"))
	out, _, code := e.run(t, "maintenance on")
	if code != 0 || !strings.Contains(out, `"kiosk_id":"mad-012"`) {
		t.Fatalf("forced command: exit %d %q", code, out)
	}
	if got := e.kiosk.maintenanceCalls(); len(got) != 0 {
		t.Fatalf("the client's own command ran: %v", got)
	}
	cmds := e.audit.events("ssh.command")
	if len(cmds) != 1 || cmds[0].fields["command"] != "status --json" || cmds[0].fields["forced"] != "true" || cmds[0].fields["requested"] != "maintenance on" {
		t.Fatalf("audit %+v", cmds)
	}
	// Even a shell request with a terminal gets the command, not the console.
	tm := e.openTerm(t, e.mustDial(t), 80, 24)
	tm.waitFor(`"kiosk_id":"mad-012"`)
	if err := tm.wait(); err != nil {
		t.Fatalf("forced command in a terminal: %v", err)
	}
	if strings.Contains(tm.screen(), "ventanilla console") {
		t.Fatal("the interactive console opened for a forced-command key")
	}
}

// TestRestrictOption: restrict (or no-pty) refuses a terminal, hence the
// interactive console; commands still run; a later pty gives it back.
func TestRestrictOption(t *testing.T) {
	e := newEnv(t, nil)
	for _, opt := range []string{"restrict", "no-pty"} {
		e.writeKeys(t, opt+" "+authorizedLine(e.signer, "script"))
		c := e.mustDial(t)
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		if err := sess.RequestPty("xterm", 24, 80, gossh.TerminalModes{}); err == nil {
			t.Fatalf("%s: pty granted", opt)
		}
		var errOut bytes.Buffer
		sess.Stderr = &errOut
		if err := sess.Shell(); err != nil {
			t.Fatal(err)
		}
		var ee *gossh.ExitError
		if err := sess.Wait(); !errors.As(err, &ee) || ee.ExitStatus() != exitNo || !strings.Contains(errOut.String(), "may not open the interactive console") {
			t.Fatalf("%s: shell: %v %q", opt, err, errOut.String())
		}
		if _, _, code := e.run(t, "status"); code != 0 {
			t.Fatalf("%s: commands refused too", opt)
		}
	}
	e.writeKeys(t, "restrict,pty "+authorizedLine(e.signer, "tech"))
	tm := e.openTerm(t, e.mustDial(t), 80, 24)
	tm.waitFor("ventanilla console")
	tm.send("q")
	_ = tm.wait()
}

// TestUnsupportedOptionRefusesTheLine: an option the console does not
// enforce refuses its line, with a log line, and keeps the others.
func TestUnsupportedOptionRefusesTheLine(t *testing.T) {
	e := newEnv(t, nil)
	other := newSigner(t)
	e.writeKeys(t, `environment="LD_PRELOAD=/tmp/x.so" `+authorizedLine(e.signer, "alice")+authorizedLine(other, "bob"))
	e.refused(t)
	e.logged(t, "is not supported by the kiosk's console")
	c, err := e.dial(t, gossh.PublicKeys(other))
	if err != nil {
		t.Fatalf("the next line was lost: %v", err)
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out, err := sess.Output("keys reload")
	if err != nil || !strings.Contains(string(out), "1 keys allowed") || !strings.Contains(string(out), "skipped line 1: option") {
		t.Fatalf("keys reload: %v %q", err, out)
	}
}

// TestStrictModes: an authorized_keys others can write, or in a folder
// others can write, lets nobody in (logged); fixing the modes is enough.
func TestStrictModes(t *testing.T) {
	e := newEnv(t, nil)
	path := filepath.Join(e.dir, "authorized_keys")
	if err := os.Chmod(path, 0o666); err != nil {
		t.Fatal(err)
	}
	e.refused(t)
	e.logged(t, "mode 0666 is writable by group or others")
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, code := e.run(t, "status"); code != 0 {
		t.Fatal("0644 (as OpenSSH allows) refused")
	}
	if err := os.Chmod(e.dir, 0o777); err != nil {
		t.Fatal(err)
	}
	e.refused(t)
	e.logged(t, "mode 0777 is writable by group or others")
	if err := os.Chmod(e.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, _, code := e.run(t, "status"); code != 0 {
		t.Fatal("fixed folder still refused")
	}
	if os.Geteuid() == 0 {
		// Root may give the file away: owned by another user, refused.
		if err := os.Chown(path, 4242, 4242); err != nil {
			t.Fatal(err)
		}
		e.refused(t)
		e.logged(t, "owned by uid 4242")
		_ = os.Chown(path, 0, 0)
	}
	// `keys reload` reports it to the technician.
	if err := os.Chmod(path, 0o606); err != nil {
		t.Fatal(err)
	}
	if err := strictModes(path); err == nil || !errors.Is(err, errBadModes) {
		t.Fatalf("strictModes: %v", err)
	}
}

// TestHostKeyModes: a host key others can read is made 0600, with a log
// line; one in a folder others may write is refused.
func TestHostKeyModes(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys", "ssh_host_ed25519")
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	if err := ensureHostKey(path, log); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ensureHostKey(path, log); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 || !strings.Contains(logs.String(), "made it 0600") || !strings.Contains(logs.String(), "was=0644") {
		t.Fatalf("mode %04o, log %q", fi.Mode().Perm(), logs.String())
	}
	if err := os.Chmod(filepath.Dir(path), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := ensureHostKey(path, log); !errors.Is(err, errBadModes) {
		t.Fatalf("host key in a 0777 folder: %v", err)
	}
}
