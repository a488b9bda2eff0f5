package callcentre

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/ventanilla-kiosk/ventanilla/procedure"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

// Shot is what a photo step photographs.
type Shot int

// The three photos of a call-centre request.
const (
	ShotFront  Shot = iota // ID card, front
	ShotBack               // ID card, back
	ShotSigned             // the signed Cl@ve request, a sheet of paper
)

// photoStep is the camera step as these screens use it: a sub-model with
// the shape of the shared steps (tui/steps), that is Done once the visitor
// has accepted a photo. Result is the accepted photo with the problems the
// quality check found (none for a good photo), which procedure's
// completeness check turns into "unreadable".
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
// tests put a scripted camera in its place; the kiosk uses the shared
// camera step once it is wired (see cameraPhoto).
var newPhoto = cameraPhoto

// cameraPhoto returns the camera step for shot. Until the shared camera
// step (steps.Photo over tui/capture) is available in this build, the step
// says plainly that the camera cannot be used and where to find staff; it
// never pretends a photo was taken.
func cameraPhoto(env *kit.Env, shot Shot) photoStep { return &noCamera{env: env, shot: shot} }

// noCamera is the honest fallback when no camera can be used.
type noCamera struct {
	env  *kit.Env
	shot Shot
}

func (n *noCamera) Init() tea.Cmd           { return nil }
func (n *noCamera) Update(tea.Msg) tea.Cmd  { return nil }
func (n *noCamera) Keys() help.KeyMap       { return kit.KeyList{} }
func (n *noCamera) Done() bool              { return false }
func (n *noCamera) Result() procedure.Image { return procedure.Image{} }
func (n *noCamera) Wipe()                   {}
func (n *noCamera) View() string {
	env, st := n.env, n.env.Styles
	w := max(30, env.Width-2)
	var b strings.Builder
	b.WriteString(st.Warning.Width(w).Render(env.T.T("callcentre.photo.no_camera")))
	if desk := env.Settings.HelpDesk; desk != "" {
		b.WriteString("\n\n")
		b.WriteString(st.Body.Width(w).Render(env.T.T("callcentre.photo.staff_desk", "Desk", desk)))
	}
	return b.String()
}
