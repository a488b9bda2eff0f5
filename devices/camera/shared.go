package camera

import (
	"context"
	"errors"
	"image"
	"strings"
	"sync"
	"time"
)

// SharedConfig configures a Shared camera. Zero values take the defaults.
type SharedConfig struct {
	// Spec is what to open (see Open).
	Spec string
	// Open opens the source; default Open.
	Open func(spec string) (Source, error)
	// Now is the clock (frame rate, reopen pacing); default time.Now.
	Now func() time.Time
	// ReopenEvery limits how often a missing camera is looked for.
	// Default 2 s.
	ReopenEvery time.Duration
	// KeepEvery is how often a frame is copied for the technician's
	// preview; copying every frame would cost for nothing. Default 200 ms.
	KeepEvery time.Duration
	// OnFPS, if set, is told the frame rate once a second (metrics).
	OnFPS func(fps float64)
}

// Shared is the kiosk's one camera, shared by every photo step and the
// technician's preview. Sources are not safe for concurrent use, so Next
// is serialised: a step that is replaced while its frame is still being
// read cannot race the next one. It opens the device lazily and again
// after it failed (a camera plugged in after start-up is found), measures
// the frame rate, and keeps a copy of a recent frame for the preview —
// which Forget wipes when a visitor's session or photo step ends.
type Shared struct {
	cfg SharedConfig

	mu      sync.Mutex // serialises Next and guards src, lastTry, lastErr
	src     Source
	lastTry time.Time
	lastErr error

	stat    sync.Mutex // guards the fields below (read by the console)
	frames  uint64
	fps     float64
	winN    int
	winT    time.Time
	lastAt  time.Time // when a frame last arrived
	format  Format    // of the frames arriving
	w, h    int
	last    Frame // a recent frame's copy, for the preview
	keptAt  time.Time
	hasLast bool
	errText string // the last open/stream error, for the console
	conv    Converter
	// forgets counts Forget calls: a frame whose read began before the
	// latest Forget is not kept (it may show the visitor who just left).
	forgets uint64
}

// NewShared returns the shared camera; nothing is opened until the first
// Next.
func NewShared(cfg SharedConfig) *Shared {
	if cfg.Open == nil {
		cfg.Open = Open
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ReopenEvery <= 0 {
		cfg.ReopenEvery = 2 * time.Second
	}
	if cfg.KeepEvery <= 0 {
		cfg.KeepEvery = 200 * time.Millisecond
	}
	// The preview is at most ~100 terminal columns: a quarter of a 720p
	// frame is plenty, and grey is all the half-block preview draws.
	s := &Shared{cfg: cfg}
	s.conv.Width, s.conv.Luma = 320, true
	return s
}

// open opens the source if there is none, at most once per ReopenEvery.
// Called with mu held.
func (s *Shared) open() error {
	if s.src != nil {
		return nil
	}
	now := s.cfg.Now()
	if !s.lastTry.IsZero() && now.Sub(s.lastTry) < s.cfg.ReopenEvery {
		return s.lastErr
	}
	s.lastTry = now
	src, err := s.cfg.Open(s.cfg.Spec)
	s.setErr(err)
	if err != nil {
		s.lastErr = err
		return err
	}
	s.src, s.lastErr = src, nil
	return nil
}

// Next implements Source.
func (s *Shared) Next(ctx context.Context) (Frame, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.open(); err != nil {
		return Frame{}, err
	}
	s.stat.Lock()
	gen := s.forgets
	s.stat.Unlock()
	f, err := s.src.Next(ctx)
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, ErrUnavailable) {
			// The device is gone for good (a V4L2 source reopens by itself
			// first and reports Recovering meanwhile; a bad frame is just
			// skipped): drop it, a later call looks for it again.
			_ = s.src.Close()
			s.src = nil
			s.lastErr = err
			s.lastTry = s.cfg.Now()
			s.setErr(err)
		}
		return f, err
	}
	s.count(f, gen)
	return f, nil
}

// setErr records err for Status; lock order is always mu, then stat.
func (s *Shared) setErr(err error) {
	s.stat.Lock()
	if err != nil {
		s.errText = err.Error()
	} else {
		s.errText = ""
	}
	s.stat.Unlock()
}

func (s *Shared) count(f Frame, gen uint64) {
	s.stat.Lock()
	defer s.stat.Unlock()
	s.frames++
	now := s.cfg.Now()
	s.lastAt = now
	s.format, s.w, s.h = f.Format, f.Width, f.Height
	if s.winT.IsZero() {
		s.winT = now // this frame opens the first window
	} else {
		s.winN++
	}
	if d := now.Sub(s.winT); d >= time.Second {
		s.fps = float64(s.winN) / d.Seconds()
		s.winN, s.winT = 0, now
		if s.cfg.OnFPS != nil {
			s.cfg.OnFPS(s.fps)
		}
	}
	if f.Format == FormatImage || gen != s.forgets {
		return // a decoded file picture, or a read older than a Forget
	}
	if !s.hasLast || now.Sub(s.keptAt) >= s.cfg.KeepEvery {
		CopyFrame(&s.last, f)
		s.keptAt = now
		s.hasLast = true
	}
}

// Forget wipes the kept frame (its bytes are zeroed, and so are the
// preview converter's planes): called when a visitor's session or photo
// step ends, so the technician's preview shows nothing of them after.
// Sources that keep the last frame themselves (V4L2) are told to wipe it
// too, unless a frame is being read right now (the next one overwrites
// it anyway).
func (s *Shared) Forget() {
	if s.mu.TryLock() {
		if f, ok := s.src.(interface{ Forget() }); ok {
			f.Forget()
		}
		s.mu.Unlock()
	}
	s.stat.Lock()
	defer s.stat.Unlock()
	s.forgets++
	clear(s.last.Data)
	s.last = Frame{Data: s.last.Data[:0]}
	s.hasLast = false
	s.conv.Wipe()
}

// Stage implements Stager for the simulated camera.
func (s *Shared) Stage(sub Subject) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.src.(Stager); ok {
		st.Stage(sub)
	}
}

// Name implements Source.
func (s *Shared) Name() string { return s.cfg.Spec }

// Close implements Source. The camera can be used again: the next Next
// opens it anew.
func (s *Shared) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.src == nil {
		return nil
	}
	err := s.src.Close()
	s.src = nil
	return err
}

// Status is what the technician's console shows about the camera.
type Status struct {
	Spec      string
	Simulated bool
	// Format, Width, Height: of the recent frames ("" before the first).
	Format        Format
	Width, Height int
	FPS           float64
	Frames        uint64
	LastError     string
}

// idleAfter: with no frame for this long nobody is looking at the camera,
// and the last measured rate is no longer true.
const idleAfter = 5 * time.Second

// Status reports the camera's state. It never blocks on the device.
func (s *Shared) Status() Status {
	s.stat.Lock()
	defer s.stat.Unlock()
	st := Status{Spec: s.cfg.Spec, FPS: s.fps, Frames: s.frames, LastError: s.errText,
		Simulated: s.cfg.Spec == "sim" || strings.HasPrefix(s.cfg.Spec, "sim:")}
	if s.frames > 0 {
		st.Format, st.Width, st.Height = s.format, s.w, s.h
	}
	if s.lastAt.IsZero() || s.cfg.Now().Sub(s.lastAt) > idleAfter {
		st.FPS = 0
	}
	return st
}

// LatestFrame draws the kept frame, in grey at about a quarter of its
// size, into dst (its pixels are reused when large enough, so a preview
// refreshing a few times a second allocates nothing) and returns it; nil
// when there is no frame (none yet, or Forget wiped it). It does not wait
// for the device.
func (s *Shared) LatestFrame(dst *image.Gray) *image.Gray {
	s.stat.Lock()
	defer s.stat.Unlock()
	if !s.hasLast {
		return nil
	}
	img, err := s.conv.Convert(s.last)
	if err != nil {
		return nil
	}
	return GrayInto(dst, img)
}
