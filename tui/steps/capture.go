package steps

import (
	"sync"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/ventanilla-kiosk/ventanilla/tui/capture"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

// The kiosk's camera step is tui/capture's component. Tests replace
// NewCamera with a scripted camera.
func init() {
	if NewCamera == nil {
		NewCamera = captureCamera
	}
}

// memories links the front and back captures of one visitor, so a back
// that looks like the front is flagged. One per kiosk program (per Env),
// wiped with the photo steps.
var memories sync.Map // *kit.Env → *capture.Memory

func memoryFor(env *kit.Env) *capture.Memory {
	m, _ := memories.LoadOrStore(env, &capture.Memory{})
	return m.(*capture.Memory)
}

var shotModes = map[Shot]capture.Mode{
	ShotIDFront:  capture.IDFront,
	ShotIDBack:   capture.IDBack,
	ShotFace:     capture.Face,
	ShotDocument: capture.Document,
}

func captureCamera(env *kit.Env, shot Shot, rehearsal bool) Camera {
	cfg := capture.Config{
		T:         env.T,
		Source:    env.Camera,
		Mode:      shotModes[shot],
		Clock:     env.Clock.Now,
		Rehearsal: rehearsal,
	}
	if env.Renderer != nil {
		cfg.Profile = env.Renderer.ColorProfile()
	}
	mem := memoryFor(env)
	c := capture.NewComponent(cfg, mem)
	c.OnCaptured = func(m capture.CapturedMsg) tea.Msg {
		return CameraCapturedMsg{Shot: shot, JPEG: m.JPEG, Issues: m.Issues()}
	}
	c.OnUnavailable = func(err error) tea.Msg { return CameraUnavailableMsg{Err: err} }
	return &captureStep{Component: c, mem: mem}
}

// captureStep forgets the front's signature when the step is wiped (the
// session ended).
type captureStep struct {
	*capture.Component
	mem *capture.Memory
}

func (c *captureStep) Wipe() {
	c.Component.Wipe()
	c.mem.Wipe()
}
