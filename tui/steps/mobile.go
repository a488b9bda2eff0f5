package steps

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/ventanilla-kiosk/ventanilla/procedure"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

// MobileConfig configures VerifyMobile.
type MobileConfig struct {
	// Initial prefills the number (carried over from another procedure).
	Initial string
	// Rules of the code; zero fields take procedure.DefaultOTPRules.
	Rules procedure.OTPRules
	// Rand is the source of the code (nil: crypto/rand). Tests pass a
	// fixed reader to know the code.
	Rand io.Reader
	// DoneNote is an optional catalogue key shown under the verdict,
	// before "Enter to continue" (what comes next in the procedure).
	DoneNote string
}

// MobileResult is what VerifyMobile hands back when Done.
type MobileResult struct {
	// Mobile is the number in E.164 form ("+34600123456").
	Mobile string
	// Verified is true only when the visitor typed the right code.
	Verified bool
	// Queued is true when at least one SMS was committed to the outbox.
	Queued bool
}

type mobilePhase int

const (
	phaseNumber  mobilePhase = iota // typing the number
	phaseSending                    // waiting for the outbox to commit
	phaseCode                       // typing the code
	// phaseWait: a new number was given during the cool-down; its code
	// goes out by itself when the cool-down ends. No code box: no code
	// has been sent to this number yet.
	phaseWait
	phaseDone
)

type smsQueuedMsg struct {
	tag uint64
	gen int
	err error
}

type cooldownTickMsg struct {
	tag uint64
	gen int
}

// VerifyMobile asks for a Spanish mobile, sends a six-digit code to it by
// SMS (through env.Outbox, in the visitor's language) and asks for the
// code back, following the OTP rules: expiry, limited tries, a new code
// with a cool-down shown as a countdown while it runs. When the modem is
// not ready the visitor is told plainly that the SMS is queued and may
// arrive later, and may continue without verifying (the result then says
// Verified false).
//
// A code verifies only the number it was sent to (issue 14): a visitor
// who changes the number gets a new code for the new one (after the
// cool-down, sent by itself), and the old code stops working.
type VerifyMobile struct {
	env  *kit.Env
	cfg  MobileConfig
	tag  uint64
	gen  int
	otp  *procedure.OTP
	num  Field
	code Field

	phase  mobilePhase
	mobile string // E.164, once valid
	queued bool
	resent bool
	// sendFailed: the outbox refused the SMS (disk full, store closed);
	// the visitor may retry or continue unverified.
	sendFailed bool
	verified   bool
	// problem is the error under the number; msgKey/msgArgs the status
	// line under the code box.
	problem error
	msgKey  string
	msgArgs []any
	msgErr  bool

	keys mobileKeys
}

type mobileKeys struct {
	Send, Verify, Resend, Change, Skip, Continue key.Binding
}

// NewVerifyMobile returns the mobile-verification step.
func NewVerifyMobile(env *kit.Env, cfg MobileConfig) *VerifyMobile {
	m := &VerifyMobile{
		env: env, cfg: cfg, tag: newTag(), otp: procedure.NewOTP(cfg.Rules),
		num:  Field{LabelKey: "steps.mobile.number_label", Limit: 20, Filter: PhoneRunes},
		code: Field{LabelKey: "steps.mobile.code_label", Limit: 8, Filter: Digits},
		keys: mobileKeys{
			Send:   kit.Bind("steps.keys.send_code", "Enter", "enter"),
			Verify: kit.Bind("steps.keys.verify", "Enter", "enter"),
			Resend: kit.Bind("steps.keys.resend", "F5", "f5"),
			Change: kit.Bind("steps.keys.change_number", "F6", "f6"),
			Skip:   kit.Bind("steps.keys.skip_verify", "F7", "f7"),
			// Continue is the screen's own Enter once the step is done;
			// the step only names it, so the help bar says what Enter
			// does on the verdict.
			Continue: kit.Bind("steps.keys.continue", "Enter", "enter"),
		},
	}
	m.num.SetValue(cfg.Initial)
	m.num.Focus()
	return m
}

// Init implements the step shape.
func (m *VerifyMobile) Init() tea.Cmd { return nil }

// Done reports whether the step is finished (verified or, when allowed,
// continued without verification).
func (m *VerifyMobile) Done() bool { return m.phase == phaseDone }

// Result returns the outcome; meaningful once Done.
func (m *VerifyMobile) Result() MobileResult {
	return MobileResult{Mobile: m.mobile, Verified: m.verified, Queued: m.queued}
}

// Back steps back inside the step (from the code to the number). It
// reports false when already at the number, so the screen goes back.
func (m *VerifyMobile) Back() bool {
	switch m.phase {
	case phaseCode, phaseSending, phaseWait, phaseDone:
		m.toNumber()
		return true
	}
	return false
}

func (m *VerifyMobile) toNumber() {
	m.gen++ // stale SMS replies and ticks are ignored
	m.phase = phaseNumber
	m.code.Wipe()
	m.code.Blur()
	m.num.Focus()
	m.verified = false
	m.clearMsg()
}

func (m *VerifyMobile) modemReady() bool {
	return m.env.Modem == nil || m.env.Modem.Ready()
}

// canSkip: continuing unverified is offered only when the SMS honestly may
// not arrive now (modem down, or the outbox refused it).
func (m *VerifyMobile) canSkip() bool {
	return (m.phase == phaseCode || m.phase == phaseWait) && (!m.modemReady() || m.sendFailed)
}

func (m *VerifyMobile) setMsg(isErr bool, key string, args ...any) {
	m.msgKey, m.msgArgs, m.msgErr = key, args, isErr
}

func (m *VerifyMobile) clearMsg() { m.msgKey, m.msgArgs, m.msgErr, m.problem = "", nil, false, nil }

// Update handles keys, the outbox's reply and the countdown ticks.
func (m *VerifyMobile) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case smsQueuedMsg:
		if msg.tag != m.tag || msg.gen != m.gen || m.phase != phaseSending {
			return nil
		}
		m.phase = phaseCode
		m.code.Focus()
		if msg.err != nil {
			m.sendFailed = true
			m.setMsg(true, "steps.mobile.queue_failed")
			err := fmt.Errorf("steps: queue verification SMS: %w", msg.err)
			return tea.Batch(func() tea.Msg { return kit.ErrorMsg{Err: err} }, m.tick())
		}
		m.queued = true
		m.sendFailed = false
		if m.resent {
			m.setMsg(false, "steps.mobile.resent")
		}
		return m.tick()
	case cooldownTickMsg:
		if msg.tag != m.tag || msg.gen != m.gen {
			return nil
		}
		switch m.phase {
		case phaseWait:
			if m.otp.ResendIn(m.env.Clock.Now()) <= 0 {
				return m.send()
			}
			return m.tick()
		case phaseCode:
			return m.tick()
		}
		return nil
	case tea.KeyMsg:
		return m.key(msg)
	}
	return nil
}

// tick schedules the next countdown redraw, only while the cool-down runs.
func (m *VerifyMobile) tick() tea.Cmd {
	left := m.otp.ResendIn(m.env.Clock.Now())
	if left <= 0 {
		return nil
	}
	step := left % time.Second
	if step == 0 {
		step = time.Second
	}
	tag, gen := m.tag, m.gen
	return m.env.Clock.After(step, func(time.Time) tea.Msg { return cooldownTickMsg{tag: tag, gen: gen} })
}

func (m *VerifyMobile) key(k tea.KeyMsg) tea.Cmd {
	switch m.phase {
	case phaseNumber:
		if key.Matches(k, m.keys.Send) {
			return m.submitNumber()
		}
		if m.num.Update(k) {
			m.problem = nil
		}
	case phaseWait:
		switch {
		case key.Matches(k, m.keys.Change):
			m.toNumber()
		case key.Matches(k, m.keys.Skip) && m.canSkip():
			m.skip()
		}
	case phaseCode:
		switch {
		case key.Matches(k, m.keys.Verify):
			m.submitCode()
		case key.Matches(k, m.keys.Resend):
			return m.resend()
		case key.Matches(k, m.keys.Change):
			m.toNumber()
		case key.Matches(k, m.keys.Skip) && m.canSkip():
			m.skip()
		default:
			m.code.Update(k)
		}
	}
	return nil
}

// skip continues without verification (offered only by canSkip). The
// code is burnt: a code that arrives later must not verify anything.
func (m *VerifyMobile) skip() {
	m.code.Wipe()
	m.otp.Forget("")
	m.verified = false
	m.phase = phaseDone
}

func (m *VerifyMobile) submitNumber() tea.Cmd {
	e164, err := procedure.ParseMobile(m.num.Value())
	if err != nil {
		m.problem = err
		return nil
	}
	m.problem = nil
	if e164 != m.mobile {
		// A different number starts afresh: the code sent to the old one
		// must never verify the new one. The cool-down still applies, as
		// it protects against sending SMS in a burst.
		m.queued = false
		m.sendFailed = false
	}
	m.otp.Forget(e164)
	m.mobile = e164
	m.resent = false
	return m.send()
}

func (m *VerifyMobile) resend() tea.Cmd {
	if m.otp.ResendIn(m.env.Clock.Now()) > 0 {
		// Not silently: the countdown line says when F5 works again.
		m.setMsg(false, "steps.mobile.wait_resend")
		return nil
	}
	m.resent = true
	return m.send()
}

// send issues a code and queues the SMS. The text is translated now, in
// the visitor's current language: it is the content of the message.
func (m *VerifyMobile) send() tea.Cmd {
	now := m.env.Clock.Now()
	if left := m.otp.ResendIn(now); left > 0 {
		m.num.Blur()
		if m.otp.SentTo() == m.mobile {
			// The same number again within the cool-down: its code is
			// still good, so the visitor goes back to typing it.
			m.phase = phaseCode
			m.code.Focus()
			m.setMsg(false, "steps.mobile.wait_resend")
			return m.tick()
		}
		// Another number: nothing has been sent to it. Its code goes
		// out by itself when the cool-down ends (the tick does it).
		m.phase = phaseWait
		m.gen++
		m.code.Wipe()
		m.clearMsg()
		return m.tick()
	}
	code, err := m.otp.Issue(now, m.mobile, m.cfg.Rand)
	if err != nil {
		m.setMsg(true, "steps.mobile.queue_failed")
		return func() tea.Msg { return kit.ErrorMsg{Err: fmt.Errorf("steps: %w", err)} }
	}
	m.gen++
	m.phase = phaseSending
	m.num.Blur()
	m.code.Wipe()
	m.clearMsg()
	rules := m.otp.Rules()
	text := CodeSMS(m.env, code, rules)
	to, out, tag, gen := m.mobile, m.env.Outbox, m.tag, m.gen
	return func() tea.Msg {
		if out == nil {
			return smsQueuedMsg{tag: tag, gen: gen, err: fmt.Errorf("no outbox configured")}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		_, err := out.EnqueueSMS(ctx, to, text)
		return smsQueuedMsg{tag: tag, gen: gen, err: err}
	}
}

func (m *VerifyMobile) submitCode() {
	v := m.otp.Check(m.env.Clock.Now(), m.mobile, m.code.Value())
	switch v {
	case procedure.VerdictOK:
		m.code.Wipe()
		m.verified = true
		m.phase = phaseDone
		m.clearMsg()
		return
	case procedure.VerdictWrong:
		m.setMsg(true, "steps.mobile.wrong", "Left", m.otp.Remaining())
	case procedure.VerdictLocked:
		m.setMsg(true, "steps.mobile.locked", "Max", m.otp.Rules().MaxAttempts)
	case procedure.VerdictExpired:
		m.setMsg(true, "steps.mobile.expired")
	case procedure.VerdictNoCode, procedure.VerdictOtherNumber:
		m.setMsg(true, "steps.mobile.no_code")
	case procedure.VerdictMalformed:
		m.setMsg(true, "steps.mobile.malformed", "Digits", m.otp.Rules().Digits)
		return // keep what was typed so a missing digit can be added
	}
	m.code.Wipe()
}

// Keys lists the bindings that work now.
func (m *VerifyMobile) Keys() help.KeyMap {
	switch m.phase {
	case phaseNumber:
		return kit.KeyList{m.keys.Send}
	case phaseCode:
		// Only keys that do something now: no "check" without a live
		// code, no F5 during the cool-down.
		var ks kit.KeyList
		now := m.env.Clock.Now()
		if m.otp.Active(now) {
			ks = append(ks, m.keys.Verify)
		}
		if m.otp.ResendIn(now) == 0 {
			ks = append(ks, m.keys.Resend)
		}
		ks = append(ks, m.keys.Change)
		if m.canSkip() {
			ks = append(ks, m.keys.Skip)
		}
		return ks
	case phaseWait:
		ks := kit.KeyList{m.keys.Change}
		if m.canSkip() {
			ks = append(ks, m.keys.Skip)
		}
		return ks
	case phaseDone:
		return kit.KeyList{m.keys.Continue}
	}
	return kit.KeyList{}
}

// Wipe forgets the number, the code and the state.
func (m *VerifyMobile) Wipe() {
	m.gen++
	m.num.Wipe()
	m.code.Wipe()
	m.otp.Wipe()
	m.mobile = ""
	m.verified, m.queued, m.resent, m.sendFailed = false, false, false, false
	m.phase = phaseNumber
	m.num.Focus()
	m.clearMsg()
}

// View renders the current phase.
func (m *VerifyMobile) View() string {
	env, st := m.env, m.env.Styles
	w := max(30, env.Width-2)
	var b strings.Builder
	gap := strings.Repeat("\n", st.Gap+1)
	switch m.phase {
	case phaseNumber:
		b.WriteString(st.Body.Width(w).Render(env.T.T("steps.mobile.intro")))
		b.WriteString(gap)
		b.WriteString(m.num.View(env, 30))
		if m.problem != nil {
			b.WriteString("\n")
			b.WriteString(st.Error.Width(w).Render(ProblemText(env, m.problem)))
		}
	case phaseSending:
		b.WriteString(st.Body.Width(w).Render(env.T.T("steps.mobile.sending")))
	case phaseWait:
		secs := int((m.otp.ResendIn(env.Clock.Now()) + time.Second - 1) / time.Second)
		b.WriteString(st.Body.Width(w).Render(env.T.T("steps.mobile.wait_new_number",
			"Mobile", GroupMobile(m.mobile), "Seconds", max(secs, 1))))
		if !m.modemReady() {
			b.WriteString(gap)
			b.WriteString(st.Box.Width(min(w, 76)).Render(st.Warning.Render(env.T.T("steps.mobile.modem_down"))))
		}
	case phaseCode:
		now := env.Clock.Now()
		// The whole number is shown (grouped) so the visitor can spot a
		// typo; the screen is theirs and is wiped at the end.
		shown := GroupMobile(m.mobile)
		if m.queued {
			b.WriteString(st.Body.Width(w).Render(env.T.T("steps.mobile.sent", "Mobile", shown, "Digits", m.otp.Rules().Digits)))
			if m.otp.Active(now) {
				until := now.Add(m.otp.ExpiresIn(now)).In(procedure.Madrid()).Format("15:04")
				b.WriteString("\n")
				b.WriteString(st.Muted.Width(w).Render(env.T.T("steps.mobile.valid_until", "Time", until)))
			}
		}
		if !m.modemReady() {
			b.WriteString(gap)
			b.WriteString(st.Box.Width(min(w, 76)).Render(st.Warning.Render(env.T.T("steps.mobile.modem_down"))))
		}
		b.WriteString(gap)
		b.WriteString(m.code.View(env, 16))
		if m.msgKey != "" {
			b.WriteString("\n")
			style := st.Body
			if m.msgErr {
				style = st.Error
			}
			b.WriteString(style.Width(w).Render(env.T.T(m.msgKey, m.msgArgs...)))
		}
		// How to get a new code, and when: F5 is named only when it
		// works, and the countdown says when it will.
		b.WriteString("\n")
		switch left := m.otp.ResendIn(now); {
		case left > 0:
			secs := int((left + time.Second - 1) / time.Second)
			b.WriteString(st.Muted.Width(w).Render(env.T.T("steps.mobile.resend_in", "Seconds", secs)))
		case m.otp.Active(now):
			b.WriteString(st.Muted.Width(w).Render(env.T.T("steps.mobile.resend_hint")))
		default:
			b.WriteString(st.Body.Width(w).Render(env.T.T("steps.mobile.resend_now")))
		}
	case phaseDone:
		if m.verified {
			b.WriteString(st.OK.Width(w).Render(env.T.T("steps.mobile.verified")))
		} else {
			b.WriteString(st.Warning.Width(w).Render(env.T.T("steps.mobile.unverified")))
		}
		if m.cfg.DoneNote != "" {
			b.WriteString(gap)
			b.WriteString(st.Muted.Width(w).Render(env.T.T(m.cfg.DoneNote)))
		}
		b.WriteString(gap)
		b.WriteString(st.Body.Width(w).Render(env.T.T("steps.mobile.continue")))
	}
	return b.String()
}

// GroupMobile writes an E.164 Spanish mobile as "+34 600 123 456", the way
// people read numbers aloud; other input is returned unchanged.
func GroupMobile(e164 string) string {
	if len(e164) != 12 || !strings.HasPrefix(e164, "+34") {
		return e164
	}
	d := e164[3:]
	return "+34 " + d[:3] + " " + d[3:6] + " " + d[6:]
}
