package store

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ventanilla-kiosk/ventanilla/procedure/mask"
)

var benchPayload = Payload{To: "+34600000012", Text: "Su código de solicitud FNMT es 123456789. Acuda con su DNI."}

// BenchmarkEnqueue: one durable enqueue (job, due index, sealed payload,
// audit entry; one commit with fsync).
func BenchmarkEnqueue(b *testing.B) {
	db := openTest(b, b.TempDir(), nil, nil)
	n := NewJob{Kind: KindSMS, Payload: benchPayload}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.Enqueue(n); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEnqueueVsBare alternates one Enqueue and one bare bbolt Update
// of the same bytes (see BenchmarkBareBoltUpdate) in the same loop, so
// both see the same disk weather, and reports the medians and their
// ratio (target ≤ 1.2).
func BenchmarkEnqueueVsBare(b *testing.B) {
	dir := b.TempDir()
	db := openTest(b, filepath.Join(dir, "q"), nil, nil)
	jobV, payV, auditV := enqueueBytes(b, db)
	bdb, names := bareDB(b, dir)
	n := NewJob{Kind: KindSMS, Payload: benchPayload}
	enq := make([]time.Duration, 0, b.N)
	bare := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	doEnq := func() time.Duration {
		t0 := time.Now()
		if _, err := db.Enqueue(n); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	doBare := func() time.Duration {
		t0 := time.Now()
		if err := bareUpdate(db, bdb, names, jobV, payV, auditV); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	for i := 0; i < b.N; i++ {
		// Alternate which goes first: the first fsync after a pause may
		// pay for the file system's journal.
		if i%2 == 0 {
			enq = append(enq, doEnq())
			bare = append(bare, doBare())
		} else {
			bare = append(bare, doBare())
			enq = append(enq, doEnq())
		}
	}
	b.StopTimer()
	me, mb := median(enq), median(bare)
	b.ReportMetric(float64(me.Nanoseconds()), "enqueue-p50-ns")
	b.ReportMetric(float64(mb.Nanoseconds()), "bare-p50-ns")
	b.ReportMetric(float64(me)/float64(mb), "ratio-p50")
	b.ReportMetric(float64(sum(enq))/float64(sum(bare)), "ratio-mean")
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func sum(d []time.Duration) (t time.Duration) {
	for _, x := range d {
		t += x
	}
	return t
}

// enqueueBytes returns the values one real Enqueue writes.
func enqueueBytes(b *testing.B, db *DB) (jobV, payV, auditV []byte) {
	j, err := db.Enqueue(NewJob{Kind: KindSMS, Payload: benchPayload})
	if err != nil {
		b.Fatal(err)
	}
	uid, _ := ParseID(j.ID)
	_ = db.bolt.View(func(tx *bolt.Tx) error {
		jobV = append([]byte(nil), tx.Bucket(bJobs).Get(uid[:])...)
		payV = append([]byte(nil), tx.Bucket(bPayload).Get(uid[:])...)
		_, v := tx.Bucket(bAudit).Cursor().Last()
		auditV = append([]byte(nil), v...)
		return nil
	})
	return jobV, payV, auditV
}

func bareDB(b *testing.B, dir string) (*bolt.DB, [][]byte) {
	bdb, err := bolt.Open(filepath.Join(dir, "bare.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { bdb.Close() })
	names := [][]byte{[]byte("a"), []byte("b"), []byte("c"), []byte("d")}
	_ = bdb.Update(func(tx *bolt.Tx) error {
		for _, n := range names {
			if _, err := tx.CreateBucketIfNotExists(n); err != nil {
				return err
			}
		}
		return nil
	})
	return bdb, names
}

func bareUpdate(db *DB, bdb *bolt.DB, names [][]byte, jobV, payV, auditV []byte) error {
	now := time.Now()
	id, _ := db.newID(now)
	return bdb.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(names[0]).Put(id[:], jobV); err != nil {
			return err
		}
		if err := tx.Bucket(names[1]).Put(id[:], payV); err != nil {
			return err
		}
		if err := tx.Bucket(names[2]).Put(dueKey(KindSMS, now, id[:]), nil); err != nil {
			return err
		}
		return tx.Bucket(names[3]).Put(append(id[:], 1), auditV)
	})
}

// BenchmarkBareBoltUpdate writes the same bytes as one Enqueue (the job
// JSON, the sealed payload, the due key, the audit entry) in one plain
// bbolt Update: the floor Enqueue is compared with.
func BenchmarkBareBoltUpdate(b *testing.B) {
	dir := b.TempDir()
	db := openTest(b, filepath.Join(dir, "ref"), nil, nil)
	jobV, payV, auditV := enqueueBytes(b, db)
	bdb, names := bareDB(b, dir)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := bareUpdate(db, bdb, names, jobV, payV, auditV); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecover10k: start-up with 10 000 pending jobs (some left in
// flight by a crash): Open (lock, key check, lease recovery), Stats, and
// the first Claim — the kiosk is ready to send.
func BenchmarkRecover10k(b *testing.B) {
	dir := b.TempDir()
	db := openTest(b, dir, nil, nil)
	const n = 10000
	plain, _ := encodePayload(&benchPayload)
	// Fill in batches (one commit per 1000) to keep set-up short; the
	// records are exactly what Enqueue writes.
	now := time.Now()
	for i := 0; i < n; i += 1000 {
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			for k := i; k < i+1000; k++ {
				uid, _ := db.newID(now)
				j := &Job{ID: uid.String(), Kind: KindSMS, State: StatePending, MaxAttempts: 8, Created: now, Updated: now, HasPayload: true,
					Recipient: mask.Phone(benchPayload.To)}
				sealed, err := db.kr().seal(uid[:], plain)
				if err != nil {
					return err
				}
				if err := setDue(tx, uid[:], j, now); err != nil {
					return err
				}
				if err := tx.Bucket(bPayload).Put(uid[:], sealed); err != nil {
					return err
				}
				if err := putJob(tx, uid[:], j); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if got, _ := db.Claim(KindSMS, 100); len(got) != 100 { // 100 left in flight
		b.Fatal("claim")
	}
	db.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		db, err := Open(dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		s, err := db.Stats()
		if err != nil || s.Total != n {
			b.Fatalf("stats %d %v", s.Total, err)
		}
		if got, err := db.Claim(KindSMS, 1); err != nil || len(got) != 1 {
			b.Fatal("claim", err)
		}
		b.StopTimer()
		// Undo the claim's lease so every iteration starts the same.
		db.Close()
		b.StartTimer()
	}
}
