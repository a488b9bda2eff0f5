package camera

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"sync"
	"time"

	"github.com/ventanilla-kiosk/ventanilla/devices/camera/sim"
)

// Subject is what the camera should be looking at. Real cameras ignore it;
// the simulated camera films it, so demo mode shows a card for the card
// steps and a face for the rehearsal.
type Subject int

// Subjects of the capture steps.
const (
	SubjectCardFront Subject = iota
	SubjectCardBack
	SubjectFace
	SubjectSheet
)

// Stager is implemented by sources that can be told what to film (the
// simulated camera). The capture component calls Stage when it starts a
// step.
type Stager interface {
	Stage(Subject)
}

// SimConfig configures the simulated camera. Zero values take defaults.
type SimConfig struct {
	// Subject to film first; Stage changes it.
	Subject Subject
	// Script overrides the scripted visitor (default: sim.Visitor for the
	// subject with PerStep frames per phase).
	Script sim.Script
	// PerStep is the length of each bad phase in frames (default 20:
	// 1.3 s at 15 fps, long enough to read each piece of advice).
	PerStep int
	// Width, Height of the frames (default 1280×720).
	Width, Height int
	// Format: FormatYUYV (default) or FormatMJPEG.
	Format Format
	// KeepHuffman: MJPEG frames normally leave out the Huffman tables as
	// many UVC cameras do, so the insertion path is exercised; set to keep
	// them.
	KeepHuffman bool
	// Interval between frames (pacing like a real camera); 0 delivers as
	// fast as asked (tests).
	Interval time.Duration
	// Sleep and Now are injectable for tests.
	Sleep func(ctx context.Context, d time.Duration) error
	Now   func() time.Time
}

// Sim is the simulated camera: it renders a scripted scene and delivers it
// in the same raw format a UVC camera would, so conversion, analysis and
// capture run exactly as with real hardware. Time is counted in frames:
// frame n of a script is always the same picture.
type Sim struct {
	mu     sync.Mutex
	cfg    SimConfig
	script sim.Script
	n      int
	seq    uint64
	rgba   *image.RGBA
	raw    []byte
	jpg    bytes.Buffer
	last   time.Time
	closed bool
}

// NewSim returns a simulated camera.
func NewSim(cfg SimConfig) *Sim {
	if cfg.Width <= 0 || cfg.Height <= 0 {
		cfg.Width, cfg.Height = 1280, 720
	}
	cfg.Width &^= 1
	if cfg.Format == FormatUnknown {
		cfg.Format = FormatYUYV
	}
	if cfg.PerStep <= 0 {
		cfg.PerStep = 20
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepCtx
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Sim{cfg: cfg, rgba: image.NewRGBA(image.Rect(0, 0, cfg.Width, cfg.Height))}
	s.script = cfg.Script
	if s.script == nil {
		s.script = sim.Visitor(subjectKind(cfg.Subject), cfg.PerStep)
	}
	return s
}

func subjectKind(s Subject) sim.Kind {
	switch s {
	case SubjectCardBack:
		return sim.CardBack
	case SubjectFace:
		return sim.Face
	case SubjectSheet:
		return sim.SheetA4
	}
	return sim.CardFront
}

// Stage restarts the scripted visitor with a new subject (the visitor
// turns the card over, or sits down for the face check). A custom Script
// is kept but restarted.
func (s *Sim) Stage(sub Subject) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg.Script == nil {
		s.script = sim.Visitor(subjectKind(sub), s.cfg.PerStep)
	}
	s.n = 0
}

// Name says it is the simulated camera.
func (s *Sim) Name() string {
	return fmt.Sprintf("simulated camera (%s %dx%d)", s.cfg.Format, s.cfg.Width, s.cfg.Height)
}

// Step returns the name of the scripted phase the next frame shows.
func (s *Sim) Step() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, name := s.script.At(s.n)
	return name
}

// Next renders the next frame of the script.
func (s *Sim) Next(ctx context.Context) (Frame, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return Frame{}, ErrClosed
	}
	if s.cfg.Interval > 0 && !s.last.IsZero() {
		if wait := s.cfg.Interval - s.cfg.Now().Sub(s.last); wait > 0 {
			if err := s.cfg.Sleep(ctx, wait); err != nil {
				return Frame{}, err
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return Frame{}, err
	}
	scene, _ := s.script.At(s.n)
	s.n++
	sim.Render(s.rgba, scene)
	s.last = s.cfg.Now()
	s.seq++
	f := Frame{Format: s.cfg.Format, Width: s.cfg.Width, Height: s.cfg.Height, Seq: s.seq, Time: s.last}
	switch s.cfg.Format {
	case FormatMJPEG:
		s.jpg.Reset()
		if err := jpeg.Encode(&s.jpg, s.rgba, &jpeg.Options{Quality: 85}); err != nil {
			return Frame{}, fmt.Errorf("camera: simulated MJPEG: %w", err)
		}
		data := s.jpg.Bytes()
		if !s.cfg.KeepHuffman {
			stripped, err := StripHuffman(data)
			if err != nil {
				return Frame{}, err
			}
			data = stripped
		}
		s.raw = append(s.raw[:0], data...)
	default:
		s.raw = EncodeYUYV(s.raw, s.rgba)
	}
	f.Data = s.raw
	return f, nil
}

// Close stops the simulated camera.
func (s *Sim) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}
