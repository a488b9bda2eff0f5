package capture

import (
	"image"
	"image/color"
	"strconv"

	"github.com/muesli/termenv"
	"github.com/ventanilla-kiosk/ventanilla/devices/camera"
)

// Guide is the frame drawn over the preview where the object should go, in
// fractions of the image.
type Guide struct {
	X0, Y0, X1, Y1 float64
	// OK colours the guide green (the frame is good) instead of amber.
	OK bool
}

// guideFor returns where the object should sit for a mode: the card at the
// size the analysis likes best (0.62 of the frame's width, well inside the
// too-far/too-close limits), a portrait sheet, a head.
func guideFor(m Mode, aspect float64) Guide {
	switch m {
	case Document:
		h := 0.84
		w := h / 1.414 / aspect
		return Guide{X0: 0.5 - w/2, Y0: 0.08, X1: 0.5 + w/2, Y1: 0.92}
	case Face:
		return Guide{X0: 0.33, Y0: 0.1, X1: 0.67, Y1: 0.9}
	}
	w := 0.62
	h := w / 1.586 * aspect
	return Guide{X0: 0.5 - w/2, Y0: 0.5 - h/2, X1: 0.5 + w/2, Y1: 0.5 + h/2}
}

// Renderer draws images into terminal cells with the upper half block
// (▀: foreground = upper pixel, background = lower pixel), so each cell
// shows two square-ish pixels. It keeps its output buffer between frames:
// rendering a frame allocates nothing. Not safe for concurrent use.
type Renderer struct {
	Profile termenv.Profile
	buf     []byte
}

// cell colours for the 16-colour fallback: 4 greys by luma.
var ansiFG = [4]string{"30", "90", "37", "97"}
var ansiBG = [4]string{"40", "100", "47", "107"}

// asciiRamp is the ASCII fallback (no colour at all), dark to light.
const asciiRamp = " .:-=+*#%@"

// Render draws img into at most cols×rows cells, keeping its aspect
// (a cell is about twice as tall as wide, hence two pixels per cell) and
// centring it horizontally. guide may be nil. The result is valid until the
// next call.
func (r *Renderer) Render(img image.Image, cols, rows int, guide *Guide) []byte {
	r.buf = r.buf[:0]
	if img == nil || cols <= 0 || rows <= 0 {
		return r.buf
	}
	b := img.Bounds()
	W, H := b.Dx(), b.Dy()
	if W <= 0 || H <= 0 {
		return r.buf
	}
	pw := cols
	ph := pw * H / W
	if ph > 2*rows {
		ph = 2 * rows
		pw = max(1, ph*W/H)
	}
	ph = max(ph, 2)
	pad := (cols - pw) / 2
	var gx0, gy0, gx1, gy1 int
	if guide != nil {
		gx0, gx1 = int(guide.X0*float64(pw)), min(pw-1, int(guide.X1*float64(pw)))
		gy0, gy1 = int(guide.Y0*float64(ph)), min(ph-1, int(guide.Y1*float64(ph)))
	}
	onGuide := func(x, y int) bool {
		if guide == nil {
			return false
		}
		inX := x >= gx0 && x <= gx1
		inY := y >= gy0 && y <= gy1
		return (inX && (y == gy0 || y == gy1)) || (inY && (x == gx0 || x == gx1))
	}
	gr, gg, gb := uint8(255), uint8(190), uint8(0)
	if guide != nil && guide.OK {
		gr, gg, gb = 40, 220, 90
	}
	smp := newSampler(img)
	for cy := 0; cy < (ph+1)/2; cy++ {
		for i := 0; i < pad; i++ {
			r.buf = append(r.buf, ' ')
		}
		var lastF, lastB [3]uint8
		first := true
		for x := 0; x < pw; x++ {
			sx0, sx1 := b.Min.X+x*W/pw, b.Min.X+(x+1)*W/pw
			y0, y1 := 2*cy, 2*cy+1
			var top, bot [3]uint8
			for k, py := range [2]int{y0, y1} {
				c := &top
				if k == 1 {
					c = &bot
				}
				if py >= ph {
					*c = [3]uint8{0, 0, 0}
					continue
				}
				if onGuide(x, py) {
					*c = [3]uint8{gr, gg, gb}
					continue
				}
				sy0, sy1 := b.Min.Y+py*H/ph, b.Min.Y+(py+1)*H/ph
				*c = smp.at(sx0, sy0, sx1, sy1)
			}
			switch r.Profile {
			case termenv.TrueColor:
				if first || top != lastF {
					r.buf = append(r.buf, "\x1b[38;2;"...)
					r.buf = appendRGB(r.buf, top)
					r.buf = append(r.buf, 'm')
				}
				if first || bot != lastB {
					r.buf = append(r.buf, "\x1b[48;2;"...)
					r.buf = appendRGB(r.buf, bot)
					r.buf = append(r.buf, 'm')
				}
				r.buf = append(r.buf, "▀"...)
			case termenv.ANSI256:
				if first || top != lastF {
					r.buf = append(r.buf, "\x1b[38;5;"...)
					r.buf = strconv.AppendInt(r.buf, int64(grey256(top)), 10)
					r.buf = append(r.buf, 'm')
				}
				if first || bot != lastB {
					r.buf = append(r.buf, "\x1b[48;5;"...)
					r.buf = strconv.AppendInt(r.buf, int64(grey256(bot)), 10)
					r.buf = append(r.buf, 'm')
				}
				r.buf = append(r.buf, "▀"...)
			case termenv.ANSI:
				if first || top != lastF || bot != lastB {
					r.buf = append(r.buf, "\x1b["...)
					r.buf = append(r.buf, ansi16(top, ansiFG, "33", "32")...)
					r.buf = append(r.buf, ';')
					r.buf = append(r.buf, ansi16(bot, ansiBG, "43", "42")...)
					r.buf = append(r.buf, 'm')
				}
				r.buf = append(r.buf, "▀"...)
			default: // Ascii: characters only
				if isGuide(top) || isGuide(bot) {
					r.buf = append(r.buf, '+')
				} else {
					l := (int(luma(top)) + int(luma(bot))) / 2
					r.buf = append(r.buf, asciiRamp[l*len(asciiRamp)/256])
				}
			}
			lastF, lastB, first = top, bot, false
		}
		if r.Profile != termenv.Ascii {
			r.buf = append(r.buf, "\x1b[0m"...)
		}
		if cy < (ph+1)/2-1 {
			r.buf = append(r.buf, '\n')
		}
	}
	return r.buf
}

// wipe zeroes the drawing (it shows the visitor's document, coarsely).
func (r *Renderer) wipe() {
	clear(r.buf[:cap(r.buf)])
	r.buf = r.buf[:0]
}

// analysisWidth is the width the analysis works at (about 640 pixels).
const analysisWidth = 640

// The guide colours are exact, so the fallbacks can recognise them.
func isGuide(c [3]uint8) bool {
	return c == [3]uint8{255, 190, 0} || c == [3]uint8{40, 220, 90}
}

func luma(c [3]uint8) uint8 {
	return uint8((19595*uint32(c[0]) + 38470*uint32(c[1]) + 7471*uint32(c[2]) + 1<<15) >> 16)
}

// grey256 maps to the 24-step grey ramp of the 256-colour palette (232-255)
// plus black and white; guide colours keep a colour.
func grey256(c [3]uint8) int {
	if c == [3]uint8{255, 190, 0} {
		return 214
	}
	if c == [3]uint8{40, 220, 90} {
		return 41
	}
	l := int(luma(c))
	if l < 4 {
		return 16
	}
	if l > 246 {
		return 231
	}
	return 232 + (l-4)*24/243
}

func ansi16(c [3]uint8, greys [4]string, amber, green string) string {
	if c == [3]uint8{255, 190, 0} {
		return amber
	}
	if c == [3]uint8{40, 220, 90} {
		return green
	}
	return greys[int(luma(c))*4/256]
}

func appendRGB(b []byte, c [3]uint8) []byte {
	b = strconv.AppendInt(b, int64(c[0]), 10)
	b = append(b, ';')
	b = strconv.AppendInt(b, int64(c[1]), 10)
	b = append(b, ';')
	return strconv.AppendInt(b, int64(c[2]), 10)
}

// sampler averages four points of a source rectangle. Camera frames
// (*image.YCbCr, *image.Gray) are read from their planes directly. A
// struct with a type switch rather than closures, so a render allocates
// nothing.
type sampler struct {
	ycc  *image.YCbCr
	gray *image.Gray
	rgba *image.RGBA
	img  image.Image
}

func newSampler(img image.Image) sampler {
	s := sampler{img: img}
	switch m := img.(type) {
	case *image.YCbCr:
		s.ycc = m
	case *image.Gray:
		s.gray = m
	case *image.RGBA:
		s.rgba = m
	}
	return s
}

func (s *sampler) at(x0, y0, x1, y1 int) [3]uint8 {
	dx, dy := max(x1-x0, 1), max(y1-y0, 1)
	xa, xb, ya, yb := x0+dx/4, x0+3*dx/4, y0+dy/4, y0+3*dy/4
	switch {
	case s.ycc != nil:
		m := s.ycc
		var yy, cb, cr int
		for _, p := range [4][2]int{{xa, ya}, {xb, ya}, {xa, yb}, {xb, yb}} {
			yy += int(m.Y[m.YOffset(p[0], p[1])])
			ci := m.COffset(p[0], p[1])
			cb += int(m.Cb[ci])
			cr += int(m.Cr[ci])
		}
		r, g, b := color.YCbCrToRGB(uint8(yy/4), uint8(cb/4), uint8(cr/4))
		return [3]uint8{r, g, b}
	case s.gray != nil:
		m := s.gray
		l := (int(m.Pix[m.PixOffset(xa, ya)]) + int(m.Pix[m.PixOffset(xb, ya)]) +
			int(m.Pix[m.PixOffset(xa, yb)]) + int(m.Pix[m.PixOffset(xb, yb)]) + 2) / 4
		return [3]uint8{uint8(l), uint8(l), uint8(l)}
	case s.rgba != nil:
		m := s.rgba
		var t [3]int
		for _, p := range [4][2]int{{xa, ya}, {xb, ya}, {xa, yb}, {xb, yb}} {
			o := m.PixOffset(p[0], p[1])
			t[0] += int(m.Pix[o])
			t[1] += int(m.Pix[o+1])
			t[2] += int(m.Pix[o+2])
		}
		return [3]uint8{uint8(t[0] / 4), uint8(t[1] / 4), uint8(t[2] / 4)}
	}
	r, g, b, _ := s.img.At(xa, ya).RGBA()
	return [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}
}

// RenderStill draws a still image (e.g. the captured photo for review)
// into at most cols×rows cells for the given colour profile.
func RenderStill(img image.Image, cols, rows int, p termenv.Profile) string {
	r := Renderer{Profile: p}
	return string(r.Render(img, cols, rows, nil))
}

// RenderJPEG decodes a JPEG (or PNG) and draws it like RenderStill, for a
// parent screen that only holds the bytes.
func RenderJPEG(data []byte, cols, rows int, p termenv.Profile) (string, error) {
	img, err := camera.DecodeImage(data)
	if err != nil {
		return "", err
	}
	return RenderStill(img, cols, rows, p), nil
}
