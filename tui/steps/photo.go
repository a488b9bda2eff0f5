package steps

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/ventanilla-kiosk/ventanilla/procedure"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

// Shot is what the camera step photographs.
type Shot int

// The shots the kiosk takes.
const (
	ShotIDFront  Shot = iota // identity card, front
	ShotIDBack               // identity card, back (machine-readable zone)
	ShotFace                 // the visitor's face
	ShotDocument             // a sheet of paper (the signed Cl@ve request)
)

// String names the shot for step names and logs.
func (s Shot) String() string {
	switch s {
	case ShotIDFront:
		return "front"
	case ShotIDBack:
		return "back"
	case ShotFace:
		return "face"
	}
	return "document"
}

// Camera is the live camera component Photo embeds: tui/capture's model
// through a small adapter (see NewCamera). It reports with
// CameraCapturedMsg and CameraUnavailableMsg.
type Camera interface {
	Init() tea.Cmd
	Update(tea.Msg) tea.Cmd
	View() string
	Keys() help.KeyMap
	SetSize(w, h int)
	// Close stops the preview (no more frames are requested).
	Close()
}

// CameraCapturedMsg: the visitor accepted a photo. JPEG belongs to the
// receiver; Issues are the quality problems still present (camera check
// codes: "glare", "blurry"…), empty for a good photo.
type CameraCapturedMsg struct {
	Shot   Shot
	JPEG   []byte
	Issues []string
}

// CameraUnavailableMsg: the camera cannot be used (missing, unplugged).
type CameraUnavailableMsg struct{ Err error }

// NewCamera builds the camera component for a shot. It is set by the
// package that adapts tui/capture (or by tests); while it is nil, or when
// env.Camera is nil, Photo says honestly that the camera is unavailable.
var NewCamera func(env *kit.Env, shot Shot, rehearsal bool) Camera

// PhotoConfig configures Photo.
type PhotoConfig struct {
	Shot Shot
	// Rehearsal: a check, not an upload. The accepted image is zeroed at
	// once and Result carries no data, only the problems found.
	Rehearsal bool
	// Above is the number of lines the parent draws above the step; the
	// camera's preview gets what is left of the body, so the whole
	// screen fits.
	Above int
}

// Photo is the camera step: live preview and advice from the camera
// component, Done once the visitor accepts a photo. When the camera is
// unavailable it says so and offers staff help; with Rehearsal set the
// visitor may also skip (Skipped reports it), since nothing is sent.
type Photo struct {
	env         *kit.Env
	cfg         PhotoConfig
	cam         Camera
	unavailable bool
	done        bool
	skipped     bool
	result      procedure.Image
	skip        key.Binding
}

// NewPhoto returns the camera step.
func NewPhoto(env *kit.Env, cfg PhotoConfig) *Photo {
	p := &Photo{env: env, cfg: cfg, skip: kit.Bind("steps.keys.skip_photo", "F7", "f7")}
	if NewCamera != nil && env.Camera != nil {
		p.cam = NewCamera(env, cfg.Shot, cfg.Rehearsal)
	}
	p.unavailable = p.cam == nil
	return p
}

// Init starts the preview.
func (p *Photo) Init() tea.Cmd {
	if p.cam == nil {
		return nil
	}
	p.cam.SetSize(p.env.Width, max(1, p.env.Height-2-p.cfg.Above))
	return p.cam.Init()
}

// Update passes messages to the camera and takes its results.
func (p *Photo) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case CameraCapturedMsg:
		if p.done || msg.Shot != p.cfg.Shot {
			return nil
		}
		p.done = true
		p.result.Issues = append([]string(nil), msg.Issues...)
		if p.cfg.Rehearsal {
			kit.Zero(msg.JPEG) // rehearsal images are never kept
		} else {
			p.result.Data = msg.JPEG
		}
		if p.cam != nil {
			p.cam.Close()
		}
		return nil
	case CameraUnavailableMsg:
		p.unavailable = true
		if p.cam != nil {
			p.cam.Close()
		}
		return nil
	case tea.WindowSizeMsg:
		if p.cam != nil {
			p.cam.SetSize(msg.Width, max(1, msg.Height-2-p.cfg.Above))
		}
	case tea.KeyMsg:
		if p.unavailable && p.cfg.Rehearsal && key.Matches(msg, p.skip) {
			p.done, p.skipped = true, true
			return nil
		}
	}
	if p.cam != nil && !p.done && !p.unavailable {
		return p.cam.Update(msg)
	}
	return nil
}

// Done reports whether a photo was accepted (or, for a rehearsal without
// a camera, skipped).
func (p *Photo) Done() bool { return p.done }

// Skipped reports whether a rehearsal was skipped for lack of a camera.
func (p *Photo) Skipped() bool { return p.skipped }

// Unavailable reports whether the camera cannot be used.
func (p *Photo) Unavailable() bool { return p.unavailable }

// Result is the accepted photo (no Data for a rehearsal).
func (p *Photo) Result() procedure.Image { return p.result }

// Keys lists the camera's keys, or the skip key when it is unavailable.
func (p *Photo) Keys() help.KeyMap {
	switch {
	case p.unavailable && p.cfg.Rehearsal:
		return kit.KeyList{p.skip}
	case p.cam != nil && !p.done && !p.unavailable:
		return p.cam.Keys()
	}
	return kit.KeyList{}
}

// Wipe zeroes the photo and stops the camera.
func (p *Photo) Wipe() {
	kit.Zero(p.result.Data)
	p.result = procedure.Image{}
	if p.cam != nil {
		p.cam.Close()
		if w, ok := p.cam.(interface{ Wipe() }); ok {
			w.Wipe() // the component's still image and the front's signature
		}
	}
	p.done, p.skipped = false, false
}

// View shows the preview, the result, or the honest "no camera" message.
func (p *Photo) View() string {
	env, st := p.env, p.env.Styles
	w := max(30, env.Width-2)
	var b strings.Builder
	switch {
	case p.done && p.skipped:
		b.WriteString(st.Warning.Width(w).Render(env.T.T("steps.photo.skipped")))
	case p.done:
		if len(p.result.Issues) == 0 {
			b.WriteString(st.OK.Width(w).Render(env.T.T("steps.photo.good")))
		} else {
			b.WriteString(st.Warning.Width(w).Render(env.T.T("steps.photo.issues")))
			for _, is := range p.result.Issues {
				b.WriteString("\n")
				b.WriteString(st.Body.Width(w).Render("• " + env.T.T(issueKey(is))))
			}
		}
		if p.cfg.Rehearsal {
			b.WriteString("\n\n")
			b.WriteString(st.Muted.Width(w).Render(env.T.T("steps.photo.not_kept")))
		}
	case p.unavailable:
		b.WriteString(st.Warning.Width(w).Render(env.T.T("steps.photo.unavailable")))
		if desk := env.Settings.HelpDesk; desk != "" {
			b.WriteString("\n\n")
			b.WriteString(st.Body.Width(w).Render(env.T.T("steps.photo.staff", "Desk", desk)))
		}
		if p.cfg.Rehearsal {
			b.WriteString("\n\n")
			b.WriteString(st.Body.Width(w).Render(env.T.T("steps.photo.skip_hint")))
		}
	default:
		// One line in every language (the camera takes the rest); wrapped
		// rather than cut if a translation outgrows it.
		b.WriteString(st.Field.Width(w).Render(env.T.T(shotKey(p.cfg.Shot))))
		b.WriteString("\n")
		b.WriteString(p.cam.View())
	}
	return b.String()
}

func shotKey(s Shot) string {
	switch s {
	case ShotIDFront:
		return "steps.photo.shot_front"
	case ShotIDBack:
		return "steps.photo.shot_back"
	case ShotFace:
		return "steps.photo.shot_face"
	}
	return "steps.photo.shot_document"
}

// issueKey maps a camera check code (docs/ARCHITECTURE.md: no_card, too_far,
// too_close, blurry, too_dark, too_bright, glare, tilted) to its advice.
func issueKey(code string) string {
	switch code {
	case "no_card":
		return "steps.photo.issue_no_card"
	case "too_far":
		return "steps.photo.issue_too_far"
	case "too_close":
		return "steps.photo.issue_too_close"
	case "blurry":
		return "steps.photo.issue_blurry"
	case "too_dark":
		return "steps.photo.issue_too_dark"
	case "too_bright":
		return "steps.photo.issue_too_bright"
	case "glare":
		return "steps.photo.issue_glare"
	case "tilted":
		return "steps.photo.issue_tilted"
	}
	return "steps.photo.issue_other"
}
