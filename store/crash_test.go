package store

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

const crashEnv = "VENTANILLA_STORE_CRASH_WRITER"

// TestCrashWriterHelper is the subprocess of TestCrashSafety; it does
// nothing in a normal run.
func TestCrashWriterHelper(t *testing.T) {
	dir := os.Getenv(crashEnv)
	if dir == "" {
		t.Skip("helper process for TestCrashSafety")
	}
	start, _ := strconv.Atoi(os.Getenv(crashEnv + "_START"))
	db, err := Open(dir, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(3)
	}
	out := bufio.NewWriter(os.Stdout)
	for i := start; ; i++ {
		key := fmt.Sprintf("k-%d", i)
		j, err := db.Enqueue(NewJob{Kind: KindSMS, Purpose: key, IdempotencyKey: key,
			Payload: Payload{To: "+34600000000", Text: "t-" + key}})
		if err != nil {
			fmt.Fprintln(os.Stderr, "enqueue:", err)
			os.Exit(3)
		}
		// The acknowledgement, printed only after the commit returned.
		fmt.Fprintf(out, "ack %s %s\n", key, j.ID)
		out.Flush()
		if i%3 == 0 {
			c, err := db.Claim(KindSMS, 1)
			if err != nil {
				os.Exit(3)
			}
			for _, cj := range c {
				if err := db.Done(cj.ID); err != nil {
					os.Exit(3)
				}
				fmt.Fprintf(out, "done %s\n", cj.ID)
				out.Flush()
			}
		}
	}
}

// TestCrashSafety SIGKILLs a writer at random moments, again and again,
// and checks after each kill that the file opens cleanly, passes bbolt's
// consistency check, and holds every acknowledged job exactly once (and
// every acknowledged delivery as done). The writer resubmits the job it
// may have been killed in the middle of, with the same idempotency key.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	acked := map[string]string{} // key → id
	done := map[string]bool{}
	next := 0
	kills := 0
	deadline := time.Now().Add(10 * time.Second)
	for kills < 40 && time.Now().Before(deadline) {
		cmd := exec.Command(exe, "-test.run=^TestCrashWriterHelper$", "-test.v=false")
		cmd.Env = append(os.Environ(), crashEnv+"="+dir, crashEnv+"_START="+strconv.Itoa(next))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1024)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Wait for the first acknowledgement so the kill lands mid-stream.
		first := true
		timer := time.NewTimer(time.Duration(20+rng.IntN(150)) * time.Millisecond)
	read:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					break read
				}
				record(t, l, acked, done, &next)
				if first {
					first = false
					timer.Reset(time.Duration(rng.IntN(80)) * time.Millisecond)
				}
			case <-timer.C:
				if first {
					timer.Reset(50 * time.Millisecond) // still starting up
					continue
				}
				_ = cmd.Process.Signal(syscall.SIGKILL)
				for l := range lines {
					record(t, l, acked, done, &next)
				}
				break read
			}
		}
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("writer exited on its own (%v): %s", err, stderr.String())
		}
		kills++
		verify(t, dir, acked, done)
	}
	if kills < 10 || len(acked) < 50 {
		t.Fatalf("only %d kills and %d acknowledged jobs: too little evidence", kills, len(acked))
	}
	t.Logf("%d kills, %d acknowledged jobs, %d acknowledged deliveries", kills, len(acked), len(done))
}

func record(t *testing.T, l string, acked map[string]string, done map[string]bool, next *int) {
	f := strings.Fields(l)
	switch {
	case len(f) == 3 && f[0] == "ack":
		if prev, ok := acked[f[1]]; ok && prev != f[2] {
			t.Fatalf("key %s acknowledged as two jobs %s and %s", f[1], prev, f[2])
		}
		acked[f[1]] = f[2]
		n, _ := strconv.Atoi(strings.TrimPrefix(f[1], "k-"))
		*next = n + 1
	case len(f) == 2 && f[0] == "done":
		done[f[1]] = true
	default:
		t.Fatalf("writer said %q", l)
	}
}

func verify(t *testing.T, dir string, acked map[string]string, done map[string]bool) {
	t.Helper()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("open after kill: %v", err)
	}
	defer db.Close()
	err = db.bolt.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatalf("consistency check after kill: %v", err)
	}
	jobs, err := db.List(ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string][]Job{}
	for _, j := range jobs {
		byKey[j.Purpose] = append(byKey[j.Purpose], j)
	}
	for k, js := range byKey {
		if len(js) > 1 {
			t.Fatalf("key %s stored %d times", k, len(js))
		}
	}
	// Each job's creation is in the audit log once, whether the kill came
	// before or after its first claim moved it out of the inbox.
	log, err := db.AuditLog(time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	created := map[string]int{}
	for _, e := range log {
		if e.Event == EventJobCreated {
			created[e.Fields["job"]]++
		}
	}
	for _, j := range jobs {
		if created[j.ID] != 1 {
			t.Fatalf("job %s (%s) has %d job.created audit entries, want 1", j.ID, j.State, created[j.ID])
		}
	}
	for k, id := range acked {
		js := byKey[k]
		if len(js) != 1 || js[0].ID != id {
			t.Fatalf("acknowledged job %s (%s) lost: %v", k, id, js)
		}
		if done[id] && js[0].State != StateDone {
			t.Fatalf("acknowledged delivery of %s lost: state %s", id, js[0].State)
		}
	}
}
