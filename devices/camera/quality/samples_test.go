package quality

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/ventanilla-kiosk/ventanilla/devices/camera/sim"
)

// sampleScenes are the named test pictures shared with the OpenCV
// comparison (devices/camera/testdata/opencv_compare.py).
func sampleScenes() map[string]sim.Scene {
	mod := func(f func(*sim.Scene)) sim.Scene { s := sim.Good(sim.CardFront); s.Noise = 3; f(&s); return s }
	return map[string]sim.Scene{
		"good":    mod(func(*sim.Scene) {}),
		"back":    mod(func(s *sim.Scene) { s.Kind = sim.CardBack }),
		"blurry":  mod(func(s *sim.Scene) { s.Blur = 9 }),
		"dark":    mod(func(s *sim.Scene) { s.Light = 0.25 }),
		"bright":  mod(func(s *sim.Scene) { s.Light = 1.8 }),
		"glare":   mod(func(s *sim.Scene) { s.Glare = 1 }),
		"far":     mod(func(s *sim.Scene) { s.Fill = 0.25 }),
		"close":   mod(func(s *sim.Scene) { s.Fill = 1.15 }),
		"tilted":  mod(func(s *sim.Scene) { s.Angle = 15 }),
		"no_card": mod(func(s *sim.Scene) { s.Kind = sim.Empty }),
	}
}

// TestWriteSamples writes the sample pictures (1280×720 PNG) and this
// analyzer's verdicts when CAMERA_SAMPLES is set to a folder:
//
//	CAMERA_SAMPLES=/tmp/camsamples go test -run WriteSamples ./devices/camera/quality
func TestWriteSamples(t *testing.T) {
	dir := os.Getenv("CAMERA_SAMPLES")
	if dir == "" {
		t.Skip("set CAMERA_SAMPLES=DIR to write the sample pictures")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	a := NewAnalyzer(IDCard)
	for name, s := range sampleScenes() {
		m := render(1280, 720, s)
		f, err := os.Create(filepath.Join(dir, name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, m); err != nil {
			t.Fatal(err)
		}
		f.Close()
		r := a.Analyze(toYCbCr(m))
		fmt.Printf("%-8s %v lap=%.0f mean=%.0f sat=%.3f fill=%.2f angle=%.1f\n", name, r.Problems.List(),
			r.Metrics.LaplacianVar, r.Metrics.Mean, r.Metrics.Saturated, r.Metrics.Fill, r.Metrics.AngleDeg)
	}
}

// BenchmarkAnalyzeSamples analyses every sample picture once per
// iteration (10 frames), the same work the OpenCV script times.
func BenchmarkAnalyzeSamples(b *testing.B) {
	a := NewAnalyzer(IDCard)
	var imgs []*image.YCbCr
	for _, s := range sampleScenes() {
		imgs = append(imgs, toYCbCr(render(1280, 720, s)))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, im := range imgs {
			a.Analyze(im)
		}
	}
}
