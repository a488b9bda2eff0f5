package quality

import (
	"image"
	"image/draw"
	"testing"

	"github.com/ventanilla-kiosk/ventanilla/devices/camera/sim"
)

var sizes = [][2]int{{640, 480}, {1280, 720}, {1920, 1080}}

func render(w, h int, s sim.Scene) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	sim.Render(m, s)
	return m
}

// toYCbCr gives the analyzer the image type a camera produces (luma only:
// the analysis reads nothing else).
func toYCbCr(m *image.RGBA) *image.YCbCr {
	b := m.Bounds()
	y := image.NewYCbCr(b, image.YCbCrSubsampleRatio422)
	for py := 0; py < b.Dy(); py++ {
		row := m.Pix[py*m.Stride:]
		out := y.Y[py*y.YStride:]
		for px := 0; px < b.Dx(); px++ {
			r, g, bb := uint32(row[4*px]), uint32(row[4*px+1]), uint32(row[4*px+2])
			out[px] = uint8((19595*r + 38470*g + 7471*bb + 1<<15) >> 16)
		}
	}
	return y
}

// TestVerdicts checks the verdict on every kind of picture, at three
// resolutions and two noise levels: the thresholds must not depend on one
// camera.
func TestVerdicts(t *testing.T) {
	mod := func(k sim.Kind, f func(*sim.Scene)) sim.Scene { s := sim.Good(k); f(&s); return s }
	cases := []struct {
		name  string
		mode  Mode
		scene sim.Scene
		want  Problem // "" = ok
	}{
		{"good front", IDCard, sim.Good(sim.CardFront), ""},
		{"good back", IDCard, sim.Good(sim.CardBack), ""},
		{"good dim", IDCard, mod(sim.CardFront, func(s *sim.Scene) { s.Light = 0.6 }), ""},
		{"good bright", IDCard, mod(sim.CardFront, func(s *sim.Scene) { s.Light = 1.05 }), ""},
		{"slight tilt", IDCard, mod(sim.CardBack, func(s *sim.Scene) { s.Angle = 3 }), ""},
		{"off centre", IDCard, mod(sim.CardFront, func(s *sim.Scene) { s.CX, s.CY = 0.42, 0.55 }), ""},
		{"blurry", IDCard, mod(sim.CardFront, func(s *sim.Scene) { s.Blur = 9 }), Blurry},
		{"blurry back", IDCard, mod(sim.CardBack, func(s *sim.Scene) { s.Blur = 7 }), Blurry},
		{"dark", IDCard, mod(sim.CardFront, func(s *sim.Scene) { s.Light = 0.25 }), TooDark},
		{"bright", IDCard, mod(sim.CardFront, func(s *sim.Scene) { s.Light = 1.8 }), TooBright},
		{"glare", IDCard, mod(sim.CardFront, func(s *sim.Scene) { s.Glare = 1 }), Glare},
		{"too far", IDCard, mod(sim.CardBack, func(s *sim.Scene) { s.Fill = 0.25 }), TooFar},
		{"too close", IDCard, mod(sim.CardFront, func(s *sim.Scene) { s.Fill = 0.95 }), TooClose},
		{"cut off", IDCard, mod(sim.CardFront, func(s *sim.Scene) { s.CX = 0.85 }), TooClose},
		{"no card", IDCard, sim.Good(sim.Empty), NoCard},
		{"face is not a card", IDCard, sim.Good(sim.Face), NoCard},
		{"tilted", IDCard, mod(sim.CardFront, func(s *sim.Scene) { s.Angle = 15 }), Tilted},
		{"tilted off the frame", IDCard, mod(sim.CardBack, func(s *sim.Scene) { s.Angle, s.CY = -20, 0.25 }), TooClose},
		{"tilted other way", IDCard, mod(sim.CardBack, func(s *sim.Scene) { s.Angle, s.Fill = -20, 0.5 }), Tilted},
		{"sheet good", Document, sim.Good(sim.SheetA4), ""},
		{"sheet A5 good", Document, sim.Good(sim.SheetA5), ""},
		{"sheet blurry", Document, mod(sim.SheetA4, func(s *sim.Scene) { s.Blur = 9 }), Blurry},
		{"sheet far", Document, mod(sim.SheetA4, func(s *sim.Scene) { s.Fill = 0.12 }), TooFar},
		{"sheet dark", Document, mod(sim.SheetA4, func(s *sim.Scene) { s.Light = 0.25 }), TooDark},
		{"sheet tilted", Document, mod(sim.SheetA4, func(s *sim.Scene) { s.Angle, s.Fill = 12, 0.32 }), Tilted},
		{"card is not a sheet", Document, sim.Good(sim.CardFront), NoCard},
		{"face good", Face, sim.Good(sim.Face), ""},
		{"face dark", Face, mod(sim.Face, func(s *sim.Scene) { s.Light = 0.3 }), TooDark},
		{"face blurry", Face, mod(sim.Face, func(s *sim.Scene) { s.Blur = 9 }), Blurry},
		{"face overexposed", Face, mod(sim.Face, func(s *sim.Scene) { s.Light = 1.7 }), TooBright},
		{"nobody", Face, sim.Scene{Kind: sim.Face, Light: 1}, NoFace},
		{"empty desk is not a face", Face, sim.Good(sim.Empty), NoFace},
		{"face far", Face, mod(sim.Face, func(s *sim.Scene) { s.Fill = 0.22 }), TooFar},
		{"face close", Face, mod(sim.Face, func(s *sim.Scene) { s.Fill = 1.1 }), TooClose},
		{"face off centre", Face, mod(sim.Face, func(s *sim.Scene) { s.CX = 0.25 }), OffCentre},
		{"face slightly off centre", Face, mod(sim.Face, func(s *sim.Scene) { s.CX, s.CY = 0.42, 0.45 }), ""},
	}
	noises := []float64{1, 5}
	for ci, c := range cases {
		for si, sz := range sizes {
			for ni, noise := range noises {
				if raceEnabled && (si != ci%len(sizes) || ni != (ci/len(sizes))%len(noises)) {
					continue
				}
				if c.mode == Document && sz[0] < minSheetLongPx {
					continue // a sheet needs 1280×720 (TestLowResolution)
				}
				s := c.scene
				s.Noise = noise
				if c.mode == Face && sz[0] == 640 && noise > 4 && !raceEnabled {
					// A face has so few edges that σ5 noise at 640×480
					// (no averaging) hides blur; cameras this poor are
					// not fitted to kiosks.
					continue
				}
				a := NewAnalyzer(c.mode)
				r := a.Analyze(render(sz[0], sz[1], s))
				if got := r.Main(); got != c.want || r.OK != (c.want == "") {
					t.Errorf("%s at %dx%d noise %.0f: main problem %q (all %v), want %q; metrics %+v",
						c.name, sz[0], sz[1], noise, got, r.Problems.List(), c.want, r.Metrics)
				}
			}
		}
	}
}

// TestYCbCrMatchesRGBA: the camera path (luma plane) and the file path
// (RGBA) agree on the verdict and nearly on the figures.
func TestYCbCrMatchesRGBA(t *testing.T) {
	m := render(1280, 720, sim.Good(sim.CardBack))
	a, b := NewAnalyzer(IDCard), NewAnalyzer(IDCard)
	r1, r2 := a.Analyze(m), b.Analyze(toYCbCr(m))
	if r1.Problems != r2.Problems || !r1.OK {
		t.Fatalf("RGBA %v vs YCbCr %v", r1.Problems.List(), r2.Problems.List())
	}
	if d := r1.Metrics.Fill - r2.Metrics.Fill; d > 0.01 || d < -0.01 {
		t.Fatalf("fill %v vs %v", r1.Metrics.Fill, r2.Metrics.Fill)
	}
	// The generic (At) path too.
	n := image.NewNRGBA(m.Rect)
	draw.Draw(n, n.Rect, m, image.Point{}, draw.Src)
	r3 := NewAnalyzer(IDCard).Analyze(n)
	if r3.Problems != r1.Problems {
		t.Fatalf("NRGBA %v vs RGBA %v", r3.Problems.List(), r1.Problems.List())
	}
}

// TestMRZ tells the back (machine-readable zone) from the front, upright
// and upside down.
func TestMRZ(t *testing.T) {
	szs := sizes
	if raceEnabled {
		szs = sizes[1:2]
	}
	for _, sz := range szs {
		for _, angle := range []float64{0, 180, 4} {
			a := NewAnalyzer(IDCard)
			front, back := sim.Good(sim.CardFront), sim.Good(sim.CardBack)
			front.Angle, back.Angle = angle, angle
			rf := a.Analyze(render(sz[0], sz[1], front))
			rb := a.Analyze(render(sz[0], sz[1], back))
			if rf.Metrics.MRZ >= MRZThreshold {
				t.Errorf("%v angle %v: front MRZ score %.2f", sz, angle, rf.Metrics.MRZ)
			}
			if rb.Metrics.MRZ < MRZThreshold {
				t.Errorf("%v angle %v: back MRZ score %.2f", sz, angle, rb.Metrics.MRZ)
			}
		}
	}
}

// TestSimilarity: two shots of one side match, the two sides do not.
func TestSimilarity(t *testing.T) {
	a := NewAnalyzer(IDCard)
	s1 := sim.Good(sim.CardFront)
	s2 := s1
	s2.CX, s2.Fill, s2.Light, s2.Angle, s2.Noise = 0.45, 0.55, 0.8, 2, 4
	f1 := a.Analyze(render(1280, 720, s1)).Sig
	f2 := a.Analyze(render(640, 480, s2)).Sig
	s3 := s1
	s3.Kind = sim.CardBack
	b1 := a.Analyze(render(1280, 720, s3)).Sig
	if v := Similarity(&f1, &f2); v < SameSide {
		t.Errorf("same side similarity %.2f < %.2f", v, SameSide)
	}
	if v := Similarity(&f1, &b1); v >= SameSide {
		t.Errorf("front/back similarity %.2f ≥ %.2f", v, SameSide)
	}
}

func TestAnalyzeTinyAndBlank(t *testing.T) {
	a := NewAnalyzer(IDCard)
	if r := a.Analyze(image.NewGray(image.Rect(0, 0, 4, 4))); r.OK || r.Main() != LowResolution {
		t.Fatalf("tiny image: %v", r.Problems.List())
	}
	if r := a.Analyze(image.NewGray(image.Rect(0, 0, 640, 480))); r.OK || r.Main() != TooDark {
		t.Fatalf("black image: %v", r.Problems.List())
	}
}

// TestLowResolution: a photo too small for its document is refused with
// low_resolution however well the card is framed, at the sizes the issue
// met (240×136) and at the limits; the sizes just above are judged on
// their merits.
func TestLowResolution(t *testing.T) {
	cases := []struct {
		mode Mode
		kind sim.Kind
		w, h int
		low  bool
	}{
		{IDCard, sim.CardFront, 240, 136, true},
		{IDCard, sim.CardFront, 480, 270, true},
		{IDCard, sim.CardFront, 640, 360, false},
		{IDCard, sim.CardBack, 360, 640, false}, // a portrait phone photo
		{Document, sim.SheetA4, 640, 480, true},
		{Document, sim.SheetA4, 1024, 768, true},
		{Document, sim.SheetA4, 1280, 720, false},
		{Face, sim.Face, 320, 240, true},
		{Face, sim.Face, 640, 480, false},
	}
	for _, c := range cases {
		r := NewAnalyzer(c.mode).Analyze(render(c.w, c.h, sim.Good(c.kind)))
		if r.Problems.Has(LowResolution) != c.low || (c.low && (r.OK || r.Main() != LowResolution)) {
			t.Errorf("%v %dx%d: %v, want low_resolution %v", c.mode, c.w, c.h, r.Problems.List(), c.low)
		}
		if !c.low && !r.OK && c.w >= c.h {
			t.Errorf("%v %dx%d: %v, want ok", c.mode, c.w, c.h, r.Problems.List())
		}
	}
}

func TestAnalyzeAllocations(t *testing.T) {
	img := toYCbCr(render(1280, 720, sim.Good(sim.CardBack)))
	a := NewAnalyzer(IDCard)
	a.Analyze(img)
	if n := testing.AllocsPerRun(20, func() { a.Analyze(img) }); n != 0 {
		t.Fatalf("Analyze allocates %.0f times per frame in steady state", n)
	}
}

func BenchmarkAnalyze720p(b *testing.B) {
	img := toYCbCr(render(1280, 720, sim.Good(sim.CardBack)))
	a := NewAnalyzer(IDCard)
	b.ReportAllocs()
	for b.Loop() {
		a.Analyze(img)
	}
}

func BenchmarkAnalyze1080p(b *testing.B) {
	img := toYCbCr(render(1920, 1080, sim.Good(sim.CardBack)))
	a := NewAnalyzer(IDCard)
	b.ReportAllocs()
	for b.Loop() {
		a.Analyze(img)
	}
}
