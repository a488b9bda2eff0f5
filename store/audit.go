package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/oklog/ulid/v2"
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
	v, err := json.Marshal(AuditEntry{Time: now.UTC(), Event: capText(event, maxAuditEvent), Fields: cleanFields(fields)})
	if err != nil {
		return err
	}
	key := make([]byte, 16)
	binary.BigEndian.PutUint64(key, uint64(max(now.UnixNano(), 0)))
	binary.BigEndian.PutUint64(key[8:], seq)
	return b.Put(key, v)
}

// Audit entries are bounded whoever writes them (a technician's SSH user
// name, an error text echoed by a relay): an event name, a field name and
// a field value keep at most these many bytes, an entry at most
// maxAuditFields fields.
const (
	maxAuditEvent  = 64
	maxAuditKey    = 64
	maxAuditValue  = 256
	maxAuditFields = 16
)

// cleanFields redacts and caps an entry's fields (see Audit).
func cleanFields(fields map[string]string) map[string]string {
	if len(fields) == 0 {
		return nil
	}
	keys := slices.Sorted(maps.Keys(fields))
	if len(keys) > maxAuditFields {
		keys = keys[:maxAuditFields]
	}
	clean := make(map[string]string, len(keys))
	for _, k := range keys {
		v := fields[k]
		// A job id is never personal data, but one with nine digits in a
		// row looks like a phone number to mask.Text.
		if _, err := ulid.ParseStrict(v); err != nil {
			v = mask.Text(v)
		}
		clean[capText(k, maxAuditKey)] = capText(v, maxAuditValue)
	}
	if len(fields) > maxAuditFields {
		clean["truncated_fields"] = fmt.Sprint(len(fields) - maxAuditFields)
	}
	return clean
}

// capText cuts s to at most max bytes on a rune boundary, saying how much
// was cut.
func capText(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	mark := fmt.Sprintf("…(+%d bytes)", len(s)-limit)
	cut := max(limit-len(mark), 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
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
		// job.created of never-claimed jobs lives in their inbox record
		// until their first claim writes it here (see inbox.go). Merge
		// by time; on a tie the creation goes first.
		fresh, err := inboxJobs(tx, "")
		if err != nil {
			return err
		}
		var created []AuditEntry
		for _, j := range fresh {
			if !j.Created.Before(since) {
				created = append(created, AuditEntry{Time: j.Created.UTC(), Event: EventJobCreated, Fields: cleanFields(jobFields(&j))})
			}
		}
		if len(created) > 0 {
			slices.SortStableFunc(created, func(a, b AuditEntry) int { return a.Time.Compare(b.Time) })
			merged := make([]AuditEntry, 0, len(out)+len(created))
			for _, e := range out {
				for len(created) > 0 && !created[0].Time.After(e.Time) {
					merged, created = append(merged, created[0]), created[1:]
				}
				merged = append(merged, e)
			}
			out = append(merged, created...)
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
