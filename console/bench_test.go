package console

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

func noLimits(c *Config) { c.SessionsPerMinute = -1; c.MaxAuthFailures = -1 }

// BenchmarkConnectToFirstScreen measures what a technician waits for: TCP
// connect, SSH handshake, public-key auth, pty, shell, and the first full
// status screen (its last row) on the client. Client and server share the
// machine, so this is the kiosk's cost plus the client's.
func BenchmarkConnectToFirstScreen(b *testing.B) {
	e := newEnv(b, noLimits)
	for b.Loop() {
		c, err := e.dial(b)
		if err != nil {
			b.Fatal(err)
		}
		tm := e.openTerm(b, c, 100, 30)
		tm.waitFor("Technicians")
		_ = tm.sess.Close()
		_ = c.Close()
	}
}

// BenchmarkExecStatusJSON measures one scripted `ssh kiosk status --json`
// including the connection.
func BenchmarkExecStatusJSON(b *testing.B) {
	e := newEnv(b, noLimits)
	for b.Loop() {
		out, _, code := e.run(b, "status --json")
		if code != 0 || !strings.HasPrefix(out, "{") {
			b.Fatalf("exit %d: %q", code, out)
		}
	}
}

// BenchmarkMemoryPerTechnician opens n interactive sessions at once and
// reports the live heap and goroutines each adds. The client side of each
// connection runs in the same process, so the figure is an upper bound for
// the kiosk.
func BenchmarkMemoryPerTechnician(b *testing.B) {
	const n = 20
	e := newEnv(b, noLimits)
	var heapPer, gorPer float64
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		g0 := runtime.NumGoroutine()
		var terms []*term
		for range n {
			c, err := e.dial(b)
			if err != nil {
				b.Fatal(err)
			}
			tm := e.openTerm(b, c, 100, 30)
			tm.waitFor("Technicians")
			terms = append(terms, tm)
		}
		time.Sleep(100 * time.Millisecond) // let start-up garbage become garbage
		runtime.GC()
		runtime.ReadMemStats(&after)
		heapPer = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / n
		gorPer = float64(runtime.NumGoroutine()-g0) / n
		for _, tm := range terms {
			_ = tm.sess.Close()
		}
		deadline := time.Now().Add(5 * time.Second)
		for e.srv.Technicians() != 0 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
	}
	b.ReportMetric(heapPer, "heap-B/technician")
	b.ReportMetric(gorPer, "goroutines/technician")
}

// BenchmarkSSHHandshake is the part of BenchmarkConnectToFirstScreen spent
// in TCP, key exchange and public-key authentication.
func BenchmarkSSHHandshake(b *testing.B) {
	e := newEnv(b, noLimits)
	for b.Loop() {
		c, err := e.dial(b)
		if err != nil {
			b.Fatal(err)
		}
		_ = c.Close()
	}
}
