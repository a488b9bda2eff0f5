package tui

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"
	"github.com/ventanilla-kiosk/ventanilla/tui/i18n"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

type recObserver struct {
	mu     sync.Mutex
	events []string
}

func (r *recObserver) add(s string)                 { r.mu.Lock(); r.events = append(r.events, s); r.mu.Unlock() }
func (r *recObserver) SessionStarted(f string)      { r.add("start " + f) }
func (r *recObserver) SessionFinished(f string)     { r.add("finish " + f) }
func (r *recObserver) SessionAbandoned(f, s string) { r.add("abandon " + f + " " + s) }
func (r *recObserver) list() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.events, ";")
}

func testEnv(t testing.TB) (*kit.Env, *kit.FakeClock) {
	t.Helper()
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	r.SetHasDarkBackground(true)
	clock := kit.NewFakeClock(t0)
	return &kit.Env{
		T:        i18n.NewTranslator(i18n.MustDefault(), i18n.ES),
		Styles:   kit.NewStyles(r, false),
		Renderer: r,
		Clock:    clock,
		Settings: kit.Settings{
			Office:      "Oficina de prueba",
			IdleTimeout: 90 * time.Second,
			IdleWarning: 30 * time.Second,
			HelpDesk:    "mostrador 3",
		},
	}, clock
}

// fakeFlow is a two-step procedure holding visitor data, to test the
// shell around it.
type fakeFlow struct {
	env   *kit.Env
	step  int
	data  *kit.Visitor
	wiped *bool
}

func (f *fakeFlow) Init() tea.Cmd { return nil }
func (f *fakeFlow) Update(msg tea.Msg) (kit.Screen, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok && k.String() == "enter" {
		if f.step == 2 {
			return f, func() tea.Msg { return kit.FinishedMsg{Flow: "fake"} }
		}
		f.step++
	}
	return f, nil
}
func (f *fakeFlow) View() string {
	return "NIF: " + f.data.NIF + "\n" + f.env.T.T("home.fnmt")
}
func (f *fakeFlow) Keys() help.KeyMap    { return kit.KeyList{kit.KeyEnter} }
func (f *fakeFlow) Progress() (int, int) { return f.step, 4 }
func (f *fakeFlow) Title() string        { return f.env.T.T("home.fnmt") }
func (f *fakeFlow) Wipe()                { f.data.Wipe(); *f.wiped = true }
func (f *fakeFlow) Back() (kit.Screen, tea.Cmd, bool) {
	if f.step <= 1 {
		return f, nil, false
	}
	f.step--
	return f, nil, true
}

func newRoot(t *testing.T) (*Model, *kit.FakeClock, *recObserver, *bool) {
	env, clock := testEnv(t)
	obs := &recObserver{}
	env.Observer = obs
	wiped := new(bool)
	m := New(Options{Env: env, Flows: map[string]FlowFactory{
		kit.FlowFNMT: func(env *kit.Env, carry *kit.Visitor) kit.Screen {
			return &fakeFlow{env: env, step: 1, data: &kit.Visitor{NIF: "12345678Z"}, wiped: wiped}
		},
	}})
	return m, clock, obs, wiped
}

func start(t *testing.T, m *Model, w, h int) *teatest.TestModel {
	t.Helper()
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
	t.Cleanup(func() { _ = tm.Quit() })
	return tm
}

func waitFor(t *testing.T, tm *teatest.TestModel, want string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(want)) },
		teatest.WithDuration(20*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
}

func press(s string) tea.KeyMsg {
	switch s {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "right":
		return tea.KeyMsg{Type: tea.KeyRight}
	case "left":
		return tea.KeyMsg{Type: tea.KeyLeft}
	case "f2":
		return tea.KeyMsg{Type: tea.KeyF2}
	case "f3":
		return tea.KeyMsg{Type: tea.KeyF3}
	case "f10":
		return tea.KeyMsg{Type: tea.KeyF10}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	case "ctrl+z":
		return tea.KeyMsg{Type: tea.KeyCtrlZ}
	case "ctrl+\\":
		return tea.KeyMsg{Type: tea.KeyCtrlBackslash}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

// finalView stops the program and returns the root's last View.
func finalView(t *testing.T, tm *teatest.TestModel) string {
	t.Helper()
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(20*time.Second))
	return fm.(*Model).View()
}

func TestHomeScreen(t *testing.T) {
	m, clock, _, _ := newRoot(t)
	tm := start(t, m, 80, 24)
	waitFor(t, tm, "Necesito ayuda")
	v := finalView(t, tm)
	for _, want := range []string{"Oficina de prueba", "[Español]", "Català", "Galego", "Euskara", "English", "Français",
		"Certificado digital FNMT con videoidentificación", "Cl@ve", "a través del centro de atención", "Necesito ayuda de una persona", "idioma"} {
		if !strings.Contains(v, want) {
			t.Errorf("home screen lacks %q", want)
		}
	}
	if strings.Contains(v, "Paso") {
		t.Error("home screen must not show a step indicator")
	}
	if n := clock.Pending(); n != 0 {
		t.Errorf("a pristine kiosk must not run timers, %d pending", n)
	}
	teatest.RequireEqualOutput(t, []byte(v))
}

func TestLanguageSwitch(t *testing.T) {
	m, _, _, _ := newRoot(t)
	tm := start(t, m, 80, 24)
	waitFor(t, tm, "Le damos la bienvenida")
	tm.Send(press("right"))
	waitFor(t, tm, "Li donem la benvinguda")
	tm.Send(press("f2")) // the global key goes on to the next language
	waitFor(t, tm, "Dámoslle a benvida")
	v := finalView(t, tm)
	if !strings.Contains(v, "[Galego]") || !strings.Contains(v, "Necesito axuda") {
		t.Fatalf("expected Galician home:\n%s", v)
	}
	teatest.RequireEqualOutput(t, []byte(v))
}

// TestLanguageKeyBurst: a visitor who presses → three times quickly reaches
// the third language, and one who then presses Enter gets the procedure in
// the language the home screen showed last. The keys arrive in one burst, as
// from a terminal's read, before any command the first key produced.
func TestLanguageKeyBurst(t *testing.T) {
	m, _, obs, _ := newRoot(t)
	tm := start(t, m, 80, 24)
	waitFor(t, tm, "Le damos la bienvenida")
	for range 3 {
		tm.Send(press("right"))
	}
	tm.Send(press("left"))
	tm.Send(press("right"))
	tm.Send(press("enter"))
	euFNMT := m.env.T.Catalog().Text(i18n.EU, "home.fnmt")
	waitFor(t, tm, "NIF: 12345678Z")
	v := finalView(t, tm)
	if got := m.env.T.Lang(); got != i18n.EU {
		t.Fatalf("after → → → ← → the language is %s, want eu", got)
	}
	if !strings.Contains(v, euFNMT) {
		t.Fatalf("the procedure did not open in Euskara (%q):\n%s", euFNMT, v)
	}
	if got := obs.list(); got != "start "+kit.FlowFNMT {
		t.Fatalf("sessions: %q", got)
	}
}

// TestLanguageKeysApplyInOrder drives the root as bubbletea does with keys
// that one terminal read delivered together: every key reaches Update
// before any command the earlier keys returned has run. The commands run
// afterwards, in an order that would be the worst for a message-based
// switch (last first).
func TestLanguageKeysApplyInOrder(t *testing.T) {
	m, clock, _, _ := newRoot(t)
	m.env.Clock = noTimers{clock}
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	var cmds []tea.Cmd
	for _, k := range []string{"right", "right", "right", "enter"} {
		_, cmd := m.Update(press(k))
		cmds = append(cmds, cmd)
	}
	for i := len(cmds) - 1; i >= 0; i-- {
		runCmd(m, cmds[i])
	}
	if m.flow != kit.FlowFNMT {
		t.Fatalf("Enter did not open the procedure: flow %q", m.flow)
	}
	if got := m.env.T.Lang(); got != i18n.EU {
		t.Fatalf("procedure opened in %s after → → →, want eu", got)
	}
}

// noTimers is a clock whose timers never fire, so runCmd can run every
// command to completion.
type noTimers struct{ kit.Clock }

func (noTimers) After(time.Duration, func(time.Time) tea.Msg) tea.Cmd {
	return func() tea.Msg { return nil }
}

// runCmd runs cmd and feeds what it returns back to m, as bubbletea would
// (with noTimers, timers return at once and deliver nothing).
func runCmd(m *Model, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		for _, c := range b {
			runCmd(m, c)
		}
		return
	}
	if msg != nil {
		_, next := m.Update(msg)
		runCmd(m, next)
	}
}

// TestLanguageKeysWrapAround: ← from Spanish goes to the last language, and
// a burst of six → comes back to Spanish.
func TestLanguageKeysWrapAround(t *testing.T) {
	m, _, _, _ := newRoot(t)
	tm := start(t, m, 80, 24)
	waitFor(t, tm, "Le damos la bienvenida")
	tm.Send(press("left"))
	waitFor(t, tm, "[Français]")
	for range 6 {
		tm.Send(press("right"))
	}
	tm.Send(press("down"))
	waitFor(t, tm, "▸ 2.")
	v := finalView(t, tm)
	if !strings.Contains(v, "[Français]") || m.env.T.Lang() != i18n.FR {
		t.Fatalf("six → from French should come back to French:\n%s", v)
	}
}

func TestStepIndicatorAndBack(t *testing.T) {
	m, _, obs, wiped := newRoot(t)
	tm := start(t, m, 80, 24)
	waitFor(t, tm, "Le damos la bienvenida")
	tm.Send(press("enter"))
	waitFor(t, tm, "Paso 1 de 4")
	tm.Send(press("enter"))
	waitFor(t, tm, "Paso 2 de 4")
	tm.Send(press("esc"))
	waitFor(t, tm, "Paso 1 de 4")
	tm.Send(press("enter"))
	waitFor(t, tm, "Paso 2 de 4")
	v := finalView(t, tm)
	if !strings.Contains(v, "NIF: 12345678Z") || !strings.Contains(v, "atrás") || !strings.Contains(v, "cancelar") {
		t.Fatalf("flow screen:\n%s", v)
	}
	if *wiped {
		t.Fatal("going back inside a flow must not wipe it")
	}
	if got := obs.list(); got != "start fnmt" {
		t.Fatalf("observer events %q", got)
	}
	teatest.RequireEqualOutput(t, []byte(v))
}

func TestIdleWarningThenWipe(t *testing.T) {
	m, clock, obs, wiped := newRoot(t)
	tm := start(t, m, 80, 24)
	waitFor(t, tm, "Le damos la bienvenida")
	tm.Send(press("right")) // Català: the wipe must bring Spanish back
	waitFor(t, tm, "Li donem la benvinguda")
	tm.Send(press("enter"))
	waitFor(t, tm, "Pas 1 de 4")
	clock.Advance(59 * time.Second)
	time.Sleep(20 * time.Millisecond)
	clock.Advance(2 * time.Second) // 61 s idle: 29 s left
	waitFor(t, tm, "Encara hi és?")
	if *wiped {
		t.Fatal("wiped during the warning")
	}
	clock.Advance(30 * time.Second)
	waitFor(t, tm, "Le damos la bienvenida")
	v := finalView(t, tm)
	if !*wiped {
		t.Fatal("the flow's Wipe was not called")
	}
	if strings.Contains(v, "12345678Z") || !strings.Contains(v, "[Español]") {
		t.Fatalf("after the wipe:\n%s", v)
	}
	if got := obs.list(); !strings.Contains(got, "abandon fnmt") {
		t.Fatalf("observer events %q", got)
	}
	teatest.RequireEqualOutput(t, []byte(v))
}

func TestIdleWarningScreen(t *testing.T) {
	m, clock, _, wiped := newRoot(t)
	tm := start(t, m, 80, 24)
	waitFor(t, tm, "Le damos la bienvenida")
	tm.Send(press("enter"))
	waitFor(t, tm, "Paso 1 de 4")
	clock.Advance(61 * time.Second)
	waitFor(t, tm, "¿Sigue ahí?")
	v := finalView(t, tm)
	if !strings.Contains(v, "en 29") || strings.Contains(v, "12345678Z") {
		t.Fatalf("warning screen must show the countdown and hide the visitor's data:\n%s", v)
	}
	if *wiped {
		t.Fatal("wiped too early")
	}
	teatest.RequireEqualOutput(t, []byte(v))
}

func TestAnyKeyDuringWarningContinues(t *testing.T) {
	m, clock, _, wiped := newRoot(t)
	tm := start(t, m, 80, 24)
	waitFor(t, tm, "Le damos la bienvenida")
	tm.Send(press("enter"))
	waitFor(t, tm, "Paso 1 de 4")
	clock.Advance(70 * time.Second)
	waitFor(t, tm, "¿Sigue ahí?")
	tm.Send(press("x"))
	waitFor(t, tm, "NIF: 12345678Z")
	// A full new timeout is granted from the key press.
	clock.Advance(59 * time.Second)
	time.Sleep(30 * time.Millisecond)
	v := finalView(t, tm)
	if *wiped || !strings.Contains(v, "Paso 1 de 4") {
		t.Fatalf("session should continue:\n%s", v)
	}
}

func TestLockdownKeys(t *testing.T) {
	m, _, _, wiped := newRoot(t)
	tm := start(t, m, 80, 24)
	waitFor(t, tm, "Le damos la bienvenida")
	tm.Send(press("enter"))
	waitFor(t, tm, "Paso 1 de 4")
	for _, k := range []string{"ctrl+c", "ctrl+z", "ctrl+\\", "ctrl+c"} {
		tm.Send(press(k))
	}
	for i := 0; i < 20; i++ {
		tm.Send(press("esc")) // Esc spam leaves the procedure, then does nothing
	}
	tm.Send(press("x"))
	waitFor(t, tm, "Le damos la bienvenida")
	time.Sleep(30 * time.Millisecond)
	v := finalView(t, tm)
	if !strings.Contains(v, "Necesito ayuda") {
		t.Fatalf("kiosk must still be on the home screen:\n%s", v)
	}
	if !*wiped {
		t.Fatal("leaving the procedure with Esc must wipe it")
	}
}

func TestCancelAsksFirst(t *testing.T) {
	m, _, obs, wiped := newRoot(t)
	tm := start(t, m, 80, 24)
	waitFor(t, tm, "Le damos la bienvenida")
	tm.Send(press("enter"))
	waitFor(t, tm, "Paso 1 de 4")
	tm.Send(press("f10"))
	waitFor(t, tm, "¿Cancelar el trámite?")
	tm.Send(press("esc")) // no
	waitFor(t, tm, "NIF: 12345678Z")
	tm.Send(press("f10"))
	waitFor(t, tm, "¿Cancelar el trámite?")
	tm.Send(press("enter")) // yes
	waitFor(t, tm, "Le damos la bienvenida")
	_ = finalView(t, tm)
	if !*wiped || !strings.Contains(obs.list(), "abandon fnmt") {
		t.Fatalf("cancel must wipe and be recorded: wiped=%v events=%q", *wiped, obs.list())
	}
}

func TestHighContrastToggleResetsOnWipe(t *testing.T) {
	m, _, _, _ := newRoot(t)
	tm := start(t, m, 80, 24)
	waitFor(t, tm, "Le damos la bienvenida")
	tm.Send(press("f3"))
	tm.Send(press("enter"))
	waitFor(t, tm, "Paso 1 de 4")
	tm.Send(press("f10"))
	waitFor(t, tm, "¿Cancelar")
	tm.Send(press("enter"))
	waitFor(t, tm, "Le damos la bienvenida")
	_ = finalView(t, tm)
	if m.env.Styles.HighContrast {
		t.Fatal("the wipe must reset the large-text mode")
	}
}

func TestResize(t *testing.T) {
	for _, sz := range []struct{ w, h int }{{80, 24}, {200, 60}} {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			m, _, _, _ := newRoot(t)
			tm := start(t, m, 120, 40)
			waitFor(t, tm, "Le damos la bienvenida")
			tm.Send(tea.WindowSizeMsg{Width: sz.w, Height: sz.h})
			tm.Send(press("enter"))
			waitFor(t, tm, "Paso 1 de 4")
			v := finalView(t, tm)
			lines := strings.Split(v, "\n")
			if len(lines) != sz.h {
				t.Fatalf("view has %d lines, want %d", len(lines), sz.h)
			}
			for i, l := range lines {
				if w := lipgloss.Width(l); w > sz.w {
					t.Fatalf("line %d is %d wide (> %d): %q", i, w, sz.w, l)
				}
			}
			if !strings.Contains(lines[0], "Paso 1 de 4") {
				t.Fatalf("header %q lacks the step", lines[0])
			}
			teatest.RequireEqualOutput(t, []byte(v))
		})
	}
}

func TestTooSmall(t *testing.T) {
	m, _, _, _ := newRoot(t)
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 20})
	if v := m.View(); !strings.Contains(v, "80x24") {
		t.Fatalf("got %q", v)
	}
}

func TestMaintenance(t *testing.T) {
	m, _, _, _ := newRoot(t)
	tm := start(t, m, 80, 24)
	waitFor(t, tm, "Le damos la bienvenida")
	tm.Send(MaintenanceMsg{On: true})
	waitFor(t, tm, "fuera de servicio")
	tm.Send(press("enter"))
	tm.Send(MaintenanceMsg{On: false})
	waitFor(t, tm, "Le damos la bienvenida")
	_ = finalView(t, tm)
	if m.status.Snapshot().Maintenance {
		t.Fatal("maintenance should be off")
	}
}

// TestREADMEShowsHomeScreen keeps the screen capture in the README equal to
// the golden home screen.
func TestREADMEShowsHomeScreen(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	golden, err := os.ReadFile("testdata/TestHomeScreen.golden")
	if err != nil {
		t.Fatal(err)
	}
	trim := func(s string) string {
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			lines[i] = strings.TrimRight(l, " ")
		}
		return strings.TrimRight(strings.Join(lines, "\n"), "\n")
	}
	s := string(readme)
	i := strings.Index(s, "<!-- home-screen -->\n```text\n")
	j := strings.Index(s, "```\n<!-- /home-screen -->")
	if i < 0 || j < i {
		t.Fatal("README lacks the home-screen block")
	}
	got := trim(s[i+len("<!-- home-screen -->\n```text\n") : j])
	if want := trim(string(golden)); got != want {
		t.Fatalf("README home screen is stale; paste testdata/TestHomeScreen.golden:\n%s", want)
	}
}

// BenchmarkHomeView is the cost of drawing the home screen (target ≤ 1 ms).
func BenchmarkHomeView(b *testing.B) {
	env, _ := testEnv(b)
	m := New(Options{Env: env})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if len(m.View()) == 0 {
			b.Fatal("empty view")
		}
	}
}

// TestFilterDropsQuit: nothing that reaches the program as a message can
// quit or suspend the kiosk; everything else passes.
func TestFilterDropsQuit(t *testing.T) {
	for _, msg := range []tea.Msg{tea.QuitMsg{}, tea.InterruptMsg{}, tea.SuspendMsg{}} {
		if got := Filter(nil, msg); got != nil {
			t.Errorf("%T passed the filter", msg)
		}
	}
	if got, ok := Filter(nil, press("x")).(tea.KeyMsg); !ok || got.String() != "x" {
		t.Errorf("a key was dropped: %v", got)
	}
}

// TestWithdrawnMaintenanceNeverApplies: a technician told "not done" (the
// request withdrawn after a time-out) must not see the change happen when
// a busy screen gets to the message later; a request the screen took is
// applied and cannot be withdrawn any more.
func TestWithdrawnMaintenanceNeverApplies(t *testing.T) {
	m, _, _, _ := newRoot(t)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})

	late := NewMaintenanceRequest()
	if !late.Withdraw() {
		t.Fatal("a pending request could not be withdrawn")
	}
	m.Update(MaintenanceMsg{On: true, Req: late})
	if m.status.Snapshot().Maintenance || m.maintenance || m.flow == kit.FlowOutOfOrder {
		t.Fatal("a withdrawn request was applied")
	}
	select {
	case <-late.Applied():
		t.Fatal("a withdrawn request says applied")
	default:
	}

	taken := NewMaintenanceRequest()
	m.Update(MaintenanceMsg{On: true, Req: taken})
	select {
	case <-taken.Applied():
	default:
		t.Fatal("a taken request is not marked applied")
	}
	if !m.status.Snapshot().Maintenance || m.flow != kit.FlowOutOfOrder {
		t.Fatal("the taken request was not applied")
	}
	if taken.Withdraw() {
		t.Fatal("an applied request could be withdrawn")
	}
}
