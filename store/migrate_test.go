package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// copyV1 copies the schema-1 fixture (see testdata/v1/README) into a new
// data dir and returns it with the fixture's job ids.
func copyV1(t *testing.T) (string, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{FileName, KeyFileName} {
		b, err := os.ReadFile(filepath.Join("testdata", "v1", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var ids map[string]string
	b, err := os.ReadFile(filepath.Join("testdata", "v1", "jobs.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &ids); err != nil {
		t.Fatal(err)
	}
	return dir, ids
}

// TestMigrateV1 opens a database a kiosk in the field wrote with the
// schema-1 layout: every job keeps its state, payload, SMS parts, lease
// and idempotency key, and new jobs take the inbox route beside them.
func TestMigrateV1(t *testing.T) {
	dir, ids := copyV1(t)
	clk := newClock() // the fixture was written from 09:00 to 09:06
	clk.Advance(20 * time.Minute)
	db := openTest(t, dir, clk, nil)

	if db.KeyID() != ids["key_id"] {
		t.Fatalf("key id %s, want the fixture's %s", db.KeyID(), ids["key_id"])
	}
	var schema []byte
	_ = db.bolt.View(func(tx *bolt.Tx) error {
		schema = bytes.Clone(tx.Bucket(bMeta).Get(metaSchema))
		return nil
	})
	if string(schema) != schemaVersion {
		t.Fatalf("schema %q after open, want %q", schema, schemaVersion)
	}
	for name, want := range map[string]State{"done": StateDone, "dead": StateDead, "retry": StateRetry,
		"inflight": StateInflight, "pending": StatePending, "pending2": StatePending} {
		j, err := db.Get(ids[name])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if j.State != want {
			t.Fatalf("%s: state %s, want %s", name, j.State, want)
		}
		if name == "inflight" && j.Due.After(clk.Now()) {
			t.Fatalf("job left in flight by the dead process is due %v, want by now", j.Due)
		}
	}

	// Idempotency keys stored by the old layout still find their job.
	again, err := db.Enqueue(NewJob{Kind: KindSMS, IdempotencyKey: "sms:REF-PENDING", Payload: Payload{To: "+34600000005", Text: "otra vez"}})
	if err != nil || again.ID != ids["pending"] {
		t.Fatalf("idempotent enqueue after migration: %v %v, want %s", again.ID, err, ids["pending"])
	}
	again, err = db.Enqueue(NewJob{Kind: KindEmail, IdempotencyKey: "email:REF-INFLIGHT", Payload: Payload{To: "cita@example.es", Body: "x"}})
	if err != nil || again.ID != ids["inflight"] {
		t.Fatalf("idempotent enqueue after migration: %v %v, want %s", again.ID, err, ids["inflight"])
	}
	fresh, err := db.Enqueue(smsJob("+34600000009", "nuevo"))
	if err != nil {
		t.Fatal(err)
	}

	// Due order across both layouts: the old pending job (due 09:04), the
	// retry (09:04:30), then the job enqueued now.
	got, err := db.Claim(KindSMS, 10)
	if err != nil {
		t.Fatal(err)
	}
	var order, texts []string
	for _, c := range got {
		order = append(order, c.ID)
		texts = append(texts, c.Payload.Text)
	}
	if !slices.Equal(order, []string{ids["pending"], ids["retry"], fresh.ID}) {
		t.Fatalf("sms claim order %v (texts %q), want pending, retry, new", order, texts)
	}
	if !slices.Equal(texts, []string{"pendiente", "reintento", "nuevo"}) {
		t.Fatalf("payloads %q", texts)
	}
	if got[1].Parts[1] != 42 || got[1].Attempt != 2 {
		t.Fatalf("retry job lost its accepted part or attempt count: parts %v attempt %d", got[1].Parts, got[1].Attempt)
	}
	got, err = db.Claim(KindEmail, 10)
	if err != nil || len(got) != 2 || got[0].ID != ids["pending2"] || got[1].ID != ids["inflight"] {
		t.Fatalf("email claim %v %v, want pending2 then the recovered inflight job", got, err)
	}
	if got[1].Payload.Body != "cuerpo en vuelo" || got[1].Attempt != 2 {
		t.Fatalf("recovered job: %+v", got[1])
	}
	// The dead letter keeps its attachment for a technician's retry.
	if _, err := db.Retry(ids["dead"], "test"); err != nil {
		t.Fatal(err)
	}
	got, err = db.Claim(KindEmail, 1)
	if err != nil || len(got) != 1 || got[0].ID != ids["dead"] || !bytes.Equal(got[0].Payload.Attachments[0].Data, []byte{0xff, 0xd8, 1, 2, 3}) {
		t.Fatalf("retried dead letter: %+v %v", got, err)
	}
	if err := db.Done(ids["dead"]); err != nil {
		t.Fatal(err)
	}

	jobs, err := db.List(ListFilter{})
	if err != nil || len(jobs) != 7 {
		t.Fatalf("list: %d jobs %v, want 7", len(jobs), err)
	}
	if !slices.IsSortedFunc(jobs, func(a, b Job) int { return compareIDs(a.ID, b.ID) }) {
		t.Fatal("list not in creation order")
	}
	log, _ := db.AuditLog(time.Time{}, 0)
	migrated := 0
	for _, e := range log {
		if e.Event == "store.migrated" {
			migrated++
		}
	}
	db.Close()
	db = openTest(t, dir, clk, nil)
	log2, _ := db.AuditLog(time.Time{}, 0)
	for _, e := range log2[len(log):] {
		if e.Event == "store.migrated" {
			migrated++
		}
	}
	if migrated != 1 {
		t.Fatalf("%d store.migrated audit entries, want 1 (the second open has nothing to migrate)", migrated)
	}
	checkFile(t, db)
}

func checkFile(t *testing.T, db *DB) {
	t.Helper()
	err := db.bolt.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatalf("consistency check: %v", err)
	}
}

// TestNewerSchemaRefused: a file from a newer build is not touched.
func TestNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	db := openTest(t, dir, nil, nil)
	if err := db.bolt.Update(func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put(metaSchema, []byte("99")) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(dir, Options{}); err == nil || !bytes.Contains([]byte(err.Error()), []byte("upgrade ventanilla")) {
		t.Fatalf("open of a schema-99 file: %v", err)
	}
}

// TestRecoverWritesOnce: the first start after a crash makes jobs left in
// flight due; a later start that finds them already due leaves them alone
// (it used to rewrite every one of them at every start).
func TestRecoverWritesOnce(t *testing.T) {
	dir := t.TempDir()
	clk := newClock()
	db := openTest(t, dir, clk, nil)
	for range 3 {
		if _, err := db.Enqueue(smsJob("+34600000001", "x")); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := db.Claim(KindSMS, 3); len(got) != 3 {
		t.Fatal("claim")
	}
	db.Close() // a crash: the leases stay
	clk.Advance(time.Second)
	db = openTest(t, dir, clk, nil)
	first := clk.Now()
	db.Close()
	clk.Advance(time.Minute)
	db = openTest(t, dir, clk, nil)
	jobs, _ := db.List(ListFilter{States: []State{StateInflight}})
	if len(jobs) != 3 {
		t.Fatalf("%d jobs in flight, want 3", len(jobs))
	}
	for _, j := range jobs {
		if !j.Due.Equal(first) {
			t.Fatalf("job %s due %v: rewritten by the second start (first recovery made it due %v)", j.ID, j.Due, first)
		}
	}
}

// TestAuditJobCreatedOnce: a job's creation is in the audit log exactly
// once, with its creation time, before its first claim (read from the
// inbox record) and after it (written by the claim).
func TestAuditJobCreatedOnce(t *testing.T) {
	clk := newClock()
	db := openTest(t, t.TempDir(), clk, nil)
	j, err := db.Enqueue(NewJob{Kind: KindSMS, Purpose: "visitor-sms", Payload: Payload{To: "+34600000001", Text: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	created := clk.Now()
	count := func(step string) {
		t.Helper()
		log, err := db.AuditLog(time.Time{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range log {
			if e.Event == EventJobCreated && e.Fields["job"] == j.ID {
				n++
				if !e.Time.Equal(created) || e.Fields["purpose"] != "visitor-sms" || e.Fields["kind"] != "sms" {
					t.Fatalf("%s: entry %+v", step, e)
				}
			}
		}
		if n != 1 {
			t.Fatalf("%s: %d job.created entries for %s, want 1", step, n, j.ID)
		}
	}
	count("before claim")
	clk.Advance(time.Minute)
	if got, _ := db.Claim(KindSMS, 1); len(got) != 1 {
		t.Fatal("claim")
	}
	count("after claim")
	if log, _ := db.AuditLog(created.Add(time.Second), 0); len(log) != 0 {
		t.Fatalf("since after the creation: %+v", log)
	}
}

// TestAuditFieldsCapped: whoever writes to the audit log, a field cannot
// make it grow without bound (a 100 KB SSH user name was stored whole).
func TestAuditFieldsCapped(t *testing.T) {
	db := openTest(t, t.TempDir(), newClock(), nil)
	huge := string(bytes.Repeat([]byte("ñ"), 50_000)) // 100 KB
	fields := map[string]string{"user": huge, string(bytes.Repeat([]byte("k"), 1000)): "v"}
	for i := range 40 {
		fields[string(rune('a'+i%26))+string(rune('0'+i/26))] = "x"
	}
	if err := db.Audit(string(bytes.Repeat([]byte("e"), 5000)), fields); err != nil {
		t.Fatal(err)
	}
	log, _ := db.AuditLog(time.Time{}, 0)
	e := log[len(log)-1]
	raw, _ := json.Marshal(e)
	if len(raw) > 8<<10 {
		t.Fatalf("audit entry is %d bytes", len(raw))
	}
	if len(e.Event) > maxAuditEvent || len(e.Fields) > maxAuditFields+1 {
		t.Fatalf("event %d bytes, %d fields", len(e.Event), len(e.Fields))
	}
	for k, v := range e.Fields {
		if len(k) > maxAuditKey || len(v) > maxAuditValue || !utf8ValidString(v) {
			t.Fatalf("field %q = %d bytes (valid UTF-8: %v)", k[:min(len(k), 20)], len(v), utf8ValidString(v))
		}
	}
	if u, ok := e.Fields["user"]; ok && !bytes.HasPrefix([]byte(u), []byte("ññ")) {
		t.Fatalf("user %q", u)
	}
}

func utf8ValidString(s string) bool { return utf8.ValidString(s) }

// TestIdempotencyAcrossPromotion: a key finds its job while it waits in
// the inbox, after its first claim moved it out, and after delivery.
func TestIdempotencyAcrossPromotion(t *testing.T) {
	dir := t.TempDir()
	db := openTest(t, dir, newClock(), nil)
	n := NewJob{Kind: KindEmail, IdempotencyKey: "email:REF-1", Payload: Payload{To: "a@example.es", Body: "x"}}
	first, err := db.Enqueue(n)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := db.Enqueue(NewJob{Kind: KindEmail, IdempotencyKey: "email:REF-2", Payload: Payload{To: "a@example.es", Body: "y"}})
	same := func(step string) {
		t.Helper()
		j, err := db.Enqueue(n)
		if err != nil || j.ID != first.ID {
			t.Fatalf("%s: enqueue again gave %s %v, want %s", step, j.ID, err, first.ID)
		}
	}
	same("in the inbox")
	db.Close()
	db = openTest(t, dir, newClock(), nil)
	same("in the inbox, after a restart")
	c, _ := db.Claim(KindEmail, 1)
	if len(c) != 1 || c[0].ID != first.ID {
		t.Fatal("claim")
	}
	same("claimed")
	if err := db.Done(first.ID); err != nil {
		t.Fatal(err)
	}
	same("delivered")
	if j, _ := db.Enqueue(NewJob{Kind: KindEmail, IdempotencyKey: "email:REF-2", Payload: Payload{To: "a@example.es", Body: "y"}}); j.ID != other.ID {
		t.Fatalf("second key: %s, want %s", j.ID, other.ID)
	}
	if jobs, _ := db.List(ListFilter{}); len(jobs) != 2 {
		t.Fatalf("%d jobs, want 2", len(jobs))
	}
}

// TestAuditKeepsJobIDs: a job id with nine digits in a row is not a phone
// number; the audit log must still name the job.
func TestAuditKeepsJobIDs(t *testing.T) {
	db := openTest(t, t.TempDir(), newClock(), nil)
	const id = "01M93P7MTK6RABX390346194E9"
	if err := db.Audit("technician.retry", map[string]string{"job": id, "to": "+34 612 345 678"}); err != nil {
		t.Fatal(err)
	}
	log, _ := db.AuditLog(time.Time{}, 0)
	e := log[len(log)-1]
	if e.Fields["job"] != id || e.Fields["to"] == "+34 612 345 678" {
		t.Fatalf("fields %q", e.Fields)
	}
}

// TestRelease: a job given back by a channel that was not ready returns
// to the state it had before the claim, with its attempts as they were.
func TestRelease(t *testing.T) {
	clk := newClock()
	db := openTest(t, t.TempDir(), clk, nil)
	j, _ := db.Enqueue(smsJob("+34600000001", "x"))
	c, _ := db.Claim(KindSMS, 1)
	if err := db.Release(j.ID, c[0].Attempt); err != nil {
		t.Fatal(err)
	}
	got, _ := db.Get(j.ID)
	if got.State != StatePending || got.Attempts != 0 || got.Due.After(clk.Now()) {
		t.Fatalf("after release: %s, %d attempts, due %v", got.State, got.Attempts, got.Due)
	}
	// A second release of the same claim is stale.
	if err := db.Release(j.ID, c[0].Attempt); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("stale release: %v", err)
	}
	c, _ = db.Claim(KindSMS, 1)
	if _, err := db.Fail(j.ID, c[0].Attempt, errSentinel("451 later"), false); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	c, _ = db.Claim(KindSMS, 1)
	if c[0].Attempt != 2 {
		t.Fatalf("attempt %d", c[0].Attempt)
	}
	if err := db.Release(j.ID, c[0].Attempt); err != nil {
		t.Fatal(err)
	}
	got, _ = db.Get(j.ID)
	if got.State != StateRetry || got.Attempts != 1 || got.LastError != "451 later" {
		t.Fatalf("after release of a retry: %s, %d attempts, %q", got.State, got.Attempts, got.LastError)
	}
	// Nothing stays in flight: a restart does not bring it back as a lease.
	if n, _ := db.Recover(); n != 0 {
		t.Fatalf("recover found %d leases", n)
	}
}

// TestEnqueueContext: a caller with a deadline stops waiting for a busy
// database, and the job it gave up on is certainly not stored (the
// transaction sees it was abandoned); with time to spare it is stored.
func TestEnqueueContext(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	hold, held := make(chan struct{}), make(chan struct{})
	go func() {
		_ = db.bolt.Update(func(*bolt.Tx) error { close(held); <-hold; return nil })
	}()
	<-held // another writer has the database (a rotation, a stalled fsync)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	_, err = db.EnqueueContext(ctx, smsJob("+34600000001", "gave up"))
	cancel()
	if !errors.Is(err, ErrNotQueued) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("enqueue on a busy database: %v, want ErrNotQueued and the deadline", err)
	}
	close(hold)
	if err := db.Close(); err != nil { // waits for the abandoned enqueue
		t.Fatal(err)
	}
	db = openTest(t, dir, nil, nil)
	if jobs, _ := db.List(ListFilter{}); len(jobs) != 0 {
		t.Fatalf("the abandoned job was stored: %+v", jobs)
	}
	ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	j, err := db.EnqueueContext(ctx, smsJob("+34600000001", "in time"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := db.Get(j.ID); err != nil || got.State != StatePending {
		t.Fatalf("stored job: %+v %v", got, err)
	}
	done, cancelDone := context.WithCancel(context.Background())
	cancelDone()
	if _, err := db.EnqueueContext(done, smsJob("+34600000001", "late")); !errors.Is(err, ErrNotQueued) {
		t.Fatalf("ended context: %v", err)
	}
}

// TestInboxRecordJSONStillRead: records written before the compact format
// (the whole Job as JSON, magic 'R') are still read and claimed.
func TestInboxRecordJSONStillRead(t *testing.T) {
	db := openTest(t, t.TempDir(), newClock(), nil)
	uid, _ := db.newID(db.Now())
	j := &Job{ID: uid.String(), Kind: KindSMS, State: StatePending, MaxAttempts: 8, Created: db.Now(), Updated: db.Now(),
		Due: db.Now(), Recipient: "+34 6•• ••• •01", HasPayload: true}
	plain, _ := encodePayload(&Payload{To: "+34600000001", Text: "formato antiguo"})
	sealed, err := db.kr().seal(uid[:], plain)
	if err != nil {
		t.Fatal(err)
	}
	mj, _ := json.Marshal(j)
	rec := append([]byte{recordMagicJSON, 0}, binaryUvarint(len(mj))...)
	rec = append(append(rec, mj...), sealed...)
	if err := db.bolt.Update(func(tx *bolt.Tx) error { return tx.Bucket(bNew).Put(newKey(KindSMS, uid[:]), rec) }); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Get(j.ID); err != nil || got.State != StatePending {
		t.Fatalf("get: %+v %v", got, err)
	}
	c, err := db.Claim(KindSMS, 1)
	if err != nil || len(c) != 1 || c[0].Payload.Text != "formato antiguo" {
		t.Fatalf("claim: %+v %v", c, err)
	}
}

func binaryUvarint(n int) []byte {
	var b [10]byte
	k := binary.PutUvarint(b[:], uint64(n))
	return b[:k]
}

// TestStatsCountsTheInbox: never-claimed jobs are counted per kind, hold
// personal data, and the oldest one is the oldest waiting.
func TestStatsCountsTheInbox(t *testing.T) {
	clk := newClock()
	db := openTest(t, t.TempDir(), clk, nil)
	first := clk.Now()
	db.Enqueue(NewJob{Kind: KindEmail, Payload: Payload{To: "a@example.es", Body: "x"}})
	clk.Advance(time.Minute)
	for range 3 {
		db.Enqueue(smsJob("+34600000001", "x"))
	}
	s, err := db.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if s.Counts[KindSMS][StatePending] != 3 || s.Counts[KindEmail][StatePending] != 1 || s.Total != 4 || s.Payloads != 4 || !s.OldestWaiting.Equal(first) {
		t.Fatalf("stats %+v", s)
	}
}
