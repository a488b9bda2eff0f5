package console

import (
	"image"
	"strconv"
)

// asciiRamp shades cells from dark to light on terminals without colour.
const asciiRamp = " .:-=+*#%@"

// halfBlock draws images in grey within cols×rows terminal cells. With
// colour, each cell is "▀" with the upper pixel as foreground and the lower
// as background (two square-ish pixels per cell, from the 256-colour grey
// ramp); without colour (ascii) each cell is a character of asciiRamp. The
// picture keeps its aspect ratio and is nearest-neighbour sampled, which is
// enough to check framing and focus from a remote terminal. It keeps its
// output buffer: drawing a camera frame (*image.Gray) allocates nothing
// once the buffer has grown. Not safe for concurrent use.
type halfBlock struct {
	buf []byte
}

// render draws img; the result is valid until the next call.
func (h *halfBlock) render(img image.Image, cols, rows int, ascii bool) []byte {
	h.buf = h.buf[:0]
	if img == nil || cols <= 0 || rows <= 0 {
		return h.buf
	}
	b := img.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return h.buf
	}
	// Output pixel grid: cols wide, 2*rows tall.
	pw, ph := cols, rows*2
	if b.Dx()*ph > b.Dy()*pw {
		ph = max(2, b.Dy()*pw/b.Dx())
	} else {
		pw = max(1, b.Dx()*ph/b.Dy())
	}
	grey := func(x, y int) int {
		sx := b.Min.X + x*b.Dx()/pw
		sy := b.Min.Y + y*b.Dy()/ph
		if g, ok := img.(*image.Gray); ok {
			return int(g.Pix[g.PixOffset(sx, sy)])
		}
		r, gg, bl, _ := img.At(sx, sy).RGBA()
		return int((299*r + 587*gg + 114*bl) / 1000 >> 8)
	}
	for y := 0; y < ph; y += 2 {
		if y > 0 {
			h.buf = append(h.buf, '\n')
		}
		lastFG, lastBG := -1, -1
		for x := range pw {
			top := grey(x, y)
			bot := top
			if y+1 < ph {
				bot = grey(x, y+1)
			}
			if ascii {
				h.buf = append(h.buf, asciiRamp[(top+bot)/2*len(asciiRamp)/256])
				continue
			}
			fg, bg := grey256(top), grey256(bot)
			if fg != lastFG {
				h.buf = append(h.buf, "\x1b[38;5;"...)
				h.buf = strconv.AppendInt(h.buf, int64(fg), 10)
				h.buf = append(h.buf, 'm')
				lastFG = fg
			}
			if bg != lastBG {
				h.buf = append(h.buf, "\x1b[48;5;"...)
				h.buf = strconv.AppendInt(h.buf, int64(bg), 10)
				h.buf = append(h.buf, 'm')
				lastBG = bg
			}
			h.buf = append(h.buf, "▀"...)
		}
		if !ascii {
			h.buf = append(h.buf, "\x1b[0m"...)
		}
	}
	return h.buf
}

// renderHalfBlock draws img into a new string (see halfBlock).
func renderHalfBlock(img image.Image, cols, rows int, ascii bool) string {
	var h halfBlock
	return string(h.render(img, cols, rows, ascii))
}

// privacyCells is how many blocks wide the preview is cut into while a
// visitor is at the kiosk: enough to see the light and where things are,
// far too coarse to read a document or recognise a face.
const privacyCells = 8

// coarsen averages src into cells×n blocks (n keeping the aspect), written
// into dst (its pixels reused), and returns dst.
func coarsen(dst, src *image.Gray, cells int) *image.Gray {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	cw := min(cells, w)
	ch := max(1, min(h, cw*h/max(1, w)))
	if cap(dst.Pix) < cw*ch {
		dst.Pix = make([]byte, cw*ch)
	}
	dst.Pix, dst.Stride, dst.Rect = dst.Pix[:cw*ch], cw, image.Rect(0, 0, cw, ch)
	for cy := range ch {
		y0, y1 := cy*h/ch, (cy+1)*h/ch
		for cx := range cw {
			x0, x1 := cx*w/cw, (cx+1)*w/cw
			sum := 0
			for y := y0; y < y1; y++ {
				row := src.Pix[src.PixOffset(b.Min.X+x0, b.Min.Y+y):]
				for _, v := range row[:x1-x0] {
					sum += int(v)
				}
			}
			dst.Pix[cy*cw+cx] = uint8(sum / max(1, (x1-x0)*(y1-y0)))
		}
	}
	return dst
}

// grey256 maps a 0–255 luminance to the xterm 256-colour palette: 16 is
// black, 231 white, 232–255 the 24 greys from 8 to 238 in steps of 10.
func grey256(l int) int {
	switch {
	case l < 4:
		return 16
	case l > 246:
		return 231
	}
	i := (l - 3) / 10
	return 232 + min(i, 23)
}

// preview is the Devices tab's live camera picture: the buffers it draws
// with, reused from one refresh to the next.
type preview struct {
	grey   image.Gray
	coarse image.Gray
	hb     halfBlock
	// frame is the last drawing (hb's buffer); empty when there is none.
	frame []byte
	// hidden: a visitor was at the kiosk, so frame is the coarse mosaic.
	hidden bool
}

// refresh draws the camera's latest frame into cols×rows cells. While a
// visitor is at the kiosk (visitor, or no status to tell) only a mosaic
// privacyCells blocks wide is drawn: the technician sees the light and the
// framing, never a readable document or a face.
func (p *preview) refresh(cam Camera, visitor bool, cols, rows int, ascii bool) {
	p.hidden = visitor
	img := cam.LatestFrame(&p.grey)
	if img == nil {
		p.frame = p.frame[:0]
		return
	}
	if visitor {
		img = coarsen(&p.coarse, img, privacyCells)
	}
	p.frame = p.hb.render(img, cols, rows, ascii)
}

// clear forgets the drawing (preview stopped, tab left).
func (p *preview) clear() {
	clear(p.hb.buf)
	p.frame = p.frame[:0]
	p.hidden = false
}
