package callcentre

import (
	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/ventanilla-kiosk/ventanilla/procedure"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
	"github.com/ventanilla-kiosk/ventanilla/tui/steps"
)

// Shot is what a photo step photographs.
type Shot int

// The three photos of a call-centre request.
const (
	ShotFront  Shot = iota // ID card, front
	ShotBack               // ID card, back
	ShotSigned             // the signed Cl@ve request, a sheet of paper
)

// photoStep is the camera step as these screens use it: the shared
// steps.Photo (live preview, auto-capture, advice, its own accept/retake
// review), Done once the visitor has accepted a photo. Result is the
// accepted photo with the problems the quality check still found, which
// procedure's completeness check reports as "unreadable".
type photoStep interface {
	Init() tea.Cmd
	Update(tea.Msg) tea.Cmd
	View() string
	Keys() help.KeyMap
	Done() bool
	Result() procedure.Image
	Wipe()
}

// newPhoto builds the camera step for one shot. It is a variable so the
// tests put a scripted camera in its place.
var newPhoto = cameraPhoto

// cameraPhoto returns the shared camera step. When the kiosk has no
// camera, that step says so plainly and offers staff help; it never
// pretends a photo was taken.
func cameraPhoto(env *kit.Env, shot Shot) photoStep {
	s := steps.ShotIDFront
	switch shot {
	case ShotBack:
		s = steps.ShotIDBack
	case ShotSigned:
		s = steps.ShotDocument
	}
	return steps.NewPhoto(env, steps.PhotoConfig{Shot: s})
}
