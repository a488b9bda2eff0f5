package quality

import (
	"image"
	"image/color"
	"math"
)

// face judges a frame in Face mode: light on the face and its framing.
// The face is found by skin chroma (Cb 77-127, Cr 133-173, Chai & Ngan
// 1999): chroma, unlike brightness, hardly changes with skin tone or light
// level. The largest skin-coloured blob is taken as the face.
func (a *Analyzer) face(img image.Image, r *Result) {
	m := &r.Metrics
	a.skinMask(img)
	blobArea, bx0, by0, bx1, by1, sx, sy := a.largestSkin()
	frame := float64(a.cw * a.ch)
	if float64(blobArea) >= faceMinBlob*frame {
		m.Found = true
		m.Fill = float64(blobArea) / frame
		m.CX = (float64(sx)/float64(blobArea) + 0.5) / float64(a.cw)
		m.CY = (float64(sy)/float64(blobArea) + 0.5) / float64(a.ch)
		m.Aspect = float64(by1-by0+1) / float64(a.ch) // face height over frame height
	}
	// Light first, on the centre of the frame where the face should be:
	// under- or over-exposure also hides the skin colour, so when the light
	// is wrong that is all the visitor is told.
	cx0, cx1 := a.fw*30/100, a.fw*70/100
	cy0, cy1 := a.fh*20/100, a.fh*80/100
	mean, satFrac := a.stats(cx0, cy0, cx1, cy1)
	m.Mean, m.Saturated = mean, satFrac
	// Surround: the outer sixth of the frame (left, right, top).
	var bs, bn int
	for y := 0; y < a.ch; y++ {
		for x := 0; x < a.cw; x++ {
			if x < a.cw/6 || x >= a.cw*5/6 || y < a.ch/6 {
				bs += int(a.coarse[y*a.cw+x])
				bn++
			}
		}
	}
	surround := float64(bs) / float64(max(bn, 1))
	switch {
	case mean < darkMean || surround-mean > faceBacklight:
		r.Problems = r.Problems.Add(TooDark)
	case mean > brightMean-15 || satFrac > 0.05:
		r.Problems = r.Problems.Add(TooBright)
	}
	if !r.Problems.Empty() {
		return
	}
	if !m.Found {
		r.Problems = r.Problems.Add(NoFace)
		return
	}
	k := a.k2
	x0, x1 := k*bx0, min(k*bx1+k, a.fw)
	y0, y1 := k*by0, min(k*by1+k, a.fh)
	m.LaplacianVar, m.Sharpness = a.sharpness(x0, y0, x1, y1)
	h := m.Aspect
	switch {
	case h < faceMinHeight:
		r.Problems = r.Problems.Add(TooFar)
	case h > faceMaxHeight:
		r.Problems = r.Problems.Add(TooClose)
	case math.Abs(m.CX-0.5) > faceMaxOffX || m.CY < 0.2 || m.CY > 0.7:
		r.Problems = r.Problems.Add(OffCentre)
	}
	if m.Sharpness < minFaceSharpness {
		r.Problems = r.Problems.Add(Blurry)
	}
}

// stats returns the mean grey level and the clipped fraction of a box of
// the fine image.
func (a *Analyzer) stats(x0, y0, x1, y1 int) (mean, sat float64) {
	var s, n, c int
	for y := y0; y < y1; y++ {
		for _, v := range a.fine[y*a.fw+x0 : y*a.fw+x1] {
			s += int(v)
			if v >= satLevel {
				c++
			}
			n++
		}
	}
	n = max(n, 1)
	return float64(s) / float64(n), float64(c) / float64(n)
}

// skinMask marks skin-coloured pixels of the coarse grid in a.lab (1 skin,
// 0 not), sampling one pixel per coarse cell.
func (a *Analyzer) skinMask(img image.Image) {
	b := img.Bounds()
	W, H := b.Dx(), b.Dy()
	for y := 0; y < a.ch; y++ {
		sy := b.Min.Y + (2*y+1)*H/(2*a.ch)
		for x := 0; x < a.cw; x++ {
			sx := b.Min.X + (2*x+1)*W/(2*a.cw)
			var cb, cr uint8
			switch m := img.(type) {
			case *image.YCbCr:
				ci := m.COffset(sx, sy)
				cb, cr = m.Cb[ci], m.Cr[ci]
			case *image.RGBA:
				o := m.PixOffset(sx, sy)
				_, cb, cr = color.RGBToYCbCr(m.Pix[o], m.Pix[o+1], m.Pix[o+2])
			default:
				rr, gg, bb, _ := img.At(sx, sy).RGBA()
				_, cb, cr = color.RGBToYCbCr(uint8(rr>>8), uint8(gg>>8), uint8(bb>>8))
			}
			v := int32(0)
			if cb >= 77 && cb <= 127 && cr >= 133 && cr <= 173 {
				v = 1
			}
			a.lab[y*a.cw+x] = v
		}
	}
}

// largestSkin labels the skin blobs (4-connected) and returns the largest:
// area, bounding box and coordinate sums.
func (a *Analyzer) largestSkin() (area, x0, y0, x1, y1, sx, sy int) {
	cw, ch := a.cw, a.ch
	lab := a.lab
	label := int32(1)
	for start := range lab {
		if lab[start] != 1 {
			continue
		}
		label++
		q := a.queue[:0]
		lab[start] = label
		q = append(q, int32((start/cw)<<16|start%cw))
		bx0, by0, bx1, by1, bsx, bsy := cw, ch, 0, 0, 0, 0
		visit := func(x, y int) {
			if i := y*cw + x; lab[i] == 1 {
				lab[i] = label
				q = append(q, int32(y<<16|x))
			}
		}
		for h := 0; h < len(q); h++ {
			x, y := int(q[h]&0xffff), int(q[h]>>16)
			bsx += x
			bsy += y
			bx0, by0, bx1, by1 = min(bx0, x), min(by0, y), max(bx1, x), max(by1, y)
			if x > 0 {
				visit(x-1, y)
			}
			if x < cw-1 {
				visit(x+1, y)
			}
			if y > 0 {
				visit(x, y-1)
			}
			if y < ch-1 {
				visit(x, y+1)
			}
		}
		// A skin-coloured blob nearly as wide as the frame is a wooden
		// wall or desk, not a face (even a face too close is narrower).
		if len(q) > area && bx1-bx0 < cw*85/100 {
			area, x0, y0, x1, y1, sx, sy = len(q), bx0, by0, bx1, by1, bsx, bsy
		}
		a.queue = q[:0]
	}
	return
}
