package jpegscale

import "math"

// Reduced-size inverse DCTs: 4×4 and 2×2 pixels from an 8×8 block, each
// output pixel the average of the 2×2 (4×4) pixels the full 8×8 IDCT would
// give there, which is what libjpeg's jidctred.c computes and what a box
// downscale of the full-size decode gives. Averaging the 1-D IDCT over a
// group of g = 8/N samples is itself a linear map of the coefficients:
//
//	F_N(j) = ½ Σ_u C(u)·S(u)·A_N(j,u),  A_N(j,u) = 1/g Σ_{x=jg}^{jg+g-1} cos((2x+1)uπ/16)
//
// with C(0) = 1/√2, else 1. A_N(N-1-j,u) = (-1)^u A_N(j,u) (mirror
// symmetry), so each 1-D pass splits into an even and an odd half. For
// N = 4 the u = 4 term vanishes, for N = 2 every even u > 0 does; the 1×1
// output is the DC term alone. The weights are derived here, in fixed
// point with constBits fraction bits; the first pass keeps pass1Bits more.

const (
	constBits = 13
	pass1Bits = 2
)

// k4[j][u] and k2[u] are K_N(j,u) = ½·C(u)·A_N(j,u) scaled by 2^constBits.
var (
	k4 [2][8]int32
	k2 [8]int32
)

func init() {
	weight := func(n, j, u int) int32 {
		g := 8 / n
		var a float64
		for x := j * g; x < (j+1)*g; x++ {
			a += math.Cos(float64((2*x+1)*u) * math.Pi / 16)
		}
		a /= float64(g)
		c := 1.0
		if u == 0 {
			c = 1 / math.Sqrt2
		}
		return int32(math.Round(0.5 * c * a * (1 << constBits)))
	}
	for u := range 8 {
		k4[0][u] = weight(4, 0, u)
		k4[1][u] = weight(4, 1, u)
		k2[u] = weight(2, 0, u)
	}
}

// clampDC is the pixel of a block with only a DC coefficient (dequantized
// dc): dc/8, level-shifted and clipped.
func clampDC(dc int32) uint8 {
	v := (dc+4)>>3 + 128
	if uint32(v) > 255 {
		if v < 0 {
			return 0
		}
		return 255
	}
	return uint8(v)
}

func clamp(v int32) uint8 {
	if uint32(v) > 255 {
		if v < 0 {
			return 0
		}
		return 255
	}
	return uint8(v)
}

// idct4 writes the 4×4 reduced IDCT of b (dequantized, natural order) to
// dst. b is not modified.
func idct4(b *block, dst []byte, stride int) {
	const (
		r1 = 1 << (constBits - pass1Bits - 1)
		r2 = 1<<(constBits+pass1Bits-1) + 128<<(constBits+pass1Bits)
	)
	var t [4 * 8]int32 // t[i*8+u]: row i of the column pass, frequency u
	k0, k1 := &k4[0], &k4[1]
	for u := range 8 {
		if u == 4 {
			continue
		}
		s0, s1, s2, s3 := b[u], b[8+u], b[16+u], b[24+u]
		s5, s6, s7 := b[40+u], b[48+u], b[56+u]
		if s1|s2|s3|s5|s6|s7 == 0 {
			v := (s0*k0[0] + r1) >> (constBits - pass1Bits)
			t[u], t[8+u], t[16+u], t[24+u] = v, v, v, v
			continue
		}
		e0 := s0*k0[0] + s2*k0[2] + s6*k0[6]
		e1 := s0*k1[0] + s2*k1[2] + s6*k1[6]
		o0 := s1*k0[1] + s3*k0[3] + s5*k0[5] + s7*k0[7]
		o1 := s1*k1[1] + s3*k1[3] + s5*k1[5] + s7*k1[7]
		t[u] = (e0 + o0 + r1) >> (constBits - pass1Bits)
		t[8+u] = (e1 + o1 + r1) >> (constBits - pass1Bits)
		t[16+u] = (e1 - o1 + r1) >> (constBits - pass1Bits)
		t[24+u] = (e0 - o0 + r1) >> (constBits - pass1Bits)
	}
	for i := range 4 {
		r := t[8*i : 8*i+8 : 8*i+8]
		out := dst[i*stride : i*stride+4 : i*stride+4]
		e0 := r[0]*k0[0] + r[2]*k0[2] + r[6]*k0[6] + r2
		e1 := r[0]*k1[0] + r[2]*k1[2] + r[6]*k1[6] + r2
		o0 := r[1]*k0[1] + r[3]*k0[3] + r[5]*k0[5] + r[7]*k0[7]
		o1 := r[1]*k1[1] + r[3]*k1[3] + r[5]*k1[5] + r[7]*k1[7]
		out[0] = clamp((e0 + o0) >> (constBits + pass1Bits))
		out[1] = clamp((e1 + o1) >> (constBits + pass1Bits))
		out[2] = clamp((e1 - o1) >> (constBits + pass1Bits))
		out[3] = clamp((e0 - o0) >> (constBits + pass1Bits))
	}
}

// idct4Low is idct4 for a block whose coefficients all lie in the top-left
// 4×4 (most blocks of a camera frame).
func idct4Low(b *block, dst []byte, stride int) {
	const (
		r1 = 1 << (constBits - pass1Bits - 1)
		r2 = 1<<(constBits+pass1Bits-1) + 128<<(constBits+pass1Bits)
	)
	var t [4 * 4]int32 // t[i*4+u]
	k0, k1 := &k4[0], &k4[1]
	for u := range 4 {
		s0, s1, s2, s3 := b[u], b[8+u], b[16+u], b[24+u]
		if s1|s2|s3 == 0 {
			v := (s0*k0[0] + r1) >> (constBits - pass1Bits)
			t[u], t[4+u], t[8+u], t[12+u] = v, v, v, v
			continue
		}
		e0 := s0*k0[0] + s2*k0[2]
		e1 := s0*k1[0] + s2*k1[2]
		o0 := s1*k0[1] + s3*k0[3]
		o1 := s1*k1[1] + s3*k1[3]
		t[u] = (e0 + o0 + r1) >> (constBits - pass1Bits)
		t[4+u] = (e1 + o1 + r1) >> (constBits - pass1Bits)
		t[8+u] = (e1 - o1 + r1) >> (constBits - pass1Bits)
		t[12+u] = (e0 - o0 + r1) >> (constBits - pass1Bits)
	}
	for i := range 4 {
		r := t[4*i : 4*i+4 : 4*i+4]
		out := dst[i*stride : i*stride+4 : i*stride+4]
		e0 := r[0]*k0[0] + r[2]*k0[2] + r2
		e1 := r[0]*k1[0] + r[2]*k1[2] + r2
		o0 := r[1]*k0[1] + r[3]*k0[3]
		o1 := r[1]*k1[1] + r[3]*k1[3]
		out[0] = clamp((e0 + o0) >> (constBits + pass1Bits))
		out[1] = clamp((e1 + o1) >> (constBits + pass1Bits))
		out[2] = clamp((e1 - o1) >> (constBits + pass1Bits))
		out[3] = clamp((e0 - o0) >> (constBits + pass1Bits))
	}
}

// idct2 writes the 2×2 reduced IDCT of b to dst. b is not modified.
func idct2(b *block, dst []byte, stride int) {
	const (
		r1 = 1 << (constBits - pass1Bits - 1)
		r2 = 1<<(constBits+pass1Bits-1) + 128<<(constBits+pass1Bits)
	)
	var t [2 * 8]int32
	for _, u := range [5]int{0, 1, 3, 5, 7} {
		e := b[u] * k2[0]
		o := b[8+u]*k2[1] + b[24+u]*k2[3] + b[40+u]*k2[5] + b[56+u]*k2[7]
		t[u] = (e + o + r1) >> (constBits - pass1Bits)
		t[8+u] = (e - o + r1) >> (constBits - pass1Bits)
	}
	for i := range 2 {
		r := t[8*i : 8*i+8 : 8*i+8]
		e := r[0]*k2[0] + r2
		o := r[1]*k2[1] + r[3]*k2[3] + r[5]*k2[5] + r[7]*k2[7]
		dst[i*stride] = clamp((e + o) >> (constBits + pass1Bits))
		dst[i*stride+1] = clamp((e - o) >> (constBits + pass1Bits))
	}
}
