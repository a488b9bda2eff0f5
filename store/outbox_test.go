package store

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ventanilla-kiosk/ventanilla/procedure/mask"
)

func TestLifecycleTable(t *testing.T) {
	type step struct {
		advance time.Duration
		op      string // claim, done, fail, perm, retry, reopen
		want    State
		due     time.Duration // expected due - now (when >= 0 and state waits)
	}
	// Options: lease 5m, base 30s (jitter r=0.5 → ×1.0), max 1h, 3 attempts.
	cases := []struct {
		name  string
		steps []step
	}{
		{"delivered first time", []step{
			{0, "claim", StateInflight, 5 * time.Minute},
			{time.Second, "done", StateDone, -1},
		}},
		{"backoff doubles then dead", []step{
			{0, "claim", StateInflight, 5 * time.Minute},
			{0, "fail", StateRetry, 30 * time.Second},
			{10 * time.Second, "claimnone", StateRetry, 20 * time.Second},
			{20 * time.Second, "claim", StateInflight, 5 * time.Minute},
			{0, "fail", StateRetry, time.Minute},
			{time.Minute, "claim", StateInflight, 5 * time.Minute},
			{0, "fail", StateDead, -1},
			{time.Hour, "claimnone", StateDead, -1},
			{0, "retry", StatePending, 0},
			{0, "claim", StateInflight, 5 * time.Minute},
			{0, "done", StateDone, -1},
		}},
		{"permanent error dead at once", []step{
			{0, "claim", StateInflight, 5 * time.Minute},
			{0, "perm", StateDead, -1},
		}},
		{"expired lease comes back", []step{
			{0, "claim", StateInflight, 5 * time.Minute},
			{4 * time.Minute, "claimnone", StateInflight, time.Minute},
			{time.Minute, "claim", StateInflight, 5 * time.Minute},
			{0, "done", StateDone, -1},
		}},
		{"crash: reopen makes inflight due now", []step{
			{0, "claim", StateInflight, 5 * time.Minute},
			{time.Second, "reopen", StateInflight, 0},
			{0, "claim", StateInflight, 5 * time.Minute},
			{0, "done", StateDone, -1},
		}},
		{"last attempt lost in crash goes dead", []step{
			{0, "claim", StateInflight, 5 * time.Minute},
			{0, "fail", StateRetry, 30 * time.Second},
			{30 * time.Second, "claim", StateInflight, 5 * time.Minute},
			{0, "fail", StateRetry, time.Minute},
			{time.Minute, "claim", StateInflight, 5 * time.Minute},
			{5 * time.Minute, "claimnone", StateDead, -1},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			clk := newClock()
			mod := func(o *Options) {
				o.MaxAttempts = 3
				o.Lease = 5 * time.Minute
				o.BackoffBase = 30 * time.Second
				o.BackoffMax = time.Hour
			}
			db := openTest(t, dir, clk, mod)
			j, err := db.Enqueue(smsJob("+34600000012", "hola"))
			if err != nil {
				t.Fatal(err)
			}
			attempt := 0
			for i, s := range tc.steps {
				clk.Advance(s.advance)
				switch s.op {
				case "claim", "claimnone":
					got, err := db.Claim(KindSMS, 10)
					if err != nil {
						t.Fatal(err)
					}
					if s.op == "claimnone" && len(got) != 0 {
						t.Fatalf("step %d: claimed %d jobs, want none", i, len(got))
					}
					if s.op == "claim" {
						if len(got) != 1 {
							t.Fatalf("step %d: claimed %d jobs, want 1", i, len(got))
						}
						if got[0].Payload.Text != "hola" || got[0].Payload.To != "+34600000012" {
							t.Fatalf("step %d: payload %+v", i, got[0].Payload)
						}
						attempt = got[0].Attempt
					}
				case "done":
					if err := db.Done(j.ID); err != nil {
						t.Fatal(err)
					}
				case "fail", "perm":
					if _, err := db.Fail(j.ID, attempt, errors.New("451 try later"), s.op == "perm"); err != nil {
						t.Fatal(err)
					}
				case "retry":
					if _, err := db.Retry(j.ID, "test"); err != nil {
						t.Fatal(err)
					}
				case "reopen":
					db.Close()
					db = openTest(t, dir, clk, mod)
				}
				got, err := db.Get(j.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.State != s.want {
					t.Fatalf("step %d (%s): state %s, want %s (%s)", i, s.op, got.State, s.want, got.LastError)
				}
				if s.due >= 0 {
					if d := got.Due.Sub(clk.Now()); d != s.due {
						t.Fatalf("step %d (%s): due in %v, want %v", i, s.op, d, s.due)
					}
				} else if !got.Due.IsZero() {
					t.Fatalf("step %d (%s): due %v, want none", i, s.op, got.Due)
				}
				if s.want == StateDone && got.HasPayload {
					t.Fatalf("step %d: delivered job still holds its payload", i)
				}
			}
		})
	}
}

func TestBackoffJitterAndCap(t *testing.T) {
	base, lim := 30*time.Second, 10*time.Minute
	for _, tc := range []struct {
		attempts int
		r        float64
		want     time.Duration
	}{
		{1, 0.5, 30 * time.Second},
		{1, 0, 22500 * time.Millisecond},
		{1, 0.999999, 37499985 * time.Microsecond},
		{2, 0.5, time.Minute},
		{5, 0.5, 8 * time.Minute},
		{6, 0.5, 10 * time.Minute},
		{60, 0.5, 10 * time.Minute},
		{60, 0, 7*time.Minute + 30*time.Second},
	} {
		got := backoff(base, lim, tc.attempts, tc.r)
		if d := got - tc.want; d < -time.Microsecond || d > time.Microsecond {
			t.Errorf("backoff(%d, %v) = %v, want %v", tc.attempts, tc.r, got, tc.want)
		}
	}
}

func TestIdempotencyKey(t *testing.T) {
	db := openTest(t, t.TempDir(), newClock(), nil)
	n := smsJob("+34600000001", "a")
	n.IdempotencyKey = "visit-42-sms"
	a, err := db.Enqueue(n)
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.Enqueue(n)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != b.ID {
		t.Fatalf("same idempotency key gave two jobs %s %s", a.ID, b.ID)
	}
	jobs, _ := db.List(ListFilter{})
	if len(jobs) != 1 {
		t.Fatalf("%d jobs, want 1", len(jobs))
	}
}

func TestKindsAreIndependent(t *testing.T) {
	db := openTest(t, t.TempDir(), newClock(), nil)
	for i := 0; i < 3; i++ {
		if _, err := db.Enqueue(NewJob{Kind: KindEmail, Payload: Payload{To: "a@b.es", Body: "x"}}); err != nil {
			t.Fatal(err)
		}
	}
	s, err := db.Enqueue(smsJob("+34600000001", "a"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.Claim(KindSMS, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != s.ID {
		t.Fatalf("sms claim got %v", got)
	}
	got, _ = db.Claim(KindEmail, 2)
	if len(got) != 2 {
		t.Fatalf("email claim got %d, want 2 (max)", len(got))
	}
	if got[0].MessageID == "" || got[0].MessageID == got[1].MessageID {
		t.Fatalf("message ids %q %q", got[0].MessageID, got[1].MessageID)
	}
}

func TestSMSPartsPersist(t *testing.T) {
	dir := t.TempDir()
	db := openTest(t, dir, newClock(), nil)
	j, _ := db.Enqueue(smsJob("+34600000001", "a"))
	if _, err := db.Claim(KindSMS, 1); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordSMSPart(j.ID, 1, 77); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = openTest(t, dir, newClock(), nil)
	got, _ := db.Claim(KindSMS, 1)
	if len(got) != 1 || got[0].Parts[1] != 77 || got[0].ConcatRef != j.ConcatRef || got[0].ConcatRef == 0 {
		t.Fatalf("after reopen: %+v (want part 1 → 77, concat ref %d)", got, j.ConcatRef)
	}
}

func TestFailStaleAttemptIgnored(t *testing.T) {
	db := openTest(t, t.TempDir(), newClock(), nil)
	j, _ := db.Enqueue(smsJob("+34600000001", "a"))
	c, _ := db.Claim(KindSMS, 1)
	if err := db.Done(j.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Fail(j.ID, c[0].Attempt, errors.New("late"), false); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("Fail after Done: %v, want ErrLeaseLost", err)
	}
	if got, _ := db.Get(j.ID); got.State != StateDone {
		t.Fatalf("state %s", got.State)
	}
}

func TestEnqueueValidation(t *testing.T) {
	db := openTest(t, t.TempDir(), newClock(), nil)
	for _, n := range []NewJob{
		{Kind: "fax", Payload: Payload{To: "1", Text: "x"}},
		{Kind: KindSMS, Payload: Payload{Text: "x"}},
		{Kind: KindSMS, Payload: Payload{To: "+34600000000"}},
		{Kind: KindEmail, Payload: Payload{To: "a@b.es"}},
	} {
		if _, err := db.Enqueue(n); err == nil {
			t.Errorf("Enqueue(%+v) accepted", n)
		}
	}
}

func TestErrorTextRedacted(t *testing.T) {
	db := openTest(t, t.TempDir(), newClock(), nil)
	j, _ := db.Enqueue(NewJob{Kind: KindEmail, Payload: Payload{To: "juana.garcia@example.es", Body: "x"}})
	c, _ := db.Claim(KindEmail, 1)
	_, err := db.Fail(j.ID, c[0].Attempt, fmt.Errorf("550 mailbox unavailable, affected recipient(s): juana.garcia@example.es, +34 600 123 456"), true)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := db.Get(j.ID)
	if got.State != StateDead {
		t.Fatalf("state %s", got.State)
	}
	for _, bad := range []string{"juana.garcia", "600 123 456"} {
		if contains(got.LastError, bad) {
			t.Fatalf("last error keeps personal data: %q", got.LastError)
		}
	}
	log, _ := db.AuditLog(time.Time{}, 0)
	for _, e := range log {
		for _, v := range e.Fields {
			if contains(v, "juana.garcia") {
				t.Fatalf("audit keeps personal data: %+v", e)
			}
		}
	}
}

// TestRecipientsUseTheSharedMask: the outbox's recipients, error texts and
// audit fields read exactly as package mask writes them, the same as the
// console and the logs show them (issue 14.4: three phone maskers gave
// three outputs).
func TestRecipientsUseTheSharedMask(t *testing.T) {
	db := openTest(t, t.TempDir(), newClock(), nil)
	sms, err := db.Enqueue(NewJob{Kind: KindSMS, Payload: Payload{To: "+34612345678", Text: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	em, err := db.Enqueue(NewJob{Kind: KindEmail, Payload: Payload{To: "juana.garcia@example.es", Body: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if sms.Recipient != mask.Phone("+34612345678") || em.Recipient != mask.Email("juana.garcia@example.es") {
		t.Fatalf("recipients %q, %q", sms.Recipient, em.Recipient)
	}
	if v := ViewOf(sms); v.Recipient != "+34 6•• ••• •78" {
		t.Fatalf("view recipient %q", v.Recipient)
	}
	c, _ := db.Claim(KindSMS, 1)
	msg := "CMS ERROR 500 for 612 345 678"
	if _, err := db.Fail(sms.ID, c[0].Attempt, errors.New(msg), false); err != nil {
		t.Fatal(err)
	}
	got, _ := db.Get(sms.ID)
	if got.LastError != mask.Text(msg) || !strings.Contains(got.LastError, mask.Phone("612345678")) {
		t.Fatalf("last error %q, want %q", got.LastError, mask.Text(msg))
	}
	if err := db.Audit("technician.test", map[string]string{"to": "+34 612 345 678"}); err != nil {
		t.Fatal(err)
	}
	log, _ := db.AuditLog(time.Time{}, 0)
	last := log[len(log)-1]
	if last.Fields["to"] != mask.Phone("+34612345678") {
		t.Fatalf("audit field %q", last.Fields["to"])
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestRetentionPurge(t *testing.T) {
	clk := newClock()
	db := openTest(t, t.TempDir(), clk, func(o *Options) {
		o.PayloadMaxAge = 10 * time.Hour
		o.DeadPayloadMaxAge = time.Hour
		o.DoneRetention = 2 * time.Hour
		o.DeadRetention = 48 * time.Hour
		o.AuditRetention = 24 * time.Hour
	})
	never, _ := db.Enqueue(smsJob("+34600000001", "never sent"))
	clk.Advance(time.Minute)
	dead, _ := db.Enqueue(smsJob("+34600000002", "dies"))
	done, _ := db.Enqueue(smsJob("+34600000003", "sent"))
	c, _ := db.Claim(KindSMS, 3)
	for _, j := range c {
		switch j.ID {
		case dead.ID:
			db.Fail(j.ID, j.Attempt, errors.New("550"), true)
		case done.ID:
			db.Done(j.ID)
		case never.ID:
			db.Fail(j.ID, j.Attempt, errors.New("451"), false)
		}
	}
	check := func(step string, id string, st State, payload bool) {
		t.Helper()
		j, err := db.Get(id)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if j.State != st || j.HasPayload != payload {
			t.Fatalf("%s: job %s is %s payload=%v, want %s payload=%v", step, id, j.State, j.HasPayload, st, payload)
		}
	}
	clk.Advance(30 * time.Minute)
	db.Purge()
	check("30m", dead.ID, StateDead, true)
	check("30m", done.ID, StateDone, false)
	clk.Advance(time.Hour)
	db.Purge()
	check("1h30", dead.ID, StateDead, false) // dead letter keeps metadata only
	check("1h30", never.ID, StateRetry, true)
	clk.Advance(time.Hour)
	r, _ := db.Purge()
	if _, err := db.Get(done.ID); !errors.Is(err, ErrNotFound) || r.DoneDeleted != 1 {
		t.Fatalf("done job not deleted after DoneRetention: %v %+v", err, r)
	}
	if _, err := db.Retry(dead.ID, "t"); !errors.Is(err, ErrPayloadGone) {
		t.Fatalf("retry of a purged dead letter: %v", err)
	}
	clk.Advance(8 * time.Hour) // past PayloadMaxAge: undelivered data goes too
	r, _ = db.Purge()
	check("10h", never.ID, StateDead, false)
	if r.Killed != 1 {
		t.Fatalf("report %+v", r)
	}
	clk.Advance(48 * time.Hour)
	r, _ = db.Purge()
	if r.DeadDeleted != 2 || r.AuditTrim == 0 {
		t.Fatalf("report %+v", r)
	}
	if s, _ := db.Stats(); s.Total != 0 || s.Payloads != 0 {
		t.Fatalf("left %+v", s)
	}
}

// TestListNewestFirst: a technician's screen lists the newest jobs first,
// and a limit keeps the newest, for all jobs and for the dead letters.
func TestListNewestFirst(t *testing.T) {
	clk := newClock()
	db := openTest(t, t.TempDir(), clk, func(o *Options) { o.MaxAttempts = 1 })
	var ids []string
	for i := range 4 {
		j, err := db.Enqueue(NewJob{Kind: KindSMS, Payload: Payload{To: fmt.Sprintf("+3461234567%d", i), Text: "x"}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, j.ID)
		clk.Advance(time.Second)
	}
	got := func(f ListFilter) []string {
		t.Helper()
		jobs, err := db.List(f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, j := range jobs {
			out = append(out, j.ID)
		}
		return out
	}
	if g := got(ListFilter{NewestFirst: true, Limit: 2}); !slices.Equal(g, []string{ids[3], ids[2]}) {
		t.Fatalf("newest first, limit 2: %v, want %v", g, []string{ids[3], ids[2]})
	}
	if g := got(ListFilter{Limit: 2}); !slices.Equal(g, ids[:2]) {
		t.Fatalf("creation order, limit 2: %v", g)
	}
	// Kill the first three: the dead letters too come newest first.
	for range 3 {
		c, err := db.Claim(KindSMS, 1)
		if err != nil || len(c) != 1 {
			t.Fatalf("claim: %v %v", c, err)
		}
		if _, err := db.Fail(c[0].ID, c[0].Attempt, errors.New("boom"), true); err != nil {
			t.Fatal(err)
		}
	}
	if g := got(ListFilter{States: []State{StateDead}, NewestFirst: true}); !slices.Equal(g, []string{ids[2], ids[1], ids[0]}) {
		t.Fatalf("dead letters newest first: %v", g)
	}
}
