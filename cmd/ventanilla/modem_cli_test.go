package main

import (
	"bufio"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// startSim runs `ventanilla modem sim` and returns its pty path and a
// channel of the JSON lines it prints.
func startSim(t testing.TB, args ...string) (string, <-chan string) {
	t.Helper()
	cmd := exec.Command(binPath, append([]string{"modem", "sim"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The reader goroutine below must be gone before the test ends: it may
	// log, and a log after the test completed is a data race in testing.
	stop, done := make(chan struct{}), make(chan struct{})
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		close(stop)
		<-done
		_ = cmd.Wait()
	})
	r := bufio.NewReader(out)
	first, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("modem sim printed nothing: %v", err)
	}
	if !strings.HasPrefix(first, "pty: /dev/pts/") {
		t.Fatalf("first line %q, want pty: /dev/pts/N", first)
	}
	lines := make(chan string, 16)
	go func() {
		defer close(done)
		defer close(lines)
		for {
			l, err := r.ReadString('\n')
			if l != "" {
				select {
				case lines <- strings.TrimSpace(l):
				case <-stop:
					return
				}
			}
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, os.ErrClosed) {
					t.Log(err)
				}
				return
			}
		}
	}()
	return strings.TrimSpace(strings.TrimPrefix(first, "pty: ")), lines
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

func TestSMSSendThroughSimulator(t *testing.T) {
	port, lines := startSim(t)
	text := "Su solicitud CLV-7KQ4-M2 está registrada. El centro de atención le llamará; tenga a mano el DNI original y un móvil con cámara para la videoconferencia."
	out, err := exec.Command(binPath, "sms", "send", "--port", port, "--to", "+34600000000", "--text", text, "--json").Output()
	if err != nil {
		t.Fatalf("sms send: %v %s", err, out)
	}
	var res struct {
		To    string `json:"to"`
		Parts int    `json:"parts"`
		Refs  []int  `json:"refs"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("--json output %q: %v", out, err)
	}
	if res.To != "+34600000000" || res.Parts != 3 || len(res.Refs) != 3 {
		t.Fatalf("result %+v; a 150-char UCS-2 text is 3 parts", res)
	}
	select {
	case l := <-lines:
		var got struct {
			To    string `json:"to"`
			Text  string `json:"text"`
			Parts int    `json:"parts"`
		}
		if err := json.Unmarshal([]byte(l), &got); err != nil {
			t.Fatalf("sim line %q: %v", l, err)
		}
		if got.To != "+34600000000" || got.Text != text || got.Parts != 3 {
			t.Fatalf("the emulator decoded %+v", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the emulator printed no SMS")
	}

	out, err = exec.Command(binPath, "modem", "check", "--port", port, "--json").Output()
	if err != nil {
		t.Fatalf("modem check: %v %s", err, out)
	}
	var st map[string]any
	if err := json.Unmarshal(out, &st); err != nil || st["registered"] != true {
		t.Fatalf("modem check --json: %v %s", err, out)
	}
}

func TestSMSSendBadInputSendsNothing(t *testing.T) {
	port, lines := startSim(t)
	for _, args := range [][]string{
		{"--to", "600 00 00 00 x", "--text", "hola"},
		{"--to", "+34600000000", "--text", ""},
		{"--to", "+34600000000"},
	} {
		cmd := exec.Command(binPath, append([]string{"sms", "send", "--port", port}, args...)...)
		out, err := cmd.CombinedOutput()
		if code := exitCode(err); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, out)
		}
		if strings.Contains(string(out), "goroutine") || len(out) == 0 {
			t.Errorf("%v: want a clear message, got %q", args, out)
		}
	}
	select {
	case l := <-lines:
		t.Fatalf("something was sent: %s", l)
	case <-time.After(300 * time.Millisecond):
	}
}

func TestSMSSendRefusedExitsOne(t *testing.T) {
	port, _ := startSim(t, "--refuse")
	out, err := exec.Command(binPath, "sms", "send", "--port", port, "--to", "+34600000000", "--text", "hola").CombinedOutput()
	if code := exitCode(err); code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, out)
	}
}

// TestConsoleModemTestNationalNumber (issue 14.11): over SSH, the running
// kiosk's `modem test` takes a national Spanish number the way the
// visitor screens and `sms send` do, and the modem sends to +34…; a
// landline is refused as bad input (exit 2) and nothing is sent.
func TestConsoleModemTestNationalNumber(t *testing.T) {
	data := t.TempDir()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, _ := ssh.NewSignerFromKey(priv)
	if err := os.WriteFile(filepath.Join(data, "authorized_keys"), ssh.MarshalAuthorizedKey(signer.PublicKey()), 0o600); err != nil {
		t.Fatal(err)
	}
	_, addr := startHeadless(t, data)
	run := func(command string) (string, int) {
		c, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{User: "tech", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
			HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer sess.Close()
		out, err := sess.CombinedOutput(command)
		var ee *ssh.ExitError
		if errors.As(err, &ee) {
			return string(out), ee.ExitStatus()
		}
		if err != nil {
			t.Fatalf("%s: %v", command, err)
		}
		return string(out), 0
	}
	if out, code := run("modem test 912 345 678"); code != 2 || !strings.Contains(out, "landline") {
		t.Fatalf("landline: exit %d %q", code, out)
	}
	// The demo modem comes up behind the console: "not ready" is exit 1.
	for deadline := time.Now().Add(20 * time.Second); ; {
		out, code := run("modem test 612 345 678")
		if code == 0 {
			break
		}
		if code != 1 || time.Now().After(deadline) {
			t.Fatalf("modem test: exit %d %q", code, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	raw, err := os.ReadFile(filepath.Join(data, "sms.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	var got struct{ To string }
	if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &got) != nil || got.To != "+34612345678" {
		t.Fatalf("the modem received %q", raw)
	}
}
