package screen

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuf) Reset() {
	s.mu.Lock()
	s.b.Reset()
	s.mu.Unlock()
}

func waitPaints(t *testing.T, r *Renderer, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for r.Paints() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d paints, want %d", r.Paints(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// An unchanged frame wakes nothing: the painter sleeps until a frame
// differs from the last one.
func TestUnchangedFrameWakesNothing(t *testing.T) {
	out := &syncBuf{}
	r := New(out, 1000)
	r.Start()
	defer r.Stop()
	r.Frame("hola\nmundo")
	waitPaints(t, r, 1)
	for range 100 {
		r.Frame("hola\nmundo")
	}
	if len(r.wake) != 0 {
		t.Fatal("an unchanged frame woke the painter")
	}
	r.Frame("adiós\nmundo")
	waitPaints(t, r, 2)
	if !strings.Contains(out.String(), "adiós") {
		t.Fatalf("new frame not painted: %q", out.String())
	}
}

// Only the lines that changed are written again.
func TestOnlyChangedLinesRepainted(t *testing.T) {
	var out bytes.Buffer
	r := New(&out, 15)
	r.Resize(20, 5)
	r.Frame("uno\ndos\ntres")
	r.paint()
	first := out.String()
	for _, w := range []string{ansi.EraseEntireScreen, "uno", "dos", "tres"} {
		if !strings.Contains(first, w) {
			t.Fatalf("first paint lacks %q: %q", w, first)
		}
	}
	out.Reset()
	r.Frame("uno\nDOS\ntres")
	r.paint()
	second := out.String()
	if !strings.Contains(second, "DOS") || strings.Contains(second, "uno") || strings.Contains(second, "tres") ||
		strings.Contains(second, ansi.EraseEntireScreen) {
		t.Fatalf("second paint should rewrite only the changed line: %q", second)
	}
	out.Reset()
	r.paint() // nothing new
	if out.Len() != 0 {
		t.Fatalf("painted an unchanged frame: %q", out.String())
	}
	r.Frame("uno")
	r.paint()
	if !strings.Contains(out.String(), ansi.EraseScreenBelow) {
		t.Fatalf("a shorter frame must erase what was below: %q", out.String())
	}
}

// Lines wider than the terminal are cut, shorter ones erase the rest of
// the line; frames taller than the terminal keep their bottom lines.
func TestFitsTheTerminal(t *testing.T) {
	var out bytes.Buffer
	r := New(&out, 15)
	r.Resize(4, 2)
	r.Frame("a\nbcdefgh\nij")
	r.paint()
	s := out.String()
	if strings.Contains(s, "efgh") || !strings.Contains(s, "bcde") || strings.Contains(s, "a"+ansi.EraseLineRight) {
		t.Fatalf("frame not fitted to 4x2: %q", s)
	}
	if !strings.Contains(s, "ij"+ansi.EraseLineRight) {
		t.Fatalf("short line not erased to the right: %q", s)
	}
}

// Frames that arrive faster than the painter paints collapse to the newest.
func TestBurstPaintsTheNewest(t *testing.T) {
	out := &syncBuf{}
	r := New(out, 1)
	for i := range 5 {
		r.Frame(fmt.Sprintf("frame %d", i))
	}
	r.Start()
	defer r.Stop()
	waitPaints(t, r, 1)
	s := out.String()
	if !strings.Contains(s, "frame 4") || strings.Contains(s, "frame 3") {
		t.Fatalf("want only the newest frame: %q", s)
	}
}

// tea.ClearScreen and a resize erase the terminal and repaint everything.
func TestClearRepaintsEverything(t *testing.T) {
	var out bytes.Buffer
	r := New(&out, 15)
	m := r.Wrap(counter{})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 20, Height: 5})
	_ = m.View()
	r.paint()
	out.Reset()
	m, _ = m.Update(tea.ClearScreen())
	_ = m.View()
	r.paint()
	s := out.String()
	if !strings.Contains(s, ansi.EraseEntireScreen) || !strings.Contains(s, "count 0") {
		t.Fatalf("clear screen did not repaint everything: %q", s)
	}
	if Unwrap(m).(counter).size != 20 {
		t.Fatal("the wrapped model did not get the window size")
	}
}

type counter struct{ n, size int }

func (c counter) Init() tea.Cmd { return nil }
func (c counter) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		c.n++
	case tea.WindowSizeMsg:
		c.size = msg.Width
	}
	return c, nil
}
func (c counter) View() string { return fmt.Sprintf("count %d\nsize %d", c.n, c.size) }

// A real program with bubbletea's renderer off: keys show up, and an idle
// program paints nothing at all.
func TestProgramPaintsOnlyOnChange(t *testing.T) {
	out := &syncBuf{}
	r := New(out, 60)
	p := tea.NewProgram(r.Wrap(counter{}), tea.WithoutRenderer(), tea.WithInput(nil), tea.WithOutput(&bytes.Buffer{}),
		tea.WithoutSignalHandler())
	r.Start()
	done := make(chan struct{})
	go func() { defer close(done); _, _ = p.Run() }()
	p.Send(tea.WindowSizeMsg{Width: 30, Height: 4})
	for range 3 {
		p.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("x")})
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "count 3") {
		if time.Now().After(deadline) {
			t.Fatalf("keys never reached the screen: %q", out.String())
		}
		time.Sleep(time.Millisecond)
	}
	n := r.Paints()
	p.Send(tea.WindowSizeMsg{Width: 30, Height: 4}) // same size: same frame, but a resize repaints
	waitPaints(t, r, n+1)
	n = r.Paints()
	time.Sleep(300 * time.Millisecond) // 18 frame intervals with nothing to show
	if got := r.Paints(); got != n {
		t.Fatalf("an idle program painted %d times", got-n)
	}
	p.Quit()
	<-done
	r.Stop()
	if !strings.HasSuffix(out.String(), ansi.ShowCursor+ansi.ResetModeAltScreenSaveCursor) {
		t.Fatal("Stop must give the terminal back (cursor, main screen)")
	}
}
