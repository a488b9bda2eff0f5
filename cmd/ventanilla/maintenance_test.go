package main

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/ventanilla-kiosk/ventanilla/tui"
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
