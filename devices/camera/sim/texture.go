// Package sim draws the synthetic scenes the simulated camera films: an ID-1
// card (85.60 × 53.98 mm, laid out like a Spanish DNI, front or back), a face
// for the FNMT rehearsal, and an A4/A5 sheet for the signed request. Scenes
// are parameterised (size, position, angle, blur, light, glare, noise) so
// the same drawing gives demo mode a visitor "moving" the card and gives the
// quality tests good and bad pictures at any resolution.
//
// Everything here is deterministic: the same Scene and seed draw the same
// pixels, so tests never depend on timing or randomness.
package sim

import (
	"image"
	"image/color"
	"math"
	"sync"
)

// ID-1 card size in millimetres (ISO/IEC 7810).
const (
	CardWidthMM  = 85.60
	CardHeightMM = 53.98
)

// texture scale: pixels per millimetre of the pre-drawn card textures. At
// 10 px/mm a card is 856×540, more than any webcam frame gives it, so the
// warp only ever shrinks the texture.
const cardPPM = 10

// sheetPPM is coarser: an A4 sheet at 6 px/mm is 1260×1782, more than a
// 1080p frame gives it.
const sheetPPM = 6

var (
	texOnce           sync.Once
	mipFront, mipBack mip
	mipA4, mipA5      mip
)

func textures() {
	texOnce.Do(func() {
		mipFront = newMip(drawCard(false))
		mipBack = newMip(drawCard(true))
		mipA4 = newMip(drawSheet(210, 297))
		mipA5 = newMip(drawSheet(148, 210))
	})
}

// hash is a small integer hash (splitmix64 finaliser) for procedural detail.
func hash(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func fillRect(m *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	r := image.Rect(x0, y0, x1, y1).Intersect(m.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			m.SetRGBA(x, y, c)
		}
	}
}

// drawText draws a line of fake glyphs: each character cell gets a few
// strokes chosen by a hash, which has the stroke widths and spacing of
// printed text (what sharpness and MRZ detection look at) without a font.
func drawText(m *image.RGBA, x, y, chars int, cw, ch int, seed uint64, c color.RGBA) {
	stroke := max(1, cw/5)
	// Proportional, not monospaced: each glyph's width varies, so the
	// strokes of one line do not stand in columns with the next line's
	// (which a line finder would take for long vertical edges).
	x0 := x + int(hash(seed)%uint64(max(cw/2, 1)))
	for i := 0; i < chars; i++ {
		h := hash(seed + uint64(i)*7919)
		w := cw - cw/5 + int(h>>40)%max(cw*2/5, 1)
		if h%9 == 0 { // a space now and then, as in words
			x0 += w
			continue
		}
		gw := w - max(1, w/4)
		// verticals
		if h&1 != 0 {
			fillRect(m, x0, y, x0+stroke, y+ch, c)
		}
		if h&2 != 0 {
			fillRect(m, x0+gw-stroke, y, x0+gw, y+ch, c)
		}
		if h&4 != 0 {
			fillRect(m, x0+gw/2-stroke/2, y, x0+gw/2+stroke-stroke/2, y+ch, c)
		}
		// horizontals
		if h&8 != 0 {
			fillRect(m, x0, y, x0+gw, y+stroke, c)
		}
		if h&16 != 0 {
			fillRect(m, x0, y+ch/2-stroke/2, x0+gw, y+ch/2+stroke-stroke/2, c)
		}
		if h&32 != 0 || h&3 == 0 {
			fillRect(m, x0, y+ch-stroke, x0+gw, y+ch, c)
		}
		x0 += w
	}
}

// drawCard draws the card texture. Front: a photo on the left, a header
// band and data lines on the right. Back: a few lines at the top and the
// machine-readable zone (three lines of 30 OCR-B characters) across the
// bottom, which is how a DNI's back is told from its front.
func drawCard(back bool) *image.RGBA {
	w, h := int(math.Round(CardWidthMM*cardPPM)), int(math.Round(CardHeightMM*cardPPM))
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	mm := func(v float64) int { return int(v * cardPPM) }
	// Pastel security-print background with a gentle diagonal gradient and
	// fine guilloche-like waves (low contrast, as on the real card).
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			t := float64(x+y) / float64(w+h)
			wave := 6 * math.Sin(float64(x)*0.05+4*math.Sin(float64(y)*0.02))
			r := 214 - 20*t + wave
			g := 222 - 8*t + wave
			b := 228 + 6*t
			m.SetRGBA(x, y, color.RGBA{uint8(r), uint8(g), uint8(b), 255})
		}
	}
	ink := color.RGBA{35, 35, 45, 255}
	red := color.RGBA{170, 40, 40, 255}
	if !back {
		// Header: "REINO DE ESPAÑA" band.
		fillRect(m, mm(3), mm(2.5), mm(82.6), mm(8), color.RGBA{180, 60, 50, 255})
		drawText(m, mm(20), mm(3.5), 16, mm(2.4), mm(3.2), 11, color.RGBA{250, 240, 230, 255})
		// Photo: grey-blue backdrop, a head and shoulders.
		px0, py0, px1, py1 := mm(4), mm(12), mm(29), mm(46)
		fillRect(m, px0, py0, px1, py1, color.RGBA{150, 165, 180, 255})
		cx, cy := float64(px0+px1)/2, float64(py0)+0.42*float64(py1-py0)
		rx, ry := 0.28*float64(px1-px0), 0.30*float64(py1-py0)
		for y := py0; y < py1; y++ {
			for x := px0; x < px1; x++ {
				dx, dy := (float64(x)-cx)/rx, (float64(y)-cy)/ry
				switch {
				case dx*dx+dy*dy < 1:
					m.SetRGBA(x, y, color.RGBA{196, 150, 120, 255})
					if dy < -0.45 {
						m.SetRGBA(x, y, color.RGBA{60, 40, 30, 255})
					}
				case float64(y) > cy+0.9*ry:
					m.SetRGBA(x, y, color.RGBA{40, 50, 70, 255})
				}
			}
		}
		// Eyes and mouth give the photo some detail.
		fillRect(m, int(cx-0.45*rx), int(cy-0.1*ry), int(cx-0.2*rx), int(cy), ink)
		fillRect(m, int(cx+0.2*rx), int(cy-0.1*ry), int(cx+0.45*rx), int(cy), ink)
		fillRect(m, int(cx-0.3*rx), int(cy+0.45*ry), int(cx+0.3*rx), int(cy+0.55*ry), color.RGBA{140, 60, 60, 255})
		// Data lines: label (small, red) and value (bigger, black).
		y := 11.0
		for i := 0; i < 6; i++ {
			drawText(m, mm(33), mm(y), 10, mm(1.3), mm(1.6), uint64(100+i), red)
			n := 14 + int(hash(uint64(i))%10)
			drawText(m, mm(33), mm(y+2.2), n, mm(2.0), mm(2.8), uint64(200+i), ink)
			y += 6.2
		}
		// Signature scribble under the photo.
		for x := mm(6); x < mm(27); x++ {
			yy := mm(49) + int(8*math.Sin(float64(x)*0.09)*math.Cos(float64(x)*0.023))
			fillRect(m, x, yy, x+2, yy+3, ink)
		}
	} else {
		// Top: address and birthplace lines.
		y := 4.0
		for i := 0; i < 4; i++ {
			drawText(m, mm(6), mm(y), 12, mm(1.3), mm(1.6), uint64(300+i), red)
			drawText(m, mm(6), mm(y+2.2), 20+int(hash(uint64(i+9))%12), mm(2.0), mm(2.8), uint64(400+i), ink)
			y += 6
		}
		// Machine-readable zone: a plain band, three lines of 30 characters.
		fillRect(m, 0, mm(33), w, h, color.RGBA{236, 236, 232, 255})
		for i := 0; i < 3; i++ {
			drawText(m, mm(4), mm(35.5+float64(i)*5.8), 30, mm(2.6), mm(3.4), uint64(500+i*31), ink)
		}
	}
	return m
}

// drawSheet draws a white page with a title, paragraphs and a signature box.
func drawSheet(wmm, hmm float64) *image.RGBA {
	w, h := int(wmm*sheetPPM), int(hmm*sheetPPM)
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	fillRect(m, 0, 0, w, h, color.RGBA{226, 226, 220, 255})
	ink := color.RGBA{30, 30, 35, 255}
	mm := func(v float64) int { return int(v * sheetPPM) }
	drawText(m, mm(20), mm(20), 20, mm(4), mm(5), 900, ink)
	y := 35.0
	for y < hmm-50 {
		drawText(m, mm(20), mm(y), int((wmm-40)/2.4), mm(2.4), mm(3), uint64(y*10), ink)
		y += 6
	}
	fillRect(m, mm(wmm-80), mm(hmm-40), mm(wmm-20), mm(hmm-39), ink)
	return m
}
