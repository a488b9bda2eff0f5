package kit

import (
	"sort"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// Clock is the time source of the UI. Timers are tea.Cmds, so the real
// clock is tea.Tick and tests use a FakeClock that fires when advanced
// instead of sleeping.
type Clock interface {
	Now() time.Time
	// After returns a command that delivers fn(t) once d has elapsed.
	After(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd
}

// RealClock is the wall clock.
type RealClock struct{}

// Now implements Clock.
func (RealClock) Now() time.Time { return time.Now() }

// After implements Clock with tea.Tick: one timer, no busy ticking.
func (RealClock) After(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
	return tea.Tick(d, fn)
}

// FakeClock is a Clock for tests: time moves only on Advance, and commands
// returned by After block until the fake time reaches their deadline.
type FakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []*fakeWaiter
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

// NewFakeClock returns a FakeClock set to t.
func NewFakeClock(t time.Time) *FakeClock { return &FakeClock{now: t} }

// Now implements Clock.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After implements Clock. The timer is registered when After is called, so
// a test may Advance before the command runs and it still fires.
func (c *FakeClock) After(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
	c.mu.Lock()
	w := &fakeWaiter{at: c.now.Add(d), ch: make(chan time.Time, 1)}
	c.waiters = append(c.waiters, w)
	c.fireLocked()
	c.mu.Unlock()
	return func() tea.Msg { return fn(<-w.ch) }
}

// Advance moves time forward and fires every timer that is due.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.fireLocked()
	c.mu.Unlock()
}

// Pending is the number of timers not yet fired.
func (c *FakeClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}

func (c *FakeClock) fireLocked() {
	sort.Slice(c.waiters, func(i, j int) bool { return c.waiters[i].at.Before(c.waiters[j].at) })
	keep := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(c.now) {
			w.ch <- w.at
			continue
		}
		keep = append(keep, w)
	}
	c.waiters = keep
}
