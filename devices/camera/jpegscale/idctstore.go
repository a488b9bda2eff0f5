// Copyright 2025 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// idctColsStore is image/jpeg's idctCols (dct.go) with its level shift
// and clipping done as each column is finished, writing the pixels
// straight to the plane instead of back into the block for another pass:
// the same values image/jpeg stores.

package jpegscale

// idctColsStore applies the 1D IDCT to the columns of b (Q9.20) and
// stores the pixels, level-shifted by 128 and clipped, to dst.
func idctColsStore(b *block, dst []byte, stride int) {
	_ = dst[7*stride+7]
	for i := range 8 {
		x0 := b[0*8+i]
		x7 := b[1*8+i]
		x2 := b[2*8+i]
		x5 := b[3*8+i]
		x1 := b[4*8+i]
		x6 := b[5*8+i]
		x3 := b[6*8+i]
		x4 := b[7*8+i]

		x0 += 1 << 19

		x0, x1 = (x0+x1)>>2, (x0-x1)>>2
		x2, x3 = dctBox(x2>>13, x3>>13, c(sqrt2inv_cos6, 12), -c(sqrt2inv_sin6, 12))

		x1, x2 = x1+x2, x1-x2
		x0, x3 = x0+x3, x0-x3

		x7, x4 = x7+x4, x7-x4

		x5 = (x5 >> 13) * c(sqrt2inv, 14)
		x6 = (x6 >> 13) * c(sqrt2inv, 14)

		x7, x5 = x7+x5, x7-x5
		x4, x6 = x4+x6, x4-x6

		x4, x7 = dctBox(x4>>14, x7>>14, c(cos3, 12), -c(sin3, 12))
		x5, x6 = dctBox(x5>>14, x6>>14, c(cos1, 12), -c(sin1, 12))

		x0, x7 = x0+x7, x0-x7
		x1, x6 = x1+x6, x1-x6
		x2, x5 = x2+x5, x2-x5
		x3, x4 = x3+x4, x3-x4

		dst[0*stride+i] = pixel(x0 >> 18)
		dst[1*stride+i] = pixel(x1 >> 18)
		dst[2*stride+i] = pixel(x2 >> 18)
		dst[3*stride+i] = pixel(x3 >> 18)
		dst[4*stride+i] = pixel(x4 >> 18)
		dst[5*stride+i] = pixel(x5 >> 18)
		dst[6*stride+i] = pixel(x6 >> 18)
		dst[7*stride+i] = pixel(x7 >> 18)
	}
}

// pixel is image/jpeg's store of an IDCT output: +128, clipped to
// [0, 255].
func pixel(c int32) uint8 {
	c += 128
	if uint32(c) > 255 {
		if c < 0 {
			return 0
		}
		return 255
	}
	return uint8(c)
}
