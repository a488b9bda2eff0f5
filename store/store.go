package store

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oklog/ulid/v2"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// FileName is the database file inside the data directory.
const FileName = "ventanilla.db"

// ErrLocked means another process (normally `ventanilla run`) holds the
// database. The message is what the technician should read.
var ErrLocked = errors.New("the kiosk is running (database locked): use the SSH console")

// ErrNoDatabase means Options.MustExist was set and there is no database.
var ErrNoDatabase = errors.New("no database here (is --data right?)")

// ErrNotFound is returned for an unknown job id.
var ErrNotFound = errors.New("no such job")

var (
	bJobs    = []byte("jobs")
	bDue     = []byte("due")
	bLease   = []byte("lease")
	bDead    = []byte("dead")
	bIdem    = []byte("idem")
	bPayload = []byte("payload")
	bAudit   = []byte("audit")
	bMeta    = []byte("meta")

	allBuckets = [][]byte{bJobs, bDue, bLease, bDead, bIdem, bPayload, bAudit, bMeta, bNew}

	metaSchema = []byte("schema")
	metaKeyID  = []byte("key_id")
)

// schemaVersion 2 added the inbox (bucket "new", see inbox.go). A
// schema-1 file is migrated at Open: it only lacks the empty bucket, as
// its never-claimed jobs stay valid in the jobs/due/payload form.
const schemaVersion = "2"

// Options tune the outbox. The zero value gives the production defaults;
// tests override Now and Rand to drive the state machine deterministically.
type Options struct {
	// Now is the wall clock (default time.Now): job ids, due times,
	// timestamps people read. Personal data does not age by it (clock.go).
	Now func() time.Time
	// Monotonic is a clock that never jumps, as time since any fixed
	// point of this process (default: Go's monotonic clock). The running
	// clock that ages personal data is built on it (clock.go).
	Monotonic func() time.Duration
	// ClockSynced reports whether the wall clock is synchronised by NTP
	// (default: the kernel's adjtimex status on Linux, false elsewhere);
	// only then does time switched off count towards the data's age.
	ClockSynced func() bool
	// Rand returns a number in [0,1) used for backoff jitter (default crypto-seeded).
	Rand func() float64

	// Lease is how long a claimed job is reserved for one delivery attempt
	// before it becomes due again (default 5 min). It must exceed the
	// dispatcher's per-send timeout.
	Lease time.Duration
	// MaxAttempts before a job is dead-lettered (default 8).
	MaxAttempts int
	// BackoffBase is the delay after the first failure; it doubles per
	// attempt up to BackoffMax (defaults 30 s and 1 h), with ±25 % jitter.
	BackoffBase, BackoffMax time.Duration

	// PayloadMaxAge is how long personal data may stay on disk even if the
	// job is never delivered (default 72 h), on the running clock. Delivered
	// jobs lose their payload at once.
	PayloadMaxAge time.Duration
	// DeadPayloadMaxAge is how long a dead letter keeps its personal data
	// so a technician can retry it after fixing the cause (default 24 h,
	// never beyond PayloadMaxAge). Negative: purge at death.
	DeadPayloadMaxAge time.Duration
	// DoneRetention keeps delivered jobs' metadata for the technician
	// (default 24 h); DeadRetention keeps dead letters (default 30 days);
	// AuditRetention keeps the audit log (default 90 days).
	DoneRetention, DeadRetention, AuditRetention time.Duration

	// CompactFreeRatio: at Open, when free pages exceed this fraction of the
	// file and at least CompactMinFree bytes, the file is compacted (copied
	// to a new file and renamed). Defaults 0.5 and 4 MiB; negative disables.
	CompactFreeRatio float64
	CompactMinFree   int64

	// MessageIDDomain is the right-hand side of e-mail Message-IDs
	// (default "ventanilla.invalid").
	MessageIDDomain string
	// KeyFile overrides the key file path (default DATA/kiosk.key).
	KeyFile string
	// NoCreateKey makes Open fail instead of creating a missing key file.
	NoCreateKey bool
	// MustExist makes Open fail with ErrNoDatabase instead of creating a
	// new, empty database (for commands that only read or change jobs:
	// a mistyped --data should not leave an empty kiosk behind).
	MustExist bool

	// testNoSync skips fsync: only for tests that measure space, never
	// durability. Unexported so production code cannot set it.
	testNoSync bool
}

func (o *Options) fill() {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = cryptoFloat
	}
	if o.Monotonic == nil {
		o.Monotonic = monotonicSinceStart
	}
	if o.ClockSynced == nil {
		o.ClockSynced = kernelClockSynced
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Lease, 5*time.Minute)
	def(&o.BackoffBase, 30*time.Second)
	def(&o.BackoffMax, time.Hour)
	def(&o.PayloadMaxAge, 72*time.Hour)
	if o.DeadPayloadMaxAge == 0 {
		o.DeadPayloadMaxAge = 24 * time.Hour
	}
	def(&o.DoneRetention, 24*time.Hour)
	def(&o.DeadRetention, 30*24*time.Hour)
	def(&o.AuditRetention, 90*24*time.Hour)
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.CompactFreeRatio == 0 {
		o.CompactFreeRatio = 0.5
	}
	if o.CompactMinFree <= 0 {
		o.CompactMinFree = 4 << 20
	}
	if o.MessageIDDomain == "" {
		o.MessageIDDomain = "ventanilla.invalid"
	}
}

func cryptoFloat() float64 {
	n, err := rand.Int(rand.Reader, big.NewInt(1<<53))
	if err != nil {
		return 0.5
	}
	return float64(n.Int64()) / (1 << 53)
}

// DB is the open kiosk database. It is safe for concurrent use.
type DB struct {
	bolt *bolt.DB
	dir  string
	path string
	opt  Options
	keys atomic.Pointer[keyring]
	// rotMu: sealing/opening (read) vs RotateKey (write), so no payload
	// is sealed with a key that is being retired.
	rotMu sync.RWMutex

	pageSize int // read once: bolt's Info() races with a remap

	idMu    sync.Mutex
	entropy *ulid.MonotonicEntropy

	wakeMu sync.Mutex
	wake   map[Kind]chan struct{}

	fresh idemHints // idempotency hashes of never-claimed jobs (inbox.go)

	// The running clock (clock.go): its reading at Open, and the
	// monotonic clock's then.
	runBase, monoAtOpen time.Duration

	bg sync.WaitGroup // enqueues a caller gave up on (EnqueueContext)
}

// Open opens (creating if needed) DATA/ventanilla.db and the kiosk key.
// If another process holds the file it fails within a second with an error
// wrapping ErrLocked. Jobs left in flight by a crashed process are made due
// again (see Recover).
func Open(dir string, opt Options) (*DB, error) {
	opt.fill()
	path := filepath.Join(dir, FileName)
	if opt.MustExist {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("store: %s: %w", path, ErrNoDatabase)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: create data dir: %w", err)
	}
	bdb, err := openBolt(path)
	if err != nil {
		return nil, err
	}
	if opt.CompactFreeRatio > 0 {
		if need, _ := needsCompaction(bdb, opt); need {
			if err := bdb.Close(); err != nil {
				return nil, fmt.Errorf("store: close before compaction: %w", err)
			}
			// Another process could grab the file between Close and the
			// reopen inside compactFile; it then fails with ErrLocked,
			// which is the right answer anyway.
			if _, _, err := compactFile(path); err != nil {
				return nil, err
			}
			if bdb, err = openBolt(path); err != nil {
				return nil, err
			}
		}
	}
	db := &DB{
		bolt:     bdb,
		dir:      dir,
		path:     path,
		opt:      opt,
		entropy:  ulid.Monotonic(rand.Reader, 0),
		pageSize: bdb.Info().PageSize,
		wake:     map[Kind]chan struct{}{},
	}
	bdb.NoSync = opt.testNoSync
	if err := db.init(); err != nil {
		_ = bdb.Close()
		return nil, err
	}
	if err := db.loadIdemHints(); err != nil {
		_ = bdb.Close()
		return nil, fmt.Errorf("store: read inbox: %w", err)
	}
	if err := db.startClock(); err != nil {
		_ = bdb.Close()
		return nil, err
	}
	if _, err := db.Recover(); err != nil {
		_ = bdb.Close()
		return nil, err
	}
	return db, nil
}

func openBolt(path string) (*bolt.DB, error) {
	// Timeout turns "another process holds the flock" into an error after
	// one second; NoSync stays false: an acknowledged job must be on disk.
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("store: open %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return bdb, nil
}

func (db *DB) init() error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		m := tx.Bucket(bMeta)
		switch v := m.Get(metaSchema); {
		case v == nil:
		case string(v) == "1":
			if err := auditTx(tx, db.opt.Now(), "store.migrated", map[string]string{"from": "1", "to": schemaVersion}); err != nil {
				return err
			}
		case string(v) != schemaVersion:
			return fmt.Errorf("database schema %q, this build knows %q: upgrade ventanilla", v, schemaVersion)
		default:
			return nil
		}
		return m.Put(metaSchema, []byte(schemaVersion))
	})
	if err != nil {
		return fmt.Errorf("store: init: %w", err)
	}
	return db.loadKeys()
}

// Close records the running clock and releases the database (and its
// lock).
func (db *DB) Close() error {
	db.bg.Wait()
	cerr := db.bolt.Update(db.checkpointTx)
	if err := db.bolt.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	if cerr != nil {
		return fmt.Errorf("store: close: record the running clock: %w", cerr)
	}
	return nil
}

// Path is the database file.
func (db *DB) Path() string { return db.path }

// Dir is the data directory.
func (db *DB) Dir() string { return db.dir }

// Bolt exposes the underlying database for benchmarks and diagnostics.
// Callers must not write to the store's buckets.
func (db *DB) Bolt() *bolt.DB { return db.bolt }

// Now is the store's clock.
func (db *DB) Now() time.Time { return db.opt.Now() }

// Options returns the effective options (defaults filled in).
func (db *DB) Options() Options { return db.opt }

// newID returns a time-sortable unique id. ULIDs keep creation order in the
// jobs and payload buckets, which the age purge relies on.
func (db *DB) newID(now time.Time) (ulid.ULID, error) {
	db.idMu.Lock()
	defer db.idMu.Unlock()
	id, err := ulid.New(ulid.Timestamp(now), db.entropy)
	if err != nil {
		return ulid.ULID{}, fmt.Errorf("store: new id: %w", err)
	}
	return id, nil
}

// Notify returns a channel that receives a value whenever a job of the
// given kind may have become due (committed enqueue, retry, back-off). The
// channel has capacity one; signals coalesce.
func (db *DB) Notify(kind Kind) <-chan struct{} {
	return db.wakeChan(kind)
}

func (db *DB) wakeChan(kind Kind) chan struct{} {
	db.wakeMu.Lock()
	defer db.wakeMu.Unlock()
	ch, ok := db.wake[kind]
	if !ok {
		ch = make(chan struct{}, 1)
		db.wake[kind] = ch
	}
	return ch
}

func (db *DB) signal(kind Kind) {
	select {
	case db.wakeChan(kind) <- struct{}{}:
	default:
	}
}

// kr is the keyring in force (swapped atomically by RotateKey).
func (db *DB) kr() *keyring { return db.keys.Load() }

// syncDir makes a rename or create in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}
