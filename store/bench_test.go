package store

import (
	"crypto/rand"
	"fmt"
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

// BenchmarkEnqueueVsSinglePut compares one durable Enqueue with the
// cheapest durable write bbolt can do: one db.Update putting one 512-byte
// value under a fresh time-ordered key in one bucket, fsync on. Both run
// alternately in the same loop (which goes first alternates too), so they
// see the same disk weather; it reports both medians and their ratio
// (issue 15.1's target: ratio-p50 ≤ 1.2). The sub-benchmarks enqueue a
// plain SMS and an e-mail with an idempotency key (what the screens do).
func BenchmarkEnqueueVsSinglePut(b *testing.B) {
	for _, tc := range []struct {
		name string
		job  func(i int) NewJob
	}{
		{"sms", func(int) NewJob { return NewJob{Kind: KindSMS, Purpose: "visitor-sms", Payload: benchPayload} }},
		{"email-idem", func(i int) NewJob {
			return NewJob{Kind: KindEmail, Purpose: "callcentre-request", IdempotencyKey: fmt.Sprintf("email:bench-%d", i),
				Payload: Payload{To: "cita@example.es", From: "kiosk@example.es", Subject: "Solicitud", Body: benchPayload.Text}}
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			dir := b.TempDir()
			db := openTest(b, filepath.Join(dir, "q"), nil, nil)
			bdb := singlePutDB(b, dir)
			value := make([]byte, 512)
			if _, err := rand.Read(value); err != nil {
				b.Fatal(err)
			}
			enq := make([]time.Duration, 0, b.N)
			one := make([]time.Duration, 0, b.N)
			doEnq := func(i int) {
				n := tc.job(i)
				t0 := time.Now()
				if _, err := db.Enqueue(n); err != nil {
					b.Fatal(err)
				}
				enq = append(enq, time.Since(t0))
			}
			doOne := func() {
				key, err := db.newID(time.Now())
				if err != nil {
					b.Fatal(err)
				}
				t0 := time.Now()
				if err := bdb.Update(func(tx *bolt.Tx) error { return tx.Bucket(singlePutBucket).Put(key[:], value) }); err != nil {
					b.Fatal(err)
				}
				one = append(one, time.Since(t0))
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// The first fsync after a pause may pay for the file
				// system's journal: alternate who goes first.
				if i%2 == 0 {
					doEnq(i)
					doOne()
				} else {
					doOne()
					doEnq(i)
				}
			}
			b.StopTimer()
			me, mo := median(enq), median(one)
			b.ReportMetric(float64(me.Microseconds()), "enqueue-p50-µs")
			b.ReportMetric(float64(mo.Microseconds()), "single-put-p50-µs")
			b.ReportMetric(float64(me)/float64(mo), "ratio-p50")
			b.ReportMetric(float64(sum(enq))/float64(sum(one)), "ratio-mean")
		})
	}
}

var singlePutBucket = []byte("b")

// singlePutDB is a plain bbolt file with one bucket, fsync on (bbolt's
// default, as in the store).
func singlePutDB(b *testing.B, dir string) *bolt.DB {
	bdb, err := bolt.Open(filepath.Join(dir, "single.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { bdb.Close() })
	if err := bdb.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(singlePutBucket)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	return bdb
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
