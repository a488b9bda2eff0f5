package camera

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// FourCC codes of the V4L2 pixel formats the kiosk uses.
const (
	FourCCYUYV uint32 = 'Y' | 'U'<<8 | 'Y'<<16 | 'V'<<24
	FourCCMJPG uint32 = 'M' | 'J'<<8 | 'P'<<16 | 'G'<<24
)

// FourCCString spells a FourCC code.
func FourCCString(c uint32) string {
	return string([]byte{byte(c), byte(c >> 8), byte(c >> 16), byte(c >> 24)})
}

// FrameSize is one entry of a device's frame-size list: a fixed size
// (Step 0, Min = Max) or a stepwise range.
type FrameSize struct {
	MinW, MaxW, StepW uint32
	MinH, MaxH, StepH uint32
}

// Device is the seam over a V4L2 capture device (blackjack/webcam's
// *Webcam on Linux). The source's logic — format choice, buffer handling,
// recovery — is tested through it without a camera.
type Device interface {
	// Formats maps FourCC codes to descriptions (unordered, may repeat).
	Formats() map[uint32]string
	FrameSizes(fourcc uint32) []FrameSize
	// SetFormat asks for a format and size and returns what the driver
	// actually set, which may differ.
	SetFormat(fourcc, w, h uint32) (uint32, uint32, uint32, error)
	SetBufferCount(n uint32) error
	Start() error
	// Wait blocks until a frame is ready or the timeout passes
	// (ErrTimeout); a zero timeout polls.
	Wait(timeout time.Duration) error
	// Frame dequeues a filled buffer. The bytes are the driver's mmap'ed
	// memory: valid only until Release.
	Frame() ([]byte, uint32, error)
	Release(index uint32) error
	Stop() error
	Close() error
	Name() string
}

// Opener opens a device node.
type Opener func(path string) (Device, error)

// ErrTimeout means no frame arrived in time.
var ErrTimeout = errors.New("timed out waiting for a frame")

// ErrNoFormat means the camera offers neither MJPEG nor YUYV.
var ErrNoFormat = errors.New("camera offers neither MJPEG nor YUYV")

// V4L2Config configures a V4L2 source. Zero values take the defaults.
type V4L2Config struct {
	// Path is /dev/videoN or a stable /dev/v4l/by-id/… link (preferred: it
	// survives re-plugging into another USB port).
	Path string
	// Open defaults to the blackjack/webcam device on Linux.
	Open Opener
	// Buffers: the library's default of 256 mmap buffers pins ~450 MB of
	// 720p YUYV and adds seconds of latency; 4 let the driver fill one
	// while we read another. Default 4.
	Buffers uint32
	// Timeout for one frame; a UVC camera at ≥ 5 fps never takes 2 s, so
	// past that the stream is dead. Default 2 s.
	Timeout time.Duration
	// MaxReopen: reopen attempts after a failure before giving up with
	// ErrUnavailable. Default 5.
	MaxReopen int
	// Backoff between reopen attempts. Default 1 s.
	Backoff time.Duration
	// Sleep waits (injectable for tests); default honours ctx.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now stamps frames; default time.Now.
	Now func() time.Time
}

// V4L2 is a camera source on a V4L2 device.
type V4L2 struct {
	// mu serialises Next and Close: the source is shared by the capture
	// steps, and a step that ends may still have a read in flight when
	// the next step starts reading.
	mu       sync.Mutex
	cfg      V4L2Config
	dev      Device
	fourcc   uint32
	w, h     int
	buf      []byte
	seq      uint64
	attempts int
	closed   bool
	name     string
}

// OpenV4L2 opens the device, chooses the best format and starts streaming.
// Failure wraps ErrUnavailable.
func OpenV4L2(cfg V4L2Config) (*V4L2, error) {
	if cfg.Open == nil {
		cfg.Open = openWebcam
	}
	if cfg.Buffers == 0 {
		cfg.Buffers = 4
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	if cfg.MaxReopen == 0 {
		cfg.MaxReopen = 5
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = time.Second
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepCtx
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	v := &V4L2{cfg: cfg}
	if err := v.start(); err != nil {
		return nil, fmt.Errorf("camera %s: %w: %w", cfg.Path, ErrUnavailable, err)
	}
	return v, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// start opens and configures the device. A /dev/v4l/by-id link is
// resolved at every (re)open: after a re-plug the same camera may be
// /dev/video2 instead of /dev/video0.
func (v *V4L2) start() error {
	path := v.cfg.Path
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	dev, err := v.cfg.Open(path)
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	fourcc, w, h, err := ChooseFormat(dev.Formats(), dev.FrameSizes)
	if err != nil {
		dev.Close()
		return err
	}
	gotF, gotW, gotH, err := dev.SetFormat(fourcc, w, h)
	if err != nil {
		dev.Close()
		return fmt.Errorf("set format %s %dx%d: %w", FourCCString(fourcc), w, h, err)
	}
	// The driver has the last word: use what it set, not what we asked.
	if gotF != FourCCYUYV && gotF != FourCCMJPG {
		dev.Close()
		return fmt.Errorf("driver set format %s: %w", FourCCString(gotF), ErrNoFormat)
	}
	if gotW == 0 || gotH == 0 || gotW > MaxDimension || gotH > MaxDimension {
		dev.Close()
		return fmt.Errorf("driver set size %dx%d", gotW, gotH)
	}
	if err := dev.SetBufferCount(v.cfg.Buffers); err != nil {
		dev.Close()
		return fmt.Errorf("set buffer count: %w", err)
	}
	if err := dev.Start(); err != nil {
		dev.Close()
		return fmt.Errorf("start streaming: %w", err)
	}
	v.dev, v.fourcc, v.w, v.h = dev, gotF, int(gotW), int(gotH)
	v.name = fmt.Sprintf("%s (%s, %s %dx%d)", dev.Name(), v.cfg.Path, FourCCString(gotF), gotW, gotH)
	return nil
}

// Name describes the device and the format in use.
func (v *V4L2) Name() string {
	if v.name == "" {
		return v.cfg.Path
	}
	return v.name
}

// Format reports the pixel format and size the driver set.
func (v *V4L2) Format() (Format, int, int) {
	if v.fourcc == FourCCMJPG {
		return FormatMJPEG, v.w, v.h
	}
	return FormatYUYV, v.w, v.h
}

// shut stops and closes the device, ignoring errors: it is called when the
// device is already failing (unplugged) and nothing more can be done.
func (v *V4L2) shut() {
	if v.dev != nil {
		_ = v.dev.Stop()
		_ = v.dev.Close()
		v.dev = nil
	}
}

// fail closes the device and reports a recoverable stream error; the next
// Next reopens it.
func (v *V4L2) fail(op string, err error) error {
	v.shut()
	return &StreamError{Device: v.cfg.Path, Op: op, Recovering: true, Err: err}
}

// Next returns the newest frame. Older frames already queued by the driver
// are dropped rather than shown late: the preview must follow the hand.
// After a failure it reopens the device (one attempt per call, with
// back-off); after MaxReopen failed attempts the error wraps
// ErrUnavailable.
func (v *V4L2) Next(ctx context.Context) (Frame, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return Frame{}, ErrClosed
	}
	if v.dev == nil {
		if v.attempts >= v.cfg.MaxReopen {
			return Frame{}, &StreamError{Device: v.cfg.Path, Op: "reopen", Err: fmt.Errorf("%w after %d attempts", ErrUnavailable, v.attempts)}
		}
		if err := v.cfg.Sleep(ctx, v.cfg.Backoff); err != nil {
			return Frame{}, err
		}
		v.attempts++
		if err := v.start(); err != nil {
			if v.attempts >= v.cfg.MaxReopen {
				return Frame{}, &StreamError{Device: v.cfg.Path, Op: "reopen", Err: fmt.Errorf("%w: %w", ErrUnavailable, err)}
			}
			return Frame{}, &StreamError{Device: v.cfg.Path, Op: "reopen", Recovering: true, Err: err}
		}
	}
	if err := ctx.Err(); err != nil {
		return Frame{}, err
	}
	// Wait in slices of at most a second so a cancelled context (the
	// screen went away, the kiosk shuts down) is noticed promptly.
	for waited := time.Duration(0); ; {
		slice := min(time.Second, v.cfg.Timeout-waited)
		err := v.dev.Wait(slice)
		if err == nil {
			break
		}
		waited += slice
		if !errors.Is(err, ErrTimeout) || waited >= v.cfg.Timeout {
			return Frame{}, v.fail("wait", err)
		}
		if err := ctx.Err(); err != nil {
			return Frame{}, err
		}
	}
	data, idx, err := v.dev.Frame()
	if err != nil {
		return Frame{}, v.fail("dequeue", err)
	}
	// Drain: while a newer frame is ready, give this buffer back and take
	// that one. Bounded by the buffer count.
	for i := uint32(0); i < v.cfg.Buffers && v.dev.Wait(0) == nil; i++ {
		if err := v.dev.Release(idx); err != nil {
			return Frame{}, v.fail("release", err)
		}
		if data, idx, err = v.dev.Frame(); err != nil {
			return Frame{}, v.fail("dequeue", err)
		}
	}
	// Copy out of the driver's buffer before handing it back: after
	// Release the driver may overwrite it at any moment.
	v.buf = append(v.buf[:0], data...)
	if err := v.dev.Release(idx); err != nil {
		return Frame{}, v.fail("release", err)
	}
	v.attempts = 0
	f := Frame{Width: v.w, Height: v.h, Data: v.buf, Time: v.cfg.Now()}
	switch v.fourcc {
	case FourCCMJPG:
		f.Format = FormatMJPEG
	default:
		f.Format = FormatYUYV
		if len(v.buf) < v.w*v.h*2 {
			// A short buffer (USB hiccup) is one bad frame, not a dead camera.
			return Frame{}, fmt.Errorf("camera %s: YUYV frame of %d bytes, want %d: %w", v.cfg.Path, len(v.buf), v.w*v.h*2, ErrBadFrame)
		}
	}
	if len(v.buf) == 0 {
		return Frame{}, fmt.Errorf("camera %s: empty frame: %w", v.cfg.Path, ErrBadFrame)
	}
	v.seq++
	f.Seq = v.seq
	return f, nil
}

// Forget zeroes the copy of the last frame the source keeps (it would be
// overwritten by the next frame anyway; a visitor's session that ended
// must not linger in it meanwhile).
func (v *V4L2) Forget() {
	v.mu.Lock()
	defer v.mu.Unlock()
	clear(v.buf)
}

// Close stops streaming and releases the device.
func (v *V4L2) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return nil
	}
	v.closed = true
	if v.dev == nil {
		return nil
	}
	_ = v.dev.Stop()
	err := v.dev.Close()
	v.dev = nil
	return err
}

// candidate is one format/size the camera could deliver.
type candidate struct {
	fourcc uint32
	w, h   uint32
}

// want is the size the kiosk aims for: 1280×720 gives a card held at the
// guide frame ~600 px of width (7 px/mm), plenty for OCR and the officer,
// while 1080p only costs USB bandwidth and decoding time.
const wantW, wantH = 1280, 720

// ChooseFormat picks the best format and size among those the device
// lists. The smallest size of at least 1280×720 wins; if there is none, the
// largest. At ≥ 720p MJPEG beats YUYV (uncompressed 720p YUYV needs 55 MB/s
// at 30 fps, more than USB 2 gives, so cameras drop it to 5-10 fps); below
// it YUYV wins (no decoding, no artefacts). The format map comes back in
// random order, so candidates are sorted for a deterministic choice.
func ChooseFormat(formats map[uint32]string, sizes func(uint32) []FrameSize) (uint32, uint32, uint32, error) {
	var cands []candidate
	for f := range formats {
		if f != FourCCYUYV && f != FourCCMJPG {
			continue
		}
		for _, s := range sizes(f) {
			if s.StepW == 0 || s.StepH == 0 || (s.MinW == s.MaxW && s.MinH == s.MaxH) {
				cands = append(cands, candidate{f, s.MaxW, s.MaxH})
				continue
			}
			// Stepwise or continuous: the wanted size snapped into the
			// range, and the largest.
			cands = append(cands, candidate{f, snap(wantW, s.MinW, s.MaxW, s.StepW), snap(wantH, s.MinH, s.MaxH, s.StepH)})
			cands = append(cands, candidate{f, s.MaxW, s.MaxH})
		}
	}
	if len(cands) == 0 {
		return 0, 0, 0, ErrNoFormat
	}
	big := func(c candidate) bool { return c.w >= wantW && c.h >= wantH }
	slices.SortFunc(cands, func(a, b candidate) int {
		ab, bb := big(a), big(b)
		if ab != bb {
			if ab {
				return -1
			}
			return 1
		}
		aa, ba := uint64(a.w)*uint64(a.h), uint64(b.w)*uint64(b.h)
		if aa != ba {
			if ab { // both big: smaller first
				if aa < ba {
					return -1
				}
				return 1
			}
			if aa > ba { // both small: larger first
				return -1
			}
			return 1
		}
		if a.fourcc != b.fourcc {
			pref := FourCCYUYV
			if ab {
				pref = FourCCMJPG
			}
			if a.fourcc == pref {
				return -1
			}
			return 1
		}
		return 0
	})
	c := cands[0]
	return c.fourcc, c.w, c.h, nil
}

func snap(v, lo, hi, step uint32) uint32 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	if step > 0 {
		v = lo + (v-lo+step-1)/step*step
		if v > hi {
			v = hi
		}
	}
	return v
}
