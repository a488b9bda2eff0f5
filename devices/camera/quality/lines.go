package quality

import (
	"encoding/binary"
	"math"
	"slices"
)

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

// dirDeg returns the direction of (gx, gy) in whole degrees, 0-359, for
// a Scharr gradient (|gx|, |gy| ≤ 16·255): the octant's table at
// floor(256·min/max). The division is a multiplication by the rounded-up
// reciprocal, exact while 256·max² < 2³², and a Scharr component's
// magnitude is at most 4080.
func dirDeg(gx, gy int32) int {
	// Without branches: the signs are coin tosses.
	sx, sy := gx>>31, gy>>31
	return dirOf(gx^sx-sx, gy^sy-sy, sx, sy)
}

// dirOf is dirDeg from |gx|, |gy| and the signs gx>>31, gy>>31.
func dirOf(ax, ay, sx, sy int32) int {
	oct := int(sx&4|sy&2) | b2i(ax < ay)
	mn, mx := min(ax, ay), max(ax, ay)
	return int(dirTable[oct&7][uint64(mn)<<8*recip[mx&4095]>>32&511])
}

// recip[m] is ⌈2³²/m⌉ (dirDeg).
var recip = func() (t [4096]uint64) {
	for m := 1; m < len(t); m++ {
		t[m] = (1<<32 + uint64(m) - 1) / uint64(m)
	}
	return
}()

// dirTable[octant][i] is the direction in whole degrees of a gradient
// whose smaller component is i/256 of its larger (i ≤ 256; padded to 512
// so that an index masked with 511 needs no bounds check); the octant is
// 4 for gx < 0, 2 for gy < 0, 1 for |gx| < |gy|.
var dirTable = func() (t [8][512]uint16) {
	for oct := range t {
		for i := range 257 {
			d := int(atanDeg[i]) // tenths of a degree in [0, 900]
			if oct&1 != 0 {
				d = 900 - d
			}
			switch oct &^ 1 {
			case 4: // gx < 0, gy ≥ 0
				d = 1800 - d
			case 6:
				d = 1800 + d
			case 2:
				d = 3600 - d
			}
			d = (d + 5) / 10
			if d >= 360 {
				d -= 360
			}
			t[oct][i] = uint16(d)
		}
	}
	return
}()

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
// edge; 1+d: an edge whose gradient points at d degrees) and a.edgeList
// with the edge pixels, and votes them into a.hough.
func (a *Analyzer) findEdges() {
	a.gradient()
	a.thin()
	a.vote()
}

// gradient fills a.mag (Scharr, |gx|+|gy|) from the coarse grid.
//
// Scharr's kernel (its direction is good to ~1° where Sobel's wanders by
// several degrees on a slanted step), separated: gx is the difference of
// the columns' 3-10-3 sums either side, gy the 3-10-3 sum of the columns'
// differences. Four pixels at a time in 16-bit lanes (see gradRow).
func (a *Analyzer) gradient() {
	cw, ch, g, mag := a.cw, a.ch, a.coarse, a.mag
	clear(mag[:cw])
	clear(mag[(ch-1)*cw:])
	nw := (cw + 3) / 4
	for y := 1; y < ch-1; y++ {
		gradRow(mag[y*cw:(y+1)*cw], g[(y-1)*cw:y*cw], g[y*cw:(y+1)*cw], g[(y+1)*cw:(y+2)*cw], a.colS, a.colT, a.gxw[y*nw:(y+1)*nw], a.gyw[y*nw:(y+1)*nw])
	}
}

// Lanes of four 16-bit values in a word.
const (
	lane1 = 0x0001000100010001
	lanes = 0xffffffffffffffff
)

// spread4 puts four bytes (little-endian in v) into four 16-bit lanes.
func spread4(v uint32) uint64 {
	x := uint64(v)
	x = (x | x<<16) & 0x0000ffff0000ffff
	return (x | x<<8) & 0x00ff00ff00ff00ff
}

// absBiased is |v - 4096| in each lane, for lanes in [0, 8192).
func absBiased(v uint64) uint64 {
	m := (v >> 12 & lane1) * 0xffff // lanes ≥ 4096
	pos := v & (0x0fff * lane1)
	neg := (^v)&(0x0fff*lane1) + lane1
	return pos&m | neg&^m
}

// gradRow sets m (a row of the magnitude; its ends 0) from the grey rows
// up, row and dn. s and t hold, four columns a word, each column's 3-10-3
// sum and its difference down (biased by 256, so that no lane goes
// negative); gx is then the difference of the sums either side, biased by
// 4096, and gy the 3-10-3 sum of the differences, biased by 16·256: both
// kept in gxw, gyw for thin.
func gradRow(m []uint16, up, row, dn []uint8, s, t, gxw, gyw []uint64) {
	w := len(m)
	up, row, dn = up[:w], row[:w], dn[:w]
	nw := (w + 3) / 4
	s, t = s[:nw+1], t[:nw+1]
	for k := 0; k < nw; k++ {
		var u, r, d uint64
		if x := 4 * k; x+4 <= w {
			u = spread4(binary.LittleEndian.Uint32(up[x : x+4]))
			r = spread4(binary.LittleEndian.Uint32(row[x : x+4]))
			d = spread4(binary.LittleEndian.Uint32(dn[x : x+4]))
		} else {
			for l := 0; x+l < w; l++ {
				u |= uint64(up[x+l]) << (16 * l)
				r |= uint64(row[x+l]) << (16 * l)
				d |= uint64(dn[x+l]) << (16 * l)
			}
		}
		s[k] = 3*(u+d) + 10*r
		t[k] = d + 256*lane1 - u
	}
	s[nw], t[nw] = 0, 0
	var sPrev, tPrev uint64
	gxw, gyw = gxw[:nw], gyw[:nw]
	for k := 0; k < nw; k++ {
		sk, tk := s[k], t[k]
		// Lanes of columns x-1 and x+1 for the word's x = 4k … 4k+3.
		sm, sp := sk<<16|sPrev>>48, sk>>16|s[k+1]<<48
		tm, tp := tk<<16|tPrev>>48, tk>>16|t[k+1]<<48
		gx := sp + 4096*lane1 - sm
		gy := 3*(tm+tp) + 10*tk
		gxw[k], gyw[k] = gx, gy
		v := absBiased(gx) + absBiased(gy)
		if x := 4 * k; x+4 <= w {
			o := m[x : x+4]
			o[0], o[1], o[2], o[3] = uint16(v), uint16(v>>16), uint16(v>>32), uint16(v>>48)
		} else {
			for l := 0; x+l < w; l++ {
				m[x+l] = uint16(v >> (16 * l))
			}
		}
		sPrev, tPrev = sk, tk
	}
	m[0], m[w-1] = 0, 0
}

// thin keeps the ridges of a.mag over a threshold set by the frame's
// noise: a.ori and a.edgeList.
func (a *Analyzer) thin() {
	ch, mag := a.ch, a.mag
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
	clear(a.ori)
	el := a.edgeList[:cap(a.edgeList)]
	ne := 0
	for y := 2; y < ch-2; y++ {
		ne = a.thinRow(y, thr, el, ne)
	}
	a.edgeList = el[:ne]
}

// thinRow keeps the ridges of row y over thr (a.ori) and lists them in el
// from ne; it returns the list's new length. Branch-free where the
// outcome is a coin toss: every pixel is written to the candidate list
// and counted only if over the threshold; every candidate is written to
// the edge list and counted only if it is a ridge.
func (a *Analyzer) thinRow(y int, thr uint16, el []int32, ne int) int {
	cw := a.cw
	mag := a.mag
	mrow := mag[y*cw : (y+1)*cw]
	cand := a.queue[:cw]
	nc := 0
	for x := 2; x < len(mrow)-2; x++ {
		cand[nc] = int32(x)
		nc += b2i(mrow[x] >= thr)
	}
	nw := (cw + 3) / 4
	gxw, gyw, ori := a.gxw[y*nw:(y+1)*nw], a.gyw[y*nw:(y+1)*nw], a.ori[y*cw:(y+1)*cw]
	// Neighbour offsets across the edge, by the gradient's sector: index
	// 4 within 22.5° of horizontal, 2 of vertical, + 1 when gx and gy
	// have one sign (diagonal, else antidiagonal).
	nb := [8]int{cw - 1, cw + 1, cw, cw, 1, 1, 1, 1}
	base := y * cw
	yx := int32(y << 16)
	for _, x := range cand[:nc] {
		i := base + int(x)
		sh := x & 3 * 16
		gx := int32(gxw[x>>2]>>sh&0xffff) - 4096
		gy := int32(gyw[x>>2]>>sh&0xffff) - 4096
		sx, sy := gx>>31, gy>>31
		ax, ay := gx^sx-sx, gy^sy-sy
		// Non-maximum suppression across the edge.
		sec := b2i(ax*5 > ay*12)<<2 | b2i(ay*5 > ax*12)<<1 | b2i((gx > 0) == (gy > 0))
		v, o := mag[i], nb[sec&7]
		keep := b2i(v >= mag[i-o]) & b2i(v > mag[i+o])
		ori[x] = uint16((1 + dirOf(ax, ay, sx, sy)) * keep)
		el[ne] = yx | x
		ne += keep
	}
	return ne
}

// b2i is 1 for true (compiled to a flag set, no branch).
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// The Hough accumulator holds a 16-bit count per cell, a.hStride cells
// (a.nRho) per direction. A count never comes near 2¹⁶: an edge pixel
// adds at most 8 to a cell, and a cell's pixels lie on one line across
// the grid.

// voteBin is one direction bin's part in a vote: where its row's ρ = 0
// lies in the accumulator (cells), and its trig (×1024).
type voteBin struct{ base, c, s, row int32 }

// setVoteBins fills a.voteBins for directions -voteSpread to
// houghBins+voteSpread, so that votes spread across 0°/360° need no
// wrapping.
func (a *Analyzer) setVoteBins() {
	for k := range a.voteBins {
		b := (k - voteSpread + houghBins) % houghBins
		a.voteBins[k] = voteBin{int32(b*a.hStride + a.rhoOff), houghCos[b], houghSin[b], int32(b)}
	}
}

// vote fills the Hough accumulator from the edge list, and notes each
// direction's highest count.
func (a *Analyzer) vote() {
	clear(a.hough)
	clear(a.rowMax[:])
	half := uint64(a.edgeThr / 2)
	// mag/half by a multiplication: exact for mag·half < 2³².
	rh := (1<<32 + half - 1) / half
	voteEdges(a.hough, &a.rowMax, &a.voteBins, a.edgeList, a.ori, a.mag, a.cw, rh)
}

// voteEdges adds each edge pixel's votes: weight 2-8 by contrast (a
// card's outline against a desk is usually stronger than the desk's own
// texture; rh is the reciprocal of half the threshold), in the bins of
// its direction ± voteSpread. A function of its own, so that its loop
// keeps its values in registers.
func voteEdges(acc []uint16, rowMax *[512]uint16, bins *[houghBins + 2*voteSpread + 1]voteBin, edges []int32, ori, mag []uint16, cw int, rh uint64) {
	for _, p := range edges {
		x, y := p&0xffff, p>>16
		i := int(y)*cw + int(x)
		d := int(ori[i]) - 1
		w := uint16(min(uint64(mag[i])*rh>>32, 8))
		vb := (*[2*voteSpread + 1]voteBin)(bins[d : d+2*voteSpread+1])
		vote1(acc, rowMax, &vb[0], x, y, w)
		vote1(acc, rowMax, &vb[1], x, y, w)
		vote1(acc, rowMax, &vb[2], x, y, w)
		vote1(acc, rowMax, &vb[3], x, y, w)
		vote1(acc, rowMax, &vb[4], x, y, w)
		vote1(acc, rowMax, &vb[5], x, y, w)
		vote1(acc, rowMax, &vb[6], x, y, w)
	}
}

// vote1 adds w at (x, y)'s ρ in bin vb.
func vote1(acc []uint16, rowMax *[512]uint16, vb *voteBin, x, y int32, w uint16) {
	j := (x*vb.c+y*vb.s+512)>>10 + vb.base
	v := acc[j] + w
	acc[j] = v
	r := &rowMax[vb.row&511]
	*r = max(*r, v)
}

// sum3 is the count at accumulator cell j (direction b, ρ bin r: j =
// b·a.hStride + r) plus its two ρ neighbours.
func sum3(h []uint16, j int) int {
	c := h[j-1 : j+2]
	return int(c[0]) + int(c[1]) + int(c[2])
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
	// New lines: the crossings of the old ones are stale.
	a.gen++
	if a.gen == 0 {
		clear(a.crossings)
		a.gen = 1
	}
	a.lines = a.lines[:0]
	best := a.cands[:0]
	// The candidates are the strongest local maxima (3-bin sums of at
	// least 2·minVotes), strongest first, ties in direction then ρ order.
	// Directions are visited from the highest count down, so that once
	// the list is full the rest, whose sums cannot beat its last, are
	// left alone.
	rows := a.rowOrder[:0]
	for b, m := range a.rowMax[:houghBins] {
		if 3*int(m) >= 2*minVotes {
			rows = append(rows, uint32(m)<<16|uint32(houghBins-1-b))
		}
	}
	slices.Sort(rows)
	h := a.hough
	for k := len(rows) - 1; k >= 0; k-- {
		b := houghBins - 1 - int(rows[k]&0xffff)
		// floor: the least sum that may still enter the list.
		floor := 2 * minVotes
		if len(best) == cap(best) {
			floor = best[len(best)-1].v
		}
		if 3*int(rows[k]>>16) < floor {
			break
		}
		// Only the ρ a line through the grid can have at this angle
		// (half the accumulator): between the corners' projections.
		r0, r1 := int(a.rhoRange[b][0]), int(a.rhoRange[b][1])
		row := b * a.hStride // its first cell
		// A 3-bin sum reaches the floor only where one of its counts
		// reaches a third of it: look at those counts and their
		// neighbours only, in ρ order.
		t := uint16((floor + 2) / 3)
		next := r0 // the next centre not yet looked at
		cells := h[row+r0-1 : row+r1+1]
		for k, cnt := range cells {
			if cnt < t {
				continue
			}
			// Cell r0-1+k: the centres either side of it and itself.
			for r := max(next, r0-2+k); r <= min(r0+k, r1-1); r++ {
				next = r + 1
				v := sum3(h, row+r)
				if v < floor {
					continue
				}
				c := cand{b: b, r: r, v: v}
				full := len(best) == cap(best)
				if full && !c.before(&best[len(best)-1]) {
					continue
				}
				if !a.localMax(b, r, v) {
					continue
				}
				if !full {
					best = append(best, cand{})
				}
				j := len(best) - 1
				for j > 0 && c.before(&best[j-1]) {
					best[j] = best[j-1]
					j--
				}
				best[j] = c
				if len(best) == cap(best) {
					floor = best[len(best)-1].v
					t = uint16((floor + 2) / 3)
				}
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

// before orders candidates: more votes first, then by direction and ρ
// (the order of a scan of the accumulator).
func (c *cand) before(o *cand) bool {
	if c.v != o.v {
		return c.v > o.v
	}
	if c.b != o.b {
		return c.b < o.b
	}
	return c.r < o.r
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
	nr, hs, h := a.nRho, a.hStride, a.hough
	// Nearest first: a cell on a peak's slope finds the larger sum next
	// to it at once.
	for _, o := range &localOrder {
		q := r + o.dr
		if q < 1 || q >= nr-1 {
			continue
		}
		bb := b + o.db
		if bb < 0 {
			bb += houghBins
		} else if bb >= houghBins {
			bb -= houghBins
		}
		w := sum3(h, bb*hs+q)
		if w > v || (w == v && o.first) {
			return false
		}
	}
	return true
}

// localOrder is the window of localMax, nearest first; first marks the
// neighbours that come before (b, r) in scan order, which win ties.
var localOrder = func() (o [24]struct {
	db, dr int
	first  bool
}) {
	k := 0
	for _, d := range [][2]int{{0, -1}, {0, 1}, {-1, 0}, {1, 0}, {-1, -1}, {-1, 1}, {1, -1}, {1, 1},
		{0, -2}, {0, 2}, {-2, 0}, {2, 0}, {-1, -2}, {-1, 2}, {1, -2}, {1, 2},
		{-2, -1}, {-2, 1}, {2, -1}, {2, 1}, {-2, -2}, {-2, 2}, {2, -2}, {2, 2}} {
		o[k].db, o[k].dr = d[0], d[1]
		o[k].first = d[0] < 0 || (d[0] == 0 && d[1] < 0)
		k++
	}
	return
}()

// runs walks l and returns its longest run of support (an edge pixel of
// matching direction within 1 px, gaps up to 2 px bridged) and its total
// support.
func (a *Analyzer) runs(l *line) (longest, total int) {
	// Every other step: a ranking, not a measurement (profile measures
	// the lines kept).
	dx, dy := -2*l.sin, 2*l.cos
	px, py := l.rho*l.cos+float64(l.t0)*-l.sin, l.rho*l.sin+float64(l.t0)*l.cos
	a.setDir(l.deg)
	hits := a.steps[:(l.t1-l.t0)/2+1]
	a.walk(l, px, py, dx, dy, 0, true, hits)
	run, gap := 0, 0
	for _, h := range hits {
		if h > 0 {
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
	}
	return longest, total
}

// walk fills out[i] with the magnitude of the first edge pixel supporting
// l (a.okDir set for it) at step i or one pixel across l (0: none): the
// centre first, then the pixel before, then the one after, across the
// line's minor axis (along the columns for a line nearer horizontal,
// along the rows otherwise). Step i is at (px, py) + (t0+i)·(dx, dy), computed afresh, or with
// add, at (px, py) plus i steps (dx, dy) added up one by one (the two
// may differ in the last bit, and so in the pixel).
func (a *Analyzer) walk(l *line, px, py, dx, dy float64, t0 int, add bool, out []int32) {
	cw, ch, ori, mag, ok := a.cw, a.ch, a.ori, a.mag, &a.okDir
	// Across the line: along the columns (step cw) for a line nearer
	// horizontal, along the rows otherwise. (u, v): the coordinate along
	// the line and the one across, U and V their ranges.
	vert := math.Abs(l.sin) >= math.Abs(l.cos)
	step, U, V := 1, ch, cw
	if vert {
		step, U, V = cw, cw, ch
	}
	bx, by := px, py
	for i := range out {
		if !add {
			bx, by = px+float64(t0+i)*dx, py+float64(t0+i)*dy
		}
		x, y := int(bx+0.5), int(by+0.5)
		if add {
			bx += dx
			by += dy
		}
		u, v := y, x
		if vert {
			u, v = x, y
		}
		var m int32
		switch {
		case u < 0 || u >= U:
		case v < 1 || v >= V-1:
			if vert {
				m = a.hitSlow(x, y, 0, 1, l, 1)
			} else {
				m = a.hitSlow(x, y, 1, 0, l, 1)
			}
		default:
			c := y*cw + x
			// Bits: 1 the centre, 2 the pixel before, 4 the one after;
			// the first of them in that order gives the magnitude.
			h := b2i(ok[ori[c]&511]) | b2i(ok[ori[c-step]&511])<<1 | b2i(ok[ori[c+step]&511])<<2
			if h != 0 {
				m = int32(mag[c+step*int(firstHit[h])])
			}
		}
		out[i] = m
	}
}

// firstHit[h] is where the first hit of mask h lies across the line: the
// centre (bit 1), before it (bit 2) or after it (bit 4), in that order.
var firstHit = [8]int8{0, 0, -1, 0, 1, 0, -1, 0}

// setDir fills a.okDir for walking a line of signed direction deg:
// okDir[o] tells whether an edge pixel of a.ori value o supports it
// (o = 0, no edge, never does). It has 512 places so that a look-up
// indexed o&511 needs no bounds check (ori values are at most 360).
func (a *Analyzer) setDir(deg int) {
	t := &a.okDir
	clear(t[:])
	for d := deg - oriTol; d <= deg+oriTol; d++ {
		t[1+(d+houghBins)%houghBins] = true
	}
}

// hitSlow is walk's look-up near the grid's border.
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
func dirDiff(a, b int) int { return circDiff(a, b, 360) }

// angDiff is the difference of two line directions in degrees, 0-90,
// whatever their signs.
func angDiff(a, b int) int { return circDiff(a, b, 180) }

// circDiff is the distance between a and b on a circle of period degrees.
func circDiff(a, b, period int) int {
	d := iabs(a-b) % period
	return min(d, period-d)
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
	clip := func(p, d, end float64) bool {
		if math.Abs(d) < 1e-9 {
			return p >= 0 && p <= end
		}
		t0, t1 := (0-p)/d, (end-p)/d
		if t0 > t1 {
			t0, t1 = t1, t0
		}
		lo, hi = max(lo, t0), min(hi, t1)
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
		a.setDir(l.deg)
		// Integer sums: exact, in any order.
		is := a.bandSums(l)
		n, sx, sy := float64(is[0]), float64(is[1]), float64(is[2])
		sxx, syy, sxy := float64(is[3]), float64(is[4]), float64(is[5])
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

// bandSums returns the count, Σx, Σy, Σx², Σy² and Σxy of the edge
// pixels supporting l (a.okDir set for it) within 2 px of it across its
// minor axis (rows for a line nearer horizontal, columns otherwise), from
// t0 to t1.
func (a *Analyzer) bandSums(l *line) (s [6]int) {
	dx, dy := -l.sin, l.cos
	px, py := l.rho*l.cos, l.rho*l.sin
	sx0, sy0 := 0, 1 // band across the minor axis, as walk
	if math.Abs(l.sin) < math.Abs(l.cos) {
		sx0, sy0 = 1, 0
	}
	ok, ori, cw, ch := &a.okDir, a.ori, a.cw, a.ch
	step := cw
	if sx0 == 1 {
		step = 1
	}
	var n, sx, sy, sxx, syy, sxy int
	for t := l.t0; t <= l.t1; t++ {
		cx, cy := int(px+float64(t)*dx+0.5), int(py+float64(t)*dy+0.5)
		if cx-2*sx0 >= 0 && cy-2*sy0 >= 0 && cx+2*sx0 < cw && cy+2*sy0 < ch {
			c := cy*cw + cx
			// The hits at k = -2…2 across, as bits 0-4, and from them
			// their count m, Σk and Σk².
			h := b2i(ok[ori[c-2*step]&511]) | b2i(ok[ori[c-step]&511])<<1 | b2i(ok[ori[c]&511])<<2 | b2i(ok[ori[c+step]&511])<<3 | b2i(ok[ori[c+2*step]&511])<<4
			if h == 0 {
				continue
			}
			bs := &bandStats[h]
			m, k1, k2 := int(bs[0]), int(bs[1]), int(bs[2])
			// The points are (cx, cy+k) or (cx+k, cy): with u the
			// coordinate that varies across, v the fixed one.
			u, v := cy, cx
			if sx0 == 1 {
				u, v = cx, cy
			}
			n += m
			su := m*u + k1
			suu := m*u*u + 2*u*k1 + k2
			if sx0 == 1 {
				sx += su
				sxx += suu
				sy += m * v
				syy += m * v * v
			} else {
				sy += su
				syy += suu
				sx += m * v
				sxx += m * v * v
			}
			sxy += v * su
			continue
		}
		for k := -2; k <= 2; k++ {
			x, y := cx+k*sx0, cy+k*sy0
			if x < 0 || y < 0 || x >= cw || y >= ch {
				continue
			}
			if !ok[ori[y*cw+x]&511] {
				continue
			}
			n++
			sx += x
			sy += y
			sxx += x * x
			syy += y * y
			sxy += x * y
		}
	}
	return [6]int{n, sx, sy, sxx, syy, sxy}
}

// bandStats[h] is the count, Σk and Σk² of the bits of h, bit i standing
// for k = i-2 (bandSums).
var bandStats = func() (t [32][3]int8) {
	for h := range t {
		for i := 0; i < 5; i++ {
			if h>>i&1 != 0 {
				k := i - 2
				t[h][0]++
				t[h][1] += int8(k)
				t[h][2] += int8(k * k)
			}
		}
	}
	return
}()

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
	a.setDir(l.deg)
	hits := a.steps[:n]
	a.walk(l, px, py, dx, dy, l.t0, false, hits)
	for i, m := range hits {
		t := l.t0 + i
		var h int16
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
