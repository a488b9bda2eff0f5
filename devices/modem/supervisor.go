package modem

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// ErrNotReady is wrapped by the Supervisor's SendSMS and Status while it
// has no working modem: starting, reopening after the port went away or
// stopped answering, or stopped for a technician (the SIM rejected the
// PIN). Nothing was sent and the message is fine: a dispatcher should put
// the job back without counting a delivery attempt. It is never wrapped
// together with an *Error, so IsRetryable, IsPermanent and NeedsTechnician
// are all false for it; a real send failure (a refusal, congestion, a
// MaybeSent time-out) never wraps it.
var ErrNotReady = errors.New("modem: not ready")

// State is where the Supervisor is in its life.
type State int

const (
	// StateStarting: the first Open has not finished yet.
	StateStarting State = iota + 1
	// StateUp: a modem is open and initialised.
	StateUp
	// StateReopening: the port went away or an Open failed; the
	// Supervisor waits out a back-off and tries again.
	StateReopening
	// StateNeedsTechnician: the SIM rejected the PIN. The Supervisor does
	// not try again (each try brings the SIM closer to its PUK lock);
	// fix the PIN and restart.
	StateNeedsTechnician
	// StateStopped: Run returned (its context ended) or Close was called.
	StateStopped
)

// String names the state for logs and errors.
func (s State) String() string {
	switch s {
	case StateStarting:
		return "starting"
	case StateUp:
		return "up"
	case StateReopening:
		return "reopening"
	case StateNeedsTechnician:
		return "needs a technician"
	case StateStopped:
		return "stopped"
	}
	return "unknown"
}

// SupervisorConfig configures a Supervisor. Only Modem.Port is required.
type SupervisorConfig struct {
	// Modem is passed to every Open.
	Modem Config
	// Logger receives one line per change (opened, lost, open failed);
	// slog.Default() when nil. PINs and numbers never reach it.
	Logger *slog.Logger
	// OnStatus, when set, hears every status the Supervisor learns (after
	// an Open, each poll, each Status call) with up=true, and up=false
	// with a zero Status when the modem is gone. Metrics hang here. It is
	// called from the Supervisor's goroutines and must not block.
	OnStatus func(st Status, up bool)
	// MinBackoff is the first wait after a failed Open (default 1 s),
	// doubled after each failure up to MaxBackoff (default 1 min). A
	// failure that needs a person (no SIM, no port) waits MaxBackoff at
	// once: it will not fix itself in a second.
	MinBackoff, MaxBackoff time.Duration
	// Poll is how often an open modem is asked for its status (default
	// 30 s; at most 5 s while it is not ready, e.g. searching for the
	// network), which keeps the health true and notices a modem that
	// stopped answering: a poll that gets no answer closes and reopens it.
	Poll time.Duration
	// Sleep waits out a back-off; tests replace it. Default: a timer that
	// honours the context.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Supervisor owns one modem for a long-running program: it opens it,
// reopens it with back-off when the port goes away (cable pulled, modem
// reset) or stops answering, never enters a PIN the SIM rejected, and
// says whether an SMS can be sent now. Its methods are safe for
// concurrent use; Run does the work.
type Supervisor struct {
	cfg SupervisorConfig
	log *slog.Logger

	mu      sync.Mutex
	state   State
	m       *Modem
	lastErr error // why the latest Open failed, or why the modem was lost
	ready   bool  // m's latest status was Ready
	changed chan struct{}
}

// NewSupervisor returns a Supervisor in StateStarting. Call Run.
func NewSupervisor(cfg SupervisorConfig) *Supervisor {
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = time.Minute
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = cfg.MinBackoff
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 30 * time.Second
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepCtx
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Supervisor{cfg: cfg, log: log, state: StateStarting, changed: make(chan struct{})}
}

// Run opens the modem and keeps it open until ctx ends (it then closes it
// and returns ctx's error) or Close is called (it returns nil). After the
// SIM rejected the PIN it stops opening and only waits for either.
func (s *Supervisor) Run(ctx context.Context) error {
	defer s.setDown(StateStopped, nil)
	backoff := s.cfg.MinBackoff
	for {
		if s.closed() {
			return nil
		}
		m, err := Open(ctx, s.cfg.Modem)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if errors.Is(err, ErrPINRejected) {
				s.setDown(StateNeedsTechnician, err)
				s.log.Error("modem: the SIM rejected the configured PIN; it will not be entered again: fix modem.pin and restart (SMS stay queued)", "port", s.cfg.Modem.Port, "err", err)
				for !s.closed() {
					select {
					case <-ctx.Done():
						return ctx.Err()
					case <-s.Changed():
					}
				}
				return nil
			}
			wait := backoff
			if NeedsTechnician(err) {
				wait = s.cfg.MaxBackoff
			}
			s.setDown(StateReopening, err)
			s.log.Warn("modem: open failed; SMS stay queued", "port", s.cfg.Modem.Port, "err", err, "retry_in", wait)
			if err := s.cfg.Sleep(ctx, wait); err != nil {
				return ctx.Err()
			}
			if s.closed() {
				return nil
			}
			backoff = min(backoff*2, s.cfg.MaxBackoff)
			continue
		}
		backoff = s.cfg.MinBackoff
		st := m.LastStatus()
		s.report(st, true)
		if !s.setUp(m) {
			s.report(Status{}, false)
			_ = m.Close() // Close came first
			return nil
		}
		s.log.Info("modem: ready", "port", s.cfg.Modem.Port, "operator", st.Operator, "registration", st.Registration, "signal_dbm", st.SignalDBm)
		lost := s.watch(ctx, m)
		// Down before closed: a send that starts now gets ErrNotReady,
		// not the closed port's error.
		if s.closed() {
			_ = m.Close()
			return nil
		}
		if ctx.Err() != nil {
			s.setDown(StateStopped, nil)
			_ = m.Close()
			return ctx.Err()
		}
		s.setDown(StateReopening, lost)
		_ = m.Close()
		s.log.Warn("modem: connection lost; reopening", "port", s.cfg.Modem.Port, "err", lost)
	}
}

// Close stops the Supervisor for good: the open modem, if any, is closed,
// and sends fail with ErrNotReady. Cancelling Run's context does the same;
// Close is for a caller that cannot wait for Run.
func (s *Supervisor) Close() error {
	s.mu.Lock()
	m := s.m
	s.mu.Unlock()
	s.setDown(StateStopped, nil)
	if m != nil {
		return m.Close()
	}
	return nil
}

// watch waits until the modem's port goes away, a status poll gets no
// answer, or ctx ends, and says why.
func (s *Supervisor) watch(ctx context.Context, m *Modem) error {
	poll := time.NewTimer(s.pollEvery(m.LastStatus()))
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-m.Done():
			return fmt.Errorf("port gone: %w", m.eng.closedErr("read"))
		case <-poll.C:
			pctx, cancel := context.WithTimeout(ctx, 2*m.cfg.CommandTimeout)
			st, err := m.Status(pctx)
			cancel()
			if err == nil {
				s.noteStatus(st)
				poll.Reset(s.pollEvery(st))
				continue
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// Status returns only transport failures: a modem that does
			// not answer any more gets a fresh start-up, and meanwhile
			// sends are refused as not ready instead of timing out.
			return fmt.Errorf("status poll: %w", err)
		}
	}
}

func (s *Supervisor) closed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state == StateStopped
}

// pollEvery: a modem that cannot send yet (searching for the network) is
// asked more often, so the queue moves soon after it registers.
func (s *Supervisor) pollEvery(st Status) time.Duration {
	if st.Ready() {
		return s.cfg.Poll
	}
	return min(s.cfg.Poll, unreadyPoll)
}

// unreadyPoll is the status poll of an open modem that is not ready.
const unreadyPoll = 5 * time.Second

// noteStatus reports st and, when it turns Ready on or off, tells whoever
// waits on Changed.
func (s *Supervisor) noteStatus(st Status) {
	s.report(st, true)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == StateUp && st.Ready() != s.ready {
		s.ready = st.Ready()
		s.signalLocked()
	}
}

func (s *Supervisor) signalLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// setUp publishes m; false if the Supervisor was closed meanwhile.
func (s *Supervisor) setUp(m *Modem) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == StateStopped {
		return false
	}
	s.state, s.m, s.lastErr = StateUp, m, nil
	s.ready = m.LastStatus().Ready()
	s.signalLocked()
	return true
}

// setDown publishes a state without a modem. OnStatus hears it first, so
// whoever sees the new state also finds the health already down.
func (s *Supervisor) setDown(st State, why error) {
	if s.closed() {
		return
	}
	s.report(Status{}, false)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == StateStopped {
		return
	}
	s.state, s.m, s.ready = st, nil, false
	if why != nil {
		s.lastErr = why
	}
	s.signalLocked()
}

func (s *Supervisor) report(st Status, up bool) {
	if s.cfg.OnStatus != nil {
		s.cfg.OnStatus(st, up)
	}
}

// State returns where the Supervisor is now and, when it has no modem, why
// (the latest Open error or what was lost; nil while starting).
func (s *Supervisor) State() (State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state, s.lastErr
}

// Changed returns a channel closed at the next change of State or of
// Ready: a dispatcher, tests and status screens wait on it instead of
// polling. Take it before looking at State or Ready, so no change is
// missed.
func (s *Supervisor) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// modem returns the open modem, or an error wrapping ErrNotReady that
// names the state and the reason.
func (s *Supervisor) modem() (*Modem, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == StateUp && s.m != nil {
		return s.m, nil
	}
	// The reason goes in as text, not wrapped: an *Error in the chain
	// would make IsPermanent or NeedsTechnician speak for a message that
	// was never tried.
	if s.lastErr != nil {
		return nil, fmt.Errorf("%w (%s): %v", ErrNotReady, s.state, s.lastErr)
	}
	return nil, fmt.Errorf("%w (%s)", ErrNotReady, s.state)
}

// NotReady returns nil while a modem is open, and otherwise the error
// SendSMS would return: it wraps ErrNotReady and says the state and why
// (for a status line).
func (s *Supervisor) NotReady() error {
	_, err := s.modem()
	return err
}

// Ready reports whether an SMS can be sent right now: a modem is open,
// its SIM is ready and it is registered, as of its latest status.
func (s *Supervisor) Ready() bool {
	m, err := s.modem()
	return err == nil && m.LastStatus().Ready()
}

// LastStatus returns the open modem's latest status without talking to
// it, and false when there is no open modem.
func (s *Supervisor) LastStatus() (Status, bool) {
	m, err := s.modem()
	if err != nil {
		return Status{}, false
	}
	return m.LastStatus(), true
}

// Status asks the open modem for its status now. Without one it returns
// an error wrapping ErrNotReady.
func (s *Supervisor) Status(ctx context.Context) (Status, error) {
	m, err := s.modem()
	if err != nil {
		return Status{}, err
	}
	st, err := m.Status(ctx)
	if err == nil {
		s.noteStatus(st)
	}
	return st, err
}

// SendSMS sends through the open modem (see (*Modem).SendSMS). Without
// one it sends nothing and returns an error wrapping ErrNotReady; every
// other error is the modem's own, with its Class and MaybeSent.
func (s *Supervisor) SendSMS(ctx context.Context, to, text string, opts SendOptions) (SendResult, error) {
	m, err := s.modem()
	if err != nil {
		return SendResult{}, fmt.Errorf("modem: send: %w", err)
	}
	res, err := m.SendSMS(ctx, to, text, opts)
	var me *Error
	if errors.Is(err, ErrClosed) && errors.As(err, &me) && !me.MaybeSent {
		// The port went away before this message (or its next part)
		// reached the network: as not ready as before an Open. The parts
		// accepted before it are in res and were reported to
		// OnPartAccepted.
		return res, fmt.Errorf("modem: send: %w (port lost): %v", ErrNotReady, err)
	}
	return res, err
}
