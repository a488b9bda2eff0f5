package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ventanilla-kiosk/ventanilla/procedure/mask"
)

// AuditEntry is one line of the audit log. It never holds personal data:
// jobs are named by id, recipients only masked, and field values are
// passed through mask.Text.
type AuditEntry struct {
	Time   time.Time         `json:"time"`
	Event  string            `json:"event"`
	Fields map[string]string `json:"fields,omitempty"`
}

// Audit events written by the store. Technician actions use "technician.*".
const (
	EventJobCreated    = "job.created"
	EventJobDelivered  = "job.delivered"
	EventJobDead       = "job.dead"
	EventPayloadPurged = "payload.purged"
	EventJobDeleted    = "job.deleted"
)

// Audit appends an entry to the audit log (the console records technician
// actions here: "technician.login", "technician.retry"…). Field values
// that look like phone numbers or e-mail addresses are masked.
func (db *DB) Audit(event string, fields map[string]string) error {
	if err := db.bolt.Update(func(tx *bolt.Tx) error {
		return auditTx(tx, db.opt.Now(), event, fields)
	}); err != nil {
		return fmt.Errorf("store: audit %s: %w", event, err)
	}
	return nil
}

// auditTx appends inside the caller's transaction, so the log and the
// change it describes commit together.
func auditTx(tx *bolt.Tx, now time.Time, event string, fields map[string]string) error {
	b := tx.Bucket(bAudit)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	var clean map[string]string
	if len(fields) > 0 {
		clean = make(map[string]string, len(fields))
		for k, v := range fields {
			clean[k] = mask.Text(v)
		}
	}
	v, err := json.Marshal(AuditEntry{Time: now.UTC(), Event: event, Fields: clean})
	if err != nil {
		return err
	}
	key := make([]byte, 16)
	binary.BigEndian.PutUint64(key, uint64(max(now.UnixNano(), 0)))
	binary.BigEndian.PutUint64(key[8:], seq)
	return b.Put(key, v)
}

// AuditLog returns entries at or after since, oldest first, at most limit
// (all when limit ≤ 0) — the newest ones when limited.
func (db *DB) AuditLog(since time.Time, limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bAudit).Cursor()
		start := make([]byte, 8)
		binary.BigEndian.PutUint64(start, uint64(max(since.UnixNano(), 0)))
		for k, v := c.Seek(start); k != nil; k, v = c.Next() {
			var e AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: audit log: %w", err)
	}
	if limit > 0 && len(out) > limit {
		out = out[len(out)-limit:]
	}
	return out, nil
}
