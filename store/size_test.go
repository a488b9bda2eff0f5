package store

import (
	"bytes"
	"os"
	"testing"
	"time"
)

// TestSteadyStreamBounded runs a steady stream of e-mails with attachments
// through enqueue → claim → done, with the retention purge running as the
// dispatcher would, and checks that the file stops growing: freed pages
// are reused, so the size after three times the work is about the same.
func TestSteadyStreamBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("many fsyncs")
	}
	dir := t.TempDir()
	clk := newClock()
	db := openTest(t, dir, clk, func(o *Options) {
		o.DoneRetention = 20 * time.Minute
		o.AuditRetention = 40 * time.Minute
		o.PayloadMaxAge = time.Hour
		o.testNoSync = true // space, not durability, is under test
	})
	attach := bytes.Repeat([]byte{0xFF, 0xD8, 0xFF, 0x42}, 1024) // 4 KiB "image"
	cycle := func(i int) {
		clk.Advance(time.Minute)
		n := NewJob{Kind: KindEmail, Payload: Payload{To: "v@example.es", Body: "x",
			Attachments: []Attachment{{Name: "dni.jpg", ContentType: "image/jpeg", Data: attach}}}}
		if _, err := db.Enqueue(n); err != nil {
			t.Fatal(err)
		}
		c, err := db.Claim(KindEmail, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range c {
			if i%10 == 0 {
				// Some fail and are retried later.
				if _, err := db.Fail(j.ID, j.Attempt, os.ErrDeadlineExceeded, false); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if err := db.Done(j.ID); err != nil {
				t.Fatal(err)
			}
		}
		if i%10 == 0 {
			if _, err := db.Purge(); err != nil {
				t.Fatal(err)
			}
		}
	}
	size := func() int64 {
		st, err := os.Stat(db.Path())
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	const warm, total = 200, 600
	for i := 1; i <= warm; i++ {
		cycle(i)
	}
	mid := size()
	for i := warm + 1; i <= total; i++ {
		cycle(i)
	}
	end := size()
	s, _ := db.Stats()
	t.Logf("file after %d jobs: %d bytes; after %d: %d bytes (%d jobs kept, %d payloads, %d free bytes)", warm, mid, total, end, s.Total, s.Payloads, s.FreeBytes)
	// Without retention the file would hold ≥ total×4 KiB of payloads.
	if end > mid+mid/2 {
		t.Fatalf("file grew from %d to %d bytes under a steady stream", mid, end)
	}
	if s.Total > 60 {
		t.Fatalf("%d jobs kept, retention should keep about 20", s.Total)
	}
	db.Close()
	before, after, err := Compact(dir)
	if err != nil {
		t.Fatal(err)
	}
	if after > before {
		t.Fatalf("compaction grew the file %d → %d", before, after)
	}
	t.Logf("compaction: %d → %d bytes", before, after)
}

// TestAutoCompactOnOpen: a file mostly made of free pages is compacted at
// Open, and its data survive.
func TestAutoCompactOnOpen(t *testing.T) {
	dir := t.TempDir()
	clk := newClock()
	db := openTest(t, dir, clk, func(o *Options) { o.testNoSync = true })
	big := bytes.Repeat([]byte{1}, 32<<10)
	var keep Job
	for i := 0; i < 40; i++ {
		j, err := db.Enqueue(NewJob{Kind: KindEmail, Payload: Payload{To: "a@b.es", Body: "x", Attachments: []Attachment{{Name: "f", Data: big}}}})
		if err != nil {
			t.Fatal(err)
		}
		keep = j
	}
	got, _ := db.Claim(KindEmail, 39)
	for _, j := range got {
		if err := db.Done(j.ID); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	st0, _ := os.Stat(db.Path())
	db = openTest(t, dir, clk, func(o *Options) { o.CompactMinFree = 512 << 10; o.testNoSync = true })
	st1, _ := os.Stat(db.Path())
	if st1.Size() >= st0.Size()/2 {
		t.Fatalf("not compacted at open: %d → %d bytes", st0.Size(), st1.Size())
	}
	c, err := db.Claim(KindEmail, 10)
	if err != nil || len(c) != 1 || c[0].ID != keep.ID || !bytes.Equal(c[0].Payload.Attachments[0].Data, big) {
		t.Fatalf("after compaction: %v %v", len(c), err)
	}
	t.Logf("auto-compaction at open: %d → %d bytes", st0.Size(), st1.Size())
}
