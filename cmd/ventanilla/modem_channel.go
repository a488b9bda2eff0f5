package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/ventanilla-kiosk/ventanilla/console"
	"github.com/ventanilla-kiosk/ventanilla/devices/modem"
	"github.com/ventanilla-kiosk/ventanilla/store/dispatch"
)

// modemChannel is the kiosk's modem as the rest of the kiosk sees it: the
// dispatcher's SMS channel (dispatch.SMSSender), the screens' health
// (kit.ModemHealth) and the console's modem (console.Modem). The
// modem.Supervisor behind it does the work; it exists only once
// startServices knows the port (in demo mode the emulator's), and until
// then, or without a port, the channel is not ready.
type modemChannel struct {
	sup    atomic.Pointer[modem.Supervisor]
	noPort atomic.Bool
	// attached is closed when the supervisor arrives: the first change a
	// dispatcher waiting on Changed must hear.
	attached     chan struct{}
	attachedOnce sync.Once
}

func newModemChannel() *modemChannel { return &modemChannel{attached: make(chan struct{})} }

// attach hands the channel its supervisor.
func (c *modemChannel) attach(s *modem.Supervisor) {
	c.sup.Store(s)
	c.attachedOnce.Do(func() { close(c.attached) })
}

// Changed implements dispatch.Readiness: closed at the next change of the
// modem's state or readiness.
func (c *modemChannel) Changed() <-chan struct{} {
	if s := c.sup.Load(); s != nil {
		return s.Changed()
	}
	return c.attached
}

func (c *modemChannel) supervisor() (*modem.Supervisor, error) {
	if s := c.sup.Load(); s != nil {
		return s, nil
	}
	if c.noPort.Load() {
		return nil, fmt.Errorf("%w: no modem port configured", modem.ErrNotReady)
	}
	return nil, fmt.Errorf("%w (starting)", modem.ErrNotReady)
}

// Ready implements kit.ModemHealth and dispatch.Readiness: a modem is open,
// its SIM ready and it is registered.
func (c *modemChannel) Ready() bool {
	s, err := c.supervisor()
	return err == nil && s.Ready()
}

// SendSMS implements dispatch.SMSSender. The dispatcher counts parts from
// 1, the modem from 0. While the modem is starting or reopening the error
// wraps modem.ErrNotReady and dispatch.ErrNotReady (nothing was sent, the
// job is fine); a refusal the network gives is marked dispatch.Permanent;
// everything else is the modem's own retryable or MaybeSent error.
func (c *modemChannel) SendSMS(ctx context.Context, to, text string, o dispatch.SMSOptions) (dispatch.SMSResult, error) {
	s, err := c.supervisor()
	if err != nil {
		return dispatch.SMSResult{}, dispatch.NotReady(fmt.Errorf("modem: send: %w", err))
	}
	acc := make(map[int]int, len(o.Accepted))
	for p, ref := range o.Accepted {
		acc[p-1] = ref
	}
	res, err := s.SendSMS(ctx, to, text, modem.SendOptions{
		ConcatRef: o.ConcatRef,
		Accepted:  acc,
		OnPartAccepted: func(part, ref int) error {
			if o.OnPartAccepted == nil {
				return nil
			}
			return o.OnPartAccepted(part+1, ref)
		},
	})
	switch {
	case err == nil:
	case errors.Is(err, modem.ErrNotReady):
		// Nothing sent: the dispatcher gives the job back uncounted.
		err = dispatch.NotReady(err)
	case modem.IsPermanent(err):
		err = dispatch.Permanent(err)
	}
	return dispatch.SMSResult{Parts: res.Parts, Refs: res.Refs}, err
}

// Health implements console.Modem: the modem as last seen, without
// asking it (status --json must not wait for AT commands).
func (c *modemChannel) Health() console.ModemHealth {
	s, err := c.supervisor()
	if err != nil {
		return console.ModemHealth{Error: err.Error()}
	}
	if err := s.NotReady(); err != nil {
		return console.ModemHealth{Error: err.Error()}
	}
	st, _ := s.LastStatus()
	h := console.ModemHealth{Ready: st.Ready(), Registered: st.Registered, Operator: st.Operator, SignalDBm: st.SignalDBm}
	if !h.Ready {
		h.Error = fmt.Sprintf("not ready: SIM %s, registration %s", st.SIM, st.Registration)
	}
	return h
}

// Check implements console.Modem: the modem's status, asked now.
func (c *modemChannel) Check(ctx context.Context) (console.ModemStatus, error) {
	s, err := c.supervisor()
	if err != nil {
		return console.ModemStatus{SIM: "unknown", Registration: "unknown", Signal: 99}, err
	}
	st, err := s.Status(ctx)
	if err != nil {
		return console.ModemStatus{SIM: "unknown", Registration: "unknown", Signal: 99}, err
	}
	raw, _ := json.Marshal(st)
	return console.ModemStatus{SIM: st.SIM, Registration: st.Registration, Registered: st.Registered,
		Operator: st.Operator, Signal: st.SignalCSQ, SignalDBm: st.SignalDBm, Raw: raw}, nil
}

// Number implements console.Modem with the kiosk's one reading of an SMS
// destination (smsNumber: procedure's for a Spanish mobile), as `sms send`
// and `queue add` do; its error is numberProblem's short reason.
func (c *modemChannel) Number(raw string) (string, error) {
	return smsNumber(raw)
}

// SendTest implements console.Modem: a technician's test SMS goes out now,
// not through the queue, so the technician sees the modem's own answer.
func (c *modemChannel) SendTest(ctx context.Context, to string) error {
	if !modem.ValidE164(to) {
		return fmt.Errorf("modem test: %w: not an E.164 number", modem.ErrBadInput)
	}
	s, err := c.supervisor()
	if err != nil {
		return err
	}
	_, err = s.SendSMS(ctx, to, "ventanilla: SMS de prueba / test SMS", modem.SendOptions{})
	return err
}

// close closes the modem if Run has not already (shutdown could not wait
// for it).
func (c *modemChannel) close() {
	if s := c.sup.Load(); s != nil {
		_ = s.Close()
	}
}
