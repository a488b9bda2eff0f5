package main

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/ventanilla-kiosk/ventanilla/tui"
	"github.com/ventanilla-kiosk/ventanilla/tui/i18n"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

// deafScreen is a visitor program that never takes a maintenance change.
type deafScreen struct{}

func (deafScreen) Init() tea.Cmd { return nil }
func (deafScreen) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(tea.KeyMsg); ok {
		return deafScreen{}, tea.Quit
	}
	return deafScreen{}, nil
}
func (deafScreen) View() string { return "" }

// TestSetMaintenanceNeedsTheScreensWord: the console is told "done" only
// when the visitor screen took the change; otherwise it gets why not.
func TestSetMaintenanceNeedsTheScreensWord(t *testing.T) {
	k := &kiosk{status: &tui.Status{}}
	v := kioskView{k}
	ctx := context.Background()
	if err := v.SetMaintenance(ctx, true); !errors.Is(err, errNoScreen) {
		t.Fatalf("no screen yet: %v", err)
	}
	k.headless = true
	if err := v.SetMaintenance(ctx, true); !errors.Is(err, errHeadless) {
		t.Fatalf("headless: %v", err)
	}
	k.headless = false

	p := tea.NewProgram(deafScreen{}, tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithoutRenderer(), tea.WithoutSignalHandler())
	scr := &visitorScreen{p: p, done: make(chan struct{})}
	k.ui.Store(scr)
	ran := make(chan struct{})
	go func() { _, _ = p.Run(); close(scr.done); close(ran) }()

	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if err := v.SetMaintenance(short, true); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a screen that never confirms: %v", err)
	}
	if k.status.Snapshot().Maintenance {
		t.Fatal("status says maintenance")
	}
	// The screen ends while a change waits for it: the wait ends too.
	res := make(chan error, 1)
	go func() { res <- v.SetMaintenance(ctx, true) }()
	p.Send(tea.KeyMsg{Type: tea.KeyEnter})
	<-ran
	select {
	case err := <-res:
		if !errors.Is(err, errScreenEnd) {
			t.Fatalf("screen ended: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("SetMaintenance kept waiting for a screen that had ended")
	}
}

// TestHeadlessHasNoVisitor: a kiosk without a visitor screen (headless,
// or before the screen reports) tells the console nobody is there
// (status --json said "visitor":true on every headless kiosk).
func TestHeadlessHasNoVisitor(t *testing.T) {
	k := &kiosk{status: &tui.Status{}, sess: &sessions{}, headless: true}
	v := kioskView{k}
	if v.Status().Visitor {
		t.Fatal("a headless kiosk reports a visitor")
	}
}

// holdMsg stalls the visitor screen until release is closed, as a screen
// busy painting a slow frame would.
type holdMsg struct{ release chan struct{} }

// busyScreen is the real root model behind a screen that can be stalled;
// it reports each maintenance message it hands on.
type busyScreen struct {
	inner tea.Model
	seen  chan tui.MaintenanceMsg
}

func (b busyScreen) Init() tea.Cmd { return b.inner.Init() }
func (b busyScreen) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case holdMsg:
		<-msg.release
		return b, nil
	case tui.MaintenanceMsg:
		inner, cmd := b.inner.Update(msg)
		b.inner = inner
		b.seen <- msg
		return b, cmd
	}
	inner, cmd := b.inner.Update(msg)
	b.inner = inner
	return b, cmd
}
func (b busyScreen) View() string { return b.inner.View() }

// TestTimedOutMaintenanceNeverApplies: the technician is told "not done"
// when the screen does not confirm in time; the change must then never
// happen, not even when the screen gets to it later (it used to: the
// message stayed queued and turned maintenance on a moment after the
// console said it had not).
func TestTimedOutMaintenanceNeverApplies(t *testing.T) {
	st := &tui.Status{}
	k := &kiosk{status: st}
	v := kioskView{k}
	r := lipgloss.NewRenderer(io.Discard)
	env := &kit.Env{T: i18n.NewTranslator(i18n.MustDefault(), i18n.ES), Styles: kit.NewStyles(r, false), Renderer: r,
		Clock: kit.NewFakeClock(time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC))}
	scrModel := busyScreen{inner: tui.New(tui.Options{Env: env, Status: st}), seen: make(chan tui.MaintenanceMsg, 4)}
	p := tea.NewProgram(scrModel, tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithoutRenderer(), tea.WithoutSignalHandler())
	scr := &visitorScreen{p: p, done: make(chan struct{})}
	k.ui.Store(scr)
	go func() { _, _ = p.Run(); close(scr.done) }()
	defer func() { p.Kill(); <-scr.done }()

	release := make(chan struct{})
	p.Send(holdMsg{release: release})
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := v.SetMaintenance(short, true)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a stalled screen confirmed: %v", err)
	}
	close(release)
	select {
	case msg := <-scrModel.seen:
		if !msg.On {
			t.Fatalf("unexpected message %+v", msg)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the screen never got the change")
	}
	if st.Snapshot().Maintenance {
		t.Fatal("maintenance turned on after the technician was told it had not")
	}

	// A screen that answers in time still gets the change.
	if err := v.SetMaintenance(context.Background(), true); err != nil {
		t.Fatalf("a live screen: %v", err)
	}
	if !st.Snapshot().Maintenance {
		t.Fatal("reported done, status says otherwise")
	}
}
