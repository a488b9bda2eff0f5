package jpegscale

import "math"

// Reduced-size inverse DCTs: N×N pixels (N = 4, 2, 1) from an 8×8 block,
// each output pixel the average of the g×g pixels (g = 8/N) the full 8×8
// IDCT would give there, which is what libjpeg's jidctred.c computes and
// what a box downscale of the full-size decode gives.
//
// Averaging the 1-D IDCT f(x) = Σ_u ½C(u)·F(u)·cos((2x+1)uπ/16) over the g
// samples of output j is a product of cosines:
//
//	N = 4: ½C(u)·cos(uπ/16)·cos((2j+1)uπ/8)
//	N = 2: ½C(u)·cos(uπ/16)·cos(uπ/8)·cos((2j+1)uπ/4)
//
// with C(0) = 1/√2, else 1. The last factor is an N-point DCT basis
// function of frequency u, which for u ≥ N is the basis function of a
// lower frequency (aliasing), up to its sign: for N = 4, u = 5, 6, 7 act
// as −3, −2, −1 and u = 4 vanishes; for N = 2, odd u act as ±1 and even
// u > 0 vanish. So the output is an N×N IDCT of N×N "folded" coefficients,
// each the signed, weighted sum of the 8×8 coefficients that act as it.
// The decoder folds as it decodes: each coefficient is multiplied by its
// quantizer step times its weight (a table per quantization table and
// scale, foldTab) and added where it folds to; what remains per block is
// a 4×4 IDCT (5 multiplications a row or column instead of 14), a 2×2
// butterfly, or the DC alone (N = 1).

const (
	// foldBits are the fraction bits of the folded coefficients.
	foldBits = 13
	// idctBits are the fraction bits of the 4-point IDCT's constants.
	idctBits = 13
)

// foldWeight[s][zig] is the signed weight of the coefficient at zig-zag
// index zig in its folded coefficient at scale 1/2^s (s = 1, 2, 3), and
// foldTarget[s][zig] the index of that folded coefficient (row-major
// N×N); a coefficient that does not matter at that scale has weight 0.
var (
	foldWeight [4][blockSize]float64
	foldTarget [4][blockSize]uint8
)

func init() {
	half := func(u int) float64 {
		if u == 0 {
			return 0.5 / math.Sqrt2
		}
		return 0.5
	}
	for zig := range blockSize {
		v, u := unzig[zig]/8, unzig[zig]%8
		// N = 4: u folds to min(u, 8-u) with sign -1 past 4; 4 vanishes.
		fold4 := func(u int) (int, float64) {
			w := half(u) * math.Cos(float64(u)*math.Pi/16)
			switch {
			case u == 4:
				return 0, 0
			case u > 4:
				return 8 - u, -w
			}
			return u, w
		}
		// N = 2: odd u fold to 1 with the sign of cos((2j+1)uπ/4) at
		// j = 0 against u = 1's; even u > 0 vanish.
		fold2 := func(u int) (int, float64) {
			w := half(u) * math.Cos(float64(u)*math.Pi/16) * math.Cos(float64(u)*math.Pi/8)
			switch {
			case u == 0:
				return 0, w
			case u%2 == 0:
				return 0, 0
			}
			return 1, w * math.Cos(float64(u)*math.Pi/4) // ±cos(π/4)
		}
		fv, wv := fold4(v)
		fu, wu := fold4(u)
		foldTarget[1][zig], foldWeight[1][zig] = uint8(4*fv+fu), wv*wu
		fv, wv = fold2(v)
		fu, wu = fold2(u)
		foldTarget[2][zig], foldWeight[2][zig] = uint8(2*fv+fu), wv*wu
		// N = 1: the average of the block is F(0,0)/8.
		foldTarget[3][zig] = 0
	}
	foldWeight[3][0] = 1.0 / 8
}

// foldTab is what the block decoder needs per coefficient: the
// dequantization step, times the fold weight at a reduced scale, in the
// high 32 bits, and where the product goes in the block (natural order
// at full scale, the folded N×N block otherwise) in the low 8 bits.
type foldTab [blockSize]uint64

// makeFoldTab builds the table for quantization table q (zig-zag order)
// at scale 1/scale.
func makeFoldTab(t *foldTab, q *block, scale int) {
	if scale == 1 {
		for zig := range blockSize {
			t[zig] = uint64(uint32(q[zig]))<<32 | uint64(unzig[zig])
		}
		return
	}
	s := 1
	for 1<<s < scale {
		s++
	}
	for zig := range blockSize {
		m := int32(math.Round(float64(q[zig]) * foldWeight[s][zig] * (1 << foldBits)))
		t[zig] = uint64(uint32(m))<<32 | uint64(foldTarget[s][zig])
	}
}

func clamp64(v int64) uint8 {
	if uint64(v) > 255 {
		if v < 0 {
			return 0
		}
		return 255
	}
	return uint8(v)
}

// The 4-point IDCT's constants: cos(π/8), cos(3π/8), cos(π/4).
const (
	fc1 = 7568 // round(cos(π/8)·2^13)
	fc3 = 3135 // round(cos(3π/8)·2^13)
	fc4 = 5793 // round(cos(π/4)·2^13)
)

// idct4 writes the 4×4 pixels of the folded block g (g[4v+u], fraction
// bits foldBits) to dst: a 4-point IDCT on the columns, then on the rows,
// in 64-bit arithmetic (no overflow for any int32 input).
func idct4(g *block, dst []byte, stride int) {
	const (
		shift = foldBits + 2*idctBits
		round = 1<<(shift-1) + 128<<shift
	)
	var t [16]int64
	for u := range 4 {
		g0, g1, g2, g3 := int64(g[u]), int64(g[4+u]), int64(g[8+u]), int64(g[12+u])
		e0 := g0<<idctBits + fc4*g2
		e1 := g0<<idctBits - fc4*g2
		o0 := fc1*g1 + fc3*g3
		o1 := fc3*g1 - fc1*g3
		t[u], t[4+u], t[8+u], t[12+u] = e0+o0, e1+o1, e1-o1, e0-o0
	}
	for j := range 4 {
		r := t[4*j : 4*j+4 : 4*j+4]
		out := dst[j*stride : j*stride+4 : j*stride+4]
		e0 := r[0]<<idctBits + fc4*r[2] + round
		e1 := r[0]<<idctBits - fc4*r[2] + round
		o0 := fc1*r[1] + fc3*r[3]
		o1 := fc3*r[1] - fc1*r[3]
		out[0] = clamp64((e0 + o0) >> shift)
		out[1] = clamp64((e1 + o1) >> shift)
		out[2] = clamp64((e1 - o1) >> shift)
		out[3] = clamp64((e0 - o0) >> shift)
	}
}

// idct2 writes the 2×2 pixels of the folded block g (g[2v+u]) to dst.
func idct2(g *block, dst []byte, stride int) {
	const round = 1<<(foldBits-1) + 128<<foldBits
	a, b, c, d := int64(g[0]), int64(g[1]), int64(g[2]), int64(g[3])
	e0, e1 := a+c+round, a-c+round
	o0, o1 := b+d, b-d
	dst[0] = clamp64((e0 + o0) >> foldBits)
	dst[1] = clamp64((e0 - o0) >> foldBits)
	dst[stride] = clamp64((e1 + o1) >> foldBits)
	dst[stride+1] = clamp64((e1 - o1) >> foldBits)
}
