package store

import (
	"sync"
	"testing"
	"time"
)

// fakeClock is a wall clock and a monotonic clock that Advance moves
// together; Jump moves only the wall clock (NTP setting it, a technician's
// date command).
type fakeClock struct {
	mu   sync.Mutex
	t    time.Time
	mono time.Duration
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mono += d
	c.mu.Unlock()
}

func (c *fakeClock) Jump(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (c *fakeClock) Mono() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mono
}

func openTest(t testing.TB, dir string, clk *fakeClock, mod func(*Options)) *DB {
	t.Helper()
	o := Options{Rand: func() float64 { return 0.5 }}
	if clk != nil {
		o.Now = clk.Now
		o.Monotonic = clk.Mono
		o.ClockSynced = func() bool { return false }
	}
	if mod != nil {
		mod(&o)
	}
	db, err := Open(dir, o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func smsJob(to, text string) NewJob {
	return NewJob{Kind: KindSMS, Payload: Payload{To: to, Text: text}}
}
