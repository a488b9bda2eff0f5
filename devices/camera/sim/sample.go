package sim

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
)

// Shot is one labelled photo of a visitor holding a card the way people
// do at a counter: drawn from a seed, with the verdict a careful officer
// would give it. The kinds and ranges follow what webcams at a counter
// really see (and what the camera sample beside the repository was drawn
// with): both sides of the card, thumbs and fingers over its edges, wood,
// laminate, fabric and light desks, a person behind it, warm light, JPEG
// quality 60-92, 640×480 to 1920×1080.
type Shot struct {
	Scene         Scene
	Width, Height int
	// Quality is the JPEG quality the photo is saved with.
	Quality int
	// Category: good, hard_ok, too_dark, too_bright, glare, blurry,
	// no_card, too_far, too_close, tilted.
	Category string
	// OK is the expected verdict; Want the problem code that must be
	// reported when it is not OK.
	OK   bool
	Want string
}

// rng is a splitmix64 stream.
type rng struct{ s uint64 }

func (r *rng) u64() uint64             { r.s += 0x9e3779b97f4a7c15; return hash(r.s) }
func (r *rng) f() float64              { return float64(r.u64()>>11) / (1 << 53) }
func (r *rng) in(a, b float64) float64 { return a + (b-a)*r.f() }
func (r *rng) n(k int) int             { return int(r.u64() % uint64(k)) }
func (r *rng) sign() float64           { return float64(2*r.n(2) - 1) }

// Categories and their shares of a sample (they add up to 100).
var categories = []struct {
	name  string
	share int
}{
	{"good", 24}, {"hard_ok", 14}, {"too_dark", 9}, {"too_bright", 10}, {"glare", 12},
	{"blurry", 11}, {"no_card", 5}, {"too_far", 8}, {"too_close", 4}, {"tilted", 3},
}

// Sample draws shot number seed. The same seed always gives the same shot.
func Sample(seed uint64) Shot {
	r := &rng{s: seed * 0x2545f4914f6cdd1d}
	pick := r.n(100)
	cat := categories[0].name
	for _, c := range categories {
		if pick < c.share {
			cat = c.name
			break
		}
		pick -= c.share
	}
	sizes := [][2]int{{640, 480}, {1280, 720}, {1280, 720}, {1920, 1080}}
	sz := sizes[r.n(len(sizes))]
	sh := Shot{Width: sz[0], Height: sz[1], Quality: 72 + r.n(20), Category: cat, OK: cat == "good" || cat == "hard_ok"}
	kind := CardFront
	if r.n(2) == 1 {
		kind = CardBack
	}
	bgs := []Background{BgOak, BgPine, BgWalnut, BgCherry, BgLaminate, BgFabric, BgFabric, BgRoom, BgLaminate}
	s := Scene{
		Kind: kind, Background: bgs[r.n(len(bgs))], Variant: r.u64(),
		Fill: r.in(0.46, 0.78), Angle: r.in(-5, 5), Yaw: r.in(-6, 6), Pitch: r.in(-5, 5),
		Light: r.in(0.8, 0.95), Noise: r.in(1.5, 4), Seed: r.u64(), Skin: r.n(len(skins)),
	}
	hands := []Hands{0, HandLeft, HandRight, HandBottom, HandLeft | HandRight, HandLeft, HandRight}
	s.Hands = hands[r.n(len(hands))]
	// Keep the whole card in the frame: its height is Fill·W/1.586.
	hFrac := s.Fill * float64(sz[0]) / float64(sz[1]) / (CardWidthMM / CardHeightMM)
	mx := math.Max(0.02, (1-s.Fill)/2-0.03)
	my := math.Max(0.02, (1-hFrac)/2-0.04)
	s.CX, s.CY = 0.5+r.in(-mx, mx), 0.5+r.in(-my, my)
	switch cat {
	case "hard_ok":
		switch r.n(3) {
		case 0:
			s.Background = BgLightDesk
		case 1:
			s.Warm, s.Light = r.in(0.7, 1), r.in(0.75, 0.9)
			s.Background = []Background{BgFabric, BgWalnut, BgLaminate}[r.n(3)]
		default:
			sh.Quality = 60 + r.n(6)
		}
	case "too_dark":
		s.Light = r.in(0.18, 0.28)
		s.Noise = r.in(3, 6)
	case "too_bright":
		s.Light = r.in(1.15, 1.4)
		s.Veil = r.in(0.22, 0.35)
	case "glare":
		s.Glare = r.in(0.9, 1.3)
	case "blurry":
		if r.n(4) == 0 {
			s.Motion, s.MotionAngle = r.in(12, 24), r.in(0, 180)
		} else {
			s.GaussBlur = r.in(3.3, 6)
		}
	case "no_card":
		s.Kind = Empty
		if s.Background == BgRoom {
			s.Hands = HandRight
		} else {
			s.Hands = 0
			s.Clutter = true
		}
	case "too_far":
		s.Fill = r.in(0.12, 0.27)
		s.Hands = HandArm
		s.CX, s.CY = r.in(0.3, 0.6), r.in(0.3, 0.7)
	case "too_close":
		s.Fill = r.in(0.7, 0.85)
		// Off one side: the frame's edge cuts the card.
		over := r.in(0.04, 0.12)
		s.CX = 1 + over - s.Fill/2
		if r.n(2) == 0 {
			s.CX = s.Fill/2 - over
		}
		s.CY = 0.5 + r.in(-0.03, 0.03)
	case "tilted":
		s.Angle = r.sign() * r.in(15, 30)
		s.Fill = r.in(0.45, 0.6)
		s.CX, s.CY = 0.5, 0.5
	}
	// Whatever was drawn must be what the label says: a card that should
	// be whole is kept inside the frame (perspective can push a corner
	// out), by shrinking it a little and pulling it to the middle.
	if s.Kind != Empty && cat != "too_close" {
		for i := 0; i < 20 && !inFrame(s, sz[0], sz[1], 0.015); i++ {
			if cat != "too_far" {
				s.Fill *= 0.97
			}
			s.CX += (0.5 - s.CX) * 0.3
			s.CY += (0.5 - s.CY) * 0.3
		}
	}
	if !sh.OK {
		sh.Want = cat
	}
	sh.Scene = s
	return sh
}

// inFrame reports whether the card's corners are inside the frame with a
// margin (fraction of its size).
func inFrame(s Scene, w, h int, margin float64) bool {
	W, H := float64(w), float64(h)
	for _, c := range perspective(s, W, H, CardWidthMM/CardHeightMM) {
		if c[0] < margin*W || c[1] < margin*H || c[0] > (1-margin)*W || c[1] > (1-margin)*H {
			return false
		}
	}
	return true
}

// Photo renders the shot and passes it through a JPEG encoder and
// decoder at its quality, as a webcam photo would be. dst is reused when
// it has the shot's size.
func (sh Shot) Photo(dst *image.RGBA) (image.Image, []byte, error) {
	if dst == nil || dst.Rect.Dx() != sh.Width || dst.Rect.Dy() != sh.Height {
		dst = image.NewRGBA(image.Rect(0, 0, sh.Width, sh.Height))
	}
	Render(dst, sh.Scene)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: sh.Quality}); err != nil {
		return nil, nil, err
	}
	img, err := jpeg.Decode(bytes.NewReader(buf.Bytes()))
	return img, buf.Bytes(), err
}

// Corners returns where the card's (or sheet's) corners are in the
// photo: top-left, top-right, bottom-right, bottom-left of the object.
func (sh Shot) Corners() [4][2]float64 {
	aspect := CardWidthMM / CardHeightMM
	switch sh.Scene.Kind {
	case SheetA4:
		aspect = 210.0 / 297
	case SheetA5:
		aspect = 148.0 / 210
	}
	return perspective(sh.Scene, float64(sh.Width), float64(sh.Height), aspect)
}
