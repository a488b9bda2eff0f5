package quality

import (
	"cmp"
	"math"
	"slices"
)

// The object (card or sheet) is a quadrilateral: two pairs of nearly
// parallel lines, nearly perpendicular to each other, whose sides have the
// object's aspect and are supported by edge pixels along most of their
// length. Fingers over an edge interrupt a side, which only lowers its
// support; a hidden corner is where its two lines meet anyway.

const (
	// parallelTol: opposite sides of a card turned up to ~25° away from
	// the camera differ in direction by up to this much (degrees).
	parallelTol = 12
	// perpTol: adjacent sides meet at 90° ± this under perspective.
	perpTol = 25
	// quadAspectTol: relative tolerance on long/short.
	quadAspectTol = 0.13
	// minSideSupport: even the side a thumb covers most shows a third of
	// its length; minSupport: the whole outline shows 60 %.
	minSideSupport = 0.3
	minSupport     = 0.6
	// maxOvershoot: a card's side ends at its corners; a line that goes
	// on well beyond them (a plank seam, a table edge) is not a card side.
	maxOvershoot = 0.5
	// cornerTrim: the rounded corners (3 mm radius on an 85.6 × 54 mm
	// card) do not lie on the sides' lines; that much of each end of a
	// side is not counted (fraction of the short side).
	cornerTrim = 0.07
	// minShort: an outline's short side on the coarse grid (~320 px
	// across): a card at 12 % of the frame's width is 24 px tall there; a
	// key of a keyboard or a letter is smaller. A three-sided outline must
	// be a little larger still: it has one side less to prove it.
	minShort  = 12
	minShort3 = 16
	// minCutSpan: an object cut by the frame's edge is reported as too
	// close only when whole it would be at least this wide (fraction of
	// the frame's width); a small shape in a corner is not a card held too
	// close.
	minCutSpan = 0.4
)

// pair is two nearly parallel lines, their distance apart and their
// direction's bucket.
type pair struct {
	i, j     int
	sep      float64
	bucket   int
	strength int // votes of both lines
	rank     int // place in strength order
}

// pairBuckets: directions are bucketed by 10°; perpBuckets: the buckets
// either side of the perpendicular one that can hold a pair across
// (perpTol = 25°).
const (
	pairBuckets = 18
	perpBuckets = 3
	// maxTries: outlines built and checked per frame at most (a card on
	// a desk takes a few hundred to two thousand).
	maxTries = 4000
)

func iabs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// quad is a candidate object outline on the coarse grid.
type quad struct {
	l       [4]int        // lines: long sides a, b; short sides c, d
	p       [4][2]float64 // corners a∩c, a∩d, b∩d, b∩c (in order round the outline)
	long    float64       // mean length of the long sides
	short   float64       // mean length of the short sides
	support float64       // fraction of the (visible) outline with edge support
	score   float64
	cut     bool    // a corner lies outside the frame
	inside  float64 // fraction of the outline inside the frame
}

func intersect(a, b *line) (x, y float64, ok bool) {
	det := a.cos*b.sin - a.sin*b.cos
	if math.Abs(det) < 1e-6 {
		return 0, 0, false
	}
	x = (a.rho*b.sin - b.rho*a.sin) / det
	y = (a.cos*b.rho - b.cos*a.rho) / det
	return x, y, true
}

// param returns the position of (x, y) along l.
func (l *line) param(x, y float64) float64 { return -x*l.sin + y*l.cos }

// findQuad searches a.lines for the best outline of the given aspect; ok
// is false when none is good enough.
func (a *Analyzer) findQuad(target, other float64) (best quad, ok bool) {
	lines := a.lines
	n := len(lines)
	// Pairs of nearly parallel lines.
	pairs := a.pairs[:0]
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			if angDiff(lines[i].deg, lines[j].deg) > parallelTol {
				continue
			}
			// They must be apart (not two ridges of one edge), and face
			// each other: opposite sides of a card span the same stretch.
			d := lineDist(&lines[i], &lines[j])
			if d < 6 || facing(&lines[i], &lines[j]) < 0.5 {
				continue
			}
			dir := (lines[i].deg%180 + lines[j].deg%180) / 2
			if angDiff(lines[i].deg%180, lines[j].deg%180) != iabs(lines[i].deg%180-lines[j].deg%180) {
				dir = (dir + 90) % 180 // they straddle 0°/180°
			}
			pairs = append(pairs, pair{i: i, j: j, sep: d, bucket: dir * pairBuckets / 180,
				strength: lines[i].votes + lines[j].votes})
		}
	}
	// Sorted by direction bucket, then separation, so that for a pair
	// only the pairs across it with a fitting separation are visited.
	slices.SortFunc(pairs, func(p, q pair) int {
		if p.bucket != q.bucket {
			return p.bucket - q.bucket
		}
		return cmp.Compare(p.sep, q.sep)
	})
	var start [pairBuckets + 1]int
	for i, b := 0, 0; b <= pairBuckets; b++ {
		for i < len(pairs) && pairs[i].bucket < b {
			i++
		}
		start[b] = i
	}
	a.pairs = pairs
	// The strongest pairs first, and a bound on the work: a frame full of
	// parallel lines (text, a keyboard, planks) cannot take the analysis
	// past its time; a card's sides are among the strongest lines.
	order := a.order[:0]
	for i := range pairs {
		order = append(order, i)
	}
	slices.SortFunc(order, func(i, j int) int { return pairs[j].strength - pairs[i].strength })
	for r, i := range order {
		pairs[i].rank = r
	}
	a.order = order
	tries := 0
	W, H := float64(a.cw), float64(a.ch)
	// The two separations are the outline's two sides (near enough for a
	// first cut): their ratio is the aspect, give or take perspective.
	lo, hi := target*(1-2*quadAspectTol), target*(1+2*quadAspectTol)
	for _, pi := range order {
		P := pairs[pi]
		if tries > maxTries {
			break
		}
		la, lb := &lines[P.i], &lines[P.j]
		for db := -perpBuckets; db <= perpBuckets; db++ {
			b := (P.bucket + pairBuckets/2 + db + pairBuckets) % pairBuckets
			seg := pairs[start[b]:start[b+1]]
			for _, win := range [2][2]float64{{P.sep * lo, P.sep * hi}, {P.sep / hi, P.sep / lo}} {
				k, _ := slices.BinarySearchFunc(seg, win[0], func(p pair, v float64) int { return cmp.Compare(p.sep, v) })
				for qi := start[b] + k; qi < start[b+1] && pairs[qi].sep <= win[1]; qi++ {
					Q := pairs[qi]
					if Q.rank <= P.rank {
						continue // tried from Q's side already
					}
					if Q.i == P.i || Q.i == P.j || Q.j == P.i || Q.j == P.j {
						continue
					}
					lc, ld := &lines[Q.i], &lines[Q.j]
					if d := angDiff(la.deg, lc.deg); d < 90-perpTol {
						continue
					}
					tries++
					if q, good := a.tryQuad(la, lb, lc, ld, P, Q, target, other, W, H); good && (!ok || q.score > best.score) {
						best, ok = q, true
					}
				}
			}
		}
	}
	return best, ok
}

// tryQuad builds and scores the outline of lines a, b (pair P) and c, d
// (pair Q).
func (a *Analyzer) tryQuad(la, lb, lc, ld *line, P, Q pair, target, other, W, H float64) (quad, bool) {
	// Corners a∩c, a∩d, b∩d, b∩c, each with its place along both lines.
	k0, k1, k2, k3 := a.cross(P.i, Q.i), a.cross(P.i, Q.j), a.cross(P.j, Q.j), a.cross(P.j, Q.i)
	var c [4][2]float64
	for k, x := range [4]*crossing{k0, k1, k2, k3} {
		if !x.ok || x.x < -W || x.x > 2*W || x.y < -H || x.y > 2*H {
			return quad{}, false
		}
		c[k] = [2]float64{x.x, x.y}
	}
	// Each side must lie along its line's support for half its
	// length at least (cheap test before the real scoring).
	if !alongT(la, k0.ti, k1.ti) || !alongT(lb, k3.ti, k2.ti) || !alongT(lc, k0.tj, k3.tj) || !alongT(ld, k1.tj, k2.tj) || !convex(&c) {
		return quad{}, false
	}
	lenA := dist(c[0], c[1])
	lenB := dist(c[3], c[2])
	lenC := dist(c[0], c[3])
	lenD := dist(c[1], c[2])
	if lenA < 1 || lenB < 1 || lenC < 1 || lenD < 1 {
		return quad{}, false
	}
	if r := lenA / lenB; r < 0.75 || r > 1/0.75 {
		return quad{}, false
	}
	if r := lenC / lenD; r < 0.75 || r > 1/0.75 {
		return quad{}, false
	}
	ab, cd := (lenA+lenB)/2, (lenC+lenD)/2
	q := quad{}
	if ab >= cd {
		q.l = [4]int{P.i, P.j, Q.i, Q.j}
		q.p = c
		q.long, q.short = ab, cd
	} else {
		// Relabel so a, b are the long sides: corners c∩a, c∩b, d∩b, d∩a.
		q.l = [4]int{Q.i, Q.j, P.i, P.j}
		q.p = [4][2]float64{c[0], c[3], c[2], c[1]}
		q.long, q.short = cd, ab
	}
	asp := q.long / q.short
	if math.Abs(asp-target)/target > quadAspectTol || math.Abs(asp-target) >= math.Abs(asp-other) {
		return quad{}, false
	}
	if q.short < minShort {
		return quad{}, false
	}
	return q, a.scoreQuad(&q)
}

// lineDist is the distance between two nearly parallel lines, measured
// at the middle of the first one's support.
func lineDist(a, b *line) float64 {
	t := float64(a.first+a.end) / 2
	x, y := a.rho*a.cos-t*a.sin, a.rho*a.sin+t*a.cos
	return math.Abs(x*b.cos + y*b.sin - b.rho)
}

// overshoot measures how far l's support goes on beyond the side [t0, t1]
// (c supported steps): the larger covered fraction of the quarter-side
// stretches past either corner, counting only edges at least half as
// strong as the side's own (wood grain running on along a card's edge is
// much weaker than the card's outline; a row of keys is not). A stretch
// mostly outside the frame says nothing.
func (a *Analyzer) overshoot(l *line, t0, t1, trim, c float64) float64 {
	if c <= 0 {
		return 0
	}
	side := a.strength(l, t0+trim, t1-trim) / c
	ext := 0.25 * (t1 - t0)
	var worst float64
	for _, o := range [2][2]float64{{t1 + trim, t1 + trim + ext}, {t0 - trim - ext, t0 - trim}} {
		c2, n2 := a.support(l, o[0], o[1])
		if n2 < 4 || c2 == 0 {
			continue
		}
		if a.strength(l, o[0], o[1])/c2 < 0.5*side {
			continue
		}
		worst = max(worst, c2/n2)
	}
	return worst
}

// facing is the overlap of two nearly parallel lines' supported stretches,
// as a fraction of the shorter one.
func facing(a, b *line) float64 {
	// b's support ends, in a's parameter
	bx0, by0 := b.rho*b.cos-float64(b.first)*b.sin, b.rho*b.sin+float64(b.first)*b.cos
	bx1, by1 := b.rho*b.cos-float64(b.end)*b.sin, b.rho*b.sin+float64(b.end)*b.cos
	t0, t1 := a.param(bx0, by0), a.param(bx1, by1)
	if t0 > t1 {
		t0, t1 = t1, t0
	}
	lo, hi := max(t0, float64(a.first)), min(t1, float64(a.end))
	short := min(t1-t0, float64(a.end-a.first))
	if short <= 0 {
		return 0
	}
	return max(hi-lo, 0) / short
}

// alongT reports whether the side from t0 to t1 (positions along l)
// overlaps l's supported stretch over half its length inside the frame.
func alongT(l *line, t0, t1 float64) bool {
	if t0 > t1 {
		t0, t1 = t1, t0
	}
	t0, t1 = max(t0, float64(l.t0)), min(t1, float64(l.t1))
	if t1 <= t0 {
		return false
	}
	lo, hi := max(t0, float64(l.first)), min(t1, float64(l.end))
	return hi-lo >= 0.5*(t1-t0)
}

// crossing is where lines i and j of a.lines meet (ok: they do) and its
// position along each; a.cross computes it once per frame.
type crossing struct {
	x, y   float64
	ti, tj float64
	ok     bool
	gen    uint32 // a.gen when computed
}

// cross returns the crossing of lines i and j (in that order, as
// intersect takes them).
func (a *Analyzer) cross(i, j int) *crossing {
	c := &a.crossings[i*maxCrossLines+j]
	if c.gen != a.gen {
		c.gen = a.gen
		c.x, c.y, c.ok = intersect(&a.lines[i], &a.lines[j])
		if c.ok {
			c.ti, c.tj = a.lines[i].param(c.x, c.y), a.lines[j].param(c.x, c.y)
		}
	}
	return c
}

// maxCrossLines bounds a.lines (peaks keeps at most maxLines).
const maxCrossLines = maxLines + 4

// dist is the distance from p to q (coordinates far from overflow: no
// need for math.Hypot's care, nor its cost).
func dist(p, q [2]float64) float64 {
	dx, dy := p[0]-q[0], p[1]-q[1]
	return math.Sqrt(dx*dx + dy*dy)
}

// convex reports whether the four corners, in order, make a convex
// outline (all turns the same way).
func convex(c *[4][2]float64) bool {
	// The turn at each corner: z(p, q, r) = (q-p)×(r-q).
	turn := func(p, q, r *[2]float64) float64 {
		return (q[0]-p[0])*(r[1]-q[1]) - (q[1]-p[1])*(r[0]-q[0])
	}
	z0 := turn(&c[0], &c[1], &c[2])
	z1 := turn(&c[1], &c[2], &c[3])
	z2 := turn(&c[2], &c[3], &c[0])
	z3 := turn(&c[3], &c[0], &c[1])
	if z0 == 0 || z1 == 0 || z2 == 0 || z3 == 0 {
		return false
	}
	pos := z0 > 0
	return (z1 > 0) == pos && (z2 > 0) == pos && (z3 > 0) == pos
}

// scoreQuad measures the support of q's four sides and its overshoot; it
// fills q.support and q.score and reports whether q is acceptable.
func (a *Analyzer) scoreQuad(q *quad) bool { return a.scoreQuadWhy(q) == "" }

// scoreQuadWhy is scoreQuad saying why a candidate fails ("" when it
// passes), for the diagnostics.
func (a *Analyzer) scoreQuadWhy(q *quad) string {
	trim := cornerTrim * q.short
	var supp, total, over float64
	W, H := float64(a.cw-1), float64(a.ch-1)
	q.cut = false
	for _, p := range q.p {
		// A pixel beyond the grid is within the fit's error; the
		// rounded-corner check on the fine image (nearEdge) decides those.
		if p[0] < -1 || p[1] < -1 || p[0] > W+1 || p[1] > H+1 {
			q.cut = true
		}
	}
	// sides: line index and its two corners
	sides := [4][3]int{{0, 0, 1}, {1, 3, 2}, {2, 0, 3}, {3, 1, 2}}
	minSide := 1.0
	var visible, full float64
	for _, s := range sides {
		l := &a.lines[q.l[s[0]]]
		p0, p1 := q.p[s[1]], q.p[s[2]]
		t0, t1 := l.param(p0[0], p0[1]), l.param(p1[0], p1[1])
		if t0 > t1 {
			t0, t1 = t1, t0
		}
		full += t1 - t0
		c, n := a.support(l, t0+trim, t1-trim)
		visible += n
		if n < 0.5*(t1-t0-2*trim) {
			// Most of this side is outside the frame: only judge what shows.
			if n < 4 {
				continue
			}
		}
		f := c / n
		minSide = min(minSide, f)
		supp += c
		total += n
		// Overshoot: support beyond each corner, over a quarter of the
		// side's length.
		if o := a.overshoot(l, t0, t1, trim, c); o > 0 {
			over = max(over, o)
			if o > maxOvershoot {
				return "overshoot"
			}
		}
	}
	if total == 0 {
		return "outside"
	}
	q.support = supp / total
	q.inside = visible / max(full, 1)
	if minSide < minSideSupport {
		return "side"
	}
	if q.support < minSupport {
		return "support"
	}
	q.score = supp * (1 - 0.5*over)
	return ""
}

// findCut looks for an object the frame's edge cuts: two parallel sides
// running off the frame and the side joining them (three real lines and
// a frame edge), or, for a sheet, two long parallel sides running from
// one edge of the frame to the opposite one. The visible part must be
// shorter than the whole object would be (it is cut, not small), and its
// inside must show print. Sides must be well supported: with one side
// fewer to check, the others count for more.
func (a *Analyzer) findCut(target float64) (best quad, ok bool) {
	lines := a.lines
	W, H := float64(a.cw-1), float64(a.ch-1)
	borders := [4]line{}
	for i, bd := range [4][2]float64{{90, 0}, {90, H}, {0, 0}, {0, W}} {
		l := line{rho: bd[1]}
		l.setAngle(bd[0] * math.Pi / 180)
		borders[i] = l
	}
	inside := func(x, y float64) bool { return x >= -1 && y >= -1 && x <= W+1 && y <= H+1 }
	onBorder := func(x, y float64) bool { return x >= -2 && y >= -2 && x <= W+2 && y <= H+2 }
	for _, P := range a.pairs {
		la, lb := &lines[P.i], &lines[P.j]
		// Three real sides and one frame edge.
		for ci := range lines {
			if ci == P.i || ci == P.j {
				continue
			}
			lc := &lines[ci]
			if angDiff(la.deg, lc.deg) < 90-perpTol {
				continue
			}
			ka, kb := a.cross(P.i, ci), a.cross(P.j, ci)
			ax, ay, ok1 := ka.x, ka.y, ka.ok
			bx, by, ok2 := kb.x, kb.y, kb.ok
			if !ok1 || !ok2 || !inside(ax, ay) || !inside(bx, by) {
				continue
			}
			for bi := range borders {
				ld := &borders[bi]
				dx1, dy1, ok3 := intersect(la, ld)
				dx2, dy2, ok4 := intersect(lb, ld)
				if !ok3 || !ok4 || !onBorder(dx1, dy1) || !onBorder(dx2, dy2) {
					continue
				}
				c := [4][2]float64{{ax, ay}, {dx1, dy1}, {dx2, dy2}, {bx, by}}
				if !convex(&c) {
					continue
				}
				D := dist(c[0], c[3])
				vis := max(dist(c[0], c[1]), dist(c[3], c[2]))
				if D < 8 || vis < 8 {
					continue
				}
				// c short side: the whole long side is target·D; c long:
				// the short side is D/target. Either way the visible part
				// must be cut short of it, but not be a sliver.
				full := target * D
				if vis > 1.1*full {
					full = D / target
				}
				if vis > 1.1*full || vis < 0.3*full {
					continue
				}
				// Too close means big: the whole object would span at
				// least minCutSpan of the frame's width.
				if max(full, D) < minCutSpan*W {
					continue
				}
				q := quad{l: [4]int{P.i, P.j, ci, -1}, p: c, cut: true}
				if !a.scoreCut(&q, [][3]int{{P.i, 0, 1}, {P.j, 3, 2}, {ci, 0, 3}}) {
					continue
				}
				if !ok || q.score > best.score {
					best, ok = q, true
				}
			}
		}
		// An object across the whole frame: two sides from edge to
		// edge, too far apart for the rest of it to fit.
		for _, bb := range [2][2]int{{0, 1}, {2, 3}} {
			l1, l2 := &borders[bb[0]], &borders[bb[1]]
			x0, y0, o1 := intersect(la, l1)
			x1, y1, o2 := intersect(la, l2)
			x2, y2, o3 := intersect(lb, l2)
			x3, y3, o4 := intersect(lb, l1)
			if !o1 || !o2 || !o3 || !o4 || !onBorder(x0, y0) || !onBorder(x1, y1) || !onBorder(x2, y2) || !onBorder(x3, y3) {
				continue
			}
			c := [4][2]float64{{x0, y0}, {x1, y1}, {x2, y2}, {x3, y3}}
			if !convex(&c) {
				continue
			}
			D := lineDist(la, lb)
			vis := max(dist(c[0], c[1]), dist(c[3], c[2]))
			// The object is D across; along the two sides it would run
			// target·D (they are its long sides), which does not fit. A
			// sheet held upright is its usual case; for a card it takes
			// the card across most of the frame (two plank seams of a
			// desk are never that far apart with nothing between).
			across := H // the lines run from left to right
			if bb[0] == 0 {
				across = W // from top to bottom
			}
			minD := 0.25 * min(W, H)
			if target != SheetAspect {
				minD = 0.8 * across
			}
			if D < minD || target*D < 1.05*vis {
				continue
			}
			q := quad{l: [4]int{P.i, P.j, -1, -1}, p: c, cut: true}
			if !a.scoreCut(&q, [][3]int{{P.i, 0, 1}, {P.j, 3, 2}}) {
				continue
			}
			if !ok || q.score > best.score {
				best, ok = q, true
			}
		}
	}
	if ok && !a.hasPrint(&best) {
		ok = false
	}
	return best, ok
}

// scoreCut checks the real sides of a cut outline: each (line index and
// its two corners in q.p) supported along 60 % of its length (75 % on
// average), ending at its corners (no support beyond the corner that is
// not the frame's), and a side running to the frame's edge supported up
// to it: the frame cuts the object, the object does not stop short.
func (a *Analyzer) scoreCut(q *quad, sides [][3]int) bool {
	var supp, total float64
	W, H := float64(a.cw-1), float64(a.ch-1)
	onEdge := func(p [2]float64) bool { return p[0] < 2 || p[1] < 2 || p[0] > W-2 || p[1] > H-2 }
	for _, s := range sides {
		l := &a.lines[s[0]]
		p0, p1 := q.p[s[1]], q.p[s[2]]
		t0, t1 := l.param(p0[0], p0[1]), l.param(p1[0], p1[1])
		e0, e1 := onEdge(p0), onEdge(p1)
		if t0 > t1 {
			t0, t1 = t1, t0
			e0, e1 = e1, e0
		}
		trim := 0.04 * (t1 - t0)
		c, n := a.support(l, t0+trim, t1-trim)
		if n < 8 || c/n < 0.6 {
			return false
		}
		end := max(4, 0.06*(t1-t0))
		if e1 {
			if c2, n2 := a.support(l, t1-end, t1-1); n2 > 0 && c2/n2 < 0.6 {
				return false
			}
		}
		if e0 {
			if c2, n2 := a.support(l, t0+1, t0+end); n2 > 0 && c2/n2 < 0.6 {
				return false
			}
		}
		if a.overshoot(l, t0, t1, trim, c) > maxOvershoot {
			return false
		}
		supp += c
		total += n
	}
	q.support = supp / total
	q.score = supp
	return q.support >= 0.75
}

// findQuad3 looks for an outline with one side hidden (a hand over a whole
// end of the card, or a background line lying along it): two parallel
// sides and the side joining them are seen, and the hidden side is put
// where the object's aspect says, along the two parallel sides. The seen
// sides must be well supported over the whole of their hypothesised
// length and end where the outline does.
func (a *Analyzer) findQuad3(target, other float64) (best quad, ok bool) {
	lines := a.lines
	W, H := float64(a.cw-1), float64(a.ch-1)
	for _, P := range a.pairs {
		la, lb := &lines[P.i], &lines[P.j]
		for ci := range lines {
			if ci == P.i || ci == P.j {
				continue
			}
			lc := &lines[ci]
			if angDiff(la.deg, lc.deg) < 90-perpTol || angDiff(lb.deg, lc.deg) < 90-perpTol {
				continue
			}
			ka, kb := a.cross(P.i, ci), a.cross(P.j, ci)
			ax, ay, ok1 := ka.x, ka.y, ka.ok
			bx, by, ok2 := kb.x, kb.y, kb.ok
			if !ok1 || !ok2 || ax < -1 || ay < -1 || bx < -1 || by < -1 || ax > W+1 || ay > H+1 || bx > W+1 || by > H+1 {
				continue
			}
			D := math.Hypot(ax-bx, ay-by)
			if D < 8 {
				continue
			}
			// Which way from c do a and b run? Towards their support.
			ta, tb := ka.ti, kb.ti
			sa := math.Copysign(1, float64(la.first+la.end)/2-ta)
			sb := math.Copysign(1, float64(lb.first+lb.end)/2-tb)
			// a and b must run the same way in the image.
			if (-la.sin*sa)*(-lb.sin*sb)+(la.cos*sa)*(lb.cos*sb) <= 0 {
				continue
			}
			for _, L := range [2]float64{target * D, D / target} {
				long, short := L, D
				if L < D {
					long, short = D, L
				}
				if short < minShort3 {
					continue
				}
				// far corners
				fax, fay := ax-la.sin*sa*L, ay+la.cos*sa*L
				fbx, fby := bx-lb.sin*sb*L, by+lb.cos*sb*L
				q := quad{long: long, short: short}
				q.p = [4][2]float64{{ax, ay}, {fax, fay}, {fbx, fby}, {bx, by}}
				if !convex(&q.p) {
					continue
				}
				if !a.score3(&q, la, lb, lc, ta, tb, ta+sa*L, tb+sb*L) {
					continue
				}
				asp := long / short
				if math.Abs(asp-target) >= math.Abs(asp-other) {
					continue
				}
				if L < D {
					// c is the long side: corners from a long side.
					q.p = [4][2]float64{q.p[3], q.p[0], q.p[1], q.p[2]}
				}
				q.l = [4]int{P.i, P.j, ci, -1}
				// A hidden side on the frame's edge is most likely the
				// frame cutting the card, not a hand over it.
				mx, my := 0.03*W, 0.03*H
				for _, c := range [2][2]float64{{fax, fay}, {fbx, fby}} {
					if c[0] < mx || c[1] < my || c[0] > W-mx || c[1] > H-my {
						q.cut = true
					}
				}
				if !ok || q.score > best.score {
					best, ok = q, true
				}
			}
		}
	}
	return best, ok
}

// score3 checks the three seen sides of a three-sided outline: a from ta
// to fa, b from tb to fb, c between a and b.
func (a *Analyzer) score3(q *quad, la, lb, lc *line, ta, tb, fa, fb float64) bool {
	trim := cornerTrim * q.short
	var supp, total float64
	check := func(l *line, t0, t1 float64) bool {
		if t0 > t1 {
			t0, t1 = t1, t0
		}
		c, n := a.support(l, t0+trim, t1-trim)
		if n < 0.8*(t1-t0-2*trim) || c < 0.7*n {
			return false
		}
		if a.overshoot(l, t0, t1, trim, c) > maxOvershoot {
			return false
		}
		supp += c
		total += n
		return true
	}
	if !check(la, ta, fa) || !check(lb, tb, fb) {
		return false
	}
	c0, c1 := lc.param(q.p[0][0], q.p[0][1]), lc.param(q.p[3][0], q.p[3][1])
	if !check(lc, c0, c1) {
		return false
	}
	q.support = supp / total
	// A hidden side counts against the outline: prefer four seen sides.
	q.score = 0.8 * supp
	return true
}
