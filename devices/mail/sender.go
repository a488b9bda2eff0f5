// Package mail sends the kiosk's e-mail over SMTP (wneessen/go-mail) and,
// for demo mode and tests, runs a local SMTP catcher (emersion/go-smtp) that
// stores every message it accepts as an .eml file. Both ends are the real
// protocol, so demo mode exercises MIME building, the SMTP dialogue and
// attachments exactly as production does.
package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// TLSPolicy says how the connection to the relay is protected.
type TLSPolicy string

// TLS policies.
const (
	// TLSMandatory requires STARTTLS (the default: credentials and
	// personal data never cross the network in clear).
	TLSMandatory TLSPolicy = "mandatory"
	// TLSOpportunistic uses STARTTLS when the relay offers it.
	TLSOpportunistic TLSPolicy = "opportunistic"
	// TLSNone never encrypts: only for the loopback catcher.
	TLSNone TLSPolicy = "none"
	// TLSImplicit speaks TLS from the first byte (SMTPS, port 465).
	TLSImplicit TLSPolicy = "implicit"
)

// Config is the relay configuration.
type Config struct {
	Host string
	// Port defaults to 587 (465 with TLSImplicit).
	Port int
	TLS  TLSPolicy
	// Username and Password enable SMTP AUTH (mechanism auto-discovered,
	// PLAIN/LOGIN only over TLS).
	Username, Password string
	// HELO is the name announced to the relay (default: the host name).
	HELO string
	// Timeout bounds connecting and each SMTP command (default 30 s).
	Timeout time.Duration
	// TLSConfig overrides the TLS settings (e.g. a private CA).
	TLSConfig *tls.Config
}

// Attachment is a file attached to a message.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// Message is one e-mail. Subject and Body may hold any UTF-8 text.
type Message struct {
	From, To, Subject, Body string
	// ReplyTo, when set, is the Reply-To address: answers go there
	// rather than to From (an unattended kiosk account).
	ReplyTo     string
	Attachments []Attachment
	// MessageID (without angle brackets) must be stable across attempts,
	// so a message sent twice after a crash is recognisably the same one.
	MessageID string
}

// Sender sends messages to one relay. It dials per message: the kiosk
// sends a handful a day and a kept-alive connection would mostly be stale.
type Sender struct {
	cfg Config
}

// ErrConfig is a configuration error.
var ErrConfig = errors.New("mail: bad configuration")

// NewSender checks cfg and fills in defaults.
func NewSender(cfg Config) (*Sender, error) {
	if cfg.Host == "" {
		return nil, fmt.Errorf("%w: no relay host", ErrConfig)
	}
	switch cfg.TLS {
	case "":
		cfg.TLS = TLSMandatory
	case TLSMandatory, TLSOpportunistic, TLSNone, TLSImplicit:
	default:
		return nil, fmt.Errorf("%w: tls policy %q (want mandatory, opportunistic, none or implicit)", ErrConfig, cfg.TLS)
	}
	if cfg.Port == 0 {
		cfg.Port = 587
		if cfg.TLS == TLSImplicit {
			cfg.Port = 465
		}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &Sender{cfg: cfg}, nil
}

// SendError is a failed send, classified for the outbox.
type SendError struct {
	// Permanent: retrying cannot help (5xx, malformed address).
	Permanent bool
	// Code is the SMTP reply code when there was one.
	Code int
	Err  error
}

// Error says whether the failure is permanent and gives the SMTP code.
func (e *SendError) Error() string {
	kind := "temporary"
	if e.Permanent {
		kind = "permanent"
	}
	if e.Code != 0 {
		return fmt.Sprintf("mail: %s failure (SMTP %d): %v", kind, e.Code, e.Err)
	}
	return fmt.Sprintf("mail: %s failure: %v", kind, e.Err)
}

// Unwrap gives the underlying go-mail or network error.
func (e *SendError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is a send error no retry can fix.
// Connection refused, time-outs and 4xx replies are retryable.
func IsPermanent(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Permanent
}

// Build makes the MIME message (exported for tests and for writing a
// message to a file without sending it).
func Build(m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8))
	if err := msg.From(m.From); err != nil {
		return nil, fmt.Errorf("from address: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("to address: %w", err)
	}
	if m.ReplyTo != "" {
		if err := msg.ReplyTo(m.ReplyTo); err != nil {
			return nil, fmt.Errorf("reply-to address: %w", err)
		}
	}
	msg.Subject(m.Subject)
	if m.MessageID != "" {
		msg.SetMessageIDWithValue(strings.Trim(m.MessageID, "<>"))
	} else {
		msg.SetMessageID()
	}
	msg.SetDate()
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	for _, a := range m.Attachments {
		ct := a.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		if err := msg.AttachReader(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(ct))); err != nil {
			return nil, fmt.Errorf("attachment %q: %w", a.Name, err)
		}
	}
	return msg, nil
}

// Send delivers m to the relay. Errors are *SendError.
func (s *Sender) Send(ctx context.Context, m Message) error {
	msg, err := Build(m)
	if err != nil {
		return &SendError{Permanent: true, Err: err}
	}
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.Port),
		gomail.WithTimeout(s.cfg.Timeout),
	}
	switch s.cfg.TLS {
	case TLSMandatory:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSOpportunistic:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	}
	if s.cfg.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(s.cfg.TLSConfig))
	}
	if s.cfg.HELO != "" {
		opts = append(opts, gomail.WithHELO(s.cfg.HELO))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	c, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return &SendError{Permanent: true, Err: fmt.Errorf("client: %w", err)}
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return classify(err)
	}
	return nil
}

// classify sorts an SMTP failure: a 5xx reply is permanent, everything
// else (4xx, refused, reset, time-out, TLS trouble that may be a captive
// network) is worth retrying.
func classify(err error) *SendError {
	code := 0
	var se *gomail.SendError
	if errors.As(err, &se) {
		code = se.ErrorCode()
	}
	var te *textproto.Error
	if code == 0 && errors.As(err, &te) {
		code = te.Code
	}
	if code == 0 {
		code = leadingCode(err.Error())
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return &SendError{Code: code, Err: err}
	}
	return &SendError{Permanent: code >= 500 && code < 600, Code: code, Err: err}
}

// leadingCode finds an SMTP reply code after "failed: " prefixes, for
// errors that carry the server's reply only as text.
func leadingCode(s string) int {
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ':' || r == ' ' || r == ',' }) {
		if len(f) == 3 && (f[0] == '4' || f[0] == '5') && f[1] >= '0' && f[1] <= '9' && f[2] >= '0' && f[2] <= '9' {
			return int(f[0]-'0')*100 + int(f[1]-'0')*10 + int(f[2]-'0')
		}
	}
	return 0
}
