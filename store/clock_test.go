package store

import (
	"strings"
	"testing"
	"time"
)

// TestForwardClockJumpKeepsJobs is issue 16.4's scene: a kiosk boots with
// the time it saved days ago (no real-time clock), a visitor's job is
// enqueued, and ten minutes later NTP sets the clock four days forward.
// The job is ten minutes old, not four days: not dead, payload kept, and
// it is delivered.
func TestForwardClockJumpKeepsJobs(t *testing.T) {
	clk := newClock()
	db := openTest(t, t.TempDir(), clk, func(o *Options) { o.PayloadMaxAge = 72 * time.Hour })
	j, err := db.Enqueue(smsJob("+34600000001", "su código"))
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(10 * time.Minute)
	clk.Jump(4 * 24 * time.Hour)
	r, err := db.Purge()
	if err != nil {
		t.Fatal(err)
	}
	got, _ := db.Get(j.ID)
	if r.Killed != 0 || r.Payloads != 0 || got.State != StatePending || !got.HasPayload {
		t.Fatalf("after the jump: report %+v, job %s payload=%v (%s)", r, got.State, got.HasPayload, got.LastError)
	}
	c, err := db.Claim(KindSMS, 1)
	if err != nil || len(c) != 1 || c[0].Payload.Text != "su código" {
		t.Fatalf("claim after the jump: %v %v", c, err)
	}
	if err := db.Done(j.ID); err != nil {
		t.Fatal(err)
	}
}

// TestPayloadAgesByRunningClock: retention still works, on the running
// clock, for jobs in the inbox and jobs already tried.
func TestPayloadAgesByRunningClock(t *testing.T) {
	clk := newClock()
	db := openTest(t, t.TempDir(), clk, func(o *Options) { o.PayloadMaxAge = 72 * time.Hour })
	tried, _ := db.Enqueue(smsJob("+34600000002", "tried once"))
	c, _ := db.Claim(KindSMS, 1)
	if _, err := db.Fail(c[0].ID, c[0].Attempt, errSentinel("451"), false); err != nil {
		t.Fatal(err)
	}
	inflight, _ := db.Enqueue(smsJob("+34600000003", "in flight"))
	clk.Jump(time.Minute) // the retry is due too (wall clock only: ages unchanged)
	if c, _ := db.Claim(KindSMS, 2); len(c) != 2 {
		t.Fatalf("claimed %d", len(c))
	}
	fresh, _ := db.Enqueue(smsJob("+34600000001", "never claimed"))
	clk.Jump(-30 * 24 * time.Hour) // a clock set back changes nothing either
	clk.Advance(71 * time.Hour)
	if r, _ := db.Purge(); r.Payloads != 0 {
		t.Fatalf("purged at 71 h of running: %+v", r)
	}
	clk.Advance(time.Hour)
	r, _ := db.Purge()
	if r.Payloads != 3 || r.Killed != 3 {
		t.Fatalf("at 72 h: %+v, want 3 payloads purged and 3 jobs dead", r)
	}
	for _, id := range []string{fresh.ID, tried.ID, inflight.ID} {
		j, _ := db.Get(id)
		if j.State != StateDead || j.HasPayload || !strings.Contains(j.LastError, "expired") {
			t.Fatalf("job %s: %s payload=%v %q", id, j.State, j.HasPayload, j.LastError)
		}
	}
}

type errSentinel string

func (e errSentinel) Error() string { return string(e) }

// TestRunningClockSurvivesRestart: the running clock is persisted, so a
// kiosk restarted every day still purges undelivered data after 72 h of
// running, and a wall clock set forward while it was off does not count
// unless it was synchronised at both ends.
func TestRunningClockSurvivesRestart(t *testing.T) {
	for _, tc := range []struct {
		name             string
		syncedAtClose    bool
		syncedAtOpen     bool
		downtimeCounts   bool
		crashNoCheckpoin bool
	}{
		{"unsynchronised clock: time off not counted", false, false, false, false},
		{"synchronised only now: time off not counted", false, true, false, false},
		{"synchronised at both ends: time off counted", true, true, true, false},
		{"crash after the last checkpoint", false, false, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			clk := newClock()
			synced := tc.syncedAtClose
			mod := func(o *Options) {
				o.PayloadMaxAge = 72 * time.Hour
				o.ClockSynced = func() bool { return synced }
			}
			db := openTest(t, dir, clk, mod)
			clk.Advance(30 * time.Hour)
			if _, err := db.Purge(); err != nil { // a checkpoint at 30 h
				t.Fatal(err)
			}
			clk.Advance(30 * time.Hour)
			j, _ := db.Enqueue(smsJob("+34600000001", "x")) // born at 60 h
			clk.Advance(40 * time.Hour)                     // 40 h old
			if tc.crashNoCheckpoin {
				_ = db.bolt.Close() // kill -9: no checkpoint since 30 h
			} else {
				db.Close()
			}
			// Switched off for 48 h; a new process: its monotonic clock
			// starts again.
			clk.Jump(48 * time.Hour)
			clk = &fakeClock{t: clk.Now()}
			synced = tc.syncedAtOpen
			db = openTest(t, dir, clk, mod)
			if run := db.Running(); run < 60*time.Hour {
				t.Fatalf("running clock went back to %v (the job was born at 60 h)", run)
			}
			r, _ := db.Purge()
			if got := r.Killed == 1; got != tc.downtimeCounts {
				t.Fatalf("after 48 h off: purge %+v, want the job expired: %v", r, tc.downtimeCounts)
			}
			if !tc.downtimeCounts {
				lived := 40 * time.Hour
				if tc.crashNoCheckpoin {
					lived = 0 // what the crash lost is not counted
				}
				clk.Advance(72*time.Hour - lived - time.Minute)
				if r, _ := db.Purge(); r.Killed != 0 {
					t.Fatalf("purged before 72 h of running: %+v", r)
				}
				clk.Advance(time.Minute)
				if r, _ := db.Purge(); r.Killed != 1 {
					t.Fatalf("not purged at 72 h of running: %+v", r)
				}
			}
			if got, _ := db.Get(j.ID); got.State != StateDead {
				t.Fatalf("job %s", got.State)
			}
		})
	}
}

// TestDeadPayloadAgesByRunningClock: a dead letter keeps its data for a
// technician's retry for DeadPayloadMaxAge of running, whatever the wall
// clock does; and a dead letter still holding data is not deleted by the
// metadata retention (wall clock).
func TestDeadPayloadAgesByRunningClock(t *testing.T) {
	clk := newClock()
	db := openTest(t, t.TempDir(), clk, func(o *Options) {
		o.DeadPayloadMaxAge = time.Hour
		o.DeadRetention = 24 * time.Hour
	})
	j, _ := db.Enqueue(smsJob("+34600000001", "x"))
	c, _ := db.Claim(KindSMS, 1)
	if _, err := db.Fail(j.ID, c[0].Attempt, errSentinel("invalid number"), true); err != nil {
		t.Fatal(err)
	}
	clk.Jump(30 * 24 * time.Hour)
	if _, err := db.Purge(); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Get(j.ID); err != nil || !got.HasPayload {
		t.Fatalf("dead letter after a 30-day jump: %+v %v", got, err)
	}
	clk.Advance(time.Hour)
	db.Purge()
	if got, _ := db.Get(j.ID); got.HasPayload {
		t.Fatal("dead letter kept its data past DeadPayloadMaxAge of running")
	}
}

// TestBackwardClockJumpHoldsNoRetry: retry times and leases are wall-clock
// times in the due index. A clock set back four days (one that ran ahead,
// corrected by NTP or by hand) put a failed job's retry four days away,
// past the 72 h its data may wait: it was deleted "expired before
// delivery" without another try. A due time further ahead than any
// back-off or lease can set is a clock that went back: the retry is due
// now, and a lease runs afresh from now (never a second send meanwhile).
func TestBackwardClockJumpHoldsNoRetry(t *testing.T) {
	clk := newClock()
	db := openTest(t, t.TempDir(), clk, func(o *Options) { o.PayloadMaxAge = 72 * time.Hour })
	retry, _ := db.Enqueue(smsJob("+34600000001", "failed once"))
	c, err := db.Claim(KindSMS, 1)
	if err != nil || len(c) != 1 {
		t.Fatalf("claim: %v %v", c, err)
	}
	if _, err := db.Fail(c[0].ID, c[0].Attempt, errSentinel("modem busy"), false); err != nil {
		t.Fatal(err)
	}
	inflight, _ := db.Enqueue(smsJob("+34600000002", "being sent"))
	c, err = db.Claim(KindSMS, 1)
	if err != nil || len(c) != 1 || c[0].ID != inflight.ID {
		t.Fatalf("claim: %v %v", c, err)
	}
	lease := c[0]

	clk.Jump(-4 * 24 * time.Hour)
	clk.Advance(2 * time.Minute) // past the retry's back-off (≤ 37.5 s)
	got, err := db.Claim(KindSMS, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != retry.ID {
		t.Fatalf("after the clock went back: claimed %v, want the retry alone (the lease is still running)", ids(got))
	}
	// The interrupted send ends: its lease was not lost.
	if err := db.Done(lease.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.Done(got[0].ID); err != nil {
		t.Fatal(err)
	}

	// A lease left by a process that died, seen after the jump, expires a
	// lease from now.
	dead, _ := db.Enqueue(smsJob("+34600000003", "sender died"))
	if c, _ := db.Claim(KindSMS, 1); len(c) != 1 {
		t.Fatal("claim")
	}
	clk.Jump(-4 * 24 * time.Hour)
	if c, _ := db.Claim(KindSMS, 1); len(c) != 0 {
		t.Fatalf("claimed %v while its lease runs", ids(c))
	}
	clk.Advance(db.opt.Lease + time.Second)
	if c, _ := db.Claim(KindSMS, 1); len(c) != 1 || c[0].ID != dead.ID {
		t.Fatalf("after a lease from the jump: claimed %v, want %s", ids(c), dead.ID)
	}
}

func ids(c []Claimed) []string {
	var out []string
	for _, x := range c {
		out = append(out, x.ID)
	}
	return out
}
