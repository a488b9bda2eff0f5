package quality

import (
	"bytes"
	"image/jpeg"
	"testing"

	"github.com/ventanilla-kiosk/ventanilla/devices/camera"
	"github.com/ventanilla-kiosk/ventanilla/devices/camera/sim"
)

// TestBlurEstimate: the blur measured on the card follows a Gaussian
// defocus of known σ (photo pixels) at every size the analysis sees, both
// from the full frame (the live camera) and from a JPEG decoded at reduced
// scale (`camera check`): sharp and slightly soft cards pass, from σ 2.5
// they are blurry, and the figure grows with σ.
func TestBlurEstimate(t *testing.T) {
	szs := sizes
	if raceEnabled {
		szs = sizes[1:2]
	}
	sigmas := []float64{0, 1, 2.5, 3.5, 5}
	for _, sz := range szs {
		for _, kind := range []sim.Kind{sim.CardFront, sim.CardBack} {
			var prev [2]float64
			for i, sg := range sigmas {
				s := sim.Good(kind)
				s.Noise, s.GaussBlur, s.Background, s.Variant = 2, sg, sim.BgLaminate, uint64(i)
				m := render(sz[0], sz[1], s)
				var buf bytes.Buffer
				if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 85}); err != nil {
					t.Fatal(err)
				}
				dec := camera.StillDecoder{Width: stillWidth, Luma: true}
				st, err := dec.Decode(buf.Bytes())
				if err != nil {
					t.Fatal(err)
				}
				for path, r := range [2]Result{NewAnalyzer(IDCard).Analyze(m), NewAnalyzer(IDCard).AnalyzeSource(st.Img, st.Width, st.Height)} {
					got := r.Metrics.BlurPx
					name := [2]string{"full frame", "reduced JPEG"}[path]
					if !r.Metrics.Found {
						t.Errorf("%v %v σ %.1f (%s): no card", sz, kind, sg, name)
						continue
					}
					if want := sg >= 2.5; r.Problems.Has(Blurry) != want {
						t.Errorf("%v %v σ %.1f (%s): blur %.2f px, blurry=%v, want %v", sz, kind, sg, name, got, !want, want)
					}
					if i > 0 && got < prev[path]-0.3 {
						t.Errorf("%v %v σ %.1f (%s): blur %.2f px, less than %.2f at σ %.1f", sz, kind, sg, name, got, prev[path], sigmas[i-1])
					}
					prev[path] = got
				}
			}
		}
	}
}
