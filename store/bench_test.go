package store

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
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

// BenchmarkRecover10k: start-up after a crash with 10 000 jobs waiting,
// 100 of them left in flight (leases on disk): Open (lock, key check,
// lease recovery), Stats, and the first Claim — the kiosk is ready to
// send. Every iteration opens its own copy of the same crashed file, made
// with the timer stopped: a lease is not undone by Close, so reopening
// one file would measure a different state each time (leases piling up).
func BenchmarkRecover10k(b *testing.B) {
	const n, inflight = 10000, 100
	tmpl := b.TempDir()
	db := openTest(b, tmpl, nil, func(o *Options) { o.testNoSync = true }) // set-up only
	for i := 0; i < n; i++ {
		if _, err := db.Enqueue(NewJob{Kind: KindSMS, Purpose: "visitor-sms", Payload: benchPayload}); err != nil {
			b.Fatal(err)
		}
	}
	if got, err := db.Claim(KindSMS, inflight); err != nil || len(got) != inflight {
		b.Fatal("claim", err)
	}
	// The process "dies" here: nothing releases the leases.
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	file, err := os.ReadFile(filepath.Join(tmpl, FileName))
	if err != nil {
		b.Fatal(err)
	}
	key, err := os.ReadFile(filepath.Join(tmpl, KeyFileName))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := filepath.Join(b.TempDir(), "data")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, FileName), file, 0o600); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, KeyFileName), key, 0o600); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		db, err := Open(dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		s, err := db.Stats()
		if err != nil || s.Total != n || s.Counts[KindSMS][StateInflight] != inflight {
			b.Fatalf("stats %+v %v", s.Counts, err)
		}
		if got, err := db.Claim(KindSMS, 1); err != nil || len(got) != 1 {
			b.Fatal("claim", err)
		}
		b.StopTimer()
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
