package camera

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ventanilla-kiosk/ventanilla/devices/camera/quality"
)

// TestSimPipeline runs the scripted visitor through the whole pipeline —
// raw frame, conversion, analysis — in both raw formats, and checks each
// phase gets its verdict.
func TestSimPipeline(t *testing.T) {
	want := map[string]quality.Problem{
		"far": quality.TooFar, "close": quality.TooClose, "blurred": quality.Blurry,
		"dark": quality.TooDark, "glare": quality.Glare, "steady": "",
	}
	for _, f := range []Format{FormatYUYV, FormatMJPEG} {
		s := NewSim(SimConfig{Width: 640, Height: 360, Format: f, PerStep: 1})
		var c Converter
		a := quality.NewAnalyzer(quality.IDCard)
		seen := map[string]bool{}
		for i := 0; i < 7; i++ {
			step := s.Step()
			fr, err := s.Next(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if fr.Format != f || fr.Seq != uint64(i+1) {
				t.Fatalf("frame %d: format %v seq %d", i, fr.Format, fr.Seq)
			}
			img, err := c.Convert(fr)
			if err != nil {
				t.Fatalf("%v frame %d: %v", f, i, err)
			}
			r := a.Analyze(img)
			if r.Main() != want[step] {
				t.Errorf("%v frame %d (%s): main problem %q, want %q", f, i, step, r.Main(), want[step])
			}
			seen[step] = true
		}
		if len(seen) != len(want) {
			t.Errorf("%v: saw phases %v", f, seen)
		}
	}
}

func TestSimStageAndPacing(t *testing.T) {
	now := time.Unix(0, 0)
	var slept []time.Duration
	s := NewSim(SimConfig{Width: 320, Height: 180, Interval: 100 * time.Millisecond,
		Now:   func() time.Time { return now },
		Sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); now = now.Add(d); return nil },
	})
	ctx := context.Background()
	s.Next(ctx)
	now = now.Add(30 * time.Millisecond)
	s.Next(ctx)
	if len(slept) != 1 || slept[0] != 70*time.Millisecond {
		t.Fatalf("slept %v, want [70ms]", slept)
	}
	s.Stage(SubjectCardBack)
	if s.Step() != "far" {
		t.Fatalf("Stage did not restart the script: %s", s.Step())
	}
	s.Close()
	if _, err := s.Next(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	s2 := NewSim(SimConfig{Width: 64, Height: 48})
	if _, err := s2.Next(cctx); err == nil {
		t.Fatal("Next ignored a cancelled context")
	}
}

func TestFilesSource(t *testing.T) {
	dir := t.TempDir()
	img := scene(320, 200)
	f, _ := os.Create(filepath.Join(dir, "b.png"))
	png.Encode(f, img)
	f.Close()
	os.WriteFile(filepath.Join(dir, "a.jpg"), encodeJPEG(t, img), 0o600)
	os.WriteFile(filepath.Join(dir, "c.jpg"), []byte("not a jpeg"), 0o600)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("ignored"), 0o600)
	src, err := OpenFiles(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var c Converter
	fr, err := src.Next(ctx)
	if err != nil || fr.Format != FormatMJPEG || fr.Width != 320 {
		t.Fatalf("a.jpg: %v %v", fr.Format, err)
	}
	if _, err := c.Convert(fr); err != nil {
		t.Fatal(err)
	}
	fr, err = src.Next(ctx)
	if err != nil || fr.Format != FormatImage {
		t.Fatalf("b.png: %v %v", fr.Format, err)
	}
	if im, _ := c.Convert(fr); im.Bounds() != image.Rect(0, 0, 320, 200) {
		t.Fatalf("b.png bounds %v", im.Bounds())
	}
	if _, err := src.Next(ctx); !errors.Is(err, ErrBadFrame) {
		t.Fatalf("c.jpg: %v, want ErrBadFrame", err)
	}
	if fr, err := src.Next(ctx); err != nil || fr.Format != FormatMJPEG {
		t.Fatalf("did not cycle back to a.jpg: %v", err)
	}
	if _, err := OpenFiles(t.TempDir(), 0); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("empty folder: %v", err)
	}
}

func TestOpenSpecs(t *testing.T) {
	for _, spec := range []string{"sim", "sim:back", "sim:face", "sim:sheet"} {
		s, err := Open(spec)
		if err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		s.Close()
	}
	if _, err := Open("sim:banana"); err == nil {
		t.Fatal("sim:banana accepted")
	}
	if _, err := Open("file:/does/not/exist"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("missing folder: %v", err)
	}
	if _, err := Open("/dev/video-none"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("missing device: %v", err)
	}
}

func TestDecodeImage(t *testing.T) {
	img := scene(200, 120)
	full := encodeJPEG(t, img)
	bare, _ := StripHuffman(full)
	var pbuf bytes.Buffer
	png.Encode(&pbuf, img)
	for name, data := range map[string][]byte{"jpeg": full, "jpeg without DHT": bare, "png": pbuf.Bytes()} {
		m, err := DecodeImage(data)
		if err != nil || m.Bounds().Dx() != 200 {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A PNG header claiming 100000×100000 is refused before decoding.
	huge := append([]byte(nil), pbuf.Bytes()...)
	binary.BigEndian.PutUint32(huge[16:], 100000)
	binary.BigEndian.PutUint32(huge[20:], 100000)
	if _, err := DecodeImage(huge); err == nil {
		t.Error("huge PNG header accepted")
	}
	for _, junk := range [][]byte{nil, []byte("GIF89a"), full[:40]} {
		if _, err := DecodeImage(junk); err == nil {
			t.Errorf("junk %q accepted", junk)
		}
	}
	if _, err := DecodeFile(filepath.Join(t.TempDir(), "none.png")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestFilesSourceRefusesFIFO: a named pipe dropped into the folder (or a
// link to a device) is a bad frame at once, not a read that blocks the
// camera forever.
func TestFilesSourceRefusesFIFO(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "a.jpg"), 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	src, err := OpenFiles(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := src.Next(context.Background()); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, ErrBadFrame) || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("FIFO: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("reading a FIFO blocked the camera")
	}
}
