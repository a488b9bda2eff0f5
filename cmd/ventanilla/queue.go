package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/ventanilla-kiosk/ventanilla/console"
	"github.com/ventanilla-kiosk/ventanilla/store"
)

// newQueueCmd is the technician's view of the outbox when the kiosk is not
// running (while it runs, the same commands are in the SSH console).
func newQueueCmd() *cobra.Command {
	var dataDir string
	c := &cobra.Command{
		Use:   "queue",
		Short: "Inspect and feed the outbox (SMS and e-mail waiting to be delivered)",
		Long: `The outbox holds every SMS and e-mail the kiosk owes someone until it is
delivered. These commands open DATA/ventanilla.db directly, so they only work
while the kiosk is stopped; while 'ventanilla run' holds the database they fail
within a second: use the SSH console instead.`,
		Args: noArgs,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			cfg, err := queueConfiguration()
			if err != nil {
				return err
			}
			if dataDir == "" {
				dataDir = cfg.DataDir
			}
			return checkDataOwner(dataDir, os.Geteuid())
		},
	}
	c.PersistentFlags().StringVar(&dataDir, "data", "", "data directory (holds ventanilla.db; default: the --config file's data_dir, else ./var)")
	c.PersistentFlags().StringVar(&keyFile, "key", "", "data key file (default: as the kiosk finds it: the systemd credential, the --config file's [data_key], DATA/kiosk.key)")
	c.PersistentFlags().StringVar(&queueConfig, "config", "", "the kiosk's configuration file, for its [data_key]")
	c.AddCommand(
		newQueueAddCmd(&dataDir),
		newQueueListCmd(&dataDir),
		newQueueStatsCmd(&dataDir),
		newQueueRetryCmd(&dataDir),
		newQueueDeadCmd(&dataDir),
		newQueuePurgeCmd(&dataDir),
		newQueueCompactCmd(&dataDir),
		newQueueRotateKeyCmd(&dataDir),
		newQueueAuditCmd(&dataDir),
	)
	return c
}

// keyFile and queueConfig are the queue command's --key and --config
// flags (one command per process).
var keyFile, queueConfig string

// queueKey finds the data key as the kiosk does (datakey.go), falling back
// to DATA/kiosk.key as a technician's tool may; --key overrides.
func queueKey(dir string) (keySource, error) {
	if keyFile != "" {
		return keySource{Path: keyFile, Origin: "--key"}, nil
	}
	cfg, err := queueConfiguration()
	if err != nil {
		return keySource{}, err
	}
	k, err := resolveDataKey(cfg, dir, true, os.Getenv)
	if err != nil {
		return keySource{}, usageErrorf("%v", err)
	}
	return k, nil
}

// queueConfiguration is the --config file (its data_dir and [data_key]),
// or the defaults without one.
func queueConfiguration() (Config, error) {
	cfg := defaultConfig()
	if queueConfig == "" {
		return cfg, nil
	}
	cfg, err := loadConfig(queueConfig, cfg)
	if err != nil {
		return cfg, usageError(err)
	}
	return cfg, nil
}

// checkDataOwner refuses to let root work on a data dir that belongs to
// the kiosk's user: files root creates or replaces there (the database
// after a compaction, which Open may also do; a rotated key) would be
// root's, and the kiosk, which runs as its own user, could no longer open
// them and would not start.
func checkDataOwner(dir string, euid int) error {
	if euid != 0 {
		return nil
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil // no data dir: the command says so itself
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok || sys.Uid == 0 {
		return nil
	}
	name := fmt.Sprint(sys.Uid)
	if u, err := user.LookupId(name); err == nil {
		name = u.Username
	}
	return usageErrorf("%s belongs to the kiosk's user %s, and files written there as root would be root's: the kiosk could not open them and would not start. Run this as that user: runuser -u %s -- ventanilla queue … (README, \"The data key\")", dir, name, name)
}

// openStore opens the database; a kiosk holding it is "the operation said
// no" (exit 1) with the store's message telling the technician what to do.
// It never creates a data key: a key missing from where it was looked for
// is an error that names the place (a replacement would make the queued
// data unreadable for the kiosk).
func openStore(dir string) (*store.DB, error) {
	db, _, err := openStoreKey(dir, store.Options{MustExist: true, NoCreateKey: true})
	return db, err
}

// openStoreCreate is openStore for `queue add`, which may start a new
// database (and then its key, unless that is a credential).
func openStoreCreate(dir string) (*store.DB, error) {
	_, err := os.Stat(filepath.Join(dir, store.FileName))
	db, _, err := openStoreKey(dir, store.Options{NoCreateKey: err == nil})
	return db, err
}

func openStoreKey(dir string, o store.Options) (*store.DB, keySource, error) {
	k, err := queueKey(dir)
	if err != nil {
		return nil, k, err
	}
	db, err := store.Open(dir, k.options(o))
	if errors.Is(err, store.ErrKeyMissing) && !k.Credential && os.Getenv("CREDENTIALS_DIRECTORY") == "" {
		return nil, k, failuref("%v; if the kiosk takes its key from a systemd credential, run this as the service does: systemd-run --pipe --wait -p User=ventanilla -p LoadCredentialEncrypted=%s:/etc/credstore.encrypted/%s ventanilla queue …", err, defaultKeyCredential, defaultKeyCredential)
	}
	if err != nil {
		return nil, k, failure(err)
	}
	return db, k, nil
}

type addFlags struct {
	kind, to, text, subject, from, purpose, idem string
	attach                                       []string
	stdin                                        bool
}

func newQueueAddCmd(dataDir *string) *cobra.Command {
	var f addFlags
	c := &cobra.Command{
		Use:   "add --kind sms --to NUMBER --text TEXT | --stdin",
		Short: "Put a job in the outbox; prints its id once it is durably stored",
		Long: `Put a job in the outbox. The job id is printed (alone, one line) only after
the job is committed to disk, so a printed id survives a crash or power cut.

  queue add --kind sms --to +34600000000 --text "Su código: 123456"
  queue add --kind email --to juana@example.es --subject Cita --text "Hola" --attach dni.jpg

--stdin reads one job per line and prints each id as it commits. The first
bad line stops the command with exit status 2; the jobs before it are stored
(their ids were printed).

` + store.JobLineHelp,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if f.stdin {
				if c.Flags().Changed("to") || c.Flags().Changed("text") {
					return usageErrorf("--stdin reads the jobs from standard input: do not also give --to or --text")
				}
			} else if f.to == "" || f.text == "" {
				return usageErrorf("queue add needs --to and --text (or --stdin); see 'ventanilla queue add --help'")
			}
			if f.kind != "sms" && f.kind != "email" {
				return usageErrorf("--kind must be sms or email, got %q", f.kind)
			}
			if f.stdin {
				// Validate nothing up front: lines are checked as they come.
				db, err := openStoreCreate(*dataDir)
				if err != nil {
					return err
				}
				defer db.Close()
				return addFromStdin(db, c.InOrStdin(), c.OutOrStdout(), f.kind)
			}
			n, err := buildJob(store.JobLine{Kind: store.Kind(f.kind), To: f.to, Text: f.text, Subject: f.subject, From: f.from,
				Purpose: f.purpose, Key: f.idem, Attach: f.attach})
			if err != nil {
				return usageError(err)
			}
			db, err := openStoreCreate(*dataDir)
			if err != nil {
				return err
			}
			defer db.Close()
			j, err := db.Enqueue(n)
			if err != nil {
				return failure(err)
			}
			fmt.Fprintln(c.OutOrStdout(), j.ID)
			return nil
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.kind, "kind", "sms", "sms or email")
	fl.StringVar(&f.to, "to", "", "phone number (+34…) or e-mail address")
	fl.StringVar(&f.text, "text", "", "SMS text, or e-mail body")
	fl.StringVar(&f.subject, "subject", "", "e-mail subject")
	fl.StringVar(&f.from, "from", "", "e-mail sender (default: the relay configuration's)")
	fl.StringSliceVar(&f.attach, "attach", nil, "file to attach to an e-mail (repeatable)")
	fl.StringVar(&f.purpose, "purpose", "", "non-personal label kept in the audit log")
	fl.StringVar(&f.idem, "idempotency-key", "", "adding the same key twice returns the first job's id")
	fl.BoolVar(&f.stdin, "stdin", false, "read one job per line from standard input")
	return c
}

func addFromStdin(db *store.DB, in io.Reader, out io.Writer, kind string) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		jl, err := store.ParseJobLine(sc.Text(), store.Kind(kind))
		if errors.Is(err, store.ErrSkipLine) {
			continue
		}
		if err != nil {
			return usageErrorf("stdin line %d: %v", line, err)
		}
		n, err := buildJob(jl)
		if err != nil {
			return usageErrorf("stdin line %d: %v", line, err)
		}
		j, err := db.Enqueue(n)
		if err != nil {
			return failure(fmt.Errorf("stdin line %d: %w", line, err))
		}
		if _, err := fmt.Fprintln(out, j.ID); err != nil {
			return failure(err)
		}
	}
	if err := sc.Err(); err != nil {
		return usageErrorf("stdin line %d: %v", line+1, err)
	}
	return nil
}

// buildJob validates one job's input and reads its attachments (errors
// here are usage errors).
func buildJob(l store.JobLine) (store.NewJob, error) {
	if err := l.Validate(); err != nil {
		return store.NewJob{}, err
	}
	if l.Kind == store.KindSMS {
		to, _, err := smsInput(l.To, l.Text)
		if err != nil {
			return store.NewJob{}, err
		}
		l.To = to
	}
	var atts []store.Attachment
	total := 0
	for _, path := range l.Attach {
		data, err := readAttachment(path, min(maxAttachmentBytes, maxAttachmentsTotal-total))
		if err != nil {
			return store.NewJob{}, fmt.Errorf("attachment %s: %w", path, err)
		}
		total += len(data)
		ct := mime.TypeByExtension(filepath.Ext(path))
		if ct == "" {
			ct = "application/octet-stream"
		}
		atts = append(atts, store.Attachment{Name: filepath.Base(path), ContentType: ct, Data: data})
	}
	return l.NewJob(atts), nil
}

// An attachment is a document or a photo: 10 MiB each and 20 MiB per
// e-mail are generous, and keep the message under the 25–35 MB most relays
// accept once base64 has grown it by a third.
const (
	maxAttachmentBytes  = 10 << 20
	maxAttachmentsTotal = 20 << 20
)

// readAttachment reads a regular file of at most limit bytes. Anything else
// (/dev/zero, a FIFO, a directory) is refused before a byte is read, and
// the read itself is bounded, so a file that grows meanwhile cannot
// exhaust memory either.
func readAttachment(path string, limit int) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, errors.Unwrap(err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%v): attach a document or a photo", st.Mode().Type())
	}
	if st.Size() > int64(limit) {
		return nil, fmt.Errorf("%d bytes, more than the %d an e-mail may carry here", st.Size(), limit)
	}
	// O_NONBLOCK: should the path have been swapped for a FIFO since the
	// Stat, the open does not hang; Fstat below refuses it.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, errors.Unwrap(err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, errors.New("not a regular file: attach a document or a photo")
	}
	data, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if len(data) > limit {
		return nil, fmt.Errorf("more than the %d bytes an e-mail may carry here", limit)
	}
	return data, nil
}

func newQueueListCmd(dataDir *string) *cobra.Command {
	var (
		asJSON bool
		states []string
		kind   string
		limit  int
	)
	c := &cobra.Command{
		Use:   "list",
		Short: "List jobs (recipients masked); --json prints one object per line",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			f := store.ListFilter{Kind: store.Kind(kind), Limit: limit}
			if kind != "" && kind != "sms" && kind != "email" {
				return usageErrorf("--kind must be sms or email, got %q", kind)
			}
			for _, s := range states {
				if !validState(s) {
					return usageErrorf("--state %q: want pending, inflight, retry, done or dead", s)
				}
				f.States = append(f.States, store.State(s))
			}
			return listJobs(c, *dataDir, f, asJSON)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "one JSON object per line")
	c.Flags().StringSliceVar(&states, "state", nil, "only these states (pending, inflight, retry, done, dead)")
	c.Flags().StringVar(&kind, "kind", "", "only this kind (sms or email)")
	c.Flags().IntVar(&limit, "limit", 0, "at most this many jobs (0: all)")
	return c
}

func validState(s string) bool {
	for _, st := range store.States {
		if string(st) == s {
			return true
		}
	}
	return false
}

// noDatabase tells whether err is "there is no database yet"; read-only
// commands then show an empty queue (and say so on stderr) rather than fail.
func noDatabase(c *cobra.Command, dir string, err error) bool {
	if !errors.Is(err, store.ErrNoDatabase) {
		return false
	}
	fmt.Fprintf(c.ErrOrStderr(), "ventanilla: no database in %s yet: the queue is empty (is --data right?)\n", dir)
	return true
}

func listJobs(c *cobra.Command, dir string, f store.ListFilter, asJSON bool) error {
	out := c.OutOrStdout()
	db, err := openStore(dir)
	if noDatabase(c, dir, err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer db.Close()
	jobs, err := db.List(f)
	if err != nil {
		return failure(err)
	}
	return writeJobs(out, jobs, asJSON)
}

// writeJobs prints jobs as the console does: a purpose or an error text
// (an SMTP server's, a modem's) may carry escape sequences, which would
// act on the technician's terminal.
func writeJobs(out io.Writer, jobs []store.Job, asJSON bool) error {
	if asJSON {
		for _, j := range jobs {
			b, err := json.Marshal(store.ViewOf(j))
			if err != nil {
				return failure(err)
			}
			if _, err := out.Write(append(console.SafeJSON(b), '\n')); err != nil {
				return failure(err)
			}
		}
		return nil
	}
	clean := make([]store.Job, len(jobs))
	for i, j := range jobs {
		j.ID, j.Recipient, j.Purpose, j.LastError = console.Sanitize(j.ID), console.Sanitize(j.Recipient), console.Sanitize(j.Purpose), console.Sanitize(j.LastError)
		j.Kind, j.State = store.Kind(console.Sanitize(string(j.Kind))), store.State(console.Sanitize(string(j.State)))
		clean[i] = j
	}
	return store.WriteJobsTable(out, clean)
}

func newQueueDeadCmd(dataDir *string) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "dead",
		Short: "List dead letters (jobs that gave up); 'queue retry ID' sends one again",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return listJobs(c, *dataDir, store.ListFilter{States: []store.State{store.StateDead}}, asJSON)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "one JSON object per line")
	return c
}

func newQueueStatsCmd(dataDir *string) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "stats",
		Short: "Count jobs per kind and state",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			db, err := openStore(*dataDir)
			s := store.EmptyStats()
			switch {
			case noDatabase(c, *dataDir, err):
			case err != nil:
				return err
			default:
				defer db.Close()
				if s, err = db.Stats(); err != nil {
					return failure(err)
				}
			}
			if asJSON {
				return json.NewEncoder(c.OutOrStdout()).Encode(store.ViewOfStats(s))
			}
			return store.WriteStatsText(c.OutOrStdout(), s)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return c
}

func newQueueRetryCmd(dataDir *string) *cobra.Command {
	return &cobra.Command{
		Use:   "retry ID",
		Short: "Send a dead or waiting job again now, with a fresh set of attempts",
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("queue retry takes one job id (see 'ventanilla queue dead')")
			}
			if _, err := store.ParseID(args[0]); err != nil {
				return usageError(err)
			}
			db, err := openStore(*dataDir)
			if err != nil {
				return err
			}
			defer db.Close()
			j, err := db.Retry(args[0], "cli")
			if err != nil {
				return failure(err)
			}
			fmt.Fprintln(c.OutOrStdout(), j.ID)
			return nil
		},
	}
}

func newQueuePurgeCmd(dataDir *string) *cobra.Command {
	return &cobra.Command{
		Use:   "purge",
		Short: "Apply the retention rules now (the running kiosk does it every few minutes)",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			db, err := openStore(*dataDir)
			if err != nil {
				return err
			}
			defer db.Close()
			r, err := db.Purge()
			if err != nil {
				return failure(err)
			}
			if err := db.Audit("technician.purge", map[string]string{"actor": "cli"}); err != nil {
				return failure(err)
			}
			fmt.Fprintf(c.OutOrStdout(), "purged %d payloads (%d of them undelivered, now dead), deleted %d delivered and %d dead jobs, %d audit entries\n",
				r.Payloads, r.Killed, r.DoneDeleted, r.DeadDeleted, r.AuditTrim)
			return nil
		},
	}
}

func newQueueCompactCmd(dataDir *string) *cobra.Command {
	return &cobra.Command{
		Use:   "compact",
		Short: "Rewrite the database file without its free pages (kiosk stopped)",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			before, after, err := store.Compact(*dataDir)
			if err != nil {
				return failure(err)
			}
			fmt.Fprintf(c.OutOrStdout(), "compacted %s: %d → %d bytes\n", filepath.Join(*dataDir, store.FileName), before, after)
			db, err := openStore(*dataDir)
			if err != nil {
				return err
			}
			defer db.Close()
			return failure(db.Audit("technician.compact", map[string]string{"actor": "cli", "before": fmt.Sprint(before), "after": fmt.Sprint(after)}))
		},
	}
}

func newQueueRotateKeyCmd(dataDir *string) *cobra.Command {
	var newKey string
	c := &cobra.Command{
		Use:   "rotate-key [--new-key FILE]",
		Short: "Replace the data key and re-encrypt all personal data with the new one",
		Long: `Generate a new data key, re-encrypt every stored payload with it in one
transaction, and put it where the old one was: a key file (DATA/kiosk.key or
[data_key] file) is replaced through FILE.next, and if the machine stops
half-way the next start finishes or undoes the rotation. Back up the new key
afterwards: without it the undelivered personal data cannot be read (job
metadata stays readable). Prints the new key id.

Run it as the kiosk's user (runuser -u ventanilla -- …), with the kiosk's
--config: a key written by root is one the kiosk cannot read.

A key from a systemd credential cannot be rewritten by the kiosk: run this
as the service does (systemd-run, see the README) with --new-key FILE, FILE
in a memory-only directory the kiosk's user can write (as root first:
install -d -m 0700 -o ventanilla /run/ventanilla-rotate; FILE is then
/run/ventanilla-rotate/new.key, mode 0600), and seal it into the credential
store, then delete it:

  systemd-creds encrypt --name=ventanilla-key FILE /etc/credstore.encrypted/ventanilla-key
  shred -u FILE

Until the new credential is in place the kiosk refuses to start with the old
one (wrong key), so nothing is sealed with a key that is being retired.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			db, k, err := openStoreKey(*dataDir, store.Options{MustExist: true, NoCreateKey: true})
			if err != nil {
				return err
			}
			defer db.Close()
			if k.Credential && newKey == "" {
				return usageErrorf("the data key is the %s, which the kiosk cannot rewrite: give --new-key FILE, then seal FILE with systemd-creds (see 'ventanilla queue rotate-key --help')", k.Origin)
			}
			var id string
			if newKey != "" {
				id, err = db.RotateKeyTo(newKey)
			} else {
				id, err = db.RotateKey()
			}
			if err != nil {
				return failure(err)
			}
			if err := db.Audit("technician.rotate_key", map[string]string{"actor": "cli", "key_id": id, "from": k.Origin}); err != nil {
				return failure(err)
			}
			fmt.Fprintln(c.OutOrStdout(), id)
			if newKey != "" {
				fmt.Fprintf(c.ErrOrStderr(), "ventanilla: the new key is in %s; install it before starting the kiosk:\n  systemd-creds encrypt --name=%s %s /etc/credstore.encrypted/%s && shred -u %s\n",
					newKey, defaultKeyCredential, newKey, defaultKeyCredential, newKey)
			}
			return nil
		},
	}
	c.Flags().StringVar(&newKey, "new-key", "", "write the new key to this file (must not exist) instead of replacing the old one")
	return c
}

func newQueueAuditCmd(dataDir *string) *cobra.Command {
	var (
		asJSON bool
		limit  int
	)
	c := &cobra.Command{
		Use:   "audit",
		Short: "Show the audit log (no personal data)",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			db, err := openStore(*dataDir)
			if noDatabase(c, *dataDir, err) {
				return nil
			}
			if err != nil {
				return err
			}
			defer db.Close()
			log, err := db.AuditLog(time.Time{}, limit)
			if err != nil {
				return failure(err)
			}
			out := c.OutOrStdout()
			for _, e := range log {
				// Fields come from anyone who reached the log (an SSH
				// user name, a relay's error): printed as the console does.
				if asJSON {
					b, err := json.Marshal(e)
					if err != nil {
						return failure(err)
					}
					if _, err := out.Write(append(console.SafeJSON(b), '\n')); err != nil {
						return failure(err)
					}
					continue
				}
				fmt.Fprintf(out, "%s  %-18s", e.Time.Format(time.RFC3339), console.Sanitize(e.Event))
				for _, k := range slices.Sorted(maps.Keys(e.Fields)) {
					fmt.Fprintf(out, " %s=%s", console.Sanitize(k), console.Sanitize(e.Fields[k]))
				}
				fmt.Fprintln(out)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "one JSON object per line")
	c.Flags().IntVar(&limit, "limit", 50, "the newest N entries (0: all)")
	return c
}
