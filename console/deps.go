package console

import (
	"context"
	"encoding/json"
	"image"
	"log/slog"
	"time"

	"github.com/ventanilla-kiosk/ventanilla/console/logbuf"
	"github.com/ventanilla-kiosk/ventanilla/console/metrics"
)

// The console depends on the rest of the kiosk only through the small
// interfaces below, so that it can be built and tested before (and without)
// the store and device packages; cmd/ventanilla/run.go adapts the concrete
// types. Every dependency is optional: a nil one makes its screen say "not
// available" and its exec commands fail with exit status 1. Without Audit
// every action is refused, since none could be recorded.

// Kiosk is the visitor-facing program as seen by a technician.
type Kiosk interface {
	// Status must not block and must not contain personal data.
	Status() KioskStatus
	// SetMaintenance shows (on) or lifts (off) the "fuera de servicio"
	// screen to visitors. It returns once the visitor screen has taken the
	// change (Status then reports it), or an error saying why not: there
	// is no visitor screen (a headless kiosk), it stopped, or it did not
	// confirm before ctx ended. It never drops a request silently.
	SetMaintenance(ctx context.Context, on bool) error
}

// KioskStatus is what the status screen and `status --json` show.
type KioskStatus struct {
	KioskID string `json:"kiosk_id"`
	Office  string `json:"office"`
	Version string `json:"version"`
	// Started is when the kiosk process started; Uptime is derived from it.
	Started time.Time `json:"started"`
	// Step names where the current visitor is, e.g. "fnmt/2-request", or
	// "" when idle. Never a name, NIF or anything the visitor typed.
	Step        string `json:"step"`
	LastError   string `json:"last_error,omitempty"`
	Maintenance bool   `json:"maintenance"`
	// Visitor: someone is using the kiosk (a procedure or the help
	// screen), as opposed to the home or out-of-service screen. The live
	// camera preview is blurred meanwhile.
	Visitor bool `json:"visitor"`
	// Sessions counts visitor sessions since start by outcome
	// ("started", "finished", "abandoned").
	Sessions map[string]int `json:"sessions,omitempty"`
	// Warnings are configuration problems the kiosk works around but a
	// technician should fix (e.g. no holiday data for next year, so FNMT
	// deadlines skip fewer days than they should). Plain English.
	Warnings []string `json:"warnings,omitempty"`
}

// JobView is one outbox job as the console shows it. The store fills To
// already masked ("+34 6•• ••• •12"); the console never sees a full number.
//
// Raw, when set, is the store's own JSON for the job: `queue list --json`
// and `queue dead --json` print it verbatim so that the console and the
// `ventanilla queue` CLI print the same objects. When Raw is nil the
// console marshals the fields below.
type JobView struct {
	ID        string          `json:"id"`
	Kind      string          `json:"kind"`
	State     string          `json:"state"`
	Attempts  int             `json:"attempts"`
	To        string          `json:"to,omitempty"`
	Created   time.Time       `json:"created,omitzero"`
	Due       time.Time       `json:"due,omitzero"`
	LastError string          `json:"last_error,omitempty"`
	Raw       json.RawMessage `json:"-"`
}

// QueueFilter narrows Queue.List. Zero values mean "any".
type QueueFilter struct {
	State string
	Kind  string
	Limit int
	// NewestFirst orders the most recent jobs first (Limit keeps the
	// newest); otherwise jobs come in creation order.
	NewestFirst bool
}

// Queue is the outbox as the technician manages it.
type Queue interface {
	// Stats counts jobs by state, e.g. {"pending":3,"dead":1}. The key
	// "dead" is what the dead-letter alert (ALERTS.md) watches.
	Stats(ctx context.Context) (map[string]int, error)
	List(ctx context.Context, f QueueFilter) ([]JobView, error)
	// Retry makes a failed or dead job due now. An unknown id should
	// return an error wrapping ErrNotFound.
	Retry(ctx context.Context, id string) error
	Dead(ctx context.Context) ([]JobView, error)
}

// ModemStatus is the result of a modem check.
type ModemStatus struct {
	SIM          string `json:"sim"`          // e.g. "READY", "SIM PIN"
	Registration string `json:"registration"` // e.g. "home", "roaming", "searching", "denied"
	Registered   bool   `json:"registered"`
	Operator     string `json:"operator"`
	// Signal is the raw +CSQ RSSI (0–31, 99 unknown); SignalDBm is derived
	// (-113 + 2·RSSI), 0 when unknown.
	Signal    int `json:"signal"`
	SignalDBm int `json:"signal_dbm"`
	// Raw, when set, is printed instead of the fields by `modem check
	// --json`, so it matches `ventanilla modem check --json`.
	Raw json.RawMessage `json:"-"`
}

// ModemHealth is the modem as last seen, without asking it anything.
type ModemHealth struct {
	// Ready means an SMS can be sent now (SIM ready, registered).
	Ready      bool
	Registered bool
	Operator   string
	SignalDBm  int
	// Error says why it is not ready ("" when it is).
	Error string
}

// Modem is the GSM modem as a technician tests it.
type Modem interface {
	// Health must not block: it reports the last known state.
	Health() ModemHealth
	Check(ctx context.Context) (ModemStatus, error)
	// Number reads a destination as the technician typed it ("612 345
	// 678", "+34 612…", a foreign "+33…") and returns it in the form
	// SendTest takes (E.164), or an error saying in a short phrase a
	// technician reads without the source what is wrong with it (it does
	// not repeat the number; the console adds what a valid one looks
	// like). It sends nothing; the kiosk reads numbers the way its visitor
	// screens and `ventanilla sms send` do.
	Number(raw string) (string, error)
	// SendTest sends a short fixed test SMS to the given number now.
	SendTest(ctx context.Context, to string) error
}

// CameraInfo describes the capture device.
type CameraInfo struct {
	Device    string  `json:"device"`
	Format    string  `json:"format"` // e.g. "MJPG 1280x720"
	Width     int     `json:"width"`
	Height    int     `json:"height"`
	FPS       float64 `json:"fps"`
	Frames    uint64  `json:"frames"`
	Simulated bool    `json:"simulated"`
	LastError string  `json:"last_error,omitempty"`
}

// Camera is the capture device as a technician checks it.
type Camera interface {
	Info() CameraInfo
	// LatestFrame draws a recent frame in grey into dst (reusing its
	// pixels when large enough, so a preview refreshing a few times a
	// second allocates nothing) and returns it, or nil when there is no
	// frame (none yet, or the last visitor's was wiped). It must not block.
	LatestFrame(dst *image.Gray) *image.Gray
}

// Audit writes technician actions to the audit log. Fields always include
// "fingerprint" (SHA256 of the technician's key) and "remote". It returns
// only once the record is durable; an action whose record cannot be
// written is not performed.
type Audit interface {
	Audit(event string, fields map[string]string) error
}

// Logs is the recent log history; *logbuf.Buffer implements it.
type Logs interface {
	Tail(n int, minLevel slog.Level) []logbuf.Record
}

// Deps are the kiosk parts the console shows and acts on. All are optional.
type Deps struct {
	Kiosk   Kiosk
	Queue   Queue
	Modem   Modem
	Camera  Camera
	Audit   Audit
	Logs    Logs
	Metrics *metrics.Metrics
	// Logger receives the console's own operational log (logins, errors);
	// slog.Default() when nil.
	Logger *slog.Logger
}
