package quality

import (
	"image"
	"os"
	"path/filepath"
	"testing"

	"github.com/ventanilla-kiosk/ventanilla/devices/camera"
)

// sampleDir is the camera sample beside the repository (CI has it too).
const sampleDir = "../../../../shared/camera-sample"

// stillWidth is what `camera check` asks its decoder for (cmd/ventanilla,
// analysisWidth): JPEGs decoded in the DCT domain to at least 640 px.
const stillWidth = 640

// sampleFrame is one sample photo as `camera check` hands it over.
type sampleFrame struct {
	name string
	data []byte
	img  *image.Gray // luma, reduced
	w, h int         // the photo's own size
}

// loadSample reads and decodes the sample's photos the way `camera
// check` does, or fails: the sample is test data, not optional.
func loadSample(tb testing.TB) []sampleFrame {
	tb.Helper()
	files, _ := filepath.Glob(filepath.Join(sampleDir, "images", "*.jpg"))
	if len(files) == 0 {
		tb.Fatalf("no camera sample in %s: it sits beside the repository (../shared/camera-sample)", sampleDir)
	}
	var out []sampleFrame
	dec := camera.StillDecoder{Width: stillWidth, Luma: true}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		st, err := dec.Decode(data)
		if err != nil {
			tb.Fatal(err)
		}
		g, ok := st.Img.(*image.Gray)
		if !ok {
			tb.Fatalf("%s: decoded as %T, want *image.Gray", f, st.Img)
		}
		// The decoder reuses its image: keep a copy.
		c := image.NewGray(g.Rect)
		copy(c.Pix, g.Pix)
		out = append(out, sampleFrame{filepath.Base(f), data, c, st.Width, st.Height})
	}
	return out
}

// BenchmarkAnalyzeSample is the analysis alone, per frame, on the camera
// sample's photos as `camera check` decodes them (luma at 640-960 px):
//
//	go test -run '^$' -bench AnalyzeSample -cpu 1 -benchmem ./devices/camera/quality
//
// One Analyzer per frame size, as a long-running worker keeps one per
// camera; steady state allocates nothing.
func BenchmarkAnalyzeSample(b *testing.B) {
	frames := loadSample(b)
	an := map[image.Point]*Analyzer{}
	for _, f := range frames {
		if an[f.img.Rect.Size()] == nil {
			an[f.img.Rect.Size()] = NewAnalyzer(IDCard)
		}
		an[f.img.Rect.Size()].AnalyzeSource(f.img, f.w, f.h)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f := frames[i%len(frames)]
		an[f.img.Rect.Size()].AnalyzeSource(f.img, f.w, f.h)
		i++
	}
}

// BenchmarkCheckSample is one file of `camera check` minus the process:
// decode (DCT-reduced luma) and analysis, per file of the sample.
func BenchmarkCheckSample(b *testing.B) {
	frames := loadSample(b)
	dec := camera.StillDecoder{Width: stillWidth, Luma: true}
	a := NewAnalyzer(IDCard)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f := frames[i%len(frames)]
		st, err := dec.Decode(f.data)
		if err != nil {
			b.Fatal(err)
		}
		a.AnalyzeSource(st.Img, st.Width, st.Height)
		i++
	}
}

// TestSampleSteadyStateAllocations: judging a sample photo again with the
// same Analyzer allocates nothing (issue 15).
func TestSampleSteadyStateAllocations(t *testing.T) {
	frames := loadSample(t)
	for _, f := range frames[:4] {
		a := NewAnalyzer(IDCard)
		a.AnalyzeSource(f.img, f.w, f.h)
		if n := testing.AllocsPerRun(5, func() { a.AnalyzeSource(f.img, f.w, f.h) }); n != 0 {
			t.Errorf("%s: %.0f allocations per frame in steady state", f.name, n)
		}
	}
}
