package fnmt_test

import (
	"context"
	"errors"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"
	"github.com/ventanilla-kiosk/ventanilla/tui"
	"github.com/ventanilla-kiosk/ventanilla/tui/fnmt"
	"github.com/ventanilla-kiosk/ventanilla/tui/i18n"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

// t0 is Friday 20 November 2026, 12:37 in Madrid: 48 business hours end
// on Tuesday 24 at 12:37 (the weekend does not count).
var t0 = time.Date(2026, 11, 20, 11, 37, 0, 0, time.UTC)

type fakeOutbox struct {
	mu  sync.Mutex
	sms []string // "to|text"
}

func (f *fakeOutbox) EnqueueSMS(_ context.Context, to, text string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sms = append(f.sms, to+"|"+text)
	return "id", nil
}

func (f *fakeOutbox) EnqueueEmail(context.Context, kit.Email) (string, error) {
	return "", errors.New("unused")
}

func (f *fakeOutbox) all() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.sms...)
}

type fakeModem struct{ ready bool }

func (m *fakeModem) Ready() bool { return m.ready }

// fixedRand makes the SMS code predictable (crypto/rand.Int over a
// constant stream).
type fixedRand struct{}

func (fixedRand) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 0x11
	}
	return len(p), nil
}

// driver runs the root model synchronously: every command runs in a
// goroutine, its message is fed back at once, and commands waiting on the
// fake clock stay pending until the clock is advanced.
type driver struct {
	t       *testing.T
	m       *tui.Model
	env     *kit.Env
	clk     *kit.FakeClock
	out     *fakeOutbox
	modem   *fakeModem
	pending []chan tea.Msg
	screen  *fnmt.Screen
	carried *kit.Visitor
}

func newDriver(t *testing.T, langs ...i18n.Lang) *driver {
	t.Helper()
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	lipgloss.SetColorProfile(termenv.Ascii)
	d := &driver{t: t, clk: kit.NewFakeClock(t0), out: &fakeOutbox{}, modem: &fakeModem{ready: true}}
	d.env = &kit.Env{
		T: i18n.NewTranslator(i18n.MustDefault(), i18n.ES), Styles: kit.NewStyles(r, false), Renderer: r,
		Clock: d.clk, Outbox: d.out, Modem: d.modem,
		Settings: kit.Settings{Office: "Oficina de prueba", HelpDesk: "mostrador 3", Languages: langs,
			IdleTimeout: 90 * time.Second, IdleWarning: 30 * time.Second, CodeLength: 9},
	}
	d.m = tui.New(tui.Options{Env: d.env, Flows: map[string]tui.FlowFactory{
		kit.FlowFNMT: func(env *kit.Env, carry *kit.Visitor) kit.Screen {
			s := fnmt.NewWith(env, carry, fnmt.Options{Rand: fixedRand{}})
			d.screen = s
			return s
		},
		kit.FlowCertCall: func(env *kit.Env, carry *kit.Visitor) kit.Screen {
			d.carried = carry
			return fnmt.New(env, nil) // any screen: the test only checks the carry
		},
	}})
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	d.run(d.m.Init())
	return d
}

func (d *driver) send(msg tea.Msg) {
	_, cmd := d.m.Update(msg)
	d.run(cmd)
}

func (d *driver) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	d.collect(ch, 150*time.Millisecond) // generous: the suite runs packages in parallel on two cores
}

func (d *driver) collect(ch chan tea.Msg, wait time.Duration) {
	select {
	case msg := <-ch:
		d.deliver(msg)
	case <-time.After(wait):
		d.pending = append(d.pending, ch)
	}
}

func (d *driver) deliver(msg tea.Msg) {
	switch msg := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			d.run(c)
		}
	default:
		d.send(msg)
	}
}

// advance moves the fake clock and delivers the timers that fired. A
// fired timer's command finishes on its own goroutine, so each pending
// command gets a moment to deliver.
func (d *driver) advance(dt time.Duration) {
	d.clk.Advance(dt)
	for {
		p := d.pending
		d.pending = nil
		delivered := false
		for _, ch := range p {
			select {
			case msg := <-ch:
				d.deliver(msg)
				delivered = true
			case <-time.After(5 * time.Millisecond):
				d.pending = append(d.pending, ch)
			}
		}
		if !delivered {
			return
		}
	}
}

func (d *driver) key(k tea.KeyType)    { d.send(tea.KeyMsg{Type: k}) }
func (d *driver) typ(s string)         { d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}) }
func (d *driver) enter()               { d.key(tea.KeyEnter) }
func (d *driver) view() string         { return d.m.View() }
func (d *driver) has(want string) bool { return strings.Contains(d.view(), want) }

// footer is the help bar (the last line of the screen).
// footer is the help bar: the screen's two last lines.
func (d *driver) footer() string {
	lines := strings.Split(d.view(), "\n")
	return strings.Join(lines[len(lines)-2:], "\n")
}

func (d *driver) must(want string) {
	d.t.Helper()
	if !d.has(want) {
		d.t.Fatalf("screen lacks %q:\n%s", want, d.view())
	}
}

func (d *driver) golden(name string) {
	d.t.Helper()
	d.t.Run(name, func(t *testing.T) {
		v := d.view()
		if n := strings.Count(v, "\n") + 1; n != 24 {
			t.Errorf("view is %d lines, want 24", n)
		}
		lines := strings.Split(v, "\n")
		// The last line is the root's help bar, which bubbles/help does not
		// always cut to the width (reported to the integrator); the lines
		// above are padded to the widest line by lipgloss, hence TrimRight.
		for i, l := range lines[:len(lines)-1] {
			if w := lipgloss.Width(strings.TrimRight(l, " ")); w > 80 {
				t.Errorf("line %d is %d cells wide", i+1, w)
			}
		}
		golden.RequireEqual(t, []byte(v))
	})
}

var codeRE = regexp.MustCompile(`\b(\d{6})\b`)

func (d *driver) lastCode() string {
	d.t.Helper()
	sms := d.out.all()
	if len(sms) == 0 {
		d.t.Fatal("no SMS queued")
	}
	m := codeRE.FindStringSubmatch(sms[len(sms)-1])
	if m == nil {
		d.t.Fatalf("no code in %q", sms[len(sms)-1])
	}
	return m[1]
}

// toData walks from home to the request form (step 2).
func (d *driver) toData(goldens bool) {
	d.t.Helper()
	d.enter() // home: FNMT is the first procedure
	d.must("FNMT")
	if goldens {
		d.golden("0-before")
	}
	d.enter()
	if goldens {
		d.golden("0-notice")
	}
	d.enter() // accept
	if goldens {
		d.golden("1-device")
	}
	d.enter() // Windows
	if goldens {
		d.golden("1-install")
	}
	d.enter()
}

func (d *driver) fillData(nif string) {
	d.typ(nif)
	d.enter()
	d.typ("García")
	d.enter()
	d.typ("ana@example.es")
	d.enter()
	d.typ("ana@example.es")
	d.enter()
}

func runHappyPath(t *testing.T, d *driver) {
	d.toData(true)
	d.golden("2-data")
	d.fillData("12345678Z")
	d.must("12345678Z")
	d.golden("2-form")
	d.enter()
	d.typ("123456789")
	d.enter()
	d.typ("123 456 789")
	d.golden("2-code")
	d.enter()
	d.typ("612345678")
	d.golden("3-mobile")
	d.enter()
	d.must("+34 612 345 678")
	d.golden("3-code")
	d.typ(d.lastCode())
	d.enter()
	d.golden("3-verified")
	d.enter()
	d.golden("3-camera")
	for i := 0; i < 3; i++ {
		d.key(tea.KeyF7) // no camera in this test: the rehearsal is skipped
		d.enter()
	}
	d.golden("4-video")
	d.enter()
	d.golden("finish")
	sms := d.out.all()
	if len(sms) != 2 || !strings.Contains(sms[1], "123456789") || !strings.HasPrefix(sms[1], "+34612345678|") {
		t.Fatalf("summary SMS not queued: %q", sms)
	}
	d.enter()
	if d.has("123456789") || d.has("12345678Z") || d.has("García") {
		t.Fatalf("visitor data left on screen after finishing:\n%s", d.view())
	}
	if d.screen.Progress(); d.screen.StepName() != "fnmt/0-before" {
		t.Errorf("screen not wiped: %s", d.screen.StepName())
	}
}

func TestHappyPathSpanish(t *testing.T) {
	d := newDriver(t)
	runHappyPath(t, d)
	// Signed by the kiosk, not by FNMT (issue 13.6); the deadline counts
	// from the video-identification, which the visitor does later.
	if sms := d.out.all(); !strings.HasPrefix(sms[1], "+34612345678|Quiosco de oficina: ") || !strings.Contains(sms[1], "48 h hábiles") {
		t.Errorf("summary SMS: %q", sms[1])
	}
}

func TestHappyPathEnglish(t *testing.T) {
	d := newDriver(t, i18n.EN, i18n.ES)
	d.env.T.SetLang(i18n.EN)
	runHappyPath(t, d)
}

func TestDeadlineShownAsDate(t *testing.T) {
	d := newDriver(t)
	d.toData(false)
	d.fillData("12345678Z")
	d.enter()
	d.typ("123456789")
	d.enter()
	d.typ("123456789")
	d.enter()
	d.typ("612345678")
	d.enter()
	d.typ(d.lastCode())
	d.enter()
	d.enter()
	for i := 0; i < 3; i++ {
		d.key(tea.KeyF7)
		d.enter()
	}
	d.must("antes del martes 24 a las 12:40 aprox.")
}

func TestWrongNIFLetter(t *testing.T) {
	d := newDriver(t)
	d.toData(false)
	d.typ("12345678A")
	d.enter()
	d.must("La letra no corresponde al número")
	d.golden("nif-letter")
	d.must("Paso 2 de 4")
}

func TestSpecialNIFRoutesToCallCentre(t *testing.T) {
	d := newDriver(t)
	d.toData(false)
	d.typ("K1234567L")
	d.enter()
	d.must("no corresponde a un DNI")
	d.typ("x")
	d.key(tea.KeyF8)
	if d.carried == nil || !strings.HasPrefix(d.carried.NIF, "K1234567L") {
		t.Fatalf("call-centre route did not get the NIF: %+v", d.carried)
	}
}

func TestWrongSMSCodeThreeTimes(t *testing.T) {
	d := newDriver(t)
	d.toData(false)
	d.fillData("12345678Z")
	d.enter()
	d.typ("123456789")
	d.enter()
	d.typ("123456789")
	d.enter()
	d.typ("612345678")
	d.enter()
	bad := "000000"
	if d.lastCode() == bad {
		bad = "111111"
	}
	for i := 0; i < 3; i++ {
		d.typ(bad)
		d.enter()
	}
	d.must("incorrecto 3 veces")
	d.golden("locked")
	d.enter()
	d.must("Paso 3 de 4") // still on the mobile step
	d.typ(d.lastCode())   // the old code no longer works…
	d.enter()
	d.must("Este código ya no vale")
	d.must("con F5 dentro de 60 segundos") // …and F5 works only after the cool-down
	if strings.Contains(d.footer(), "F5") {
		t.Fatalf("F5 offered during the cool-down: %s", d.footer())
	}
	d.key(tea.KeyF5)
	d.must("Espere un momento")
	if n := len(d.out.all()); n != 1 {
		t.Fatalf("%d SMS after F5 in the cool-down", n)
	}
	d.advance(30 * time.Second)
	d.key(tea.KeyLeft) // still here: keeps "¿Sigue ahí?" away
	d.advance(30 * time.Second)
	d.must("Pulse F5 para recibir un código nuevo")
	if !strings.Contains(d.footer(), "F5") {
		t.Fatalf("F5 not offered after the cool-down: %s", d.footer())
	}
	d.key(tea.KeyF5)
	if n := len(d.out.all()); n != 2 {
		t.Fatalf("%d SMS after F5, want 2", n)
	}
	d.typ(d.lastCode())
	d.enter()
	d.must("Móvil comprobado")
}

func TestModemDown(t *testing.T) {
	d := newDriver(t)
	d.modem.ready = false
	d.toData(false)
	d.fillData("12345678Z")
	d.enter()
	d.typ("123456789")
	d.enter()
	d.typ("123456789")
	d.enter()
	d.typ("612345678")
	d.enter()
	d.must("queda en cola")
	d.golden("modem-down")
	d.key(tea.KeyF7)
	d.must("sin comprobar")
	d.enter()
	for i := 0; i < 3; i++ {
		d.key(tea.KeyF7)
		d.enter()
	}
	d.enter()
	d.must("queda en cola") // the summary SMS too
	if n := len(d.out.all()); n != 2 {
		t.Fatalf("%d SMS queued, want 2 (code and summary)", n)
	}
}

func TestIdleTimeoutWipes(t *testing.T) {
	d := newDriver(t)
	d.toData(false)
	d.typ("12345678Z")
	d.enter()
	d.typ("García")
	d.must("García")
	d.advance(60 * time.Second) // the warning
	d.must("¿Sigue ahí?")
	for i := 0; i < 31; i++ {
		d.advance(time.Second)
	}
	if d.has("García") || d.has("12345678Z") || d.has("Paso") {
		t.Fatalf("data on screen after the idle timeout:\n%s", d.view())
	}
	d.must("Bienvenido")
	if d.screen.StepName() != "fnmt/0-before" {
		t.Errorf("the FNMT screen was not wiped: %s", d.screen.StepName())
	}
}

func TestLanguageSwitchKeepsData(t *testing.T) {
	d := newDriver(t)
	d.toData(false)
	d.fillData("12345678Z")
	d.must("Primer apellido: García")
	d.key(tea.KeyF2) // Catalan
	d.must("Primer cognom: García")
	d.must("12345678Z")
	d.must("Pas 2 de 4")
}

// TestQRPagesFit: the pages with a QR code keep their whole text on an
// 80x24 screen in every language and in the large-text mode (the root cuts
// what does not fit, so a long caption would lose its last lines).
func TestQRPagesFit(t *testing.T) {
	for _, l := range i18n.All {
		for _, high := range []bool{false, true} {
			d := newDriver(t)
			d.env.T.SetLang(l)
			if high {
				d.key(tea.KeyF3)
			}
			d.toData(false) // ends on the install page's "continue"
			d.key(tea.KeyEsc)
			for _, page := range []string{"install", "form"} {
				if page == "form" {
					d.enter()
					d.fillData("12345678Z")
				}
				body := d.screen.View()
				if n := strings.Count(body, "\n") + 1; n > d.env.Height {
					t.Errorf("%s high=%v %s page: %d lines, %d fit:\n%s", l, high, page, n, d.env.Height, body)
				}
				if !strings.Contains(body, "▀▀▀▀") {
					t.Errorf("%s high=%v %s page: no QR code:\n%s", l, high, page, body)
				}
			}
		}
	}
}
