package sim

import (
	"image"
	"math"
	"sync"
)

// Kind is what the camera films.
type Kind int

// The things the kiosk photographs.
const (
	// Empty is the desk with nothing on it.
	Empty Kind = iota
	CardFront
	CardBack
	Face
	SheetA4
	SheetA5
)

// String names the kind for test output.
func (k Kind) String() string {
	return [...]string{"empty", "card-front", "card-back", "face", "sheet-a4", "sheet-a5"}[k]
}

// Scene is one picture: what is in front of the camera and how it looks.
// Sizes and positions are fractions of the frame so a scene draws the same
// at 640×480 and at 1920×1080.
type Scene struct {
	Kind Kind
	// Fill is the object's width as a fraction of the frame width (for a
	// face: the head's height as a fraction of the frame height).
	Fill float64
	// CX, CY is the object's centre, 0..1 across and down the frame.
	CX, CY float64
	// Angle is the in-plane rotation in degrees.
	Angle float64
	// Blur is the defocus radius in pixels of a 1280-wide frame (scaled
	// with the frame).
	Blur float64
	// Light multiplies every pixel (1 normal, 0.25 a dim office, 1.8
	// over-exposed).
	Light float64
	// Glare is the strength (0..1+) of a specular highlight on the object.
	Glare float64
	// Noise is the standard deviation of sensor noise in grey levels.
	Noise float64
	// Seed varies the noise between frames.
	Seed uint64
	// Desk is the background behind a card or sheet when Background is
	// BgDesk: the kiosk's dark wood (0), a mid-grey cloth (1), a blue cloth
	// with a printed pattern (2), a light grey shirt as light as the card
	// (3).
	Desk int

	// Background: wood, laminate, fabric, a light desk or a room with a
	// person (BgDesk: the Desk above).
	Background Background
	// Variant varies the background's and the hands' details.
	Variant uint64
	// Yaw and Pitch turn the object away from the camera (degrees):
	// perspective.
	Yaw, Pitch float64
	// Hands hold the card: thumbs and fingers over its edges. Skin picks
	// the tone (0-4, light to dark). With Kind Empty, a hand without a
	// card.
	Hands Hands
	Skin  int
	// Clutter puts a sticky note and a pen on the desk.
	Clutter bool
	// GaussBlur is a defocus of σ pixels of the frame itself (whatever
	// its size); Motion smears it over Motion pixels at MotionAngle
	// degrees.
	GaussBlur, Motion, MotionAngle float64
	// Warm is a tungsten colour cast (0 none, 1 full: blue cut to half).
	Warm float64
	// Veil washes the frame out towards white (0-1), like a lens facing a
	// window.
	Veil float64
}

// Good returns a well framed, sharp, well lit scene of kind k.
func Good(k Kind) Scene {
	s := Scene{Kind: k, Fill: 0.62, CX: 0.5, CY: 0.5, Light: 1, Noise: 2}
	switch k {
	case Face:
		s.Fill = 0.55
	case SheetA4, SheetA5:
		// Portrait sheet: 0.35 of the width is 0.88 of a 16:9 frame's
		// height, 2.1 px/mm at 1280×720 (the least legible is 1.9).
		s.Fill = 0.35
	}
	return s
}

// Render draws s into dst (any size). It reuses dst's pixels and allocates
// only a row buffer when blurring.
func Render(dst *image.RGBA, s Scene) {
	textures()
	b := dst.Rect
	W, H := b.Dx(), b.Dy()
	light := s.Light
	if light == 0 {
		light = 1
	}
	background(dst, s)
	if s.Clutter {
		clutter(dst, s.Variant)
	}
	fW := float64(W)
	switch s.Kind {
	case CardFront, CardBack, SheetA4, SheetA5, Empty:
		aspect := CardWidthMM / CardHeightMM
		var tex mip
		radius := 3.18 / CardWidthMM
		switch s.Kind {
		case CardFront:
			tex = mipFront
		case CardBack:
			tex = mipBack
		case SheetA4:
			tex, aspect, radius = mipA4, 210.0/297, 0
		case SheetA5:
			tex, aspect, radius = mipA5, 148.0/210, 0
		}
		if s.Kind != Empty || s.Hands != 0 {
			corners := perspective(s, fW, float64(H), aspect)
			g := handGeometry{corners: corners, cardW: s.Fill * fW}
			handsBehind(dst, s, g)
			if tex != nil {
				shadow := s.Background != BgDesk && s.Background != BgRoom
				drawObject(dst, tex, corners, radius, shadow)
			}
			handsOver(dst, s, g)
		}
	case Face:
		drawFace(dst, s)
	}
	if s.Blur > 0 {
		r := int(math.Round(s.Blur * fW / 1280))
		if r > 0 {
			boxBlur(dst, r)
			boxBlur(dst, r)
		}
	}
	gaussBlur(dst, s.GaussBlur)
	motionBlur(dst, s.Motion, s.MotionAngle)
	// Light and noise last: the sensor sees the blurred scene. Fixed point:
	// light in 1/256ths per channel (a warm cast cuts green and blue),
	// uniform noise with standard deviation Noise, and the veil lifting
	// everything towards white.
	rng := hash(s.Seed + 1)
	amp := int32(s.Noise * math.Sqrt(3) * 2 * 256) // full width of the uniform noise, 1/256ths
	gains := [3]int32{int32(light*256 + 0.5), int32(light*(1-0.2*s.Warm)*256 + 0.5), int32(light*(1-0.5*s.Warm)*256 + 0.5)}
	veil := int32(s.Veil * 256)
	for y := 0; y < H; y++ {
		row := dst.Pix[y*dst.Stride : y*dst.Stride+4*W]
		for x := 0; x < 4*W; x += 4 {
			var n int32
			if amp > 0 {
				rng ^= rng << 13
				rng ^= rng >> 7
				rng ^= rng << 17
				n = int32((int64(rng&0xffff)*int64(amp))>>16) - amp/2
			}
			p := row[x : x+4 : x+4]
			for c := 0; c < 3; c++ {
				v := int32(p[c]) * gains[c]
				v += ((255<<8 - v) * veil) >> 8
				v = (v + n + 128) >> 8
				if v < 0 {
					v = 0
				} else if v > 255 {
					v = 255
				}
				p[c] = uint8(v)
			}
			p[3] = 255
		}
	}
	// A specular highlight clips the sensor whatever the exposure.
	if s.Glare > 0 {
		glare(dst, s)
	}
}

// bgKey identifies a background drawing; bgCache keeps the last one, so a
// camera filming the same desk frame after frame (the demo's scripted
// visitor) copies it instead of drawing wood grain again.
type bgKey struct {
	w, h    int
	bg      Background
	desk    int
	wall    bool
	variant uint64
}

var bgCache struct {
	sync.Mutex
	key bgKey
	pix []uint8
}

// background draws (or copies) the scene's background into dst.
func background(dst *image.RGBA, s Scene) {
	k := bgKey{dst.Rect.Dx(), dst.Rect.Dy(), s.Background, s.Desk, s.Kind == Face, s.Variant}
	if s.Background == BgDesk {
		k.variant = 0
	}
	n := 4 * k.w * k.h
	if dst.Stride != 4*k.w {
		draw(dst, s)
		return
	}
	bgCache.Lock()
	defer bgCache.Unlock()
	if bgCache.key == k && len(bgCache.pix) == n {
		copy(dst.Pix[:n], bgCache.pix)
		return
	}
	draw(dst, s)
	bgCache.key = k
	bgCache.pix = append(bgCache.pix[:0], dst.Pix[:n]...)
}

func draw(dst *image.RGBA, s Scene) {
	if s.Background == BgDesk {
		drawBackground(dst, s.Kind == Face, s.Desk)
	} else {
		drawScenery(dst, s.Background, s.Variant)
	}
}

func clamp8(v float64) uint8 {
	if v <= 0 {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v + 0.5)
}

// drawBackground paints a wood-toned desk (or an office wall for a face)
// with low-frequency shading and a faint grain, darker than any card.
func drawBackground(dst *image.RGBA, wall bool, desk int) {
	W, H := dst.Rect.Dx(), dst.Rect.Dy()
	// grain = 6·sin(90·fx + 3·sin(7·fy)) = 6·(sin a·cos b + cos a·sin b):
	// per-column and per-row tables keep trigonometry out of the pixel loop.
	sa, ca := make([]float64, W), make([]float64, W)
	for x := range sa {
		a := float64(x) / float64(W) * 90
		sa[x], ca[x] = math.Sin(a), math.Cos(a)
	}
	for y := 0; y < H; y++ {
		fy := float64(y) / float64(H)
		sb, cb := math.Sincos(3 * math.Sin(fy*7))
		row := dst.Pix[y*dst.Stride:]
		dy2 := (fy - 0.5) * (fy - 0.5)
		for x := 0; x < W; x++ {
			fx := float64(x) / float64(W)
			shade := 1 - 0.25*((fx-0.5)*(fx-0.5)+dy2)
			var r, g, b float64
			grain := 6 * (sa[x]*cb + ca[x]*sb)
			switch {
			case wall:
				r, g, b = 150*shade, 150*shade, 140*shade
			case desk == 1:
				r, g, b = (125+grain*0.3)*shade, (125+grain*0.3)*shade, (128+grain*0.3)*shade
			case desk == 3:
				r, g, b = (178+grain*0.3)*shade, (178+grain*0.3)*shade, (182+grain*0.3)*shade
			case desk == 2:
				// Checked print: strong edges the segmentation must ignore.
				chk := 0.0
				if (x/24+y/24)%2 == 0 {
					chk = 35
				}
				r, g, b = (40+chk)*shade, (60+chk)*shade, (120+chk)*shade
			default:
				r, g, b = (105+grain)*shade, (80+grain)*shade, (60+grain*0.5)*shade
			}
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = uint8(r), uint8(g), uint8(b), 255
		}
	}
}

func bilinear(m *image.RGBA, u, v float64) (float64, float64, float64) {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	x0, y0 := int(math.Floor(u)), int(math.Floor(v))
	fx, fy := u-float64(x0), v-float64(y0)
	xa, xb := min(max(x0, 0), w-1), min(max(x0+1, 0), w-1)
	ya, yb := min(max(y0, 0), h-1), min(max(y0+1, 0), h-1)
	a := m.Pix[ya*m.Stride+4*xa:]
	b := m.Pix[ya*m.Stride+4*xb:]
	c := m.Pix[yb*m.Stride+4*xa:]
	d := m.Pix[yb*m.Stride+4*xb:]
	w00, w10, w01, w11 := (1-fx)*(1-fy), fx*(1-fy), (1-fx)*fy, fx*fy
	r := float64(a[0])*w00 + float64(b[0])*w10 + float64(c[0])*w01 + float64(d[0])*w11
	g := float64(a[1])*w00 + float64(b[1])*w10 + float64(c[1])*w01 + float64(d[1])*w11
	bl := float64(a[2])*w00 + float64(b[2])*w10 + float64(c[2])*w01 + float64(d[2])*w11
	return r, g, bl
}

// drawFace paints head and shoulders centred at CX, CY.
func drawFace(dst *image.RGBA, s Scene) {
	if s.Fill <= 0 {
		return // nobody: the wall alone
	}
	W, H := float64(dst.Rect.Dx()), float64(dst.Rect.Dy())
	ry := s.Fill * H / 2
	rx := ry * 0.75
	cx, cy := s.CX*W, s.CY*H
	for y := 0; y < dst.Rect.Dy(); y++ {
		row := dst.Pix[y*dst.Stride:]
		for x := 0; x < dst.Rect.Dx(); x++ {
			dx, dy := (float64(x)-cx)/rx, (float64(y)-cy)/ry
			var r, g, b float64
			switch {
			case dx*dx+dy*dy < 1:
				r, g, b = 205, 160, 130
				if dy < -0.55 {
					r, g, b = 55, 40, 30
				}
				// eyes, brows, mouth
				if math.Abs(dy+0.12) < 0.06 && math.Abs(math.Abs(dx)-0.38) < 0.13 {
					r, g, b = 40, 35, 35
				}
				if math.Abs(dy-0.45) < 0.05 && math.Abs(dx) < 0.3 {
					r, g, b = 150, 70, 70
				}
			case dy > 1.0 && math.Abs(dx) < 2.2-0.4*(dy-1):
				r, g, b = 45, 60, 90 // shoulders
			default:
				continue
			}
			row[4*x], row[4*x+1], row[4*x+2] = uint8(r), uint8(g), uint8(b)
		}
	}
}

// glare adds a specular highlight: a bright elliptical spot on the object
// that saturates its centre, like a ceiling light reflected by the card's
// laminate.
func glare(dst *image.RGBA, s Scene) {
	W, H := float64(dst.Rect.Dx()), float64(dst.Rect.Dy())
	gx := (s.CX + 0.1*s.Fill) * W
	gy := (s.CY - 0.05*s.Fill) * H
	rad := 0.22 * s.Fill * W
	for y := max(0, int(gy-2*rad)); y < min(int(H), int(gy+2*rad)); y++ {
		row := dst.Pix[y*dst.Stride:]
		for x := max(0, int(gx-2*rad)); x < min(int(W), int(gx+2*rad)); x++ {
			dx, dy := (float64(x)-gx)/rad, (float64(y)-gy)/(0.6*rad)
			k := s.Glare * 1.6 * math.Exp(-(dx*dx + dy*dy))
			if k < 0.01 {
				continue
			}
			for c := 0; c < 3; c++ {
				v := float64(row[4*x+c])
				row[4*x+c] = clamp8(v + (300-v)*math.Min(k, 1))
			}
		}
	}
}

// boxBlur blurs dst in place with a (2r+1)² box, separably; two passes look
// like a defocused lens.
func boxBlur(dst *image.RGBA, r int) {
	W, H := dst.Rect.Dx(), dst.Rect.Dy()
	n := max(W, H)
	buf := make([]int32, 3*(n+1))
	line := make([]uint8, 4*n)
	pass := func(get func(i int) []uint8, count int) {
		for c := 0; c < 3; c++ {
			s := buf[c*(n+1) : (c+1)*(n+1)]
			s[0] = 0
			for i := 0; i < count; i++ {
				s[i+1] = s[i] + int32(get(i)[c])
			}
		}
		for i := 0; i < count; i++ {
			lo, hi := max(0, i-r), min(count, i+r+1)
			for c := 0; c < 3; c++ {
				s := buf[c*(n+1) : (c+1)*(n+1)]
				line[4*i+c] = uint8((s[hi] - s[lo]) / int32(hi-lo))
			}
		}
		for i := 0; i < count; i++ {
			copy(get(i)[:3], line[4*i:4*i+3])
		}
	}
	for y := 0; y < H; y++ {
		row := dst.Pix[y*dst.Stride:]
		pass(func(i int) []uint8 { return row[4*i : 4*i+4] }, W)
	}
	for x := 0; x < W; x++ {
		pass(func(i int) []uint8 { o := i*dst.Stride + 4*x; return dst.Pix[o : o+4] }, H)
	}
}
