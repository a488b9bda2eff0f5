package quality

import "math"

// Straight edges on the coarse grid, found the way a card's outline really
// shows: thin gradient ridges (Sobel, non-maximum suppression) voting in a
// Hough accumulator restricted to each pixel's own gradient direction, so
// a side interrupted by a thumb still adds up to one line, and wood grain,
// fabric weave or a face (curved, short, every direction) spread their
// votes thin. Each line is then refitted to its own edge pixels and its
// support measured along its length, which is what the quadrilateral
// search scores.

const (
	// houghBins: one bin per degree of the line's signed normal (the
	// gradient's direction, from dark to light), 0-359. Keeping the sign
	// halves what a textured background (edges of both signs mixed along
	// any line) adds to a line, while a card's side has one sign all along.
	houghBins = 360
	// voteSpread: a pixel votes for its gradient direction ± this many
	// degrees (Sobel's direction is good to ~2° on a clean step at this
	// scale; JPEG blocks and noise add a little).
	voteSpread = 3
	// edgeMin: Scharr L1 magnitude (16 per grey level of a step) of a real
	// edge on the coarse grid: a step of 6 grey levels. Sensor noise
	// (σ ≲ 2 after the averaging down to ~320 px) and JPEG ringing stay
	// under it. A card on a desk as light as itself shows only a faint
	// outline, hence so low; the frame's own noise raises it (findEdges).
	edgeMin = 96
	// maxLines: line candidates kept for the quadrilateral search.
	maxLines = 40
	// minVotes: a line needs this many edge pixels (coarse px): a card's
	// short side at 12 % of a 320-wide grid is 24 px, of which a thumb may
	// hide half.
	minVotes = 10
	// oriTol: an edge pixel supports a line when its gradient direction is
	// within this many degrees of the line's normal.
	oriTol = 10
)

// line is a straight edge candidate: x·cos θ + y·sin θ = rho (coarse px),
// with its support profile along the direction (-sin θ, cos θ).
type line struct {
	theta      float64 // normal angle, radians, [0, 2π), pointing to the lighter side
	deg        int     // normal angle rounded, degrees [0, 360)
	cos, sin   float64
	rho        float64
	votes      int
	t0, t1     int // parameter range inside the grid (t = position along the line)
	off        int // offset of its prefix sums in Analyzer.cov
	first, end int // first and last supported t
}

// at returns the support (number of covered steps) between t0 and t1.
func (a *Analyzer) support(l *line, t0, t1 float64) (covered, length float64) {
	lo := int(math.Ceil(t0))
	hi := int(math.Floor(t1))
	if lo < l.t0 {
		lo = l.t0
	}
	if hi > l.t1 {
		hi = l.t1
	}
	if hi <= lo {
		return 0, 0
	}
	p := a.cov[l.off:]
	return float64(p[hi-l.t0+1] - p[lo-l.t0]), float64(hi - lo + 1)
}

// strength is the summed edge magnitude over the supported steps between
// t0 and t1.
func (a *Analyzer) strength(l *line, t0, t1 float64) float64 {
	lo := max(int(math.Ceil(t0)), l.t0)
	hi := min(int(math.Floor(t1)), l.t1)
	if hi <= lo {
		return 0
	}
	p := a.covMag[l.off:]
	return float64(p[hi-l.t0+1] - p[lo-l.t0])
}

// atanDeg is atan(i/256) in tenths of a degree, for i in 0..256.
var atanDeg = func() (t [257]int16) {
	for i := range t {
		t[i] = int16(math.Round(math.Atan(float64(i)/256) * 1800 / math.Pi))
	}
	return
}()

// dirDeg returns the direction of (gx, gy) in whole degrees, 0-359.
func dirDeg(gx, gy int32) int {
	ax, ay := gx, gy
	if ax < 0 {
		ax = -ax
	}
	if ay < 0 {
		ay = -ay
	}
	var d int // tenths of a degree in [0, 900]
	if ax >= ay {
		d = int(atanDeg[ay*256/max(ax, 1)])
	} else {
		d = 900 - int(atanDeg[ax*256/ay])
	}
	switch {
	case gx < 0 && gy >= 0:
		d = 1800 - d
	case gx < 0 && gy < 0:
		d = 1800 + d
	case gx >= 0 && gy < 0:
		d = 3600 - d
	}
	d = (d + 5) / 10
	if d >= 360 {
		d -= 360
	}
	return d
}

// trig tables for the Hough transform, fixed point (×1024).
var houghCos, houghSin = func() (c, s [houghBins]int32) {
	for i := 0; i < houghBins; i++ {
		a := float64(i) * 2 * math.Pi / houghBins
		c[i] = int32(math.Round(math.Cos(a) * 1024))
		s[i] = int32(math.Round(math.Sin(a) * 1024))
	}
	return
}()

// findEdges fills a.ori with the thinned edge map of the coarse grid (0: no
// edge; 1+d: an edge whose gradient points at d degrees modulo 180) and
// a.edgeList with the edge pixels, and votes them into a.hough.
func (a *Analyzer) findEdges() {
	cw, ch, g := a.cw, a.ch, a.coarse
	mag := a.mag
	for i := range mag[:cw] {
		mag[i] = 0
	}
	for i := range mag[(ch-1)*cw:] {
		mag[(ch-1)*cw+i] = 0
	}
	// The threshold follows the frame's own noise: most of a frame is flat
	// (desk, wall, the card's plain background), so the median magnitude
	// is what noise and fine texture make; a real edge stands well above
	// it. Dark frames (high gain) and speckled desks need this.
	for y := 1; y < ch-1; y++ {
		up := g[(y-1)*cw : y*cw]
		row := g[y*cw : (y+1)*cw]
		dn := g[(y+1)*cw : (y+2)*cw]
		m := mag[y*cw : (y+1)*cw]
		m[0], m[cw-1] = 0, 0
		up, dn, m = up[:len(row)], dn[:len(row)], m[:len(row)]
		for x := 1; x < len(row)-1; x++ {
			// Scharr's kernel: its direction is good to ~1° where Sobel's
			// wanders by several degrees on a slanted step.
			a0, a2 := int32(up[x-1]), int32(up[x+1])
			c0, c2 := int32(dn[x-1]), int32(dn[x+1])
			gx := 3*(a2+c2-a0-c0) + 10*(int32(row[x+1])-int32(row[x-1]))
			gy := 3*(c0+c2-a0-a2) + 10*(int32(dn[x])-int32(up[x]))
			if gx < 0 {
				gx = -gx
			}
			if gy < 0 {
				gy = -gy
			}
			m[x] = uint16(gx + gy)
		}
	}
	// The threshold follows the frame's own noise: most of a frame is flat
	// (desk, wall, the card's plain background), so the median magnitude
	// is what noise and fine texture make; a real edge stands well above
	// it. Dark frames (high gain) and speckled desks need this. Every
	// fifth pixel is plenty for a median.
	var hist [256]int32
	n := int32(0)
	for i := 0; i < len(mag); i += 5 {
		hist[min(int(mag[i])>>4, 255)]++
		n++
	}
	half, accn, med := n/2, int32(0), 0
	for i, c := range hist {
		accn += c
		if accn > half {
			med = i*16 + 8
			break
		}
	}
	thr := uint16(max(edgeMin, 2*med))
	a.edgeThr = int(thr)
	ori := a.ori
	for i := range ori {
		ori[i] = 0
	}
	el := a.edgeList[:0]
	for y := 2; y < ch-2; y++ {
		mrow := mag[y*cw : (y+1)*cw]
		for x := 2; x < cw-2 && x < len(mrow); x++ {
			v := mrow[x]
			if v < thr {
				continue
			}
			i := y*cw + x
			// The gradient again, for the few pixels that need it.
			gx := 3*(int32(g[i-cw+1])+int32(g[i+cw+1])-int32(g[i-cw-1])-int32(g[i+cw-1])) + 10*(int32(g[i+1])-int32(g[i-1]))
			gy := 3*(int32(g[i+cw-1])+int32(g[i+cw+1])-int32(g[i-cw-1])-int32(g[i-cw+1])) + 10*(int32(g[i+cw])-int32(g[i-cw]))
			ax, ay := gx, gy
			if ax < 0 {
				ax = -ax
			}
			if ay < 0 {
				ay = -ay
			}
			// Non-maximum suppression across the edge.
			var n1, n2 uint16
			switch {
			case ax*5 > ay*12: // within 22.5° of horizontal gradient
				n1, n2 = mag[i-1], mag[i+1]
			case ay*5 > ax*12:
				n1, n2 = mag[i-cw], mag[i+cw]
			case (gx > 0) == (gy > 0):
				n1, n2 = mag[i-cw-1], mag[i+cw+1]
			default:
				n1, n2 = mag[i-cw+1], mag[i+cw-1]
			}
			if v < n1 || v <= n2 {
				continue
			}
			ori[i] = uint16(1 + dirDeg(gx, gy))
			el = append(el, int32(y<<16|x))
		}
	}
	a.edgeList = el
	a.vote()
}

// vote fills the Hough accumulator from the edge list.
func (a *Analyzer) vote() {
	acc := a.hough
	for i := range acc {
		acc[i] = 0
	}
	nr := a.nRho
	off := int32(a.rhoOff)
	half := uint16(a.edgeThr / 2)
	for _, p := range a.edgeList {
		x, y := p&0xffff, p>>16
		i := int(y)*a.cw + int(x)
		d := int(a.ori[i]) - 1
		// Weight 2-8 by contrast: a card's outline against a desk is
		// usually stronger than the desk's own texture.
		w := uint16(min(a.mag[i]/half, 8))
		for k := d - voteSpread; k <= d+voteSpread; k++ {
			b := k
			if b < 0 {
				b += houghBins
			} else if b >= houghBins {
				b -= houghBins
			}
			r := (x*houghCos[b]+y*houghSin[b]+512)>>10 + off
			acc[b*nr+int(r)] += w
		}
	}
}

// peaks picks line candidates: the strongest local maxima of the
// accumulator (a bin plus its two ρ neighbours, so a line falling between
// two bins is not split), ranked again by how they look along their
// length — a card's side is a long unbroken run of edge pixels (broken
// only where a finger crosses it), while a line through wood grain, a row
// of text or noise is many short runs. The best maxLines are refitted to
// their own edge pixels and their support profiled for the quadrilateral
// search.
func (a *Analyzer) peaks() {
	acc := a.hough
	nr := a.nRho
	a.lines = a.lines[:0]
	best := a.cands[:0]
	floor := 2 * minVotes // votes below which nothing more is kept
	W, H := float64(a.cw-1), float64(a.ch-1)
	for b := 0; b < houghBins; b++ {
		row := acc[b*nr : (b+1)*nr]
		// Only the ρ a line through the grid can have at this angle
		// (half the accumulator): between the corners' projections.
		c, sn := float64(houghCos[b])/1024, float64(houghSin[b])/1024
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, p := range [4][2]float64{{0, 0}, {W, 0}, {0, H}, {W, H}} {
			v := p[0]*c + p[1]*sn
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		r0 := max(1, int(lo)+a.rhoOff-2)
		r1 := min(nr-1, int(hi)+a.rhoOff+3)
		for r := r0; r < r1; r++ {
			v := int(row[r-1]) + int(row[r]) + int(row[r+1])
			if v < floor {
				continue
			}
			if !a.localMax(b, r, v) {
				continue
			}
			// Insert in vote order (the list is short).
			if len(best) < cap(best) {
				best = append(best, cand{})
			}
			j := len(best) - 1
			for j > 0 && best[j-1].v < v {
				best[j] = best[j-1]
				j--
			}
			best[j] = cand{b: b, r: r, v: v}
			if len(best) == cap(best) {
				floor = best[len(best)-1].v + 1
			}
		}
	}
	// Rank by the longest run of support (gaps of 2 px bridged) along the
	// raw line, then by its total support.
	for i := range best {
		p := &best[i]
		l := line{rho: float64(p.r - a.rhoOff)}
		l.setAngle(float64(p.b) * 2 * math.Pi / houghBins)
		if !a.tRange(&l) {
			p.rank = -1
			continue
		}
		run, tot := a.runs(&l)
		p.rank = 2*run + tot
	}
	sortCands(best)
	off := 0
	// No direction may take more than a third of the places: a card needs
	// lines in two directions, and a striped background (wood grain, a
	// keyboard, an arm) would otherwise fill the list with one.
	var perDir [6]int
	for i := 0; i < len(best) && len(a.lines) < maxLines; i++ {
		p := best[i]
		if p.rank < minVotes {
			break
		}
		bucket := (p.b % 180) / 30
		if perDir[bucket] >= maxLines/3 {
			continue
		}
		l := line{rho: float64(p.r - a.rhoOff), votes: p.v}
		l.setAngle(float64(p.b) * 2 * math.Pi / houghBins)
		if !a.refine(&l) {
			continue
		}
		dup := false
		for j := range a.lines {
			o := &a.lines[j]
			if dirDiff(o.deg, l.deg) <= 2 && math.Abs(o.rho-l.rho) <= 1.5 {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		off = a.profile(&l, off)
		a.lines = append(a.lines, l)
		perDir[bucket]++
	}
	a.cands = best
}

// cand is a Hough maximum: direction bin, ρ bin, votes, rank.
type cand struct {
	b, r, v int
	rank    int
}

// sortCands sorts by rank, best first (insertion sort: ~100 items, no
// allocation).
func sortCands(c []cand) {
	for i := 1; i < len(c); i++ {
		x := c[i]
		j := i
		for j > 0 && c[j-1].rank < x.rank {
			c[j] = c[j-1]
			j--
		}
		c[j] = x
	}
}

// localMax reports whether the 3-bin sum v at (b, r) is the largest in
// the window of ±2° and ±2 px (ties go to the first).
func (a *Analyzer) localMax(b, r, v int) bool {
	acc, nr := a.hough, a.nRho
	for db := -2; db <= 2; db++ {
		bb := b + db
		if bb < 0 {
			bb += houghBins
		} else if bb >= houghBins {
			bb -= houghBins
		}
		rr := acc[bb*nr : (bb+1)*nr]
		for dr := -2; dr <= 2; dr++ {
			if db == 0 && dr == 0 {
				continue
			}
			q := r + dr
			if q < 1 || q >= nr-1 {
				continue
			}
			w := int(rr[q]) + int(rr[q-1]) + int(rr[q+1])
			if w > v || (w == v && (db < 0 || (db == 0 && dr < 0))) {
				return false
			}
		}
	}
	return true
}

// runs walks l and returns its longest run of support (an edge pixel of
// matching direction within 1 px, gaps up to 2 px bridged) and its total
// support.
func (a *Analyzer) runs(l *line) (longest, total int) {
	// Every other step: a ranking, not a measurement (profile measures
	// the lines kept).
	dx, dy := -2*l.sin, 2*l.cos
	px, py := l.rho*l.cos+float64(l.t0)*-l.sin, l.rho*l.sin+float64(l.t0)*l.cos
	run, gap := 0, 0
	for t := l.t0; t <= l.t1; t += 2 {
		if a.hit(px, py, l, 1) {
			total += 2
			run += 2 + gap
			gap = 0
			longest = max(longest, run)
		} else if run > 0 {
			gap += 2
			if gap > 2 {
				run, gap = 0, 0
			}
		}
		px += dx
		py += dy
	}
	return longest, total
}

// hit reports whether an edge pixel of l's direction lies within band
// pixels of (bx, by) across l.
func (a *Analyzer) hit(bx, by float64, l *line, band int) bool {
	return a.hitMag(bx, by, l, band) > 0
}

// hitMag is hit returning the edge's magnitude (0: none). The band is
// taken across the line's minor axis (rows for a line nearer horizontal,
// columns otherwise): one rounding per step, integer steps after.
func (a *Analyzer) hitMag(bx, by float64, l *line, band int) int32 {
	x, y := int(bx+0.5), int(by+0.5)
	cw := a.cw
	var step int
	if math.Abs(l.sin) >= math.Abs(l.cos) {
		// normal mostly vertical: the line runs across, look up and down
		if x < 0 || x >= cw {
			return 0
		}
		step = cw
		if y-band < 0 || y+band >= a.ch {
			return a.hitSlow(x, y, 0, 1, l, band)
		}
	} else {
		if y < 0 || y >= a.ch {
			return 0
		}
		step = 1
		if x-band < 0 || x+band >= cw {
			return a.hitSlow(x, y, 1, 0, l, band)
		}
	}
	c := y*cw + x
	for k := 0; k <= band; k++ {
		for _, i := range [2]int{c - k*step, c + k*step} {
			if o := int(a.ori[i]); o != 0 && dirClose(o-1, l.deg) {
				return int32(a.mag[i])
			}
			if k == 0 {
				break
			}
		}
	}
	return 0
}

// hitSlow is hitMag near the grid's border.
func (a *Analyzer) hitSlow(x, y, sx, sy int, l *line, band int) int32 {
	for k := -band; k <= band; k++ {
		xx, yy := x+k*sx, y+k*sy
		if xx < 0 || yy < 0 || xx >= a.cw || yy >= a.ch {
			continue
		}
		i := yy*a.cw + xx
		if o := int(a.ori[i]); o != 0 && dirClose(o-1, l.deg) {
			return int32(a.mag[i])
		}
	}
	return 0
}

// dirClose reports whether two signed directions (degrees, 0-359) are
// within oriTol of each other.
func dirClose(a, b int) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	if d > 180 {
		d = 360 - d
	}
	return d <= oriTol
}

// dirDiff is the difference of two signed directions in degrees, 0-180.
func dirDiff(a, b int) int {
	d := a - b
	if d < 0 {
		d = -d
	}
	d %= 360
	if d > 180 {
		d = 360 - d
	}
	return d
}

// angDiff is the difference of two line directions in degrees, 0-90,
// whatever their signs.
func angDiff(a, b int) int {
	d := a - b
	if d < 0 {
		d = -d
	}
	d %= 180
	if d > 90 {
		d = 180 - d
	}
	return d
}

func (l *line) setAngle(th float64) {
	for th < 0 {
		th += 2 * math.Pi
	}
	for th >= 2*math.Pi {
		th -= 2 * math.Pi
	}
	l.theta = th
	l.cos, l.sin = math.Cos(th), math.Sin(th)
	l.deg = int(math.Round(th*180/math.Pi)) % 360
}

// tRange sets the parameter range of l inside the grid; false if the line
// misses it.
func (a *Analyzer) tRange(l *line) bool {
	// Points: p(t) = rho·n + t·d, n = (cos, sin), d = (-sin, cos).
	W, H := float64(a.cw-1), float64(a.ch-1)
	lo, hi := math.Inf(-1), math.Inf(1)
	px, py := l.rho*l.cos, l.rho*l.sin
	dx, dy := -l.sin, l.cos
	clip := func(p, d, max float64) bool {
		if math.Abs(d) < 1e-9 {
			return p >= 0 && p <= max
		}
		t0, t1 := (0-p)/d, (max-p)/d
		if t0 > t1 {
			t0, t1 = t1, t0
		}
		lo, hi = math.Max(lo, t0), math.Min(hi, t1)
		return true
	}
	if !clip(px, dx, W) || !clip(py, dy, H) || hi-lo < 4 {
		return false
	}
	l.t0, l.t1 = int(math.Ceil(lo)), int(math.Floor(hi))
	return l.t1 > l.t0
}

// refine refits l to the edge pixels within 2 px of it whose direction
// matches (total least squares), twice.
func (a *Analyzer) refine(l *line) bool {
	l.setAngle(l.theta)
	for iter := 0; iter < 1; iter++ {
		if !a.tRange(l) {
			return false
		}
		var n, sx, sy, sxx, syy, sxy float64
		dx, dy := -l.sin, l.cos
		px, py := l.rho*l.cos, l.rho*l.sin
		sx0, sy0 := 0, 1 // band across the minor axis, as hitMag
		if math.Abs(l.sin) < math.Abs(l.cos) {
			sx0, sy0 = 1, 0
		}
		for t := l.t0; t <= l.t1; t++ {
			bx, by := px+float64(t)*dx, py+float64(t)*dy
			cx, cy := int(bx+0.5), int(by+0.5)
			for k := -2; k <= 2; k++ {
				x, y := cx+k*sx0, cy+k*sy0
				if x < 0 || y < 0 || x >= a.cw || y >= a.ch {
					continue
				}
				o := int(a.ori[y*a.cw+x])
				if o == 0 || !dirClose(o-1, l.deg) {
					continue
				}
				fx, fy := float64(x), float64(y)
				n++
				sx += fx
				sy += fy
				sxx += fx * fx
				syy += fy * fy
				sxy += fx * fy
			}
		}
		if n < minVotes {
			return false
		}
		mx, my := sx/n, sy/n
		cxx, cyy, cxy := sxx/n-mx*mx, syy/n-my*my, sxy/n-mx*my
		// Direction of least variance is the normal; keep its sign.
		th := 0.5*math.Atan2(2*cxy, cxx-cyy) + math.Pi/2
		if math.Cos(th)*l.cos+math.Sin(th)*l.sin < 0 {
			th += math.Pi
		}
		l.setAngle(th)
		l.rho = mx*l.cos + my*l.sin
	}
	return a.tRange(l)
}

// profile stores l's prefix sums of support (an edge pixel of matching
// direction within 1 px at each step along the line) in a.cov from off,
// and returns the next free offset.
func (a *Analyzer) profile(l *line, off int) int {
	n := l.t1 - l.t0 + 1
	l.off = off
	if off+n+1 > len(a.cov) {
		// Cannot happen with maxLines lines no longer than the grid's
		// diagonal; keep the line unsupported rather than overrun.
		l.t1 = l.t0
		return off
	}
	p := a.cov[off : off+n+1]
	pm := a.covMag[off : off+n+1]
	p[0], pm[0] = 0, 0
	dx, dy := -l.sin, l.cos
	px, py := l.rho*l.cos, l.rho*l.sin
	l.first, l.end = l.t1, l.t0
	for i := 0; i < n; i++ {
		t := l.t0 + i
		var h int16
		m := a.hitMag(px+float64(t)*dx, py+float64(t)*dy, l, 1)
		if m > 0 {
			h = 1
			l.first = min(l.first, t)
			l.end = t
		}
		p[i+1] = p[i] + h
		pm[i+1] = pm[i] + m
	}
	return off + n + 1
}
