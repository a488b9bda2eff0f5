// Package kit is what every visitor screen shares: the Screen contract the
// root model routes to, the messages screens send upward, the environment
// (translator, styles, clock, device and store ports) and the visitor's
// session data. Screens import kit; kit imports no screen.
package kit

import (
	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
)

// Screen is one visitor screen or one procedure (a procedure is a screen
// that owns its steps). The root model calls Update only on the active
// screen, except tea.WindowSizeMsg, which every screen receives.
type Screen interface {
	Init() tea.Cmd
	Update(tea.Msg) (Screen, tea.Cmd)
	View() string
	// Keys lists the screen's own bindings for the help bar; the root adds
	// the global ones (language, contrast, back, cancel).
	Keys() help.KeyMap
	// Progress is the position in the procedure ("Paso 2 de 4"); total 0
	// means the screen is not a numbered step.
	Progress() (step, total int)
	// Title is the translated heading, evaluated at render time so that a
	// language switch shows at once.
	Title() string
	// Wipe drops and overwrites every piece of visitor data the screen
	// holds. The root calls it before discarding the screen.
	Wipe()
}

// StepName is implemented by screens that can say which step the visitor
// is on without personal data, for the technician console and metrics
// ("fnmt/2-request").
type StepName interface {
	StepName() string
}

// BackHandler is implemented by screens that handle Back themselves (a
// multi-step procedure goes to its previous step). It reports false when
// the screen is at its first step, and the root then goes home.
type BackHandler interface {
	Back() (Screen, tea.Cmd, bool)
}

// BackOffer is implemented by screens where Back does nothing at times (a
// request already queued: there is nothing to go back to). While
// CanGoBack is false the root leaves Esc out of the help bar and ignores
// it, so the bar offers only keys that work.
type BackOffer interface {
	CanGoBack() bool
}

// Messages a screen sends upward to the root.
type (
	// FinishedMsg: the procedure is complete; the root wipes the session
	// and goes home.
	FinishedMsg struct{ Flow string }
	// CancelMsg: the visitor cancelled; wipe and go home.
	CancelMsg struct{}
	// OpenMsg asks the root to open a procedure, carrying over what the
	// visitor already typed (may be nil).
	OpenMsg struct {
		Flow  string
		Carry *Visitor
	}
	// ErrorMsg reports a technical problem for the technician console (no
	// personal data in Err's text).
	ErrorMsg struct{ Err error }
)

// Flow identifiers, shared by the home screen, the root router and metrics.
const (
	FlowHome       = "home"
	FlowFNMT       = "fnmt"
	FlowClave      = "clave"
	FlowCertCall   = "certcall"
	FlowStaff      = "staff"
	FlowOutOfOrder = "maintenance"
)
