package console

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ventanilla-kiosk/ventanilla/procedure/mask"
)

func TestInteractiveSession(t *testing.T) {
	e := newEnv(t, nil)
	tm := e.openTerm(t, e.mustDial(t), 110, 32)
	tm.waitFor("ventanilla console")
	tm.waitFor("fnmt/2-request")
	tm.waitFor("alice@laptop")
	// The device error tried to set the window title: it must arrive inert.
	tm.waitFor("smtp: ]0;pwnedtimeout")
	if strings.Contains(tm.raw(), "\x1b]0;pwned") {
		t.Fatal("escape sequence from a device reached the terminal")
	}

	tm.send("2")
	tm.waitFor("01JOB00000000000000000000A")
	tm.waitFor("pending 1")
	tm.send("d")
	tm.waitFor("Dead letters")
	tm.waitFor("550 2J rejected")
	if strings.Contains(tm.raw(), "\u009b") {
		t.Fatal("C1 CSI reached the terminal")
	}
	tm.send("r")
	tm.waitFor("is due now")
	if got := e.queue.retriedIDs(); !slices.Equal(got, []string{"01JOB00000000000000000000B"}) {
		t.Fatalf("retried %v", got)
	}

	tm.send("3")
	tm.waitFor("READY")
	tm.waitFor("Movi[2Jstar")
	tm.waitFor("-71 dBm")
	tm.send("p")
	tm.waitFor("Live preview")
	tm.waitFor("▀")
	tm.send("t")
	tm.waitFor("test SMS to:")
	tm.send("+34600000012\r")
	tm.waitFor("test SMS sent to " + mask.Phone("+34600000012"))
	e.modem.mu.Lock()
	sent := slices.Clone(e.modem.sent)
	e.modem.mu.Unlock()
	if !slices.Equal(sent, []string{"+34600000012"}) {
		t.Fatalf("sent = %v", sent)
	}
	if len(e.audit.events("ssh.camera_preview")) != 1 {
		t.Fatal("preview not audited")
	}

	tm.send("4")
	tm.waitFor("session start")
	tm.send("l") // warn and above: info lines disappear from new frames
	tm.waitFor("≥ warn")

	tm.send("m")
	tm.waitFor("(y/n)")
	tm.send("y")
	tm.waitFor("MAINTENANCE")
	if got := e.kiosk.maintenanceCalls(); !slices.Equal(got, []bool{true}) {
		t.Fatalf("maintenance calls %v", got)
	}

	tm.send("q")
	if err := tm.wait(); err != nil {
		t.Fatalf("quit: %v", err)
	}
}

func TestTwoTechniciansAtOnce(t *testing.T) {
	e := newEnv(t, nil)
	var wg sync.WaitGroup
	terms := make([]*term, 2)
	for i := range terms {
		terms[i] = e.openTerm(t, e.mustDial(t), 100, 30)
	}
	for _, tm := range terms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tm.waitFor("2 connected")
		}()
	}
	wg.Wait()
	// One moves to the outbox; the other stays on the status screen.
	terms[0].send("2")
	terms[0].waitFor("01JOB00000000000000000000A")
	// Give the second session a few ticks to (wrongly) repaint.
	time.Sleep(1500 * time.Millisecond)
	if !strings.Contains(terms[1].screen(), "Visitor step") || strings.Contains(terms[1].screen(), "01JOB") {
		t.Fatal("second technician's screen shows the first one's outbox")
	}
	if n := e.srv.Technicians(); n != 2 {
		t.Fatalf("Technicians() = %d", n)
	}
	terms[0].send("q")
	_ = terms[0].wait()
	terms[1].send("q")
	_ = terms[1].wait()
	deadline := time.Now().Add(2 * time.Second)
	for e.srv.Technicians() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := e.srv.Technicians(); n != 0 {
		t.Fatalf("Technicians() after quit = %d", n)
	}
}

func TestResize(t *testing.T) {
	e := newEnv(t, nil)
	tm := e.openTerm(t, e.mustDial(t), 24, 20)
	tm.waitFor("1 Status")
	if strings.Contains(tm.screen(), "4 Logs") {
		t.Fatal("tab bar not truncated at 24 columns")
	}
	if err := tm.sess.WindowChange(30, 120); err != nil {
		t.Fatal(err)
	}
	tm.waitFor("4 Logs")
}

func TestIdleDisconnect(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := newEnv(t, func(c *Config) { c.IdleTimeout = time.Minute; c.Now = clock })
	tm := e.openTerm(t, e.mustDial(t), 100, 30)
	tm.waitFor("Visitor step")
	mu.Lock()
	now = now.Add(45 * time.Second)
	mu.Unlock()
	tm.waitFor("disconnecting in 15s")
	tm.send("2") // any key extends; this one also shows it was handled
	tm.waitFor("01JOB00000000000000000000A")
	tm.reset()
	mu.Lock()
	now = now.Add(45 * time.Second) // 45 s since the key: still connected
	mu.Unlock()
	tm.waitFor("disconnecting in 15s")
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	tm.waitFor("disconnected: idle for 1m0s")
	_ = tm.wait()
}

func TestShutdownSaysGoodbye(t *testing.T) {
	e := newEnv(t, nil)
	tm := e.openTerm(t, e.mustDial(t), 100, 30)
	tm.waitFor("Visitor step")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	start := time.Now()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Shutdown took %v", d)
	}
	tm.waitFor("disconnected: the kiosk is shutting down")
	if _, err := e.dial(t); err == nil {
		t.Fatal("new connection accepted after Shutdown")
	}
}

// A client may close a session and keep the connection (OpenSSH
// multiplexing); the program must end with the session, not the connection.
func TestSessionCloseEndsProgram(t *testing.T) {
	e := newEnv(t, nil)
	c := e.mustDial(t)
	tm := e.openTerm(t, c, 100, 30)
	tm.waitFor("1 connected")
	if err := tm.sess.Close(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for e.srv.Technicians() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := e.srv.Technicians(); n != 0 {
		t.Fatalf("program still running after its session closed (%d)", n)
	}
	// The connection still works for the next session.
	if _, _, code := e.run(t, "status"); code != 0 {
		t.Fatal("connection unusable")
	}
}

// TestStatusScreenShowsDeviceHealth: the Status screen says when the modem
// cannot send and why, from its last known state.
func TestStatusScreenShowsDeviceHealth(t *testing.T) {
	m := goldenModel(t)
	m.srv.deps.Modem.(*fakeModem).err = errors.New("modem not available: /dev/ttyUSB2 gone")
	m = step(t, m, tickMsg{gen: m.gen})
	if v := m.View(); !strings.Contains(v, "Modem         not ok: modem not available: /dev/ttyUSB2 gone") || !strings.Contains(v, "Camera        ok") {
		t.Fatalf("status screen:\n%s", v)
	}
}
