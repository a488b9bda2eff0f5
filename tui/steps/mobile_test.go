package steps

import (
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
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
	// F5 does nothing during the cool-down…
	run(t, m.Update(f5), upd)
	if len(out.all()) != 1 {
		t.Fatal("resend allowed during cool-down")
	}
	if strings.Contains(kit.Join(m.Keys()).ShortHelp()[1].Help().Key, "F5") {
		t.Fatal("F5 offered during cool-down")
	}
	// …and works after it.
	clk.Advance(60 * time.Second)
	if v := m.View(); strings.Contains(v, "segundos") {
		t.Errorf("countdown still shown after the cool-down:\n%s", v)
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

func TestNoticeNeedsExplicitAcceptance(t *testing.T) {
	env, _, _, _ := testEnv(t)
	n := NewNotice(env, NoticeFor(kit.FlowFNMT))
	v := n.View()
	for _, want := range []string{"Oficina de prueba", "Responsable", "Finalidad", "Legitimación", "Destinatarios", "Derechos", "Conservación"} {
		if !strings.Contains(v, want) {
			t.Errorf("notice lacks %q", want)
		}
	}
	if lines := strings.Count(v, "\n") + 1; lines > env.Height {
		t.Errorf("notice is %d lines, body has %d", lines, env.Height)
	}
	n.Update(keyType("2"))
	if n.Done() || !strings.Contains(n.View(), "Sin su aceptación") {
		t.Fatal("declining let the visitor through or was not explained")
	}
	n.Update(tea.KeyMsg{Type: tea.KeyUp})
	n.Update(enter)
	if !n.Done() {
		t.Fatal("accepting did not complete the notice")
	}
	for _, flow := range []string{kit.FlowClave, kit.FlowCertCall} {
		if v := NewNotice(env, NoticeFor(flow)).View(); !strings.Contains(v, "centro de atención") {
			t.Errorf("%s notice does not name the call centre", flow)
		}
	}
}
