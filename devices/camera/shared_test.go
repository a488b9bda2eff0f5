package camera

import (
	"context"
	"errors"
	"fmt"
	"image"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// scriptedSource hands out frames (or errors, in order), and notices
// concurrent use, which a real source does not survive.
type scriptedSource struct {
	frame   Frame
	errs    []error // returned in turn before frames; nil entries are frames
	busy    atomic.Bool
	overlap atomic.Bool
	closed  atomic.Bool
	forgot  atomic.Int32
	calls   atomic.Int32
}

func (s *scriptedSource) Next(ctx context.Context) (Frame, error) {
	if !s.busy.CompareAndSwap(false, true) {
		s.overlap.Store(true)
	}
	defer s.busy.Store(false)
	n := int(s.calls.Add(1)) - 1
	time.Sleep(100 * time.Microsecond) // widen the window for overlaps
	if n < len(s.errs) && s.errs[n] != nil {
		return Frame{}, s.errs[n]
	}
	f := s.frame
	f.Seq = uint64(n + 1)
	return f, nil
}
func (s *scriptedSource) Name() string { return "scripted" }
func (s *scriptedSource) Close() error { s.closed.Store(true); return nil }
func (s *scriptedSource) Forget()      { s.forgot.Add(1) }

// opener counts opens and fails while down is set.
type opener struct {
	mu    sync.Mutex
	down  bool
	opens int
	srcs  []*scriptedSource
	next  func() *scriptedSource
}

func (o *opener) open(string) (Source, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.opens++
	if o.down {
		return nil, fmt.Errorf("no camera: %w", ErrUnavailable)
	}
	s := o.next()
	o.srcs = append(o.srcs, s)
	return s, nil
}

func testFrame(t testing.TB) Frame {
	return liveFrames720p(t, FormatMJPEG, 1)[0]
}

// TestSharedDeviceGoneAndBack: no camera at start (no tight retry loop:
// one look per ReopenEvery), then one appears and streams; it is unplugged
// for good (the source gives up with ErrUnavailable), the shared camera
// drops it and finds it again later.
func TestSharedDeviceGoneAndBack(t *testing.T) {
	clk := &fakeClock{now: time.Unix(1e9, 0)}
	fr := testFrame(t)
	o := &opener{down: true, next: func() *scriptedSource { return &scriptedSource{frame: fr} }}
	s := NewShared(SharedConfig{Spec: "/dev/video0", Open: o.open, Now: clk.Now})
	ctx := context.Background()

	for range 5 {
		if _, err := s.Next(ctx); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("no camera: %v, want ErrUnavailable", err)
		}
	}
	if o.opens != 1 {
		t.Fatalf("%d opens within ReopenEvery, want 1", o.opens)
	}
	if st := s.Status(); st.LastError == "" || st.Frames != 0 {
		t.Fatalf("status without a camera: %+v", st)
	}

	o.mu.Lock()
	o.down = false
	o.mu.Unlock()
	if _, err := s.Next(ctx); err == nil {
		t.Fatal("looked again before ReopenEvery")
	}
	clk.Add(2 * time.Second)
	if f, err := s.Next(ctx); err != nil || f.Seq != 1 {
		t.Fatalf("camera back: %v %+v", err, f.Seq)
	}
	if st := s.Status(); st.LastError != "" || st.Frames != 1 || st.Format != FormatMJPEG || st.Width != 1280 {
		t.Fatalf("status once streaming: %+v", st)
	}

	// Frames stop: the source gives up.
	src := o.srcs[0]
	src.errs = []error{nil, &StreamError{Device: "/dev/video0", Op: "reopen", Err: fmt.Errorf("%w after 5 attempts", ErrUnavailable)}}
	if _, err := s.Next(ctx); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("gone: %v", err)
	}
	if !src.closed.Load() {
		t.Fatal("a source that gave up was not closed")
	}
	if st := s.Status(); st.LastError == "" {
		t.Fatal("the console is not told the camera is gone")
	}
	if _, err := s.Next(ctx); err == nil || o.opens != 2 {
		t.Fatalf("reopened at once after the failure (%d opens): %v", o.opens, err)
	}
	o.mu.Lock()
	o.down = true
	o.mu.Unlock()
	clk.Add(2 * time.Second)
	if _, err := s.Next(ctx); !errors.Is(err, ErrUnavailable) || o.opens != 3 {
		t.Fatalf("still unplugged: %v (%d opens)", err, o.opens)
	}
	o.mu.Lock()
	o.down = false
	o.mu.Unlock()
	clk.Add(2 * time.Second)
	if _, err := s.Next(ctx); err != nil {
		t.Fatalf("reopen after the camera came back: %v", err)
	}
	if len(o.srcs) != 2 {
		t.Fatalf("%d sources opened, want 2", len(o.srcs))
	}
}

// TestSharedKeepsRecoveringSource: a source that reports it is
// reconnecting (or a bad frame) is kept; only ErrUnavailable drops it, and
// a cancelled read never does.
func TestSharedKeepsRecoveringSource(t *testing.T) {
	fr := testFrame(t)
	o := &opener{next: func() *scriptedSource {
		return &scriptedSource{frame: fr, errs: []error{
			&StreamError{Device: "x", Op: "wait", Recovering: true, Err: ErrTimeout},
			fmt.Errorf("short: %w", ErrBadFrame),
		}}
	}}
	s := NewShared(SharedConfig{Spec: "x", Open: o.open})
	for range 2 {
		if _, err := s.Next(context.Background()); err == nil {
			t.Fatal("scripted error lost")
		}
	}
	if _, err := s.Next(context.Background()); err != nil {
		t.Fatal(err)
	}
	if o.opens != 1 || o.srcs[0].closed.Load() {
		t.Fatalf("a recovering source was dropped (%d opens)", o.opens)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	o.srcs[0].errs = append(make([]error, 3), fmt.Errorf("%w: %w", context.Canceled, ErrUnavailable))
	_, _ = s.Next(ctx)
	if o.srcs[0].closed.Load() {
		t.Fatal("a cancelled read dropped the camera")
	}
}

// TestSharedSerialisesNext: photo steps and a replaced step read at once;
// the source never sees two reads at the same time.
func TestSharedSerialisesNext(t *testing.T) {
	fr := testFrame(t)
	src := &scriptedSource{frame: fr}
	s := NewShared(SharedConfig{Spec: "x", Open: func(string) (Source, error) { return src, nil }})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if _, err := s.Next(context.Background()); err != nil {
					t.Error(err)
				}
				_ = s.Status()
				_ = s.LatestFrame(nil)
			}
		}()
	}
	wg.Wait()
	if src.overlap.Load() {
		t.Fatal("two reads reached the source at once")
	}
	if st := s.Status(); st.Frames != 80 {
		t.Fatalf("%d frames counted, want 80", st.Frames)
	}
}

// TestSharedFPS: the frame rate over one-second windows, zero once the
// camera has been idle for a while.
func TestSharedFPS(t *testing.T) {
	clk := &fakeClock{now: time.Unix(1e9, 0)}
	fr := testFrame(t)
	var reported []float64
	s := NewShared(SharedConfig{Spec: "sim", Open: func(string) (Source, error) { return &scriptedSource{frame: fr}, nil },
		Now: clk.Now, OnFPS: func(f float64) { reported = append(reported, f) }})
	for range 46 {
		if _, err := s.Next(context.Background()); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Second / 15)
	}
	st := s.Status()
	if st.FPS < 14.5 || st.FPS > 15.5 || len(reported) != 2 || !st.Simulated {
		t.Fatalf("fps %.1f, reported %v, simulated %v", st.FPS, reported, st.Simulated)
	}
	clk.Add(10 * time.Second)
	if st := s.Status(); st.FPS != 0 || st.Frames != 46 {
		t.Fatalf("idle camera: fps %.1f frames %d", st.FPS, st.Frames)
	}
}

// TestSharedForget: the kept frame is what the preview shows; Forget
// zeroes it (and the source's own copy), and the preview is empty until
// a new frame arrives.
func TestSharedForget(t *testing.T) {
	fr := testFrame(t)
	src := &scriptedSource{frame: fr}
	s := NewShared(SharedConfig{Spec: "x", Open: func(string) (Source, error) { return src, nil }})
	if s.LatestFrame(nil) != nil {
		t.Fatal("a preview before any frame")
	}
	if _, err := s.Next(context.Background()); err != nil {
		t.Fatal(err)
	}
	g := s.LatestFrame(nil)
	if g == nil || g.Bounds() != image.Rect(0, 0, 320, 180) {
		t.Fatalf("preview %v", g)
	}
	kept := s.last.Data[:cap(s.last.Data)]
	s.Forget()
	if s.LatestFrame(g) != nil {
		t.Fatal("the preview still shows the frame after Forget")
	}
	for i, b := range kept[:len(fr.Data)] {
		if b != 0 {
			t.Fatalf("byte %d of the kept frame survived Forget", i)
		}
	}
	if src.forgot.Load() != 1 {
		t.Fatal("the source was not told to forget its copy")
	}
	if st := s.Status(); st.Frames != 1 || st.Width != 1280 {
		t.Fatalf("Forget lost the counters: %+v", st)
	}
}

// TestSharedPreviewNoAllocs: the console refreshing the preview from a
// streaming camera allocates nothing once warmed up.
func TestSharedPreviewNoAllocs(t *testing.T) {
	fr := testFrame(t)
	clk := &fakeClock{now: time.Unix(1e9, 0)}
	s := NewShared(SharedConfig{Spec: "x", Now: clk.Now, Open: func(string) (Source, error) { return &scriptedSource{frame: fr}, nil }})
	var dst image.Gray
	step := func() {
		clk.Add(time.Second / 15)
		if _, err := s.Next(context.Background()); err != nil {
			t.Fatal(err)
		}
		if s.LatestFrame(&dst) == nil {
			t.Fatal("no preview")
		}
	}
	for range 10 {
		step()
	}
	if n := testing.AllocsPerRun(30, step); n != 0 {
		t.Fatalf("%.1f allocations per frame and preview, want 0", n)
	}
}

// blockingSource returns its frame only when released.
type blockingSource struct {
	frame   Frame
	started chan struct{}
	release chan struct{}
}

func (b *blockingSource) Next(ctx context.Context) (Frame, error) {
	b.started <- struct{}{}
	<-b.release
	return b.frame, nil
}
func (b *blockingSource) Name() string { return "blocking" }
func (b *blockingSource) Close() error { return nil }

// TestSharedForgetDuringRead: the photo step ends (Forget) while a frame
// is being read; that frame, taken while the visitor was still there, is
// not kept for the preview.
func TestSharedForgetDuringRead(t *testing.T) {
	src := &blockingSource{frame: testFrame(t), started: make(chan struct{}), release: make(chan struct{})}
	s := NewShared(SharedConfig{Spec: "x", Open: func(string) (Source, error) { return src, nil }})
	done := make(chan error)
	go func() { _, err := s.Next(context.Background()); done <- err }()
	<-src.started
	s.Forget()
	close(src.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if s.LatestFrame(nil) != nil {
		t.Fatal("a frame read across Forget was kept for the preview")
	}
	go func() { _, err := s.Next(context.Background()); done <- err }()
	<-src.started
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if s.LatestFrame(nil) == nil {
		t.Fatal("the next frame is not kept")
	}
}
