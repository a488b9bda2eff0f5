package sim

import (
	"image"
	"image/color"
	"math"
)

// Background is what lies behind the card or sheet.
type Background int

// Backgrounds. BgDesk draws the original desks (Scene.Desk); the others
// are what visitors really hold their cards against.
const (
	BgDesk Background = iota
	// Wooden desks: grain (horizontal or vertical), knots and plank seams,
	// four species from light to dark.
	BgOak
	BgPine
	BgWalnut
	BgCherry
	// BgLaminate: a plain grey office desk with a fine speckle.
	BgLaminate
	// BgFabric: a coloured cloth with a weave, sometimes a keyboard.
	BgFabric
	// BgLightDesk: a light grey desk as light as the card itself.
	BgLightDesk
	// BgRoom: the card held up in front of a person, a wall and a door,
	// out of focus.
	BgRoom
	numBackgrounds
)

// String names the background for test output.
func (b Background) String() string {
	return [...]string{"desk", "wood:oak", "wood:pine", "wood:walnut", "wood:cherry", "laminate", "fabric", "lightdesk", "room"}[b]
}

// Hands says which hands hold the card; several may be set.
type Hands uint8

// Hand placements: a thumb over the card's left or right edge (the
// fingers behind it), or fingers coming up over its bottom edge.
const (
	HandLeft Hands = 1 << iota
	HandRight
	HandBottom
	// HandArm: the card held far away at the end of an arm (from the
	// right).
	HandArm
)

// skin tones (linear-ish RGB), light to dark.
var skins = [...][3]float64{{232, 190, 160}, {214, 164, 128}, {176, 120, 88}, {128, 84, 58}, {92, 60, 44}}

// perspective returns the four corners (dst pixels, order: top-left,
// top-right, bottom-right, bottom-left of the object's texture) of the
// object as a pinhole camera with a 60° horizontal field sees it: width
// Fill of the frame, centre CX, CY, turned by Angle (roll), Yaw and Pitch.
func perspective(s Scene, W, H, aspect float64) [4][2]float64 {
	f := W / 2 / math.Tan(30*math.Pi/180)
	w := s.Fill * W // object width in pixels when facing the camera
	h := w / aspect
	z := f // distance in the same units: w at distance f spans w pixels
	ro, ya, pi := s.Angle*math.Pi/180, s.Yaw*math.Pi/180, s.Pitch*math.Pi/180
	cr, sr := math.Cos(ro), math.Sin(ro)
	cy, sy := math.Cos(ya), math.Sin(ya)
	cp, sp := math.Cos(pi), math.Sin(pi)
	var out [4][2]float64
	for i, c := range [4][2]float64{{-w / 2, -h / 2}, {w / 2, -h / 2}, {w / 2, h / 2}, {-w / 2, h / 2}} {
		x, y, zz := c[0], c[1], 0.0
		// roll (in the image plane), then yaw (about y), then pitch (about x)
		x, y = x*cr-y*sr, x*sr+y*cr
		x, zz = x*cy+zz*sy, -x*sy+zz*cy
		y, zz = y*cp-zz*sp, y*sp+zz*cp
		out[i] = [2]float64{s.CX*W + f*x/(z+zz), s.CY*H + f*y/(z+zz)}
	}
	return out
}

// homography maps the unit square to a quadrilateral (Heckbert 1989).
type homography [9]float64

func squareToQuad(p [4][2]float64) homography {
	x0, y0, x1, y1 := p[0][0], p[0][1], p[1][0], p[1][1]
	x2, y2, x3, y3 := p[2][0], p[2][1], p[3][0], p[3][1]
	sx, sy := x0-x1+x2-x3, y0-y1+y2-y3
	dx1, dx2, dy1, dy2 := x1-x2, x3-x2, y1-y2, y3-y2
	den := dx1*dy2 - dx2*dy1
	var g, h float64
	if math.Abs(den) > 1e-12 {
		g = (sx*dy2 - dx2*sy) / den
		h = (dx1*sy - sx*dy1) / den
	}
	return homography{x1 - x0 + g*x1, x3 - x0 + h*x3, x0, y1 - y0 + g*y1, y3 - y0 + h*y3, y0, g, h, 1}
}

// inverse returns the inverse map (adjugate; the scale does not matter).
func (m homography) inverse() homography {
	a, b, c, d, e, f, g, h, i := m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]
	return homography{e*i - f*h, c*h - b*i, b*f - c*e, f*g - d*i, a*i - c*g, c*d - a*f, d*h - e*g, b*g - a*h, a*e - b*d}
}

func (m *homography) apply(x, y float64) (float64, float64) {
	w := m[6]*x + m[7]*y + m[8]
	return (m[0]*x + m[1]*y + m[2]) / w, (m[3]*x + m[4]*y + m[5]) / w
}

// mip holds a texture and its halvings, so a small card is drawn from a
// texture of about its own size (a lens averages, it does not alias).
type mip []*image.RGBA

func newMip(t *image.RGBA) mip {
	m := mip{t}
	for len(m) < 5 {
		p := m[len(m)-1]
		w, h := p.Rect.Dx()/2, p.Rect.Dy()/2
		if w < 16 || h < 16 {
			break
		}
		q := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				for c := 0; c < 4; c++ {
					s := int(p.Pix[(2*y)*p.Stride+8*x+c]) + int(p.Pix[(2*y)*p.Stride+8*x+4+c]) +
						int(p.Pix[(2*y+1)*p.Stride+8*x+c]) + int(p.Pix[(2*y+1)*p.Stride+8*x+4+c])
					q.Pix[y*q.Stride+4*x+c] = uint8((s + 2) / 4)
				}
			}
		}
		m = append(m, q)
	}
	return m
}

// level picks the texture level for a given number of texture pixels per
// destination pixel.
func (m mip) level(texPerDst float64) *image.RGBA {
	l := 0
	for texPerDst >= 2 && l < len(m)-1 {
		texPerDst /= 2
		l++
	}
	return m[l]
}

// drawObject draws the card or sheet through the perspective map, with
// rounded corners (an ID-1 card's 3.18 mm) and anti-aliased edges, and a
// soft shadow under it when shadow is set.
func drawObject(dst *image.RGBA, tex mip, corners [4][2]float64, radiusFrac float64, shadow bool) {
	W, H := dst.Rect.Dx(), dst.Rect.Dy()
	base := tex[0]
	tw, th := float64(base.Rect.Dx()), float64(base.Rect.Dy())
	hm := squareToQuad(corners)
	inv := hm.inverse()
	// destination pixels per unit of u (the object's width)
	sideLen := math.Hypot(corners[1][0]-corners[0][0], corners[1][1]-corners[0][1])
	texPerDst := tw / max(sideLen, 1)
	t := tex.level(texPerDst)
	lw, lh := float64(t.Rect.Dx()), float64(t.Rect.Dy())
	r := radiusFrac // of the width, in u units
	rv := r * tw / th
	x0, y0, x1, y1 := W, H, 0, 0
	for _, c := range corners {
		x0, y0 = min(x0, int(c[0])-2), min(y0, int(c[1])-2)
		x1, y1 = max(x1, int(c[0])+3), max(y1, int(c[1])+3)
	}
	// signed distance (in u units) inside the rounded rectangle
	inside := func(u, v float64) float64 {
		du := min(u, 1-u)
		dv := min(v, 1-v) * th / tw
		if du < r && dv < rv*th/tw {
			cu, cv := r-du, r-dv
			return r - math.Hypot(cu, cv)
		}
		return min(du, dv)
	}
	if shadow {
		off := 0.012 * float64(W)
		soft := 0.008 * float64(W)
		sx0, sy0 := max(0, x0-int(soft)), max(0, y0-int(soft))
		sx1, sy1 := min(W, x1+int(2*off+soft)), min(H, y1+int(2*off+soft))
		for y := sy0; y < sy1; y++ {
			row := dst.Pix[y*dst.Stride:]
			for x := sx0; x < sx1; x++ {
				u, v := inv.apply(float64(x)+0.5-off*0.6, float64(y)+0.5-off)
				d := inside(u, v) * sideLen // dst pixels inside the shadow
				k := (d + soft) / (2 * soft)
				if k <= 0 {
					continue
				}
				k = 0.45 * min(k, 1)
				p := row[4*x : 4*x+3 : 4*x+3]
				for c := range p {
					p[c] = uint8(float64(p[c]) * (1 - k))
				}
			}
		}
	}
	x0, y0, x1, y1 = max(0, x0), max(0, y0), min(W, x1), min(H, y1)
	// Well inside the rounded outline the coverage is whole: only pixels
	// near the edge need the distance.
	eu := max(r, 0.5/sideLen)
	ev := max(rv, 0.5/sideLen*tw/th)
	// Along a row the map is nearly affine; exactly so without
	// perspective, where u and v just step (no division per pixel).
	affine := math.Abs(inv[6]) < 1e-12 && math.Abs(inv[7]) < 1e-12
	dudx, dvdx := inv[0]/inv[8], inv[3]/inv[8]
	for y := y0; y < y1; y++ {
		row := dst.Pix[y*dst.Stride:]
		u, v := inv.apply(float64(x0)+0.5, float64(y)+0.5)
		for x := x0; x < x1; x, u, v = x+1, u+dudx, v+dvdx {
			if !affine {
				u, v = inv.apply(float64(x)+0.5, float64(y)+0.5)
			}
			if u < -0.05 || v < -0.05 || u > 1.05 || v > 1.05 {
				continue
			}
			cov := 1.0
			if u < eu || u > 1-eu || v < ev || v > 1-ev {
				cov = inside(u, v)*sideLen + 0.5
				if cov <= 0 {
					continue
				}
				cov = min(cov, 1)
			}
			rr, gg, bb := bilinear(t, u*lw-0.5, v*lh-0.5)
			p := row[4*x : 4*x+3 : 4*x+3]
			p[0] = uint8(float64(p[0])*(1-cov) + rr*cov)
			p[1] = uint8(float64(p[1])*(1-cov) + gg*cov)
			p[2] = uint8(float64(p[2])*(1-cov) + bb*cov)
		}
	}
}

// vnoise is smooth value noise in [0, 1): bilinear between hashed lattice
// values.
func vnoise(x, y float64, seed uint64) float64 {
	xi, yi := math.Floor(x), math.Floor(y)
	fx, fy := x-xi, y-yi
	fx = fx * fx * (3 - 2*fx)
	fy = fy * fy * (3 - 2*fy)
	h := func(i, j float64) float64 {
		return float64(hash(seed^uint64(int64(i)*73856093)^uint64(int64(j)*19349663))&0xffff) / 65536
	}
	a, b := h(xi, yi), h(xi+1, yi)
	c, d := h(xi, yi+1), h(xi+1, yi+1)
	return (a*(1-fx)+b*fx)*(1-fy) + (c*(1-fx)+d*fx)*fy
}

// fbm is three octaves of value noise.
func fbm(x, y float64, seed uint64) float64 {
	return 0.55*vnoise(x, y, seed) + 0.3*vnoise(2.1*x, 2.1*y, seed+1) + 0.15*vnoise(4.3*x, 4.3*y, seed+2)
}

// field samples f on a grid every step pixels and interpolates it, so
// smooth noise costs a few operations per pixel instead of a dozen hashes.
type field struct {
	v    []float64
	w    int
	step float64
}

func newField(W, H, step int, f func(x, y float64) float64) field {
	w, h := W/step+2, H/step+2
	fd := field{v: make([]float64, w*h), w: w, step: float64(step)}
	for j := 0; j < h; j++ {
		for i := 0; i < w; i++ {
			fd.v[j*w+i] = f(float64(i*step), float64(j*step))
		}
	}
	return fd
}

func (fd *field) at(x, y int) float64 {
	fx, fy := float64(x)/fd.step, float64(y)/fd.step
	i, j := int(fx), int(fy)
	tx, ty := fx-float64(i), fy-float64(j)
	p := fd.v[j*fd.w+i:]
	q := fd.v[(j+1)*fd.w+i:]
	return (p[0]*(1-tx)+p[1]*tx)*(1-ty) + (q[0]*(1-tx)+q[1]*tx)*ty
}

// drawScenery paints the new backgrounds. v varies the scene's details
// (grain, colours, where the door is) without changing its kind.
func drawScenery(dst *image.RGBA, bg Background, v uint64) {
	W, H := dst.Rect.Dx(), dst.Rect.Dy()
	fW := float64(W)
	rnd := func(k uint64) float64 { return float64(hash(v*131+k)&0xffff) / 65536 }
	switch bg {
	case BgOak, BgPine, BgWalnut, BgCherry:
		light := map[Background][3]float64{BgOak: {196, 160, 112}, BgPine: {214, 182, 130}, BgWalnut: {110, 74, 48}, BgCherry: {170, 96, 60}}[bg]
		dark := [3]float64{light[0] * 0.72, light[1] * 0.68, light[2] * 0.62}
		vertical := rnd(1) < 0.4
		plank := 0.2 + 0.15*rnd(2)
		freq := 150 + 120*rnd(3)
		step := max(2, W/160)
		warpF := newField(W, H, step, func(x, y float64) float64 {
			a, b := x/fW, y/fW
			if vertical {
				a, b = b, a
			}
			return fbm(a*3, b*5, v)
		})
		fineF := newField(W, H, step, func(x, y float64) float64 {
			a, b := x/fW, y/fW
			if vertical {
				a, b = b, a
			}
			return fbm(a*30, b*60, v+7)
		})
		for y := 0; y < H; y++ {
			row := dst.Pix[y*dst.Stride:]
			for x := 0; x < W; x++ {
				a, b := float64(x)/fW, float64(y)/fW
				if vertical {
					a, b = b, a
				}
				warp := warpF.at(x, y)
				g := 0.5 + 0.5*math.Sin(b*freq+9*warp+1.5*math.Sin(a*14+3*warp))
				g = g * g
				k := 0.35 + 0.5*g + 0.15*fineF.at(x, y)
				seam := math.Mod(b+1, plank) / plank
				if seam < 0.004/plank || seam > 1-0.004/plank {
					k = 1.35
				}
				var c [3]float64
				for i := range c {
					c[i] = light[i] + (dark[i]-light[i])*min(k, 1)
					if k > 1 {
						c[i] *= 0.55
					}
				}
				row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = clamp8(c[0]), clamp8(c[1]), clamp8(c[2]), 255
			}
		}
	case BgLaminate, BgLightDesk:
		base := 95 + 40*rnd(1)
		speck := 5.0
		if bg == BgLightDesk {
			base = 168 + 16*rnd(1)
			speck = 7
		}
		tint := [3]float64{1, 1, 1.02}
		lf := newField(W, H, max(4, W/80), func(x, y float64) float64 { return fbm(x/fW*3, y/fW*3, v) })
		for y := 0; y < H; y++ {
			row := dst.Pix[y*dst.Stride:]
			for x := 0; x < W; x++ {
				a, b := float64(x)/fW, float64(y)/fW
				shade := 1 - 0.12*((a-0.5)*(a-0.5)+(b-0.3)*(b-0.3)) + 0.04*(lf.at(x, y)-0.5)
				n := float64(hash(v^uint64(y*W+x))&0xff)/255 - 0.5
				l := base*shade + speck*n
				row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = clamp8(l*tint[0]), clamp8(l*tint[1]), clamp8(l*tint[2]), 255
			}
		}
	case BgFabric:
		cols := [...][3]float64{{150, 60, 130}, {90, 50, 110}, {60, 80, 130}, {50, 100, 80}, {70, 70, 75}, {200, 120, 170}}
		c := cols[int(rnd(1)*float64(len(cols)))%len(cols)]
		weave := 2 + 2*rnd(2)
		kb := rnd(3) < 0.5
		kTop := 0.72 + 0.1*rnd(4)
		lf := newField(W, H, max(4, W/80), func(x, y float64) float64 { return fbm(x/fW*6, y/fW*6, v) })
		sinW := make([]float64, max(W, H))
		for i := range sinW {
			sinW[i] = math.Sin(float64(i) * weave)
		}
		for y := 0; y < H; y++ {
			row := dst.Pix[y*dst.Stride:]
			for x := 0; x < W; x++ {
				a := float64(x) / fW
				w := 0.5 + 0.5*sinW[x]*sinW[y]
				k := 0.88 + 0.12*w + 0.1*(lf.at(x, y)-0.5)
				r, g, bb := c[0]*k, c[1]*k, c[2]*k
				if kb && float64(y)/float64(H) > kTop && a > 0.05 && a < 0.95 {
					// keyboard: dark keys with lighter gaps
					ks := fW / 22
					kx := math.Mod(float64(x), ks) / ks
					ky := math.Mod(float64(y)-kTop*float64(H), ks) / ks
					r, g, bb = 58, 58, 62
					if kx < 0.1 || ky < 0.1 {
						r, g, bb = 35, 35, 38
					}
				}
				row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = clamp8(r), clamp8(g), clamp8(bb), 255
			}
		}
	case BgRoom:
		wall := [3]float64{190 + 30*rnd(1), 180 + 30*rnd(1), 165 + 30*rnd(2)}
		doorX := 0.6 + 0.3*rnd(3)
		doorCol := [3]float64{60 + 80*rnd(4), 70 + 60*rnd(5), 100 + 60*rnd(6)}
		personX := 0.35 + 0.3*rnd(7)
		shirt := [3]float64{30 + 60*rnd(8), 30 + 50*rnd(9), 40 + 80*rnd(10)}
		skin := skins[int(rnd(11)*float64(len(skins)))%len(skins)]
		for y := 0; y < H; y++ {
			row := dst.Pix[y*dst.Stride:]
			for x := 0; x < W; x++ {
				a, b := float64(x)/fW, float64(y)/float64(H)
				k := 0.9 + 0.1*(1-b)
				c := [3]float64{wall[0] * k, wall[1] * k, wall[2] * k}
				if a > doorX && a < doorX+0.18 && b > 0.08 {
					c = doorCol
				}
				if b > 0.62 {
					c = [3]float64{c[0] * 0.8, c[1] * 0.78, c[2] * 0.75}
				}
				// person: head and shoulders
				hx, hy := (a-personX)/0.11, (b-0.28)/0.22
				if hx*hx+hy*hy < 1 {
					c = skin
					if hy < -0.4 {
						c = [3]float64{50, 38, 30}
					}
				}
				if b > 0.5 {
					sx := (a - personX) / (0.28 + 0.3*(b-0.5))
					if sx*sx < 1 {
						c = shirt
					}
				}
				row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = clamp8(c[0]), clamp8(c[1]), clamp8(c[2]), 255
			}
		}
		// Out of focus: the camera focuses on the card.
		gaussBlur(dst, 0.006*fW)
	}
}

// capsule draws a rounded bar (a finger) from a to b of radius r in
// colour c, shaded towards its edges, with a nail near b when nail is
// set.
func capsule(dst *image.RGBA, ax, ay, bx, by, r float64, c [3]float64, nail bool) {
	W, H := dst.Rect.Dx(), dst.Rect.Dy()
	x0, y0 := max(0, int(min(ax, bx)-r-2)), max(0, int(min(ay, by)-r-2))
	x1, y1 := min(W, int(max(ax, bx)+r+2)), min(H, int(max(ay, by)+r+2))
	dx, dy := bx-ax, by-ay
	l2 := dx*dx + dy*dy
	nx, ny := bx-dx*r*1.1/math.Sqrt(l2), by-dy*r*1.1/math.Sqrt(l2)
	for y := y0; y < y1; y++ {
		row := dst.Pix[y*dst.Stride:]
		for x := x0; x < x1; x++ {
			px, py := float64(x)+0.5, float64(y)+0.5
			t := max(0, min(1, ((px-ax)*dx+(py-ay)*dy)/l2))
			qx, qy := ax+t*dx, ay+t*dy
			d := math.Hypot(px-qx, py-qy)
			cov := min(1, r-d+0.5)
			if cov <= 0 {
				continue
			}
			k := 1 - 0.25*(d/r)*(d/r)
			col := [3]float64{c[0] * k, c[1] * k, c[2] * k}
			if nail {
				ex, ey := (px-nx)/(0.55*r), (py-ny)/(0.7*r)
				// nail ellipse aligned with the finger
				ca, sa := dx/math.Sqrt(l2), dy/math.Sqrt(l2)
				u := ex*ca*0.55/0.7 + ey*sa
				w := -ex*sa + ey*ca*0.7/0.55
				if u*u+w*w*0.6 < 1 {
					col = [3]float64{min(255, c[0]*1.12+20), min(255, c[1]*1.1+18), min(255, c[2]*1.1+18)}
				}
			}
			p := row[4*x : 4*x+3 : 4*x+3]
			for i := range p {
				p[i] = uint8(float64(p[i])*(1-cov) + col[i]*cov)
			}
		}
	}
}

// ellipse fills an ellipse (the palm) in colour c with soft edges.
func ellipse(dst *image.RGBA, cx, cy, rx, ry float64, c [3]float64) {
	W, H := dst.Rect.Dx(), dst.Rect.Dy()
	for y := max(0, int(cy-ry-2)); y < min(H, int(cy+ry+2)); y++ {
		row := dst.Pix[y*dst.Stride:]
		for x := max(0, int(cx-rx-2)); x < min(W, int(cx+rx+2)); x++ {
			ex, ey := (float64(x)+0.5-cx)/rx, (float64(y)+0.5-cy)/ry
			d := math.Sqrt(ex*ex + ey*ey)
			cov := min(1, (1-d)*min(rx, ry)+0.5)
			if cov <= 0 {
				continue
			}
			k := 1 - 0.18*d*d
			p := row[4*x : 4*x+3 : 4*x+3]
			for i := range p {
				p[i] = uint8(float64(p[i])*(1-cov) + c[i]*k*cov)
			}
		}
	}
}

// handGeometry is where a hand's parts go, from the card's corners.
type handGeometry struct {
	corners [4][2]float64
	cardW   float64 // card width in pixels
}

func (g handGeometry) at(u, v float64) (float64, float64) {
	h := squareToQuad(g.corners)
	return h.apply(u, v)
}

// handsBehind draws the parts of the hands the card hides (palms and the
// fingers behind it); handsOver draws the thumbs and fingertips over its
// edges.
func handsBehind(dst *image.RGBA, s Scene, g handGeometry) {
	c := skins[s.Skin%len(skins)]
	w := g.cardW
	if s.Hands&HandLeft != 0 {
		x, y := g.at(-0.12, 0.55)
		ellipse(dst, x-0.15*w, y+0.1*w, 0.32*w, 0.26*w, c)
		for i, v := range []float64{0.15, 0.35} {
			ax, ay := g.at(-0.25, v+0.1)
			bx, by := g.at(0.02+0.04*float64(i), v)
			capsule(dst, ax-0.2*w, ay, bx, by, 0.065*w, c, false)
		}
	}
	if s.Hands&HandRight != 0 {
		x, y := g.at(1.12, 0.6)
		ellipse(dst, x+0.15*w, y+0.12*w, 0.32*w, 0.26*w, c)
		for i, v := range []float64{0.85, 0.95} {
			ax, ay := g.at(1.3, v+0.1)
			bx, by := g.at(0.97-0.03*float64(i), v)
			capsule(dst, ax+0.2*w, ay, bx, by, 0.06*w, c, false)
		}
	}
	if s.Hands&HandBottom != 0 {
		x, y := g.at(0.45, 1.25)
		ellipse(dst, x, y+0.25*w, 0.3*w, 0.3*w, c)
	}
	if s.Hands&HandArm != 0 {
		// The arm comes in from the right, rising or falling towards the
		// shoulder.
		x, y := g.at(1.05, 0.55)
		W := float64(dst.Rect.Dx())
		slope := 0.5 * math.Sin(float64(s.Variant%1000))
		capsule(dst, x+0.25*w, y+0.05*w, W+0.2*w, y+0.05*w+slope*(W-x), 0.22*w, c, false)
		ellipse(dst, x+0.15*w, y+0.05*w, 0.25*w, 0.2*w, c)
	}
}

func handsOver(dst *image.RGBA, s Scene, g handGeometry) {
	c := skins[s.Skin%len(skins)]
	w := g.cardW
	if s.Hands&HandLeft != 0 {
		ax, ay := g.at(-0.2, 0.75)
		bx, by := g.at(0.14, 0.5+0.1*math.Sin(float64(s.Variant)))
		capsule(dst, ax-0.1*w, ay+0.05*w, bx, by, 0.07*w, c, true)
	}
	if s.Hands&HandRight != 0 {
		ax, ay := g.at(1.2, 0.7)
		bx, by := g.at(0.86, 0.45+0.1*math.Cos(float64(s.Variant)))
		capsule(dst, ax+0.1*w, ay+0.05*w, bx, by, 0.07*w, c, true)
	}
	if s.Hands&HandBottom != 0 {
		for i := 0; i < 2; i++ {
			u := 0.35 + 0.18*float64(i) + 0.1*math.Sin(float64(s.Variant)+float64(i))
			ax, ay := g.at(u, 1.35)
			bx, by := g.at(u+0.03, 0.82)
			capsule(dst, ax, ay+0.2*w, bx, by, 0.075*w, c, i == 0)
		}
	}
	if s.Hands&HandArm != 0 {
		ax, ay := g.at(1.25, 0.3)
		bx, by := g.at(0.9, 0.4)
		capsule(dst, ax, ay, bx, by, 0.08*w, c, true)
	}
}

// clutter puts a sticky note and a pen on an empty desk.
func clutter(dst *image.RGBA, v uint64) {
	W, H := float64(dst.Rect.Dx()), float64(dst.Rect.Dy())
	rnd := func(k uint64) float64 { return float64(hash(v*977+k)&0xffff) / 65536 }
	// sticky note: a square, turned, near a corner
	cx, cy := W*(0.75+0.2*rnd(1)), H*(0.7+0.25*rnd(2))
	side := 0.12 * W
	a := (rnd(3) - 0.5) * 1.2
	ca, sa := math.Cos(a), math.Sin(a)
	var q [4][2]float64
	for i, c := range [4][2]float64{{-1, -1}, {1, -1}, {1, 1}, {-1, 1}} {
		x, y := c[0]*side/2, c[1]*side/2
		q[i] = [2]float64{cx + x*ca - y*sa, cy + x*sa + y*ca}
	}
	note := image.NewRGBA(image.Rect(0, 0, 16, 16))
	fillRect(note, 0, 0, 16, 16, color.RGBA{230, 220, 90, 255})
	drawObject(dst, newMip(note), q, 0.01, true)
	// pen
	px, py := W*(0.05+0.2*rnd(4)), H*(0.6+0.35*rnd(5))
	capsule(dst, px, py, px+0.12*W*math.Cos(a-0.8), py-0.12*W*math.Sin(a+0.8), 0.006*W, [3]float64{30, 60, 170}, false)
}

// gaussBlur blurs dst with a Gaussian of σ pixels: a true separable
// kernel up to σ 3, three box passes beyond (whose widths only come in
// whole pixels, too coarse for a small σ).
func gaussBlur(dst *image.RGBA, sigma float64) {
	if sigma < 0.3 {
		return
	}
	if sigma <= 3 {
		kernelBlur(dst, sigma)
		return
	}
	// Box radius for three passes: w = √(12σ²/3 + 1).
	w := math.Sqrt(4*sigma*sigma + 1)
	r := max(1, int((w-1)/2+0.5))
	for i := 0; i < 3; i++ {
		boxBlur(dst, r)
	}
}

// kernelBlur is a separable Gaussian of σ pixels, radius 3σ.
func kernelBlur(dst *image.RGBA, sigma float64) {
	W, H := dst.Rect.Dx(), dst.Rect.Dy()
	r := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*r+1)
	var sum float64
	for i := range k {
		x := float64(i - r)
		k[i] = math.Exp(-x * x / (2 * sigma * sigma))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	tmp := make([]float64, 3*W*H)
	for y := 0; y < H; y++ {
		row := dst.Pix[y*dst.Stride:]
		for x := 0; x < W; x++ {
			var a [3]float64
			for i, w := range k {
				xx := min(max(x+i-r, 0), W-1)
				a[0] += w * float64(row[4*xx])
				a[1] += w * float64(row[4*xx+1])
				a[2] += w * float64(row[4*xx+2])
			}
			copy(tmp[3*(y*W+x):], a[:])
		}
	}
	for y := 0; y < H; y++ {
		row := dst.Pix[y*dst.Stride:]
		for x := 0; x < W; x++ {
			var a [3]float64
			for i, w := range k {
				yy := min(max(y+i-r, 0), H-1)
				p := tmp[3*(yy*W+x):]
				a[0] += w * p[0]
				a[1] += w * p[1]
				a[2] += w * p[2]
			}
			row[4*x], row[4*x+1], row[4*x+2] = clamp8(a[0]), clamp8(a[1]), clamp8(a[2])
		}
	}
}

// motionBlur smears dst along a line of length l pixels at angle deg.
func motionBlur(dst *image.RGBA, l, deg float64) {
	if l < 1 {
		return
	}
	W, H := dst.Rect.Dx(), dst.Rect.Dy()
	src := make([]uint8, len(dst.Pix))
	copy(src, dst.Pix)
	n := max(2, int(l))
	ca, sa := math.Cos(deg*math.Pi/180), math.Sin(deg*math.Pi/180)
	offs := make([][2]int, n)
	for i := range offs {
		t := (float64(i)/float64(n-1) - 0.5) * l
		offs[i] = [2]int{int(math.Round(t * ca)), int(math.Round(t * sa))}
	}
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			var s [3]int
			for _, o := range offs {
				xx, yy := min(max(x+o[0], 0), W-1), min(max(y+o[1], 0), H-1)
				p := src[yy*dst.Stride+4*xx:]
				s[0] += int(p[0])
				s[1] += int(p[1])
				s[2] += int(p[2])
			}
			q := dst.Pix[y*dst.Stride+4*x:]
			q[0], q[1], q[2] = uint8(s[0]/n), uint8(s[1]/n), uint8(s[2]/n)
		}
	}
}
