package quality

import (
	"image"
	"math"
	"testing"
)

// dirDegRef is dirDeg the plain way: atan of min/max by integer division,
// in tenths of a degree, turned into the gradient's quadrant.
func dirDegRef(gx, gy int32) int {
	ax, ay := max(gx, -gx), max(gy, -gy)
	var d int
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
	return (d + 5) / 10 % 360
}

// TestDirDeg: the table-and-reciprocal direction is the plain one for
// every gradient Scharr's kernel can give, and within a degree of atan2.
func TestDirDeg(t *testing.T) {
	step := int32(1)
	if testing.Short() || raceEnabled {
		step = 7
	}
	const lim = 16 * 255
	for gx := int32(-lim); gx <= lim; gx += step {
		for gy := int32(-lim); gy <= lim; gy += step {
			got := dirDeg(gx, gy)
			if want := dirDegRef(gx, gy); got != want {
				t.Fatalf("dirDeg(%d, %d) = %d, want %d", gx, gy, got, want)
			}
			if (gx == 0 && gy == 0) || (gx+gy)%11 != 0 {
				continue // atan2 on a sample: it is the slow part
			}
			exact := math.Atan2(float64(gy), float64(gx)) * 180 / math.Pi
			if d := math.Abs(math.Remainder(float64(got)-exact, 360)); d > 0.8 {
				t.Fatalf("dirDeg(%d, %d) = %d, atan2 says %.2f", gx, gy, got, exact)
			}
		}
	}
}

// TestBoxLuma: the reductions (in place, 2×2 in 16-bit lanes, k×k by a
// reciprocal) give the plain box average of every block, at widths that
// leave a tail after the 8-byte steps.
func TestBoxLuma(t *testing.T) {
	var acc []uint32
	seed := uint32(1)
	for _, k := range []int{1, 2, 3, 4, 5, 7} {
		for _, fw := range []int{1, 3, 4, 7, 64, 67} {
			fh := 5
			stride := fw*k + 3
			src := make([]uint8, stride*fh*k)
			for i := range src {
				seed = seed*1664525 + 1013904223
				src[i] = uint8(seed >> 24)
				if i%5 == 0 {
					src[i] = 255 // the largest sums too
				}
			}
			dst := make([]uint8, fw*fh)
			boxLuma(dst, fw, fh, k, src, stride, &acc)
			for y := 0; y < fh; y++ {
				for x := 0; x < fw; x++ {
					var s int
					for dy := 0; dy < k; dy++ {
						for dx := 0; dx < k; dx++ {
							s += int(src[(y*k+dy)*stride+x*k+dx])
						}
					}
					want := s / (k * k)
					if k == 2 {
						want = (s + 2) / 4 // rounded, as the 720p path always was
					}
					if got := int(dst[y*fw+x]); got != want {
						t.Fatalf("k=%d fw=%d (%d,%d): %d, want %d", k, fw, x, y, got, want)
					}
				}
			}
		}
	}
}

// TestExtremeShapes: frames of extreme proportions (a strip from a
// scanner, a tall crop) are judged without running off the buffers.
func TestExtremeShapes(t *testing.T) {
	for _, sz := range [][2]int{{3000, 24}, {24, 3000}, {2999, 25}, {4000, 40}, {32, 24}, {1001, 1}, {1920, 26}} {
		for _, m := range []Mode{IDCard, Document, Face} {
			img := image.NewGray(image.Rect(0, 0, sz[0], sz[1]))
			for i := range img.Pix {
				img.Pix[i] = uint8(i*7 + i/sz[0]*13)
			}
			r := NewAnalyzer(m).Analyze(img)
			if r.OK {
				t.Errorf("%v %dx%d: ok", m, sz[0], sz[1])
			}
		}
	}
}
