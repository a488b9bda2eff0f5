package tui

// The walker drives the real kiosk (root model, the three procedures, the
// capture component on a simulated camera) synchronously and
// deterministically: every command runs on its own goroutine, and a
// command that waits on the clock or the camera says so before it blocks,
// so the walker never guesses with wall-clock time. Timers fire only when
// the walk advances the fake clock; camera frames arrive only when the
// walk asks for one. The same walk replayed gives the same screens, which
// is what lets the layout test press a key on a copy of any state.

import (
	"context"
	"errors"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/ventanilla-kiosk/ventanilla/devices/camera"
	"github.com/ventanilla-kiosk/ventanilla/procedure"
	"github.com/ventanilla-kiosk/ventanilla/tui/callcentre"
	"github.com/ventanilla-kiosk/ventanilla/tui/fnmt"
	"github.com/ventanilla-kiosk/ventanilla/tui/i18n"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

// walkStart is Friday 20 November 2026, 12:37 in Madrid.
var walkStart = time.Date(2026, 11, 20, 11, 37, 0, 0, time.UTC)

// walkSettings is a realistic office: the example configuration's names.
var walkSettings = kit.Settings{
	KioskID:     "getafe-01",
	Office:      "Oficina de Atención Ciudadana – Getafe",
	Place:       "Getafe",
	IdleTimeout: 30 * time.Minute, // the walk advances the clock for timers; the idle walk sets its own
	IdleWarning: 30 * time.Second,
	CodeLength:  9,
	HelpDesk:    "el mostrador de información (planta baja)",
	CallCentre: kit.CallCentre{
		Email: "registro-clave@example.gob.es", Phone: "060", Hours: "L-V 9:00-19:00",
	},
}

// parked is what a command says before it blocks: a timer or a camera
// read.
type parked struct {
	timer *walkTimer
	frame chan struct{}
}

type walkTimer struct {
	at    time.Time
	fired bool
	ch    chan time.Time
}

// walkClock is a fake clock whose timer commands announce themselves.
type walkClock struct {
	mu       sync.Mutex
	now      time.Time
	timers   []*walkTimer
	announce chan parked
}

func (c *walkClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *walkClock) After(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
	c.mu.Lock()
	t := &walkTimer{at: c.now.Add(d), ch: make(chan time.Time, 1)}
	c.timers = append(c.timers, t)
	c.fireLocked()
	c.mu.Unlock()
	return func() tea.Msg {
		c.announce <- parked{timer: t}
		return fn(<-t.ch)
	}
}

func (c *walkClock) fireLocked() {
	sort.SliceStable(c.timers, func(i, j int) bool { return c.timers[i].at.Before(c.timers[j].at) })
	keep := c.timers[:0]
	for _, t := range c.timers {
		if !t.at.After(c.now) {
			t.fired = true
			t.ch <- t.at
			continue
		}
		keep = append(keep, t)
	}
	c.timers = keep
}

func (c *walkClock) isFired(t *walkTimer) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return t.fired
}

// gatedCamera is the simulated camera, one frame per request the walk
// grants. Frame n of a subject is always the same picture, so frames are
// rendered once and shared by every replay (rendering is most of the
// walk's time).
type gatedCamera struct {
	announce chan parked
	mu       sync.Mutex
	subject  camera.Subject
	n        int
}

type frameKey struct {
	subject camera.Subject
	n       int
}

var (
	frameCacheMu sync.Mutex
	frameCache   = map[frameKey]camera.Frame{}
	// sims render what the cache lacks, one per subject, each as small as
	// its photo may be (procedure.MinCardShortSide, MinSheetShortSide);
	// simAt is the frame a subject's sim renders next.
	sims  = map[camera.Subject]*camera.Sim{}
	simAt = map[camera.Subject]int{}
)

func (g *gatedCamera) Next(ctx context.Context) (camera.Frame, error) {
	grant := make(chan struct{})
	g.announce <- parked{frame: grant}
	select {
	case <-grant:
	case <-ctx.Done():
		return camera.Frame{}, ctx.Err()
	}
	g.mu.Lock()
	k := frameKey{g.subject, g.n}
	g.n++
	g.mu.Unlock()
	frameCacheMu.Lock()
	defer frameCacheMu.Unlock()
	f, ok := frameCache[k]
	for !ok {
		sim := sims[k.subject]
		if sim == nil {
			size := camera.SimConfig{Subject: k.subject, Width: 640, Height: 360, PerStep: 1}
			if k.subject == camera.SubjectSheet {
				// A sheet needs 1280×720 to be legible (quality's
				// low_resolution).
				size.Width, size.Height = 1280, 720
			}
			sim = camera.NewSim(size)
			sims[k.subject] = sim
		}
		next, err := sim.Next(context.Background())
		if err != nil {
			return camera.Frame{}, err
		}
		next.Data = append([]byte(nil), next.Data...)
		frameCache[frameKey{k.subject, simAt[k.subject]}] = next
		simAt[k.subject]++
		f, ok = frameCache[k]
	}
	f.Seq = uint64(k.n + 1)
	f.Data = append([]byte(nil), f.Data...)
	return f, nil
}

func (g *gatedCamera) Stage(s camera.Subject) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.subject, g.n = s, 0
}
func (g *gatedCamera) Name() string { return "walk camera" }
func (g *gatedCamera) Close() error { return nil }

type walkOutbox struct {
	mu       sync.Mutex
	sms      []string
	mail     []kit.Email
	fail     bool
	attempts int // every enqueue, failed or not
}

func (o *walkOutbox) EnqueueSMS(_ context.Context, to, text string) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.attempts++
	if o.fail {
		return "", errors.New("disk full")
	}
	o.sms = append(o.sms, text)
	return "sms", nil
}

func (o *walkOutbox) EnqueueEmail(_ context.Context, m kit.Email) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.attempts++
	if o.fail {
		return "", errors.New("disk full")
	}
	o.mail = append(o.mail, m)
	return "mail", nil
}

var smsCodeRE = regexp.MustCompile(`\b\d{6}\b`)

func (o *walkOutbox) lastCode() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.sms) == 0 {
		return ""
	}
	return smsCodeRE.FindString(o.sms[len(o.sms)-1])
}

type walkModem struct{ ready bool }

func (m *walkModem) Ready() bool { return m.ready }

// walkRand makes SMS codes and references repeat from one replay to the
// next.
type walkRand struct{}

func (walkRand) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 0x11
	}
	return len(p), nil
}

type pendingCmd struct {
	p   parked
	out chan tea.Msg
}

// harness is one kiosk under the walker.
type harness struct {
	t      testing.TB
	m      *Model
	env    *kit.Env
	r      *lipgloss.Renderer
	clk    *walkClock
	cam    *gatedCamera
	out    *walkOutbox
	modem  *walkModem
	ann    chan parked
	timers []pendingCmd
	frames []pendingCmd
	// actions replays the walk so far on a fresh harness.
	actions []func(*harness)
}

func newHarness(t testing.TB) *harness {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	r.SetHasDarkBackground(true)
	ann := make(chan parked)
	h := &harness{
		t: t, r: r, ann: ann,
		clk:   &walkClock{now: walkStart, announce: ann},
		out:   &walkOutbox{},
		modem: &walkModem{ready: true},
	}
	h.cam = &gatedCamera{announce: ann}
	h.env = &kit.Env{
		T: i18n.NewTranslator(i18n.MustDefault(), i18n.ES), Styles: kit.NewStyles(r, false), Renderer: r,
		Clock: h.clk, Outbox: h.out, Modem: h.modem, Camera: h.cam, Settings: walkSettings,
	}
	h.m = New(Options{Env: h.env, Flows: map[string]FlowFactory{
		kit.FlowFNMT:     fnmt.Factory(fnmt.Options{Calendar: procedure.NewCalendar(procedure.Madrid(), nil), Rand: walkRand{}}),
		kit.FlowClave:    callcentre.NewClave,
		kit.FlowCertCall: callcentre.NewCertificate,
	}})
	h.deliver(tea.WindowSizeMsg{Width: MinWidth, Height: MinHeight})
	h.run(h.m.Init())
	return h
}

// run executes cmd and feeds its message back, unless it parks on the
// clock or the camera: then it waits for the walk.
func (h *harness) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	out := make(chan tea.Msg, 1)
	go func() { out <- cmd() }()
	select {
	case msg := <-out:
		h.deliver(msg)
	case p := <-h.ann:
		pc := pendingCmd{p: p, out: out}
		switch {
		case p.timer != nil && h.clk.isFired(p.timer):
			h.deliver(<-out)
		case p.timer != nil:
			h.timers = append(h.timers, pc)
		default:
			h.frames = append(h.frames, pc)
		}
	}
}

func (h *harness) deliver(msg tea.Msg) {
	switch msg := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			h.run(c)
		}
	default:
		_, cmd := h.m.Update(msg)
		h.run(cmd)
	}
}

// record runs an action and remembers it for replays.
func (h *harness) record(a func(*harness)) {
	h.actions = append(h.actions, a)
	a(h)
}

func keyMsg(k string) tea.KeyMsg {
	types := map[string]tea.KeyType{
		"enter": tea.KeyEnter, "esc": tea.KeyEsc, "tab": tea.KeyTab, "up": tea.KeyUp, "down": tea.KeyDown,
		"left": tea.KeyLeft, "right": tea.KeyRight, "space": tea.KeySpace, "backspace": tea.KeyBackspace,
		"pgdown": tea.KeyPgDown, "f2": tea.KeyF2, "f3": tea.KeyF3, "f5": tea.KeyF5, "f7": tea.KeyF7, "f8": tea.KeyF8,
		"f10": tea.KeyF10,
	}
	if t, ok := types[k]; ok {
		return tea.KeyMsg{Type: t}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// press sends named keys ("enter", "f5") one after the other.
func (h *harness) press(keys ...string) {
	for _, k := range keys {
		msg := keyMsg(k)
		h.record(func(h *harness) { h.deliver(msg) })
	}
}

// typ types text, then presses enter when enter is true.
func (h *harness) typ(s string, enter bool) {
	h.record(func(h *harness) {
		h.deliver(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)})
		if enter {
			h.deliver(tea.KeyMsg{Type: tea.KeyEnter})
		}
	})
}

// typeCode types the last SMS code the kiosk queued.
func (h *harness) typeCode() {
	h.record(func(h *harness) {
		h.deliver(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(h.out.lastCode())})
		h.deliver(tea.KeyMsg{Type: tea.KeyEnter})
	})
}

// advance moves the clock and delivers every timer that fired, in order.
func (h *harness) advance(d time.Duration) {
	h.record(func(h *harness) {
		h.clk.mu.Lock()
		h.clk.now = h.clk.now.Add(d)
		h.clk.fireLocked()
		h.clk.mu.Unlock()
		for {
			i := -1
			for j, pc := range h.timers {
				if h.clk.isFired(pc.p.timer) && (i < 0 || pc.p.timer.at.Before(h.timers[i].p.timer.at)) {
					i = j
				}
			}
			if i < 0 {
				return
			}
			pc := h.timers[i]
			h.timers = append(h.timers[:i], h.timers[i+1:]...)
			h.deliver(<-pc.out)
		}
	})
}

// frames lets the camera deliver n frames to the newest reader.
func (h *harness) frame(n int) {
	h.record(func(h *harness) {
		for i := 0; i < n && len(h.frames) > 0; i++ {
			pc := h.frames[len(h.frames)-1]
			h.frames = h.frames[:len(h.frames)-1]
			close(pc.p.frame)
			h.deliver(<-pc.out)
		}
	})
}

// send delivers a message from outside (the console's maintenance switch).
func (h *harness) send(msg tea.Msg) { h.record(func(h *harness) { h.deliver(msg) }) }

// set changes the world (modem, outbox) as a recorded action.
func (h *harness) set(f func(*harness)) { h.record(f) }

// replay builds a fresh harness that has done the first n actions of h.

var replays atomic.Int64

func (h *harness) replay(n int) *harness {
	replays.Add(1)
	r := newHarness(h.t)
	for _, a := range h.actions[:n] {
		r.record(a)
	}
	return r
}

// view is the Spanish, normal-contrast screen.
func (h *harness) view() string { return h.m.View() }

// refRE is a request reference ("CLV-7KQ4-M2"): random in every run, so
// comparisons of replayed screens leave it out.
var refRE = regexp.MustCompile(`\b[A-Z]{3}-[A-Z0-9]{4}-[A-Z0-9]{2}\b`)

// stableView is view without the random parts.
func (h *harness) stableView() string { return refRE.ReplaceAllString(h.view(), "REF") }

func (h *harness) attempts() int {
	h.out.mu.Lock()
	defer h.out.mu.Unlock()
	return h.out.attempts
}

func (h *harness) has(s string) bool { return strings.Contains(h.view(), s) }

// flowStep names where the visitor is, for messages.
func (h *harness) where() string { return h.m.flow + " " + h.m.stepName() }
