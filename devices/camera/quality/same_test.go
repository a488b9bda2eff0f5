package quality

import (
	"bytes"
	"image/jpeg"
	"testing"

	"github.com/ventanilla-kiosk/ventanilla/devices/camera"
	"github.com/ventanilla-kiosk/ventanilla/devices/camera/sim"
)

// TestOneJudgement: the capture screen judges the camera's full frame
// (Analyze), `camera check` the same picture saved as a JPEG and decoded
// at reduced scale, luma only (AnalyzeSource); they must say the same.
// Among the cases, the one the issue met: a signed sheet with its top and
// bottom cut off, which the screen accepted while camera check refused it.
func TestOneJudgement(t *testing.T) {
	type c struct {
		name  string
		mode  Mode
		scene sim.Scene
		want  Problem
	}
	sheet := func(f func(*sim.Scene)) sim.Scene { s := sim.Good(sim.SheetA4); s.Noise = 2; f(&s); return s }
	cases := []c{
		{"sheet good", Document, sheet(func(*sim.Scene) {}), ""},
		{"sheet cut top and bottom", Document, sheet(func(s *sim.Scene) { s.Fill = 0.6 }), TooClose},
		{"sheet far", Document, sheet(func(s *sim.Scene) { s.Fill = 0.15 }), TooFar},
		{"sheet corner off", Document, sheet(func(s *sim.Scene) { s.CX, s.CY = 0.7, 0.56 }), TooClose},
	}
	for i := 0; i < 12; i++ {
		sh := sim.Sample(heldOutSeed + uint64(i*7))
		if sh.Width != 1280 {
			continue
		}
		var want Problem
		if !sh.OK {
			want = Problem(sh.Want)
		}
		cases = append(cases, c{"shot " + sh.Category, IDCard, sh.Scene, want})
	}
	for _, tc := range cases {
		m := render(1280, 720, tc.scene)
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 90}); err != nil {
			t.Fatal(err)
		}
		dec := camera.StillDecoder{Width: stillWidth, Luma: true}
		st, err := dec.Decode(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		screen := NewAnalyzer(tc.mode).Analyze(toYCbCr(m))
		check := NewAnalyzer(tc.mode).AnalyzeSource(st.Img, st.Width, st.Height)
		if screen.OK != check.OK || screen.Main() != check.Main() {
			t.Errorf("%s: the screen says %v, camera check %v", tc.name, screen.Problems.List(), check.Problems.List())
		}
		if (tc.want == "") != screen.OK || (tc.want != "" && !screen.Problems.Has(tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, screen.Problems.List(), tc.want)
		}
	}
}
