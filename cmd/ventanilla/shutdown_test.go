package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ventanilla-kiosk/ventanilla/store"
	"github.com/ventanilla-kiosk/ventanilla/tui"
)

// quietKiosk is a kiosk with its store open and nothing else configured:
// in demo mode startServices opens sms.jsonl and starts the modem
// emulator, then stops at its first look at ctx.
func quietKiosk(t *testing.T, waits shutdownWaits) (*kiosk, context.Context) {
	t.Helper()
	cfg := defaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.Metrics.Listen = ""
	cfg.SSH.Listen = ""
	cfg.Modem.Port = ""
	cfg.Camera.Device = "none"
	cfg.DataKey.BesideData = true // a test kiosk: its key beside its temporary data
	ctx, cancel := context.WithCancelCause(context.Background())
	t.Cleanup(func() { cancel(nil) })
	k := &kiosk{cfg: cfg, started: time.Now(), status: &tui.Status{}, servicesUp: make(chan struct{}),
		cancel: cancel, waits: waits}
	if err := k.openStore(); err != nil {
		t.Fatal(err)
	}
	return k, ctx
}

func logText(t *testing.T, dir string) string {
	t.Helper()
	b, _ := os.ReadFile(filepath.Join(dir, "ventanilla.log"))
	return string(b)
}

// TestShutdownLeavesAStartStillRunningAlone: a start-up step that does not
// return in time must not make shutdown read what start-up writes later
// (run under -race: the demo's sms.jsonl and emulator fields are written
// after shutdown gave up waiting). The database is still released.
func TestShutdownLeavesAStartStillRunningAlone(t *testing.T) {
	k, ctx := quietKiosk(t, shutdownWaits{start: 50 * time.Millisecond, background: time.Second})
	// A step that ignores ctx, ends on its own and then writes what
	// start-up owns, with nothing (no lock, no system call) ordering it
	// against shutdown: under -race any read of those fields by shutdown
	// is reported, whatever the timing. (Start-up's own writes follow
	// system calls, which the race detector takes as synchronisation.)
	k.startHook = func(context.Context) {
		time.Sleep(200 * time.Millisecond)
		k.ssh, k.httpM, k.emu, k.smsLog, k.catcher = nil, nil, nil, nil, nil
	}
	go func() {
		defer close(k.servicesUp)
		_ = k.startServices(ctx, runOptions{demo: true})
	}()
	k.shutdown()
	// No file I/O before start-up is done: under -race a write syscall
	// followed by a read one orders the two goroutines, hiding the race.
	<-k.servicesUp
	db, err := store.Open(k.cfg.DataDir, store.Options{})
	if err != nil {
		t.Fatalf("database not released: %v", err)
	}
	_ = db.Close()
	if log := logText(t, k.cfg.DataDir); !strings.Contains(log, "start-up still running") {
		t.Fatalf("shutdown did not say it left start-up alone:\n%s", log)
	}
	// In the kiosk the process exit frees these.
	if k.emu != nil {
		_ = k.emu.Close()
	}
	if k.smsLog != nil {
		_ = k.smsLog.Close()
	}
}

// TestShutdownStopsAStartAtOnce: shutdown cancels start-up first, so a
// step that honours its context ends and everything is stopped in order
// without waiting out the limit.
func TestShutdownStopsAStartAtOnce(t *testing.T) {
	k, ctx := quietKiosk(t, shutdownWaits{start: time.Hour, background: time.Hour})
	k.startHook = func(ctx context.Context) { <-ctx.Done() }
	go func() {
		defer close(k.servicesUp)
		_ = k.startServices(ctx, runOptions{})
	}()
	done := make(chan struct{})
	go func() { k.shutdown(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("shutdown waits for a start-up it should have cancelled")
	}
	if log := logText(t, k.cfg.DataDir); strings.Contains(log, "still running") || strings.Contains(log, "did not stop") {
		t.Fatalf("shutdown gave up on something:\n%s", log)
	}
}

// TestFailedHeadlessStartExitsPromptly: a headless kiosk whose console
// cannot listen (the port is taken) fails with exit status 1, and stops the
// modem and outbox goroutines it had already started instead of waiting
// for them to time out.
func TestFailedHeadlessStartExitsPromptly(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	data := t.TempDir()
	cfg := filepath.Join(t.TempDir(), "k.toml")
	body := "[ssh]\nlisten = \"" + busy.Addr().String() + "\"\n[metrics]\nlisten = \"\"\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	out, err := exec.Command(binPath, "run", "--demo", "--headless", "--config", cfg, "--data", data).CombinedOutput()
	took := time.Since(start)
	if exitCode(err) != 1 || !strings.Contains(string(out), "cannot listen on "+busy.Addr().String()) {
		t.Fatalf("exit %d, want 1 with the busy address: %s", exitCode(err), out)
	}
	if log := logText(t, data); strings.Contains(log, "did not stop") {
		t.Fatalf("the background work had to be abandoned:\n%s", log)
	}
	// The old code waited out a 10 s limit for goroutines nobody stopped;
	// a prompt exit is well under that even on a loaded machine.
	if took > 8*time.Second {
		t.Fatalf("a failed start took %v to exit", took)
	}
}
