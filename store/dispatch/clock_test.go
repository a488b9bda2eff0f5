package dispatch

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ventanilla-kiosk/ventanilla/store"
)

// jumpyClock is a wall clock that NTP may set, over a monotonic clock
// that only moves forward with real elapsed time.
type jumpyClock struct {
	mu   sync.Mutex
	wall time.Time
	mono time.Duration
}

func (c *jumpyClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.wall
}

func (c *jumpyClock) Mono() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mono
}

func (c *jumpyClock) elapse(d time.Duration) {
	c.mu.Lock()
	c.wall, c.mono = c.wall.Add(d), c.mono+d
	c.mu.Unlock()
}

func (c *jumpyClock) jump(d time.Duration) {
	c.mu.Lock()
	c.wall = c.wall.Add(d)
	c.mu.Unlock()
}

// TestClockJumpDoesNotLoseJob (issue 16.4): a visitor's SMS is enqueued
// on a kiosk that booted with a stale clock; ten minutes later NTP moves
// the clock four days forward; the retention purge runs (as the dispatcher
// does at start and every few minutes) and the SMS is still delivered,
// with its text.
func TestClockJumpDoesNotLoseJob(t *testing.T) {
	clk := &jumpyClock{wall: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	db := openStore(t, func(o *store.Options) {
		o.Now, o.Monotonic = clk.Now, clk.Mono
		o.ClockSynced = func() bool { return false }
		o.PayloadMaxAge = 72 * time.Hour
	})
	j, err := db.Enqueue(store.NewJob{Kind: store.KindSMS, Payload: store.Payload{To: "+34600000001", Text: "Su código: 123456"}})
	if err != nil {
		t.Fatal(err)
	}
	clk.elapse(10 * time.Minute)
	clk.jump(4 * 24 * time.Hour)
	if r, err := db.Purge(); err != nil || r.Killed != 0 || r.Payloads != 0 {
		t.Fatalf("purge after the jump: %+v %v", r, err)
	}
	var mu sync.Mutex
	var sent []string
	run(t, Config{Store: db, PurgeEvery: time.Millisecond, SMS: SMSFunc(func(_ context.Context, to, text string, _ SMSOptions) (SMSResult, error) {
		mu.Lock()
		sent = append(sent, to+" "+text)
		mu.Unlock()
		return SMSResult{Parts: 1}, nil
	})})
	waitFor(t, "the SMS delivered", 10*time.Second, func() bool {
		got, _ := db.Get(j.ID)
		return got.State == store.StateDone
	})
	mu.Lock()
	defer mu.Unlock()
	if len(sent) != 1 || sent[0] != "+34600000001 Su código: 123456" {
		t.Fatalf("sent %q", sent)
	}
}
