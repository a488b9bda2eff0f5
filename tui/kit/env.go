package kit

import (
	"context"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/ventanilla-kiosk/ventanilla/devices/camera"
	"github.com/ventanilla-kiosk/ventanilla/tui/i18n"
)

// Env is shared by every screen of one kiosk program. The root owns it and
// mutates the translator's language and the styles' contrast mode; screens
// read them at render time. The one exception is the home screen's language
// row, which sets the language itself while it handles the key, so that
// keys typed in a burst apply in order.
type Env struct {
	T        *i18n.Translator
	Styles   *Styles
	Renderer *lipgloss.Renderer
	Clock    Clock
	Settings Settings

	Outbox   Outbox
	Modem    ModemHealth
	Observer Observer
	// Camera is the kiosk's camera (the simulated one in demo mode); nil
	// when there is none, and the photo steps then say so honestly.
	Camera camera.Source
	// Width and Height of the terminal, updated by the root on resize.
	Width, Height int
}

// Settings are the office's choices from the configuration file.
type Settings struct {
	KioskID     string
	Office      string // shown on the home screen, e.g. "Oficina de Atención Ciudadana – Getafe"
	Place       string // town, for the signed request ("En Getafe, a …")
	Languages   []i18n.Lang
	IdleTimeout time.Duration // inactivity before the session is wiped
	IdleWarning time.Duration // how long the "¿Sigue ahí?" countdown lasts
	CodeLength  int           // digits of the FNMT código de solicitud
	CallCentre  CallCentre
	HelpDesk    string // where staff can be found, e.g. "mostrador 3"; free text from the office
	// SMSSignature starts every SMS the kiosk sends ("Ayto. Getafe: …"),
	// so the visitor knows the office wrote it and not FNMT or the call
	// centre. Empty: the catalogue's sms.signature in the visitor's
	// language. At most MaxSMSSignature characters of the GSM alphabet,
	// which the SMS-length test budgets for.
	SMSSignature string
	// Privacy names who is responsible for the visitor's data and where
	// to exercise the rights, for the data-protection notice.
	Privacy Privacy
}

// Privacy is the office's data-protection contact, from the
// configuration's [privacy] (see procedure.Privacy).
type Privacy struct {
	Controller string // who is responsible, e.g. "Ayuntamiento de Getafe"
	Contact    string // where to exercise the rights, e.g. "dpd@getafe.es"
	Info       string // where the full information is; optional
}

// MaxSMSSignature is the longest SMS signature an office may configure.
// Every SMS is tested to fit its parts with a signature this long.
const MaxSMSSignature = 18

// CallCentre is how the office's call centre is reached. None of this is a
// public fact, so it all comes from configuration.
type CallCentre struct {
	Email string
	Phone string
	Hours string
}

// Outbox queues messages for delivery. Both methods return only after the
// job is durably committed, so an id in hand means nothing is lost even if
// the kiosk is offline or loses power.
type Outbox interface {
	EnqueueSMS(ctx context.Context, to, text string) (id string, err error)
	EnqueueEmail(ctx context.Context, m Email) (id string, err error)
}

// Email is a message to queue, with attachments that the store encrypts.
type Email struct {
	To, Subject, Body string
	// ReplyTo is where the recipient's answer goes (the visitor).
	ReplyTo     string
	Attachments []Attachment
	// Ref is the request reference shown to the visitor; it lets the store
	// derive a stable Message-ID.
	Ref string
}

// Attachment is one file of an e-mail.
type Attachment struct {
	Name, ContentType string
	Data              []byte
}

// ModemHealth says whether the modem can send right now. Screens use it
// only to tell the visitor honestly that an SMS will be delayed; the SMS is
// queued either way.
type ModemHealth interface {
	Ready() bool
}

// Observer receives anonymous session events (metrics, console status).
type Observer interface {
	SessionStarted(flow string)
	SessionFinished(flow string)
	SessionAbandoned(flow, step string)
}

// NopObserver ignores every event.
type NopObserver struct{}

// SessionStarted implements Observer.
func (NopObserver) SessionStarted(string) {}

// SessionFinished implements Observer.
func (NopObserver) SessionFinished(string) {}

// SessionAbandoned implements Observer.
func (NopObserver) SessionAbandoned(string, string) {}
