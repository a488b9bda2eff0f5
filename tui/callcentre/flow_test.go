package callcentre

import (
	"bytes"
	"errors"
	"image"
	_ "image/jpeg"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"
	"github.com/ventanilla-kiosk/ventanilla/procedure"
	"github.com/ventanilla-kiosk/ventanilla/tui"
	"github.com/ventanilla-kiosk/ventanilla/tui/callcentre/callcentretest"
	"github.com/ventanilla-kiosk/ventanilla/tui/i18n"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// fakePhoto is a scripted camera step: Enter "accepts" a photo of the
// configured size and issues.
type fakePhoto struct {
	shot Shot
	img  procedure.Image
	done bool
}

func (f *fakePhoto) Init() tea.Cmd { return nil }
func (f *fakePhoto) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyMsg); ok && k.Type == tea.KeyEnter {
		f.done = true
	}
	return nil
}
func (f *fakePhoto) View() string {
	return "FAKE CAMERA " + [...]string{"FRONT", "BACK", "SIGNED"}[f.shot]
}
func (f *fakePhoto) Keys() help.KeyMap       { return kit.KeyList{} }
func (f *fakePhoto) Done() bool              { return f.done }
func (f *fakePhoto) Result() procedure.Image { return f.img }
func (f *fakePhoto) Wipe()                   { kit.Zero(f.img.Data); f.img = procedure.Image{} }

// camera scripts the photos: size and issues per shot, changeable between
// takes (a retake can fix an unreadable photo).
type camera struct {
	mu     sync.Mutex
	w, h   [3]int
	issues [3][]string
}

func newCamera() *camera {
	// Small but legible sizes by default (the race detector makes image
	// code slow); the Cl@ve test uses a large front to check downscaling.
	return &camera{w: [3]int{640, 640, 700}, h: [3]int{400, 400, 990}}
}

func (c *camera) set(s Shot, w, h int, issues ...string) {
	c.mu.Lock()
	c.w[s], c.h[s], c.issues[s] = w, h, issues
	c.mu.Unlock()
}

func (c *camera) factory(_ *kit.Env, s Shot) photoStep {
	c.mu.Lock()
	defer c.mu.Unlock()
	return &fakePhoto{shot: s, img: procedure.Image{Data: callcentretest.JPEG(c.w[s], c.h[s]), Issues: c.issues[s]}}
}

type harness struct {
	t      *testing.T
	tm     *teatest.TestModel
	env    *kit.Env
	clock  *kit.FakeClock
	out    *callcentretest.Outbox
	cam    *camera
	mu     sync.Mutex
	screen *Screen
}

func newHarness(t *testing.T, flow string, carry *kit.Visitor) *harness {
	t.Helper()
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	r.SetHasDarkBackground(true)
	h := &harness{t: t, clock: kit.NewFakeClock(t0), out: &callcentretest.Outbox{}, cam: newCamera()}
	h.env = &kit.Env{
		T:        i18n.NewTranslator(i18n.MustDefault(), i18n.ES),
		Styles:   kit.NewStyles(r, false),
		Renderer: r,
		Clock:    h.clock,
		Outbox:   h.out,
		Modem:    &callcentretest.Modem{},
		Settings: kit.Settings{
			KioskID:     "k1",
			Office:      "Oficina de prueba",
			Place:       "Getafe",
			IdleTimeout: 90 * time.Second,
			IdleWarning: 30 * time.Second,
			CodeLength:  9,
			HelpDesk:    "mostrador 3",
			CallCentre: kit.CallCentre{Email: "centro@example.org", Phone: "910 000 000",
				Hours: "de 9 a 18 h"},
		},
	}
	old := newPhoto
	newPhoto = h.cam.factory
	t.Cleanup(func() { newPhoto = old })
	wrap := func(f func(*kit.Env, *kit.Visitor) kit.Screen) tui.FlowFactory {
		return func(env *kit.Env, c *kit.Visitor) kit.Screen {
			s := f(env, c)
			h.mu.Lock()
			h.screen = s.(*Screen)
			h.mu.Unlock()
			return s
		}
	}
	root := tui.New(tui.Options{Env: h.env, Flows: map[string]tui.FlowFactory{
		kit.FlowClave:    wrap(NewClave),
		kit.FlowCertCall: wrap(NewCertificate),
	}})
	h.tm = teatest.NewTestModel(t, root, teatest.WithInitialTermSize(80, 24))
	t.Cleanup(func() { _ = h.tm.Quit() })
	h.wait("Oficina de prueba")
	h.tm.Send(kit.OpenMsg{Flow: flow, Carry: carry})
	return h
}

// wait reads the program's output until every string in want has
// appeared (in the output read by this call).
func (h *harness) wait(want ...string) {
	h.t.Helper()
	teatest.WaitFor(h.t, h.tm.Output(), func(b []byte) bool {
		for _, w := range want {
			if !bytes.Contains(b, []byte(w)) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(20*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
}

// waitUntil polls a condition on state the program updates (the outbox).
func (h *harness) waitUntil(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (h *harness) key(t tea.KeyType) { h.tm.Send(tea.KeyMsg{Type: t}) }
func (h *harness) enter()            { h.key(tea.KeyEnter) }

// typeLine types s rune by rune (teatest's Type sends bytes, which breaks
// accented letters) and presses Enter.
func (h *harness) typeLine(s string) {
	for _, r := range s {
		h.tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	h.enter()
}

var otpRE = regexp.MustCompile(`\b(\d{6})\b`)

// throughData fills the notice, the data pages and the mobile.
func (h *harness) throughData(nif string) {
	h.wait("Tenga a mano")
	h.enter()
	h.wait("Protección de datos")
	h.enter() // accept
	h.wait("tal como aparecen")
	h.typeLine(nif)
	if strings.HasPrefix(nif, "X") {
		h.typeLine("E12345678")
	}
	h.typeLine("Ana María")
	h.typeLine("García")
	h.typeLine("López")
	h.mobile()
	h.wait("Repita el correo")
	h.typeLine("ana@example.com")
	h.typeLine("ANA@example.com")
	h.key(tea.KeyRight) // morning
	h.enter()
	h.enter() // language: preselected Spanish; submits
}

func (h *harness) mobile() {
	h.wait("número de móvil")
	h.typeLine("600 123 456")
	h.waitUntil("the verification SMS", func() bool { return len(h.out.SMS()) > 0 })
	code := otpRE.FindString(h.out.SMS()[0].Text)
	if code == "" {
		h.t.Fatalf("no code in SMS %q", h.out.SMS()[0].Text)
	}
	h.typeLine(code)
}

func (h *harness) final() *Screen {
	h.t.Helper()
	if err := h.tm.Quit(); err != nil {
		h.t.Fatal(err)
	}
	h.tm.WaitFinished(h.t, teatest.WithFinalTimeout(20*time.Second))
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.screen
}

func decodeSize(t *testing.T, b []byte) (int, int) {
	t.Helper()
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil || format != "jpeg" {
		t.Fatalf("attachment is not a JPEG (%v, %s)", err, format)
	}
	return cfg.Width, cfg.Height
}

func TestClaveEndToEnd(t *testing.T) {
	h := newHarness(t, kit.FlowClave, nil)
	h.cam.set(ShotFront, 1920, 1080)
	h.throughData("12345678Z")
	h.wait("FAKE CAMERA FRONT")
	h.enter()
	h.wait("FAKE CAMERA BACK")
	h.enter()
	h.wait("solicito el registro en Cl@ve")
	h.enter()
	h.wait("FAKE CAMERA SIGNED")
	h.enter()
	h.wait("Todo está completo")
	h.enter() // send
	h.wait("Anótela")
	h.waitUntil("the confirmation SMS", func() bool { return len(h.out.SMS()) == 2 })

	emails := h.out.Emails()
	if len(emails) != 1 {
		t.Fatalf("%d e-mails queued, want 1", len(emails))
	}
	m := emails[0]
	if m.To != "centro@example.org" {
		t.Errorf("To = %q", m.To)
	}
	if !strings.Contains(m.Subject, "Cl@ve") || m.Ref == "" || !strings.Contains(m.Subject, m.Ref) {
		t.Errorf("subject %q does not name the procedure and reference %q", m.Subject, m.Ref)
	}
	for _, want := range []string{"Ana María", "García", "López", "12345678Z", "ana@example.com", "+34 600 123 456", "por la mañana", "español"} {
		if !strings.Contains(m.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, m.Body)
		}
	}
	if len(m.Attachments) != 3 {
		t.Fatalf("%d attachments, want 3 (front, back, signed)", len(m.Attachments))
	}
	for i, want := range []string{"front.jpg", "back.jpg", "solicitud-firmada.jpg"} {
		a := m.Attachments[i]
		if a.Name != want || a.ContentType != "image/jpeg" {
			t.Errorf("attachment %d = %s (%s), want %s image/jpeg", i, a.Name, a.ContentType, want)
		}
		w, hh := decodeSize(t, a.Data)
		if w > MaxAttachmentWidth {
			t.Errorf("%s is %d px wide, over %d", a.Name, w, MaxAttachmentWidth)
		}
		if i == 0 && (w != MaxAttachmentWidth || hh != 900) {
			t.Errorf("front 1920x1080 became %dx%d, want 1600x900", w, hh)
		}
	}
	sms := h.out.SMS()[1]
	if sms.To != "+34600123456" || !strings.Contains(sms.Text, m.Ref) {
		t.Errorf("confirmation SMS %+v lacks the reference %s", sms, m.Ref)
	}
	// Cl@ve: the original DNI and the signed request (seed 002, 5 a-b).
	if !strings.Contains(sms.Text, "DNI/NIE original y la solicitud firmada") {
		t.Errorf("confirmation SMS lacks what to show: %q", sms.Text)
	}
	if m.ReplyTo != "ana@example.com" {
		t.Errorf("the e-mail's Reply-To is %q, want the visitor's address", m.ReplyTo)
	}
	h.enter() // finish: the root wipes and goes home
	h.wait("Elija")
	s := h.final()
	if s.req.Name != "" || s.req.Reference != "" || s.identity.Value("nif") != "" || s.contact.Value("email") != "" {
		t.Fatal("the screen was not wiped after finishing")
	}
}

func TestCertificateEndToEndWithCarry(t *testing.T) {
	carry := &kit.Visitor{NIF: "12345678z", Name: "Ana María", Surname1: "García", Surname2: "López",
		Email: "ana@example.com", Mobile: "+34600123456", MobileVerified: true, Code: "123 456 789"}
	h := newHarness(t, kit.FlowCertCall, carry)
	// The modem is down: the confirmation SMS is queued all the same and
	// the visitor is told it may be late.
	h.env.Modem.(*callcentretest.Modem).SetReady(false)
	h.wait("Tenga a mano")
	h.enter()
	h.wait("Protección de datos")
	h.enter()
	h.wait("12345678z") // carried over, as typed
	// Everything is filled in: Enter through the boxes.
	for range 4 {
		h.enter()
	}
	// The mobile was verified in the FNMT flow: no SMS step.
	h.wait("Repita el correo")
	h.enter() // e-mail (carried)
	h.enter() // confirmation (carried)
	h.key(tea.KeyRight)
	h.enter()
	h.enter()
	h.wait("FAKE CAMERA FRONT")
	h.enter()
	h.wait("FAKE CAMERA BACK")
	h.enter()
	h.wait("dos veces")
	h.enter() // code (carried)
	h.enter() // confirmation (carried)
	h.wait("Todo está completo")
	h.enter()
	h.wait("Anótela", "puede tardar")
	h.waitUntil("the confirmation SMS", func() bool { return len(h.out.SMS()) == 1 })
	if text := h.out.SMS()[0].Text; !strings.Contains(text, "DNI/NIE original y código de solicitud") || !strings.Contains(text, "descargue en el mismo equipo") {
		t.Errorf("confirmation SMS lacks the videoconference and download reminders: %q", text)
	}
	emails := h.out.Emails()
	if len(emails) != 1 {
		t.Fatalf("%d e-mails, want 1", len(emails))
	}
	m := emails[0]
	if len(m.Attachments) != 2 {
		t.Fatalf("%d attachments, want 2 (front, back)", len(m.Attachments))
	}
	if !strings.Contains(m.Body, "123456789") || !strings.Contains(m.Subject, "Certificado") {
		t.Fatalf("code or procedure missing:\n%s\n%s", m.Subject, m.Body)
	}
	if len(h.out.SMS()) != 1 {
		t.Fatalf("%d SMS, want only the confirmation (mobile already verified)", len(h.out.SMS()))
	}
	// What the gestor will ask at the videoconference (seed 002, step 5
	// a-b), then the download on the same computer (issue 13.10).
	done := strings.Join(strings.Fields(h.final().View()), " ")
	for _, want := range []string{"original de su DNI o NIE, el código de solicitud de la FNMT", "mismo ordenador y navegador"} {
		if !strings.Contains(done, want) {
			t.Errorf("the confirmation lacks %q:\n%s", want, done)
		}
	}
}

func TestIncompleteBlocksSending(t *testing.T) {
	h := newHarness(t, kit.FlowClave, nil)
	// The back photo comes out blurry and the signed sheet too small.
	h.cam.set(ShotBack, 640, 400, "blurry")
	h.cam.set(ShotSigned, 400, 300)
	h.throughData("X1234567L")
	h.wait("FAKE CAMERA FRONT")
	h.enter()
	h.wait("FAKE CAMERA BACK")
	h.enter()
	h.wait("solicito el registro en Cl@ve")
	h.enter()
	h.wait("FAKE CAMERA SIGNED")
	h.enter()
	h.wait("cara trasera no se lee bien", "solicitud firmada no se lee bien")
	h.enter() // send: refused
	h.wait("▸ 4. Repetir la foto trasera")
	if n := len(h.out.Emails()); n != 0 {
		t.Fatalf("%d e-mails queued for an incomplete request", n)
	}
	// The cursor went to the fix for the first problem: retake the back.
	h.cam.set(ShotBack, 640, 400)
	h.enter()
	h.wait("FAKE CAMERA BACK")
	h.enter()
	h.wait("solicitud firmada no se lee bien")
	if n := len(h.out.Emails()); n != 0 {
		t.Fatalf("%d e-mails queued with the signed sheet unreadable", n)
	}
	h.cam.set(ShotSigned, 700, 990)
	h.enter() // send refused again; cursor to the signed sheet
	h.enter()
	h.wait("solicito el registro en Cl@ve")
	h.enter()
	h.wait("FAKE CAMERA SIGNED")
	h.enter()
	h.wait("Todo está completo")
	h.enter()
	h.wait("Anótela")
	h.waitUntil("the e-mail", func() bool { return len(h.out.Emails()) == 1 })
	if !strings.Contains(h.out.Emails()[0].Body, "E12345678") {
		t.Fatal("the NIE support number is not in the e-mail")
	}
	h.final()
}

func TestOutboxFailureKeepsData(t *testing.T) {
	h := newHarness(t, kit.FlowCertCall, nil)
	h.out.FailEmail(errors.New("disk full"))
	h.throughData("12345678Z")
	h.wait("FAKE CAMERA FRONT")
	h.enter()
	h.wait("FAKE CAMERA BACK")
	h.enter()
	h.wait("dos veces")
	h.typeLine("123456789")
	h.typeLine("123456789")
	h.wait("Todo está completo")
	h.enter()
	h.wait("No hemos podido guardar")
	if len(h.out.Emails()) != 0 {
		t.Fatal("an e-mail was recorded although the outbox failed")
	}
	h.out.FailEmail(nil)
	h.enter() // retry with the same data
	h.wait("Anótela")
	h.waitUntil("the e-mail", func() bool { return len(h.out.Emails()) == 1 })
	h.final()
}

func TestIdleTimeoutWipesMidFlow(t *testing.T) {
	h := newHarness(t, kit.FlowClave, nil)
	h.throughData("12345678Z")
	h.wait("FAKE CAMERA FRONT")
	h.enter()
	h.wait("FAKE CAMERA BACK")
	// The visitor walks away.
	h.clock.Advance(61 * time.Second)
	h.wait("¿Sigue ahí?")
	for i := 0; i < 31; i++ {
		h.clock.Advance(time.Second)
	}
	h.wait("Elija")
	s := h.final()
	if len(h.out.Emails()) != 0 {
		t.Fatal("something was sent")
	}
	if s.req.Name != "" || s.req.ID.Number != "" || len(s.req.Front.Data) != 0 || s.req.Email != "" ||
		s.identity.Value("name") != "" || s.contact.Value("email") != "" || s.photo != nil {
		t.Fatalf("visitor data survived the idle wipe: %+v", s.req)
	}
}

// TestModemDownStillSends: with the modem down the visitor goes on without
// the code (F7); the request is complete and is queued, and the e-mail
// tells the call centre that the number is not verified.
func TestModemDownStillSends(t *testing.T) {
	h := newHarness(t, kit.FlowClave, nil)
	h.env.Modem.(*callcentretest.Modem).SetReady(false)
	h.wait("Tenga a mano")
	h.enter()
	h.wait("Protección de datos")
	h.enter()
	h.wait("tal como aparecen")
	h.typeLine("12345678Z")
	h.typeLine("Ana María")
	h.typeLine("García")
	h.typeLine("López")
	h.wait("número de móvil")
	h.typeLine("600 123 456")
	h.waitUntil("the queued verification SMS", func() bool { return len(h.out.SMS()) > 0 })
	h.key(tea.KeyF7) // go on without the code
	h.wait("Repita el correo")
	h.typeLine("ana@example.com")
	h.typeLine("ana@example.com")
	h.key(tea.KeyRight)
	h.enter()
	h.enter()
	h.wait("FAKE CAMERA FRONT")
	h.enter()
	h.wait("FAKE CAMERA BACK")
	h.enter()
	h.wait("solicito el registro en Cl@ve")
	h.enter()
	h.wait("FAKE CAMERA SIGNED")
	h.enter()
	h.wait("Todo está completo")
	h.enter()
	h.wait("Anótela")
	h.waitUntil("the e-mail", func() bool { return len(h.out.Emails()) == 1 })
	if body := h.out.Emails()[0].Body; !strings.Contains(body, "SIN VERIFICAR") {
		t.Fatalf("the call centre is not told the number is unverified:\n%s", body)
	}
}

// TestChangedNumberNeedsItsOwnCode is issue 14's bypass through the
// screens: a code is sent to 712345678, the visitor presses F6 and types
// 612345678 during the resend cool-down. No SMS goes out yet, the screen
// says the new number gets its code by itself, the first number's code
// verifies nothing, and once the new number's own code is typed the
// review and the e-mail show the number that code reached.
func TestChangedNumberNeedsItsOwnCode(t *testing.T) {
	h := newHarness(t, kit.FlowClave, nil)
	h.wait("Tenga a mano")
	h.enter()
	h.wait("Protección de datos")
	h.enter()
	h.wait("tal como aparecen")
	h.typeLine("12345678Z")
	h.typeLine("Ana María")
	h.typeLine("García")
	h.typeLine("López")
	h.wait("número de móvil")
	h.typeLine("712 345 678")
	h.waitUntil("the first code", func() bool { return len(h.out.SMS()) == 1 })
	first := otpRE.FindString(h.out.SMS()[0].Text)
	h.wait("+34 712 345 678")

	h.key(tea.KeyF6)
	h.wait("Número de móvil")
	for range 12 {
		h.key(tea.KeyBackspace)
	}
	h.typeLine("612345678")
	h.wait("al +34 612 345 678 dentro de")
	h.typeLine(first) // the first number's code, during the cool-down
	// Still waiting (a verified number would have moved on to the
	// e-mail page): the countdown ticks on the same page.
	h.clock.Advance(30 * time.Second)
	h.wait("al +34 612 345 678 dentro de 30 segundos")
	if n := len(h.out.SMS()); n != 1 {
		t.Fatalf("%d SMS during the cool-down, want 1", n)
	}

	// After the cool-down the new number's code goes out by itself. (A
	// key in between keeps the idle timer from asking "¿Sigue ahí?".)
	h.tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'1'}})
	h.clock.Advance(30 * time.Second)
	h.waitUntil("the code for the new number", func() bool { return len(h.out.SMS()) == 2 })
	sms := h.out.SMS()[1]
	if sms.To != "+34612345678" {
		t.Fatalf("second code went to %s", sms.To)
	}
	second := otpRE.FindString(sms.Text)
	h.wait("Le hemos enviado")
	if first != second { // equal only by a one-in-a-million chance
		h.typeLine(first)
		h.wait("no es correcto")
	}
	h.typeLine(second)
	h.wait("Repita el correo")
	h.typeLine("ana@example.com")
	h.typeLine("ana@example.com")
	h.key(tea.KeyRight)
	h.enter()
	h.enter()
	h.wait("FAKE CAMERA FRONT")
	h.enter()
	h.wait("FAKE CAMERA BACK")
	h.enter()
	h.wait("solicito el registro en Cl@ve")
	h.enter()
	h.wait("FAKE CAMERA SIGNED")
	h.enter()
	h.wait("+34 612 345 678 (confirmado)", "Todo está completo")
	h.enter()
	h.wait("Anótela")
	h.waitUntil("the e-mail", func() bool { return len(h.out.Emails()) == 1 })
	body := h.out.Emails()[0].Body
	if !strings.Contains(body, "+34 612 345 678 (verificado") {
		t.Fatalf("the e-mail does not carry the number the code reached:\n%s", body)
	}
	h.final()
}
