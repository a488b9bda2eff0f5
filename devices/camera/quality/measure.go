package quality

import (
	"encoding/binary"
	"math"
)

// sharpness returns the variance of the 4-neighbour Laplacian over the box
// (fine-image pixels) and the noise-corrected ratio of that variance to the
// grey-level variance. Sensor noise of σ adds 20σ² to the Laplacian's
// variance (kernel weights 4,-1,-1,-1,-1) and would make a blurred, noisy
// frame look sharp; σ is estimated from the median absolute Laplacian
// (most pixels of a card are flat print background, where the Laplacian is
// noise alone) and its share is removed from both variances.
func (a *Analyzer) sharpness(x0, y0, x1, y1 int) (lapVar, ratio float64) {
	fw := a.fw
	// Neighbours d pixels apart: the Laplacian of a ~640-wide image
	// whatever the fine image's width, so the face's thresholds hold.
	d := max(1, (a.fw+320)/640)
	if a.Mode != Face {
		// For a card it is a figure for the record, not the verdict:
		// every other pixel of every other row is enough.
		d *= 2
	}
	x0, y0 = max(x0, d), max(y0, d)
	x1, y1 = min(x1, a.fw-d), min(y1, a.fh-d)
	if x1-x0 < 4 || y1-y0 < 4 {
		return 0, 0
	}
	hist := &a.lapHst
	for i := range hist {
		hist[i] = 0
	}
	var sl, sll, sg, sgg int64
	for y := y0; y < y1; y += d {
		row := a.fine[y*fw : (y+1)*fw]
		up := a.fine[(y-d)*fw : (y-d+1)*fw]
		dn := a.fine[(y+d)*fw : (y+d+1)*fw]
		for x := x0; x < x1; x += d {
			c := int64(row[x])
			l := 4*c - int64(row[x-d]) - int64(row[x+d]) - int64(up[x]) - int64(dn[x])
			sl += l
			sll += l * l
			sg += c
			sgg += c * c
			al := l
			if al < 0 {
				al = -al
			}
			hist[min(al, int64(len(hist)-1))]++
		}
	}
	n := float64(((x1 - x0 + d - 1) / d) * ((y1 - y0 + d - 1) / d))
	ml, mg := float64(sl)/n, float64(sg)/n
	lapVar = float64(sll)/n - ml*ml
	gv := float64(sgg)/n - mg*mg
	half, acc, med := int(n)/2, 0, 0
	for i, c := range hist {
		acc += int(c)
		if acc > half {
			med = i
			break
		}
	}
	// For Gaussian noise the median of |L| is 0.674 σ_L. Integer Laplacian
	// values make a median of 0 or 1 mean "no measurable noise".
	sigL := float64(med) / 0.674
	if med <= 1 {
		sigL = 0
	}
	nv := sigL * sigL
	num := max(lapVar-nv, 0)
	den := max(gv-nv/20, 1)
	return lapVar, num / den
}

// homography is the projective map from the unit square to a
// quadrilateral (Heckbert 1989): (u, v) in [0,1]² → the corners p0 (0,0),
// p1 (1,0), p2 (1,1), p3 (0,1). A card seen at an angle is such an image
// of its rectangle.
type homography [9]float64

func squareToQuad(p [4][2]float64) (h homography) {
	x0, y0 := p[0][0], p[0][1]
	x1, y1 := p[1][0], p[1][1]
	x2, y2 := p[2][0], p[2][1]
	x3, y3 := p[3][0], p[3][1]
	sx := x0 - x1 + x2 - x3
	sy := y0 - y1 + y2 - y3
	if math.Abs(sx) < 1e-9 && math.Abs(sy) < 1e-9 {
		return homography{x1 - x0, x3 - x0, x0, y1 - y0, y3 - y0, y0, 0, 0, 1}
	}
	dx1, dx2 := x1-x2, x3-x2
	dy1, dy2 := y1-y2, y3-y2
	den := dx1*dy2 - dx2*dy1
	if math.Abs(den) < 1e-12 {
		return homography{x1 - x0, x3 - x0, x0, y1 - y0, y3 - y0, y0, 0, 0, 1}
	}
	g := (sx*dy2 - dx2*sy) / den
	hh := (dx1*sy - sx*dy1) / den
	return homography{x1 - x0 + g*x1, x3 - x0 + hh*x3, x0, y1 - y0 + g*y1, y3 - y0 + hh*y3, y0, g, hh, 1}
}

// resample draws the object upright into a.thumb (nearest pixel of the
// fine image) through the perspective map of its outline: corners in fine
// pixels, p0-p1 a long side.
func (a *Analyzer) resample(p [4][2]float64) {
	h := squareToQuad(p)
	fw, fh, fine := a.fw, a.fh, a.fine
	// The map exactly at every thumbStep-th column and linearly between:
	// over a few columns the perspective's curvature is far under a
	// pixel.
	var kx, ky [thumbW/thumbStep + 1]float64
	for j := 0; j < thumbH; j++ {
		v := (float64(j) + 0.5) / thumbH
		x0, y0, w0 := h[1]*v+h[2], h[4]*v+h[5], h[7]*v+h[8]
		for k := range kx {
			u := (float64(k*thumbStep) + 0.5) / thumbW
			iw := 1 / (h[6]*u + w0)
			kx[k], ky[k] = (h[0]*u+x0)*iw, (h[3]*u+y0)*iw
		}
		out := a.thumb[j*thumbW : (j+1)*thumbW]
		for k := 0; k < thumbW/thumbStep; k++ {
			fx, fy := kx[k], ky[k]
			sx, sy := (kx[k+1]-fx)/thumbStep, (ky[k+1]-fy)/thumbStep
			for i := range out[k*thumbStep : (k+1)*thumbStep] {
				x := min(max(int(fx), 0), fw-1)
				y := min(max(int(fy), 0), fh-1)
				out[k*thumbStep+i] = fine[y*fw+x]
				fx += sx
				fy += sy
			}
		}
	}
}

// thumbStep: columns of the thumbnail between exact points of the map.
const thumbStep = 8

// spans walks the rows of an image of w×h crossed by the convex
// outline p (its pixels), every step-th row, giving for each the columns
// [x0, x1) inside it. An iterator rather than a callback, so that the
// pixel loops stay in their caller's registers.
type spans struct {
	p            [4][2]float64
	w, y, y1, dy int
}

func newSpans(p [4][2]float64, w, h, step int) spans {
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for _, c := range p {
		ymin, ymax = min(ymin, c[1]), max(ymax, c[1])
	}
	return spans{p: p, w: w, y: max(int(math.Ceil(ymin)), 0), y1: min(int(math.Floor(ymax)), h-1), dy: step}
}

// next returns the next row crossed and its span; ok is false at the end.
func (s *spans) next() (y, x0, x1 int, ok bool) {
	for ; s.y <= s.y1; s.y += s.dy {
		y = s.y
		fy := float64(y) + 0.5
		lo, hi := math.Inf(1), math.Inf(-1)
		for k := 0; k < 4; k++ {
			pa, pb := s.p[k], s.p[(k+1)%4]
			if (pa[1] <= fy) == (pb[1] <= fy) {
				continue
			}
			x := pa[0] + (fy-pa[1])*(pb[0]-pa[0])/(pb[1]-pa[1])
			lo, hi = min(lo, x), max(hi, x)
		}
		if hi <= lo {
			continue
		}
		x0 = max(int(math.Ceil(lo)), 0)
		x1 = min(int(math.Floor(hi))+1, s.w)
		if x1 > x0 {
			s.y += s.dy
			return y, x0, x1, true
		}
	}
	return 0, 0, 0, false
}

// shrink moves the corners towards the centre by the fraction f.
func shrink(p [4][2]float64, f float64) [4][2]float64 {
	var cx, cy float64
	for _, c := range p {
		cx += c[0] / 4
		cy += c[1] / 4
	}
	for i := range p {
		p[i][0] = cx + (p[i][0]-cx)*(1-f)
		p[i][1] = cy + (p[i][1]-cy)*(1-f)
	}
	return p
}

// light measures the object's exposure over its inner part (fine
// pixels): mean, white level (the 75th percentile: the card's background
// print, which fingers over the card and dark print do not pull down),
// the fraction of clipped pixels, and the spread of grey levels (print).
// Every other row: tens of thousands of pixels for a card at the least
// size it is judged at, and a glare spot (1 % of the card) is rows tall.
func (a *Analyzer) light(p [4][2]float64) (mean, white, sat, sd float64) {
	hist := &a.hist
	for i := range hist {
		hist[i] = 0
	}
	// Two histograms, alternate pixels: runs of one grey level (the
	// card's plain background) would otherwise queue on one counter.
	var h2 [256]int32
	sp := newSpans(shrink(p, 0.06), a.fw, a.fh, 2)
	for {
		y, x0, x1, ok := sp.next()
		if !ok {
			break
		}
		row := a.fine[y*a.fw+x0 : y*a.fw+x1]
		for len(row) >= 2 {
			hist[row[0]]++
			h2[row[1]]++
			row = row[2:]
		}
		if len(row) == 1 {
			hist[row[0]]++
		}
	}
	for i, c := range h2 {
		hist[i] += c
	}
	var n, s, ss int
	for v, c := range hist {
		n += int(c)
		s += v * int(c)
		ss += v * v * int(c)
	}
	if n == 0 {
		return 0, 0, 0, 0
	}
	mean = float64(s) / float64(n)
	sd = math.Sqrt(max(float64(ss)/float64(n)-mean*mean, 0))
	acc, q := 0, n*3/4
	for v, c := range hist {
		acc += int(c)
		if acc > q {
			white = float64(v)
			break
		}
	}
	var c int
	for v := satLevel; v < 256; v++ {
		c += int(hist[v])
	}
	return mean, white, float64(c) / float64(n), sd
}

// blur estimates the defocus or motion spread (Gaussian σ, fine pixels)
// of the print inside the outline by re-blurring (Zhuo & Sim 2011, as used
// for defocus maps): at a step edge blurred by σ, the ratio of the
// gradient to the gradient after a further blur of known σ₀ depends on σ
// alone, not on the edge's contrast. It is taken across the strongest
// edges of the print — local maxima of the horizontal derivative where the
// edge is within 27° of vertical, and the same for the vertical
// derivative — with a 1-4-6-4-1 re-blur (σ₀ = 1) along the derivative.
// The median per direction gives σ (blurTable); the worse direction is
// kept, so motion blur along one axis counts fully. A direction with
// almost no crisp edge while the other has many is smeared (the print has
// edges both ways); a print with no crisp edge at all is blurred.
func (a *Analyzer) blur(p [4][2]float64) (sigma float64, edges int) {
	return a.blurIn(a.fine, a.fw, a.fh, p)
}

// blurIn is blur on an image g of fw×fh (corners p in its pixels).
func (a *Analyzer) blurIn(g []uint8, fw, fh int, p [4][2]float64) (sigma float64, edges int) {
	hx, hy := &a.ratioX, &a.ratioY
	for i := range hx {
		hx[i], hy[i] = 0, 0
	}
	var nx, ny int
	// Values smoothed 1-2-1 across the derivative's direction (×4): noise
	// on a smeared edge would otherwise make its own, sharp-looking
	// maxima. An edge within 27° of the derivative's axis barely changes.
	// Half the pixels, in a checkerboard of 8×1 blocks: a sharp step is
	// centred on one row (or column) only, and a checkerboard meets every
	// row and every column alike, where every other row would see all of
	// a print's horizontal strokes or none, as they fall.
	sp := newSpans(shrink(p, 0.1), fw, fh, 1)
	for {
		y, x0, x1, ok := sp.next()
		if !ok {
			break
		}
		if y < 5 || y >= fh-5 {
			continue
		}
		x0, x1 = max(x0, 5), min(x1, fw-5)
		if x1 <= x0 {
			continue
		}
		// r, u, d: this row and the rows above and below, from x0-1 to
		// x1 inclusive (the pixel at x is r[x-x0+1]).
		r := g[y*fw+x0-1 : y*fw+x1+1]
		u := g[(y-1)*fw+x0-1 : (y-1)*fw+x1+1]
		d := g[(y+1)*fw+x0-1 : (y+1)*fw+x1+1]
		u, d = u[:len(r)], d[:len(r)]
		cand := a.rowCand[:len(r)]
		nc := 0
		// Blocks of eight columns, every other one, in a checkerboard;
		// a flat block (most of a card: no step of blurMinStep either
		// way) is passed over at once.
		for bx := x0 &^ 7; bx < x1; bx += 8 {
			if (bx>>3+y)&1 != 0 {
				continue
			}
			// The centre x is r[j-1] for j = x-x0+2.
			j0, j1 := max(bx, x0)-x0+2, min(bx+8, x1)-x0+2
			if j1-j0 == 8 && flat8(r[j0:j0+8], r[j0-2:j0+6]) && flat8(d[j0-1:j0+7], u[j0-1:j0+7]) {
				continue
			}
			// The block's candidates, without branches: x-steps (bit 0
			// clear) and y-steps (bit 0 set).
			for j := j0; j < j1; j++ {
				dx := abs32(int32(r[j]) - int32(r[j-2]))
				dy := abs32(int32(d[j-1]) - int32(u[j-1]))
				cx := b2i(dx >= blurMinStep) & b2i(dx >= 2*dy)
				cy := b2i(dy >= blurMinStep) & b2i(dy >= 2*dx)
				cand[nc] = int32((y*fw+x0+j-2)<<1 | cy)
				nc += cx | cy
			}
		}
		for _, c := range cand[:nc] {
			if i := int(c >> 1); c&1 == 0 {
				// Columns around i, each 1-2-1 down its column.
				if r, ok := stepRatio(g, i, 1, fw); ok {
					hx[r]++
					nx++
				}
			} else if r, ok := stepRatio(g, i, fw, 1); ok {
				hy[r]++
				ny++
			}
		}
	}
	edges = nx + ny
	sx, sy := smeared, smeared
	if nx >= blurMinEdges {
		sx = blurOfRatio(medianBin(hx[:], nx))
	}
	if ny >= blurMinEdges {
		sy = blurOfRatio(medianBin(hy[:], ny))
	}
	lo, hi := min(nx, ny), max(nx, ny)
	if a.Mode == Document {
		// A page of text has edges mostly one way (the lines) and few
		// steps at all at the size a sheet is seen: only the medians
		// count, and the steepest-slope test catches real blur.
		switch {
		case hi < blurMinEdges:
			return -1, edges
		case lo < blurMinEdges:
			if nx < blurMinEdges {
				return sy, edges
			}
			return sx, edges
		}
		return max(sx, sy), edges
	}
	switch {
	case hi < blurMinEdges:
		return smeared, edges
	case lo*10 < hi*3 && hi >= 4*blurMinEdges:
		// Print has edges both ways in like numbers (0.5-2 to 1 on
		// cards and sheets); motion leaves the edges across it too soft
		// to count.
		return smeared, edges
	case lo < blurMinEdges:
		// Too little print to tell a smeared direction from a bare one:
		// judge on the direction that has edges.
		if nx < blurMinEdges {
			return sy, edges
		}
		return sx, edges
	}
	return max(sx, sy), edges
}

// steepest returns the print's steepest slope against its contrast: the
// 99th percentile of the gradient magnitude (grey levels per fine pixel,
// Sobel) over the spread between its 5th and 95th grey-level
// percentiles. A step blurred by σ rises at most 0.4/σ of its height per
// pixel, whatever the print; a sharp step reaches the derivative's own
// limit, ~0.5. Unlike the re-blur ratio it needs no crisp edge at all, so
// it sees heavy blur and motion smear that JPEG blocks would otherwise
// hide.
func (a *Analyzer) steepest(p [4][2]float64) float64 {
	gh, lh := &a.gradHist, &a.hist
	for i := range gh {
		gh[i] = 0
	}
	for i := range lh {
		lh[i] = 0
	}
	fw, g := a.fw, a.fine
	n := 0
	// Every third pixel of every third row: the steepest slopes are
	// found all the same (their 99th percentile over thousands of
	// samples), at a ninth of the work.
	sp := newSpans(shrink(p, 0.1), fw, a.fh, 3)
	for {
		y, x0, x1, ok := sp.next()
		if !ok {
			break
		}
		if y < 2 || y >= a.fh-2 {
			continue
		}
		x0, x1 = max(x0, 2), min(x1, fw-2)
		if x1 <= x0 {
			continue
		}
		up := g[(y-1)*fw : y*fw]
		row := g[y*fw : (y+1)*fw]
		dn := g[(y+1)*fw : (y+2)*fw]
		for x := x0; x < x1; x += 3 {
			u, r, d := up[x-1:x+2], row[x-1:x+2], dn[x-1:x+2]
			cx := int32(u[2]) + 2*int32(r[2]) + int32(d[2]) - int32(u[0]) - 2*int32(r[0]) - int32(d[0])
			cy := int32(d[0]) + 2*int32(d[1]) + int32(d[2]) - int32(u[0]) - 2*int32(u[1]) - int32(u[2])
			// |∇|·8 ≈ max + min/2 (within 12 %), in quarter grey levels
			ax, ay := abs32(cx), abs32(cy)
			m := max(ax, ay) + min(ax, ay)/2
			gh[min(int(m/2), len(gh)-1)]++
			lh[r[1]]++
			n++
		}
	}
	if n == 0 {
		return 0
	}
	pct := func(h []int32, q int) int {
		acc := 0
		for i, c := range h {
			acc += int(c)
			if acc*100 >= q*n {
				return i
			}
		}
		return len(h) - 1
	}
	slope := float64(pct(gh[:], 99)) / 4 // grey levels per pixel
	contrast := float64(pct(lh[:], 95) - pct(lh[:], 5))
	return slope / max(contrast, 1)
}

const (
	// blurMinStep: a derivative (over two pixels) of 16 grey levels marks
	// print, well above noise.
	blurMinStep = 16
	// blurMinEdges: fewer edge samples than this in a direction say the
	// print is smeared that way.
	blurMinEdges = 30
	// ratio bins: R in [1, 1.75) by 1/512.
	ratioBins = 384
	// smeared: the σ reported when no crisp edge is left.
	smeared = 8.0
)

// flat8 reports whether the eight bytes of a and b (8 long) are all
// within blurMinStep-1 of each other: in 16-bit lanes (even bytes, then
// odd ones) a-b+256, whose bit 15 after adding 2¹⁵-241 says it is at
// least 241 (a-b ≥ -15) and after adding 2¹⁵-272 that it is at least 272
// (a-b ≥ 16). No lane carries into the next.
func flat8(a, b []uint8) bool {
	const (
		lo8 = 0x00ff00ff00ff00ff
		one = 0x0001000100010001
		top = 0x8000800080008000
		ge  = (0x8000 - 256 + blurMinStep - 1) * one
		gt  = (0x8000 - 256 - blurMinStep) * one
	)
	va, vb := binary.LittleEndian.Uint64(a), binary.LittleEndian.Uint64(b)
	e := va&lo8 + 0x100*one - vb&lo8
	o := va>>8&lo8 + 0x100*one - vb>>8&lo8
	return (^(e+ge)|(e+gt)|^(o+ge)|(o+gt))&top == 0
}

// stepRatio looks across a candidate edge at i, along steps of step
// (1: across columns, fw: across rows), at the values smoothed 1-2-1
// across that direction (by across), v[k] at i+(k-4)·step. At the centre
// of a step — the central derivative a local maximum, the difference
// across 6 values going the same way and at least as large (a thin line,
// a noise speck or JPEG ringing comes back to where it started and would
// read as sharper than any edge) — it returns the ratio bin of the
// derivative over the derivative re-blurred 1-4-6-4-1. The values are
// taken as the tests need them: most candidates fail on the first.
func stepRatio(g []uint8, i, step, across int) (bin int, ok bool) {
	v := func(k int) int32 {
		j := i + (k-4)*step
		return int32(g[j-across]) + 2*int32(g[j]) + int32(g[j+across])
	}
	v3, v5 := v(3), v(5)
	d := v5 - v3
	ad := abs32(d)
	if ad < 4*blurMinStep {
		return 0, false
	}
	v2, v4 := v(2), v(4)
	if ad < abs32(v4-v2) {
		return 0, false
	}
	v6 := v(6)
	if ad <= abs32(v6-v4) {
		return 0, false
	}
	v1, v7 := v(1), v(7)
	w := v7 - v1
	if (w > 0) != (d > 0) || abs32(w) < ad {
		return 0, false
	}
	b1 := v3 + 4*v4 + 6*v5 + 4*v6 + v7
	b0 := v1 + 4*v2 + 6*v3 + 4*v4 + v5
	db := abs32(b1 - b0)
	if db == 0 {
		return 0, false
	}
	return ratioBin(float64(16*ad) / float64(db)), true
}

// abs32 is |v|, without a branch: the sign of a gradient is a coin toss.
func abs32(v int32) int32 {
	m := v >> 31
	return v ^ m - m
}

func ratioBin(r float64) int {
	b := int((r - 1) * 512)
	return min(max(b, 0), ratioBins-1)
}

func medianBin(h []int32, n int) float64 {
	acc := 0
	for i, c := range h {
		acc += int(c)
		if acc*2 > n {
			return 1 + (float64(i)+0.5)/512
		}
	}
	return 1
}

// blurTable is the median gradient ratio R at the strongest point of a
// sampled step edge blurred by a Gaussian of σ (pixels), for the central
// difference and the 1-4-6-4-1 re-blur, over all sub-pixel positions of
// the edge and with each pixel integrating its square (computed
// numerically; devices/camera/testdata has no sample this depends on).
var blurTable = [...][2]float64{
	{0, 1.600}, {0.3, 1.572}, {0.5, 1.506}, {0.7, 1.419}, {0.9, 1.336},
	{1.1, 1.267}, {1.3, 1.214}, {1.5, 1.178}, {1.75, 1.138}, {2, 1.110},
	{2.5, 1.074}, {3, 1.053}, {3.5, 1.039}, {4, 1.030}, {5, 1.020},
	{6, 1.014}, {8, 1.008},
}

// blurOfRatio inverts blurTable by linear interpolation.
func blurOfRatio(r float64) float64 {
	if r >= blurTable[0][1] {
		return 0
	}
	for i := 1; i < len(blurTable); i++ {
		if r >= blurTable[i][1] {
			s0, r0 := blurTable[i-1][0], blurTable[i-1][1]
			s1, r1 := blurTable[i][0], blurTable[i][1]
			return s0 + (s1-s0)*(r0-r)/(r0-r1)
		}
	}
	return smeared
}

// mrzScore looks for the machine-readable zone: three lines of dense,
// evenly spaced characters across the whole width of the card's bottom
// third. Print on a DNI's front is either a photo (few ink edges) or
// data lines on the right half only, so at least one of the eight column
// bins of its bottom third is poor in ink edges; the MRZ has edges in all
// of them. The score is the poorest bin's edge density against a printed
// text reference; both ends are tried, the card may be upside down.
func (a *Analyzer) mrzScore() float64 {
	band := func(r0, r1 int) float64 {
		var s, ss int
		for j := r0; j < r1; j++ {
			for i := 0; i < thumbW; i++ {
				v := int(a.thumb[j*thumbW+i])
				s += v
				ss += v * v
			}
		}
		n := (r1 - r0) * thumbW
		mean := float64(s) / float64(n)
		sd := math.Sqrt(max(float64(ss)/float64(n)-mean*mean, 0))
		if sd < 12 {
			// Flat band (or a very dark one): no print to speak of.
			return 0
		}
		// A grey level v is dark when v < mean - sd/2, that is when
		// v < t (integers).
		t := uint8(min(max(math.Ceil(mean-0.5*sd), 0), 255))
		const bins = 8
		i0, i1 := thumbW*4/100, thumbW*96/100
		worst := math.Inf(1)
		for bn := 0; bn < bins; bn++ {
			c0 := i0 + (i1-i0)*bn/bins
			c1 := i0 + (i1-i0)*(bn+1)/bins
			edges := 0
			for j := r0; j < r1; j++ {
				row := a.thumb[j*thumbW+c0 : j*thumbW+c1]
				prev := row[0] < t
				for _, v := range row[1:] {
					d := v < t
					edges += b2i(d != prev)
					prev = d
				}
			}
			dens := float64(edges) / float64((c1-c0)*(r1-r0))
			worst = min(worst, dens)
		}
		// Printed text lines in a third of the card give ~0.12 edges per
		// sample at this scale.
		return min(worst/0.12, 1)
	}
	bot := band(thumbH*64/100, thumbH*97/100)
	top := band(thumbH*3/100, thumbH*36/100)
	return max(bot, top)
}

// signature shrinks the thumbnail to SigW×SigH and normalises it to mean
// 128, σ 40, so light does not change it.
func (a *Analyzer) signature(sig *Signature) {
	const bx, by = thumbW / SigW, thumbH / SigH
	var tmp [SigW * SigH]float64
	var s, ss float64
	for j := 0; j < SigH; j++ {
		for i := 0; i < SigW; i++ {
			var acc int
			for y := 0; y < by; y++ {
				row := a.thumb[(j*by+y)*thumbW+i*bx:]
				for x := 0; x < bx; x++ {
					acc += int(row[x])
				}
			}
			v := float64(acc) / (bx * by)
			tmp[j*SigW+i] = v
			s += v
			ss += v * v
		}
	}
	n := float64(len(tmp))
	mean := s / n
	sd := math.Sqrt(max(ss/n-mean*mean, 1))
	for i, v := range tmp {
		sig[i] = uint8(max(0, min(255, 128+40*(v-mean)/sd)))
	}
}

// Similarity is the correlation (-1..1) of two signatures, also trying one
// of them turned 180°; over ~0.85 they show the same side of the card.
func Similarity(a, b *Signature) float64 {
	corr := func(flip bool) float64 {
		var sab, saa, sbb float64
		for i := range a {
			j := i
			if flip {
				j = len(b) - 1 - i
			}
			x, y := float64(a[i])-128, float64(b[j])-128
			sab += x * y
			saa += x * x
			sbb += y * y
		}
		if saa == 0 || sbb == 0 {
			return 0
		}
		return sab / math.Sqrt(saa*sbb)
	}
	return max(corr(false), corr(true))
}

// SameSide is the similarity above which two captures are taken to show
// the same side: different sides of a DNI correlate under 0.5, two shots
// of one side over 0.9 even with different light and position.
const SameSide = 0.85
