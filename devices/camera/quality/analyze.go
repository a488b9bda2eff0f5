package quality

import (
	"image"
	"math"
)

// Thresholds. Each says what it means physically; they were set on scenes
// drawn by package sim (any size from 640×480 to 1920×1080, textured and
// light desks, fingers over the edges, warm light, JPEG down to quality
// 60) and checked against photos drawn by someone else (the camera
// sample beside the repository), never fitted to one picture.
const (
	// CardAspect is the ID-1 card's long side over its short side.
	CardAspect = 85.60 / 53.98
	// SheetAspect is A4's and A5's (√2).
	SheetAspect = math.Sqrt2

	// Distance. A card under 36 % of the frame's width is too far to be
	// read, and under cardMinPx pixels across (the photo's own pixels)
	// whatever the frame: 260 px over 85.6 mm is 3 px/mm, which leaves the
	// 2.5 mm characters of the machine-readable zone 7-8 px tall, the least
	// OCR and the call-centre officer can use. Over 92 % of the width, any
	// hand movement cuts a corner off.
	cardMinWidth = 0.36
	cardMaxWidth = 0.92
	cardMinPx    = 260
	// A sheet must be whole (all four corners in the frame) and at least sheetMinPPM photo pixels per millimetre:
	// handwriting 5 mm tall is then ≥ 9 px, print 3 mm ≥ 5-6 px. A whole
	// portrait A4 sheet in a 1280×720 frame reaches 2.2 px/mm.
	sheetMinPPM  = 1.9
	sheetMaxFill = 0.97

	// Minimum photo size (either orientation). Below 640×360 a card fills
	// too few pixels even held close; below 1280×720 a whole A4 sheet
	// cannot reach sheetMinPPM.
	minLongPx, minShortPx         = 640, 360
	minSheetLongPx, minSheetShort = 1280, 720

	// Exposure on the object (grey 0-255). The white level is the card's
	// 75th percentile (its pastel background): 140-215 when well lit, still
	// ~140 under warm tungsten light. Under 80 the webcam's gain noise
	// swamps the print. Over 35 % clipped (or a mean over 235), the pastel
	// and the guilloche are gone: the frame is over-exposed.
	darkWhite     = 80
	brightMean    = 235
	overexposedFr = 0.35
	satLevel      = 250
	// glareFrac: a clipped spot over 1 % of the card (a 7 mm disc) hides
	// characters.
	glareFrac = 0.01
	// A frame whose darkest tenth is over frameBrightP10 is washed out:
	// then the light is all the visitor is told, nothing else can be
	// judged.
	frameBrightP10 = 200
	// frameBrightMean: with no card or sheet to be seen, a frame this
	// bright on average is over-exposed (a lit room averages 90-180).
	frameBrightMean = 210
	// minPrintSD: a card or sheet has print (text, photo): the spread of
	// grey levels inside it is at least this fraction of its white level.
	// A plain shape (a sticky note, a door, a key) has none.
	minPrintSD      = 0.07
	minSheetPrintSD = 0.02
	// maxBlurPx: the print's blur (Gaussian σ) in the photo's own pixels.
	// A sharp webcam image measures 0-0.8 (lens, demosaicing, JPEG); from
	// ~2 px the strokes of small print merge (measured ≥ 1.6 at every
	// scale the analysis sees, see TestBlurEstimate).
	maxBlurPx = 1.6
	// steepSlope: a Gaussian-blurred step rises at most 0.4/σ of its
	// height per pixel. Thin print never reaches its full contrast, so
	// the slope reads soft cards as softer than they are; it is only
	// believed from steepMinSigma (fine pixels) up, where only a really
	// blurred print falls.
	steepSlope     = 0.4
	steepMinSigma  = 1.4
	maxSheetBlurPx = 2
	// maxTiltDeg: beyond 10° the lines of the machine-readable zone cross
	// each other's rows for OCR, and the officer has to turn their head.
	maxTiltDeg = 10
	// MRZThreshold: see mrzScore; the front of a DNI scores under 0.3, the
	// back over 0.6.
	MRZThreshold = 0.45
	// Face mode: the face must not be much darker than the surround
	// (backlight: a window behind the visitor).
	faceBacklight = 60
	// Face framing (fractions of the frame). faceMinBlob: a skin blob under
	// 0.6 % of the frame is a hand, a neck or nothing. The FNMT video check
	// wants the head at 30-80 % of the frame's height (shoulders visible,
	// chin and hair inside), near the centre.
	faceMinBlob   = 0.006
	faceMinHeight = 0.3
	faceMaxHeight = 0.8
	faceMaxOffX   = 0.15
	darkMean      = 75
	// minFaceSharpness: Laplacian variance over grey variance on the face
	// (0.15-0.5 sharp, under 0.05 blurred).
	minFaceSharpness = 0.08
)

// thumb is the card resampled upright, for the MRZ check and the signature.
const (
	thumbW = 192
	thumbH = 120
)

// Analyzer judges frames. The zero value is ready (IDCard mode); it keeps
// its buffers between calls and is not safe for concurrent use.
type Analyzer struct {
	Mode Mode

	fine     []uint8 // grey, ≤ fineMaxW wide (fineBuf, or the caller's luma during a call)
	fineBuf  []uint8
	rowCand  []int32 // a fine row's blur candidates
	fw, fh   int
	k1       int     // photo pixels per fine pixel
	scale    float64 // photo pixels per fine pixel, exact (reduced input)
	coarse   []uint8 // grey, ~coarseW wide
	cw, ch   int
	k2       int      // fine pixels per coarse pixel
	acc      []uint32 // row sums for downscaling
	lab      []int32
	queue    []int32
	thumb    [thumbW * thumbH]uint8
	hist     [256]int32
	ratioX   [ratioBins]int32
	ratioY   [ratioBins]int32
	gradHist [1024]int32
	lapHst   [1024]int32

	// line finder (lines.go, quad.go)
	mag        []uint16
	ori        []uint16
	colS, colT []uint64  // a row's column sums and differences (gradRow)
	gxw, gyw   []uint64  // the coarse grid's gradient, four pixels a word (gradRow)
	okDir      [512]bool // see setDir
	edgeThr    int
	edgeList   []int32
	hough      []uint16 // see vote
	hStride    int
	rowMax     [512]uint16       // each direction's highest count (512: see vote1)
	rowOrder   [houghBins]uint32 // directions by rowMax (peaks)
	voteBins   [houghBins + 2*voteSpread + 1]voteBin
	rhoRange   [houghBins][2]int32 // ρ bins a line through the grid can have
	nRho       int
	rhoOff     int
	lines      []line
	cov        []int16
	steps      []int32 // one line's look-ups (walk)
	covMag     []int32
	pairs      []pair
	order      []int
	cands      []cand
	crossings  []crossing // maxCrossLines², see cross
	gen        uint32
}

// NewAnalyzer returns an Analyzer for mode m.
func NewAnalyzer(m Mode) *Analyzer { return &Analyzer{Mode: m} }

// Analyze judges img, a photo at its own resolution. The returned Result
// holds no reference to img or to the analyzer's buffers.
func (a *Analyzer) Analyze(img image.Image) Result {
	b := img.Bounds()
	return a.AnalyzeSource(img, b.Dx(), b.Dy())
}

// AnalyzeSource judges img, a reduced copy of a photo of fullW×fullH
// pixels (a JPEG decoded at 1/2, 1/4 or 1/8 scale, luma only). Sizes,
// the minimum resolution and blur are judged in the photo's own pixels,
// so the verdict is the one Analyze would give on the full photo.
func (a *Analyzer) AnalyzeSource(img image.Image, fullW, fullH int) Result {
	r := Result{Mode: a.Mode}
	b := img.Bounds()
	if fullW < b.Dx() || fullH < b.Dy() {
		fullW, fullH = b.Dx(), b.Dy()
	}
	m := &r.Metrics
	m.Width, m.Height = fullW, fullH
	if b.Dx() < 32 || b.Dy() < 24 {
		r.Problems = r.Problems.Add(LowResolution)
		return r
	}
	a.grey(img)
	defer a.release()
	a.scale = float64(fullW) / float64(a.fw)
	p10, p99 := a.frameStats(m)
	long, short := max(fullW, fullH), min(fullW, fullH)
	minLong, minShort := minLongPx, minShortPx
	if a.Mode == Document {
		minLong, minShort = minSheetLongPx, minSheetShort
	}
	if long < minLong || short < minShort {
		r.Problems = r.Problems.Add(LowResolution)
	}
	if a.Mode == Face {
		a.face(img, &r)
		r.OK = r.Problems.Empty()
		return r
	}
	a.object(&r, p10, p99)
	r.OK = r.Problems.Empty()
	return r
}

// frameStats fills the frame's mean and returns its 10th and 99th
// percentiles (coarse grid).
func (a *Analyzer) frameStats(m *Metrics) (p10, p99 int) {
	var h [256]int32
	var s int
	for _, v := range a.coarse {
		h[v]++
		s += int(v)
	}
	n := len(a.coarse)
	m.FrameMean = float64(s) / float64(n)
	acc := 0
	p10, p99 = -1, -1
	for v, c := range h {
		acc += int(c)
		if p10 < 0 && acc*10 >= n {
			p10 = v
		}
		if p99 < 0 && acc*100 >= 99*n {
			p99 = v
			break
		}
	}
	return p10, p99
}

// object judges a card (IDCard) or a sheet (Document): find its outline,
// then distance, tilt, light, glare and blur on the object itself, in that
// order of priority.
func (a *Analyzer) object(r *Result, p10, p99 int) {
	m := &r.Metrics
	// A frame too dark or washed out hides the object's outline and its
	// print; say so first, it is what the visitor must fix. In a frame
	// whose brightest 1 % is under the least white a card may have, any
	// card is too dark too (a card at 12 % of the width is 1.6 % of it).
	if p99 < darkWhite {
		r.Problems = r.Problems.Add(TooDark)
		return
	}
	if p10 > frameBrightP10 {
		r.Problems = r.Problems.Add(TooBright)
		return
	}
	target, other := CardAspect, SheetAspect
	if a.Mode == Document {
		target, other = SheetAspect, CardAspect
	}
	a.findEdges()
	a.peaks()
	q, ok := a.findQuad(target, other)
	if ok && !a.hasPrint(&q) {
		ok = false
	}
	if !ok {
		q, ok = a.findQuad3(target, other)
		if ok && !a.hasPrint(&q) {
			ok = false
		}
	}
	// Not whole in the frame? An outline the frame's edge cuts (three
	// sides and the frame, or two sides across it) is looked for when
	// nothing whole was found, or only something small that might be
	// print on a card held too close.
	if !ok || q.long < 0.5*float64(a.cw) {
		if cq, cut := a.findCut(target); cut && (!ok || (inside(cq.p, centre(q.p)) && polyArea(cq.p) > 2*polyArea(q.p))) {
			m.Found, m.TouchesEdge = true, true
			a.outline(&cq, m)
			r.Problems = r.Problems.Add(TooClose)
			return
		}
	}
	if !ok {
		// Nothing found in a washed-out frame: the light hid it.
		if m.FrameMean > frameBrightMean {
			r.Problems = r.Problems.Add(TooBright)
			return
		}
		r.Problems = r.Problems.Add(NoCard)
		return
	}
	if a.Mode == Document {
		// An ID card is not the signed sheet, and its outline and print
		// may make a shape of a sheet's proportions (the photo, or most of
		// the card): if a card's outline, larger than that shape, holds it,
		// there is no sheet. (A card-shaped block of text inside a real
		// sheet is smaller than the sheet.)
		if cq, card := a.findQuad(CardAspect, SheetAspect); card && a.hasPrint(&cq) &&
			inside(cq.p, centre(q.p)) && polyArea(cq.p) >= 1.05*polyArea(q.p) {
			r.Problems = r.Problems.Add(NoCard)
			return
		}
	}
	m.Found = true
	p := a.outline(&q, m)

	// Distance (or the frame's edge).
	s := a.scale
	if (q.cut || a.nearEdge(p)) && m.WidthFrac < minCutSpan {
		// A small shape at the frame's edge (a finger, a corner of a
		// door) is not a card held too close; a card there would be
		// large.
		m.Found = false
		r.Problems = r.Problems.Add(NoCard)
		return
	}
	longPx := q.long * float64(a.k2) * s
	m.TouchesEdge = q.cut || a.nearEdge(p)
	if a.Mode == Document {
		ppm := longPx / 297
		m.PPM = ppm
		switch {
		case m.TouchesEdge || m.Fill > sheetMaxFill:
			r.Problems = r.Problems.Add(TooClose)
		case ppm < sheetMinPPM:
			r.Problems = r.Problems.Add(TooFar)
		}
	} else {
		m.PPM = longPx / 85.6
		switch {
		case m.TouchesEdge || m.WidthFrac > cardMaxWidth:
			r.Problems = r.Problems.Add(TooClose)
		case m.WidthFrac < cardMinWidth || longPx < cardMinPx:
			r.Problems = r.Problems.Add(TooFar)
		}
	}
	// Tilt.
	tilt := math.Abs(m.AngleDeg)
	if a.Mode == Document {
		tilt = min(tilt, math.Abs(90-tilt))
	}
	if tilt > maxTiltDeg {
		r.Problems = r.Problems.Add(Tilted)
	}
	// Light and glare on the object.
	mean, white, sat, _ := a.light(p)
	m.Mean, m.White, m.Saturated = mean, white, sat
	switch {
	case white < darkWhite:
		r.Problems = r.Problems.Add(TooDark)
	case mean > brightMean || sat > overexposedFr:
		r.Problems = r.Problems.Add(TooBright)
	case sat > glareFrac:
		r.Problems = r.Problems.Add(Glare)
	}
	if m.TouchesEdge {
		// Cut by the frame: distance is what the visitor must fix first;
		// the print's sharpness is judged once the card is whole.
		return
	}
	// Blur, in the photo's own pixels.
	sigma, _ := a.blur(p)
	// A print with no steep slope at all is blurred however its few
	// crisp-looking edges (JPEG blocks, noise) read.
	if st := a.steepest(p); st > 0 && steepSlope/st > steepMinSigma {
		sigma = max(sigma, steepSlope/st)
	}
	if sigma >= 0 {
		// The reduction to the fine image blurs too (a box of k pixels
		// is σ² = (k²-1)/12 in photo pixels); take it out.
		native := math.Sqrt(max(sigma*sigma*s*s-(s*s-1)/12, 0))
		m.BlurPx = native
		m.Sharpness = 1 / max(native, 0.1)
		limit := float64(maxBlurPx)
		if a.Mode == Document {
			limit = maxSheetBlurPx
		}
		if native > limit {
			r.Problems = r.Problems.Add(Blurry)
		}
	}
	m.LaplacianVar = a.lapVarCoarse(shrink(p, 0.15))
	if a.Mode == IDCard {
		a.resample(p)
		m.MRZ = a.mrzScore()
		a.signature(&r.Sig)
	}
}

// outline fills the shape metrics from q and returns its corners in fine
// pixels, p0-p1 a long side, in reading order (top-left first for a card
// roughly upright).
func (a *Analyzer) outline(q *quad, m *Metrics) [4][2]float64 {
	k := float64(a.k2)
	var p [4][2]float64
	for i, c := range q.p {
		p[i] = [2]float64{(c[0] + 0.5) * k, (c[1] + 0.5) * k}
	}
	// Start at the corner nearest the top-left so p0→p1 runs left to
	// right along a long side for a card held upright (or upside down).
	ux, uy := p[1][0]-p[0][0], p[1][1]-p[0][1]
	if ux < 0 || (ux == 0 && uy < 0) {
		p = [4][2]float64{p[2], p[3], p[0], p[1]}
	}
	// Make p0 the upper end of its short side.
	if p[3][1] < p[0][1] {
		p = [4][2]float64{p[3], p[2], p[1], p[0]}
	}
	var cx, cy float64
	for _, c := range p {
		cx += c[0] / 4
		cy += c[1] / 4
	}
	fw, fh := float64(a.fw), float64(a.fh)
	m.CX, m.CY = cx/fw, cy/fh
	m.Fill = polyArea(p) / (fw * fh)
	long := (dist(p[0], p[1]) + dist(p[3], p[2])) / 2
	short := (dist(p[0], p[3]) + dist(p[1], p[2])) / 2
	m.Aspect = long / max(short, 1)
	m.WidthFrac = long / fw
	m.Rectangularity = q.support
	// Angle of the long sides from the horizontal, (-90, 90].
	ang := (math.Atan2(p[1][1]-p[0][1], p[1][0]-p[0][0]) + math.Atan2(p[2][1]-p[3][1], p[2][0]-p[3][0])) / 2 * 180 / math.Pi
	for ang > 90 {
		ang -= 180
	}
	for ang <= -90 {
		ang += 180
	}
	m.AngleDeg = ang
	return p
}

// nearEdge reports whether the object runs off the frame: a corner
// (for a card, the point of its rounded corner nearest the sharp one)
// beyond the frame's edge by more than a pixel of the fit's own error.
func (a *Analyzer) nearEdge(p [4][2]float64) bool {
	var cx, cy float64
	for _, c := range p {
		cx += c[0] / 4
		cy += c[1] / 4
	}
	inset := 0.0
	if a.Mode == IDCard {
		// ID-1 corners are rounded with r = 3.18 mm; the arc passes
		// r(√2-1) inside the sharp corner along the diagonal.
		long := (dist(p[0], p[1]) + dist(p[3], p[2])) / 2
		inset = (math.Sqrt2 - 1) * 3.18 / 85.6 * long
	}
	W, H := float64(a.fw), float64(a.fh)
	for _, c := range p {
		d := math.Hypot(cx-c[0], cy-c[1])
		x := c[0] + (cx-c[0])*inset/max(d, 1)
		y := c[1] + (cy-c[1])*inset/max(d, 1)
		if x < -1 || y < -1 || x > W+1 || y > H+1 {
			return true
		}
	}
	return false
}

// lapVarCoarse is the variance of the Laplacian over the outline p (fine
// pixels) on the coarse grid: the classic focus figure, for the record
// (the verdict uses BlurPx).
func (a *Analyzer) lapVarCoarse(p [4][2]float64) float64 {
	k := float64(a.k2)
	var q [4][2]float64
	for i, c := range p {
		q[i] = [2]float64{c[0] / k, c[1] / k}
	}
	cw, g := a.cw, a.coarse
	var s, ss, n int64
	sp := newSpans(q, a.cw, a.ch, 2) // every other row: a figure for the record
	for {
		y, x0, x1, ok := sp.next()
		if !ok {
			break
		}
		if y < 1 || y >= a.ch-1 {
			continue
		}
		x0, x1 = max(x0, 1), min(x1, cw-1)
		if x1 <= x0 {
			continue
		}
		up := g[(y-1)*cw+x0 : (y-1)*cw+x1]
		row := g[y*cw+x0-1 : y*cw+x1+1]
		dn := g[(y+1)*cw+x0 : (y+1)*cw+x1]
		dn = dn[:len(up)]
		row = row[:len(up)+2]
		for j := range up {
			// int32 is enough: |l| ≤ 1020, the sums of a few thousand
			// squares stay far from overflowing int64.
			l := 4*int32(row[j+1]) - int32(row[j]) - int32(row[j+2]) - int32(up[j]) - int32(dn[j])
			s += int64(l)
			ss += int64(l * l)
		}
		n += int64(len(up))
	}
	if n == 0 {
		return 0
	}
	mean := float64(s) / float64(n)
	return float64(ss)/float64(n) - mean*mean
}

// centre is the mean of the corners.
func centre(p [4][2]float64) [2]float64 {
	var c [2]float64
	for _, q := range p {
		c[0] += q[0] / 4
		c[1] += q[1] / 4
	}
	return c
}

// inside reports whether pt lies inside the convex outline p.
func inside(p [4][2]float64, pt [2]float64) bool {
	sign := 0.0
	for i := 0; i < 4; i++ {
		a, b := p[i], p[(i+1)%4]
		z := (b[0]-a[0])*(pt[1]-a[1]) - (b[1]-a[1])*(pt[0]-a[0])
		if sign == 0 {
			sign = z
		} else if (z > 0) != (sign > 0) {
			return false
		}
	}
	return true
}

func polyArea(p [4][2]float64) float64 {
	var s float64
	for i := 0; i < 4; i++ {
		j := (i + 1) % 4
		s += p[i][0]*p[j][1] - p[j][0]*p[i][1]
	}
	return math.Abs(s) / 2
}

// hasPrint reports whether the inside of q (coarse grid) shows print:
// enough spread of grey levels against its white level.
func (a *Analyzer) hasPrint(q *quad) bool {
	k := float64(a.k2)
	var p [4][2]float64
	for i, c := range q.p {
		p[i] = [2]float64{(c[0] + 0.5) * k, (c[1] + 0.5) * k}
	}
	_, white, _, sd := a.light(p)
	min := minPrintSD
	if a.Mode == Document {
		// A sheet is mostly blank paper; out of focus its print is faint.
		min = minSheetPrintSD
	}
	return sd >= min*max(white, 1)
}
