package home

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

// StaffRequestedMsg tells the root a visitor asked for staff, so the
// technician console and the audit log can show it.
type StaffRequestedMsg struct{}

// Staff tells the visitor where to find a person. It asks for nothing.
type Staff struct {
	env  *kit.Env
	done key.Binding
}

// NewStaff returns the staff help screen.
func NewStaff(env *kit.Env) *Staff {
	return &Staff{env: env, done: kit.Bind("keys.home", "Enter", "enter")}
}

// Init implements kit.Screen: record the request once.
func (s *Staff) Init() tea.Cmd { return func() tea.Msg { return StaffRequestedMsg{} } }

// Update implements kit.Screen.
func (s *Staff) Update(msg tea.Msg) (kit.Screen, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok && key.Matches(k, s.done) {
		return s, func() tea.Msg { return kit.FinishedMsg{Flow: kit.FlowStaff} }
	}
	return s, nil
}

// View implements kit.Screen.
func (s *Staff) View() string {
	st := s.env.Styles
	w := max(20, s.env.Width-4)
	var b strings.Builder
	b.WriteString(st.Body.Width(w).Render(s.env.T.T("staff.body")))
	if desk := s.env.Settings.HelpDesk; desk != "" {
		b.WriteString(strings.Repeat("\n", st.Gap+1))
		// The desk is the office's own wording from the configuration.
		b.WriteString(st.Warning.Width(w).Render(s.env.T.T("staff.desk", "Desk", desk)))
	}
	if cc := s.env.Settings.CallCentre; cc.Phone != "" {
		b.WriteString(strings.Repeat("\n", st.Gap+1))
		b.WriteString(st.Body.Width(w).Render(s.env.T.T("staff.callcentre", "Phone", cc.Phone, "Hours", cc.Hours)))
	}
	return b.String()
}

// Keys implements kit.Screen.
func (s *Staff) Keys() help.KeyMap { return kit.KeyList{s.done} }

// Progress implements kit.Screen.
func (s *Staff) Progress() (int, int) { return 0, 0 }

// Title implements kit.Screen.
func (s *Staff) Title() string { return s.env.T.T("staff.title") }

// Wipe implements kit.Screen.
func (s *Staff) Wipe() {}

// StepName implements kit.StepName.
func (s *Staff) StepName() string { return "staff" }

// OutOfOrder is shown while a technician has the kiosk in maintenance. It
// takes no input: the root lifts it when maintenance ends.
type OutOfOrder struct{ env *kit.Env }

// NewOutOfOrder returns the maintenance screen.
func NewOutOfOrder(env *kit.Env) *OutOfOrder { return &OutOfOrder{env: env} }

// Init implements kit.Screen.
func (o *OutOfOrder) Init() tea.Cmd { return nil }

// Update implements kit.Screen.
func (o *OutOfOrder) Update(tea.Msg) (kit.Screen, tea.Cmd) { return o, nil }

// View implements kit.Screen.
func (o *OutOfOrder) View() string {
	st := o.env.Styles
	w := max(20, o.env.Width-4)
	return st.Box.Width(min(w, 70)).Render(st.Warning.Render(o.env.T.T("maintenance.title")) + "\n\n" + st.Body.Render(o.env.T.T("maintenance.body")))
}

// Keys implements kit.Screen.
func (o *OutOfOrder) Keys() help.KeyMap { return kit.KeyList{} }

// Progress implements kit.Screen.
func (o *OutOfOrder) Progress() (int, int) { return 0, 0 }

// Title implements kit.Screen.
func (o *OutOfOrder) Title() string { return o.env.T.T("maintenance.heading") }

// Wipe implements kit.Screen.
func (o *OutOfOrder) Wipe() {}

// StepName implements kit.StepName.
func (o *OutOfOrder) StepName() string { return "maintenance" }

// Unavailable is shown when a procedure is not available on this kiosk
// (its device or component is missing). It says so plainly.
type Unavailable struct {
	env  *kit.Env
	done key.Binding
}

// NewUnavailable returns the screen.
func NewUnavailable(env *kit.Env) *Unavailable {
	return &Unavailable{env: env, done: kit.Bind("keys.home", "Enter", "enter")}
}

// Init implements kit.Screen.
func (u *Unavailable) Init() tea.Cmd { return nil }

// Update implements kit.Screen.
func (u *Unavailable) Update(msg tea.Msg) (kit.Screen, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok && key.Matches(k, u.done) {
		return u, func() tea.Msg { return kit.CancelMsg{} }
	}
	return u, nil
}

// View implements kit.Screen.
func (u *Unavailable) View() string {
	return u.env.Styles.Warning.Width(max(20, u.env.Width-4)).Render(u.env.T.T("shell.unavailable"))
}

// Keys implements kit.Screen.
func (u *Unavailable) Keys() help.KeyMap { return kit.KeyList{u.done} }

// Progress implements kit.Screen.
func (u *Unavailable) Progress() (int, int) { return 0, 0 }

// Title implements kit.Screen.
func (u *Unavailable) Title() string { return u.env.T.T("shell.unavailable_title") }

// Wipe implements kit.Screen.
func (u *Unavailable) Wipe() {}
