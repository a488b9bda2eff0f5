// Package capture is the camera component the visitor screens embed: a
// live half-block preview with the guide frame and advice, auto-capture
// when the picture is good and steady, a manual capture key, and a review
// step (Enter accepts, R retakes). It reports upward with CapturedMsg and
// UnavailableMsg; it never writes an image anywhere — the parent hands the
// accepted JPEG to the store, which encrypts it.
//
// Frames are read, converted, judged and drawn in a tea.Cmd goroutine, one
// at a time: when the UI is slow the component simply asks for the next
// frame later (the camera source keeps only the newest), so frames are
// dropped rather than queued and Update never blocks.
package capture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
	"github.com/ventanilla-kiosk/ventanilla/devices/camera"
	"github.com/ventanilla-kiosk/ventanilla/devices/camera/quality"
)

// Translator gives visitor text in the current language.
type Translator interface {
	T(key string, args ...any) string
}

// Mode is what the step photographs.
type Mode int

// Capture modes.
const (
	IDFront Mode = iota
	IDBack
	Face
	Document
)

// String names the mode for logs.
func (m Mode) String() string {
	return [...]string{"id_front", "id_back", "face", "document"}[m]
}

func (m Mode) analysis() quality.Mode {
	switch m {
	case Face:
		return quality.Face
	case Document:
		return quality.Document
	}
	return quality.IDCard
}

func (m Mode) subject() camera.Subject {
	switch m {
	case IDBack:
		return camera.SubjectCardBack
	case Face:
		return camera.SubjectFace
	case Document:
		return camera.SubjectSheet
	}
	return camera.SubjectCardFront
}

// Config configures the component.
type Config struct {
	T      Translator
	Source camera.Source
	Mode   Mode
	// Clock drives auto-capture timing (fake in tests); default time.Now.
	Clock func() time.Time
	// Rehearsal: a check, not an upload (the FNMT face rehearsal); the
	// component says nothing is kept.
	Rehearsal bool
	// Profile is the output's colour profile (lipgloss renderer's
	// ColorProfile()): true colour draws the preview in colour, 256 and 16
	// colours in grey, Ascii with characters.
	Profile termenv.Profile
	// Front is the front capture's signature, for IDBack: a back that looks
	// like the front is flagged.
	Front *quality.Signature
	// Auto tunes auto-capture (zero: defaults).
	Auto quality.AutoConfig
	// RetryDelay is the pause before asking again after a failed read
	// (default 250 ms), so a source that fails fast — a camera being
	// reconnected, a wrapper that reopens it — is not asked in a tight
	// loop.
	RetryDelay time.Duration
}

// keysOnly shows catalogue keys: a visible defect instead of a crash when
// a parent forgets the translator.
type keysOnly struct{}

func (keysOnly) T(key string, _ ...any) string { return "⟦" + key + "⟧" }

// CapturedMsg is sent when the visitor accepts a photo. JPEG belongs to the
// receiver (hand it to the store; zero it when done).
type CapturedMsg struct {
	Mode   Mode
	JPEG   []byte
	Result quality.Result
	Side   quality.Side
	// Manual: the visitor pressed the capture key (the frame may have
	// problems; Result says which).
	Manual bool
}

// UnavailableMsg is sent when the camera is missing or gone for good. The
// screen must say so honestly; nothing was captured.
type UnavailableMsg struct{ Err error }

type state int

const (
	stLive state = iota
	stShooting
	stReview
	stDone
	stUnavailable
)

// frameMsg carries one judged frame from the reader goroutine. preview is
// one of the engine's two drawing buffers: the reader draws the next frame
// into the other one, so the bytes stay valid while the screen shows them.
type frameMsg struct {
	gen     int
	seq     uint64
	res     quality.Result
	preview []byte
	err     error
}

// retryMsg asks for a frame again after a failed read.
type retryMsg struct{ gen int }

// retry asks for the next frame after RetryDelay.
func (m Model) retry() tea.Cmd {
	gen := m.gen
	return tea.Tick(m.cfg.RetryDelay, func(time.Time) tea.Msg { return retryMsg{gen: gen} })
}

// shotMsg carries the encoded capture.
type shotMsg struct {
	gen    int
	jpeg   []byte
	res    quality.Result
	still  string
	manual bool
	err    error
}

// slot is one recent frame the component keeps (a copy) so the sharpest
// can be encoded once auto-capture decides.
type slot struct {
	frame camera.Frame
	res   quality.Result
}

// engine is the mutable part, shared by copies of Model: bubbletea passes
// Model by value, but the buffers (frames, analyzer, renderer) must not be
// copied per message.
type engine struct {
	mu       sync.Mutex // held by the reader goroutine while it works
	conv     camera.Converter
	analyzer *quality.Analyzer
	// render draws the preview; frames alternate between the two so the
	// one on screen is never overwritten (nothing is copied per frame).
	render  [2]Renderer
	msgs    [2]frameMsg
	flip    int
	readCmd tea.Cmd
	readGen int
	ring    []slot
	ctx     context.Context
	cancel  context.CancelFunc
	cols    int
	rows    int
}

// Model is the capture component.
type Model struct {
	cfg      Config
	eng      *engine
	auto     *quality.Auto
	gen      int
	st       state
	w, h     int
	preview  []byte
	res      quality.Result
	hint     quality.Problem
	help     quality.Problem
	progress float64
	started  bool
	errs     int
	reconn   bool
	err      error

	shot       []byte
	shotRes    quality.Result
	shotSide   quality.Side
	shotManual bool
	still      string
	keys       KeyMap
}

// New returns the component. Call Init to start the preview.
func New(cfg Config) Model {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.T == nil {
		cfg.T = keysOnly{}
	}
	if cfg.RetryDelay <= 0 {
		cfg.RetryDelay = 250 * time.Millisecond
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &engine{analyzer: quality.NewAnalyzer(cfg.Mode.analysis()), ctx: ctx, cancel: cancel, cols: 60, rows: 20}
	e.render[0].Profile, e.render[1].Profile = cfg.Profile, cfg.Profile
	// MJPEG frames are decoded at about 640 px, what the analysis and a
	// terminal preview use; to the luma only unless the face check (skin
	// colour) or a true-colour preview wants the chroma.
	e.conv.Width = analysisWidth
	e.conv.Luma = cfg.Mode != Face && cfg.Profile != termenv.TrueColor
	e.ring = make([]slot, 8)
	m := Model{cfg: cfg, eng: e, w: 60, h: 24, keys: newKeyMap()}
	m.auto = quality.NewAuto(cfg.Auto, cfg.Clock())
	return m
}

// Init starts reading frames (and tells a simulated camera what to film).
func (m Model) Init() tea.Cmd {
	if m.cfg.Source == nil {
		return func() tea.Msg {
			return UnavailableMsg{Err: fmt.Errorf("capture: no camera: %w", camera.ErrUnavailable)}
		}
	}
	if s, ok := m.cfg.Source.(camera.Stager); ok {
		s.Stage(m.cfg.Mode.subject())
	}
	return m.read()
}

// SetSize sets the space the component may use.
func (m *Model) SetSize(w, h int) {
	m.w, m.h = max(w, 10), max(h, 6)
	m.eng.mu.Lock()
	// Five lines under the preview: the advice, the help (two lines once
	// wrapped), the manual-capture hint and the rehearsal note.
	m.eng.cols, m.eng.rows = m.w, max(m.h-5, 3)
	m.eng.mu.Unlock()
}

// read is the one frame request in flight. The command is made once per
// generation and its messages are the engine's two (alternating with the
// drawing buffers): a frame costs no allocation on the way to the screen.
func (m Model) read() tea.Cmd {
	e := m.eng
	if e.readCmd == nil || e.readGen != m.gen {
		e.readGen = m.gen
		gen, src, mode := m.gen, m.cfg.Source, m.cfg.Mode
		e.readCmd = func() tea.Msg {
			fr, err := src.Next(e.ctx)
			if err != nil {
				return frameMsg{gen: gen, err: err}
			}
			e.mu.Lock()
			defer e.mu.Unlock()
			img, err := e.conv.Convert(fr)
			if err != nil {
				return frameMsg{gen: gen, err: err}
			}
			res := e.analyzer.AnalyzeSource(img, fr.Width, fr.Height)
			g := guideFor(mode, float64(img.Bounds().Dx())/float64(img.Bounds().Dy()))
			g.OK = res.OK
			e.flip ^= 1
			msg := &e.msgs[e.flip]
			*msg = frameMsg{gen: gen, seq: fr.Seq, res: res, preview: e.render[e.flip].Render(img, e.cols, e.rows, &g)}
			s := &e.ring[fr.Seq%uint64(len(e.ring))]
			camera.CopyFrame(&s.frame, fr)
			s.res = res
			return msg
		}
	}
	return e.readCmd
}

// encode turns the kept frame seq into a JPEG: an MJPEG frame as the
// camera sent it (with Huffman tables, so any viewer opens it), other
// frames encoded at quality 92 (text stays crisp).
func (m Model) encode(seq uint64, manual bool) tea.Cmd {
	e, gen := m.eng, m.gen
	return func() tea.Msg {
		e.mu.Lock()
		defer e.mu.Unlock()
		s := &e.ring[seq%uint64(len(e.ring))]
		if s.frame.Seq != seq {
			return shotMsg{gen: gen, err: fmt.Errorf("capture: frame %d no longer held", seq)}
		}
		var out []byte
		img, err := e.conv.Convert(s.frame)
		if err != nil {
			return shotMsg{gen: gen, err: err}
		}
		if s.frame.Format == camera.FormatMJPEG {
			fixed, err := e.conv.WithHuffman(s.frame.Data)
			if err != nil {
				return shotMsg{gen: gen, err: err}
			}
			out = append([]byte(nil), fixed...)
		} else {
			// The photo is the whole frame in colour, not the reduced
			// luma the screen looks at.
			full, err := e.conv.Full(s.frame)
			if err != nil {
				return shotMsg{gen: gen, err: err}
			}
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, full, &jpeg.Options{Quality: 92}); err != nil {
				return shotMsg{gen: gen, err: err}
			}
			out = buf.Bytes()
		}
		var r Renderer
		r.Profile = e.render[0].Profile
		// The review text (verdict, problems, side, keys) takes a few more
		// lines than the live advice: draw the still smaller.
		still := string(r.Render(img, e.cols, max(e.rows-4, 3), nil))
		return shotMsg{gen: gen, jpeg: out, res: s.res, still: still, manual: manual}
	}
}

// Update handles frames, shots and keys.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case retryMsg:
		if msg.gen != m.gen || m.st != stLive {
			return m, nil
		}
		return m, m.read()
	case *frameMsg:
		return m.frame(*msg)
	case frameMsg:
		return m.frame(msg)
	case shotMsg:
		if msg.gen != m.gen || m.st != stShooting {
			return m, nil
		}
		if msg.err != nil {
			// The kept frame was lost (should not happen): go on looking.
			m.st = stLive
			m.auto.Reset(m.cfg.Clock())
			return m, m.read()
		}
		m.st = stReview
		m.shot, m.shotRes, m.still, m.shotManual = msg.jpeg, msg.res, msg.still, msg.manual
		m.shotSide = quality.CheckSide(m.cfg.Mode == IDBack, msg.res, m.cfg.Front)
		if m.cfg.Mode == Face || m.cfg.Mode == Document {
			m.shotSide = quality.SideOK
		}
		return m, nil
	case tea.KeyMsg:
		switch {
		case m.st == stLive && key.Matches(msg, m.keys.Capture):
			if seq, ok := m.auto.Manual(); ok {
				m.st = stShooting
				return m, m.encode(seq, true)
			}
		case m.st == stReview && key.Matches(msg, m.keys.Accept):
			m.st = stDone
			out := CapturedMsg{Mode: m.cfg.Mode, JPEG: m.shot, Result: m.shotRes, Side: m.shotSide, Manual: m.shotManual}
			m.shot = nil // ownership passes to the parent
			m.eng.cancel()
			m.wipeRing()
			return m, func() tea.Msg { return out }
		case m.st == stReview && key.Matches(msg, m.keys.Retake):
			zero(m.shot)
			m.shot, m.still = nil, ""
			m.gen++
			m.st = stLive
			m.hint, m.help, m.progress = "", "", 0
			m.auto.Reset(m.cfg.Clock())
			return m, m.read()
		}
	}
	return m, nil
}

// frame takes one judged frame (or a failed read).
func (m Model) frame(msg frameMsg) (Model, tea.Cmd) {
	if msg.gen != m.gen || m.st == stDone || m.st == stUnavailable {
		return m, nil
	}
	if msg.err != nil {
		return m.frameError(msg.err)
	}
	m.started, m.errs, m.reconn = true, 0, false
	m.preview, m.res = msg.preview, msg.res
	if m.st != stLive {
		return m, nil // shooting: the frame loop stops until review ends
	}
	d := m.auto.Feed(m.cfg.Clock(), msg.seq, msg.res)
	m.hint, m.progress = d.Hint, d.Progress
	if d.Help {
		m.help = d.HelpProblem
	} else if msg.res.OK {
		m.help = ""
	}
	if d.Shoot {
		m.st = stShooting
		return m, m.encode(d.Seq, false)
	}
	return m, m.read()
}

// frameError decides what a failed read means for the visitor.
func (m Model) frameError(err error) (Model, tea.Cmd) {
	var se *camera.StreamError
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, camera.ErrClosed):
		return m, nil // closed by the parent
	case errors.Is(err, camera.ErrUnavailable):
		m.st, m.err = stUnavailable, err
		m.eng.cancel()
		return m, func() tea.Msg { return UnavailableMsg{Err: err} }
	case errors.As(err, &se) && se.Recovering:
		// The source is reconnecting and will say when it gives up.
		m.reconn = true
		return m, m.retry()
	case errors.Is(err, camera.ErrBadFrame):
		// One undecodable frame: just take the next one.
		m.errs++
		if m.errs < 50 {
			return m, m.read()
		}
	default:
		m.errs += 5
	}
	// A run of failures without a single good frame is a dead camera even
	// if no error said so (ten unexplained errors, 2.5 s).
	if m.errs >= 50 {
		m.st, m.err = stUnavailable, err
		m.eng.cancel()
		return m, func() tea.Msg { return UnavailableMsg{Err: err} }
	}
	return m, m.retry()
}

// Close stops the preview: the frame in flight is dropped and no more are
// requested. The source is not closed (it belongs to the kiosk).
func (m *Model) Close() {
	m.gen++
	if m.st != stUnavailable {
		m.st = stDone
	}
	m.eng.cancel()
	m.forgetSource()
}

// forgetSource tells a source that keeps a frame for the technician's
// preview (the kiosk's shared camera) to wipe it: the photo step is over.
func (m *Model) forgetSource() {
	if f, ok := m.cfg.Source.(interface{ Forget() }); ok {
		f.Forget()
	}
}

// Wipe zeroes every image byte the component holds: the photo under
// review and the recent frames.
func (m *Model) Wipe() {
	zero(m.shot)
	m.shot, m.still, m.preview = nil, "", nil
	m.wipeRing()
	m.eng.mu.Lock()
	m.eng.conv.Wipe()
	for i := range m.eng.render {
		m.eng.render[i].wipe()
	}
	m.eng.mu.Unlock()
	m.forgetSource()
}

func (m *Model) wipeRing() {
	m.eng.mu.Lock()
	defer m.eng.mu.Unlock()
	for i := range m.eng.ring {
		zero(m.eng.ring[i].frame.Data)
		m.eng.ring[i] = slot{frame: camera.Frame{Data: m.eng.ring[i].frame.Data[:0]}}
	}
}

func zero(b []byte) {
	for i := range b {
		b[i] = 0
	}
}

// Result is the verdict on the latest frame (for parents and tests).
func (m Model) Result() quality.Result { return m.res }

// Reviewing reports whether a photo is waiting for Enter/R.
func (m Model) Reviewing() bool { return m.st == stReview }

// Unavailable reports whether the camera could not be used.
func (m Model) Unavailable() bool { return m.st == stUnavailable }

// KeyMap returns the keys that apply now (disabled ones are hidden by
// bubbles/help). Help descriptions are catalogue keys, translated by the
// kiosk's help bar (kit.Localize).
func (m Model) KeyMap() KeyMap {
	k := m.keys
	k.Capture.SetEnabled(m.st == stLive)
	k.Accept.SetEnabled(m.st == stReview)
	k.Retake.SetEnabled(m.st == stReview)
	return k
}

// View draws the component.
func (m Model) View() string {
	t := m.cfg.T
	var b strings.Builder
	switch m.st {
	case stUnavailable:
		b.WriteString(t.T("capture.unavailable"))
		return b.String()
	case stReview, stDone:
		b.WriteString(m.still)
		b.WriteString("\n")
		m.reviewText(&b)
		return b.String()
	}
	if !m.started {
		if m.reconn {
			b.WriteString(t.T("capture.reconnecting"))
		} else {
			b.WriteString(t.T("capture.starting"))
		}
		return b.String()
	}
	b.Write(m.preview)
	b.WriteString("\n")
	// The text under the preview wraps to the width; the preview leaves
	// it five lines (SetSize).
	var text []string
	switch {
	case m.reconn:
		text = append(text, t.T("capture.reconnecting"))
	case m.st == stShooting:
		text = append(text, t.T("capture.taking"))
	case m.res.OK:
		text = append(text, t.T("capture.hold_still"))
	case m.hint != "":
		text = append(text, adviceText(t, m.cfg.Mode, m.hint))
	default:
		text = append(text, placeText(t, m.cfg.Mode))
	}
	if m.help != "" && m.st == stLive && !m.res.OK {
		text = append(text, t.T("capture.help_title")+" "+helpText(t, m.cfg.Mode, m.help),
			t.T("capture.manual_hint", "Key", t.T(m.keys.Capture.Help().Key)))
	}
	if m.cfg.Rehearsal {
		text = append(text, t.T("capture.rehearsal"))
	}
	wrap := lipgloss.NewStyle().Width(m.w)
	for i, s := range text {
		text[i] = wrap.Render(s)
	}
	b.WriteString(strings.Join(text, "\n"))
	return b.String()
}

func (m Model) reviewText(b *strings.Builder) {
	t := m.cfg.T
	switch m.shotSide {
	case quality.SideIsBack:
		b.WriteString(t.T("capture.side.is_back"))
		b.WriteString("\n")
	case quality.SideIsFront:
		b.WriteString(t.T("capture.side.is_front"))
		b.WriteString("\n")
	case quality.SideSameAsFront:
		b.WriteString(t.T("capture.side.same"))
		b.WriteString("\n")
	}
	if m.shotRes.OK {
		// The face's verdict is longer than a line in some languages.
		b.WriteString(ansi.Wordwrap(reviewGoodText(t, m.cfg.Mode), m.w, ""))
	} else {
		b.WriteString(t.T("capture.review_problems"))
		for _, p := range m.shotRes.Problems.List() {
			b.WriteString("\n • ")
			b.WriteString(adviceText(t, m.cfg.Mode, p))
		}
	}
	b.WriteString("\n")
	b.WriteString(t.T("capture.review_keys", "Accept", m.keys.Accept.Help().Key, "Retake", m.keys.Retake.Help().Key))
	if m.cfg.Rehearsal {
		b.WriteString("\n")
		b.WriteString(t.T("capture.rehearsal"))
	}
}
