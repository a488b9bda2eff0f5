package dispatch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ventanilla-kiosk/ventanilla/devices/mail"
	"github.com/ventanilla-kiosk/ventanilla/store"
)

type countObserver struct {
	mu        sync.Mutex
	delivered map[store.Kind]int
	failed    map[store.Kind]int
	dead      map[store.Kind]int
	downs     int
}

func newObserver() *countObserver {
	return &countObserver{delivered: map[store.Kind]int{}, failed: map[store.Kind]int{}, dead: map[store.Kind]int{}}
}

func (o *countObserver) JobDelivered(k store.Kind, latency time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if latency < 0 {
		panic("negative latency")
	}
	o.delivered[k]++
}

func (o *countObserver) JobFailed(k store.Kind, permanent bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.failed[k]++
	if permanent {
		o.dead[k]++
	}
}

func (o *countObserver) ChannelState(_ store.Kind, up bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !up {
		o.downs++
	}
}

func (o *countObserver) get(m map[store.Kind]int, k store.Kind) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return m[k]
}

func openStore(t testing.TB, mod func(*store.Options)) *store.DB {
	t.Helper()
	o := store.Options{Lease: 3 * time.Second, BackoffBase: 10 * time.Millisecond, BackoffMax: 100 * time.Millisecond, MaxAttempts: 100}
	if mod != nil {
		mod(&o)
	}
	db, err := store.Open(t.TempDir(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// mailAdapter is what the integrator writes: dispatch.Email → mail.Message.
func mailAdapter(s *mail.Sender) MailSender {
	return MailFunc(func(ctx context.Context, e Email) error {
		m := mail.Message{From: e.From, To: e.To, Subject: e.Subject, Body: e.Body, MessageID: e.MessageID}
		for _, a := range e.Attachments {
			m.Attachments = append(m.Attachments, mail.Attachment{Name: a.Name, ContentType: a.ContentType, Data: a.Data})
		}
		return s.Send(ctx, m)
	})
}

func catcherSender(t *testing.T, c *mail.Catcher, timeout time.Duration) *mail.Sender {
	t.Helper()
	host, port, _ := strings.Cut(c.Addr(), ":")
	p, _ := strconv.Atoi(port)
	s, err := mail.NewSender(mail.Config{Host: host, Port: p, TLS: mail.TLSNone, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func run(t *testing.T, cfg Config) (stop func()) {
	t.Helper()
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = d.Run(ctx); close(done) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func count(t *testing.T, db *store.DB, k store.Kind, st store.State) int {
	s, err := db.Stats()
	if err != nil {
		t.Fatal(err)
	}
	return s.Counts[k][st]
}

func messageIDs(t *testing.T, dir string) map[string]int {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	ids := map[string]int{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := netmail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		ids[strings.Trim(m.Header.Get("Message-Id"), "<>")]++
	}
	return ids
}

// The relay refuses, then stalls (time-outs), then accepts: every job is
// delivered once it recovers, each exactly once here (no send reached DATA
// while faulty), with its own stable Message-ID.
func TestMailRefuseStallRecover(t *testing.T) {
	db := openStore(t, nil)
	c, err := mail.StartCatcher("127.0.0.1:0", filepath.Join(t.TempDir(), "mail"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SetFault(mail.FaultRefuse); err != nil {
		t.Fatal(err)
	}
	obs := newObserver()
	run(t, Config{Store: db, Mail: mailAdapter(catcherSender(t, c, 150*time.Millisecond)),
		MailChannel: Channel{Concurrency: 3, Classify: mail.IsPermanent}, From: "kiosk@ayto.example.es",
		SendTimeout: time.Second, ChannelBackoff: 10 * time.Millisecond, ChannelBackoffMax: 50 * time.Millisecond,
		Observer: obs})
	const n = 20
	want := map[string]bool{}
	for i := 0; i < n; i++ {
		j, err := db.Enqueue(store.NewJob{Kind: store.KindEmail, Payload: store.Payload{
			To: fmt.Sprintf("v%d@example.es", i), Subject: "Cita", Body: "Hola",
			Attachments: []store.Attachment{{Name: "dni.jpg", ContentType: "image/jpeg", Data: []byte{0xFF, 0xD8, 0xFF, 1, 2, 3}}}}})
		if err != nil {
			t.Fatal(err)
		}
		want[j.MessageID] = true
	}
	waitFor(t, "a refused attempt", 5*time.Second, func() bool { return obs.get(obs.failed, store.KindEmail) >= 1 })
	if err := c.SetFault(mail.FaultStall); err != nil {
		t.Fatal(err)
	}
	f0 := obs.get(obs.failed, store.KindEmail)
	waitFor(t, "a timed-out attempt", 5*time.Second, func() bool { return obs.get(obs.failed, store.KindEmail) > f0 })
	if c.Count() != 0 {
		t.Fatalf("catcher stored %d messages while faulty", c.Count())
	}
	if err := c.SetFault(mail.FaultNone); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "all delivered", 15*time.Second, func() bool { return count(t, db, store.KindEmail, store.StateDone) == n })
	got := messageIDs(t, c.Dir())
	for id := range want {
		if got[id] != 1 {
			t.Errorf("message %s delivered %d times", id, got[id])
		}
	}
	if len(got) != n {
		t.Errorf("catcher has %d distinct messages, want %d", len(got), n)
	}
	obs.mu.Lock()
	downs := obs.downs
	obs.mu.Unlock()
	if downs == 0 {
		t.Error("channel never reported down")
	}
	waitFor(t, "observer to see every delivery", time.Second, func() bool { return obs.get(obs.delivered, store.KindEmail) == n })
	if s, _ := db.Stats(); s.Payloads != 0 {
		t.Errorf("%d payloads left after delivery", s.Payloads)
	}
}

func TestMail5xxDeadLetters(t *testing.T) {
	db := openStore(t, nil)
	c, err := mail.StartCatcher("127.0.0.1:0", filepath.Join(t.TempDir(), "mail"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetFault(mail.FaultPerm)
	obs := newObserver()
	run(t, Config{Store: db, Mail: mailAdapter(catcherSender(t, c, time.Second)),
		MailChannel: Channel{Classify: mail.IsPermanent}, From: "kiosk@ayto.example.es",
		SendTimeout: time.Second, Observer: obs})
	j, err := db.Enqueue(store.NewJob{Kind: store.KindEmail, Payload: store.Payload{To: "nobody@example.es", Body: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "dead letter", 5*time.Second, func() bool { return count(t, db, store.KindEmail, store.StateDead) == 1 })
	got, _ := db.Get(j.ID)
	if got.Attempts != 1 || !strings.Contains(got.LastError, "550") || strings.Contains(got.LastError, "nobody@") {
		t.Fatalf("dead job: attempts %d, error %q", got.Attempts, got.LastError)
	}
	waitFor(t, "observer told of the dead letter", time.Second, func() bool { return obs.get(obs.dead, store.KindEmail) == 1 })
	// The technician fixes the relay and retries.
	_ = c.SetFault(mail.FaultNone)
	if _, err := db.Retry(j.ID, "test"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "retried delivery", 5*time.Second, func() bool { return c.Count() == 1 })
}

type fakeSMS struct {
	mu      sync.Mutex
	fail    error
	sent    []string
	calls   int
	partsIn []map[int]int
	parts   int
}

func (f *fakeSMS) SendSMS(ctx context.Context, to, text string, o SMSOptions) (SMSResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.partsIn = append(f.partsIn, o.Accepted)
	if f.parts > 1 {
		// Part 1 goes out, then the network drops.
		if _, ok := o.Accepted[1]; !ok {
			if err := o.OnPartAccepted(1, 40+f.calls); err != nil {
				return SMSResult{}, err
			}
			return SMSResult{}, errors.New("+CMS ERROR: 331 no network service")
		}
		if err := o.OnPartAccepted(2, 50+f.calls); err != nil {
			return SMSResult{}, err
		}
		f.sent = append(f.sent, text)
		return SMSResult{Parts: 2}, nil
	}
	if f.fail != nil {
		return SMSResult{}, f.fail
	}
	f.sent = append(f.sent, text)
	return SMSResult{Parts: 1, Refs: []int{1}}, nil
}

func (f *fakeSMS) sentCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sent)
}

// A broken SMTP relay must not hold up SMS.
func TestChannelsIndependent(t *testing.T) {
	db := openStore(t, nil)
	c, err := mail.StartCatcher("127.0.0.1:0", filepath.Join(t.TempDir(), "mail"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetFault(mail.FaultStall)
	sms := &fakeSMS{}
	run(t, Config{Store: db, SMS: sms, Mail: mailAdapter(catcherSender(t, c, 2*time.Second)),
		MailChannel: Channel{Concurrency: 1}, SendTimeout: 2500 * time.Millisecond})
	if _, err := db.Enqueue(store.NewJob{Kind: store.KindEmail, Payload: store.Payload{To: "a@example.es", Body: "x"}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // the mail send is now stuck
	start := time.Now()
	for i := 0; i < 5; i++ {
		if _, err := db.Enqueue(store.NewJob{Kind: store.KindSMS, Payload: store.Payload{To: "+34600000001", Text: fmt.Sprint(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "sms while smtp stalls", time.Second, func() bool { return sms.sentCount() == 5 })
	if d := time.Since(start); d > time.Second {
		t.Fatalf("sms took %v", d)
	}
}

// A part accepted before a failure is recorded and not sent again.
func TestSMSPartsNotResent(t *testing.T) {
	db := openStore(t, nil)
	sms := &fakeSMS{parts: 2}
	run(t, Config{Store: db, SMS: sms, ChannelBackoff: 10 * time.Millisecond})
	j, err := db.Enqueue(store.NewJob{Kind: store.KindSMS, Payload: store.Payload{To: "+34600000001", Text: "long"}})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "sms done", 5*time.Second, func() bool { return count(t, db, store.KindSMS, store.StateDone) == 1 })
	sms.mu.Lock()
	defer sms.mu.Unlock()
	if sms.calls != 2 || sms.partsIn[1][1] != 41 {
		t.Fatalf("calls %d, accepted on second call %v (want part 1 → 41)", sms.calls, sms.partsIn)
	}
	got, _ := db.Get(j.ID)
	if got.Parts[1] != 41 || got.Parts[2] != 52 {
		t.Fatalf("recorded parts %v", got.Parts)
	}
}

func TestPermanentWrapper(t *testing.T) {
	db := openStore(t, nil)
	sms := &fakeSMS{fail: Permanent(errors.New("+CMS ERROR: 21 short message transfer rejected"))}
	run(t, Config{Store: db, SMS: sms})
	if _, err := db.Enqueue(store.NewJob{Kind: store.KindSMS, Payload: store.Payload{To: "+34600000001", Text: "x"}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "dead", 5*time.Second, func() bool { return count(t, db, store.KindSMS, store.StateDead) == 1 })
	if IsPermanent(errors.New("x")) || !IsPermanent(fmt.Errorf("w: %w", Permanent(errors.New("x")))) {
		t.Fatal("IsPermanent misclassifies")
	}
}

func TestSendTimeoutMustBeBelowLease(t *testing.T) {
	db := openStore(t, nil)
	if _, err := New(Config{Store: db, SendTimeout: time.Hour}); err == nil {
		t.Fatal("accepted a send timeout longer than the lease")
	}
}

// BenchmarkDispatchOverhead measures the dispatcher's cost per job (claim,
// done, purge of the payload, two fsynced commits) with a sender that does
// nothing.
func BenchmarkDispatchOverhead(b *testing.B) {
	db := openStore(b, func(o *store.Options) { o.Lease = time.Minute })
	var sent sync.WaitGroup
	sms := SMSFunc(func(context.Context, string, string, SMSOptions) (SMSResult, error) {
		sent.Done()
		return SMSResult{Parts: 1}, nil
	})
	for i := 0; i < b.N; i++ {
		if _, err := db.Enqueue(store.NewJob{Kind: store.KindSMS, Payload: store.Payload{To: "+34600000001", Text: "x"}}); err != nil {
			b.Fatal(err)
		}
	}
	sent.Add(b.N)
	d, err := New(Config{Store: db, SMS: sms, SMSChannel: Channel{Concurrency: 4}, SendTimeout: time.Second, PurgeEvery: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.ResetTimer()
	done := make(chan struct{})
	go func() { _ = d.Run(ctx); close(done) }()
	sent.Wait()
	for {
		if s, _ := db.Stats(); s.Counts[store.KindSMS][store.StateDone] == b.N {
			break
		}
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	cancel()
	<-done
}

// While a channel is down the dispatcher probes it with one job per
// back-off period instead of hammering it with every due job.
func TestDownChannelIsProbedNotHammered(t *testing.T) {
	db := openStore(t, nil) // store back-off 10–100 ms per job
	sms := &fakeSMS{fail: errors.New("+CMS ERROR: 331 no network service")}
	obs := newObserver()
	run(t, Config{Store: db, SMS: sms, SMSChannel: Channel{Concurrency: 3},
		ChannelBackoff: 100 * time.Millisecond, ChannelBackoffMax: 100 * time.Millisecond, Observer: obs})
	for i := 0; i < 10; i++ {
		if _, err := db.Enqueue(store.NewJob{Kind: store.KindSMS, Payload: store.Payload{To: "+34600000001", Text: "x"}}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(550 * time.Millisecond)
	sms.mu.Lock()
	calls := sms.calls
	sms.fail = nil
	sms.mu.Unlock()
	// First batch (≤ 3) plus about one probe per 100 ms.
	if calls < 3 || calls > 12 {
		t.Fatalf("%d send attempts in 550 ms against a down channel", calls)
	}
	waitFor(t, "recovery", 5*time.Second, func() bool { return count(t, db, store.KindSMS, store.StateDone) == 10 })
}
