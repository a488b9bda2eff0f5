package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ventanilla-kiosk/ventanilla/console"
	"github.com/ventanilla-kiosk/ventanilla/console/metrics"
	"github.com/ventanilla-kiosk/ventanilla/devices/mail"
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
		To: m.To, From: o.from, ReplyTo: m.ReplyTo, Subject: m.Subject, Body: m.Body, Attachments: atts,
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

// mailSender adapts devices/mail to the dispatcher.
type mailSender struct{ s *mail.Sender }

func (m mailSender) SendMail(ctx context.Context, e dispatch.Email) error {
	atts := make([]mail.Attachment, len(e.Attachments))
	for i, a := range e.Attachments {
		atts[i] = mail.Attachment{Name: a.Name, ContentType: a.ContentType, Data: a.Data}
	}
	err := m.s.Send(ctx, mail.Message{From: e.From, To: e.To, ReplyTo: e.ReplyTo, Subject: e.Subject, Body: e.Body, Attachments: atts, MessageID: e.MessageID})
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
