package modem_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ventanilla-kiosk/ventanilla/devices/modem"
	"github.com/ventanilla-kiosk/ventanilla/devices/modem/emulator"
)

// syncBuffer is a bytes.Buffer safe for the emulator's writer goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startEmu(t testing.TB, opts emulator.Options) *emulator.Emulator {
	t.Helper()
	emu, err := emulator.Start(opts)
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	return emu
}

func fastConfig(port string) modem.Config {
	return modem.Config{
		Port:           port,
		CommandTimeout: 2 * time.Second,
		SendTimeout:    3 * time.Second,
		Backoff:        time.Millisecond,
	}
}

func openModem(t testing.TB, cfg modem.Config) *modem.Modem {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := modem.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

const spanish = "Hola Ana: su solicitud de certificado FNMT está registrada con el código 123456789. " +
	"Acuda a la oficina con su DNI o NIE en vigor. Si no ha pedido este trámite, ignore este mensaje. ¡Gracias!"

func TestSendOverPTY(t *testing.T) {
	log := &syncBuffer{}
	emu := startEmu(t, emulator.Options{PIN: "1234", Log: log})
	cfg := fastConfig(emu.Path())
	cfg.PIN = "1234"
	m := openModem(t, cfg)
	st := m.LastStatus()
	if !st.Ready() || st.Operator != "Movistar" || st.SignalDBm != -73 || st.SMSC != "+34609090909" {
		t.Fatalf("status after start-up: %+v", st)
	}
	ctx := context.Background()
	res, err := m.SendSMS(ctx, "+34600000000", spanish, modem.SendOptions{ConcatRef: 7})
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	wantParts, _ := modem.Parts(spanish)
	if res.Parts != wantParts || len(res.Refs) != wantParts {
		t.Fatalf("result %+v, want %d parts", res, wantParts)
	}
	msgs, err := emu.WaitMessages(1, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if msgs[0].Text != spanish || msgs[0].To != "+34600000000" || msgs[0].Parts != wantParts {
		t.Fatalf("emulator got %+v", msgs[0])
	}
	var logged emulator.Message
	if err := json.Unmarshal([]byte(strings.TrimSpace(log.String())), &logged); err != nil || logged != msgs[0] {
		t.Fatalf("log line %q (%v)", log.String(), err)
	}
}

func countCmd(emu *emulator.Emulator, prefix string) int {
	n := 0
	for _, c := range emu.Commands() {
		if strings.HasPrefix(strings.ToUpper(c), prefix) {
			n++
		}
	}
	return n
}

// TestFaultSwitches drives the real transport over a pty against every
// fault the emulator has.
func TestFaultSwitches(t *testing.T) {
	long := strings.Repeat("Su cita está confirmada. ", 8) // UCS-2, 3 parts
	tests := []struct {
		name    string
		faults  emulator.Faults // set after start-up
		cfg     func(*modem.Config)
		text    string
		check   func(t *testing.T, err error)
		wantMsg bool
		cmgs    int // AT+CMGS commands expected, -1 to skip the check
	}{
		{name: "noise", faults: emulator.Faults{Noise: true}, text: long, wantMsg: true, cmgs: 3},
		{name: "crcrlf", faults: emulator.Faults{CRCRLF: true}, text: long, wantMsg: true, cmgs: 3},
		{name: "noise and crcrlf", faults: emulator.Faults{Noise: true, CRCRLF: true}, text: long, wantMsg: true, cmgs: 3},
		{name: "slow within time-out", faults: emulator.Faults{Slow: 150 * time.Millisecond},
			cfg: func(c *modem.Config) { c.SendTimeout = time.Second }, text: "hola", wantMsg: true, cmgs: 1},
		{name: "slower than time-out", faults: emulator.Faults{Slow: 800 * time.Millisecond},
			cfg: func(c *modem.Config) { c.SendTimeout = 300 * time.Millisecond; c.MaxAttempts = 1 }, text: "hola", cmgs: 1,
			check: func(t *testing.T, err error) {
				if !modem.IsRetryable(err) || !errors.Is(err, modem.ErrTimeout) {
					t.Fatalf("err = %v, want a retryable time-out", err)
				}
			}},
		{name: "congestion then success", faults: emulator.Faults{Congestion: 2}, text: "hola", wantMsg: true, cmgs: 3},
		{name: "congestion beyond attempts", faults: emulator.Faults{Congestion: 5}, text: "hola", cmgs: 3,
			check: func(t *testing.T, err error) {
				var me *modem.Error
				if !modem.IsRetryable(err) || !errors.As(err, &me) || me.Code != 42 {
					t.Fatalf("err = %v, want retryable CMS 42", err)
				}
			}},
		{name: "refuse", faults: emulator.Faults{Refuse: true}, text: "hola", cmgs: 1,
			check: func(t *testing.T, err error) {
				if !modem.IsPermanent(err) || modem.IsRetryable(err) {
					t.Fatalf("err = %v, want permanent", err)
				}
			}},
		{name: "silent", faults: emulator.Faults{Silent: true}, cfg: func(c *modem.Config) {
			c.SendTimeout = 300 * time.Millisecond
			c.MaxAttempts = 1
		}, text: "hola", cmgs: -1,
			check: func(t *testing.T, err error) {
				if !errors.Is(err, modem.ErrTimeout) {
					t.Fatalf("err = %v, want time-out", err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu := startEmu(t, emulator.Options{})
			cfg := fastConfig(emu.Path())
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			m := openModem(t, cfg)
			emu.SetFaults(tt.faults)
			start := time.Now()
			res, err := m.SendSMS(context.Background(), "+34611111111", tt.text, modem.SendOptions{ConcatRef: 1})
			if el := time.Since(start); el > 5*time.Second {
				t.Errorf("send took %s", el)
			}
			if tt.check != nil {
				tt.check(t, err)
			} else if err != nil {
				t.Fatalf("send: %v", err)
			}
			if tt.wantMsg {
				msgs, err := emu.WaitMessages(1, 2*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				if msgs[0].Text != tt.text || msgs[0].Parts != res.Parts {
					t.Fatalf("received %+v", msgs[0])
				}
				for i, r := range res.Refs {
					if r < 0 {
						t.Fatalf("part %d has no ref: %v", i, res.Refs)
					}
				}
			} else if n := len(emu.Messages()); n != 0 {
				t.Fatalf("%d messages delivered, want none", n)
			}
			if tt.cmgs >= 0 {
				if n := countCmd(emu, "AT+CMGS="); n != tt.cmgs {
					t.Errorf("%d AT+CMGS sent, want %d", n, tt.cmgs)
				}
			}
			if tt.wantMsg && tt.faults.Noise {
				// URCs went to the channel, +CMT with its PDU body.
				seenBody := false
				for len(m.URCs()) > 0 {
					if u := <-m.URCs(); strings.HasPrefix(u.Line, "+CMT:") && u.Body != "" {
						seenBody = true
					}
				}
				if !seenBody {
					t.Error("no +CMT URC with body delivered")
				}
			}
		})
	}
}

func TestSilentModemOpenFailsWithinTimeout(t *testing.T) {
	emu := startEmu(t, emulator.Options{Faults: emulator.Faults{Silent: true}})
	cfg := fastConfig(emu.Path())
	cfg.CommandTimeout = 300 * time.Millisecond
	start := time.Now()
	m, err := modem.Open(context.Background(), cfg)
	el := time.Since(start)
	if err == nil {
		_ = m.Close()
		t.Fatal("opened a silent modem")
	}
	if !errors.Is(err, modem.ErrTimeout) || el > cfg.CommandTimeout+time.Second {
		t.Fatalf("err %v after %s, want a time-out within %s", err, el, cfg.CommandTimeout)
	}
}

func TestModemGoesSilentAtRuntime(t *testing.T) {
	emu := startEmu(t, emulator.Options{})
	cfg := fastConfig(emu.Path())
	cfg.CommandTimeout = time.Second
	m := openModem(t, cfg)
	emu.SetFaults(emulator.Faults{Silent: true})
	start := time.Now()
	_, err := m.Status(context.Background())
	if el := time.Since(start); !errors.Is(err, modem.ErrTimeout) || el > cfg.CommandTimeout+time.Second {
		t.Fatalf("status on a silent modem: %v after %s", err, el)
	}
	// It comes back: the engine recovers without reopening.
	emu.SetFaults(emulator.Faults{})
	if err := m.Ping(context.Background()); err != nil {
		t.Fatalf("ping after recovery: %v", err)
	}
}

func TestUnplugMidSend(t *testing.T) {
	for _, who := range []string{"emulator hangs up", "client closes"} {
		t.Run(who, func(t *testing.T) {
			emu := startEmu(t, emulator.Options{})
			cfg := fastConfig(emu.Path())
			cfg.SendTimeout = 10 * time.Second
			m := openModem(t, cfg)
			emu.SetFaults(emulator.Faults{Slow: 5 * time.Second})
			errc := make(chan error, 1)
			go func() {
				_, err := m.SendSMS(context.Background(), "+34611111111", "hola", modem.SendOptions{})
				errc <- err
			}()
			time.Sleep(200 * time.Millisecond)
			if who == "emulator hangs up" {
				_ = emu.Close()
			} else {
				_ = m.Close()
			}
			select {
			case err := <-errc:
				if err == nil || !modem.NeedsTechnician(err) || !errors.Is(err, modem.ErrClosed) {
					t.Fatalf("err = %v, want a closed-port technician error", err)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("SendSMS hung after the port went away")
			}
			select {
			case <-m.Done():
			case <-time.After(time.Second):
				t.Fatal("Done not closed")
			}
			if err := m.Ping(context.Background()); !errors.Is(err, modem.ErrClosed) {
				t.Fatalf("ping after unplug: %v", err)
			}
		})
	}
}

var pinSeq atomic.Int32

func TestSIMProblems(t *testing.T) {
	tests := []struct {
		name      string
		opts      emulator.Options
		pin       string
		wantPINs  int
		wantInErr string
	}{
		{"no SIM", emulator.Options{NoSIM: true}, "", 0, "no SIM"},
		{"PIN needed, none configured", emulator.Options{PIN: "1234"}, "", 0, "none is configured"},
		{"wrong PIN entered once only", emulator.Options{PIN: "1234"}, "wrong", 1, "will not be retried"},
	}
	for _, tt := range tests {
		if tt.pin == "wrong" {
			// Open remembers rejected port+PIN pairs for the whole process
			// and pty names are reused: a fresh wrong PIN for every run.
			tt.pin = fmt.Sprintf("%04d", 5000+pinSeq.Add(1))
		}
		t.Run(tt.name, func(t *testing.T) {
			emu := startEmu(t, tt.opts)
			cfg := fastConfig(emu.Path())
			cfg.PIN = tt.pin
			m, err := modem.Open(context.Background(), cfg)
			if err == nil {
				_ = m.Close()
				t.Fatal("opened")
			}
			if !modem.NeedsTechnician(err) || !strings.Contains(err.Error(), tt.wantInErr) {
				t.Fatalf("err = %v", err)
			}
			if strings.Contains(err.Error(), tt.pin) && tt.pin != "" {
				t.Errorf("error message shows the PIN: %v", err)
			}
			if n := countCmd(emu, "AT+CPIN="); n != tt.wantPINs {
				t.Errorf("%d PIN attempts, want %d", n, tt.wantPINs)
			}
			if tt.pin == "" {
				return
			}
			if !errors.Is(err, modem.ErrPINRejected) {
				t.Errorf("err does not wrap ErrPINRejected: %v", err)
			}
			// A caller reopening in a loop must not spend the SIM's tries.
			for i := 0; i < 3; i++ {
				if m, err := modem.Open(context.Background(), cfg); err == nil {
					_ = m.Close()
					t.Fatal("opened with a rejected PIN")
				}
			}
			if n := countCmd(emu, "AT+CPIN="); n != 1 {
				t.Errorf("reopening entered the PIN %d times in all, want 1", n)
			}
		})
	}
}

func TestRegistrationLostAndFound(t *testing.T) {
	emu := startEmu(t, emulator.Options{Unregistered: true})
	m := openModem(t, fastConfig(emu.Path()))
	if st := m.LastStatus(); st.Registered || st.Registration != modem.RegSearching || st.Ready() {
		t.Fatalf("status %+v", st)
	}
	cfg := fastConfig(emu.Path())
	_ = cfg
	_, err := m.SendSMS(context.Background(), "+34611111111", "hola", modem.SendOptions{})
	var me *modem.Error
	if !modem.IsRetryable(err) || !errors.As(err, &me) || me.Code != 331 {
		t.Fatalf("send while unregistered: %v", err)
	}
	emu.SetRegistered(true)
	st, err := m.Status(context.Background())
	if err != nil || !st.Ready() || st.Registration != modem.RegHome {
		t.Fatalf("status after registering: %+v %v", st, err)
	}
	if _, err := m.SendSMS(context.Background(), "+34611111111", "hola", modem.SendOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestAcceptedPartsAreNeverResent: a job fails after part 1 was accepted;
// its retry passes Accepted and the same ConcatRef, so the phone gets each
// part exactly once and can join them.
func TestAcceptedPartsAreNeverResent(t *testing.T) {
	emu := startEmu(t, emulator.Options{})
	m := openModem(t, fastConfig(emu.Path()))
	text := strings.Repeat("Cita confirmada, código 1234. ", 8)
	n, _ := modem.Parts(text)
	if n < 3 {
		t.Fatalf("test text has %d parts", n)
	}
	persisted := map[int]int{}
	opts := modem.SendOptions{ConcatRef: 200, Accepted: persisted, OnPartAccepted: func(part, ref int) error {
		persisted[part] = ref
		if part == 0 {
			emu.SetFaults(emulator.Faults{Refuse: true}) // the network turns hostile
		}
		return nil
	}}
	res, err := m.SendSMS(context.Background(), "+34611111111", text, opts)
	if !modem.IsPermanent(err) || len(persisted) != 1 || res.Refs[0] < 0 || res.Refs[1] != -1 {
		t.Fatalf("first attempt: %v, persisted %v, refs %v", err, persisted, res.Refs)
	}
	emu.SetFaults(emulator.Faults{})
	res, err = m.SendSMS(context.Background(), "+34611111111", text, opts)
	if err != nil {
		t.Fatal(err)
	}
	if emu.Submits() != n {
		t.Fatalf("emulator accepted %d parts for a %d-part message", emu.Submits(), n)
	}
	msgs, err := emu.WaitMessages(1, time.Second)
	if err != nil || msgs[0].Text != text {
		t.Fatalf("joined message %+v %v", msgs, err)
	}
	if len(persisted) != n || res.Refs[0] != persisted[0] {
		t.Fatalf("persisted %v, refs %v", persisted, res.Refs)
	}
}

func TestOnPartAcceptedErrorStops(t *testing.T) {
	emu := startEmu(t, emulator.Options{})
	m := openModem(t, fastConfig(emu.Path()))
	boom := errors.New("disk full")
	_, err := m.SendSMS(context.Background(), "+34611111111", strings.Repeat("x", 400),
		modem.SendOptions{OnPartAccepted: func(int, int) error { return boom }})
	if !errors.Is(err, boom) || emu.Submits() != 1 {
		t.Fatalf("err %v after %d parts", err, emu.Submits())
	}
}

func TestBadInputSendsNothing(t *testing.T) {
	emu := startEmu(t, emulator.Options{})
	m := openModem(t, fastConfig(emu.Path()))
	for _, c := range []struct{ to, text string }{{"+34611111111", ""}, {"+34611111111", "  "}, {"+34 611", "hola"}, {"", "hola"}} {
		_, err := m.SendSMS(context.Background(), c.to, c.text, modem.SendOptions{})
		if !errors.Is(err, modem.ErrBadInput) || !modem.IsPermanent(err) {
			t.Errorf("%q %q: %v", c.to, c.text, err)
		}
	}
	if n := countCmd(emu, "AT+CMGS"); n != 0 {
		t.Fatalf("%d AT+CMGS for bad input", n)
	}
}

func TestValidE164(t *testing.T) {
	for n, want := range map[string]bool{
		"+34600000000": true, "+12025550123": true, "+4915112345678": true, "+12345678": true,
		"600000000": false, "+34 600000000": false, "+0034600000000": false, "+1234567": false,
		"+1234567890123456": false, "": false, "+": false, "+34-600": false,
	} {
		if got := modem.ValidE164(n); got != want {
			t.Errorf("ValidE164(%q) = %v", n, got)
		}
	}
}

func TestCloseIsIdempotent(t *testing.T) {
	emu := startEmu(t, emulator.Options{})
	m := openModem(t, fastConfig(emu.Path()))
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Ping(context.Background()); !errors.Is(err, modem.ErrClosed) {
		t.Fatalf("ping after close: %v", err)
	}
}

func TestOpenMissingPort(t *testing.T) {
	_, err := modem.Open(context.Background(), modem.Config{Port: t.TempDir() + "/ttyUSB9"})
	if !modem.NeedsTechnician(err) {
		t.Fatalf("err = %v", err)
	}
}

// BenchmarkATRoundTrip: "AT" → "OK" over the pty, the floor under every
// command's latency.
func BenchmarkATRoundTrip(b *testing.B) {
	emu := startEmu(b, emulator.Options{})
	m := openModem(b, fastConfig(emu.Path()))
	ctx := context.Background()
	for b.Loop() {
		if err := m.Ping(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSendSMSOverPTY: a 3-part Spanish message through the emulator.
func BenchmarkSendSMSOverPTY(b *testing.B) {
	emu := startEmu(b, emulator.Options{})
	m := openModem(b, fastConfig(emu.Path()))
	ctx := context.Background()
	text := "Hola María: su solicitud del certificado FNMT de persona física está registrada. " +
		"Código de solicitud: 123456789. Acuda con su DNI o NIE en vigor a la oficina de acreditación en horario de atención."
	if n, _ := modem.Parts(text); n != 3 {
		b.Fatalf("%d parts", n)
	}
	for b.Loop() {
		if _, err := m.SendSMS(ctx, "+34611111111", text, modem.SendOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestOpenNoisyFromBoot: echo still on, URCs and "\r\r\n" framing during
// the whole start-up sequence.
func TestOpenNoisyFromBoot(t *testing.T) {
	emu := startEmu(t, emulator.Options{PIN: "0000", Faults: emulator.Faults{Noise: true, CRCRLF: true}})
	cfg := fastConfig(emu.Path())
	cfg.PIN = "0000"
	m := openModem(t, cfg)
	if st := m.LastStatus(); !st.Ready() || st.SMSC != "+34609090909" || st.Model != "SIM800 emulator" {
		t.Fatalf("status %+v", st)
	}
	if _, err := m.SendSMS(context.Background(), "+34611111111", "¡Hola! ¿Qué tal?", modem.SendOptions{}); err != nil {
		t.Fatal(err)
	}
	if msgs, err := emu.WaitMessages(1, time.Second); err != nil || msgs[0].Text != "¡Hola! ¿Qué tal?" {
		t.Fatalf("%+v %v", msgs, err)
	}
}

// TestRetryBackoff: retryable errors are retried with doubling waits
// (capped at 30 s) on the configured clock; permanent ones are not.
func TestRetryBackoff(t *testing.T) {
	tests := []struct {
		name       string
		faults     emulator.Faults
		attempts   int
		backoff    time.Duration
		wantWaits  []time.Duration
		wantErr    func(error) bool
		wantCMGSes int
	}{
		{"two congestions", emulator.Faults{Congestion: 2}, 5, time.Second,
			[]time.Duration{time.Second, 2 * time.Second}, nil, 3},
		{"waits are capped", emulator.Faults{Congestion: 10}, 5, 20 * time.Second,
			[]time.Duration{20 * time.Second, 30 * time.Second, 30 * time.Second, 30 * time.Second}, modem.IsRetryable, 5},
		{"permanent is not retried", emulator.Faults{Refuse: true}, 5, time.Second,
			nil, modem.IsPermanent, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu := startEmu(t, emulator.Options{})
			cfg := fastConfig(emu.Path())
			cfg.MaxAttempts = tt.attempts
			cfg.Backoff = tt.backoff
			var waits []time.Duration
			cfg.Sleep = func(ctx context.Context, d time.Duration) error {
				waits = append(waits, d) // fake clock: no real waiting
				return ctx.Err()
			}
			m := openModem(t, cfg)
			emu.SetFaults(tt.faults)
			_, err := m.SendSMS(context.Background(), "+34611111111", "hola", modem.SendOptions{})
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !tt.wantErr(err) {
				t.Fatalf("err = %v", err)
			}
			if fmt.Sprint(waits) != fmt.Sprint(tt.wantWaits) {
				t.Errorf("waits %v, want %v", waits, tt.wantWaits)
			}
			if n := countCmd(emu, "AT+CMGS="); n != tt.wantCMGSes {
				t.Errorf("%d AT+CMGS, want %d", n, tt.wantCMGSes)
			}
		})
	}
}

// TestIdleNoiseStartsWhenSwitchedOn: the emulator runs no timer while no
// fault is on, so switching Noise on at run time must wake it: URCs then
// reach a client that sends nothing, through its blocking read.
func TestIdleNoiseStartsWhenSwitchedOn(t *testing.T) {
	emu := startEmu(t, emulator.Options{})
	m := openModem(t, fastConfig(emu.Path()))
	for len(m.URCs()) > 0 {
		<-m.URCs()
	}
	select {
	case u := <-m.URCs():
		t.Fatalf("URC %q with no fault on", u.Line)
	case <-time.After(400 * time.Millisecond):
	}
	emu.SetFaults(emulator.Faults{Noise: true})
	select {
	case <-m.URCs():
	case <-time.After(5 * time.Second):
		t.Fatal("no URC after switching the noise on")
	}
	emu.SetFaults(emulator.Faults{})
	time.Sleep(300 * time.Millisecond) // a URC already on its way may land
	for len(m.URCs()) > 0 {
		<-m.URCs()
	}
	select {
	case u := <-m.URCs():
		t.Fatalf("URC %q after switching the noise off", u.Line)
	case <-time.After(400 * time.Millisecond):
	}
}

// leaveState opens the emulator's pty the way a previous owner would have,
// writes raw bytes, waits for want (if any) and closes it again, as a
// process that died there.
func leaveState(t *testing.T, emu *emulator.Emulator, raw, want string) {
	t.Helper()
	f, err := os.OpenFile(emu.Path(), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(raw); err != nil {
		t.Fatal(err)
	}
	if want == "" {
		return
	}
	var got []byte
	buf := make([]byte, 256)
	_ = f.SetReadDeadline(time.Now().Add(5 * time.Second))
	for !strings.Contains(string(got), want) {
		n, err := f.Read(buf)
		if err != nil {
			t.Fatalf("waiting for %q, got %q: %v", want, got, err)
		}
		got = append(got, buf[:n]...)
	}
}

// TestStartUpAfterADeadOwner: start-up finds the modem's fresh answers
// after whatever a previous owner left: an open "> " prompt (its ESC is
// answered with an OK that must not be taken for another command's, even
// when it comes late from a slow modem) or a half-typed command line.
func TestStartUpAfterADeadOwner(t *testing.T) {
	tests := []struct {
		name      string
		raw, want string
		slow      time.Duration
	}{
		{"open prompt", "ATE0\rAT+CPIN=1234\rAT+CMGS=20\r", "> ", 0},
		{"open prompt, slow modem", "ATE0\rAT+CPIN=1234\rAT+CMGS=20\r", "> ", 200 * time.Millisecond},
		{"half-typed command", "AT+CS", "", 0},
		{"half-typed command, slow modem", "AT+CS", "", 200 * time.Millisecond},
		// Owners killed during their own start-up probe, on a slow modem:
		// their ATI answers (lines and OK, like ours) are still to come
		// when ours is written. Taking one for ours shifted every answer
		// by one ("the SIM asks for unknown"); a query's answer must carry
		// its own line.
		{"dead owners' probes in flight, slow modem", "\x1b\rATI\r\x1b\rATI\r", "ATI\r", 200 * time.Millisecond},
		{"dead owners' probe and command in flight, slow modem", "\x1b\rATI\rAT+CMEE=1\r\x1b\rATI\r", "ATI\r", 200 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu := startEmu(t, emulator.Options{PIN: "1234"})
			if strings.HasPrefix(tt.raw, "\x1b") {
				// The modem is slow while it answers what the dead owners
				// left (their echo, awaited, says it read it all).
				emu.SetFaults(emulator.Faults{Slow: tt.slow})
			}
			leaveState(t, emu, tt.raw, tt.want)
			emu.SetFaults(emulator.Faults{Slow: tt.slow})
			cfg := fastConfig(emu.Path())
			cfg.PIN = "1234"
			m := openModem(t, cfg)
			if st := m.LastStatus(); !st.Ready() || st.Operator != "Movistar" || st.SMSC != "+34609090909" {
				t.Fatalf("status after start-up: %+v", st)
			}
			if _, err := m.SendSMS(context.Background(), "+34611111111", "hola", modem.SendOptions{}); err != nil {
				t.Fatal(err)
			}
			if msgs, err := emu.WaitMessages(1, 2*time.Second); err != nil || msgs[0].Text != "hola" {
				t.Fatalf("%+v %v", msgs, err)
			}
		})
	}
}

// TestLateOKIsNotASend: a command times out on a slow modem and its OK
// comes late, while AT+CMGS waits for its "> " prompt. That OK is not the
// send's answer: taken for it, the SMS was reported sent (reference 0)
// though its PDU was never written, and the modem was left at the prompt.
func TestLateOKIsNotASend(t *testing.T) {
	emu := startEmu(t, emulator.Options{})
	cfg := fastConfig(emu.Path())
	cfg.CommandTimeout = 300 * time.Millisecond
	m := openModem(t, cfg)
	emu.SetFaults(emulator.Faults{Slow: 600 * time.Millisecond})
	ctx := context.Background()
	if err := m.Ping(ctx); !errors.Is(err, modem.ErrTimeout) {
		t.Fatalf("ping on a modem slower than the time-out: %v", err)
	}
	res, err := m.SendSMS(ctx, "+34600000002", "hola", modem.SendOptions{})
	if err != nil {
		// Failing is honest; saying "sent" when it was not is not.
		return
	}
	msgs, werr := emu.WaitMessages(1, 3*time.Second)
	if werr != nil || msgs[0].Text != "hola" {
		t.Fatalf("SendSMS said sent (%+v) but the modem got nothing: %v", res, werr)
	}
}
