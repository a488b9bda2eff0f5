package modem_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ventanilla-kiosk/ventanilla/devices/modem"
	"github.com/ventanilla-kiosk/ventanilla/devices/modem/emulator"
)

// socket is where the supervised modem is plugged in: a symlink, as udev
// makes /dev/serial/by-id/…, to the pty of the emulator now plugged in.
// Unplugging hangs the emulator up and removes the link; plugging in
// starts a new emulator behind the same name.
type socket struct {
	t    *testing.T
	path string
	mu   sync.Mutex
	emu  *emulator.Emulator
}

func newSocket(t *testing.T) *socket {
	s := &socket{t: t, path: filepath.Join(t.TempDir(), "ttyModem")}
	t.Cleanup(s.unplug)
	return s
}

func (s *socket) plug(opts emulator.Options) *emulator.Emulator {
	s.t.Helper()
	emu, err := emulator.Start(opts)
	if err != nil {
		s.t.Fatal(err)
	}
	if err := os.Symlink(emu.Path(), s.path); err != nil {
		_ = emu.Close()
		s.t.Fatal(err)
	}
	s.mu.Lock()
	s.emu = emu
	s.mu.Unlock()
	return emu
}

func (s *socket) unplug() {
	s.mu.Lock()
	emu := s.emu
	s.emu = nil
	s.mu.Unlock()
	_ = os.Remove(s.path)
	if emu != nil {
		_ = emu.Close()
	}
}

// clock records the back-offs the supervisor asks for and waits only a
// moment of real time for each, so a test sees the schedule without
// living through it.
type clock struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (c *clock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.waits = append(c.waits, d)
	c.mu.Unlock()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(5 * time.Millisecond):
		return nil
	}
}

func (c *clock) got() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

// health records what OnStatus heard.
type health struct {
	mu   sync.Mutex
	ups  int
	down int
	last bool
}

func (h *health) on(_ modem.Status, up bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.last = up
	if up {
		h.ups++
	} else {
		h.down++
	}
}

func (h *health) get() (ups, downs int, last bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ups, h.down, h.last
}

type supervised struct {
	sup    *modem.Supervisor
	clock  *clock
	health *health
	cancel context.CancelFunc
	done   chan error
}

const (
	minBackoff = 10 * time.Millisecond
	maxBackoff = 80 * time.Millisecond
)

func supervise(t *testing.T, port string, edit func(*modem.SupervisorConfig)) *supervised {
	t.Helper()
	s := &supervised{clock: &clock{}, health: &health{}, done: make(chan error, 1)}
	mc := fastConfig(port)
	mc.CommandTimeout = 300 * time.Millisecond
	cfg := modem.SupervisorConfig{Modem: mc, MinBackoff: minBackoff, MaxBackoff: maxBackoff, Logger: slog.New(slog.DiscardHandler),
		Poll: time.Hour, Sleep: s.clock.sleep, OnStatus: s.health.on}
	if edit != nil {
		edit(&cfg)
	}
	s.sup = modem.NewSupervisor(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go func() { s.done <- s.sup.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after its context ended")
		}
	})
	return s
}

// waitState waits for the supervisor to reach want, on its change
// channel, not on a clock.
func waitState(t *testing.T, sup *modem.Supervisor, want modem.State) {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		ch := sup.Changed()
		st, why := sup.State()
		if st == want {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("state %s (%v), want %s", st, why, want)
		}
	}
}

// checkNotReady: the error says "not ready" and nothing else a dispatcher
// would act on.
func checkNotReady(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, modem.ErrNotReady) {
		t.Fatalf("err = %v, want one wrapping ErrNotReady", err)
	}
	if modem.IsRetryable(err) || modem.IsPermanent(err) || modem.NeedsTechnician(err) {
		t.Fatalf("not-ready error %v also has class %s", err, modem.ClassOf(err))
	}
}

func TestSupervisorNotReadyUntilOpen(t *testing.T) {
	sock := newSocket(t)
	// A slow modem keeps the start-up going long enough to send during it.
	emu := sock.plug(emulator.Options{Faults: emulator.Faults{Slow: 100 * time.Millisecond}})
	s := supervise(t, sock.path, func(c *modem.SupervisorConfig) { c.Modem.CommandTimeout = 2 * time.Second })
	_, err := s.sup.SendSMS(context.Background(), "+34611111111", "hola", modem.SendOptions{})
	checkNotReady(t, err)
	checkNotReady(t, s.sup.NotReady())
	if !strings.Contains(err.Error(), "starting") || s.sup.Ready() {
		t.Fatalf("while starting: err %v, ready %v", err, s.sup.Ready())
	}
	waitState(t, s.sup, modem.StateUp)
	emu.SetFaults(emulator.Faults{})
	if !s.sup.Ready() || s.sup.NotReady() != nil {
		t.Fatal("up but not ready")
	}
	if _, err := s.sup.SendSMS(context.Background(), "+34611111111", "hola", modem.SendOptions{}); err != nil {
		t.Fatal(err)
	}
	if msgs, err := emu.WaitMessages(1, 5*time.Second); err != nil || msgs[0].Text != "hola" || emu.Submits() != 1 {
		t.Fatalf("%+v %v, %d submitted", msgs, err, emu.Submits())
	}
	if ups, _, last := s.health.get(); ups == 0 || !last {
		t.Fatalf("OnStatus heard %d ups, last %v", ups, last)
	}
}

// TestSupervisorSendFailuresAreNotNotReady: once the modem is up, what the
// network or the modem says is a real attempt, never ErrNotReady.
func TestSupervisorSendFailuresAreNotNotReady(t *testing.T) {
	tests := []struct {
		name   string
		faults emulator.Faults
		check  func(error) bool
	}{
		{"refused", emulator.Faults{Refuse: true}, modem.IsPermanent},
		{"congested", emulator.Faults{Congestion: 10}, modem.IsRetryable},
		{"answer lost after the PDU", emulator.Faults{Slow: 2 * time.Second}, func(err error) bool {
			var me *modem.Error
			return errors.As(err, &me) && me.MaybeSent
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sock := newSocket(t)
			emu := sock.plug(emulator.Options{})
			s := supervise(t, sock.path, func(c *modem.SupervisorConfig) {
				c.Modem.MaxAttempts = 1
				c.Modem.SendTimeout = 3 * time.Second // after the prompt, before the answer
			})
			waitState(t, s.sup, modem.StateUp)
			emu.SetFaults(tt.faults)
			_, err := s.sup.SendSMS(context.Background(), "+34611111111", "hola", modem.SendOptions{})
			if err == nil || errors.Is(err, modem.ErrNotReady) || !tt.check(err) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestSupervisorReopensAfterUnplug(t *testing.T) {
	sock := newSocket(t)
	sock.plug(emulator.Options{})
	s := supervise(t, sock.path, nil)
	waitState(t, s.sup, modem.StateUp)

	sock.unplug()
	waitState(t, s.sup, modem.StateReopening)
	_, err := s.sup.SendSMS(context.Background(), "+34611111111", "hola", modem.SendOptions{})
	checkNotReady(t, err)
	if s.sup.Ready() {
		t.Fatal("ready with the modem unplugged")
	}
	if _, downs, last := s.health.get(); downs == 0 || last {
		t.Fatalf("OnStatus heard %d downs, last up=%v", downs, last)
	}
	// A missing port needs a person: every retry waits the longest.
	for len(s.clock.got()) < 3 {
		<-s.sup.Changed()
	}
	for _, w := range s.clock.got()[:3] {
		if w != maxBackoff {
			t.Fatalf("waits %v, want %s each with the port missing", s.clock.got(), maxBackoff)
		}
	}

	emu := sock.plug(emulator.Options{})
	waitState(t, s.sup, modem.StateUp)
	if _, err := s.sup.SendSMS(context.Background(), "+34611111111", "otra vez", modem.SendOptions{}); err != nil {
		t.Fatal(err)
	}
	if msgs, err := emu.WaitMessages(1, 5*time.Second); err != nil || msgs[0].Text != "otra vez" {
		t.Fatalf("%+v %v", msgs, err)
	}
}

// TestSupervisorUnplugMidSend: the port goes before the PDU was handed
// over: nothing can have been sent, so it is "not ready", not a failure.
func TestSupervisorUnplugMidSend(t *testing.T) {
	sock := newSocket(t)
	emu := sock.plug(emulator.Options{})
	s := supervise(t, sock.path, func(c *modem.SupervisorConfig) { c.Modem.SendTimeout = 20 * time.Second })
	waitState(t, s.sup, modem.StateUp)
	emu.SetFaults(emulator.Faults{Slow: 10 * time.Second}) // the prompt will not come before the unplug
	errc := make(chan error, 1)
	go func() {
		_, err := s.sup.SendSMS(context.Background(), "+34611111111", "hola", modem.SendOptions{})
		errc <- err
	}()
	for deadline := time.Now().Add(10 * time.Second); countCmd(emu, "AT+CMGS=") == 0; {
		if time.Now().After(deadline) {
			t.Fatal("AT+CMGS never reached the modem")
		}
		time.Sleep(5 * time.Millisecond)
	}
	sock.unplug()
	select {
	case err := <-errc:
		checkNotReady(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("send hung after the unplug")
	}
	if emu.Submits() != 0 {
		t.Fatal("the emulator accepted a part")
	}
}

// TestSupervisorSilentModem: a modem that does not answer at start-up is
// retried with doubling waits; one that goes silent later is noticed by
// the status poll and reopened; both come back when it answers again.
func TestSupervisorSilentModem(t *testing.T) {
	t.Run("at start-up", func(t *testing.T) {
		sock := newSocket(t)
		emu := sock.plug(emulator.Options{Faults: emulator.Faults{Silent: true}})
		s := supervise(t, sock.path, nil)
		for len(s.clock.got()) < 4 {
			<-s.sup.Changed()
		}
		want := []time.Duration{minBackoff, 2 * minBackoff, 4 * minBackoff, maxBackoff}
		if got := s.clock.got()[:4]; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("waits %v, want %v (doubling, capped)", got, want)
		}
		st, why := s.sup.State()
		if st != modem.StateReopening || !errors.Is(why, modem.ErrTimeout) {
			t.Fatalf("state %s (%v)", st, why)
		}
		_, err := s.sup.SendSMS(context.Background(), "+34611111111", "hola", modem.SendOptions{})
		checkNotReady(t, err)
		emu.SetFaults(emulator.Faults{})
		waitState(t, s.sup, modem.StateUp)
	})
	t.Run("at run time", func(t *testing.T) {
		sock := newSocket(t)
		emu := sock.plug(emulator.Options{})
		s := supervise(t, sock.path, func(c *modem.SupervisorConfig) { c.Poll = 50 * time.Millisecond })
		waitState(t, s.sup, modem.StateUp)
		emu.SetFaults(emulator.Faults{Silent: true})
		waitState(t, s.sup, modem.StateReopening)
		_, err := s.sup.SendSMS(context.Background(), "+34611111111", "hola", modem.SendOptions{})
		checkNotReady(t, err)
		emu.SetFaults(emulator.Faults{})
		waitState(t, s.sup, modem.StateUp)
		if _, err := s.sup.SendSMS(context.Background(), "+34611111111", "hola", modem.SendOptions{}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSupervisorNoSIM(t *testing.T) {
	sock := newSocket(t)
	sock.plug(emulator.Options{NoSIM: true})
	s := supervise(t, sock.path, nil)
	for len(s.clock.got()) < 2 {
		<-s.sup.Changed()
	}
	if w := s.clock.got(); w[0] != maxBackoff || w[1] != maxBackoff {
		t.Fatalf("waits %v: a missing SIM waits the longest", w)
	}
	st, why := s.sup.State()
	if st != modem.StateReopening || !modem.NeedsTechnician(why) || !strings.Contains(why.Error(), "no SIM") {
		t.Fatalf("state %s (%v)", st, why)
	}
	_, err := s.sup.SendSMS(context.Background(), "+34611111111", "hola", modem.SendOptions{})
	checkNotReady(t, err)
	if !strings.Contains(err.Error(), "no SIM") {
		t.Errorf("the not-ready error does not say why: %v", err)
	}
}

// TestSupervisorWrongPINNeverRetried: the SIM rejects the configured PIN
// once; the supervisor stops there, however long it runs, and says so.
func TestSupervisorWrongPINNeverRetried(t *testing.T) {
	sock := newSocket(t)
	emu := sock.plug(emulator.Options{PIN: "1234"})
	pin := fmt.Sprintf("%04d", 6000+pinSeq.Add(1)) // Open remembers rejected PINs per process
	s := supervise(t, sock.path, func(c *modem.SupervisorConfig) { c.Modem.PIN = pin })
	waitState(t, s.sup, modem.StateNeedsTechnician)
	st, why := s.sup.State()
	if !errors.Is(why, modem.ErrPINRejected) || strings.Contains(why.Error(), pin) {
		t.Fatalf("state %s: %v", st, why)
	}
	// Long enough for many back-offs: none may come.
	select {
	case <-s.sup.Changed():
		st, _ := s.sup.State()
		t.Fatalf("state changed to %s after a rejected PIN", st)
	case <-time.After(20 * maxBackoff):
	}
	if n := countCmd(emu, "AT+CPIN="); n != 1 || len(s.clock.got()) != 0 {
		t.Fatalf("PIN entered %d times, %d back-offs; want once, none", n, len(s.clock.got()))
	}
	_, err := s.sup.SendSMS(context.Background(), "+34611111111", "hola", modem.SendOptions{})
	checkNotReady(t, err)
	if !strings.Contains(err.Error(), "needs a technician") {
		t.Errorf("err %v does not say a technician is needed", err)
	}
	// Run stays until its context ends, then reports stopped.
	s.cancel()
	select {
	case err := <-s.done:
		s.done <- err
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
	if st, _ := s.sup.State(); st != modem.StateStopped {
		t.Fatalf("state %s after Run returned", st)
	}
}

func TestSupervisorStops(t *testing.T) {
	for _, how := range []string{"context", "Close"} {
		t.Run(how, func(t *testing.T) {
			sock := newSocket(t)
			sock.plug(emulator.Options{})
			s := supervise(t, sock.path, nil)
			waitState(t, s.sup, modem.StateUp)
			if how == "context" {
				// Run closes the port before it returns.
				s.cancel()
				select {
				case err := <-s.done:
					s.done <- err
				case <-time.After(10 * time.Second):
					t.Fatal("Run did not return")
				}
			} else if err := s.sup.Close(); err != nil { // closes the port before it returns
				t.Fatal(err)
			}
			waitState(t, s.sup, modem.StateStopped)
			_, err := s.sup.SendSMS(context.Background(), "+34611111111", "hola", modem.SendOptions{})
			checkNotReady(t, err)
			// The port is free again: another program can open it.
			m := openModem(t, fastConfig(sock.path))
			if err := m.Ping(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestSupervisorReadyFollowsRegistration: an open modem searching for the
// network is up but not ready; when it registers, the status poll notices
// and Changed tells a waiting dispatcher at once.
func TestSupervisorReadyFollowsRegistration(t *testing.T) {
	sock := newSocket(t)
	emu := sock.plug(emulator.Options{Unregistered: true})
	s := supervise(t, sock.path, func(c *modem.SupervisorConfig) { c.Poll = 50 * time.Millisecond })
	waitState(t, s.sup, modem.StateUp)
	ch := s.sup.Changed()
	if s.sup.Ready() {
		t.Fatal("ready while searching for the network")
	}
	emu.SetRegistered(true)
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal("no change when the modem registered")
	}
	if !s.sup.Ready() {
		t.Fatal("registered but not ready")
	}
	ch = s.sup.Changed()
	emu.SetRegistered(false)
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal("no change when the network went away")
	}
	if s.sup.Ready() {
		t.Fatal("ready without a network")
	}
}
