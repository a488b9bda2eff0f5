// Package tui is the visitor's kiosk: the root model that routes between
// screens, draws the frame around them (office, step indicator, help bar),
// runs the idle timer and wipes the session.
package tui

import (
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/ventanilla-kiosk/ventanilla/tui/home"
	"github.com/ventanilla-kiosk/ventanilla/tui/i18n"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

// MinWidth and MinHeight are the smallest terminal the kiosk lays out for:
// the Linux text console is 80x24 at worst.
const (
	MinWidth  = 80
	MinHeight = 24
)

// chrome is the number of lines the frame takes: header, title, a blank
// line, and footerLines for the help bar.
const chrome = 3 + footerLines

// footerLines is the help bar's height: two lines, so every key fits in
// the longest language at 80 columns.
const footerLines = 2

// FlowFactory builds a procedure's screen. carry is what the visitor typed
// in another procedure (nil when starting from home); it is already a copy.
type FlowFactory func(env *kit.Env, carry *kit.Visitor) kit.Screen

// MaintenanceMsg turns maintenance mode on or off (sent by the technician
// console through Program.Send). Req, when set, is the technician's request
// the change belongs to: the screen applies the change only if it can take
// the request before the technician withdraws it, so a change the
// technician was told did not happen never happens later.
type MaintenanceMsg struct {
	On  bool
	Req *MaintenanceRequest
}

// MaintenanceRequest is one technician's maintenance change on its way to
// the visitor screen. Exactly one of two things happens to it: the screen
// takes it (and applies the change), or the sender withdraws it (and the
// screen ignores it when it arrives).
type MaintenanceRequest struct {
	state   atomic.Int32 // reqPending, reqTaken or reqWithdrawn
	applied chan struct{}
}

const (
	reqPending int32 = iota
	reqTaken
	reqWithdrawn
)

// NewMaintenanceRequest returns a pending request.
func NewMaintenanceRequest() *MaintenanceRequest {
	return &MaintenanceRequest{applied: make(chan struct{})}
}

// Applied is closed once the screen has taken the request and applied the
// change (Status reports it).
func (r *MaintenanceRequest) Applied() <-chan struct{} { return r.applied }

// Withdraw cancels the request unless the screen has already taken it; it
// reports whether it did. After a successful Withdraw the change is never
// applied; after a failed one it is applied (or being applied: wait for
// Applied).
func (r *MaintenanceRequest) Withdraw() bool {
	return r.state.CompareAndSwap(reqPending, reqWithdrawn)
}

// take claims the request for the screen; false means it was withdrawn.
func (r *MaintenanceRequest) take() bool {
	return r.state.CompareAndSwap(reqPending, reqTaken)
}

// WipeMsg forces the session to end now, as an idle timeout would.
type WipeMsg struct{}

type idleCheckMsg struct{ gen int }
type idleTickMsg struct{ gen int }

// Options configure the root model.
type Options struct {
	Env    *kit.Env
	Flows  map[string]FlowFactory
	Status *Status
}

// Model is the root bubbletea model of the kiosk.
type Model struct {
	env    *kit.Env
	flows  map[string]FlowFactory
	status *Status

	flow   string
	active kit.Screen
	help   help.Model
	keys   globalKeys

	width, height int

	// Idle timer: at most one check timer is outstanding (armed); gen
	// invalidates timers that belong to an earlier session or warning.
	lastInput time.Time
	armed     bool
	gen       int
	warning   bool
	warnLeft  time.Duration

	confirmCancel bool
	maintenance   bool
}

type globalKeys struct {
	Lang     key.Binding
	Contrast key.Binding
	Back     key.Binding
	Cancel   key.Binding
	Yes      key.Binding
}

func newGlobalKeys() globalKeys {
	return globalKeys{
		Lang:     kit.Bind("keys.language", "F2", "f2"),
		Contrast: kit.Bind("keys.contrast", "F3", "f3"),
		Back:     kit.Bind("keys.back", "Esc", "esc"),
		Cancel:   kit.Bind("keys.cancel", "F10", "f10"),
		Yes:      kit.Bind("keys.yes", "Enter", "enter"),
	}
}

// New returns the root model showing the home screen.
func New(o Options) *Model {
	if o.Env.Clock == nil {
		o.Env.Clock = kit.RealClock{}
	}
	if o.Env.Observer == nil {
		o.Env.Observer = kit.NopObserver{}
	}
	if o.Env.Settings.IdleTimeout <= 0 {
		o.Env.Settings.IdleTimeout = 90 * time.Second
	}
	if o.Env.Settings.IdleWarning <= 0 || o.Env.Settings.IdleWarning >= o.Env.Settings.IdleTimeout {
		o.Env.Settings.IdleWarning = min(30*time.Second, o.Env.Settings.IdleTimeout/2)
	}
	if o.Status == nil {
		o.Status = &Status{}
	}
	m := &Model{env: o.Env, flows: o.Flows, status: o.Status, help: help.New(), keys: newGlobalKeys()}
	m.help.ShortSeparator = "  ·  "
	m.goHome()
	return m
}

// Init implements tea.Model.
func (m *Model) Init() tea.Cmd { return m.active.Init() }

// pristine is the state a visitor finds on arrival; nothing needs wiping
// and no timer runs, so an unattended kiosk uses no CPU.
func (m *Model) pristine() bool {
	return m.flow == kit.FlowHome && m.env.T.Lang() == i18n.Source && !m.env.Styles.HighContrast
}

// Update implements tea.Model.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.env.Width, m.env.Height = msg.Width, max(1, msg.Height-chrome)
		m.help.Width = msg.Width
		_, cmd := m.active.Update(tea.WindowSizeMsg{Width: m.env.Width, Height: m.env.Height})
		return m, cmd

	case tea.KeyMsg:
		m.lastInput = m.env.Clock.Now()
		if m.warning {
			// Any key means "still here"; it is not passed on, so a
			// visitor who presses Enter to wake the screen does not also
			// confirm something.
			m.warning = false
			m.gen++
			m.armed = false
			return m, m.armIdle()
		}
		cmd, handled := m.globalKey(msg)
		if handled {
			return m, tea.Batch(cmd, m.armIdle())
		}
		// The key goes to the screen first: it may change what the idle
		// timer depends on (the home screen's language keys).
		next, cmd := m.active.Update(msg)
		m.active = next
		m.status.setStep(m.flow, m.stepName())
		return m, tea.Batch(cmd, m.armIdle())

	case idleCheckMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		m.armed = false
		return m, m.idleCheck()

	case idleTickMsg:
		if msg.gen != m.gen || !m.warning {
			return m, nil
		}
		return m, m.idleTick()

	case WipeMsg:
		m.env.Observer.SessionAbandoned(m.flow, m.stepName())
		return m, m.wipe()

	case MaintenanceMsg:
		if msg.Req != nil {
			if !msg.Req.take() {
				// The technician was told it did not happen.
				return m, nil
			}
			defer close(msg.Req.applied)
		}
		return m, m.setMaintenance(msg.On)

	case home.StaffRequestedMsg:
		m.status.staffRequested(m.env.Clock.Now())
		return m, nil

	case kit.OpenMsg:
		return m, m.open(msg)

	case kit.FinishedMsg:
		m.env.Observer.SessionFinished(m.flow)
		return m, m.wipe()

	case kit.CancelMsg:
		m.env.Observer.SessionAbandoned(m.flow, m.stepName())
		return m, m.wipe()

	case kit.ErrorMsg:
		if msg.Err != nil {
			m.status.setError(msg.Err.Error())
		}
		return m, nil
	}

	// Other messages (a frame from the camera, an outbox reply) go to the
	// active screen, also below the cancel dialog.
	next, cmd := m.active.Update(msg)
	m.active = next
	m.status.setStep(m.flow, m.stepName())
	return m, cmd
}

// setMaintenance turns maintenance mode on or off. A visitor in the middle
// of a procedure finishes it; the out-of-order screen replaces the home
// screen at once, and goes at once when maintenance ends.
func (m *Model) setMaintenance(on bool) tea.Cmd {
	m.maintenance = on
	m.status.setMaintenance(on)
	if on && m.flow == kit.FlowHome {
		return m.wipe()
	}
	if !on && m.flow == kit.FlowOutOfOrder {
		return m.wipe()
	}
	return nil
}

// globalKey handles the keys that work on every screen. Ctrl+C, Ctrl+Z and
// Ctrl+\ are swallowed here: the kiosk never drops a visitor to a shell.
func (m *Model) globalKey(k tea.KeyMsg) (tea.Cmd, bool) {
	switch k.Type {
	case tea.KeyCtrlC, tea.KeyCtrlZ, tea.KeyCtrlBackslash, tea.KeyCtrlD:
		return nil, true
	}
	if m.confirmCancel {
		switch {
		case key.Matches(k, m.keys.Yes):
			m.confirmCancel = false
			return func() tea.Msg { return kit.CancelMsg{} }, true
		case key.Matches(k, m.keys.Back), key.Matches(k, m.keys.Cancel):
			m.confirmCancel = false
			return nil, true
		}
		return nil, true
	}
	switch {
	case key.Matches(k, m.keys.Lang):
		langs := m.env.Settings.Languages
		if len(langs) == 0 {
			langs = i18n.All
		}
		cur := 0
		for i, l := range langs {
			if l == m.env.T.Lang() {
				cur = i
			}
		}
		m.env.T.SetLang(langs[(cur+1)%len(langs)])
		return nil, true
	case key.Matches(k, m.keys.Contrast):
		m.env.Styles = kit.NewStyles(m.env.Renderer, !m.env.Styles.HighContrast)
		return nil, true
	case key.Matches(k, m.keys.Cancel):
		if m.flow != kit.FlowHome && m.flow != kit.FlowOutOfOrder {
			m.confirmCancel = true
		}
		return nil, true
	case key.Matches(k, m.keys.Back):
		return m.back(), true
	}
	return nil, false
}

// canGoBack: the active screen does not refuse Back right now.
func (m *Model) canGoBack() bool {
	b, ok := m.active.(kit.BackOffer)
	return !ok || b.CanGoBack()
}

func (m *Model) back() tea.Cmd {
	switch m.flow {
	case kit.FlowHome, kit.FlowOutOfOrder:
		return nil
	}
	if !m.canGoBack() {
		return nil
	}
	if b, ok := m.active.(kit.BackHandler); ok {
		next, cmd, ok := b.Back()
		if ok {
			m.active = next
			m.status.setStep(m.flow, m.stepName())
			return cmd
		}
	}
	// Back from the first step leaves the procedure: that is an
	// abandoned session, and its data is wiped like any other.
	m.env.Observer.SessionAbandoned(m.flow, m.stepName())
	return m.wipe()
}

func (m *Model) open(o kit.OpenMsg) tea.Cmd {
	carry := o.Carry.Clone()
	if m.flow != kit.FlowHome {
		// Moving from one procedure to another (FNMT → call centre): the
		// old one is wiped, the new one gets a copy of what was typed.
		m.env.Observer.SessionAbandoned(m.flow, m.stepName())
		m.active.Wipe()
	}
	var s kit.Screen
	switch {
	case o.Flow == kit.FlowStaff:
		s = home.NewStaff(m.env)
	case m.flows[o.Flow] != nil:
		s = m.flows[o.Flow](m.env, carry)
	default:
		s = home.NewUnavailable(m.env)
	}
	m.flow = o.Flow
	m.active = s
	m.status.setStep(m.flow, m.stepName())
	m.env.Observer.SessionStarted(o.Flow)
	_, sizeCmd := s.Update(tea.WindowSizeMsg{Width: m.env.Width, Height: m.env.Height})
	return tea.Batch(s.Init(), sizeCmd, m.armIdle())
}

func (m *Model) goHome() {
	if m.maintenance {
		m.flow, m.active = kit.FlowOutOfOrder, home.NewOutOfOrder(m.env)
	} else {
		m.flow, m.active = kit.FlowHome, home.New(m.env)
	}
	m.status.setStep(m.flow, m.stepName())
}

// wipe ends the session: the screen overwrites what it holds and is
// dropped, language and accessibility go back to the defaults, every
// pending idle timer is invalidated and the terminal is cleared so no
// visitor data stays in the scroll-back.
func (m *Model) wipe() tea.Cmd {
	if m.active != nil {
		m.active.Wipe()
	}
	m.active = nil
	m.env.T.SetLang(i18n.Source)
	if m.env.Styles.HighContrast {
		m.env.Styles = kit.NewStyles(m.env.Renderer, false)
	}
	m.gen++
	m.armed = false
	m.warning = false
	m.confirmCancel = false
	m.goHome()
	_, cmd := m.active.Update(tea.WindowSizeMsg{Width: m.env.Width, Height: m.env.Height})
	return tea.Batch(tea.ClearScreen, m.active.Init(), cmd)
}

// armIdle starts the inactivity timer unless one is already running or
// the kiosk is pristine.
func (m *Model) armIdle() tea.Cmd {
	if m.armed || m.pristine() {
		return nil
	}
	m.armed = true
	if m.lastInput.IsZero() {
		m.lastInput = m.env.Clock.Now()
	}
	elapsed := m.env.Clock.Now().Sub(m.lastInput)
	wait := m.warnAt() - elapsed
	gen := m.gen
	return m.env.Clock.After(max(wait, 0), func(time.Time) tea.Msg { return idleCheckMsg{gen: gen} })
}

func (m *Model) warnAt() time.Duration {
	return m.env.Settings.IdleTimeout - m.env.Settings.IdleWarning
}

func (m *Model) idleCheck() tea.Cmd {
	if m.pristine() {
		return nil
	}
	elapsed := m.env.Clock.Now().Sub(m.lastInput)
	if elapsed < m.warnAt() {
		return m.armIdle()
	}
	m.warning = true
	return m.idleTick()
}

func (m *Model) idleTick() tea.Cmd {
	left := m.env.Settings.IdleTimeout - m.env.Clock.Now().Sub(m.lastInput)
	if left <= 0 {
		m.env.Observer.SessionAbandoned(m.flow, m.stepName())
		return m.wipe()
	}
	m.warnLeft = left
	// The countdown redraws once a second, and only while the warning is
	// up; the rest of the time nothing ticks.
	step := left % time.Second
	if step == 0 {
		step = time.Second
	}
	gen := m.gen
	return m.env.Clock.After(step, func(time.Time) tea.Msg { return idleTickMsg{gen: gen} })
}

func (m *Model) stepName() string {
	if m.active == nil {
		return ""
	}
	if s, ok := m.active.(kit.StepName); ok {
		return s.StepName()
	}
	return m.flow
}

// View implements tea.Model.
func (m *Model) View() string {
	st := m.env.Styles
	if m.width == 0 {
		return ""
	}
	if m.width < MinWidth || m.height < MinHeight {
		// Wrapped to the screen it complains about, so it is read whole.
		return st.Warning.Width(m.width).Render(m.env.T.T("shell.too_small", "W", MinWidth, "H", MinHeight))
	}
	header := m.header()
	title := st.Title.Render(m.active.Title())
	var body string
	switch {
	case m.warning:
		secs := int((m.warnLeft + time.Second - 1) / time.Second)
		body = st.Box.Width(min(m.width-4, 70)).Render(
			st.Warning.Render(m.env.T.T("shell.idle_title")) + "\n\n" +
				st.Body.Render(m.env.T.T("shell.idle_body", "Count", secs)))
	case m.confirmCancel:
		body = st.Box.Width(min(m.width-4, 70)).Render(
			st.Warning.Render(m.env.T.T("shell.cancel_title")) + "\n\n" +
				st.Body.Render(m.env.T.T("shell.cancel_body")))
	default:
		body = m.active.View()
	}
	bodyH := m.height - chrome
	body = fitLines(body, bodyH)
	footer := m.footer()
	return lipgloss.JoinVertical(lipgloss.Left, header, title, "", body, footer)
}

func (m *Model) header() string {
	st := m.env.Styles
	left := st.Office.Render(m.env.Settings.Office)
	right := ""
	if n, total := m.active.Progress(); total > 0 && !m.warning {
		right = st.Step.Render(m.env.T.T("shell.step", "N", n, "Total", total))
	}
	gap := m.width - 2 - lipgloss.Width(left) - lipgloss.Width(right)
	if gap < 1 {
		// Long office names give way to the step indicator, which the
		// visitor needs more.
		left = st.Office.Render(truncate(m.env.Settings.Office, max(0, m.width-4-lipgloss.Width(right))))
		gap = max(1, m.width-2-lipgloss.Width(left)-lipgloss.Width(right))
	}
	return st.Header.Width(m.width).Render(left + st.Office.Render(strings.Repeat(" ", gap)) + right)
}

// footerKeys is what the help bar lists: the screen's own keys, then the
// global ones, in display order, and the global keys the bar may leave out
// first when two lines are not enough (never Esc, F10 or the screen's own).
func (m *Model) footerKeys() (km help.KeyMap, dropFirst []key.Binding) {
	switch {
	case m.warning:
		return kit.KeyList{kit.Bind("keys.continue", m.env.T.T("keys.any_key"), "")}, nil
	case m.confirmCancel:
		return kit.KeyList{m.keys.Yes, m.keys.Back}, nil
	}
	// The home screen offers ←/→ for the language itself.
	globals := kit.KeyList{m.keys.Contrast}
	if m.flow != kit.FlowHome && m.flow != kit.FlowOutOfOrder {
		globals = kit.KeyList{m.keys.Lang, m.keys.Contrast, m.keys.Back, m.keys.Cancel}
		if !m.canGoBack() {
			globals = kit.KeyList{m.keys.Lang, m.keys.Contrast, m.keys.Cancel}
		}
	}
	return kit.Join(m.active.Keys(), globals), []key.Binding{m.keys.Contrast, m.keys.Lang}
}

// footer is the help bar: the two last lines of the screen. A bar that
// needs one line keeps a blank line above it.
func (m *Model) footer() string {
	km, drop := m.footerKeys()
	m.help.Styles.ShortKey = m.env.Styles.Field
	m.help.Styles.ShortDesc = m.env.Styles.Footer
	m.help.Styles.ShortSeparator = m.env.Styles.Footer
	lines := kit.HelpBar(m.help, kit.Localize(km, m.env.T).ShortHelp(), drop, m.width, footerLines)
	for len(lines) < footerLines {
		lines = append([]string{""}, lines...)
	}
	return strings.Join(lines, "\n")
}

// fitLines cuts or pads s to exactly h lines so the help bar stays at the
// bottom of the screen whatever the screen renders.
func fitLines(s string, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

func truncate(s string, w int) string {
	if lipgloss.Width(s) <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && lipgloss.Width(string(r))+1 > w {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

// Filter is a tea.WithFilter function: it drops quit, interrupt and suspend
// messages, so nothing a visitor types can stop or suspend the kiosk. The
// process stops the program through its context (tea.WithContext) instead.
func Filter(_ tea.Model, msg tea.Msg) tea.Msg {
	switch msg.(type) {
	case tea.QuitMsg, tea.InterruptMsg, tea.SuspendMsg:
		return nil
	}
	return msg
}

// String describes the model for debugging without personal data.
func (m *Model) String() string { return fmt.Sprintf("tui{flow=%s step=%s}", m.flow, m.stepName()) }
