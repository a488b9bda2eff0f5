package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/oklog/ulid/v2"
	bolt "go.etcd.io/bbolt"
)

// PurgeReport says what one Purge removed.
type PurgeReport struct {
	Payloads    int // personal data purged for age
	Killed      int // waiting jobs dead-lettered because their data expired
	DoneDeleted int // delivered jobs' metadata deleted
	DeadDeleted int // dead letters deleted
	AuditTrim   int // audit entries deleted
}

// purgePayloadTx deletes a job's personal data and says so in the audit log.
func purgePayloadTx(tx *bolt.Tx, id []byte, j *Job, now time.Time, reason string) error {
	if tx.Bucket(bPayload).Get(id) == nil && !j.HasPayload {
		return nil
	}
	if err := tx.Bucket(bPayload).Delete(id); err != nil {
		return err
	}
	j.HasPayload = false
	f := jobFields(j)
	f["reason"] = reason
	return auditTx(tx, now, EventPayloadPurged, f)
}

// Purge applies the retention rules (see "How the file stays bounded") and
// checkpoints the running clock. Personal data ages by the running clock
// (clock.go); metadata and the audit log by the wall clock, and as they are
// keyed by time those passes read only the old end of their bucket.
func (db *DB) Purge() (PurgeReport, error) {
	now := db.opt.Now()
	var r PurgeReport
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		r = PurgeReport{}
		// 1. Personal data past its maximum age, on the running clock
		// (clock.go): never on the wall clock, which may have jumped.
		run := db.Running()
		expired := func(j *Job) bool { return run-j.BornRun >= db.opt.PayloadMaxAge }
		// Never-claimed jobs hold theirs in the inbox: promote the expired
		// ones first, so the rest of the pass sees one layout.
		var oldNew [][]byte
		nc := tx.Bucket(bNew).Cursor()
		for k, v := nc.First(); k != nil; k, v = nc.Next() {
			j, _, err := decodeRecord(k, v)
			if err != nil {
				return fmt.Errorf("job %s: %w", idString(k[1:]), err)
			}
			if expired(j) {
				oldNew = append(oldNew, bytes.Clone(k))
			}
		}
		for _, k := range oldNew {
			if _, err := db.promoteTx(tx, k); err != nil {
				return err
			}
		}
		// The payload bucket holds only what is still owed and dead
		// letters' data: a short scan.
		var old [][]byte
		c := tx.Bucket(bPayload).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			j, err := getJob(tx, k)
			if err == nil && !expired(j) {
				continue
			}
			if err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
			old = append(old, bytes.Clone(k))
		}
		for _, id := range old {
			j, err := getJob(tx, id)
			if errors.Is(err, ErrNotFound) {
				if err := tx.Bucket(bPayload).Delete(id); err != nil {
					return err
				}
				continue
			}
			if err != nil {
				return err
			}
			if err := purgePayloadTx(tx, id, j, now, "max age"); err != nil {
				return err
			}
			r.Payloads++
			if j.State == StatePending || j.State == StateRetry || j.State == StateInflight {
				// Nothing left to send: dead letter, metadata kept.
				if err := db.killTx(tx, id, j, now, "personal data expired before delivery"); err != nil {
					return err
				}
				r.Killed++
				continue
			}
			if err := putJob(tx, id, j); err != nil {
				return err
			}
		}

		// 1b. Dead letters' personal data after DeadPayloadMaxAge (the
		// dead index is small: no full scan).
		var deadIDs [][]byte
		if err := tx.Bucket(bDead).ForEach(func(k, _ []byte) error {
			deadIDs = append(deadIDs, bytes.Clone(k))
			return nil
		}); err != nil {
			return err
		}
		for _, id := range deadIDs {
			j, err := getJob(tx, id)
			if err != nil {
				return err
			}
			if !j.HasPayload || run-j.DeadRun < db.opt.DeadPayloadMaxAge {
				continue
			}
			if err := purgePayloadTx(tx, id, j, now, "dead"); err != nil {
				return err
			}
			if err := putJob(tx, id, j); err != nil {
				return err
			}
			r.Payloads++
		}

		// 2. Old delivered and dead jobs' metadata. Live jobs older than
		// the cut-off are skipped (they are few: waiting or dead).
		cut := min(db.opt.DoneRetention, db.opt.DeadRetention)
		limit := ulidBound(now.Add(-cut))
		var del [][]byte
		c = tx.Bucket(bJobs).Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k, limit) < 0; k, _ = c.Next() {
			del = append(del, bytes.Clone(k))
		}
		for _, id := range del {
			j, err := getJob(tx, id)
			if err != nil {
				return err
			}
			switch {
			case j.HasPayload:
				// Metadata ages by the wall clock; a job still holding
				// personal data goes only by the running clock above.
				continue
			case j.State == StateDone && now.Sub(j.DoneAt) >= db.opt.DoneRetention:
				r.DoneDeleted++
			case j.State == StateDead && now.Sub(j.Updated) >= db.opt.DeadRetention:
				r.DeadDeleted++
			default:
				continue
			}
			if err := deleteJobTx(tx, id, j); err != nil {
				return err
			}
		}

		// 3. The audit log's old end.
		ab := tx.Bucket(bAudit)
		alimit := make([]byte, 8)
		binary.BigEndian.PutUint64(alimit, uint64(max(now.Add(-db.opt.AuditRetention).UnixNano(), 0)))
		var akeys [][]byte
		ac := ab.Cursor()
		for k, _ := ac.First(); k != nil && bytes.Compare(k[:8], alimit) < 0; k, _ = ac.Next() {
			akeys = append(akeys, bytes.Clone(k))
		}
		for _, k := range akeys {
			if err := ab.Delete(k); err != nil {
				return err
			}
		}
		r.AuditTrim = len(akeys)
		if err := db.checkpointTx(tx); err != nil {
			return err
		}
		if r.DoneDeleted+r.DeadDeleted > 0 {
			return auditTx(tx, now, EventJobDeleted, map[string]string{
				"done": fmt.Sprint(r.DoneDeleted), "dead": fmt.Sprint(r.DeadDeleted), "reason": "retention"})
		}
		return nil
	})
	if err != nil {
		return PurgeReport{}, fmt.Errorf("store: purge: %w", err)
	}
	return r, nil
}

// ulidBound is the smallest ULID key of time t: every id created before t
// sorts below it.
func ulidBound(t time.Time) []byte {
	var id ulid.ULID
	if t.Before(time.Unix(0, 0)) {
		return id[:]
	}
	_ = id.SetTime(ulid.Timestamp(t))
	return id[:]
}

func deleteJobTx(tx *bolt.Tx, id []byte, j *Job) error {
	if err := setDue(tx, id, j, time.Time{}); err != nil {
		return err
	}
	for _, b := range [][]byte{bLease, bDead, bPayload, bJobs} {
		if err := tx.Bucket(b).Delete(id); err != nil {
			return err
		}
	}
	if j.IdemHash != nil {
		if v := tx.Bucket(bIdem).Get(j.IdemHash); bytes.Equal(v, id) {
			return tx.Bucket(bIdem).Delete(j.IdemHash)
		}
	}
	return nil
}

func needsCompaction(bdb *bolt.DB, opt Options) (bool, error) {
	var size int64
	if err := bdb.View(func(tx *bolt.Tx) error { size = tx.Size(); return nil }); err != nil {
		return false, err
	}
	st := bdb.Stats()
	free := int64(st.FreePageN+st.PendingPageN) * int64(bdb.Info().PageSize)
	return free >= opt.CompactMinFree && float64(free) >= opt.CompactFreeRatio*float64(size), nil
}

// Compact rewrites the database file of data dir without its free pages
// and returns the sizes before and after. The kiosk must not be running
// (ErrLocked otherwise).
func Compact(dir string) (before, after int64, err error) {
	return compactFile(filepath.Join(dir, FileName))
}

func compactFile(path string) (before, after int64, err error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return 0, 0, fmt.Errorf("store: compact %s: %w", path, ErrNoDatabase)
	}
	src, err := openBolt(path)
	if err != nil {
		return 0, 0, err
	}
	defer func() {
		if src != nil {
			_ = src.Close()
		}
	}()
	tmp := path + ".compact"
	_ = os.Remove(tmp) // a leftover of a crash during compaction
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return 0, 0, fmt.Errorf("store: compact: %w", err)
	}
	if err := bolt.Compact(dst, src, 1<<20); err != nil {
		_ = dst.Close()
		_ = os.Remove(tmp)
		return 0, 0, fmt.Errorf("store: compact: %w", err)
	}
	// bolt.Compact commits (and fsyncs) each batch; Close releases it.
	if err := dst.Close(); err != nil {
		_ = os.Remove(tmp)
		return 0, 0, fmt.Errorf("store: compact: %w", err)
	}
	if st, err := os.Stat(path); err == nil {
		before = st.Size()
	}
	// Rename while still holding the old file's lock, so no other process
	// opens the old inode in between.
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return 0, 0, fmt.Errorf("store: compact: replace file: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return 0, 0, fmt.Errorf("store: compact: %w", err)
	}
	err = src.Close()
	src = nil
	if err != nil {
		return 0, 0, fmt.Errorf("store: compact: %w", err)
	}
	if st, err := os.Stat(path); err == nil {
		after = st.Size()
	}
	return before, after, nil
}
