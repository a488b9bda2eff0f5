package console

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// TestLimiterFitsAMonitoringScript: a script that runs three commands every
// five seconds, all day, is never refused by the default limits (the old
// limit refused it after ~14 commands).
func TestLimiterFitsAMonitoringScript(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	var cfg Config
	cfg.defaults()
	l := newSessionLimiter(cfg.SessionsPerMinute, cfg.SessionBurst, clk.now)
	for poll := range 24 * 60 * 12 {
		for c := range 3 {
			if ok, _ := l.allow("10.0.0.7"); !ok {
				t.Fatalf("poll %d, command %d refused", poll, c)
			}
			clk.advance(50 * time.Millisecond)
		}
		clk.advance(5*time.Second - 150*time.Millisecond)
	}
}

// TestLimiterStopsALoop: a loop as fast as it can go gets the burst, then
// the sustained rate, and is told when to come back.
func TestLimiterStopsALoop(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	l := newSessionLimiter(60, 30, clk.now)
	for i := range 30 {
		if ok, _ := l.allow("10.0.0.7"); !ok {
			t.Fatalf("session %d of the burst refused", i)
		}
	}
	ok, wait := l.allow("10.0.0.7")
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("31st session: ok=%v wait=%v; want refused, back within 1s", ok, wait)
	}
	if ok, _ := l.allow("10.0.0.8"); !ok {
		t.Fatal("another address is limited too")
	}
	clk.advance(time.Second)
	if ok, _ := l.allow("10.0.0.7"); !ok {
		t.Fatal("no token after a second at 60 a minute")
	}
	if ok, _ := l.allow("10.0.0.7"); ok {
		t.Fatal("two tokens after a second at 60 a minute")
	}
	if ok, _ := newSessionLimiter(-1, 0, clk.now).allow("x"); !ok {
		t.Fatal("a negative rate must disable the limit")
	}
}

// TestLimiterTableIsBounded: sessions from many addresses do not grow the
// table past its bound.
func TestLimiterTableIsBounded(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	l := newSessionLimiter(60, 30, clk.now)
	for i := range 20 * maxRateTable {
		l.allow(fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
	}
	if n := l.size(); n != maxRateTable {
		t.Fatalf("table holds %d addresses, want %d", n, maxRateTable)
	}
}

// TestRateLimitedSessionExitStatus: over SSH, a refused session exits 75
// (not 1) with a message saying when to come back, and is counted.
func TestRateLimitedSessionExitStatus(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.SessionsPerMinute, c.SessionBurst = 1, 2 })
	for i := range 2 {
		if _, errOut, code := e.run(t, "status"); code != exitOK {
			t.Fatalf("session %d: exit %d %q", i, code, errOut)
		}
	}
	out, errOut, code := e.run(t, "status")
	if code != ExitTooMany || out != "" || !strings.Contains(errOut, "too many sessions from your address") || !strings.Contains(errOut, "try again in") {
		t.Fatalf("third session: exit %d, stdout %q, stderr %q; want %d", code, out, errOut, ExitTooMany)
	}
	if got := metricLine(t, e, `ventanilla_ssh_refused_total{reason="rate"}`); got != "1" {
		t.Fatalf("refusals counted: %s", got)
	}
}
