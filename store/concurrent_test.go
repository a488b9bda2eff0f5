package store

import (
	"sync"
	"testing"
)

// Writers and claimers race; every job must be claimed exactly once and
// end up done.
func TestConcurrentEnqueueClaim(t *testing.T) {
	db := openTest(t, t.TempDir(), nil, func(o *Options) { o.testNoSync = true })
	const writers, per = 4, 40
	var wg sync.WaitGroup
	var mu sync.Mutex
	claimed := map[string]int{}
	stop := make(chan struct{})
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				if _, err := db.Enqueue(smsJob("+34600000001", "x")); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	var cg sync.WaitGroup
	for c := 0; c < 3; c++ {
		cg.Add(1)
		go func() {
			defer cg.Done()
			for {
				got, err := db.Claim(KindSMS, 3)
				if err != nil {
					t.Error(err)
					return
				}
				for _, j := range got {
					mu.Lock()
					claimed[j.ID]++
					mu.Unlock()
					if err := db.Done(j.ID); err != nil {
						t.Error(err)
					}
				}
				if len(got) == 0 {
					select {
					case <-stop:
						return
					case <-db.Notify(KindSMS):
					default:
					}
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	cg.Wait()
	// Whatever the claimers missed at the very end.
	for {
		got, _ := db.Claim(KindSMS, 100)
		if len(got) == 0 {
			break
		}
		for _, j := range got {
			claimed[j.ID]++
			_ = db.Done(j.ID)
		}
	}
	if len(claimed) != writers*per {
		t.Fatalf("%d jobs claimed, want %d", len(claimed), writers*per)
	}
	for id, n := range claimed {
		if n != 1 {
			t.Fatalf("job %s claimed %d times", id, n)
		}
	}
	s, _ := db.Stats()
	if s.Counts[KindSMS][StateDone] != writers*per {
		t.Fatalf("stats %+v", s.Counts)
	}
}
