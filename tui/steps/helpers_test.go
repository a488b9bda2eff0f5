package steps

import (
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/ventanilla-kiosk/ventanilla/tui/i18n"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

var t0 = time.Date(2026, 11, 20, 11, 37, 0, 0, time.UTC) // a Friday

type fakeOutbox struct {
	mu   sync.Mutex
	sms  []sentSMS
	fail error
}

type sentSMS struct{ To, Text string }

func (f *fakeOutbox) EnqueueSMS(_ context.Context, to, text string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return "", f.fail
	}
	f.sms = append(f.sms, sentSMS{to, text})
	return "job-1", nil
}

func (f *fakeOutbox) EnqueueEmail(context.Context, kit.Email) (string, error) {
	return "", errors.New("not used")
}

func (f *fakeOutbox) all() []sentSMS {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sentSMS(nil), f.sms...)
}

type fakeModem struct{ ready bool }

func (m *fakeModem) Ready() bool { return m.ready }

func testEnv(t *testing.T) (*kit.Env, *fakeOutbox, *fakeModem, *kit.FakeClock) {
	t.Helper()
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	out, modem, clk := &fakeOutbox{}, &fakeModem{ready: true}, kit.NewFakeClock(t0)
	return &kit.Env{
		T:        i18n.NewTranslator(i18n.MustDefault(), i18n.ES),
		Styles:   kit.NewStyles(r, false),
		Renderer: r,
		Clock:    clk,
		Settings: kit.Settings{Office: "Oficina de prueba"},
		Outbox:   out,
		Modem:    modem,
		Width:    80, Height: 19,
	}, out, modem, clk
}

func keyType(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

var (
	enter = tea.KeyMsg{Type: tea.KeyEnter}
	f5    = tea.KeyMsg{Type: tea.KeyF5}
	f6    = tea.KeyMsg{Type: tea.KeyF6}
	f7    = tea.KeyMsg{Type: tea.KeyF7}
)

// run executes cmd and feeds its messages back into update, following
// batches, but not commands that block on the fake clock (ticks): those
// are returned so the test can advance the clock and run them.
func run(t *testing.T, cmd tea.Cmd, update func(tea.Msg) tea.Cmd) (pending []tea.Cmd) {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		ch := make(chan tea.Msg, 1)
		go func() { ch <- c() }()
		select {
		case msg := <-ch:
			switch m := msg.(type) {
			case tea.BatchMsg:
				queue = append(queue, m...)
			case nil:
			default:
				if next := update(msg); next != nil {
					queue = append(queue, next)
				}
			}
		case <-time.After(50 * time.Millisecond):
			pending = append(pending, func() tea.Msg { return <-ch })
		}
	}
	return pending
}

// fixedReader feeds crypto/rand.Int the same byte over and over, so each
// test issue gets a known, different code.
type fixedReader struct{ b byte }

func (r fixedReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.b
	}
	return len(p), nil
}
