package store

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The running clock: how long the kiosk has been running, summed over its
// runs and persisted in the file. Personal data ages by it, never by the
// wall clock: a Raspberry Pi has no real-time clock, boots with the time
// it last saved (fake-hwclock) and jumps forward when NTP answers, and an
// offline kiosk never learns the time at all. A job enqueued after such a
// boot is minutes old when the clock jumps four days; by the wall clock it
// would be purged as "expired before delivery".
//
// Within a run the clock is the monotonic clock (Options.Monotonic). It is
// checkpointed (meta "clock") by every Purge and at Close, and each job
// records its reading at creation (Job.BornRun) and death (Job.DeadRun).
// A new run starts from the checkpoint, or from the newest job's birth if
// a crash lost the checkpoint's last minutes. Time switched off counts only
// when the wall clock was synchronised (Options.ClockSynced) both at the
// checkpoint and now; otherwise it is not counted, so data may stay longer
// than PayloadMaxAge of calendar time but undelivered work is never lost
// to a clock nobody set.
var metaClock = []byte("clock")

type clockCheckpoint struct {
	Run    time.Duration `json:"run"`
	Wall   time.Time     `json:"wall"`
	Synced bool          `json:"synced"`
}

// processStart anchors the default monotonic clock.
var processStart = time.Now()

func monotonicSinceStart() time.Duration { return time.Since(processStart) }

// Running is the store's running clock (see above).
func (db *DB) Running() time.Duration {
	return db.runBase + db.opt.Monotonic() - db.monoAtOpen
}

// startClock sets the running clock at Open.
func (db *DB) startClock() error {
	db.monoAtOpen = db.opt.Monotonic()
	var cp clockCheckpoint
	var newest time.Duration
	err := db.bolt.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bMeta).Get(metaClock); v != nil {
			if err := json.Unmarshal(v, &cp); err != nil {
				return fmt.Errorf("clock checkpoint: %w", err)
			}
		}
		// The newest jobs' births: a lower bound when a crash came after
		// the last checkpoint.
		if _, v := tx.Bucket(bJobs).Cursor().Last(); v != nil {
			var j Job
			if err := json.Unmarshal(v, &j); err == nil {
				newest = max(newest, j.BornRun)
			}
		}
		for _, kind := range Kinds {
			// The last key of the kind: just before the next kind's first.
			c := tx.Bucket(bNew).Cursor()
			var k, v []byte
			if k, _ = c.Seek([]byte{kind.dueByte() + 1}); k == nil {
				k, v = c.Last()
			} else {
				k, v = c.Prev()
			}
			if k != nil && k[0] == kind.dueByte() {
				if j, _, err := decodeRecord(k, v); err == nil {
					newest = max(newest, j.BornRun)
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	base := cp.Run
	if cp.Synced && db.opt.ClockSynced() {
		if off := db.opt.Now().Sub(cp.Wall); off > 0 {
			base += off
		}
	}
	db.runBase = max(base, newest)
	return nil
}

// checkpointTx records the running clock.
func (db *DB) checkpointTx(tx *bolt.Tx) error {
	v, err := json.Marshal(clockCheckpoint{Run: db.Running(), Wall: db.opt.Now().UTC(), Synced: db.opt.ClockSynced()})
	if err != nil {
		return err
	}
	return tx.Bucket(bMeta).Put(metaClock, v)
}
