package capture

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"
	"github.com/ventanilla-kiosk/ventanilla/devices/camera"
	"github.com/ventanilla-kiosk/ventanilla/devices/camera/quality"
	"github.com/ventanilla-kiosk/ventanilla/devices/camera/sim"
	"github.com/ventanilla-kiosk/ventanilla/tui/i18n"
)

func es() Translator { return i18n.NewTranslator(i18n.MustDefault(), i18n.ES) }

// fakeClock advances 70 ms (one frame at ~15 fps) every time it is read.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(70 * time.Millisecond)
	return c.now
}

// root embeds the component the way a visitor screen does.
type root struct {
	m           Model
	captured    *CapturedMsg
	unavailable error
	views       *viewLog // when set, every view the program asked for
}

// viewLog keeps every view a program rendered, so that a test can ask
// whether a screen state was shown at all: the renderer paints only the
// latest view on its 60 Hz tick, and a loaded machine may skip a state
// that lasted a few frames.
type viewLog struct {
	mu    sync.Mutex
	views []string
}

func (l *viewLog) add(v string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.views); n == 0 || l.views[n-1] != v {
		l.views = append(l.views, v)
	}
}

// contains reports whether any view so far contains s.
func (l *viewLog) contains(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, v := range l.views {
		if strings.Contains(v, s) {
			return true
		}
	}
	return false
}

func (r root) Init() tea.Cmd { return r.m.Init() }

func (r root) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case CapturedMsg:
		r.captured = &msg
		return r, tea.Quit
	case UnavailableMsg:
		r.unavailable = msg.Err
		return r, nil
	case tea.WindowSizeMsg:
		r.m.SetSize(msg.Width, msg.Height)
		return r, nil
	}
	var cmd tea.Cmd
	r.m, cmd = r.m.Update(msg)
	return r, cmd
}

func (r root) View() string {
	v := r.m.View()
	if r.views != nil {
		r.views.add(v)
	}
	return v
}

func simSource(per int) *camera.Sim {
	return camera.NewSim(camera.SimConfig{Width: 640, Height: 360, PerStep: per})
}

// TestTeatestAutoCapture drives the component with the scripted visitor:
// the advice for each bad phase shows on screen, the photo is taken by
// itself once the card is held steady, and Enter hands it to the parent.
func TestTeatestAutoCapture(t *testing.T) {
	clk := &fakeClock{now: time.Unix(0, 0)}
	// Paced at 40 fps of real time (auto-capture itself runs on the fake
	// clock). Which advice was shown is read from every view the program
	// rendered, not from the painted output: a phase lasts 8 frames, which
	// a loaded machine's renderer may not get to paint.
	src := camera.NewSim(camera.SimConfig{Width: 640, Height: 360, PerStep: 8, Interval: 25 * time.Millisecond})
	m := New(Config{T: es(), Source: src, Mode: IDFront, Clock: clk.Now, Profile: termenv.Ascii})
	views := &viewLog{}
	tm := teatest.NewTestModel(t, root{m: m, views: views}, teatest.WithInitialTermSize(70, 30))
	waitFor := func(text string) {
		t.Helper()
		for deadline := time.Now().Add(45 * time.Second); !views.contains(text); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("never shown: %q", text)
			}
		}
	}
	waitFor("Acerque el documento a la cámara.")
	waitFor("Evite reflejos: incline un poco el documento.")
	waitFor("La foto ha salido bien.")
	if !views.contains("Pulse Enter para aceptarla o R para repetirla.") {
		t.Error("review keys not shown")
	}
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(root)
	c := fm.captured
	if c == nil {
		t.Fatal("no CapturedMsg after Enter")
	}
	if c.Mode != IDFront || c.Manual || !c.Result.OK || c.Side != quality.SideOK {
		t.Fatalf("captured %+v", *c)
	}
	img, err := jpeg.Decode(bytes.NewReader(c.JPEG))
	if err != nil || img.Bounds().Dx() != 640 {
		t.Fatalf("captured JPEG: %v", err)
	}
	// The final view (the accepted still and the review text) is golden:
	// the simulated visitor and the fake clock make it deterministic.
	// Regenerate with: go test ./tui/capture -run TeatestAutoCapture -update
	teatest.RequireEqualOutput(t, []byte(fm.m.View()))
}

// deadSource is a camera that is gone.
type deadSource struct{}

func (deadSource) Next(context.Context) (camera.Frame, error) {
	return camera.Frame{}, &camera.StreamError{Device: "/dev/video0", Op: "reopen", Err: camera.ErrUnavailable}
}
func (deadSource) Name() string { return "dead" }
func (deadSource) Close() error { return nil }

func TestTeatestUnavailable(t *testing.T) {
	m := New(Config{T: es(), Source: deadSource{}, Mode: IDFront, Profile: termenv.Ascii})
	tm := teatest.NewTestModel(t, root{m: m}, teatest.WithInitialTermSize(70, 20))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte("La cámara no está disponible"))
	}, teatest.WithDuration(20*time.Second))
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	fm := tm.FinalModel(t).(root)
	if !errors.Is(fm.unavailable, camera.ErrUnavailable) || fm.captured != nil {
		t.Fatalf("unavailable %v captured %v", fm.unavailable, fm.captured)
	}
	if !fm.m.Unavailable() {
		t.Fatal("component does not report unavailable")
	}
}

// run feeds the component its own commands synchronously until pred holds.
func run(t *testing.T, m Model, cmd tea.Cmd, steps int, pred func(Model, tea.Msg) bool) (Model, tea.Msg) {
	t.Helper()
	for i := 0; i < steps && cmd != nil; i++ {
		msg := cmd()
		m, cmd = m.Update(msg)
		if pred(m, msg) {
			return m, msg
		}
	}
	t.Fatalf("condition not reached in %d steps", steps)
	return m, nil
}

func TestManualCaptureRetakeAndWipe(t *testing.T) {
	clk := &fakeClock{now: time.Unix(0, 0)}
	src := camera.NewSim(camera.SimConfig{Width: 640, Height: 360, Script: sim.Script{{Name: "blur", Frames: 1, Scene: func() sim.Scene { s := sim.Good(sim.CardFront); s.Blur = 10; return s }()}}})
	m := New(Config{T: es(), Source: src, Mode: IDFront, Clock: clk.Now, Profile: termenv.ANSI256})
	m.SetSize(60, 20)
	cmd := m.Init()
	// Three blurred frames: no auto shot, the advice says blurry.
	for i := 0; i < 3; i++ {
		var msg tea.Msg = cmd()
		m, cmd = m.Update(msg)
	}
	if !strings.Contains(m.View(), "borrosa") {
		t.Fatalf("view lacks the blur advice:\n%s", m.View())
	}
	// Manual capture takes the (blurred) frame anyway.
	m, cmd = m.Update(tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}})
	if cmd == nil {
		t.Fatal("capture key did nothing")
	}
	m, _ = m.Update(cmd())
	if !m.Reviewing() {
		t.Fatal("not reviewing after manual capture")
	}
	v := m.View()
	if !strings.Contains(v, "La foto tiene algún problema") || !strings.Contains(v, "borrosa") {
		t.Fatalf("review does not list the problem:\n%s", v)
	}
	shot := m.shot
	if len(shot) == 0 {
		t.Fatal("no JPEG held for review")
	}
	// Retake zeroes the photo and starts looking again.
	m, cmd = m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'r'}})
	if m.Reviewing() || cmd == nil {
		t.Fatal("retake did not restart the preview")
	}
	for _, b := range shot {
		if b != 0 {
			t.Fatal("retake left the old photo's bytes in memory")
		}
	}
	// A frame requested before the retake is stale and ignored.
	m, _ = m.Update(&frameMsg{gen: m.gen - 1, seq: 99, res: quality.Result{OK: true}})
	if m.Result().OK {
		t.Fatal("stale frame was used")
	}
	// Manual capture again, accept: CapturedMsg with Manual set.
	m, _ = m.Update(cmd())
	m, cmd = m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'c'}})
	m, _ = m.Update(cmd())
	_, cmd = m.Update(tea.KeyMsg{Type: tea.KeyEnter})
	c, ok := cmd().(CapturedMsg)
	if !ok || !c.Manual || c.Result.OK || len(c.JPEG) == 0 {
		t.Fatalf("accept sent %#v", c)
	}
	// Wipe zeroes the kept frames.
	m.Wipe()
	for _, s := range m.eng.ring {
		for _, b := range s.frame.Data[:cap(s.frame.Data)] {
			if b != 0 {
				t.Fatal("Wipe left frame bytes")
			}
		}
	}
}

// TestBackSameAsFront: photographing the front twice is flagged on review.
func TestBackSideChecks(t *testing.T) {
	capture := func(mode Mode, kind sim.Kind, front *quality.Signature) Model {
		clk := &fakeClock{now: time.Unix(0, 0)}
		src := camera.NewSim(camera.SimConfig{Width: 640, Height: 360, Script: sim.Steady(kind)})
		m := New(Config{T: es(), Source: src, Mode: mode, Clock: clk.Now, Profile: termenv.Ascii, Front: front})
		m, _ = run(t, m, m.Init(), 40, func(m Model, _ tea.Msg) bool { return m.Reviewing() })
		return m
	}
	front := capture(IDFront, sim.CardFront, nil)
	if front.shotSide != quality.SideOK {
		t.Fatalf("front side verdict %v", front.shotSide)
	}
	sig := front.shotRes.Sig
	again := capture(IDBack, sim.CardFront, &sig)
	if again.shotSide != quality.SideSameAsFront || !strings.Contains(again.View(), "Parece la misma cara") {
		t.Fatalf("front twice: side %v\n%s", again.shotSide, again.View())
	}
	back := capture(IDBack, sim.CardBack, &sig)
	if back.shotSide != quality.SideOK {
		t.Fatalf("real back flagged: %v", back.shotSide)
	}
	wrong := capture(IDFront, sim.CardBack, nil)
	if wrong.shotSide != quality.SideIsBack || !strings.Contains(wrong.View(), "cara de atrás") {
		t.Fatalf("back shown as front: %v", wrong.shotSide)
	}
}

func TestKeyMapFollowsState(t *testing.T) {
	m := New(Config{T: es(), Source: simSource(1), Profile: termenv.Ascii})
	k := m.KeyMap()
	if !k.Capture.Enabled() || k.Accept.Enabled() || k.Retake.Enabled() {
		t.Fatal("live keys wrong")
	}
	if k.Capture.Help().Desc != "capture.keys.capture" || !i18n.MustDefault().Has(k.Capture.Help().Desc) {
		t.Fatal("capture key help is not a catalogue key")
	}
	m.st = stReview
	k = m.KeyMap()
	if k.Capture.Enabled() || !k.Accept.Enabled() || !k.Retake.Enabled() {
		t.Fatal("review keys wrong")
	}
	for _, b := range k.ShortHelp() {
		if !i18n.MustDefault().Has(b.Help().Desc) {
			t.Errorf("help %q not in catalogue", b.Help().Desc)
		}
	}
}

func TestNoSourceIsUnavailable(t *testing.T) {
	m := New(Config{T: es()})
	msg := m.Init()()
	if u, ok := msg.(UnavailableMsg); !ok || !errors.Is(u.Err, camera.ErrUnavailable) {
		t.Fatalf("Init without source sent %#v", msg)
	}
}

var (
	f720Once sync.Once
	f720     *image.YCbCr
)

// frame720 is one 720p camera frame (rendered once: it is slow under the
// race detector).
func frame720(t testing.TB) *image.YCbCr {
	f720Once.Do(func() {
		m := image.NewRGBA(image.Rect(0, 0, 1280, 720))
		sim.Render(m, sim.Good(sim.CardFront))
		var c camera.Converter
		f720, _ = c.YUYV(camera.EncodeYUYV(nil, m), 1280, 720)
	})
	if f720 == nil {
		t.Fatal("no 720p frame")
	}
	return f720
}

func printable(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		var b strings.Builder
		esc := false
		for _, r := range line {
			switch {
			case r == '\x1b':
				esc = true
			case esc && r == 'm':
				esc = false
			case !esc:
				b.WriteRune(r)
			}
		}
		out = append(out, b.String())
	}
	return out
}

func TestRenderProfiles(t *testing.T) {
	img := frame720(t)
	g := guideFor(IDFront, 16.0/9)
	for _, p := range []termenv.Profile{termenv.TrueColor, termenv.ANSI256, termenv.ANSI, termenv.Ascii} {
		r := Renderer{Profile: p}
		out := string(r.Render(img, 80, 40, &g))
		lines := printable(out)
		// 80 columns of 16:9 → 45 pixel rows → 23 cell rows.
		if len(lines) != 23 {
			t.Errorf("profile %v: %d lines", p, len(lines))
		}
		for i, l := range lines {
			if n := len([]rune(l)); n != 80 {
				t.Errorf("profile %v line %d: %d cells", p, i, n)
				break
			}
		}
		switch p {
		case termenv.TrueColor:
			if !strings.Contains(out, "\x1b[38;2;") || !strings.Contains(out, "▀") {
				t.Error("true colour output lacks 24-bit half blocks")
			}
		case termenv.ANSI256:
			if strings.Contains(out, "38;2;") || !strings.Contains(out, "\x1b[38;5;2") {
				t.Error("256-colour output is not the grey ramp")
			}
		case termenv.Ascii:
			if strings.Contains(out, "\x1b") || !strings.Contains(out, "+") {
				t.Error("ASCII output has escapes or no guide")
			}
		}
	}
	// A tall area limits by rows: 16:9 into 80×10 → 20 pixel rows, 35 wide.
	r := Renderer{Profile: termenv.Ascii}
	lines := printable(string(r.Render(img, 80, 10, nil)))
	if len(lines) != 10 || len(strings.TrimSpace(lines[0])) != 35 {
		t.Errorf("row-limited render: %d lines, first %q", len(lines), lines[0])
	}
}

func TestRenderJPEG(t *testing.T) {
	var buf bytes.Buffer
	jpeg.Encode(&buf, frame720(t), nil)
	s, err := RenderJPEG(buf.Bytes(), 40, 10, termenv.TrueColor)
	if err != nil || !strings.Contains(s, "▀") {
		t.Fatalf("RenderJPEG: %v", err)
	}
	if _, err := RenderJPEG([]byte("junk"), 40, 10, termenv.TrueColor); err == nil {
		t.Fatal("junk rendered")
	}
}

func TestRenderAllocations(t *testing.T) {
	img := frame720(t)
	g := guideFor(IDFront, 16.0/9)
	r := Renderer{Profile: termenv.TrueColor}
	r.Render(img, 80, 40, &g)
	if n := testing.AllocsPerRun(20, func() { r.Render(img, 80, 40, &g) }); n != 0 {
		t.Fatalf("preview render allocates %.0f times per frame", n)
	}
}

func BenchmarkPreview720pTo80x40(b *testing.B) {
	img := frame720(b)
	g := guideFor(IDFront, 16.0/9)
	r := Renderer{Profile: termenv.TrueColor}
	b.ReportAllocs()
	for b.Loop() {
		r.Render(img, 80, 40, &g)
	}
}

// parentCaptured and parentUnavailable stand for a parent screen's own
// message types (tui/steps has CameraCapturedMsg and CameraUnavailableMsg).
type parentCaptured struct {
	jpeg   []byte
	issues []string
}
type parentUnavailable struct{ err error }

// TestComponentHooksAndMemory: the pointer-style component maps results
// into the parent's types, and the front's signature reaches the back step
// through Memory, so photographing the front twice is flagged.
func TestComponentHooksAndMemory(t *testing.T) {
	mem := &Memory{}
	step := func(mode Mode, kind sim.Kind) (*Component, tea.Msg) {
		clk := &fakeClock{now: time.Unix(0, 0)}
		src := camera.NewSim(camera.SimConfig{Width: 640, Height: 360, Script: sim.Steady(kind)})
		c := NewComponent(Config{T: es(), Source: src, Mode: mode, Clock: clk.Now, Profile: termenv.Ascii}, mem)
		c.OnCaptured = func(m CapturedMsg) tea.Msg { return parentCaptured{m.JPEG, m.Issues()} }
		c.OnUnavailable = func(err error) tea.Msg { return parentUnavailable{err} }
		c.SetSize(60, 20)
		cmd := c.Init()
		for i := 0; i < 40 && cmd != nil && !c.Model().Reviewing(); i++ {
			cmd = c.Update(cmd())
		}
		if !c.Model().Reviewing() {
			t.Fatalf("%v: no photo to review", mode)
		}
		return c, c.Update(tea.KeyMsg{Type: tea.KeyEnter})()
	}
	_, msg := step(IDFront, sim.CardFront)
	pc, ok := msg.(parentCaptured)
	if !ok || len(pc.jpeg) == 0 || len(pc.issues) != 0 {
		t.Fatalf("front: parent got %#v", msg)
	}
	back, _ := step(IDBack, sim.CardFront)
	if back.Model().shotSide != quality.SideSameAsFront {
		t.Fatalf("front photographed twice not flagged: %v", back.Model().shotSide)
	}
	mem.Wipe()
	again, _ := step(IDBack, sim.CardBack)
	if again.Model().shotSide != quality.SideOK {
		t.Fatalf("back after wipe: %v", again.Model().shotSide)
	}
	dead := NewComponent(Config{T: es(), Source: deadSource{}}, nil)
	dead.OnUnavailable = func(err error) tea.Msg { return parentUnavailable{err} }
	if u, ok := dead.Update(dead.Init()())().(parentUnavailable); !ok || !errors.Is(u.err, camera.ErrUnavailable) {
		t.Fatal("unavailable not mapped to the parent's message")
	}
}

// TestFaceRehearsal: in Face mode the simulated camera films a face (Init
// stages it), the advice is about the face, and the photo is taken once
// the visitor sits still; the rehearsal note is shown.
func TestFaceRehearsal(t *testing.T) {
	clk := &fakeClock{now: time.Unix(0, 0)}
	src := camera.NewSim(camera.SimConfig{Width: 640, Height: 360, PerStep: 2})
	m := New(Config{T: es(), Source: src, Mode: Face, Clock: clk.Now, Profile: termenv.Ascii, Rehearsal: true})
	m.SetSize(60, 20)
	cmd := m.Init()
	var views []string
	for i := 0; i < 60 && cmd != nil && !m.Reviewing(); i++ {
		m, cmd = m.Update(cmd())
		views = append(views, m.View())
	}
	if !m.Reviewing() {
		t.Fatal("no face photo taken")
	}
	all := strings.Join(views, "\n")
	for _, want := range []string{"Acérquese un poco a la cámara.", "Aléjese un poco de la cámara.", "Es un ensayo"} {
		if !strings.Contains(all, want) {
			t.Errorf("face advice %q never shown", want)
		}
	}
	if !m.shotRes.OK || m.shotSide != quality.SideOK {
		t.Fatalf("face shot %v", m.shotRes.Problems.List())
	}
}

// flakySource fails with the given errors, then delivers frames.
type flakySource struct {
	errs []error
	sim  *camera.Sim
}

func (f *flakySource) Next(ctx context.Context) (camera.Frame, error) {
	if len(f.errs) > 0 {
		err := f.errs[0]
		f.errs = f.errs[1:]
		return camera.Frame{}, err
	}
	return f.sim.Next(ctx)
}
func (f *flakySource) Name() string { return "flaky" }
func (f *flakySource) Close() error { return nil }

// TestReconnectAndErrors: a reconnecting camera shows "reconnecting" and
// is asked again after a pause (not in a tight loop); bad frames are
// skipped; a run of unexplained errors ends as unavailable.
func TestReconnectAndErrors(t *testing.T) {
	rec := &camera.StreamError{Device: "/dev/video0", Op: "wait", Recovering: true, Err: camera.ErrTimeout}
	src := &flakySource{errs: []error{rec, rec, camera.ErrBadFrame}, sim: camera.NewSim(camera.SimConfig{Width: 160, Height: 90})}
	m := New(Config{T: es(), Source: src, Profile: termenv.Ascii, RetryDelay: time.Millisecond})
	m.SetSize(40, 12)
	m, cmd := m.Update(m.Init()())
	if !strings.Contains(m.View(), "Reconectando la cámara") {
		t.Fatalf("view while reconnecting:\n%s", m.View())
	}
	msg := cmd()
	if _, isRetry := msg.(retryMsg); !isRetry {
		t.Fatal("a reconnecting camera was asked again at once instead of after a pause")
	}
	m, cmd = m.Update(msg)
	for i := 0; i < 6 && !m.started; i++ {
		m, cmd = m.Update(cmd())
	}
	if !m.started || m.reconn || m.Unavailable() {
		t.Fatalf("did not recover: started %v reconn %v", m.started, m.reconn)
	}

	boom := errors.New("input/output error")
	bad := &flakySource{errs: make([]error, 20), sim: src.sim}
	for i := range bad.errs {
		bad.errs[i] = boom
	}
	m = New(Config{T: es(), Source: bad, Profile: termenv.Ascii, RetryDelay: time.Millisecond})
	cmd = m.Init()
	var last tea.Msg
	for i := 0; i < 40 && cmd != nil; i++ {
		last = cmd()
		if _, ok := last.(UnavailableMsg); ok {
			break
		}
		m, cmd = m.Update(last)
	}
	if u, ok := last.(UnavailableMsg); !ok || !errors.Is(u.Err, boom) {
		t.Fatalf("after repeated errors: %#v", last)
	}
}

// TestTeatestFaceReview: once the face photo is taken, the review asks the
// visitor to check the face (whole, lit), not that a document can be
// read; a document's review still asks that.
func TestTeatestFaceReview(t *testing.T) {
	for _, c := range []struct {
		mode      Mode
		kind      sim.Kind
		want, not string
	}{
		{Face, sim.Face, "Compruebe que se le ve la cara entera y bien iluminada.", "Compruebe que se lee todo."},
		{Document, sim.SheetA4, "Compruebe que se lee todo.", "se le ve la cara"},
	} {
		clk := &fakeClock{now: time.Unix(0, 0)}
		src := camera.NewSim(camera.SimConfig{Width: 1280, Height: 720, Script: sim.Steady(c.kind)})
		m := New(Config{T: es(), Source: src, Mode: c.mode, Clock: clk.Now, Profile: termenv.Ascii})
		tm := teatest.NewTestModel(t, root{m: m}, teatest.WithInitialTermSize(70, 30))
		var seen bytes.Buffer
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
			seen.Write(b)
			return bytes.Contains(seen.Bytes(), []byte("Pulse Enter para aceptarla"))
		}, teatest.WithDuration(60*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
		if err := tm.Quit(); err != nil {
			t.Fatal(err)
		}
		view := strings.Join(strings.Fields(tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(root).m.View()), " ")
		if !strings.Contains(view, c.want) || strings.Contains(view, c.not) {
			t.Errorf("mode %v: the review should say %q and not %q:\n%s", c.mode, c.want, c.not, view)
		}
	}
}
