package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/oklog/ulid/v2"
	bolt "go.etcd.io/bbolt"

	"github.com/ventanilla-kiosk/ventanilla/procedure/mask"
)

// Kind is what a job delivers.
type Kind string

// Job kinds.
const (
	KindSMS   Kind = "sms"
	KindEmail Kind = "email"
)

// Kinds lists every kind, in dispatch order.
var Kinds = []Kind{KindSMS, KindEmail}

func (k Kind) valid() bool { return k == KindSMS || k == KindEmail }

// dueByte is the kind's prefix in the due index, so each kind's dispatcher
// seeks straight to its own due jobs.
func (k Kind) dueByte() byte {
	if k == KindSMS {
		return 's'
	}
	return 'e'
}

// State is where a job is in its life.
//
//	pending ──claim──▶ inflight ──done──▶ done
//	   ▲                  │  │
//	   │        retryable │  │ permanent, or attempts exhausted
//	   │                  ▼  ▼
//	   └──due time── retry   dead ──technician retry──▶ pending
//
// An inflight job whose lease expires (the process died mid-send) is
// claimable again; at Open every inflight job is made due at once.
type State string

// Job states.
const (
	StatePending  State = "pending"
	StateInflight State = "inflight"
	StateRetry    State = "retry"
	StateDone     State = "done"
	StateDead     State = "dead"
)

// States lists every state, in life order.
var States = []State{StatePending, StateInflight, StateRetry, StateDone, StateDead}

// Job is a job's metadata: everything the technician may see. Personal
// data lives in the encrypted Payload; Recipient here is masked.
type Job struct {
	ID          string    `json:"id"`
	Kind        Kind      `json:"kind"`
	State       State     `json:"state"`
	Attempts    int       `json:"attempts"`
	MaxAttempts int       `json:"max_attempts"`
	Created     time.Time `json:"created"`
	// Due is when the job is next claimable: the retry time, or the lease
	// expiry while inflight.
	Due       time.Time `json:"due,omitzero"`
	Updated   time.Time `json:"updated"`
	DoneAt    time.Time `json:"done_at,omitzero"`
	LastError string    `json:"last_error,omitempty"`
	// Recipient is masked (+34 6•• ••• •12, j•••@e•••.es).
	Recipient string `json:"recipient"`
	// Purpose is a free, non-personal label set by the caller ("fnmt-code").
	Purpose string `json:"purpose,omitempty"`
	// MessageID is the stable Message-ID of an e-mail job (without <>), so
	// a resend after a crash is recognisable as the same message.
	MessageID string `json:"message_id,omitempty"`
	// ConcatRef is the stable concatenation reference of a multi-part SMS,
	// reused on every attempt so the handset can join parts sent by
	// different attempts.
	ConcatRef uint8 `json:"concat_ref,omitempty"`
	// Parts records each SMS part (1-based) the modem accepted → its
	// message reference; a retry sends only the missing parts.
	Parts map[int]int `json:"parts,omitempty"`
	// HasPayload is false once the personal data has been purged.
	HasPayload bool `json:"has_payload"`
	// BornRun and DeadRun are the store's running clock when the job was
	// created and dead-lettered: personal data ages by them (clock.go).
	BornRun  time.Duration `json:"born_run,omitempty"`
	DeadRun  time.Duration `json:"dead_run,omitempty"`
	IdemHash []byte        `json:"idem,omitempty"`
}

// Attachment is a file carried by an e-mail job (a DNI image, the signed
// request PDF). Its bytes are encrypted at rest with the rest of the payload.
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Data        []byte `json:"data"`
}

// Payload is the personal data of a job, stored encrypted and purged after
// delivery.
type Payload struct {
	// To is the phone number (sms, E.164) or e-mail address (email).
	To string `json:"to"`
	// Text is the SMS text.
	Text string `json:"text,omitempty"`
	// From, Subject, Body and Attachments make the e-mail.
	From        string       `json:"from,omitempty"`
	ReplyTo     string       `json:"reply_to,omitempty"` // e-mail: where answers go (the visitor)
	Subject     string       `json:"subject,omitempty"`
	Body        string       `json:"body,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
}

// NewJob is what a caller asks the outbox to deliver.
type NewJob struct {
	Kind    Kind
	Payload Payload
	// Purpose is a non-personal label kept in the metadata and audit log.
	Purpose string
	// IdempotencyKey, when set, makes Enqueue return the existing job for a
	// key already used instead of adding a second one (a screen that
	// retries its store write after a time-out does not send twice). Only
	// its SHA-256 is stored.
	IdempotencyKey string
	// MaxAttempts overrides the store default when > 0.
	MaxAttempts int
}

// Claimed is a job reserved for one delivery attempt, with its decrypted
// payload. Attempt identifies the lease for Done/Fail.
type Claimed struct {
	Job
	Payload Payload
	Attempt int
}

// Input errors (exit status 2 at the CLI).
var (
	ErrBadKind  = errors.New("kind must be sms or email")
	ErrNoTarget = errors.New("recipient (to) is empty")
	ErrNoText   = errors.New("message text is empty")
	// ErrPayloadGone means the personal data was already purged, so the job
	// cannot be sent again.
	ErrPayloadGone = errors.New("personal data already purged (delivered or too old)")
	// ErrNotRetryable means the job is in a state technician retry does not apply to.
	ErrNotRetryable = errors.New("only dead or waiting jobs can be retried")
)

// ParseID validates a job id given by a person.
func ParseID(s string) (ulid.ULID, error) {
	id, err := ulid.ParseStrict(strings.ToUpper(strings.TrimSpace(s)))
	if err != nil {
		return ulid.ULID{}, fmt.Errorf("bad job id %q: want the 26-character id that queue add or queue list printed", s)
	}
	return id, nil
}

func idString(k []byte) string {
	var id ulid.ULID
	copy(id[:], k)
	return id.String()
}

func dueKey(kind Kind, due time.Time, id []byte) []byte {
	k := make([]byte, 1+8+16)
	k[0] = kind.dueByte()
	binary.BigEndian.PutUint64(k[1:], uint64(max(due.UnixNano(), 0)))
	copy(k[9:], id)
	return k
}

func getJob(tx *bolt.Tx, id []byte) (*Job, error) {
	v := tx.Bucket(bJobs).Get(id)
	if v == nil {
		return nil, fmt.Errorf("job %s: %w", idString(id), ErrNotFound)
	}
	j := new(Job)
	if err := json.Unmarshal(v, j); err != nil {
		return nil, fmt.Errorf("job %s: decode: %w", idString(id), err)
	}
	return j, nil
}

func putJob(tx *bolt.Tx, id []byte, j *Job) error {
	v, err := json.Marshal(j)
	if err != nil {
		return fmt.Errorf("job %s: encode: %w", j.ID, err)
	}
	return tx.Bucket(bJobs).Put(id, v)
}

// setDue moves the job's due-index entry (none when due is zero).
func setDue(tx *bolt.Tx, id []byte, j *Job, due time.Time) error {
	b := tx.Bucket(bDue)
	if !j.Due.IsZero() {
		if err := b.Delete(dueKey(j.Kind, j.Due, id)); err != nil {
			return err
		}
	}
	j.Due = due
	if due.IsZero() {
		return nil
	}
	return b.Put(dueKey(j.Kind, due, id), nil)
}

func validate(n *NewJob) error {
	if !n.Kind.valid() {
		return fmt.Errorf("%w, got %q", ErrBadKind, n.Kind)
	}
	if strings.TrimSpace(n.Payload.To) == "" {
		return ErrNoTarget
	}
	if n.Kind == KindSMS && n.Payload.Text == "" {
		return ErrNoText
	}
	if n.Kind == KindEmail && n.Payload.Body == "" && len(n.Payload.Attachments) == 0 {
		return ErrNoText
	}
	return nil
}

// Enqueue stores a job durably and returns it only after the transaction
// (data and fsync) is committed: once Enqueue returns nil the job survives
// a crash or power cut. It wakes the dispatcher of the job's kind.
func (db *DB) Enqueue(n NewJob) (Job, error) { return db.enqueue(n, nil) }

// ErrNotQueued means EnqueueContext gave up before the job's transaction
// began: the job is certainly not stored, and asking again is safe.
var ErrNotQueued = errors.New("not queued")

// EnqueueContext is Enqueue for a caller with a deadline (a screen that
// will not keep a visitor waiting). Waiting for the database (another
// writer holds it: a key rotation, a purge, a slow disk's fsync) ends with
// ctx, with an error wrapping ErrNotQueued and ctx.Err(), and the job is
// then certainly not stored: the transaction, when it finally gets the
// database, sees it was abandoned and writes nothing. Once it has begun
// writing, its commit cannot be interrupted and is waited for, whatever
// ctx says: the answer is always the truth, so a job is never lost behind
// a "stored" nor duplicated behind a "not stored".
func (db *DB) EnqueueContext(ctx context.Context, n NewJob) (Job, error) {
	if err := ctx.Err(); err != nil {
		return Job{}, fmt.Errorf("store: enqueue: %w: %w", ErrNotQueued, err)
	}
	const waiting, writing, abandoned = 0, 1, 2
	var state atomic.Int32
	type result struct {
		j   Job
		err error
	}
	done := make(chan result, 1)
	db.bg.Add(1) // Close waits for it
	go func() {
		defer db.bg.Done()
		j, err := db.enqueue(n, func() bool { return state.CompareAndSwap(waiting, writing) })
		done <- result{j, err}
	}()
	select {
	case r := <-done:
		return r.j, r.err
	case <-ctx.Done():
		if state.CompareAndSwap(waiting, abandoned) {
			return Job{}, fmt.Errorf("store: enqueue: %w: the database was busy (%w)", ErrNotQueued, ctx.Err())
		}
		r := <-done // writing: its commit decides
		return r.j, r.err
	}
}

var errAbandoned = errors.New("abandoned by its caller before it began")

func (db *DB) enqueue(n NewJob, begin func() bool) (Job, error) {
	if err := validate(&n); err != nil {
		return Job{}, fmt.Errorf("store: enqueue: %w", err)
	}
	now := db.opt.Now()
	uid, err := db.newID(now)
	if err != nil {
		return Job{}, err
	}
	id := uid[:]
	plain, err := encodePayload(&n.Payload)
	if err != nil {
		return Job{}, fmt.Errorf("store: enqueue: encode payload: %w", err)
	}
	j := &Job{
		ID:          uid.String(),
		Kind:        n.Kind,
		State:       StatePending,
		MaxAttempts: db.opt.MaxAttempts,
		Created:     now,
		Updated:     now,
		Purpose:     n.Purpose,
		HasPayload:  true,
		BornRun:     db.Running(),
	}
	if n.MaxAttempts > 0 {
		j.MaxAttempts = n.MaxAttempts
	}
	switch n.Kind {
	case KindSMS:
		j.Recipient = mask.Phone(n.Payload.To)
		// A stable reference from the id: every attempt of this job uses
		// the same one, and consecutive jobs get different ones.
		j.ConcatRef = uid[15] ^ uid[14]
		if j.ConcatRef == 0 {
			j.ConcatRef = 1
		}
	case KindEmail:
		j.Recipient = mask.Email(n.Payload.To)
		j.MessageID = strings.ToLower(uid.String()) + "@" + db.opt.MessageIDDomain
	}
	var idem []byte
	if n.IdempotencyKey != "" {
		s := sha256.Sum256([]byte(n.IdempotencyKey))
		idem = s[:]
		j.IdemHash = idem
	}
	db.rotMu.RLock()
	defer db.rotMu.RUnlock()
	sealed, err := db.kr().seal(id, plain)
	if err != nil {
		return Job{}, fmt.Errorf("store: enqueue: seal: %w", err)
	}
	j.Due = now // never claimed: due since its creation
	rec, err := encodeRecord(j, sealed)
	if err != nil {
		return Job{}, fmt.Errorf("store: enqueue: %w", err)
	}
	// One record in the inbox (see inbox.go): the job, its payload, its
	// idempotency hash and, implicitly, its job.created audit entry.
	var out Job
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		if begin != nil && !begin() {
			return errAbandoned // rolled back: nothing written
		}
		if idem != nil {
			prev, err := db.findIdemTx(tx, idem)
			if err != nil {
				return err
			}
			if prev != nil {
				out = *prev
				return nil
			}
			db.fresh.put(idem, uid) // before commit: see inbox.go
		}
		if err := tx.Bucket(bNew).Put(newKey(n.Kind, id), rec); err != nil {
			return err
		}
		out = *j
		tx.OnCommit(func() { db.signal(n.Kind) })
		return nil
	})
	if err != nil {
		return Job{}, fmt.Errorf("store: enqueue: %w", err)
	}
	return out, nil
}

func jobFields(j *Job) map[string]string {
	f := map[string]string{"job": j.ID, "kind": string(j.Kind)}
	if j.Purpose != "" {
		f["purpose"] = j.Purpose
	}
	return f
}

// Claim reserves up to max due jobs of kind for one delivery attempt each:
// in one transaction it counts the attempt and pushes the due time to the
// lease expiry, so a crash mid-send makes the job due again later and
// never loses it. Only the due index is read, never the whole queue.
func (db *DB) Claim(kind Kind, max int) ([]Claimed, error) {
	if max <= 0 {
		return nil, nil
	}
	db.rotMu.RLock()
	defer db.rotMu.RUnlock()
	now := db.opt.Now()
	var out []Claimed
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		out = out[:0]
		// Two sorted sources of due jobs: the due index (retries, expired
		// leases, technician retries) and the inbox (never claimed, due
		// since creation). Take the earliest of both.
		type cand struct {
			newK []byte // inbox key, or nil for a due-index entry
			id   []byte
			due  int64
		}
		var fromDue, fromNew []cand
		if err := db.pullBackTx(tx, kind, now); err != nil {
			return err
		}
		c := tx.Bucket(bDue).Cursor()
		limit := dueKey(kind, now, bytes.Repeat([]byte{0xff}, 16))
		for k, _ := c.Seek([]byte{kind.dueByte()}); k != nil && k[0] == kind.dueByte() && bytes.Compare(k, limit) <= 0; k, _ = c.Next() {
			fromDue = append(fromDue, cand{id: bytes.Clone(k[9:]), due: int64(binary.BigEndian.Uint64(k[1:9]))})
			if len(fromDue) >= max {
				break
			}
		}
		nc := tx.Bucket(bNew).Cursor()
		for k, _ := nc.Seek([]byte{kind.dueByte()}); k != nil && k[0] == kind.dueByte(); k, _ = nc.Next() {
			// Due whatever the clock says now: a clock set back must not
			// hold back a job that was never tried.
			fromNew = append(fromNew, cand{newK: bytes.Clone(k), id: bytes.Clone(k[1:]), due: newKeyTime(k).UnixNano()})
			if len(fromNew) >= max {
				break
			}
		}
		var picked []cand
		for len(picked) < max && (len(fromDue) > 0 || len(fromNew) > 0) {
			if len(fromNew) == 0 || (len(fromDue) > 0 && fromDue[0].due <= fromNew[0].due) {
				picked, fromDue = append(picked, fromDue[0]), fromDue[1:]
			} else {
				picked, fromNew = append(picked, fromNew[0]), fromNew[1:]
			}
		}
		for _, cd := range picked {
			id := cd.id
			var j *Job
			var err error
			if cd.newK != nil {
				j, err = db.promoteTx(tx, cd.newK)
			} else {
				j, err = getJob(tx, id)
			}
			if err != nil {
				return err
			}
			if j.State == StateInflight && j.Attempts >= j.MaxAttempts {
				// The process died during the last allowed attempt.
				if err := db.killTx(tx, id, j, now, "lease expired on the last attempt"); err != nil {
					return err
				}
				continue
			}
			sealed := tx.Bucket(bPayload).Get(id)
			if sealed == nil {
				if err := db.killTx(tx, id, j, now, ErrPayloadGone.Error()); err != nil {
					return err
				}
				continue
			}
			plain, err := db.kr().open(id, sealed)
			var p Payload
			if err == nil {
				p, err = decodePayload(plain)
			}
			j.Attempts++
			j.Updated = now
			if err != nil {
				// Counted as a failed attempt: the key may be restored
				// before the job runs out of attempts.
				if err := db.failTx(tx, id, j, now, fmt.Sprintf("cannot read payload: %v", err), false); err != nil {
					return err
				}
				continue
			}
			j.State = StateInflight
			if err := setDue(tx, id, j, now.Add(db.opt.Lease)); err != nil {
				return err
			}
			if err := tx.Bucket(bLease).Put(id, nil); err != nil {
				return err
			}
			if err := putJob(tx, id, j); err != nil {
				return err
			}
			out = append(out, Claimed{Job: *j, Payload: p, Attempt: j.Attempts})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim %s: %w", kind, err)
	}
	return out, nil
}

// dueHorizon is the furthest ahead of now a due time can be set: a lease,
// or the longest back-off with its jitter, and a minute for NTP's slewing.
func (db *DB) dueHorizon() time.Duration {
	return max(db.opt.Lease, db.opt.BackoffMax+db.opt.BackoffMax/4) + time.Minute
}

// pullBackTx finds due times of kind further ahead than any back-off or
// lease can set: the wall clock went back (it ran ahead and NTP or a
// technician corrected it). Left there, a retry would wait for the clock
// to catch up — days, past the data's maximum age, so the job would be
// deleted without another try. A retry becomes due now; a lease runs
// afresh from now, so a send still in flight is not started twice.
func (db *DB) pullBackTx(tx *bolt.Tx, kind Kind, now time.Time) error {
	var far [][]byte
	c := tx.Bucket(bDue).Cursor()
	for k, _ := c.Seek(dueKey(kind, now.Add(db.dueHorizon()), nil)); k != nil && k[0] == kind.dueByte(); k, _ = c.Next() {
		far = append(far, bytes.Clone(k[9:]))
	}
	for _, id := range far {
		j, err := getJob(tx, id)
		if err != nil {
			return err
		}
		due := now
		if j.State == StateInflight {
			due = now.Add(db.opt.Lease)
		}
		if err := setDue(tx, id, j, due); err != nil {
			return err
		}
		if err := putJob(tx, id, j); err != nil {
			return err
		}
	}
	return nil
}

// RecordSMSPart durably records that the modem accepted part (1-based) of
// an SMS job with message reference ref. The dispatcher calls it from the
// modem's per-part callback before doing anything else, so a crash after
// part 1 of 2 resends only part 2.
func (db *DB) RecordSMSPart(id string, part, ref int) error {
	uid, err := ParseID(id)
	if err != nil {
		return fmt.Errorf("store: record sms part: %w", err)
	}
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		j, err := getJob(tx, uid[:])
		if err != nil {
			return err
		}
		if j.Parts == nil {
			j.Parts = map[int]int{}
		}
		j.Parts[part] = ref
		j.Updated = db.opt.Now()
		return putJob(tx, uid[:], j)
	})
	if err != nil {
		return fmt.Errorf("store: record sms part %d: %w", part, err)
	}
	return nil
}

// Done marks a job delivered and purges its personal data in the same
// transaction. A delivery is a fact, so Done applies even if the lease was
// lost meanwhile; on an already-done job it is a no-op.
func (db *DB) Done(id string) error {
	uid, err := ParseID(id)
	if err != nil {
		return fmt.Errorf("store: done: %w", err)
	}
	now := db.opt.Now()
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		j, err := getJob(tx, uid[:])
		if err != nil {
			return err
		}
		if j.State == StateDone {
			return nil
		}
		k := uid[:]
		if err := setDue(tx, k, j, time.Time{}); err != nil {
			return err
		}
		if err := tx.Bucket(bLease).Delete(k); err != nil {
			return err
		}
		if err := tx.Bucket(bDead).Delete(k); err != nil {
			return err
		}
		j.State = StateDone
		j.DoneAt = now
		j.Updated = now
		j.LastError = ""
		f := jobFields(j)
		f["attempts"] = fmt.Sprint(j.Attempts)
		f["latency"] = now.Sub(j.Created).Round(time.Millisecond).String()
		if err := auditTx(tx, now, "job.delivered", f); err != nil {
			return err
		}
		if err := purgePayloadTx(tx, k, j, now, "delivered"); err != nil {
			return err
		}
		return putJob(tx, k, j)
	})
	if err != nil {
		return fmt.Errorf("store: done: %w", err)
	}
	return nil
}

// ErrLeaseLost means a Fail arrived for an attempt that is no longer the
// job's current one (the lease expired and the job was claimed again, or
// it was delivered meanwhile). The failure is ignored.
var ErrLeaseLost = errors.New("lease lost: the job was claimed again or finished meanwhile")

// Fail records a failed attempt. A permanent error, or a retryable one on
// the last attempt, dead-letters the job; otherwise it becomes due again
// after an exponential back-off with jitter. The error text is redacted
// before it is stored (SMTP errors echo recipients).
func (db *DB) Fail(id string, attempt int, cause error, permanent bool) (State, error) {
	uid, err := ParseID(id)
	if err != nil {
		return "", fmt.Errorf("store: fail: %w", err)
	}
	now := db.opt.Now()
	msg := "unknown error"
	if cause != nil {
		msg = cause.Error()
	}
	var st State
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		j, err := getJob(tx, uid[:])
		if err != nil {
			return err
		}
		if j.State != StateInflight || j.Attempts != attempt {
			return ErrLeaseLost
		}
		if err := tx.Bucket(bLease).Delete(uid[:]); err != nil {
			return err
		}
		if err := db.failTx(tx, uid[:], j, now, msg, permanent); err != nil {
			return err
		}
		st = j.State
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("store: fail: %w", err)
	}
	return st, nil
}

// Release gives back a claimed job without counting its attempt: the
// channel could not even try (the modem still starting or reopening), so
// nothing was sent. The job is due again at once, in the state it had
// before the claim (pending, or retry with its last error). A release for
// an attempt that is no longer current is ErrLeaseLost.
func (db *DB) Release(id string, attempt int) error {
	uid, err := ParseID(id)
	if err != nil {
		return fmt.Errorf("store: release: %w", err)
	}
	now := db.opt.Now()
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		k := uid[:]
		j, err := getJob(tx, k)
		if err != nil {
			return err
		}
		if j.State != StateInflight || j.Attempts != attempt {
			return ErrLeaseLost
		}
		if err := tx.Bucket(bLease).Delete(k); err != nil {
			return err
		}
		j.Attempts--
		j.State = StateRetry
		if j.Attempts == 0 {
			j.State = StatePending
		}
		j.Updated = now
		if err := setDue(tx, k, j, now); err != nil {
			return err
		}
		return putJob(tx, k, j)
	})
	if err != nil {
		return fmt.Errorf("store: release: %w", err)
	}
	return nil
}

// failTx applies a failed attempt to j (Attempts already counted).
func (db *DB) failTx(tx *bolt.Tx, id []byte, j *Job, now time.Time, msg string, permanent bool) error {
	if permanent || j.Attempts >= j.MaxAttempts {
		if !permanent {
			msg = fmt.Sprintf("%d attempts: %s", j.Attempts, msg)
		}
		return db.killTx(tx, id, j, now, msg)
	}
	j.State = StateRetry
	j.LastError = mask.Text(msg)
	j.Updated = now
	if err := setDue(tx, id, j, now.Add(db.Backoff(j.Attempts))); err != nil {
		return err
	}
	tx.OnCommit(func() { db.signal(j.Kind) })
	return putJob(tx, id, j)
}

// killTx dead-letters j. Its payload stays for DeadPayloadMaxAge so that
// a technician can retry once the cause is fixed; its metadata stays until
// DeadRetention.
func (db *DB) killTx(tx *bolt.Tx, id []byte, j *Job, now time.Time, msg string) error {
	if err := setDue(tx, id, j, time.Time{}); err != nil {
		return err
	}
	if err := tx.Bucket(bLease).Delete(id); err != nil {
		return err
	}
	if err := tx.Bucket(bDead).Put(id, nil); err != nil {
		return err
	}
	j.State = StateDead
	j.LastError = mask.Text(msg)
	j.Updated = now
	j.DeadRun = db.Running()
	f := jobFields(j)
	f["attempts"] = fmt.Sprint(j.Attempts)
	f["error"] = j.LastError
	if err := auditTx(tx, now, EventJobDead, f); err != nil {
		return err
	}
	if db.opt.DeadPayloadMaxAge < 0 {
		if err := purgePayloadTx(tx, id, j, now, "dead"); err != nil {
			return err
		}
	}
	return putJob(tx, id, j)
}

// Backoff is the delay before the attempt after `attempts` failures:
// BackoffBase·2^(attempts-1), capped at BackoffMax, with ±25 % jitter so a
// crowd of jobs failing together does not retry together.
func (db *DB) Backoff(attempts int) time.Duration {
	return backoff(db.opt.BackoffBase, db.opt.BackoffMax, attempts, db.opt.Rand())
}

func backoff(base, limit time.Duration, attempts int, r float64) time.Duration {
	if attempts < 1 {
		attempts = 1
	}
	d := float64(base) * math.Pow(2, float64(attempts-1))
	if d > float64(limit) {
		d = float64(limit)
	}
	d *= 0.75 + 0.5*r
	return time.Duration(d)
}

// Retry puts a dead or waiting job back to pending, due now, with a fresh
// set of attempts: the technician's "I fixed the relay, send it again".
func (db *DB) Retry(id, actor string) (Job, error) {
	uid, err := ParseID(id)
	if err != nil {
		return Job{}, fmt.Errorf("store: retry: %w", err)
	}
	now := db.opt.Now()
	var out Job
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		k := uid[:]
		j, err := db.promoteAnyTx(tx, k)
		if err != nil {
			return err
		}
		if j.State != StateDead && j.State != StateRetry && j.State != StatePending {
			return fmt.Errorf("job %s is %s: %w", j.ID, j.State, ErrNotRetryable)
		}
		if !j.HasPayload || tx.Bucket(bPayload).Get(k) == nil {
			return fmt.Errorf("job %s: %w", j.ID, ErrPayloadGone)
		}
		if err := tx.Bucket(bDead).Delete(k); err != nil {
			return err
		}
		j.State = StatePending
		j.Attempts = 0
		j.Updated = now
		if err := setDue(tx, k, j, now); err != nil {
			return err
		}
		if err := putJob(tx, k, j); err != nil {
			return err
		}
		out = *j
		f := jobFields(j)
		f["actor"] = actor
		tx.OnCommit(func() { db.signal(j.Kind) })
		return auditTx(tx, now, "technician.retry", f)
	})
	if err != nil {
		return Job{}, fmt.Errorf("store: retry: %w", err)
	}
	return out, nil
}

// Recover makes every inflight job due now. It runs at Open: the file lock
// guarantees no other process is sending, so any lease on disk belongs to
// a process that died. Only the lease index is read.
func (db *DB) Recover() (int, error) {
	now := db.opt.Now()
	n := 0
	kinds := map[Kind]bool{}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		n = 0
		var ids [][]byte
		if err := tx.Bucket(bLease).ForEach(func(k, _ []byte) error {
			ids = append(ids, bytes.Clone(k))
			return nil
		}); err != nil {
			return err
		}
		for _, id := range ids {
			j, err := getJob(tx, id)
			if errors.Is(err, ErrNotFound) {
				if err := tx.Bucket(bLease).Delete(id); err != nil {
					return err
				}
				continue
			}
			if err != nil {
				return err
			}
			if j.State == StateInflight {
				// Already due (an earlier start recovered it and nothing
				// claimed it since): nothing to write.
				if j.Due.IsZero() || j.Due.After(now) {
					if err := setDue(tx, id, j, now); err != nil {
						return err
					}
					if err := putJob(tx, id, j); err != nil {
						return err
					}
				}
				kinds[j.Kind] = true
				n++
			} else if err := tx.Bucket(bLease).Delete(id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: recover leases: %w", err)
	}
	for k := range kinds {
		db.signal(k)
	}
	return n, nil
}

// Get returns a job's metadata.
func (db *DB) Get(id string) (Job, error) {
	uid, err := ParseID(id)
	if err != nil {
		return Job{}, fmt.Errorf("store: get: %w", err)
	}
	var out Job
	err = db.bolt.View(func(tx *bolt.Tx) error {
		j, _, err := getAnyTx(tx, uid[:])
		if err != nil {
			return err
		}
		out = *j
		return nil
	})
	if err != nil {
		return Job{}, fmt.Errorf("store: get: %w", err)
	}
	return out, nil
}

// NextDue is the earliest due time of kind (pending, retry or lease
// expiry), and false when nothing of that kind is waiting.
func (db *DB) NextDue(kind Kind) (time.Time, bool) {
	var t time.Time
	ok := false
	_ = db.bolt.View(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bDue).Cursor().Seek([]byte{kind.dueByte()})
		if k != nil && k[0] == kind.dueByte() {
			t = time.Unix(0, int64(binary.BigEndian.Uint64(k[1:9])))
			ok = true
		}
		if k, _ := tx.Bucket(bNew).Cursor().Seek([]byte{kind.dueByte()}); k != nil && k[0] == kind.dueByte() {
			if nt := newKeyTime(k); !ok || nt.Before(t) {
				t, ok = nt, true
			}
		}
		return nil
	})
	return t, ok
}

// ListFilter selects jobs for List.
type ListFilter struct {
	// States keeps only these states (all when empty).
	States []State
	// Kind keeps only this kind (all when empty).
	Kind Kind
	// Limit stops after this many jobs (all when 0).
	Limit int
	// NewestFirst lists the most recent jobs first (and Limit keeps the
	// newest), as a technician's screen wants them.
	NewestFirst bool
}

// List returns job metadata in creation order, or newest first.
func (db *DB) List(f ListFilter) ([]Job, error) {
	var out []Job
	want := map[State]bool{}
	for _, s := range f.States {
		want[s] = true
	}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		// Dead letters have their own index: `queue dead` does not scan.
		if len(want) == 1 && want[StateDead] {
			c := tx.Bucket(bDead).Cursor()
			first, next := c.First, c.Next
			if f.NewestFirst {
				first, next = c.Last, c.Prev
			}
			for k, _ := first(); k != nil; k, _ = next() {
				if f.Limit > 0 && len(out) >= f.Limit {
					break
				}
				j, err := getJob(tx, k)
				if err != nil {
					return err
				}
				if f.Kind == "" || j.Kind == f.Kind {
					out = append(out, *j)
				}
			}
			return nil
		}
		keep := func(j *Job) bool {
			return (len(want) == 0 || want[j.State]) && (f.Kind == "" || j.Kind == f.Kind)
		}
		// Never-claimed jobs are in the inbox (pending); merge them in
		// creation order with the rest.
		var fresh []Job
		if len(want) == 0 || want[StatePending] {
			var err error
			if fresh, err = inboxJobs(tx, f.Kind); err != nil {
				return err
			}
		}
		before := func(a, b string) bool { return compareIDs(a, b) < 0 }
		c := tx.Bucket(bJobs).Cursor()
		first, next := c.First, c.Next
		if f.NewestFirst {
			first, next = c.Last, c.Prev
			slices.Reverse(fresh)
			before = func(a, b string) bool { return compareIDs(a, b) > 0 }
		}
		full := func() bool { return f.Limit > 0 && len(out) >= f.Limit }
		for k, v := first(); k != nil && !full(); k, v = next() {
			var j Job
			if err := json.Unmarshal(v, &j); err != nil {
				return fmt.Errorf("job %s: decode: %w", idString(k), err)
			}
			for len(fresh) > 0 && before(fresh[0].ID, j.ID) && !full() {
				out, fresh = append(out, fresh[0]), fresh[1:]
			}
			if keep(&j) && !full() {
				out = append(out, j)
			}
		}
		for len(fresh) > 0 && !full() {
			out, fresh = append(out, fresh[0]), fresh[1:]
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: list: %w", err)
	}
	return out, nil
}

// Stats counts jobs per kind and state.
type Stats struct {
	// Counts[kind][state] is the number of jobs.
	Counts map[Kind]map[State]int
	// Total is the number of jobs in the file.
	Total int
	// Payloads is the number of jobs still holding personal data.
	Payloads int
	// OldestWaiting is the creation time of the oldest pending/retry job.
	OldestWaiting time.Time
	// FileBytes is the size of the database file, FreeBytes the part of it
	// bbolt will reuse (compaction would give it back).
	FileBytes, FreeBytes int64
}

// EmptyStats is Stats of an empty queue (every kind and state at zero).
func EmptyStats() Stats {
	s := Stats{Counts: map[Kind]map[State]int{}}
	for _, k := range Kinds {
		s.Counts[k] = map[State]int{}
		for _, st := range States {
			s.Counts[k][st] = 0
		}
	}
	return s
}

// Stats counts the queue.
func (db *DB) Stats() (Stats, error) {
	s := EmptyStats()
	err := db.bolt.View(func(tx *bolt.Tx) error {
		s.FileBytes = tx.Size()
		s.Payloads = tx.Bucket(bPayload).Stats().KeyN
		// The inbox: count keys; only each kind's first record (its
		// oldest: keys sort by creation) is decoded.
		c := tx.Bucket(bNew).Cursor()
		for _, kind := range Kinds {
			for k, v := c.Seek([]byte{kind.dueByte()}); k != nil && k[0] == kind.dueByte(); k, v = c.Next() {
				if s.Counts[kind][StatePending] == 0 {
					j, _, err := decodeRecord(k, v)
					if err != nil {
						return fmt.Errorf("job %s: %w", idString(k[1:]), err)
					}
					if s.OldestWaiting.IsZero() || j.Created.Before(s.OldestWaiting) {
						s.OldestWaiting = j.Created
					}
				}
				s.Counts[kind][StatePending]++
				s.Total++
				s.Payloads++
			}
		}
		return tx.Bucket(bJobs).ForEach(func(_, v []byte) error {
			var j struct {
				Kind    Kind      `json:"kind"`
				State   State     `json:"state"`
				Created time.Time `json:"created"`
			}
			if err := json.Unmarshal(v, &j); err != nil {
				return err
			}
			if s.Counts[j.Kind] == nil {
				s.Counts[j.Kind] = map[State]int{}
			}
			s.Counts[j.Kind][j.State]++
			s.Total++
			if (j.State == StatePending || j.State == StateRetry) && (s.OldestWaiting.IsZero() || j.Created.Before(s.OldestWaiting)) {
				s.OldestWaiting = j.Created
			}
			return nil
		})
	})
	if err != nil {
		return Stats{}, fmt.Errorf("store: stats: %w", err)
	}
	bs := db.bolt.Stats()
	s.FreeBytes = int64(bs.FreePageN+bs.PendingPageN) * int64(db.pageSize)
	return s, nil
}
