package console

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// goldenModel is a console model at a fixed size, with the ASCII profile
// and a fixed clock, driven without SSH.
func goldenModel(t *testing.T) model {
	t.Helper()
	fixed := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	e := newEnv(t, func(c *Config) { c.Now = func() time.Time { return fixed } })
	e.kiosk.st.Started = fixed.Add(-(3*time.Hour + 25*time.Minute))
	for i := range e.queue.jobs {
		e.queue.jobs[i].Created = fixed
	}
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	st := &sessionState{fingerprint: "SHA256:abc", comment: "alice@laptop", user: "tech", remote: "127.0.0.1"}
	m := newModel(t.Context(), e.srv, st, r)
	return step(t, m, tea.WindowSizeMsg{Width: 100, Height: 24})
}

// step applies msg and runs the commands it returns (one level deep, as
// the bubbletea loop would), ignoring ticks.
func step(t *testing.T, m model, msg tea.Msg) model {
	t.Helper()
	nm, cmd := m.Update(msg)
	m = nm.(model)
	for _, c := range flatten(cmd) {
		out := c()
		switch out.(type) {
		case tickMsg, nil:
			continue
		}
		nm, _ = m.Update(out)
		m = nm.(model)
	}
	return m
}

func flatten(cmd tea.Cmd) []tea.Cmd {
	if cmd == nil {
		return nil
	}
	done := make(chan tea.Msg, 1)
	go func() {
		defer func() { _ = recover() }()
		// tea.Tick would block; only run commands that return at once.
		select {
		case done <- cmd():
		case <-time.After(50 * time.Millisecond):
		}
	}()
	select {
	case msg := <-done:
		if b, ok := msg.(tea.BatchMsg); ok {
			var out []tea.Cmd
			for _, c := range b {
				out = append(out, flatten(c)...)
			}
			return out
		}
		return []tea.Cmd{func() tea.Msg { return msg }}
	case <-time.After(100 * time.Millisecond):
		return nil
	}
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if string(want) != got {
		t.Fatalf("%s differs from %s (run with -update to accept):\n%s", name, path, got)
	}
}

func TestGoldenScreens(t *testing.T) {
	m := goldenModel(t)
	m = step(t, m, tickMsg{gen: m.gen})
	checkGolden(t, "status", m.View())

	m = step(t, m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("2")})
	m = step(t, m, tickMsg{gen: m.gen})
	checkGolden(t, "outbox", m.View())

	m = step(t, m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("3")})
	m = step(t, m, tickMsg{gen: m.gen})
	checkGolden(t, "devices", m.View())

	m = step(t, m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("?")})
	if got := m.View(); !containsAll(got, "shift+tab", "ctrl+r", "level filter") {
		t.Fatalf("full help missing keys:\n%s", got)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}

func TestLogsScreenFilterAndScroll(t *testing.T) {
	m := goldenModel(t)
	lg := m.srv.log
	for i := range 40 {
		lg.Info(fmt.Sprintf("info line %02d", i))
	}
	lg.Warn("the modem is slow")
	lg.Error("smtp refused \x1b[2J the message")
	m = step(t, m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("4")})
	m = step(t, m, tickMsg{gen: m.gen})
	v := m.View()
	if !containsAll(v, "info line 39", "the modem is slow", "smtp refused [2J the message") || strings.Contains(v, "info line 00") {
		t.Fatalf("tail wrong:\n%s", v)
	}
	if strings.ContainsRune(v, 0x1b) {
		t.Fatal("escape reached the logs view")
	}
	// Scroll back: older lines appear, the newest leave the screen.
	for range 25 {
		m = step(t, m, tea.KeyMsg{Type: tea.KeyUp})
	}
	v = m.View()
	if !containsAll(v, "scrolled back 25", "info line 05") || strings.Contains(v, "the modem is slow") || strings.Contains(v, "info line 39") {
		t.Fatalf("scroll wrong:\n%s", v)
	}
	for range 10 {
		m = step(t, m, tea.KeyMsg{Type: tea.KeyUp})
	}
	if v = m.View(); !strings.Contains(v, "info line 00") {
		t.Fatalf("oldest line not reachable:\n%s", v)
	}
	m = step(t, m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("l")}) // info -> warn
	v = m.View()
	if !containsAll(v, "≥ warn", "the modem is slow", "smtp refused") || strings.Contains(v, "info line") {
		t.Fatalf("level filter wrong:\n%s", v)
	}
}
