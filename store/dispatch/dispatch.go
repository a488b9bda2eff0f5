// Package dispatch delivers the outbox: it claims due jobs from the store
// and hands them to an SMS sender (the modem) and a mail sender (SMTP),
// recording the outcome so that nothing is lost and nothing is sent twice
// beyond what at-least-once delivery allows.
//
// Each kind has its own loop, concurrency limit and circuit: when a send
// fails with a retryable error the whole channel backs off (the relay is
// unreachable, the modem lost the network), then probes with a single job
// before opening up again. One broken channel never holds up the other.
//
// The senders are small interfaces defined here, so this package does not
// import the device packages; the integrator adapts them (SMSFunc,
// MailFunc). A sender reports an error the retry cannot fix by wrapping it
// with Permanent, or the channel's Classify hook says so (e.g.
// modem.IsPermanent); everything else is retried with back-off.
package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/ventanilla-kiosk/ventanilla/store"

	"github.com/ventanilla-kiosk/ventanilla/procedure/mask"
)

// SMSOptions carries what makes an SMS resend idempotent.
type SMSOptions struct {
	// ConcatRef is the job's stable concatenation reference.
	ConcatRef uint8
	// Accepted maps parts (1-based) the modem already accepted in earlier
	// attempts to their message references: do not send them again.
	Accepted map[int]int
	// OnPartAccepted must be called as soon as the modem accepts a part; it
	// persists the fact before anything else happens. If it returns an
	// error the sender should stop and return it.
	OnPartAccepted func(part, ref int) error
}

// SMSResult is what the modem reported.
type SMSResult struct {
	Parts int
	Refs  []int
}

// SMSSender sends one SMS (the modem).
type SMSSender interface {
	SendSMS(ctx context.Context, to, text string, opts SMSOptions) (SMSResult, error)
}

// SMSFunc adapts a function to SMSSender.
type SMSFunc func(ctx context.Context, to, text string, opts SMSOptions) (SMSResult, error)

// SendSMS calls f.
func (f SMSFunc) SendSMS(ctx context.Context, to, text string, opts SMSOptions) (SMSResult, error) {
	return f(ctx, to, text, opts)
}

// Email is one message for the mail sender.
type Email struct {
	From, To, Subject, Body string
	// ReplyTo is where the recipient's answer goes (the visitor).
	ReplyTo     string
	Attachments []store.Attachment
	// MessageID is stable across attempts (without angle brackets).
	MessageID string
}

// MailSender sends one e-mail (SMTP).
type MailSender interface {
	SendMail(ctx context.Context, m Email) error
}

// MailFunc adapts a function to MailSender.
type MailFunc func(ctx context.Context, m Email) error

// SendMail calls f.
func (f MailFunc) SendMail(ctx context.Context, m Email) error { return f(ctx, m) }

// ErrNotReady is what a sender's error wraps when its device cannot send
// yet (the modem starting, or reopening after its port went away) and
// nothing was sent. The dispatcher then gives the job back to the store
// without counting an attempt (store.DB.Release) and rests the channel
// until the sender's readiness changes (Readiness) or for a short while.
// An adapter maps its device's own "not ready" error to it with NotReady.
// It must never wrap a failure that may have reached the network.
var ErrNotReady = errors.New("channel not ready")

type notReadyError struct{ err error }

// Error is the wrapped error's text.
func (e *notReadyError) Error() string { return e.err.Error() }

// Unwrap gives both ErrNotReady and the device's own error to errors.Is/As.
func (e *notReadyError) Unwrap() []error { return []error{ErrNotReady, e.err} }

// NotReady marks err (the device's "not ready" error) as ErrNotReady.
func NotReady(err error) error {
	if err == nil {
		return nil
	}
	return &notReadyError{err}
}

// Readiness is optionally implemented by a sender whose device takes time
// to come up (the modem after a start or a reconnect). While Ready is false
// the dispatcher claims nothing for the channel, so a kiosk restarted
// again and again never burns a delivery attempt on a modem that is still
// starting; it looks again as soon as Changed's channel is closed (and
// after Config.Poll at the latest), so the first SMS after a start leaves
// the moment the modem is ready.
type Readiness interface {
	// Ready reports whether the sender can send now.
	Ready() bool
	// Changed returns a channel closed at the sender's next change of
	// state (take it before calling Ready, so no change is missed).
	Changed() <-chan struct{}
}

// Observer receives per-job outcomes for metrics. Calls come from
// delivery goroutines and must not block.
type Observer interface {
	// JobDelivered: latency is from enqueue to confirmed delivery.
	JobDelivered(kind store.Kind, latency time.Duration)
	// JobFailed: permanent is true when the job was dead-lettered.
	JobFailed(kind store.Kind, permanent bool)
}

// ChannelObserver is optionally implemented by an Observer that wants to
// know when a channel goes down (backing off) and comes back.
type ChannelObserver interface {
	ChannelState(kind store.Kind, up bool)
}

type permanentError struct{ err error }

// Error is the wrapped error's text.
func (e *permanentError) Error() string { return e.err.Error() }

// Unwrap gives the wrapped error to errors.Is/As.
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as one no retry can fix (5xx, invalid number): the
// job is dead-lettered at once.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// Channel configures one kind's delivery.
type Channel struct {
	// Concurrency is how many jobs of the kind are sent at once (default 1:
	// a modem sends one SMS at a time).
	Concurrency int
	// Classify, when set, reports whether an error is permanent in addition
	// to Permanent wrapping (e.g. modem.IsPermanent, mail.IsPermanent).
	Classify func(error) bool
}

// Config wires the dispatcher.
type Config struct {
	Store *store.DB
	// SMS and Mail are the senders; a nil sender leaves its kind queued.
	SMS  SMSSender
	Mail MailSender
	// SMSChannel and MailChannel tune each kind (defaults 1 and 2 at once).
	SMSChannel, MailChannel Channel
	// From is used for e-mail jobs that carry no From.
	From string
	// SendTimeout bounds one send (default 2 min or half the store lease,
	// whichever is shorter; it must be below the lease).
	SendTimeout time.Duration
	// ChannelBackoff and ChannelBackoffMax bound how long a channel rests
	// after a retryable failure (defaults 5 s and 5 min, doubling).
	ChannelBackoff, ChannelBackoffMax time.Duration
	// NotReadyRest is how long a channel rests after a send came back
	// ErrNotReady, doubling up to Poll while it keeps coming back (default
	// 1 s); a Readiness change ends the rest at once.
	NotReadyRest time.Duration
	// PurgeEvery is how often the retention purge runs (default 5 min).
	PurgeEvery time.Duration
	// Poll is the longest the loop sleeps without a wake-up (default 30 s).
	Poll     time.Duration
	Observer Observer
	Logger   *slog.Logger
}

// Dispatcher delivers the outbox. Create with New, run with Run.
type Dispatcher struct {
	cfg Config
	db  *store.DB
	log *slog.Logger
}

// New checks the configuration and fills in defaults.
func New(cfg Config) (*Dispatcher, error) {
	if cfg.Store == nil {
		return nil, errors.New("dispatch: no store")
	}
	if cfg.SMSChannel.Concurrency <= 0 {
		cfg.SMSChannel.Concurrency = 1
	}
	if cfg.MailChannel.Concurrency <= 0 {
		cfg.MailChannel.Concurrency = 2
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if cfg.SendTimeout <= 0 {
		cfg.SendTimeout = min(2*time.Minute, cfg.Store.Options().Lease/2)
	}
	def(&cfg.ChannelBackoff, 5*time.Second)
	def(&cfg.ChannelBackoffMax, 5*time.Minute)
	def(&cfg.PurgeEvery, 5*time.Minute)
	def(&cfg.Poll, 30*time.Second)
	def(&cfg.NotReadyRest, time.Second)
	if lease := cfg.Store.Options().Lease; cfg.SendTimeout >= lease {
		return nil, fmt.Errorf("dispatch: send timeout %v must be shorter than the store lease %v, or a slow send would be sent twice", cfg.SendTimeout, lease)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Dispatcher{cfg: cfg, db: cfg.Store, log: log}, nil
}

// Run delivers until ctx is cancelled, then waits for sends in progress to
// return (they see the cancelled context). A send interrupted by shutdown
// is not counted as a failure: its lease makes it due at the next start.
func (d *Dispatcher) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	if d.cfg.SMS != nil {
		wg.Add(1)
		go func() { defer wg.Done(); d.loop(ctx, store.KindSMS, d.cfg.SMSChannel) }()
	}
	if d.cfg.Mail != nil {
		wg.Add(1)
		go func() { defer wg.Done(); d.loop(ctx, store.KindEmail, d.cfg.MailChannel) }()
	}
	wg.Add(1)
	go func() { defer wg.Done(); d.purgeLoop(ctx) }()
	wg.Wait()
	return nil
}

func (d *Dispatcher) purgeLoop(ctx context.Context) {
	t := time.NewTicker(d.cfg.PurgeEvery)
	defer t.Stop()
	for {
		if r, err := d.db.Purge(); err != nil {
			d.log.Error("retention purge failed", "err", err)
		} else if r != (store.PurgeReport{}) {
			d.log.Info("retention purge", "payloads", r.Payloads, "expired", r.Killed, "done_deleted", r.DoneDeleted, "dead_deleted", r.DeadDeleted, "audit_trimmed", r.AuditTrim)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// circuit is one channel's health: closed (up), open until a time (down),
// then half-open (one probe job at a time) until a send succeeds.
type circuit struct {
	down    bool
	until   time.Time
	backoff time.Duration
}

type outcome struct {
	ok        bool // delivered
	retryable bool // failed with a retryable error (channel suspect)
	notReady  bool // the channel could not try: job given back, no attempt counted
}

// rest is a channel's pause after an ErrNotReady answer.
type rest struct {
	until time.Time
	d     time.Duration
}

func (d *Dispatcher) loop(ctx context.Context, kind store.Kind, ch Channel) {
	var (
		wg       sync.WaitGroup
		inflight int
		cb       circuit
		nr       rest
		results  = make(chan outcome, ch.Concurrency)
		wake     = d.db.Notify(kind)
		timer    = time.NewTimer(0)
		rd       Readiness
	)
	switch kind {
	case store.KindSMS:
		rd, _ = d.cfg.SMS.(Readiness)
	case store.KindEmail:
		rd, _ = d.cfg.Mail.(Readiness)
	}
	defer wg.Wait()
	defer timer.Stop()
	<-timer.C
	for {
		now := time.Now()
		slots := ch.Concurrency - inflight
		if cb.down {
			// Half-open: one probe at a time, and only after the rest.
			slots = 0
			if inflight == 0 && !now.Before(cb.until) {
				slots = 1
			}
		}
		// A channel that cannot send yet claims nothing: a claim counts
		// an attempt (and holds a lease) before anything is tried.
		var readyC <-chan struct{}
		notReady := false
		if rd != nil {
			readyC = rd.Changed()
			notReady = !rd.Ready()
		}
		resting := now.Before(nr.until)
		if notReady || resting {
			slots = 0
		}
		claimed, claimErr := 0, false
		if slots > 0 && ctx.Err() == nil {
			jobs, err := d.db.Claim(kind, slots)
			if err != nil {
				claimErr = true
				d.log.Error("claim failed", "kind", kind, "err", err)
			}
			for _, j := range jobs {
				inflight++
				claimed++
				wg.Add(1)
				go func(j store.Claimed) {
					defer wg.Done()
					results <- d.deliver(ctx, kind, ch, j)
				}(j)
			}
		}
		if ctx.Err() != nil && inflight == 0 {
			return
		}
		if claimed > 0 && claimed == slots {
			continue // more may be due right now
		}
		// Sleep until something can change: a result, a wake-up from the
		// store, the next due time, the end of the channel's rest.
		wait := d.cfg.Poll
		switch {
		case claimErr:
			wait = time.Second
		case notReady:
			// Changed wakes us; Poll is the fallback.
		case resting:
			wait = nr.until.Sub(now)
		case cb.down && inflight == 0 && now.Before(cb.until):
			wait = cb.until.Sub(now)
		case slots > 0:
			// Everything due was taken: sleep until the next due time.
			if next, ok := d.db.NextDue(kind); ok {
				wait = min(wait, next.Sub(d.db.Now()))
			}
		default:
			// Full (or probing): a result wakes us.
		}
		wait = max(wait, time.Millisecond)
		timer.Reset(wait)
		select {
		case r := <-results:
			inflight--
			d.updateCircuit(kind, &cb, &nr, r)
			// Take every result already waiting, so the next claim
			// fills all free slots in one transaction.
			for more := true; more; {
				select {
				case r := <-results:
					inflight--
					d.updateCircuit(kind, &cb, &nr, r)
				default:
					more = false
				}
			}
		case <-wake:
		case <-readyC:
			nr.until = time.Time{} // the device changed: look again now
		case <-timer.C:
		case <-ctx.Done():
			// Drain the sends still running; they see ctx cancelled.
			for inflight > 0 {
				<-results
				inflight--
			}
			return
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

func (d *Dispatcher) updateCircuit(kind store.Kind, cb *circuit, nr *rest, r outcome) {
	switch {
	case r.notReady:
		// Not a failure of the channel: it was not there yet. Rest a
		// little (longer while it keeps saying so), not the back-off.
		nr.d = min(max(2*nr.d, d.cfg.NotReadyRest), max(d.cfg.Poll, d.cfg.NotReadyRest))
		nr.until = time.Now().Add(nr.d)
	case r.ok:
		*nr = rest{}
		if cb.down {
			d.log.Info("channel back up", "kind", kind)
			d.channelState(kind, true)
		}
		*cb = circuit{}
	case r.retryable:
		if cb.backoff == 0 {
			cb.backoff = d.cfg.ChannelBackoff
		} else {
			cb.backoff = min(cb.backoff*2, d.cfg.ChannelBackoffMax)
		}
		if !cb.down {
			d.log.Warn("channel down, backing off", "kind", kind, "for", cb.backoff)
			d.channelState(kind, false)
		}
		cb.down = true
		cb.until = time.Now().Add(cb.backoff)
	}
	// A permanent failure says nothing about the channel.
}

func (d *Dispatcher) channelState(kind store.Kind, up bool) {
	if co, ok := d.cfg.Observer.(ChannelObserver); ok {
		co.ChannelState(kind, up)
	}
}

func (d *Dispatcher) deliver(ctx context.Context, kind store.Kind, ch Channel, j store.Claimed) outcome {
	sctx, cancel := context.WithTimeout(ctx, d.cfg.SendTimeout)
	defer cancel()
	var err error
	switch kind {
	case store.KindSMS:
		_, err = d.cfg.SMS.SendSMS(sctx, j.Payload.To, j.Payload.Text, SMSOptions{
			ConcatRef: j.ConcatRef,
			Accepted:  maps.Clone(j.Parts),
			OnPartAccepted: func(part, ref int) error {
				return d.db.RecordSMSPart(j.ID, part, ref)
			},
		})
	case store.KindEmail:
		from := j.Payload.From
		if from == "" {
			from = d.cfg.From
		}
		err = d.cfg.Mail.SendMail(sctx, Email{
			From: from, To: j.Payload.To, ReplyTo: j.Payload.ReplyTo, Subject: j.Payload.Subject, Body: j.Payload.Body,
			Attachments: j.Payload.Attachments, MessageID: j.MessageID,
		})
	}
	if err == nil {
		if derr := d.db.Done(j.ID); derr != nil {
			// Delivered but not recorded: the lease brings it back and
			// it is sent again (at-least-once), with the same Message-ID
			// or the recorded SMS parts skipped.
			d.log.Error("delivered but could not record it", "job", j.ID, "err", derr)
		}
		if d.cfg.Observer != nil {
			d.cfg.Observer.JobDelivered(kind, d.db.Now().Sub(j.Created))
		}
		d.log.Info("delivered", "job", j.ID, "kind", kind, "attempt", j.Attempt)
		return outcome{ok: true}
	}
	if ctx.Err() != nil {
		// Shutting down: leave the lease; Open makes it due next start.
		return outcome{}
	}
	if errors.Is(err, ErrNotReady) {
		// Nothing was sent: give the job back as it was.
		if rerr := d.db.Release(j.ID, j.Attempt); rerr != nil {
			d.log.Error("could not give back a job the channel was not ready for", "job", j.ID, "err", rerr)
		}
		d.log.Info("channel not ready; job put back without counting an attempt", "job", j.ID, "kind", kind, "err", mask.Text(err.Error()))
		return outcome{notReady: true}
	}
	permanent := IsPermanent(err) || (ch.Classify != nil && ch.Classify(err))
	st, ferr := d.db.Fail(j.ID, j.Attempt, err, permanent)
	if ferr != nil {
		d.log.Error("could not record failure", "job", j.ID, "err", ferr)
	}
	if d.cfg.Observer != nil {
		d.cfg.Observer.JobFailed(kind, st == store.StateDead)
	}
	d.log.Warn("send failed", "job", j.ID, "kind", kind, "attempt", j.Attempt, "permanent", permanent, "state", st, "err", mask.Text(err.Error()))
	return outcome{retryable: !permanent}
}
