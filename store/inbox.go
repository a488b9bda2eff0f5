package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
	bolt "go.etcd.io/bbolt"
)

// The inbox (bucket "new") holds every job that was never claimed, each as
// ONE record: its metadata and its sealed payload under one key. An enqueue
// is then one put in one bucket, the same pages a single bbolt write
// touches, where the schema-1 layout wrote four
// buckets (job, due index, payload, audit) per enqueue.
//
// A never-claimed job's idempotency hash is in its record's header, not in
// the idem index, which is written once, at promotion. Enqueue finds a key
// in the index (promoted jobs) or in DB.fresh, an in-memory map of the
// inbox's hashes: built from the record headers at Open, added to inside
// the enqueue's transaction (bbolt runs one writer at a time, so the next
// enqueue sees it) and pruned after a promotion commits. The map is only
// a hint: an id it gives is checked against the file, so an entry left by
// a transaction that failed is harmless, and no committed record is ever
// missing from it.
//
// Keys are kind ‖ id: each kind's never-claimed jobs are contiguous and in
// creation order (ULIDs sort by time), which is their due order, so Claim
// reads them like a second due index. The first Claim of a job (or a
// technician retry, or the retention purge) "promotes" it: in that same
// transaction the record is split into the jobs and payload buckets and
// the job.created audit entry is written with the creation time. Until
// then AuditLog shows that entry from the record, so the log reads the
// same at every commit.
var bNew = []byte("new")

// Record formats: 'r' holds recordMeta; 'R' (written before it) the whole
// Job as JSON. Both are read.
const (
	recordMagic     = 'r'
	recordMagicJSON = 'R'
)

// recordMeta is what a never-claimed job's record says about it beyond
// its key (kind and id) and header (idempotency hash): the rest of its
// Job follows from "never claimed" (pending, no attempt, due, updated and
// created at once). Short names: an enqueue writes every byte of it.
type recordMeta struct {
	MaxAttempts int           `json:"m"`
	Created     time.Time     `json:"c"`
	Recipient   string        `json:"r"`
	Purpose     string        `json:"p,omitempty"`
	MessageID   string        `json:"i,omitempty"`
	ConcatRef   uint8         `json:"x,omitempty"`
	BornRun     time.Duration `json:"b,omitempty"`
}

func newKey(kind Kind, id []byte) []byte {
	k := make([]byte, 1+len(id))
	k[0] = kind.dueByte()
	copy(k[1:], id)
	return k
}

// newKeyTime is the creation time (ms) a key of the inbox carries.
func newKeyTime(k []byte) time.Time {
	var id ulid.ULID
	copy(id[:], k[1:])
	return ulid.Time(id.Time())
}

// encodeRecord is
//
//	'r' ‖ len(idem) (0 or 32) ‖ idem ‖ uvarint(len(meta)) ‖ meta (recordMeta JSON) ‖ sealed payload
//
// with the idempotency hash first so that a scan reads it without
// decoding the rest.
func encodeRecord(j *Job, sealed []byte) ([]byte, error) {
	mj, err := json.Marshal(recordMeta{MaxAttempts: j.MaxAttempts, Created: j.Created, Recipient: j.Recipient,
		Purpose: j.Purpose, MessageID: j.MessageID, ConcatRef: j.ConcatRef, BornRun: j.BornRun})
	if err != nil {
		return nil, fmt.Errorf("job %s: encode: %w", j.ID, err)
	}
	if len(j.IdemHash) != 0 && len(j.IdemHash) != sha256.Size {
		return nil, fmt.Errorf("job %s: idempotency hash of %d bytes", j.ID, len(j.IdemHash))
	}
	out := make([]byte, 0, 2+len(j.IdemHash)+binary.MaxVarintLen64+len(mj)+len(sealed))
	out = append(out, recordMagic, byte(len(j.IdemHash)))
	out = append(out, j.IdemHash...)
	out = binary.AppendUvarint(out, uint64(len(mj)))
	out = append(out, mj...)
	return append(out, sealed...), nil
}

var errRecordFormat = errors.New("inbox record: bad format")

// decodeRecord returns the job of inbox key key and its sealed payload
// (aliasing v).
func decodeRecord(key, v []byte) (*Job, []byte, error) {
	idem, ok := recordIdem(v)
	if !ok || len(key) != 17 {
		return nil, nil, errRecordFormat
	}
	magic := v[0]
	v = v[2+int(v[1]):]
	n, k := binary.Uvarint(v)
	if k <= 0 || n > uint64(len(v)-k) {
		return nil, nil, errRecordFormat
	}
	meta, sealed := v[k:k+int(n)], v[k+int(n):]
	j := new(Job)
	if magic == recordMagicJSON {
		if err := json.Unmarshal(meta, j); err != nil {
			return nil, nil, fmt.Errorf("inbox record: %w", err)
		}
		return j, sealed, nil
	}
	var m recordMeta
	if err := json.Unmarshal(meta, &m); err != nil {
		return nil, nil, fmt.Errorf("inbox record: %w", err)
	}
	kind := KindEmail
	if key[0] == KindSMS.dueByte() {
		kind = KindSMS
	}
	*j = Job{ID: idString(key[1:]), Kind: kind, State: StatePending, MaxAttempts: m.MaxAttempts,
		Created: m.Created, Due: m.Created, Updated: m.Created, Recipient: m.Recipient, Purpose: m.Purpose,
		MessageID: m.MessageID, ConcatRef: m.ConcatRef, HasPayload: true, BornRun: m.BornRun}
	if idem != nil {
		j.IdemHash = bytes.Clone(idem)
	}
	return j, sealed, nil
}

// recordIdem is a record's idempotency hash (nil when it has none); ok is
// false for a malformed header.
func recordIdem(v []byte) (hash []byte, ok bool) {
	if len(v) < 2 || (v[0] != recordMagic && v[0] != recordMagicJSON) || (v[1] != 0 && v[1] != sha256.Size) || len(v) < 2+int(v[1]) {
		return nil, false
	}
	if v[1] == 0 {
		return nil, true
	}
	return v[2 : 2+sha256.Size], true
}

// idemHints maps the idempotency hashes of never-claimed jobs to their ids
// (see the note on the inbox above).
type idemHints struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]ulid.ULID
}

func (h *idemHints) get(hash []byte) (ulid.ULID, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	id, ok := h.m[[sha256.Size]byte(hash)]
	return id, ok
}

func (h *idemHints) put(hash []byte, id ulid.ULID) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil {
		h.m = map[[sha256.Size]byte]ulid.ULID{}
	}
	h.m[[sha256.Size]byte(hash)] = id
}

func (h *idemHints) drop(hash []byte, id ulid.ULID) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if cur, ok := h.m[[sha256.Size]byte(hash)]; ok && cur == id {
		delete(h.m, [sha256.Size]byte(hash))
	}
}

// loadIdemHints reads the hashes of the inbox's records (headers only).
func (db *DB) loadIdemHints() error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bNew).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			h, ok := recordIdem(v)
			if !ok {
				return fmt.Errorf("job %s: %w", idString(k[1:]), errRecordFormat)
			}
			if h != nil {
				var id ulid.ULID
				copy(id[:], k[1:])
				db.fresh.put(h, id)
			}
		}
		return nil
	})
}

// findIdemTx returns the job holding idempotency hash h, or nil.
func (db *DB) findIdemTx(tx *bolt.Tx, h []byte) (*Job, error) {
	if id := tx.Bucket(bIdem).Get(h); id != nil {
		j, _, err := getAnyTx(tx, id)
		return j, err
	}
	id, ok := db.fresh.get(h)
	if !ok {
		return nil, nil
	}
	j, _, err := getAnyTx(tx, id[:])
	if errors.Is(err, ErrNotFound) {
		return nil, nil // left by an enqueue that did not commit
	}
	return j, err
}

// getAnyTx finds a job in the jobs bucket or the inbox; newK is its inbox
// key when it is there.
func getAnyTx(tx *bolt.Tx, id []byte) (j *Job, newK []byte, err error) {
	if v := tx.Bucket(bJobs).Get(id); v != nil {
		j, err := getJob(tx, id)
		return j, nil, err
	}
	for _, kind := range Kinds {
		k := newKey(kind, id)
		if v := tx.Bucket(bNew).Get(k); v != nil {
			j, _, err := decodeRecord(k, v)
			if err != nil {
				return nil, nil, fmt.Errorf("job %s: %w", idString(id), err)
			}
			return j, k, nil
		}
	}
	return nil, nil, fmt.Errorf("job %s: %w", idString(id), ErrNotFound)
}

// promoteTx moves a never-claimed job from the inbox to the jobs and
// payload buckets (no due-index entry: the caller sets the due time) and
// writes its job.created audit entry at the creation time.
func (db *DB) promoteTx(tx *bolt.Tx, newK []byte) (*Job, error) {
	v := tx.Bucket(bNew).Get(newK)
	if v == nil {
		return nil, fmt.Errorf("job %s: %w", idString(newK[1:]), ErrNotFound)
	}
	j, sealed, err := decodeRecord(newK, v)
	if err != nil {
		return nil, fmt.Errorf("job %s: %w", idString(newK[1:]), err)
	}
	id := bytes.Clone(newK[1:])
	sealed = bytes.Clone(sealed)
	if err := tx.Bucket(bNew).Delete(newK); err != nil {
		return nil, err
	}
	if err := tx.Bucket(bPayload).Put(id, sealed); err != nil {
		return nil, err
	}
	j.Due = time.Time{} // no due-index entry yet
	if j.IdemHash != nil {
		if err := tx.Bucket(bIdem).Put(j.IdemHash, id); err != nil {
			return nil, err
		}
		var uid ulid.ULID
		copy(uid[:], id)
		hash := j.IdemHash
		tx.OnCommit(func() { db.fresh.drop(hash, uid) })
	}
	if err := auditTx(tx, j.Created, EventJobCreated, jobFields(j)); err != nil {
		return nil, err
	}
	if err := putJob(tx, id, j); err != nil {
		return nil, err
	}
	return j, nil
}

// promoteAnyTx is getAnyTx followed by promoteTx when the job is in the
// inbox: the caller then works on the schema-1 form of every job.
func (db *DB) promoteAnyTx(tx *bolt.Tx, id []byte) (*Job, error) {
	j, newK, err := getAnyTx(tx, id)
	if err != nil || newK == nil {
		return j, err
	}
	return db.promoteTx(tx, newK)
}

// inboxJobs lists the inbox's jobs in id (creation) order.
func inboxJobs(tx *bolt.Tx, kind Kind) ([]Job, error) {
	var out []Job
	c := tx.Bucket(bNew).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if kind != "" && k[0] != kind.dueByte() {
			continue
		}
		j, _, err := decodeRecord(k, v)
		if err != nil {
			return nil, fmt.Errorf("job %s: %w", idString(k[1:]), err)
		}
		out = append(out, *j)
	}
	slices.SortFunc(out, func(a, b Job) int { return compareIDs(a.ID, b.ID) })
	return out, nil
}

// compareIDs orders ULID strings as their bytes sort (Crockford base32
// keeps the order).
func compareIDs(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
