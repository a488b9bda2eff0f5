package quality

import (
	"encoding/binary"
	"image"
	"math"
)

// Working images. The analysis sees two grey images: fine, the frame
// reduced by a whole factor to at most fineMaxW pixels across (print,
// light, blur and the card's side are judged there), and coarse, fine
// reduced again to about coarseW across (edges and lines: the outline of
// a card is long, so a few hundred pixels are plenty and cheap). Both are
// box averages of the luma plane: colour is never needed for a card or a
// sheet, and a decoder that hands over luma only (a *image.Gray at 1/2,
// 1/4 of the photo's size) costs nothing to convert.
const (
	fineMaxW = 1000
	coarseW  = 320
)

// grey fills a.fine and a.coarse from img and reallocates the buffers
// when the frame size changes. A luma plane already at the fine size (the
// decoder's reduced output) is read in place, not copied: a.fine points
// into img until release.
func (a *Analyzer) grey(img image.Image) {
	b := img.Bounds()
	W, H := b.Dx(), b.Dy()
	k := (W + fineMaxW - 1) / fineMaxW
	fw, fh := W/k, H/k
	k2 := max(1, (fw+coarseW/2)/coarseW)
	if fw != a.fw || fh != a.fh || k2 != a.k2 {
		a.alloc(fw, fh, k2)
	}
	a.k1 = k
	a.fine = a.fineBuf
	n := uint32(k * k)
	switch m := img.(type) {
	case *image.YCbCr:
		a.lumaIn(m.Y[m.YOffset(b.Min.X, b.Min.Y):], m.YStride, k)
	case *image.Gray:
		a.lumaIn(m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, k)
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
	boxLuma(a.coarse, a.cw, a.ch, k2, a.fine, fw, &a.acc)
}

// lumaIn makes a.fine the luma plane src reduced by k: src itself when it
// is already fine-sized and packed.
func (a *Analyzer) lumaIn(src []uint8, stride, k int) {
	if k == 1 && stride == a.fw && len(src) >= a.fw*a.fh {
		a.fine = src[: a.fw*a.fh : a.fw*a.fh]
		return
	}
	boxLuma(a.fine, a.fw, a.fh, k, src, stride, &a.acc)
}

// release drops the analyzer's reference to the caller's image.
func (a *Analyzer) release() { a.fine = a.fineBuf }

// alloc sizes every per-frame buffer for a fine image of fw×fh reduced
// by k2 to the coarse grid. It runs when the frame size changes, never in
// steady state.
func (a *Analyzer) alloc(fw, fh, k2 int) {
	a.fw, a.fh, a.k2 = fw, fh, k2
	a.fineBuf = make([]uint8, fw*fh)
	a.rowCand = make([]int32, fw+2)
	a.fine = a.fineBuf
	a.cw, a.ch = fw/k2, fh/k2
	n := a.cw * a.ch
	a.coarse = make([]uint8, n)
	a.lab = make([]int32, n)
	a.queue = make([]int32, 0, n)
	a.mag = make([]uint16, n)
	a.ori = make([]uint16, n)
	a.colS = make([]uint64, a.cw/4+2)
	a.gxw = make([]uint64, a.ch*((a.cw+3)/4))
	a.gyw = make([]uint64, a.ch*((a.cw+3)/4))
	a.colT = make([]uint64, a.cw/4+2)
	a.edgeList = make([]int32, 0, n)
	diag := int(math.Ceil(math.Hypot(float64(a.cw), float64(a.ch))))
	a.rhoOff = diag + 1
	a.nRho = 2*diag + 3
	a.hStride = a.nRho
	a.hough = make([]uint16, houghBins*a.hStride)
	a.setVoteBins()
	W, H := float64(a.cw-1), float64(a.ch-1)
	for b := range a.rhoRange {
		c, sn := float64(houghCos[b])/1024, float64(houghSin[b])/1024
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, p := range [4][2]float64{{0, 0}, {W, 0}, {0, H}, {W, H}} {
			v := p[0]*c + p[1]*sn
			lo, hi = min(lo, v), max(hi, v)
		}
		a.rhoRange[b] = [2]int32{int32(max(1, int(lo)+a.rhoOff-2)), int32(min(a.nRho-1, int(hi)+a.rhoOff+3))}
	}
	a.lines = make([]line, 0, maxLines+4)
	a.cov = make([]int16, (maxLines+4)*(diag+2))
	a.steps = make([]int32, diag+2)
	a.covMag = make([]int32, (maxLines+4)*(diag+2))
	a.pairs = make([]pair, 0, (maxLines+4)*(maxLines+4)/2)
	a.order = make([]int, 0, (maxLines+4)*(maxLines+4)/2)
	a.cands = make([]cand, 0, 2*maxLines)
	if a.crossings == nil {
		a.crossings = make([]crossing, maxCrossLines*maxCrossLines)
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
		// The common case (720p to the fine image, 640 to the coarse
		// grid).
		for y := 0; y < fh; y++ {
			out := dst[y*fw : (y+1)*fw]
			box2Row(out, src[2*y*stride:2*y*stride+2*len(out)], src[(2*y+1)*stride:(2*y+1)*stride+2*len(out)])
		}
		return
	}
	inv := uint64(1)<<32/uint64(k*k) + 1
	if k == 3 {
		// 960 px (a 1080p JPEG at half scale) to the coarse grid: the
		// three rows added in 16-bit lanes eight columns at a time, then
		// each output's three columns. The division by 9 is a
		// multiplication by its rounded-up reciprocal, exact for sums
		// under 2³²/9.
		for y := 0; y < fh; y++ {
			out := dst[y*fw : (y+1)*fw]
			n := 3 * len(out)
			box3Row(out, src[3*y*stride:3*y*stride+n], src[(3*y+1)*stride:(3*y+1)*stride+n], src[(3*y+2)*stride:(3*y+2)*stride+n], inv)
		}
		return
	}
	// Larger factors (1440p and up): add k rows into an accumulator with
	// sequential reads, then sum k columns of it. The division by k² is a
	// multiplication by its rounded-up reciprocal, exact for sums under
	// 2³²/k² (255·k² is, up to k = 64).
	if cap(*acc) < fw*k {
		*acc = make([]uint32, fw*k)
	}
	sum := (*acc)[:fw*k]
	for y := 0; y < fh; y++ {
		row := src[y*k*stride : y*k*stride+len(sum)]
		for i, v := range row {
			sum[i] = uint32(v)
		}
		for dy := 1; dy < k; dy++ {
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
			out[x] = uint8(uint64(t) * inv >> 32)
		}
	}
}

// box2Row averages 2×2 blocks of rows r0 and r1 (rounded) into out:
// four outputs per step from two 8-byte loads, the pairs added in 16-bit
// lanes. A function of its own, so that its loop keeps its values in
// registers.
func box2Row(out, r0, r1 []uint8) {
	const lo8 = 0x00ff00ff00ff00ff
	r0, r1 = r0[:2*len(out)], r1[:2*len(out)]
	// avg4 averages the byte pairs of two words in 16-bit lanes: four
	// outputs, one in the low byte of each lane.
	avg4 := func(v0, v1 uint64) uint64 {
		return (v0&lo8 + v0>>8&lo8 + v1&lo8 + v1>>8&lo8 + 0x0002000200020002) >> 2 & lo8
	}
	x := 0
	for ; x+8 <= len(out); x += 8 {
		a := avg4(binary.LittleEndian.Uint64(r0[2*x:2*x+8]), binary.LittleEndian.Uint64(r1[2*x:2*x+8]))
		b := avg4(binary.LittleEndian.Uint64(r0[2*x+8:2*x+16]), binary.LittleEndian.Uint64(r1[2*x+8:2*x+16]))
		binary.LittleEndian.PutUint64(out[x:x+8], pack4(a)|pack4(b)<<32)
	}
	for ; x < len(out); x++ {
		out[x] = uint8((uint32(r0[2*x]) + uint32(r0[2*x+1]) + uint32(r1[2*x]) + uint32(r1[2*x+1]) + 2) >> 2)
	}
}

// pack4 gathers the low bytes of a word's four 16-bit lanes (the high
// bytes 0) into its low 32 bits.
func pack4(v uint64) uint64 {
	v = (v | v>>8) & 0x0000ffff0000ffff
	return (v | v>>16) & 0xffffffff
}

// box3Row averages 3×3 blocks of rows r0, r1, r2 into out (truncated;
// inv is the rounded-up reciprocal of 9, exact for sums under 2³²/9).
func box3Row(out, r0, r1, r2 []uint8, inv uint64) {
	r0, r1, r2 = r0[:3*len(out)], r1[:3*len(out)], r2[:3*len(out)]
	for x := range out {
		a, b, c := r0[3*x:3*x+3:3*x+3], r1[3*x:3*x+3:3*x+3], r2[3*x:3*x+3:3*x+3]
		t := uint32(a[0]) + uint32(a[1]) + uint32(a[2]) + uint32(b[0]) + uint32(b[1]) + uint32(b[2]) + uint32(c[0]) + uint32(c[1]) + uint32(c[2])
		out[x] = uint8(uint64(t) * inv >> 32)
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
