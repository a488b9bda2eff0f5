package capture

import (
	"sync"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/ventanilla-kiosk/ventanilla/devices/camera/quality"
)

// Issues returns the problem codes still present in the accepted photo
// (camera check codes: "glare", "blurry"…), empty for a good photo.
func (c CapturedMsg) Issues() []string {
	out := []string{}
	for _, p := range c.Result.Problems.List() {
		out = append(out, string(p))
	}
	return out
}

// Memory carries the front capture's signature to the back step of the
// same visitor, so "the same side twice" can be detected across two
// components. It holds a 32×20 grey thumbnail of the card, nothing more;
// it forgets after ten minutes and on Wipe (call it with the visitor's
// data reset).
type Memory struct {
	mu   sync.Mutex
	sig  quality.Signature
	when time.Time
	set  bool
}

// memoryTTL: a back capture more than ten minutes after the front is not
// the same visitor's.
const memoryTTL = 10 * time.Minute

func (m *Memory) put(s quality.Signature, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sig, m.when, m.set = s, now, true
}

func (m *Memory) get(now time.Time) *quality.Signature {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.set || now.Sub(m.when) > memoryTTL {
		return nil
	}
	s := m.sig
	return &s
}

// Wipe forgets the front signature.
func (m *Memory) Wipe() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sig, m.set = quality.Signature{}, false
}

// Component wraps Model behind a pointer with the method set the visitor
// steps use (tui/steps.Camera): Update returns only a command, and the
// component's messages are mapped into the parent's own types by the two
// hooks.
type Component struct {
	m Model
	// OnCaptured maps an accepted photo to the parent's message.
	OnCaptured func(CapturedMsg) tea.Msg
	// OnUnavailable maps "no camera" to the parent's message.
	OnUnavailable func(error) tea.Msg
	// Memory, when set, links the front and back steps (see Memory).
	Memory *Memory
}

// NewComponent returns the pointer-style component.
func NewComponent(cfg Config, mem *Memory) *Component {
	if mem != nil && cfg.Mode == IDBack && cfg.Front == nil {
		now := time.Now()
		if cfg.Clock != nil {
			now = cfg.Clock()
		}
		cfg.Front = mem.get(now)
	}
	return &Component{m: New(cfg), Memory: mem}
}

// Init starts the preview.
func (c *Component) Init() tea.Cmd { return c.wrap(c.m.Init()) }

// Update handles a message.
func (c *Component) Update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	c.m, cmd = c.m.Update(msg)
	return c.wrap(cmd)
}

// wrap maps the component's results into the parent's messages (and
// remembers an accepted front for the back step) as they come out of the
// command, so the parent only ever sees its own types.
func (c *Component) wrap(cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	mem, clock, onCap, onUnav := c.Memory, c.m.cfg.Clock, c.OnCaptured, c.OnUnavailable
	return func() tea.Msg {
		switch msg := cmd().(type) {
		case CapturedMsg:
			if mem != nil && msg.Mode == IDFront && msg.Result.Metrics.Found {
				mem.put(msg.Result.Sig, clock())
			}
			if onCap != nil {
				return onCap(msg)
			}
			return msg
		case UnavailableMsg:
			if onUnav != nil {
				return onUnav(msg.Err)
			}
			return msg
		default:
			return msg
		}
	}
}

// View draws the component.
func (c *Component) View() string { return c.m.View() }

// Keys returns the current keys (descriptions are catalogue keys, see
// KeyMap).
func (c *Component) Keys() help.KeyMap { return c.m.KeyMap() }

// SetSize sets the space the component may use.
func (c *Component) SetSize(w, h int) { c.m.SetSize(w, h) }

// Close stops the preview.
func (c *Component) Close() { c.m.Close() }

// Wipe zeroes the images the component holds.
func (c *Component) Wipe() { c.m.Wipe() }

// Model returns the wrapped model (for tests and parents that need its
// state).
func (c *Component) Model() Model { return c.m }
