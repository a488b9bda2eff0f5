package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRestartsBurnNoAttempts (issue 16.5): a kiosk in a crash loop
// (Restart=always, killed with SIGKILL again and again while a slow modem
// is still starting) must not count a delivery attempt per start, or a
// queued SMS dies as a dead letter from restarts alone. Then a normal
// start sends it as soon as the modem is ready, not after the 30 s+
// back-off of a failed attempt.
func TestRestartsBurnNoAttempts(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the kiosk many times")
	}
	// Every answer of the emulator takes 400 ms: opening the modem takes
	// seconds, the window in which the old dispatcher claimed the SMS and
	// recorded "modem not available …: starting".
	port, sms := startSim(t, "--slow", "400ms")
	data := t.TempDir()
	cfg := filepath.Join(t.TempDir(), "k.toml")
	// During the crash loop backoff_base is 1 s, so that every start finds
	// the SMS due (a burnt attempt would show at each start); for the
	// normal start 60 s, so that a failed first attempt would hold the SMS
	// back at least 45 s (jitter), far beyond what a ready modem needs.
	writeConfig := func(port, backoff string) {
		body := fmt.Sprintf(`[modem]
port = %q
[camera]
device = "none"
[ssh]
listen = ""
[metrics]
listen = ""
[outbox]
max_attempts = 8
backoff_base = %q
backoff_max = "1m"
[data_key]
beside_data = true
[privacy]
controller = "Ayuntamiento de prueba"
contact = "dpd@example.es"
`, port, backoff)
		if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeConfig(port, "1s")
	out, err := exec.Command(binPath, "queue", "add", "--data", data, "--kind", "sms", "--to", "+34600000001", "--text", "Su cita es mañana").CombinedOutput()
	if err != nil {
		t.Fatalf("queue add: %v: %s", err, out)
	}
	id := strings.TrimSpace(string(out))

	logPath := filepath.Join(data, "ventanilla.log")
	logSize := func() int64 {
		st, err := os.Stat(logPath)
		if err != nil {
			return 0
		}
		return st.Size()
	}
	start := func() *exec.Cmd {
		cmd := exec.Command(binPath, "run", "--headless", "--config", cfg, "--data", data)
		var buf bytes.Buffer
		cmd.Stdout, cmd.Stderr = &buf, &buf
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
		return cmd
	}
	const kills = 20
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 16))
	readyRuns, sentInLoop := 0, false
	for i := range kills {
		from := logSize()
		cmd := start()
		// Let it get some way into start-up: past the database and the
		// dispatcher's first look at the queue, most often not as far as
		// a ready modem. How far it gets depends on the machine's load:
		// a run that got the modem ready may send, and is counted.
		waitLogFrom(t, logPath, from, "kiosk started")
		time.Sleep(time.Duration(500+rng.IntN(1000)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		b, _ := os.ReadFile(logPath)
		if bytes.Contains(b[from:], []byte("modem: ready")) {
			readyRuns++ // this run may have started a real send
		}
		// Drain what the emulator says about the killed sessions (an SMS
		// of a ready run may be reported during a later run).
		for len(sms) > 0 {
			if l := <-sms; strings.Contains(l, `"text"`) {
				if readyRuns == 0 {
					t.Fatalf("run %d: an SMS went out before the modem was ever ready: %s", i, l)
				}
				sentInLoop = true
			}
		}
	}
	j := queueJob(t, data, id)
	if j.State == "dead" || j.Attempts > readyRuns {
		t.Fatalf("after %d kill -9 restarts (%d of them with the modem ready): job %s with %d attempts (%s); restarts must not burn attempts",
			kills, readyRuns, j.State, j.Attempts, j.LastError)
	}
	t.Logf("%d kill -9 restarts, %d with the modem ready: job %s with %d attempts", kills, readyRuns, j.State, j.Attempts)
	if j.State == "done" {
		// A run that got the modem ready delivered it and recorded that
		// before its kill (a loaded machine gives the runs more time):
		// there is nothing left for a normal start to send.
		for !sentInLoop {
			select {
			case l := <-sms:
				sentInLoop = strings.Contains(l, `"text"`)
			case <-time.After(time.Minute):
				t.Fatal("the job is done but the modem never received the SMS")
			}
		}
		return
	}

	// A normal start on the same modem: the SMS leaves once the modem is
	// ready, although the killed runs left it answering their commands
	// for a while (a slow modem's backlog: a start-up that took a dead
	// run's answer for its own failed with "the SIM asks for unknown").
	writeConfig(port, "60s")
	from := logSize()
	cmd := start()
	begin := time.Now()
	// Waiting is not what is judged (a loaded machine is slow): the log
	// says whether an attempt failed first, below. The deadline is only
	// for a kiosk that never sends.
	deadline := time.After(3 * time.Minute)
	for got := false; !got; {
		select {
		case l := <-sms:
			var m struct{ To, Text string }
			if json.Unmarshal([]byte(l), &m) == nil && m.To == "+34600000001" {
				if !strings.Contains(m.Text, "Su cita es mañana") {
					t.Fatalf("SMS text %q", m.Text)
				}
				got = true
			}
		case <-deadline:
			b, _ := os.ReadFile(logPath)
			t.Fatalf("no SMS within 3 minutes of a normal start:\n%s", b[max(0, len(b)-3000):])
		}
	}
	t.Logf("SMS sent %v after the normal start", time.Since(begin).Round(time.Millisecond))
	waitLogFrom(t, logPath, 0, `msg=delivered job=`+id)
	// Sent as soon as the modem was ready: no failed attempt (which would
	// have held it back ≥ 45 s) before the delivery.
	if b, _ := os.ReadFile(logPath); bytes.Contains(b[from:], []byte(`msg="send failed" job=`+id)) {
		t.Fatalf("the normal start failed an attempt before sending:\n%s", b[from:])
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	_ = waitExit(t, cmd, 30*time.Second)
	j = queueJob(t, data, id)
	if j.State != "done" || j.Attempts > readyRuns+1 {
		t.Fatalf("job %s with %d attempts after delivery, want done with at most %d", j.State, j.Attempts, readyRuns+1)
	}
}

type jobJSON struct {
	ID        string `json:"id"`
	State     string `json:"state"`
	Attempts  int    `json:"attempts"`
	LastError string `json:"last_error"`
}

func queueJob(t *testing.T, data, id string) jobJSON {
	t.Helper()
	out, err := exec.Command(binPath, "queue", "list", "--json", "--data", data).Output()
	if err != nil {
		t.Fatalf("queue list: %v", err)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var j jobJSON
		if json.Unmarshal([]byte(l), &j) == nil && j.ID == id {
			return j
		}
	}
	t.Fatalf("job %s not in queue list:\n%s", id, out)
	return jobJSON{}
}

// waitLogFrom waits until the log, from byte offset from on, contains s.
func waitLogFrom(t *testing.T, path string, from int64, s string) {
	t.Helper()
	// A condition, not a speed: the deadline only ends a wait for a
	// kiosk that is stuck.
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(path)
		if int64(len(b)) > from && bytes.Contains(b[from:], []byte(s)) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	b, _ := os.ReadFile(path)
	t.Fatalf("log never said %q:\n%s", s, b[min(int64(len(b)), from):])
}
