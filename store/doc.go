// Package store keeps the kiosk's durable state in one bbolt file,
// DATA/ventanilla.db: the outbox of jobs still owed to someone (SMS,
// e-mail), the encrypted personal data those jobs carry, and the audit log.
// Nothing is sent from a screen: a screen enqueues, the dispatcher
// (package store/dispatch) delivers, so a kiosk that is offline loses
// nothing.
//
// # Buckets
//
//	new      kind ‖ id                        → never-claimed job: metadata and sealed payload in one record
//	jobs     id (16-byte ULID)                → job metadata (JSON, no personal data)
//	due      kind ‖ due time (BE ns) ‖ id     → nil   (what to send next, per kind)
//	lease    id                               → nil   (jobs in flight, for crash recovery)
//	dead     id                               → nil   (dead letters, for `queue dead`)
//	idem     sha256(idempotency key)          → id   (claimed jobs; never-claimed ones carry it in their record)
//	payload  id                               → AES-GCM ciphertext of the personal data
//	audit    time (BE ns) ‖ sequence          → audit entry (JSON, no personal data)
//	meta     "schema", "key_id", "clock" (the running clock's checkpoint)
//
// Ids are ULIDs: time-sortable, so the jobs and payload buckets are in
// creation order and the retention purge reads only their old end.
//
// An enqueue writes one record to "new" (with the idempotency hash in its
// header): one page of one bucket, as cheap as any durable bbolt write. A job's first claim moves it, in the claim's transaction,
// to the jobs/due/payload form every later state change works on, and
// writes its job.created audit entry with the creation time (AuditLog
// reads that entry from the record until then). See inbox.go. Schema 1
// (before the inbox) is migrated at Open by adding the empty bucket: its
// never-claimed jobs stay valid in the jobs/due/payload form.
//
// # Outbox
//
// States: pending → inflight → done, or → retry (exponential back-off with
// ±25 % jitter, capped) → dead after MaxAttempts or a permanent error. Every
// change is one db.Update (never Batch, whose function may run twice) and
// is acknowledged only after the commit and its fsync. Claim is the lease:
// it counts the attempt and moves the job's due time to the lease expiry
// before anything is sent, so a process that dies mid-send leaves a job
// that comes back by itself; Open makes every such job due at once, since
// the file lock proves its owner is gone. Enqueue, Retry and back-off wake
// the dispatcher from tx.OnCommit (Notify). An SMS job keeps a stable
// concatenation reference and records each part the modem accepted before
// anything else happens (RecordSMSPart); an e-mail job has a stable
// Message-ID. Idempotency keys make a repeated Enqueue return the first job.
//
// Only one process may hold the file (bbolt's exclusive flock). Open waits
// at most one second and then fails with ErrLocked ("the kiosk is running
// (database locked): use the SSH console").
//
// # Personal data at rest
//
// Every payload (phone number, SMS text, e-mail recipient and body,
// attachments such as DNI images and signed requests) is sealed with
// AES-256-GCM under the kiosk key, a file of 32 random bytes (mode 0600 or
// 0400) at Options.KeyFile, default DATA/kiosk.key, created when missing
// unless NoCreateKey (the kiosk passes a systemd credential or a file on
// another filesystem; see cmd/ventanilla/datakey.go). Each ciphertext carries a format
// byte, the 4-byte id of the key that sealed it and a random nonce; the job
// id is the additional data, so a payload cannot be moved to another job.
// The database records the id of the key in force, so a wrong key file
// (ErrWrongKey) or a missing one (ErrKeyMissing, never silently replaced)
// is reported at Open; a tampered payload fails authentication (ErrDecrypt).
// Payloads live in their own bucket, apart from job metadata, which holds
// only a masked recipient (+34 6•• ••• •12). Error texts and audit fields
// pass through mask.Text (package procedure/mask).
//
// A delivered job's payload is deleted in the same transaction that marks
// it done; Purge deletes any payload older than PayloadMaxAge of running
// time (the running clock, clock.go: never the wall clock, which a kiosk
// without a real-time clock or NTP cannot trust) whatever its state (an undelivered job then becomes dead: dead letters keep metadata,
// not personal data). A dead letter keeps its payload for
// DeadPayloadMaxAge (default 24 h; negative: purged at death) so that a
// technician can retry it once the cause is fixed, then keeps metadata only. bbolt does not zero
// freed pages: a purged ciphertext (never plaintext) stays in a free page
// until the page is reused or the file is compacted.
//
// Key rotation (DB.RotateKey, `ventanilla queue rotate-key`): a new key is
// written to DATA/kiosk.key.next and fsynced, every payload is re-sealed
// with it in one transaction that also records the new key id, then
// kiosk.key.next is renamed over kiosk.key. A crash before the commit
// leaves the old key in force (Open discards the .next file); a crash after
// it is finished by the next Open. Back up the key file after rotating.
// A key the kiosk cannot rewrite (a systemd credential) is rotated with
// RotateKeyTo: the new key goes to a file the technician installs, and the
// old one is refused (ErrWrongKey) from the commit on.
// The key may live outside the data dir (Options.KeyFile, `--key`).
//
// # Size
//
// bbolt never shrinks its file but reuses freed pages, so the store keeps
// the live data bounded and the file plateaus: payloads go at delivery or
// at PayloadMaxAge; Purge (run by the dispatcher every few minutes) deletes
// delivered jobs after DoneRetention, dead letters after DeadRetention and
// audit entries after AuditRetention. What bursts leave behind as free
// pages is given back by compaction (copy the live data to a new file,
// fsync, rename over the old one): automatically at Open when free pages
// exceed CompactFreeRatio of the file and CompactMinFree bytes, or on
// demand with `ventanilla queue compact`. TestSteadyStreamBounded checks
// the plateau.
package store
