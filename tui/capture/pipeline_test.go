package capture

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"path/filepath"
	"testing"

	"github.com/muesli/termenv"
	"github.com/ventanilla-kiosk/ventanilla/devices/camera"
	"golang.org/x/image/draw"
)

// cyclingSource hands out the given raw frames in turn, forever, so a
// benchmark times the component's own work on real pictures.
type cyclingSource struct {
	frames []camera.Frame
	seq    uint64
}

func (s *cyclingSource) Next(context.Context) (camera.Frame, error) {
	f := s.frames[s.seq%uint64(len(s.frames))]
	s.seq++
	f.Seq = s.seq
	return f, nil
}
func (s *cyclingSource) Name() string { return "cycling" }
func (s *cyclingSource) Close() error { return nil }

// sampleFrames are the first n frames of ../shared/camera-sample (drawn by
// someone else's generator) as a 1280×720 camera sends them: MJPEG at
// quality 85 without Huffman tables, or YUYV.
func sampleFrames(tb testing.TB, f camera.Format, n int) []camera.Frame {
	tb.Helper()
	files, err := filepath.Glob("../../../shared/camera-sample/images/*.jpg")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no sample frames: %v", err)
	}
	if n <= 0 || n > len(files) {
		n = len(files)
	}
	var out []camera.Frame
	for _, name := range files[:n] {
		img, err := camera.DecodeFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		m := image.NewRGBA(image.Rect(0, 0, 1280, 720))
		draw.ApproxBiLinear.Scale(m, m.Rect, img, img.Bounds(), draw.Src, nil)
		fr := camera.Frame{Format: f, Width: 1280, Height: 720}
		if f == camera.FormatYUYV {
			fr.Data = camera.EncodeYUYV(nil, m)
		} else {
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 85}); err != nil {
				tb.Fatal(err)
			}
			if fr.Data, err = camera.StripHuffman(buf.Bytes()); err != nil {
				tb.Fatal(err)
			}
		}
		out = append(out, fr)
	}
	return out
}

// pipeline is the component's reader on frames, at the kiosk's 80×44.
func pipeline(tb testing.TB, frames []camera.Frame, mode Mode, p termenv.Profile) func() *frameMsg {
	m := New(Config{T: es(), Source: &cyclingSource{frames: frames}, Mode: mode, Profile: p})
	m.SetSize(80, 44)
	cmd := m.read()
	return func() *frameMsg {
		msg, ok := cmd().(*frameMsg)
		if !ok || msg.err != nil {
			tb.Fatalf("frame: %#v", msg)
		}
		return msg
	}
}

// TestPipelineNoAllocs: in steady state a frame goes from the camera's
// bytes to the judged, drawn preview the screen shows without allocating
// (issue 15.2), for MJPEG and YUYV, grey and colour previews, every mode.
func TestPipelineNoAllocs(t *testing.T) {
	for _, f := range []camera.Format{camera.FormatMJPEG, camera.FormatYUYV} {
		frames := sampleFrames(t, f, 4)
		for _, tc := range []struct {
			mode Mode
			p    termenv.Profile
		}{{IDFront, termenv.ANSI256}, {IDFront, termenv.TrueColor}, {Document, termenv.Ascii}, {Face, termenv.TrueColor}} {
			step := pipeline(t, frames, tc.mode, tc.p)
			for range 2 * len(frames) {
				step()
			}
			if n := testing.AllocsPerRun(2*len(frames), func() { step() }); n != 0 {
				t.Errorf("%v %v %v: %.1f allocations per frame, want 0", f, tc.mode, tc.p, n)
			}
		}
	}
}

// TestPipelinePreviewBuffers: the preview handed to the screen stays intact
// while the next frame is drawn (two buffers, alternating).
func TestPipelinePreviewBuffers(t *testing.T) {
	frames := sampleFrames(t, camera.FormatMJPEG, 3)
	step := pipeline(t, frames, IDFront, termenv.ANSI256)
	first := step()
	shown := string(first.preview)
	step()
	if string(first.preview) != shown {
		t.Fatal("the preview on screen was overwritten by the next frame")
	}
}

// benchPipeline times one frame through the component's reader: convert,
// analyse, draw the 80×40 preview, keep a copy, on the 40 sample frames
// as a 720p camera sends them (run with -cpu 1: 1e9/ns-per-op is the frame
// rate one core sustains).
func benchPipeline(b *testing.B, f camera.Format, p termenv.Profile) {
	step := pipeline(b, sampleFrames(b, f, 0), IDFront, p)
	for range 40 {
		step()
	}
	b.ReportAllocs()
	for b.Loop() {
		step()
	}
}

func BenchmarkFramePipelineYUYV720p(b *testing.B) {
	benchPipeline(b, camera.FormatYUYV, termenv.ANSI256)
}
func BenchmarkFramePipelineMJPEG720p(b *testing.B) {
	benchPipeline(b, camera.FormatMJPEG, termenv.ANSI256)
}
func BenchmarkFramePipelineMJPEG720pColour(b *testing.B) {
	benchPipeline(b, camera.FormatMJPEG, termenv.TrueColor)
}

// TestYUYVPhotoIsWholeFrame: the screen looks at a YUYV camera's frames
// reduced to grey, but the photo it takes is the whole frame in colour.
func TestYUYVPhotoIsWholeFrame(t *testing.T) {
	frames := sampleFrames(t, camera.FormatYUYV, 1)
	m := New(Config{T: es(), Source: &cyclingSource{frames: frames}, Mode: IDFront, Profile: termenv.ANSI256})
	m.SetSize(80, 44)
	fr, ok := m.read()().(*frameMsg)
	if !ok || fr.err != nil {
		t.Fatalf("frame: %#v", fr)
	}
	shot, ok := m.encode(fr.seq, true)().(shotMsg)
	if !ok || shot.err != nil {
		t.Fatalf("shot: %#v", shot)
	}
	img, err := jpeg.Decode(bytes.NewReader(shot.jpeg))
	if err != nil {
		t.Fatal(err)
	}
	if _, colour := img.(*image.YCbCr); !colour || img.Bounds() != image.Rect(0, 0, 1280, 720) {
		t.Fatalf("photo is %T %v, want the 1280×720 frame in colour", img, img.Bounds())
	}
}
