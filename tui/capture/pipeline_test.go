package capture

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"testing"

	"github.com/muesli/termenv"
	"github.com/ventanilla-kiosk/ventanilla/devices/camera"
	"github.com/ventanilla-kiosk/ventanilla/devices/camera/sim"
)

// staticSource hands out the same raw frame forever, so a benchmark times
// the component's own work, not the simulator's drawing.
type staticSource struct {
	f   camera.Frame
	seq uint64
}

func (s *staticSource) Next(context.Context) (camera.Frame, error) {
	s.seq++
	f := s.f
	f.Seq = s.seq
	return f, nil
}
func (s *staticSource) Name() string { return "static" }
func (s *staticSource) Close() error { return nil }

func rawFrame(tb testing.TB, f camera.Format) camera.Frame {
	m := image.NewRGBA(image.Rect(0, 0, 1280, 720))
	sim.Render(m, sim.Good(sim.CardFront))
	if f == camera.FormatYUYV {
		return camera.Frame{Format: f, Width: 1280, Height: 720, Data: camera.EncodeYUYV(nil, m)}
	}
	var buf bytes.Buffer
	jpeg.Encode(&buf, m, &jpeg.Options{Quality: 85})
	bare, err := camera.StripHuffman(buf.Bytes())
	if err != nil {
		tb.Fatal(err)
	}
	return camera.Frame{Format: f, Width: 1280, Height: 720, Data: bare}
}

// benchPipeline times one frame through the component's reader: convert,
// analyse, draw the 80×40 preview, keep a copy. 1e9/ns-per-op is the
// frame rate one core sustains.
func benchPipeline(b *testing.B, f camera.Format) {
	src := &staticSource{f: rawFrame(b, f)}
	m := New(Config{T: es(), Source: src, Profile: termenv.TrueColor})
	m.SetSize(80, 44)
	cmd := m.read()
	cmd()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if msg := cmd().(frameMsg); msg.err != nil {
			b.Fatal(msg.err)
		}
	}
}

func BenchmarkFramePipelineYUYV720p(b *testing.B)  { benchPipeline(b, camera.FormatYUYV) }
func BenchmarkFramePipelineMJPEG720p(b *testing.B) { benchPipeline(b, camera.FormatMJPEG) }
