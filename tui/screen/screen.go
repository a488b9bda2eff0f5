// Package screen draws the kiosk's frames on its terminal when they change
// and sleeps otherwise.
//
// bubbletea v1's standard renderer flushes on a ticker at its frame rate
// whether or not anything changed; on an unattended kiosk that ticker was
// nine tenths of the idle CPU. Here the program runs with
// tea.WithoutRenderer and its model is wrapped (Renderer.Wrap): every View
// the event loop computes is handed to the Renderer, whose painter
// goroutine wakes only for a frame that differs from the last one painted,
// and paints at most MaxFPS frames a second (a burst of frames, the camera
// preview, collapses to its newest). Painting is bubbletea's own: only the
// lines that changed are rewritten, on the alternate screen.
package screen

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// Renderer paints frames on a terminal.
type Renderer struct {
	out      io.Writer
	interval time.Duration

	wake chan struct{} // a frame waits to be painted (buffered, 1)
	done chan struct{}
	wg   sync.WaitGroup

	mu         sync.Mutex
	next       string // the newest frame
	width      int
	height     int
	clear      bool // erase the screen before the next paint
	painted    string
	lastLines  []string
	stopped    bool
	paintCount int
}

// New returns a renderer writing to out, painting at most maxFPS frames a
// second (≤ 0: 15).
func New(out io.Writer, maxFPS int) *Renderer {
	if maxFPS <= 0 {
		maxFPS = 15
	}
	return &Renderer{out: out, interval: time.Second / time.Duration(maxFPS),
		wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// Start switches to the alternate screen, hides the cursor and starts the
// painter.
func (r *Renderer) Start() {
	_, _ = io.WriteString(r.out, ansi.SetModeAltScreenSaveCursor+ansi.EraseEntireScreen+ansi.CursorHomePosition+ansi.HideCursor)
	r.wg.Add(1)
	go r.paintLoop()
}

// Stop stops the painter, then shows the cursor and leaves the alternate
// screen, so the terminal is as it was before Start.
func (r *Renderer) Stop() {
	r.mu.Lock()
	if r.stopped {
		r.mu.Unlock()
		return
	}
	r.stopped = true
	r.mu.Unlock()
	close(r.done)
	r.wg.Wait()
	_, _ = io.WriteString(r.out, ansi.ShowCursor+ansi.ResetModeAltScreenSaveCursor)
}

// Frame hands the renderer the newest view. It never blocks on the
// terminal: the painter writes.
func (r *Renderer) Frame(s string) {
	r.mu.Lock()
	changed := s != r.next
	r.next = s
	r.mu.Unlock()
	if changed {
		r.poke()
	}
}

// Resize sets the terminal's size; the next paint redraws everything.
func (r *Renderer) Resize(w, h int) {
	r.mu.Lock()
	r.width, r.height = w, h
	r.clear = true
	r.mu.Unlock()
	r.poke()
}

// Clear erases the terminal and repaints the whole frame (tea.ClearScreen).
func (r *Renderer) Clear() {
	r.mu.Lock()
	r.clear = true
	r.mu.Unlock()
	r.poke()
}

// Paints is how many times the renderer wrote a frame (tests).
func (r *Renderer) Paints() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.paintCount
}

func (r *Renderer) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *Renderer) paintLoop() {
	defer r.wg.Done()
	pause := time.NewTimer(0)
	<-pause.C
	for {
		select {
		case <-r.done:
			return
		case <-r.wake:
		}
		r.paint()
		// At most one paint per interval; frames that arrive meanwhile
		// leave one wake-up, and the newest frame is painted after it.
		pause.Reset(r.interval)
		select {
		case <-r.done:
			pause.Stop()
			return
		case <-pause.C:
		}
	}
}

// paint writes the newest frame if it differs from the one on screen,
// rewriting only the lines that changed (as bubbletea's standard renderer
// does on the alternate screen).
func (r *Renderer) paint() {
	r.mu.Lock()
	frame, clear, w, h := r.next, r.clear, r.width, r.height
	if frame == r.painted && !clear {
		r.mu.Unlock()
		return
	}
	r.clear = false
	last := r.lastLines
	r.mu.Unlock()

	var buf bytes.Buffer
	if clear {
		buf.WriteString(ansi.EraseEntireScreen)
		last = nil
	}
	buf.WriteString(ansi.CursorHomePosition)
	lines := strings.Split(frame, "\n")
	if h > 0 && len(lines) > h {
		lines = lines[len(lines)-h:]
	}
	for i, line := range lines {
		if i < len(last) && last[i] == line {
			if i < len(lines)-1 {
				buf.WriteByte('\n') // raw mode: down one line, same column (0)
			}
			continue
		}
		if w > 0 {
			line = ansi.Truncate(line, w, "")
			if ansi.StringWidth(line) < w {
				line += ansi.EraseLineRight
			}
		}
		buf.WriteString(line)
		if i < len(lines)-1 {
			buf.WriteString("\r\n")
		}
	}
	if len(last) > len(lines) {
		buf.WriteString(ansi.EraseScreenBelow)
	}
	buf.WriteString(ansi.CursorPosition(0, len(lines)))
	_, _ = r.out.Write(buf.Bytes())

	r.mu.Lock()
	r.painted, r.lastLines = frame, lines
	r.paintCount++
	r.mu.Unlock()
}

// Wrap returns m with its views going to r; run it with
// tea.WithoutRenderer. Window sizes and tea.ClearScreen reach r as well as
// m.
func (r *Renderer) Wrap(m tea.Model) tea.Model { return model{inner: m, r: r} }

var clearScreen = tea.ClearScreen()

type model struct {
	inner tea.Model
	r     *Renderer
}

func (m model) Init() tea.Cmd { return m.inner.Init() }

func (m model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.r.Resize(msg.Width, msg.Height)
	default:
		if msg == clearScreen {
			m.r.Clear()
		}
	}
	inner, cmd := m.inner.Update(msg)
	m.inner = inner
	return m, cmd
}

// View hands the frame to the renderer; bubbletea's own renderer is off
// (tea.WithoutRenderer) and discards what View returns.
func (m model) View() string {
	v := m.inner.View()
	m.r.Frame(v)
	return v
}

// Unwrap returns the wrapped model (tests, and whoever holds the final
// model that Program.Run returns).
func Unwrap(m tea.Model) tea.Model {
	if w, ok := m.(model); ok {
		return w.inner
	}
	return m
}
