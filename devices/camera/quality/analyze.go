package quality

import (
	"image"
	"image/color"
	"math"
)

// Thresholds. They were tuned on the simulated scenes of package sim drawn
// at 640×480, 1280×720 and 1920×1080, with sensor noise σ 0-8 grey levels
// and light from 0.2× to 1.8× (see analyze_test.go), not on one picture;
// the comments say what each means physically.
const (
	// CardAspect is the ID-1 card's long side over its short side.
	CardAspect = 85.60 / 53.98
	// SheetAspect is A4's and A5's (√2).
	SheetAspect = math.Sqrt2
	// aspectTol: perspective (card not parallel to the lens) and the fitted
	// rectangle's pixel rounding stretch the aspect by up to ~12 %; beyond
	// 18 % the shape is something else (a phone, a photo, a hand).
	aspectTol = 0.18
	// minRect: a card's silhouette fills ≥ 0.9 of its fitted rectangle
	// (rounded corners cost ~1 %, blur a few more); an ellipse (a face, a
	// hand) fills 0.79.
	minRect = 0.86
	// minBlob: ignore shapes under 1.5 % of the frame (coarse grid noise).
	minBlob = 0.015
	// minCut: a straight-edged shape touching the frame's edge and
	// covering 12 % of it is a card held too close (or off to one side).
	minCut     = 0.12
	minCutRect = 0.62
	// Card fill limits (area fractions). At 0.16 of a 720p frame a card is
	// ~480 px wide, ≈ 5.6 px/mm: the 2.5 mm MRZ characters are still 14 px
	// tall, the least OCR needs. Above 0.70 a card is nearly touching the
	// frame and any hand movement cuts a corner off.
	cardMinFill = 0.16
	cardMaxFill = 0.70
	// A portrait sheet in a 16:9 frame can fill at most 0.40; below 0.11 its
	// 3 mm body text is under 9 px tall.
	sheetMinFill = 0.11
	sheetMaxFill = 0.60
	// Exposure on the object (grey 0-255). A DNI's pastel background reads
	// 170-215 when well lit; under 75 the webcam's gain noise swamps the
	// print; over 235 the pastel is clipped to white and guilloche and
	// photo lose detail.
	darkMean   = 75
	brightMean = 235
	// A frame this dark or bright overall is reported even with no card:
	// the visitor must fix the light first.
	frameDark   = 35
	frameBright = 235
	// glareFrac: a specular highlight of more than 0.8 % of the card's area
	// (a 6 mm spot) wipes out characters; more than 35 % clipped is
	// over-exposure, not a reflection.
	glareFrac     = 0.008
	overexposedFr = 0.35
	satLevel      = 250
	// minSharpness: Laplacian variance over grey-level variance inside the
	// object. Sharp printed text scores 0.6-2.5 at the analysis scale; a
	// defocus that makes 2.5 mm text unreadable (blur radius ≳ 4 px at 720p)
	// drops it under 0.25. Noise raises both terms, so the ratio stays put.
	minSharpness = 0.3
	// A sheet is mostly white margin and dense small print: its ratio runs
	// 6-15 when sharp and under 1.5 when blurred. A face has few edges
	// (0.15-0.5 sharp, under 0.05 blurred).
	minSheetSharpness = 2.5
	minFaceSharpness  = 0.08
	// maxTilt: OCR and the officer reading the photo cope with a few
	// degrees; at 8° the MRZ lines start to cross each other's rows.
	maxTiltDeg = 8
	// MRZThreshold: see mrzScore; the front of a DNI scores under 0.3, the
	// back over 0.6.
	MRZThreshold = 0.45
	// Face mode: the face must not be much darker than the surround
	// (backlight: a window behind the visitor).
	faceBacklight = 60
	// Face framing (fractions of the frame). faceMinBlob: a skin blob under
	// 0.6 % of the frame is a hand, a neck or nothing. The FNMT video check wants the
	// head at 30-80 % of the frame's height (shoulders visible, chin and
	// hair inside), near the centre.
	faceMinBlob   = 0.006
	faceMinHeight = 0.3
	faceMaxHeight = 0.8
	faceMaxOffX   = 0.15
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

	fine    []uint8 // grey, ~640 wide
	fw, fh  int
	coarse  []uint8 // grey, fine/2
	cw, ch  int
	grad    []uint8  // gradient magnitude on the coarse grid
	acc     []uint32 // row sums for downscaling
	lab     []int32
	queue   []int32
	best    []int32
	thumb   [thumbW * thumbH]uint8
	lapHist [1024]int32
	// srcW, srcH: the source picture's size while AnalyzeSource runs.
	srcW, srcH int
}

// AnalyzeSource judges img, a reduced copy of a srcW×srcH picture (a JPEG
// decoded at 1/2, 1/4 or 1/8 in the DCT domain): the verdict is on img,
// the reported size (Metrics.Width, Height) and any limit on resolution
// are the source's.
func (a *Analyzer) AnalyzeSource(img image.Image, srcW, srcH int) Result {
	a.srcW, a.srcH = srcW, srcH
	r := a.Analyze(img)
	a.srcW, a.srcH = 0, 0
	return r
}

// NewAnalyzer returns an Analyzer for mode m.
func NewAnalyzer(m Mode) *Analyzer { return &Analyzer{Mode: m} }

// blob is a candidate object found by segmentation.
type blob struct {
	area           int
	mx, my         float64 // centroid (coarse px)
	cos, sin       float64 // major axis direction
	l, s           float64 // fitted rectangle sides (coarse px)
	rect, aspect   float64
	angle          float64 // degrees, (-90, 90]
	touches        bool
	x0, y0, x1, y1 int
}

// Analyze judges img. The returned Result holds no reference to img or to
// the analyzer's buffers.
func (a *Analyzer) Analyze(img image.Image) Result {
	r := Result{Mode: a.Mode}
	b := img.Bounds()
	r.Metrics.Width, r.Metrics.Height = b.Dx(), b.Dy()
	if a.srcW > 0 && a.srcH > 0 {
		r.Metrics.Width, r.Metrics.Height = a.srcW, a.srcH
	}
	if b.Dx() < 16 || b.Dy() < 16 {
		r.Problems = r.Problems.Add(NoCard)
		if a.Mode == Face {
			r.Problems = NoFaceSet()
		}
		return r
	}
	a.grey(img)
	var sum int
	for _, v := range a.coarse {
		sum += int(v)
	}
	r.Metrics.FrameMean = float64(sum) / float64(len(a.coarse))
	if a.Mode == Face {
		a.face(img, &r)
		r.OK = r.Problems.Empty()
		return r
	}
	target, minFill, maxFill := CardAspect, cardMinFill, cardMaxFill
	if a.Mode == Document {
		target, minFill, maxFill = SheetAspect, sheetMinFill, sheetMaxFill
	}
	t := otsu(a.coarse)
	m := &r.Metrics
	var found blob
	ok := false
	closeArea := 0
	for _, dark := range []bool{false, true} {
		if dark && ok {
			// A light card on a darker background is the usual case; try
			// the other polarity (dark card, light desk) only if needed.
			break
		}
		bl, good, big := a.segment(a.coarse, t, dark, target)
		if good && (!ok || bl.area > found.area) {
			found, ok = bl, true
			a.best = append(a.best[:0], a.queue...)
		}
		if !dark && big > closeArea {
			closeArea = big
		}
	}
	frameArea := float64(a.cw * a.ch)
	if !ok {
		// No shape stands out by brightness: the background may be as
		// light as the card (a white shirt behind it). Try its outline:
		// the edge map's closed ring around the card encloses it. Only a
		// card of useful size is believed, so the print of a card held too
		// close is not mistaken for a small card.
		a.edges()
		if bl, good, _ := a.segment(a.grad, edgeThreshold, false, target); good && bl.l*bl.s/frameArea >= minFill {
			found, ok = bl, true
			a.best = append(a.best[:0], a.queue...)
		}
	}
	if !ok {
		if closeArea > 0 {
			m.TouchesEdge = true
			r.Problems = r.Problems.Add(TooClose)
		} else {
			r.Problems = r.Problems.Add(NoCard)
		}
		if m.FrameMean < frameDark {
			r.Problems = r.Problems.Add(TooDark)
		} else if m.FrameMean > frameBright {
			r.Problems = r.Problems.Add(TooBright)
		}
		return r
	}
	m.Found = true
	m.Fill = found.l * found.s / frameArea
	m.Aspect = found.aspect
	m.Rectangularity = found.rect
	m.AngleDeg = found.angle
	m.CX = (found.mx + 0.5) / float64(a.cw)
	m.CY = (found.my + 0.5) / float64(a.ch)
	// Mean and clipping over the object's own pixels.
	var s, sat int
	for _, p := range a.best {
		v := a.coarse[int(p>>16)*a.cw+int(p&0xffff)]
		s += int(v)
		if v >= satLevel {
			sat++
		}
	}
	m.Mean = float64(s) / float64(len(a.best))
	m.Saturated = float64(sat) / float64(len(a.best))
	// Sharpness inside the object, away from its outline (the outline is
	// a strong edge even when the print is blurred).
	ix := (found.x1 - found.x0) * 2 * 15 / 100
	iy := (found.y1 - found.y0) * 2 * 15 / 100
	m.LaplacianVar, m.Sharpness = a.sharpness(found.x0*2+ix, found.y0*2+iy, found.x1*2+2-ix, found.y1*2+2-iy)
	a.resample(found)
	m.MRZ = a.mrzScore()
	a.signature(&r.Sig)

	tilt := math.Abs(found.angle)
	if a.Mode == Document {
		tilt = math.Min(tilt, math.Abs(90-tilt))
	}
	switch {
	case m.Fill < minFill:
		r.Problems = r.Problems.Add(TooFar)
	case m.Fill > maxFill:
		r.Problems = r.Problems.Add(TooClose)
	}
	switch {
	case m.Mean < darkMean:
		r.Problems = r.Problems.Add(TooDark)
	case m.Mean > brightMean || m.Saturated > overexposedFr:
		r.Problems = r.Problems.Add(TooBright)
	case m.Saturated > glareFrac:
		r.Problems = r.Problems.Add(Glare)
	}
	minSharp := minSharpness
	if a.Mode == Document {
		minSharp = minSheetSharpness
	}
	if m.Sharpness < minSharp {
		r.Problems = r.Problems.Add(Blurry)
	}
	if tilt > maxTiltDeg {
		r.Problems = r.Problems.Add(Tilted)
	}
	r.OK = r.Problems.Empty()
	return r
}

// NoFaceSet is the problem set of a frame with nobody in it.
func NoFaceSet() Problems { return Problems(0).Add(NoFace) }

// grey fills the fine (~640 wide) and coarse (~320 wide) grey images with
// box averages. The YCbCr path reads the luma plane directly: no colour
// conversion at all.
func (a *Analyzer) grey(img image.Image) {
	b := img.Bounds()
	W, H := b.Dx(), b.Dy()
	k := max(1, W/640)
	fw, fh := W/k, H/k
	if fw != a.fw || fh != a.fh {
		a.fw, a.fh = fw, fh
		a.fine = make([]uint8, fw*fh)
		a.cw, a.ch = fw/2, fh/2
		a.coarse = make([]uint8, a.cw*a.ch)
		a.lab = make([]int32, a.cw*a.ch)
		a.grad = make([]uint8, a.cw*a.ch)
		a.queue = make([]int32, 0, a.cw*a.ch)
		a.best = make([]int32, 0, a.cw*a.ch)
	}
	n := uint32(k * k)
	switch m := img.(type) {
	case *image.YCbCr:
		boxLuma(a.fine, fw, fh, k, m.Y[m.YOffset(b.Min.X, b.Min.Y):], m.YStride, &a.acc)
	case *image.Gray:
		boxLuma(a.fine, fw, fh, k, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, &a.acc)
	case *image.RGBA:
		boxRGB(a.fine, fw, fh, k, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride)
	case *image.NRGBA: // alpha ignored: camera and photo files are opaque
		boxRGB(a.fine, fw, fh, k, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride)
	default:
		for y := 0; y < fh; y++ {
			for x := 0; x < fw; x++ {
				var s uint32
				for dy := 0; dy < k; dy++ {
					for dx := 0; dx < k; dx++ {
						r, g, bb, _ := img.At(b.Min.X+x*k+dx, b.Min.Y+y*k+dy).RGBA()
						s += (19595*r + 38470*g + 7471*bb + 1<<15) >> 24
					}
				}
				a.fine[y*fw+x] = uint8(s / n)
			}
		}
	}
	for y := 0; y < a.ch; y++ {
		r0 := a.fine[2*y*fw:]
		r1 := a.fine[(2*y+1)*fw:]
		out := a.coarse[y*a.cw : (y+1)*a.cw]
		for x := range out {
			out[x] = uint8((uint32(r0[2*x]) + uint32(r0[2*x+1]) + uint32(r1[2*x]) + uint32(r1[2*x+1]) + 2) >> 2)
		}
	}
}

func boxLuma(dst []uint8, fw, fh, k int, src []uint8, stride int, acc *[]uint32) {
	if k == 1 {
		for y := 0; y < fh; y++ {
			copy(dst[y*fw:(y+1)*fw], src[y*stride:])
		}
		return
	}
	if k == 2 {
		// The common 720p case: rows sliced to exact length so the
		// compiler drops the bounds checks from the inner loop.
		for y := 0; y < fh; y++ {
			out := dst[y*fw : (y+1)*fw]
			r0 := src[2*y*stride : 2*y*stride+2*len(out)]
			r1 := src[(2*y+1)*stride : (2*y+1)*stride+2*len(out)]
			for x := 0; x+1 < len(r0) && x+1 < len(r1); x += 2 {
				out[x>>1] = uint8((uint32(r0[x]) + uint32(r0[x+1]) + uint32(r1[x]) + uint32(r1[x+1]) + 2) >> 2)
			}
		}
		return
	}
	// Larger factors (1080p and up): add k rows into an accumulator with
	// sequential reads, then sum k columns of it.
	n := uint32(k * k)
	if cap(*acc) < fw*k {
		*acc = make([]uint32, fw*k)
	}
	sum := (*acc)[:fw*k]
	for y := 0; y < fh; y++ {
		for i := range sum {
			sum[i] = 0
		}
		for dy := 0; dy < k; dy++ {
			row := src[(y*k+dy)*stride : (y*k+dy)*stride+len(sum)]
			for i, v := range row {
				sum[i] += uint32(v)
			}
		}
		out := dst[y*fw : (y+1)*fw]
		for x := range out {
			var t uint32
			for _, v := range sum[x*k : x*k+k] {
				t += v
			}
			out[x] = uint8(t / n)
		}
	}
}

func boxRGB(dst []uint8, fw, fh, k int, src []uint8, stride int) {
	n := uint32(k * k)
	for y := 0; y < fh; y++ {
		out := dst[y*fw : (y+1)*fw]
		for x := range out {
			var s uint32
			for dy := 0; dy < k; dy++ {
				row := src[(y*k+dy)*stride+4*x*k:]
				for dx := 0; dx < k; dx++ {
					p := row[4*dx : 4*dx+3 : 4*dx+3]
					s += (19595*uint32(p[0]) + 38470*uint32(p[1]) + 7471*uint32(p[2]) + 1<<15) >> 16
				}
			}
			out[x] = uint8(s / n)
		}
	}
}

// edgeThreshold: a coarse-grid gradient (|dx|+|dy| over two pixels) of 24
// grey levels is a real edge; sensor noise, already averaged over 4×4 or
// more pixels, stays under 10.
const edgeThreshold = 24

// edges fills a.grad with the gradient magnitude of the coarse image.
func (a *Analyzer) edges() {
	cw, ch, g := a.cw, a.ch, a.coarse
	for i := range a.grad {
		a.grad[i] = 0
	}
	for y := 1; y < ch-1; y++ {
		for x := 1; x < cw-1; x++ {
			i := y*cw + x
			dx := int(g[i+1]) - int(g[i-1])
			dy := int(g[i+cw]) - int(g[i-cw])
			if dx < 0 {
				dx = -dx
			}
			if dy < 0 {
				dy = -dy
			}
			a.grad[i] = uint8(min(dx+dy, 255))
		}
	}
}

// otsu returns the grey level that best splits the histogram in two
// classes (Otsu 1979): card and background under any light.
func otsu(px []uint8) uint8 {
	var hist [256]int
	for _, v := range px {
		hist[v]++
	}
	total := len(px)
	var sumAll float64
	for i, c := range hist {
		sumAll += float64(i * c)
	}
	var wB, sumB float64
	best, bestVar := 0, -1.0
	for t := 0; t < 256; t++ {
		wB += float64(hist[t])
		if wB == 0 {
			continue
		}
		wF := float64(total) - wB
		if wF == 0 {
			break
		}
		sumB += float64(t * hist[t])
		mB, mF := sumB/wB, (sumAll-sumB)/wF
		v := wB * wF * (mB - mF) * (mB - mF)
		if v > bestVar {
			bestVar, best = v, t
		}
	}
	return uint8(best)
}

// segment finds the largest shape on the coarse grid, on one side of the
// threshold, whose filled silhouette is a rectangle of the target aspect.
// Holes (the card's print and photo) are filled by flooding the background
// from the frame's border: whatever the flood cannot reach is the object.
// On return a.queue holds the pixels of the best shape. big is the area of
// the largest shape touching the border (a card too close to the lens).
func (a *Analyzer) segment(g []uint8, t uint8, dark bool, target float64) (best blob, ok bool, big int) {
	cw, ch := a.cw, a.ch
	lab := a.lab
	// Queue entries pack coordinates (y<<16 | x): no division per pixel.
	// Labels: 0 unvisited object-side, -1 background, -2 unvisited
	// background-side, > 0 component.
	for i, v := range g {
		if (v > t) != dark {
			lab[i] = 0
		} else {
			lab[i] = -2
		}
	}
	// Flood the background (label -1) from every border pixel.
	q := a.queue[:0]
	push := func(x, y int) {
		if i := y*cw + x; lab[i] == -2 {
			lab[i] = -1
			q = append(q, int32(y<<16|x))
		}
	}
	for x := 0; x < cw; x++ {
		push(x, 0)
		push(x, ch-1)
	}
	for y := 0; y < ch; y++ {
		push(0, y)
		push(cw-1, y)
	}
	for h := 0; h < len(q); h++ {
		x, y := int(q[h]&0xffff), int(q[h]>>16)
		if x > 0 {
			push(x-1, y)
		}
		if x < cw-1 {
			push(x+1, y)
		}
		if y > 0 {
			push(x, y-1)
		}
		if y < ch-1 {
			push(x, y+1)
		}
	}
	// Holes the flood could not reach belong to the object.
	for i, l := range lab {
		if l == -2 {
			lab[i] = 0
		}
	}
	minArea := int(minBlob * float64(cw*ch))
	label := int32(0)
	bestStart, bestLen := 0, 0
	q = q[:0]
	for start := range lab {
		if lab[start] != 0 {
			continue
		}
		label++
		first := len(q)
		lab[start] = label
		q = append(q, int32((start/cw)<<16|start%cw))
		var sx, sy, sxx, syy, sxy int64
		sides := 0
		x0, y0, x1, y1 := cw, ch, 0, 0
		visit := func(x, y int) {
			if i := y*cw + x; lab[i] == 0 {
				lab[i] = label
				q = append(q, int32(y<<16|x))
			}
		}
		for h := first; h < len(q); h++ {
			x, y := int(q[h]&0xffff), int(q[h]>>16)
			ix, iy := int64(x), int64(y)
			sx += ix
			sy += iy
			sxx += ix * ix
			syy += iy * iy
			sxy += ix * iy
			x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			if x > 0 {
				visit(x-1, y)
			} else {
				sides |= 1
			}
			if x < cw-1 {
				visit(x+1, y)
			} else {
				sides |= 4
			}
			if y > 0 {
				visit(x, y-1)
			} else {
				sides |= 2
			}
			if y < ch-1 {
				visit(x, y+1)
			} else {
				sides |= 8
			}
		}
		pixels := q[first:]
		area := len(pixels)
		touches := sides != 0
		if area < minArea {
			q = q[:first]
			continue
		}
		n := float64(area)
		mx, my := float64(sx)/n, float64(sy)/n
		cxx, cyy, cxy := float64(sxx)/n-mx*mx, float64(syy)/n-my*my, float64(sxy)/n-mx*my
		theta := 0.5 * math.Atan2(2*cxy, cxx-cyy)
		cos, sin := math.Cos(theta), math.Sin(theta)
		umin, umax, vmin, vmax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
		for _, p := range pixels {
			dx, dy := float64(p&0xffff)-mx, float64(p>>16)-my
			u := dx*cos + dy*sin
			v := -dx*sin + dy*cos
			if u < umin {
				umin = u
			}
			if u > umax {
				umax = u
			}
			if v < vmin {
				vmin = v
			}
			if v > vmax {
				vmax = v
			}
		}
		l, s := umax-umin+1, vmax-vmin+1
		if s > l {
			l, s = s, l
			theta += math.Pi / 2
		}
		for theta > math.Pi/2 {
			theta -= math.Pi
		}
		for theta <= -math.Pi/2 {
			theta += math.Pi
		}
		bl := blob{area: area, mx: mx, my: my, cos: math.Cos(theta), sin: math.Sin(theta), l: l, s: s,
			rect: n / (l * s), aspect: l / s, angle: theta * 180 / math.Pi, touches: touches,
			x0: x0, y0: y0, x1: x1, y1: y1}
		if touches {
			// A large shape with straight-ish edges running off the frame
			// may be a card (or sheet) held too close or off to one side,
			// whatever its visible aspect; cut edges and print leaking to
			// the border make it less rectangular than a whole card. It
			// may also be a light wall or a shirt: only print (sharp
			// detail in the middle of the shape) tells them apart. A
			// blurred card that close reads as no card, which still sends
			// the visitor back to the guide frame.
			if bl.rect >= minCutRect && float64(area) >= minCut*float64(cw*ch) {
				mx0, my0 := 2*x0+(x1-x0)/2, 2*y0+(y1-y0)/2
				if _, r := a.sharpness(mx0, my0, mx0+(x1-x0), my0+(y1-y0)); r >= minSharpness {
					big = max(big, area)
				}
			}
			q = q[:first]
			continue
		}
		// The aspect must be near the target, and nearer to it than to the
		// other shape the kiosk knows (a card is not a sheet, and the other
		// way round; they differ by 12 %).
		other := SheetAspect
		if target == SheetAspect {
			other = CardAspect
		}
		good := bl.rect >= minRect && math.Abs(bl.aspect-target)/target <= aspectTol &&
			math.Abs(bl.aspect-target) < math.Abs(bl.aspect-other)
		if good && (!ok || area > best.area) {
			best, ok = bl, true
			bestStart, bestLen = first, area
		}
		if !good {
			q = q[:first]
		}
	}
	// Leave the best shape's pixels at the start of the queue.
	if ok {
		copy(q[:bestLen], q[bestStart:bestStart+bestLen])
		q = q[:bestLen]
	} else {
		q = q[:0]
	}
	a.queue = q
	return best, ok, big
}

// sharpness returns the variance of the 4-neighbour Laplacian over the box
// (fine-image pixels) and the noise-corrected ratio of that variance to the
// grey-level variance. Sensor noise of σ adds 20σ² to the Laplacian's
// variance (kernel weights 4,-1,-1,-1,-1) and would make a blurred, noisy
// frame look sharp; σ is estimated from the median absolute Laplacian
// (most pixels of a card are flat print background, where the Laplacian is
// noise alone) and its share is removed from both variances.
func (a *Analyzer) sharpness(x0, y0, x1, y1 int) (lapVar, ratio float64) {
	fw := a.fw
	x0, y0 = max(x0, 1), max(y0, 1)
	x1, y1 = min(x1, a.fw-1), min(y1, a.fh-1)
	if x1-x0 < 4 || y1-y0 < 4 {
		return 0, 0
	}
	hist := &a.lapHist
	for i := range hist {
		hist[i] = 0
	}
	var sl, sll, sg, sgg int64
	for y := y0; y < y1; y++ {
		row := a.fine[y*fw : (y+1)*fw]
		up := a.fine[(y-1)*fw : y*fw]
		dn := a.fine[(y+1)*fw : (y+2)*fw]
		for x := x0; x < x1; x++ {
			c := int64(row[x])
			l := 4*c - int64(row[x-1]) - int64(row[x+1]) - int64(up[x]) - int64(dn[x])
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
	n := float64((x1 - x0) * (y1 - y0))
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
	num := math.Max(lapVar-nv, 0)
	den := math.Max(gv-nv/20, 1)
	return lapVar, num / den
}

// resample draws the object upright into a.thumb (nearest pixel of the fine
// image), whatever its rotation.
func (a *Analyzer) resample(bl blob) {
	// centre and axes in fine pixels
	mx, my := 2*bl.mx+1, 2*bl.my+1
	L, S := 2*bl.l, 2*bl.s
	for j := 0; j < thumbH; j++ {
		v := (float64(j)+0.5)/thumbH - 0.5
		for i := 0; i < thumbW; i++ {
			u := (float64(i)+0.5)/thumbW - 0.5
			x := int(mx + u*L*bl.cos - v*S*bl.sin)
			y := int(my + u*L*bl.sin + v*S*bl.cos)
			x = min(max(x, 0), a.fw-1)
			y = min(max(y, 0), a.fh-1)
			a.thumb[j*thumbW+i] = a.fine[y*a.fw+x]
		}
	}
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
		sd := math.Sqrt(math.Max(float64(ss)/float64(n)-mean*mean, 0))
		if sd < 12 {
			// Flat band (or a very dark one): no print to speak of.
			return 0
		}
		thr := mean - 0.5*sd
		const bins = 8
		i0, i1 := thumbW*4/100, thumbW*96/100
		worst := math.Inf(1)
		for bn := 0; bn < bins; bn++ {
			c0 := i0 + (i1-i0)*bn/bins
			c1 := i0 + (i1-i0)*(bn+1)/bins
			edges := 0
			for j := r0; j < r1; j++ {
				row := a.thumb[j*thumbW:]
				prev := float64(row[c0]) < thr
				for i := c0 + 1; i < c1; i++ {
					d := float64(row[i]) < thr
					if d != prev {
						edges++
					}
					prev = d
				}
			}
			dens := float64(edges) / float64((c1-c0)*(r1-r0))
			worst = math.Min(worst, dens)
		}
		// Printed text lines in a third of the card give ~0.12 edges per
		// sample at this scale.
		return math.Min(worst/0.12, 1)
	}
	bot := band(thumbH*64/100, thumbH*97/100)
	top := band(thumbH*3/100, thumbH*36/100)
	return math.Max(bot, top)
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
	sd := math.Sqrt(math.Max(ss/n-mean*mean, 1))
	for i, v := range tmp {
		sig[i] = uint8(math.Max(0, math.Min(255, 128+40*(v-mean)/sd)))
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
	return math.Max(corr(false), corr(true))
}

// SameSide is the similarity above which two captures are taken to show
// the same side: different sides of a DNI correlate under 0.5, two shots
// of one side over 0.9 even with different light and position.
const SameSide = 0.85

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
	x0, x1 := 2*bx0, min(2*bx1+2, a.fw)
	y0, y1 := 2*by0, min(2*by1+2, a.fh)
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
		sy := b.Min.Y + (2*y+1)*H/a.fh
		for x := 0; x < a.cw; x++ {
			sx := b.Min.X + (2*x+1)*W/a.fw
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
