package dispatch

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ventanilla-kiosk/ventanilla/store"
)

// TestNotReadyCostsNoAttempt (issue 16.5): a sender that answers "not
// ready" (the modem still starting) gets the job back without a counted
// attempt, a failure or a dead letter; once it is ready the job goes with
// its first attempt.
func TestNotReadyCostsNoAttempt(t *testing.T) {
	db := openStore(t, func(o *store.Options) { o.MaxAttempts = 3 })
	j, err := db.Enqueue(store.NewJob{Kind: store.KindSMS, Payload: store.Payload{To: "+34600000001", Text: "hola"}})
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	var lastAttemptParts atomic.Int32
	obs := newObserver()
	run(t, Config{Store: db, Observer: obs, NotReadyRest: time.Millisecond, SMS: SMSFunc(func(_ context.Context, _, _ string, o SMSOptions) (SMSResult, error) {
		if calls.Add(1) <= 5 { // more times than MaxAttempts
			return SMSResult{}, NotReady(errors.New("modem not available: starting"))
		}
		lastAttemptParts.Store(int32(len(o.Accepted)))
		return SMSResult{Parts: 1}, nil
	})})
	waitFor(t, "delivery", 10*time.Second, func() bool {
		got, _ := db.Get(j.ID)
		return got.State == store.StateDone
	})
	got, _ := db.Get(j.ID)
	if got.Attempts != 1 || got.LastError != "" {
		t.Fatalf("delivered after %d not-ready answers with %d attempts counted (%q), want 1", calls.Load()-1, got.Attempts, got.LastError)
	}
	if obs.get(obs.failed, store.KindSMS) != 0 || obs.get(obs.dead, store.KindSMS) != 0 {
		t.Fatalf("not-ready answers counted as failures: %d failed, %d dead", obs.get(obs.failed, store.KindSMS), obs.get(obs.dead, store.KindSMS))
	}
}

// fakeDevice is a sender with Readiness: it counts the sends it was asked
// for and becomes ready when told.
type fakeDevice struct {
	mu      sync.Mutex
	ready   bool
	changed chan struct{}
	asked   int // Ready calls
	sent    []string
}

func newFakeDevice() *fakeDevice { return &fakeDevice{changed: make(chan struct{})} }

func (f *fakeDevice) Ready() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked++
	return f.ready
}

func (f *fakeDevice) Changed() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.changed
}

func (f *fakeDevice) setReady() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ready = true
	close(f.changed)
	f.changed = make(chan struct{})
}

func (f *fakeDevice) SendSMS(_ context.Context, to, text string, _ SMSOptions) (SMSResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.ready {
		return SMSResult{}, NotReady(errors.New("not ready"))
	}
	f.sent = append(f.sent, to+" "+text)
	return SMSResult{Parts: 1}, nil
}

func (f *fakeDevice) counts() (asked, sent int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.asked, len(f.sent)
}

// TestReadinessGatesClaims: while the device is not ready the dispatcher
// claims nothing (no attempt, no lease: a kill -9 now costs the job
// nothing), and the moment it becomes ready the job leaves, well before
// the 30 s poll.
func TestReadinessGatesClaims(t *testing.T) {
	db := openStore(t, nil)
	dev := newFakeDevice()
	run(t, Config{Store: db, SMS: dev, Poll: 30 * time.Second})
	waitFor(t, "the dispatcher to ask the device", 10*time.Second, func() bool {
		asked, _ := dev.counts()
		return asked >= 1
	})
	j, err := db.Enqueue(store.NewJob{Kind: store.KindSMS, Payload: store.Payload{To: "+34600000001", Text: "hola"}})
	if err != nil {
		t.Fatal(err)
	}
	// The enqueue wakes the loop, which asks the device and claims nothing.
	waitFor(t, "the dispatcher to ask the device after the enqueue", 10*time.Second, func() bool {
		asked, _ := dev.counts()
		return asked >= 2
	})
	got, _ := db.Get(j.ID)
	if got.State != store.StatePending || got.Attempts != 0 {
		t.Fatalf("job claimed from a device that is not ready: %s, %d attempts", got.State, got.Attempts)
	}
	dev.setReady()
	waitFor(t, "delivery once the device is ready (the poll is 30 s away)", 10*time.Second, func() bool {
		got, _ := db.Get(j.ID)
		return got.State == store.StateDone
	})
	if got, _ := db.Get(j.ID); got.Attempts != 1 {
		t.Fatalf("%d attempts, want 1", got.Attempts)
	}
}
