package quality

import (
	"image"
	"path/filepath"
	"testing"

	"github.com/ventanilla-kiosk/ventanilla/devices/camera"
)

// sampleDir is the camera sample beside the repository (CI has it too).
const sampleDir = "../../../../shared/camera-sample"

// reduced returns img's luma reduced by a whole factor to at most 1000
// pixels across, as the DCT-domain decoder of `camera check` hands it
// over (1/2, 1/4 of the photo), and that factor.
func reduced(img image.Image) (*image.Gray, int) {
	b := img.Bounds()
	k := 1
	for b.Dx()/k > 1000 {
		k *= 2
	}
	w, h := b.Dx()/k, b.Dy()/k
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var s uint32
			for dy := 0; dy < k; dy++ {
				for dx := 0; dx < k; dx++ {
					r, gg, bb, _ := img.At(b.Min.X+x*k+dx, b.Min.Y+y*k+dy).RGBA()
					s += (19595*r + 38470*gg + 7471*bb + 1<<15) >> 24
				}
			}
			g.Pix[y*g.Stride+x] = uint8(s / uint32(k*k))
		}
	}
	return g, k
}

// loadSample decodes the sample's frames, or fails: the sample is part of
// the test data.
func loadSample(tb testing.TB) (names []string, imgs []image.Image) {
	tb.Helper()
	files, _ := filepath.Glob(filepath.Join(sampleDir, "images", "*.jpg"))
	if len(files) == 0 {
		tb.Fatalf("no camera sample in %s: it sits beside the repository (../shared/camera-sample)", sampleDir)
	}
	for _, f := range files {
		img, err := camera.DecodeFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		names = append(names, filepath.Base(f))
		imgs = append(imgs, img)
	}
	return names, imgs
}

// BenchmarkAnalyzeSample judges each frame of the camera sample as
// `camera check` hands it over (luma reduced to ≤ 1000 px across); ns/op
// is per frame. One Analyzer per size, as a batch worker keeps one.
//
//	go test -run '^$' -bench AnalyzeSample -cpu 1 -benchmem ./devices/camera/quality
func BenchmarkAnalyzeSample(b *testing.B) {
	_, imgs := loadSample(b)
	type frame struct {
		g    *image.Gray
		w, h int
	}
	var frames []frame
	for _, img := range imgs {
		g, _ := reduced(img)
		frames = append(frames, frame{g, img.Bounds().Dx(), img.Bounds().Dy()})
	}
	an := map[image.Point]*Analyzer{}
	for _, f := range frames {
		if an[f.g.Rect.Size()] == nil {
			an[f.g.Rect.Size()] = NewAnalyzer(IDCard)
		}
		an[f.g.Rect.Size()].AnalyzeReduced(f.g, f.w, f.h)
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		f := frames[i%len(frames)]
		an[f.g.Rect.Size()].AnalyzeReduced(f.g, f.w, f.h)
		i++
	}
}
