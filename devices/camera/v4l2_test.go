package camera

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeDevice is a V4L2 device in memory: a queue of frames in mmap-like
// buffers that the driver "overwrites" after release, and switches for the
// failures a real camera has.
type fakeDevice struct {
	formats  map[uint32]string
	sizes    map[uint32][]FrameSize
	setTo    [3]uint32 // what the driver forces, if non-zero
	bufCount uint32
	started  bool
	closed   bool

	ready    [][]byte // frames waiting in the driver
	bufs     [][]byte // "mmap" buffers by index
	held     map[uint32]bool
	released []uint32
	failWait error
	failDQ   error
	waits    int
	asked    [3]uint32
}

func newFake() *fakeDevice {
	return &fakeDevice{
		formats: map[uint32]string{FourCCYUYV: "YUYV 4:2:2", FourCCMJPG: "Motion-JPEG"},
		sizes: map[uint32][]FrameSize{
			FourCCYUYV: {{MinW: 640, MaxW: 640, MinH: 480, MaxH: 480}, {MinW: 1280, MaxW: 1280, MinH: 720, MaxH: 720}},
			FourCCMJPG: {{MinW: 1920, MaxW: 1920, MinH: 1080, MaxH: 1080}, {MinW: 1280, MaxW: 1280, MinH: 720, MaxH: 720}, {MinW: 640, MaxW: 640, MinH: 480, MaxH: 480}},
		},
		held: map[uint32]bool{},
	}
}

func (d *fakeDevice) Formats() map[uint32]string      { return d.formats }
func (d *fakeDevice) FrameSizes(f uint32) []FrameSize { return d.sizes[f] }
func (d *fakeDevice) SetFormat(f, w, h uint32) (uint32, uint32, uint32, error) {
	d.asked = [3]uint32{f, w, h}
	if d.setTo[0] != 0 {
		return d.setTo[0], d.setTo[1], d.setTo[2], nil
	}
	return f, w, h, nil
}
func (d *fakeDevice) SetBufferCount(n uint32) error {
	if d.started {
		return errors.New("streaming")
	}
	d.bufCount = n
	d.bufs = make([][]byte, n)
	return nil
}
func (d *fakeDevice) Start() error { d.started = true; return nil }
func (d *fakeDevice) Wait(timeout time.Duration) error {
	if timeout > 0 {
		d.waits++
	}
	if d.failWait != nil {
		return d.failWait
	}
	if len(d.ready) == 0 {
		return ErrTimeout
	}
	return nil
}
func (d *fakeDevice) Frame() ([]byte, uint32, error) {
	if d.failDQ != nil {
		return nil, 0, d.failDQ
	}
	for i := uint32(0); i < d.bufCount; i++ {
		if !d.held[i] {
			d.bufs[i] = append(d.bufs[i][:0], d.ready[0]...)
			d.ready = d.ready[1:]
			d.held[i] = true
			return d.bufs[i], i, nil
		}
	}
	return nil, 0, errors.New("no free buffer: a buffer was never released")
}
func (d *fakeDevice) Release(i uint32) error {
	if !d.held[i] {
		return errors.New("release of a buffer not held")
	}
	d.held[i] = false
	d.released = append(d.released, i)
	// The driver reuses the buffer at once: scribble on it.
	for j := range d.bufs[i] {
		d.bufs[i][j] = 0xEE
	}
	return nil
}
func (d *fakeDevice) Stop() error  { d.started = false; return nil }
func (d *fakeDevice) Close() error { d.closed = true; return nil }
func (d *fakeDevice) Name() string { return "Fake UVC Camera" }

func TestChooseFormat(t *testing.T) {
	fs := func(w, h uint32) FrameSize { return FrameSize{MinW: w, MaxW: w, MinH: h, MaxH: h} }
	cases := []struct {
		name    string
		formats map[uint32]string
		sizes   map[uint32][]FrameSize
		want    [3]uint32
		wantErr bool
	}{
		{"MJPEG 720p over 1080p and YUYV 720p",
			map[uint32]string{FourCCYUYV: "", FourCCMJPG: ""},
			map[uint32][]FrameSize{FourCCYUYV: {fs(640, 480), fs(1280, 720)}, FourCCMJPG: {fs(1920, 1080), fs(1280, 720)}},
			[3]uint32{FourCCMJPG, 1280, 720}, false},
		{"YUYV 720p when no MJPEG",
			map[uint32]string{FourCCYUYV: "", 0x34363248: "H264"},
			map[uint32][]FrameSize{FourCCYUYV: {fs(1280, 720), fs(640, 480)}, 0x34363248: {fs(1920, 1080)}},
			[3]uint32{FourCCYUYV, 1280, 720}, false},
		{"largest when nothing reaches 720p, YUYV on a tie",
			map[uint32]string{FourCCYUYV: "", FourCCMJPG: ""},
			map[uint32][]FrameSize{FourCCYUYV: {fs(640, 480), fs(320, 240)}, FourCCMJPG: {fs(640, 480)}},
			[3]uint32{FourCCYUYV, 640, 480}, false},
		{"1080p only",
			map[uint32]string{FourCCMJPG: ""},
			map[uint32][]FrameSize{FourCCMJPG: {fs(1920, 1080)}},
			[3]uint32{FourCCMJPG, 1920, 1080}, false},
		{"stepwise snaps to 1280x720",
			map[uint32]string{FourCCYUYV: ""},
			map[uint32][]FrameSize{FourCCYUYV: {{MinW: 160, MaxW: 2592, StepW: 16, MinH: 120, MaxH: 1944, StepH: 8}}},
			[3]uint32{FourCCYUYV, 1280, 720}, false},
		{"no usable format",
			map[uint32]string{0x34363248: "H264"},
			map[uint32][]FrameSize{0x34363248: {fs(1920, 1080)}},
			[3]uint32{}, true},
	}
	for _, c := range cases {
		// The map's order is random: the choice must not depend on it.
		for i := 0; i < 20; i++ {
			f, w, h, err := ChooseFormat(c.formats, func(f uint32) []FrameSize { return c.sizes[f] })
			if (err != nil) != c.wantErr {
				t.Fatalf("%s: err %v", c.name, err)
			}
			if got := [3]uint32{f, w, h}; !c.wantErr && got != c.want {
				t.Fatalf("%s: got %s %dx%d, want %s %dx%d", c.name, FourCCString(f), w, h, FourCCString(c.want[0]), c.want[1], c.want[2])
			}
		}
	}
}

func openFake(t *testing.T, devs ...*fakeDevice) (*V4L2, *int) {
	t.Helper()
	opens := 0
	v, err := OpenV4L2(V4L2Config{
		Path: "/dev/video0",
		Open: func(string) (Device, error) {
			if opens >= len(devs) || devs[opens] == nil {
				opens++
				return nil, errors.New("no such device")
			}
			d := devs[opens]
			opens++
			return d, nil
		},
		MaxReopen: 3,
		Sleep:     func(context.Context, time.Duration) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	return v, &opens
}

func TestV4L2ReadsBackDriverFormat(t *testing.T) {
	d := newFake()
	d.setTo = [3]uint32{FourCCYUYV, 800, 600} // the driver overrides the request
	v, _ := openFake(t, d)
	defer v.Close()
	if d.asked != [3]uint32{FourCCMJPG, 1280, 720} {
		t.Fatalf("asked for %v", d.asked)
	}
	if f, w, h := v.Format(); f != FormatYUYV || w != 800 || h != 600 {
		t.Fatalf("source uses %v %dx%d, want the driver's YUYV 800x600", f, w, h)
	}
	if d.bufCount != 4 {
		t.Fatalf("buffer count %d, want 4", d.bufCount)
	}
	d.ready = append(d.ready, make([]byte, 800*600*2))
	fr, err := v.Next(context.Background())
	if err != nil || fr.Width != 800 || fr.Height != 600 || fr.Format != FormatYUYV {
		t.Fatalf("frame %v %dx%d err %v", fr.Format, fr.Width, fr.Height, err)
	}
}

// TestV4L2CopiesBeforeRelease: the frame's bytes survive the driver
// reusing the buffer, every buffer is given back, and only the newest of
// several queued frames is returned.
func TestV4L2CopiesAndDrains(t *testing.T) {
	d := newFake()
	v, _ := openFake(t, d)
	defer v.Close()
	mk := func(b byte) []byte {
		p := make([]byte, 16)
		p[0] = 0xFF
		p[1] = 0xD8
		p[2] = b
		return p
	}
	d.ready = append(d.ready, mk(1), mk(2), mk(3))
	fr, err := v.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if fr.Data[2] != 3 {
		t.Fatalf("got frame %d, want the newest (3)", fr.Data[2])
	}
	if fr.Data[3] == 0xEE {
		t.Fatal("frame data was not copied before release")
	}
	for i, h := range d.held {
		if h {
			t.Fatalf("buffer %d never released", i)
		}
	}
	if len(d.released) != 3 {
		t.Fatalf("released %v, want 3 releases", d.released)
	}
	if fr.Seq != 1 {
		t.Fatalf("seq %d", fr.Seq)
	}
}

// TestV4L2TimeoutFailsTheStream: no frame for the whole time-out is a dead
// stream (recovering), polled in slices.
func TestV4L2TimeoutFailsTheStream(t *testing.T) {
	d := newFake()
	v, _ := openFake(t, d)
	defer v.Close()
	_, err := v.Next(context.Background()) // nothing ready: fake Wait times out at once
	var se *StreamError
	if !errors.As(err, &se) || !se.Recovering || !errors.Is(err, ErrTimeout) {
		t.Fatalf("err %v, want a recovering StreamError wrapping ErrTimeout", err)
	}
	if d.waits != 2 {
		t.Fatalf("waited %d times, want 2 one-second slices of the 2 s time-out", d.waits)
	}
}

func TestV4L2ShortYUYVIsBadFrame(t *testing.T) {
	d := newFake()
	d.formats = map[uint32]string{FourCCYUYV: ""}
	v, _ := openFake(t, d)
	defer v.Close()
	d.ready = append(d.ready, make([]byte, 100))
	if _, err := v.Next(context.Background()); !errors.Is(err, ErrBadFrame) {
		t.Fatalf("err %v, want ErrBadFrame", err)
	}
	if d.closed {
		t.Fatal("one bad frame closed the camera")
	}
}

// TestV4L2Recovery: unplugging fails the stream (recovering), the source
// reopens on the next call; when the camera does not come back it gives up
// with ErrUnavailable.
func TestV4L2Recovery(t *testing.T) {
	d1, d2 := newFake(), newFake()
	v, opens := openFake(t, d1, d2, nil, nil, nil)
	defer v.Close()
	ctx := context.Background()
	d1.failWait = errors.New("no such device") // unplugged
	_, err := v.Next(ctx)
	var se *StreamError
	if !errors.As(err, &se) || !se.Recovering || errors.Is(err, ErrUnavailable) {
		t.Fatalf("after unplug: %v, want a recovering StreamError", err)
	}
	if !d1.closed {
		t.Fatal("failed device not closed")
	}
	d2.ready = append(d2.ready, []byte{0xFF, 0xD8, 9, 9})
	fr, err := v.Next(ctx)
	if err != nil || fr.Data[2] != 9 || *opens != 2 {
		t.Fatalf("after reopen: %v (opens %d)", err, *opens)
	}
	// Unplugged for good: three failed reopens, then unavailable.
	d2.failDQ = errors.New("input/output error")
	if _, err := v.Next(ctx); !errors.As(err, &se) || !se.Recovering {
		t.Fatalf("dequeue failure: %v", err)
	}
	var last error
	for i := 0; i < 3; i++ {
		_, last = v.Next(ctx)
	}
	if !errors.Is(last, ErrUnavailable) {
		t.Fatalf("after 3 failed reopens: %v, want ErrUnavailable", last)
	}
	if _, err := v.Next(ctx); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("stays unavailable: %v", err)
	}
}

func TestOpenV4L2Missing(t *testing.T) {
	_, err := OpenV4L2(V4L2Config{Path: "/dev/video-does-not-exist"})
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err %v, want ErrUnavailable", err)
	}
	if !strings.Contains(err.Error(), "/dev/video-does-not-exist") {
		t.Fatalf("error does not name the device: %v", err)
	}
}

func TestListFakeTree(t *testing.T) {
	root := t.TempDir()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(root, "dev", "v4l", "by-id"), 0o755))
	for _, n := range []string{"video0", "video1", "video10"} {
		must(os.WriteFile(filepath.Join(root, "dev", n), nil, 0o644))
	}
	must(os.Symlink(filepath.Join(root, "dev", "video0"), filepath.Join(root, "dev", "v4l", "by-id", "usb-Acme_Cam-video-index0")))
	open := func(p string) (Device, error) {
		if strings.HasSuffix(p, "video1") {
			return nil, errors.New("not a video capture device")
		}
		return newFake(), nil
	}
	got := List(root, open)
	if len(got) != 3 || !strings.HasSuffix(got[0].Path, "video0") || !strings.HasSuffix(got[2].Path, "video10") {
		t.Fatalf("list %+v", got)
	}
	if len(got[0].ByID) != 1 || got[0].Preferred() != got[0].ByID[0] {
		t.Fatalf("by-id not matched: %+v", got[0])
	}
	if got[1].Err == "" || len(got[1].Formats) != 0 {
		t.Fatalf("video1 should carry its error: %+v", got[1])
	}
	if len(got[0].Formats) != 2 || got[0].Formats[0].FourCC != "MJPG" || got[0].Formats[0].Sizes[0] != "1920x1080" {
		t.Fatalf("formats %+v", got[0].Formats)
	}
	if empty := List(t.TempDir(), open); len(empty) != 0 {
		t.Fatalf("empty tree lists %v", empty)
	}
}
