package steps

import (
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/ventanilla-kiosk/ventanilla/tui/i18n"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

func TestVerifyMobileHappyPath(t *testing.T) {
	env, out, _, clk := testEnv(t)
	m := NewVerifyMobile(env, MobileConfig{Rand: fixedReader{7}})
	upd := func(msg tea.Msg) tea.Cmd { return m.Update(msg) }
	run(t, m.Update(keyType("612 34 56 78")), upd)
	if !strings.Contains(m.View(), "612 34 56 78") {
		t.Fatalf("typed number not shown:\n%s", m.View())
	}
	run(t, m.Update(enter), upd)
	sms := out.all()
	if len(sms) != 1 || sms[0].To != "+34612345678" {
		t.Fatalf("queued %+v", sms)
	}
	code := regexp.MustCompile(`\b\d{6}\b`).FindString(sms[0].Text)
	if len(code) != 6 {
		t.Fatalf("no 6-digit code in SMS %q", sms[0].Text)
	}
	v := m.View()
	// 11:37 UTC is 12:37 in Madrid; the code is valid ten minutes.
	for _, want := range []string{"+34 612 345 678", "60 segundos", "12:47"} {
		if !strings.Contains(v, want) {
			t.Errorf("code screen lacks %q:\n%s", want, v)
		}
	}
	clk.Advance(10 * time.Second)
	if v := m.View(); !strings.Contains(v, "50 segundos") {
		t.Errorf("countdown not updated:\n%s", v)
	}
	run(t, m.Update(keyType(code)), upd)
	run(t, m.Update(enter), upd)
	if !m.Done() || m.Result() != (MobileResult{Mobile: "+34612345678", Verified: true, Queued: true}) {
		t.Fatalf("done=%v result=%+v", m.Done(), m.Result())
	}
	m.Wipe()
	if m.Result().Mobile != "" || strings.Contains(m.View(), "612") {
		t.Fatal("Wipe kept the number")
	}
}

func TestVerifyMobileWrongThreeTimesThenResend(t *testing.T) {
	env, out, _, clk := testEnv(t)
	m := NewVerifyMobile(env, MobileConfig{Initial: "+34612345678", Rand: fixedReader{3}})
	upd := func(msg tea.Msg) tea.Cmd { return m.Update(msg) }
	run(t, m.Update(enter), upd)
	wants := []string{"Intentos que le quedan: 2", "Intentos que le quedan: 1", "incorrecto 3 veces"}
	for i, want := range wants {
		run(t, m.Update(keyType("000001")), upd)
		run(t, m.Update(enter), upd)
		if v := m.View(); !strings.Contains(v, want) {
			t.Fatalf("try %d: want %q in\n%s", i+1, want, v)
		}
	}
	if m.Done() {
		t.Fatal("done after three wrong codes")
	}
	// The lockout names F5 with the time it starts working, and the
	// help bar offers neither F5 nor "check" (there is no live code)…
	if v := m.View(); !strings.Contains(v, "con F5 dentro de") {
		t.Errorf("lockout does not say when F5 works:\n%s", v)
	}
	for _, b := range kit.Join(m.Keys()) {
		if k := b.Help().Key; k == "F5" || (k == "Enter" && b.Help().Desc == "steps.keys.verify") {
			t.Errorf("%s offered during the cool-down with no live code", k)
		}
	}
	// …F5 during the cool-down sends nothing but says so…
	run(t, m.Update(f5), upd)
	if len(out.all()) != 1 {
		t.Fatal("resend allowed during cool-down")
	}
	if !strings.Contains(m.View(), "Espere un momento") {
		t.Errorf("F5 refused silently:\n%s", m.View())
	}
	// …and works after it.
	clk.Advance(60 * time.Second)
	if v := m.View(); strings.Contains(v, "segundos") {
		t.Errorf("countdown still shown after the cool-down:\n%s", v)
	}
	if v := m.View(); !strings.Contains(v, "Pulse F5 para recibir") {
		t.Errorf("after the cool-down F5 is not named:\n%s", v)
	}
	run(t, m.Update(f5), upd)
	if n := len(out.all()); n != 2 {
		t.Fatalf("%d SMS after resend, want 2", n)
	}
	if !strings.Contains(m.View(), "código nuevo") {
		t.Errorf("resend not acknowledged:\n%s", m.View())
	}
}

func TestVerifyMobileModemDown(t *testing.T) {
	env, out, modem, _ := testEnv(t)
	modem.ready = false
	m := NewVerifyMobile(env, MobileConfig{Initial: "612345678"})
	upd := func(msg tea.Msg) tea.Cmd { return m.Update(msg) }
	run(t, m.Update(enter), upd)
	if len(out.all()) != 1 {
		t.Fatal("SMS not queued when the modem is down")
	}
	if v := m.View(); !strings.Contains(v, "queda en cola") {
		t.Fatalf("visitor not told about the queue:\n%s", v)
	}
	run(t, m.Update(f7), upd)
	if !m.Done() || m.Result().Verified || !m.Result().Queued {
		t.Fatalf("skip: done=%v %+v", m.Done(), m.Result())
	}
}

func TestVerifyMobileSkipNotOfferedWhenModemUp(t *testing.T) {
	env, _, _, _ := testEnv(t)
	m := NewVerifyMobile(env, MobileConfig{Initial: "612345678"})
	upd := func(msg tea.Msg) tea.Cmd { return m.Update(msg) }
	run(t, m.Update(enter), upd)
	run(t, m.Update(f7), upd)
	if m.Done() {
		t.Fatal("F7 skipped verification with a working modem")
	}
}

func TestVerifyMobileBadNumber(t *testing.T) {
	env, out, _, _ := testEnv(t)
	m := NewVerifyMobile(env, MobileConfig{Initial: "912345678"})
	run(t, m.Update(enter), func(msg tea.Msg) tea.Cmd { return m.Update(msg) })
	if len(out.all()) != 0 || !strings.Contains(m.View(), "teléfono fijo") {
		t.Fatalf("landline accepted or unexplained:\n%s", m.View())
	}
}

func TestVerifyMobileStaleReplyIgnored(t *testing.T) {
	env, _, _, _ := testEnv(t)
	m := NewVerifyMobile(env, MobileConfig{Initial: "612345678"})
	cmd := m.Update(enter) // the SMS reply is in flight…
	m.Wipe()               // …when the session ends
	run(t, cmd, func(msg tea.Msg) tea.Cmd { return m.Update(msg) })
	if m.phase != phaseNumber {
		t.Fatal("a reply from before Wipe moved the step on")
	}
}

// TestNoticeOneBasisNamedController: the notice states one legal basis
// (public interest, not consent), names the configured controller and
// where to exercise the rights (issue 13.7); going on needs the visitor to
// choose it, and choosing a person hands over to the staff screen instead
// of a dead end.
func TestNoticeOneBasisNamedController(t *testing.T) {
	env, _, _, _ := testEnv(t)
	env.Settings.Privacy = kit.Privacy{Controller: "Ayuntamiento de Getafe", Contact: "dpd@getafe.es", Info: "getafe.es/privacidad"}
	n := NewNotice(env, NoticeFor(kit.FlowFNMT))
	v := strings.Join(strings.Fields(n.View()), " ")
	for _, want := range []string{"Responsable: Ayuntamiento de Getafe.", "Finalidad", "no su consentimiento", "Legitimación: interés público",
		"Destinatarios", "Conservación", "oposición: dpd@getafe.es", "Más información: getafe.es/privacidad",
		"He leído la información: continuar", "prefiero que me atienda una persona",
		"El personal técnico no ve la imagen de la cámara"} {
		if !strings.Contains(v, want) {
			t.Errorf("notice lacks %q:\n%s", want, n.View())
		}
	}
	for _, bad := range []string{"acepto", "en esta oficina"} {
		if strings.Contains(strings.ToLower(v), bad) {
			t.Errorf("notice still says %q:\n%s", bad, n.View())
		}
	}
	for _, high := range []bool{false, true} {
		env.Styles = kit.NewStyles(env.Renderer, high)
		for _, l := range i18n.All {
			env.T.SetLang(l)
			for _, flow := range []string{kit.FlowFNMT, kit.FlowClave, kit.FlowCertCall} {
				// The two lines kept free here hold the sentence on what a
				// technician's camera preview shows (steps.notice.technicians).
				if lines := strings.Count(NewNotice(env, NoticeFor(flow)).View(), "\n") + 1; lines > env.Height {
					t.Errorf("%s %s high=%v: notice is %d lines, body has %d", l, flow, high, lines, env.Height)
				}
			}
		}
	}
	env.T.SetLang(i18n.ES)
	env.Styles = kit.NewStyles(env.Renderer, false)
	if n.Done() {
		t.Fatal("done before choosing")
	}
	if cmd := n.Update(keyType("2")); cmd == nil {
		t.Fatal("choosing a person did nothing")
	} else if m, ok := cmd().(kit.OpenMsg); !ok || m.Flow != kit.FlowStaff || n.Done() {
		t.Fatalf("choosing a person: %#v, done=%v", cmd(), n.Done())
	}
	n.Update(tea.KeyMsg{Type: tea.KeyUp})
	n.Update(enter)
	if !n.Done() {
		t.Fatal("continuing did not complete the notice")
	}
	for _, flow := range []string{kit.FlowClave, kit.FlowCertCall} {
		if v := NewNotice(env, NoticeFor(flow)).View(); !strings.Contains(v, "centro de atención") {
			t.Errorf("%s notice does not name the call centre", flow)
		}
	}
}

// TestVerifyMobileCodeBoundToNumber is issue 14's bypass at the step:
// a code is sent to 712345678; the visitor changes the number (F6) to
// 612345678 during the cool-down. Nothing is sent yet, the screen says a
// code will go to the new number, the first code verifies nothing, and
// the new number's own code (sent by itself after the cool-down) does.
func TestVerifyMobileCodeBoundToNumber(t *testing.T) {
	env, out, _, clk := testEnv(t)
	m := NewVerifyMobile(env, MobileConfig{Rand: fixedReader{7}})
	upd := func(msg tea.Msg) tea.Cmd { return m.Update(msg) }
	run(t, m.Update(keyType("712345678")), upd)
	run(t, m.Update(enter), upd)
	first := regexp.MustCompile(`\b\d{6}\b`).FindString(out.all()[0].Text)

	run(t, m.Update(f6), upd)
	for range 12 {
		m.Update(tea.KeyMsg{Type: tea.KeyBackspace})
	}
	run(t, m.Update(keyType("612345678")), upd)
	pending := run(t, m.Update(enter), upd)
	if n := len(out.all()); n != 1 {
		t.Fatalf("%d SMS during the cool-down, want still 1", n)
	}
	v := m.View()
	if !strings.Contains(v, "+34 612 345 678") || !strings.Contains(v, "dentro de 60 segundos") || strings.Contains(v, "Le hemos enviado") {
		t.Fatalf("the wait for the new number is not explained:\n%s", v)
	}
	for _, b := range kit.Join(m.Keys()) {
		if b.Help().Key == "Enter" || b.Help().Key == "F5" {
			t.Errorf("%s offered while no code exists for the new number", b.Help().Key)
		}
	}
	// The first number's code, typed now, verifies nothing.
	run(t, m.Update(keyType(first)), upd)
	run(t, m.Update(enter), upd)
	if m.Done() || m.Result().Verified {
		t.Fatalf("the code sent to 712345678 verified 612345678: %+v", m.Result())
	}

	// After the cool-down the new number's code goes out by itself.
	clk.Advance(60 * time.Second)
	for _, p := range pending {
		run(t, p, upd)
	}
	sms := out.all()
	if len(sms) != 2 || sms[1].To != "+34612345678" {
		t.Fatalf("no SMS to the new number after the cool-down: %+v", sms)
	}
	second := regexp.MustCompile(`\b\d{6}\b`).FindString(sms[1].Text)
	if v := m.View(); !strings.Contains(v, "Le hemos enviado") || !strings.Contains(v, "+34 612 345 678") {
		t.Fatalf("code screen for the new number:\n%s", v)
	}
	if first != second {
		run(t, m.Update(keyType(first)), upd)
		run(t, m.Update(enter), upd)
		if m.Done() {
			t.Fatal("the first number's code verified the second after the resend")
		}
	}
	run(t, m.Update(keyType(second)), upd)
	run(t, m.Update(enter), upd)
	if !m.Done() || m.Result() != (MobileResult{Mobile: "+34612345678", Verified: true, Queued: true}) {
		t.Fatalf("done=%v %+v", m.Done(), m.Result())
	}
	if v := m.View(); !strings.Contains(v, "Pulse Enter para continuar") {
		t.Errorf("verdict does not say Enter:\n%s", v)
	}
	if ks := kit.Join(m.Keys()); len(ks) != 1 || ks[0].Help().Key != "Enter" {
		t.Errorf("keys after the verdict: %v", ks)
	}
}
