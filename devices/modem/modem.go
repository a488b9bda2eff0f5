// Package modem drives a GSM modem over a serial port with AT commands and
// sends SMS in PDU mode.
//
// It is written for the cheap modems kiosks really get (SIM800/SIM7600,
// Huawei E3372 in serial mode, Quectel EC25): echo may be on, lines may end
// in "\r\r\n", unsolicited result codes arrive between and inside command
// answers, and a modem may stop answering at all. Every command has a
// time-out, so nothing here can hang the kiosk.
//
// Errors that callers decide on are *Error values with a Class:
// Retry (try later), Permanent (give the message up) or Technician (the
// modem or SIM needs a person; keep the message). Use IsRetryable,
// IsPermanent and NeedsTechnician, which see through wrapping.
package modem

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config says where the modem is and how patient to be with it.
type Config struct {
	// Port is the serial device, e.g. /dev/ttyUSB2 or /dev/pts/3.
	Port string
	// PIN is entered once if the SIM asks for it. A wrong PIN is never
	// retried: three wrong tries lock the SIM behind its PUK.
	PIN string
	// Baud defaults to 115200 (USB modems ignore it).
	Baud int
	// CommandTimeout bounds each ordinary command; default 5 s.
	CommandTimeout time.Duration
	// SendTimeout bounds one AT+CMGS exchange; the network can take tens
	// of seconds to acknowledge. Default 60 s.
	SendTimeout time.Duration
	// MaxAttempts is how often one part is tried on retryable errors
	// inside one SendSMS call; default 3.
	MaxAttempts int
	// Backoff is the first wait between attempts, doubled each time up to
	// 30 s; default 2 s.
	Backoff time.Duration
	// Sleep waits between attempts; tests replace it with a fake clock.
	// Default: a timer that honours the context.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (c *Config) defaults() {
	if c.Baud == 0 {
		c.Baud = 115200
	}
	if c.CommandTimeout <= 0 {
		c.CommandTimeout = 5 * time.Second
	}
	if c.SendTimeout <= 0 {
		c.SendTimeout = 60 * time.Second
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 3
	}
	if c.Backoff <= 0 {
		c.Backoff = 2 * time.Second
	}
	if c.Sleep == nil {
		c.Sleep = sleepCtx
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Modem is an initialised modem. Its methods are safe for concurrent use;
// commands are serialised.
type Modem struct {
	cfg Config
	eng *engine

	mu     sync.Mutex
	status Status
}

// Open opens the serial port and runs the start-up sequence (see Start).
func Open(ctx context.Context, cfg Config) (*Modem, error) {
	if cfg.Port == "" {
		return nil, fmt.Errorf("modem: no port configured: %w", ErrBadInput)
	}
	cfg.defaults()
	p, err := openSerial(cfg.Port, cfg.Baud)
	if err != nil {
		return nil, &Error{Cmd: "open " + cfg.Port, Kind: KindIO, Class: Technician,
			Msg: "cannot open the serial port (is the modem plugged in, is another program using it?): " + err.Error(), Err: err}
	}
	return start(ctx, p, cfg)
}

// OpenPort runs the start-up sequence over an already open port (a pipe
// in tests, a network bridge). The Modem owns port from now on.
func OpenPort(ctx context.Context, port io.ReadWriteCloser, cfg Config) (*Modem, error) {
	cfg.defaults()
	return start(ctx, port, cfg)
}

func start(ctx context.Context, port io.ReadWriteCloser, cfg Config) (*Modem, error) {
	m := &Modem{cfg: cfg, eng: newEngine(port)}
	if err := m.startup(ctx); err != nil {
		_ = m.Close()
		return nil, err
	}
	return m, nil
}

// URCs delivers unsolicited result codes. Nobody has to read it: when it
// is full, new URCs are dropped rather than stalling the modem.
func (m *Modem) URCs() <-chan URC { return m.eng.urcs }

// Close closes the port. Commands in flight fail with a KindIO error.
func (m *Modem) Close() error {
	err := m.eng.close()
	if err != nil && !errors.Is(err, ErrClosed) {
		return fmt.Errorf("modem: close: %w", err)
	}
	return nil
}

// Ping sends "AT" and waits for OK: the cheapest proof the modem is alive.
func (m *Modem) Ping(ctx context.Context) error {
	_, err := m.cmd(ctx, "AT")
	return err
}

// Done is closed when the port stops working (closed, unplugged).
func (m *Modem) Done() <-chan struct{} { return m.eng.done }

// cmd runs a command with the ordinary time-out.
func (m *Modem) cmd(ctx context.Context, c string) ([]string, error) {
	return m.eng.run(ctx, &request{cmd: c, line: answersWithLine(c)}, m.cfg.CommandTimeout)
}

// startup: abort a pending prompt and find the fresh answers (sync), ATE0, AT+CMEE=1, SIM/PIN, PDU mode,
// then the status (registration, signal, operator, SMSC).
func (m *Modem) startup(ctx context.Context) error {
	if err := m.eng.sync(ctx, m.cfg.CommandTimeout); err != nil {
		return fmt.Errorf("modem: start-up: the modem does not answer AT: %w", err)
	}
	if _, err := m.cmd(ctx, "ATE0"); err != nil {
		return fmt.Errorf("modem: start-up: %w", err)
	}
	// Numeric error codes are what classify understands; a modem that
	// rejects CMEE still works, with less precise errors.
	_, _ = m.cmd(ctx, "AT+CMEE=1")
	if err := m.unlockSIM(ctx); err != nil {
		return err
	}
	if _, err := m.cmd(ctx, "AT+CMGF=0"); err != nil {
		var me *Error
		if errors.As(err, &me) && me.Kind != KindIO && me.Kind != KindTimeout {
			me.Class = Technician
			me.Msg += "; this modem cannot send in PDU mode"
		}
		return fmt.Errorf("modem: start-up: %w", err)
	}
	if _, err := m.Status(ctx); err != nil {
		return fmt.Errorf("modem: start-up: %w", err)
	}
	return nil
}

// SIM states as reported in Status.SIM.
const (
	SIMReady    = "ready"
	SIMPIN      = "pin_required"
	SIMPUK      = "puk_required"
	SIMAbsent   = "absent"
	SIMBusy     = "busy"
	SIMFailure  = "failure"
	SIMNotKnown = "unknown"
)

// simState reads AT+CPIN?.
func (m *Modem) simState(ctx context.Context) (string, error) {
	lines, err := m.cmd(ctx, "AT+CPIN?")
	if err != nil {
		var me *Error
		if errors.As(err, &me) && (me.Kind == KindCME || me.Kind == KindCMS) {
			switch me.Code {
			case 10, 310:
				return SIMAbsent, nil
			case 14, 314:
				return SIMBusy, nil
			case 13, 313:
				return SIMFailure, nil
			case 11, 311:
				return SIMPIN, nil
			case 12, 316:
				return SIMPUK, nil
			}
		}
		return SIMNotKnown, err
	}
	for _, l := range lines {
		if infoPrefix(l) != "+CPIN" {
			continue
		}
		v := strings.ToUpper(strings.TrimSpace(l[len("+CPIN:"):]))
		switch v {
		case "READY":
			return SIMReady, nil
		case "SIM PIN":
			return SIMPIN, nil
		case "SIM PUK":
			return SIMPUK, nil
		case "NOT INSERTED", "NOT READY":
			return SIMAbsent, nil
		}
		return strings.ToLower(strings.ReplaceAll(v, " ", "_")), nil
	}
	return SIMNotKnown, nil
}

// unlockSIM enters the PIN once if asked and waits for the SIM to be ready.
func (m *Modem) unlockSIM(ctx context.Context) error {
	triedPIN := false
	deadline := time.Now().Add(2 * m.cfg.CommandTimeout)
	for {
		st, err := m.simState(ctx)
		if err != nil && st == SIMNotKnown {
			return fmt.Errorf("modem: start-up: SIM check: %w", err)
		}
		switch st {
		case SIMReady:
			return nil
		case SIMPIN:
			if triedPIN {
				// Taken, but not yet applied by a slow SIM: wait as for
				// busy, up to the deadline.
				if time.Now().After(deadline) {
					return &Error{Cmd: "AT+CPIN?", Kind: KindState, Class: Technician,
						Msg: "the SIM still asks for its PIN after it was entered; check the configured PIN"}
				}
				break
			}
			if _, bad := rejectedPINs.Load(m.cfg.Port + "\x00" + m.cfg.PIN); bad {
				return &Error{Cmd: "AT+CPIN?", Kind: KindState, Class: Technician, Err: ErrPINRejected,
					Msg: "the SIM rejected this PIN before; it is not entered again (fix the PIN and restart)"}
			}
			if m.cfg.PIN == "" {
				return &Error{Cmd: "AT+CPIN?", Kind: KindState, Class: Technician,
					Msg: "the SIM needs a PIN and none is configured (set the modem PIN in the config or --pin)"}
			}
			triedPIN = true
			if _, err := m.eng.run(ctx, &request{cmd: `AT+CPIN="` + m.cfg.PIN + `"`, logCmd: `AT+CPIN="****"`}, m.cfg.CommandTimeout); err != nil {
				var me *Error
				if errors.As(err, &me) && me.Kind != KindIO && me.Kind != KindTimeout {
					// Never try the PIN again: each wrong try brings the SIM
					// closer to a PUK lock only a technician can undo.
					rejectedPINs.Store(m.cfg.Port+"\x00"+m.cfg.PIN, true)
					me.Class = Technician
					me.Err = ErrPINRejected
					me.Msg += "; the PIN was rejected and will not be retried (check it before the SIM locks)"
				}
				return fmt.Errorf("modem: start-up: %w", err)
			}
			// Most SIMs are ready as soon as the PIN is taken: ask at once,
			// and wait only if it says it is busy.
			continue
		case SIMPUK:
			return &Error{Cmd: "AT+CPIN?", Kind: KindState, Class: Technician,
				Msg: "the SIM is PUK-locked; a technician must unlock it with the PUK"}
		case SIMAbsent:
			return &Error{Cmd: "AT+CPIN?", Kind: KindState, Class: Technician, Msg: "no SIM card inserted"}
		case SIMFailure:
			return &Error{Cmd: "AT+CPIN?", Kind: KindState, Class: Technician, Msg: "SIM failure"}
		case SIMBusy:
			// The SIM is still booting (typical right after the PIN).
		default:
			return &Error{Cmd: "AT+CPIN?", Kind: KindState, Class: Technician, Msg: "the SIM asks for " + st}
		}
		if time.Now().After(deadline) {
			return &Error{Cmd: "AT+CPIN?", Kind: KindState, Class: Technician, Msg: "the SIM did not become ready (state " + st + ")"}
		}
		if err := sleepCtx(ctx, 200*time.Millisecond); err != nil {
			return err
		}
	}
}

// rejectedPINs remembers port+PIN pairs the SIM refused, so a caller that
// reopens the modem in a loop cannot walk the SIM into its PUK lock.
var rejectedPINs sync.Map

// Registration states as reported in Status.Registration.
const (
	RegHome          = "home"
	RegRoaming       = "roaming"
	RegSearching     = "searching"
	RegDenied        = "denied"
	RegNotRegistered = "not_registered"
	RegUnknown       = "unknown"
)

// Status is what a technician needs to know about the modem.
type Status struct {
	// SIM is one of the SIM* constants.
	SIM string `json:"sim"`
	// Registration is one of the Reg* constants; Registered is true for
	// home and roaming.
	Registration string `json:"registration"`
	Registered   bool   `json:"registered"`
	// Operator is the network's long name, "" if not registered.
	Operator string `json:"operator"`
	// SignalCSQ is the raw AT+CSQ <rssi> (0-31, 99 unknown); SignalDBm is
	// it in dBm (-113 to -51), 0 when unknown.
	SignalCSQ int `json:"signal_csq"`
	SignalDBm int `json:"signal_dbm"`
	// SMSC is the service centre number stored on the SIM.
	SMSC string `json:"smsc"`
	// Model is the modem's model (AT+CGMM), for the technician.
	Model string `json:"model,omitempty"`
}

// Ready reports whether an SMS can be sent right now.
func (s Status) Ready() bool { return s.SIM == SIMReady && s.Registered }

// Status queries the modem. A query the modem rejects leaves its field at
// the "unknown" value; only transport failures are returned as errors.
func (m *Modem) Status(ctx context.Context) (Status, error) {
	st := Status{SIM: SIMNotKnown, Registration: RegUnknown, SignalCSQ: 99}
	var err error
	if st.SIM, err = m.simState(ctx); err != nil && fatal(err) {
		return st, err
	}
	if st.Registration, err = m.registration(ctx, "AT+CREG?"); err != nil && fatal(err) {
		return st, err
	}
	if st.Registration != RegHome && st.Registration != RegRoaming {
		// LTE-only modems (EC25, E3372) register SMS on EPS.
		if r, err := m.registration(ctx, "AT+CEREG?"); err == nil && (r == RegHome || r == RegRoaming) {
			st.Registration = r
		} else if err != nil && fatal(err) {
			return st, err
		}
	}
	st.Registered = st.Registration == RegHome || st.Registration == RegRoaming
	lines, err := m.cmd(ctx, "AT+CSQ")
	if err != nil && fatal(err) {
		return st, err
	}
	for _, l := range lines {
		if f := fields(strings.TrimPrefix(l, "+CSQ:")); len(f) >= 1 {
			if v, e := strconv.Atoi(f[0]); e == nil {
				st.SignalCSQ = v
				st.SignalDBm = csqToDBm(v)
			}
		}
	}
	if _, err := m.cmd(ctx, "AT+COPS=3,0"); err != nil && fatal(err) {
		return st, err
	}
	lines, err = m.cmd(ctx, "AT+COPS?")
	if err != nil && fatal(err) {
		return st, err
	}
	for _, l := range lines {
		if f := fields(strings.TrimPrefix(l, "+COPS:")); len(f) >= 3 {
			st.Operator = unquote(f[2])
		}
	}
	lines, err = m.cmd(ctx, "AT+CSCA?")
	if err != nil && fatal(err) {
		return st, err
	}
	for _, l := range lines {
		if f := fields(strings.TrimPrefix(l, "+CSCA:")); len(f) >= 1 {
			st.SMSC = unquote(f[0])
		}
	}
	lines, err = m.eng.run(ctx, &request{cmd: "AT+CGMM", raw: true}, m.cfg.CommandTimeout)
	if err != nil && fatal(err) {
		return st, err
	}
	if len(lines) > 0 {
		st.Model = strings.TrimSpace(strings.TrimPrefix(lines[0], "+CGMM:"))
	}
	m.mu.Lock()
	m.status = st
	m.mu.Unlock()
	return st, nil
}

// LastStatus returns the status from the latest Status call (start-up
// included) without talking to the modem.
func (m *Modem) LastStatus() Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.status
}

// fatal tells transport failures (and cancellation), which end a status
// query, from a modem that merely rejected one query.
func fatal(err error) bool {
	var me *Error
	if errors.As(err, &me) {
		return me.Kind == KindIO || me.Kind == KindTimeout
	}
	return true
}

func (m *Modem) registration(ctx context.Context, c string) (string, error) {
	lines, err := m.cmd(ctx, c)
	if err != nil {
		return RegUnknown, err
	}
	for _, l := range lines {
		p := infoPrefix(l)
		f := fields(l[len(p)+1:])
		if len(f) < 2 {
			continue
		}
		switch f[1] {
		case "1":
			return RegHome, nil
		case "5":
			return RegRoaming, nil
		case "2":
			return RegSearching, nil
		case "3":
			return RegDenied, nil
		case "0":
			return RegNotRegistered, nil
		}
	}
	return RegUnknown, nil
}

// csqToDBm converts AT+CSQ <rssi> to dBm (TS 27.007 §8.5).
func csqToDBm(rssi int) int {
	if rssi < 0 || rssi > 31 {
		return 0
	}
	return -113 + 2*rssi
}
