package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ventanilla-kiosk/ventanilla/console"
	"github.com/ventanilla-kiosk/ventanilla/console/metrics"
	"github.com/ventanilla-kiosk/ventanilla/devices/mail"
	"github.com/ventanilla-kiosk/ventanilla/devices/modem"
	"github.com/ventanilla-kiosk/ventanilla/store"
	"github.com/ventanilla-kiosk/ventanilla/store/dispatch"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

// The adapters below connect parts that do not import each other: the
// screens see kit interfaces, the dispatcher its sender interfaces, the
// console its own. Only this package knows every concrete type.

// outbox puts the screens' messages in the store. Each call ends with the
// screen's context: waiting for a busy database (a key rotation, a slow
// disk) is abandoned with an error wrapping store.ErrNotQueued, and the
// message is then certainly not queued, so the screen's "nothing was sent,
// try again" is true and a retry never duplicates it; a write already
// under way is waited for (store.EnqueueContext).
type outbox struct {
	db   *store.DB
	from string
}

func (o outbox) EnqueueSMS(ctx context.Context, to, text string) (string, error) {
	j, err := o.db.EnqueueContext(ctx, store.NewJob{Kind: store.KindSMS, Purpose: "visitor-sms", Payload: store.Payload{To: to, Text: text}})
	if err != nil {
		return "", fmt.Errorf("outbox: queue sms: %w", err)
	}
	return j.ID, nil
}

func (o outbox) EnqueueEmail(ctx context.Context, m kit.Email) (string, error) {
	atts := make([]store.Attachment, len(m.Attachments))
	for i, a := range m.Attachments {
		atts[i] = store.Attachment{Name: a.Name, ContentType: a.ContentType, Data: a.Data}
	}
	n := store.NewJob{Kind: store.KindEmail, Purpose: "callcentre-request", Payload: store.Payload{
		To: m.To, From: o.from, Subject: m.Subject, Body: m.Body, Attachments: atts,
	}}
	if m.Ref != "" {
		// The reference is unique per request: a screen that retries after
		// a slow disk gets the same job back instead of a second e-mail.
		n.IdempotencyKey = "email:" + m.Ref
	}
	j, err := o.db.EnqueueContext(ctx, n)
	if err != nil {
		return "", fmt.Errorf("outbox: queue e-mail: %w", err)
	}
	return j.ID, nil
}

// modemSupervisor owns the modem: it opens it, reopens it when it goes away
// (cable pulled, emulator restarted) and answers "is it usable now".
type modemSupervisor struct {
	cfg modem.Config
	log *slog.Logger
	met *metrics.Metrics

	mu  sync.Mutex
	m   *modem.Modem
	err error
}

var errModemDown = errors.New("modem not available (not connected or not initialised)")

func (s *modemSupervisor) run(ctx context.Context) {
	backoff := time.Second
	for {
		m, err := modem.Open(ctx, s.cfg)
		s.mu.Lock()
		s.m, s.err = m, err
		s.mu.Unlock()
		if err != nil {
			s.met.SetModem(false, 0)
			if ctx.Err() != nil {
				return
			}
			if errors.Is(err, modem.ErrPINRejected) {
				// Another try would bring the SIM closer to its PUK lock:
				// this is for a technician, and SMS stay queued meanwhile.
				s.log.Error("modem: the SIM rejected the configured PIN; fix modem.pin and restart (SMS stay queued)", "err", err)
				return
			}
			if modem.NeedsTechnician(err) {
				backoff = time.Minute
			}
			s.log.Warn("modem: open failed; SMS stay queued", "port", s.cfg.Port, "err", err, "retry_in", backoff)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, time.Minute)
			continue
		}
		backoff = time.Second
		st := m.LastStatus()
		s.met.SetModem(st.Registered, st.SignalDBm)
		s.log.Info("modem: ready", "operator", st.Operator, "registration", st.Registration, "signal_dbm", st.SignalDBm)
		poll := time.NewTicker(30 * time.Second)
	watch:
		for {
			select {
			case <-ctx.Done():
				poll.Stop()
				_ = m.Close()
				return
			case <-m.Done():
				break watch
			case <-poll.C:
				// A periodic status keeps the registration and signal
				// metrics true and notices a modem that stopped answering.
				pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				st, err := m.Status(pctx)
				cancel()
				if err != nil {
					s.log.Warn("modem: status failed", "err", err)
					s.met.SetModem(false, 0)
					continue
				}
				s.met.SetModem(st.Registered, st.SignalDBm)
			}
		}
		poll.Stop()
		s.log.Warn("modem: connection lost; reopening")
		s.mu.Lock()
		s.m, s.err = nil, errModemDown
		s.mu.Unlock()
		_ = m.Close()
	}
}

func (s *modemSupervisor) get() (*modem.Modem, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		if s.err != nil {
			return nil, fmt.Errorf("%w: %v", errModemDown, s.err)
		}
		return nil, errModemDown
	}
	return s.m, nil
}

// Ready implements kit.ModemHealth.
func (s *modemSupervisor) Ready() bool {
	m, err := s.get()
	return err == nil && m.LastStatus().Ready()
}

// SendSMS implements dispatch.SMSSender. The dispatcher counts parts from
// 1, the modem from 0.
func (s *modemSupervisor) SendSMS(ctx context.Context, to, text string, o dispatch.SMSOptions) (dispatch.SMSResult, error) {
	m, err := s.get()
	if err != nil {
		// Nothing sent: the dispatcher gives the job back uncounted.
		return dispatch.SMSResult{}, dispatch.NotReady(err)
	}
	acc := make(map[int]int, len(o.Accepted))
	for p, ref := range o.Accepted {
		acc[p-1] = ref
	}
	res, err := m.SendSMS(ctx, to, text, modem.SendOptions{
		ConcatRef: o.ConcatRef,
		Accepted:  acc,
		OnPartAccepted: func(part, ref int) error {
			if o.OnPartAccepted == nil {
				return nil
			}
			return o.OnPartAccepted(part+1, ref)
		},
	})
	if err != nil && modem.IsPermanent(err) {
		err = dispatch.Permanent(err)
	}
	return dispatch.SMSResult{Parts: res.Parts, Refs: res.Refs}, err
}

// Health implements console.Modem: the modem as last seen, without
// asking it (status --json must not wait for AT commands).
func (s *modemSupervisor) Health() console.ModemHealth {
	m, err := s.get()
	if err != nil {
		return console.ModemHealth{Error: err.Error()}
	}
	st := m.LastStatus()
	h := console.ModemHealth{Ready: st.Ready(), Registered: st.Registered, Operator: st.Operator, SignalDBm: st.SignalDBm}
	if !h.Ready {
		h.Error = fmt.Sprintf("not ready: SIM %s, registration %s", st.SIM, st.Registration)
	}
	return h
}

// Check implements console.Modem.
func (s *modemSupervisor) Check(ctx context.Context) (console.ModemStatus, error) {
	m, err := s.get()
	if err != nil {
		return console.ModemStatus{SIM: "unknown", Registration: "unknown"}, err
	}
	st, err := m.Status(ctx)
	if err != nil {
		return console.ModemStatus{}, err
	}
	s.met.SetModem(st.Registered, st.SignalDBm)
	raw, _ := json.Marshal(st)
	return console.ModemStatus{SIM: st.SIM, Registration: st.Registration, Registered: st.Registered,
		Operator: st.Operator, Signal: st.SignalCSQ, SignalDBm: st.SignalDBm, Raw: raw}, nil
}

// SendTest implements console.Modem: a technician's test SMS goes out now,
// not through the queue, so the technician sees the modem's own answer.
func (s *modemSupervisor) SendTest(ctx context.Context, to string) error {
	if !modem.ValidE164(to) {
		return fmt.Errorf("%q is not an international number (+34600000000)", to)
	}
	m, err := s.get()
	if err != nil {
		return err
	}
	_, err = m.SendSMS(ctx, to, "ventanilla: SMS de prueba / test SMS", modem.SendOptions{})
	return err
}

func (s *modemSupervisor) close() {
	s.mu.Lock()
	m := s.m
	s.m = nil
	s.mu.Unlock()
	if m != nil {
		_ = m.Close()
	}
}

// mailSender adapts devices/mail to the dispatcher.
type mailSender struct{ s *mail.Sender }

func (m mailSender) SendMail(ctx context.Context, e dispatch.Email) error {
	atts := make([]mail.Attachment, len(e.Attachments))
	for i, a := range e.Attachments {
		atts[i] = mail.Attachment{Name: a.Name, ContentType: a.ContentType, Data: a.Data}
	}
	err := m.s.Send(ctx, mail.Message{From: e.From, To: e.To, Subject: e.Subject, Body: e.Body, Attachments: atts, MessageID: e.MessageID})
	if err != nil && mail.IsPermanent(err) {
		return dispatch.Permanent(err)
	}
	return err
}

// dispatchObserver feeds delivery outcomes to the metrics.
type dispatchObserver struct{ m *metrics.Metrics }

func (o dispatchObserver) JobDelivered(k store.Kind, d time.Duration) { o.m.JobDelivered(string(k), d) }
func (o dispatchObserver) JobFailed(k store.Kind, permanent bool) {
	o.m.JobFailed(string(k), permanent)
}

// sessions counts visitor sessions for the console and forwards them to the
// metrics.
type sessions struct {
	m  *metrics.Metrics
	mu sync.Mutex
	n  map[string]int
}

func (s *sessions) add(k string) {
	s.mu.Lock()
	if s.n == nil {
		s.n = map[string]int{}
	}
	s.n[k]++
	s.mu.Unlock()
}

func (s *sessions) SessionStarted(flow string)  { s.add("started"); s.m.SessionStarted(flow) }
func (s *sessions) SessionFinished(flow string) { s.add("finished"); s.m.SessionFinished(flow) }
func (s *sessions) SessionAbandoned(flow, step string) {
	s.add("abandoned")
	s.m.SessionAbandoned(flow, step)
}

func (s *sessions) counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.n))
	for k, v := range s.n {
		out[k] = v
	}
	return out
}

// queueView shows the store to the console with the same JSON as the CLI.
type queueView struct{ db *store.DB }

func (q queueView) Stats(context.Context) (map[string]int, error) {
	st, err := q.db.Stats()
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, s := range store.States {
		out[string(s)] = 0
	}
	for _, byState := range st.Counts {
		for s, n := range byState {
			out[string(s)] += n
		}
	}
	return out, nil
}

func (q queueView) List(_ context.Context, f console.QueueFilter) ([]console.JobView, error) {
	lf := store.ListFilter{Kind: store.Kind(f.Kind), Limit: f.Limit, NewestFirst: f.NewestFirst}
	if f.State != "" {
		lf.States = []store.State{store.State(f.State)}
	}
	jobs, err := q.db.List(lf)
	if err != nil {
		return nil, err
	}
	return views(jobs), nil
}

func (q queueView) Retry(_ context.Context, id string) error {
	if _, err := store.ParseID(id); err != nil {
		return console.Invalid(err)
	}
	_, err := q.db.Retry(id, "ssh")
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %v", console.ErrNotFound, err)
	}
	return err
}

func (q queueView) Dead(ctx context.Context) ([]console.JobView, error) {
	return q.List(ctx, console.QueueFilter{State: string(store.StateDead)})
}

func views(jobs []store.Job) []console.JobView {
	out := make([]console.JobView, 0, len(jobs))
	for _, j := range jobs {
		v := store.ViewOf(j)
		raw, _ := json.Marshal(v)
		out = append(out, console.JobView{ID: v.ID, Kind: string(v.Kind), State: string(v.State), Attempts: v.Attempts,
			To: v.Recipient, Created: v.Created, Due: v.Due, LastError: v.LastError, Raw: raw})
	}
	return out
}

// auditLog writes console events to the store's audit log. The error goes
// back to the console, which refuses an action it cannot record.
type auditLog struct{ db *store.DB }

func (a auditLog) Audit(event string, fields map[string]string) error {
	return a.db.Audit(event, fields)
}
