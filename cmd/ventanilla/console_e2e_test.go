package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// technician is an authorized key for a kiosk's console.
type technician struct {
	signer ssh.Signer
	line   []byte // its authorized_keys line
}

func newTechnician(t *testing.T) technician {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return technician{signer: signer, line: ssh.MarshalAuthorizedKey(sshPub)}
}

// authorize writes the technician's key as DATA/authorized_keys.
func (tc technician) authorize(t *testing.T, data string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(data, "authorized_keys"), tc.line, 0o600); err != nil {
		t.Fatal(err)
	}
}

// run executes one console command over a real SSH connection and returns
// stdout, stderr and the exit status.
func (tc technician) run(t *testing.T, addr, command string) (string, string, int) {
	t.Helper()
	c, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{User: "tech", Auth: []ssh.AuthMethod{ssh.PublicKeys(tc.signer)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("%s: dial: %v", command, err)
	}
	defer c.Close()
	s, err := c.NewSession()
	if err != nil {
		t.Fatalf("%s: session: %v", command, err)
	}
	defer s.Close()
	var out, errOut bytes.Buffer
	s.Stdout, s.Stderr = &out, &errOut
	err = s.Run(command)
	code := 0
	var ee *ssh.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitStatus()
	case err != nil:
		t.Fatalf("%s: %v", command, err)
	}
	return out.String(), errOut.String(), code
}

func (tc technician) status(t *testing.T, addr string) map[string]any {
	t.Helper()
	out, errOut, code := tc.run(t, addr, "status --json")
	var st map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil {
		t.Fatalf("status --json: exit %d %q %q", code, out, errOut)
	}
	return st
}

// TestMaintenanceOnAHeadlessKiosk: a kiosk without a visitor screen cannot
// put one out of service; `maintenance on` says so and exits 1 instead of
// printing success while status keeps saying "maintenance":false (issue
// 14.6).
func TestMaintenanceOnAHeadlessKiosk(t *testing.T) {
	data := t.TempDir()
	tc := newTechnician(t)
	tc.authorize(t, data)
	_, addr := startHeadless(t, data)
	out, errOut, code := tc.run(t, addr, "maintenance on")
	if code != 1 || out != "" || !strings.Contains(errOut, "headless") {
		t.Fatalf("maintenance on, headless: exit %d, stdout %q, stderr %q; want 1 and why", code, out, errOut)
	}
	if st := tc.status(t, addr); st["maintenance"] != false {
		t.Fatalf("status: %v", st)
	}
}

// TestMaintenanceConfirmedByTheScreen: on a kiosk with its visitor screen,
// `maintenance on|off` returns only once the screen has taken the change:
// status says so at once, every time, however fast the technician goes.
func TestMaintenanceConfirmedByTheScreen(t *testing.T) {
	if testing.Short() {
		t.Skip("drives the whole kiosk")
	}
	tc := newTechnician(t)
	k := startKioskWith(t, "", func(data string) { tc.authorize(t, data) })
	addr := waitLog(t, k.data, listenRE)[1]
	for i := range 12 {
		on := i%2 == 0
		want := map[bool]string{true: "on", false: "off"}[on]
		out, errOut, code := tc.run(t, addr, "maintenance "+want)
		if code != 0 || out != "maintenance "+want+"\n" {
			t.Fatalf("maintenance %s (#%d): exit %d %q %q", want, i, code, out, errOut)
		}
		if st := tc.status(t, addr); st["maintenance"] != on {
			t.Fatalf("after maintenance %s (#%d) status says %v", want, i, st["maintenance"])
		}
	}
	k.wait("Necesito ayuda")
}

// TestConsoleForScripts: through the real adapters, a mistyped job id is a
// usage error (2, not 1), an unknown one a "no" (1); status --json carries
// the health of the modem, the camera and the outbox; and a script may run
// a quick series of commands without being refused (issue 14.11: the old
// limit refused the 11th).
func TestConsoleForScripts(t *testing.T) {
	data := t.TempDir()
	tc := newTechnician(t)
	tc.authorize(t, data)
	_, addr := startHeadless(t, data)
	if _, errOut, code := tc.run(t, addr, "queue retry nope"); code != 2 || !strings.Contains(errOut, "bad job id") {
		t.Fatalf("queue retry nope: exit %d %q; want 2", code, errOut)
	}
	if _, errOut, code := tc.run(t, addr, "queue retry 01ARZ3NDEKTSV4RRFFQ69G5FAV"); code != 1 || !strings.Contains(errOut, "not found") {
		t.Fatalf("queue retry of an unknown job: exit %d %q; want 1", code, errOut)
	}
	var st map[string]any
	for i := 0; i < 20; i++ {
		st = tc.status(t, addr)
		if m, _ := st["modem"].(map[string]any); m["ok"] == true {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	modem, _ := st["modem"].(map[string]any)
	camera, _ := st["camera"].(map[string]any)
	outbox, _ := st["outbox"].(map[string]any)
	if modem["ok"] != true || modem["registered"] != true || camera["ok"] != true || camera["simulated"] != true ||
		outbox["ok"] != true || st["ok"] != true {
		t.Fatalf("status --json health: %v", st)
	}
	for i := range 24 {
		if _, errOut, code := tc.run(t, addr, "queue stats --json"); code != 0 {
			t.Fatalf("command %d of a quick series refused: exit %d %q", i, code, errOut)
		}
	}
}

// TestConsoleLimitsFromTheConfig: [ssh] login_grace_time and
// max_per_address reach the console: an idle connection is closed after
// the grace time, and an address cannot hold more than its share.
func TestConsoleLimitsFromTheConfig(t *testing.T) {
	data := t.TempDir()
	tc := newTechnician(t)
	tc.authorize(t, data)
	cfg := filepath.Join(t.TempDir(), "k.toml")
	body := "[ssh]\nlisten = \"127.0.0.1:0\"\nlogin_grace_time = \"300ms\"\nmax_per_address = 2\n[metrics]\nlisten = \"\"\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binPath, "run", "--demo", "--headless", "--config", cfg, "--data", data)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	addr := waitLog(t, data, listenRE)[1]

	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	_ = idle.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadAll(idle); err != nil {
		t.Fatalf("idle connection not closed after the grace time: %v", err)
	}

	waitLog(t, data, regexp.MustCompile(`no login within the grace time`))

	// Two technicians logged in from this address (the grace time does
	// not apply to them); a third connection is refused at once.
	for range 2 {
		c, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{User: "tech", Auth: []ssh.AuthMethod{ssh.PublicKeys(tc.signer)},
			HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	third, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	waitLog(t, data, regexp.MustCompile(`connection refused: 2 connections open from this address`))
}

// TestConsoleModemTestBadNumber: over SSH, the running kiosk's `modem
// test` with a number an SMS cannot reach says in words what is wrong and
// what a valid number looks like, never procedure's raw arguments (it said
// "mobile number has the wrong number of digits (Got=2, Want=9)"), and
// does not echo the number.
func TestConsoleModemTestBadNumber(t *testing.T) {
	data := t.TempDir()
	tc := newTechnician(t)
	tc.authorize(t, data)
	_, addr := startHeadless(t, data)
	for _, c := range []struct{ number, why string }{
		{"61", "it has 2 digits; a Spanish mobile has 9"},
		{"+34 612 345", "it has 6 digits after +34; a Spanish mobile has 9"},
		{"612 345 6789", "it has 10 digits; a Spanish mobile has 9"},
		{"912 345 678", "a Spanish landline (8xx, 9xx) cannot receive an SMS"},
		{"901 345 678", "a special-rate or free-phone number (80x, 90x) cannot receive an SMS"},
		{"512 345 678", "not in a Spanish mobile range (6xx, 71x-74x, 78x)"},
		{"612-ABC-678", "only digits, spaces, dots, dashes, brackets and a leading + are allowed"},
		{"+33 7", "country code +33 and 3 digits in all; an international number has 8 to 15"},
	} {
		out, errOut, code := tc.run(t, addr, "modem test "+c.number)
		if code != 2 || out != "" {
			t.Errorf("modem test %s: exit %d, stdout %q; want 2", c.number, code, out)
		}
		for _, want := range []string{c.why, "600 000 000", "+33 6 12 34 56 78"} {
			if !strings.Contains(errOut, want) {
				t.Errorf("modem test %s: %q lacks %q", c.number, errOut, want)
			}
		}
		for _, bad := range []string{"Got", "Want", "=", "procedure", "validation.", c.number} {
			if strings.Contains(errOut, bad) {
				t.Errorf("modem test %s: %q contains %q", c.number, errOut, bad)
			}
		}
	}
}
