package jpegscale

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"math/rand"
	"testing"
)

// TestReducedIDCTMatchesDefinition: folding a block's coefficients while
// decoding and running the 4×4 (2×2, 1×1) IDCT gives, within one grey
// level, the average of the g×g pixels of the exact 8×8 IDCT, for
// random blocks from flat to full, with camera-like and extreme
// quantization.
func TestReducedIDCTMatchesDefinition(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	var ref [8][8]float64
	for iter := range 3000 {
		var q, coef block // zig-zag order
		for zig := range blockSize {
			q[zig] = int32(1 + r.Intn(4+zig*2))
			if iter%7 == 0 {
				q[zig] = int32(1 + r.Intn(255))
			}
		}
		// Nonzero coefficients up to a random last index, smaller at high
		// frequencies, keeping the pixels mostly within range.
		last := r.Intn(blockSize)
		if iter%5 == 0 {
			last = 0
		}
		coef[0] = int32(r.Intn(2048)-1024) / q[0]
		for zig := 1; zig <= last; zig++ {
			if r.Intn(3) == 0 {
				span := 600 / (1 + zig/4)
				coef[zig] = int32(r.Intn(2*span+1)-span) / q[zig]
			}
		}
		// The exact IDCT in floating point.
		for y := range 8 {
			for x := range 8 {
				var s float64
				for zig := range blockSize {
					v, u := unzig[zig]/8, unzig[zig]%8
					cv, cu := 1.0, 1.0
					if v == 0 {
						cv = 1 / math.Sqrt2
					}
					if u == 0 {
						cu = 1 / math.Sqrt2
					}
					s += cv * cu / 4 * float64(coef[zig]*q[zig]) *
						math.Cos(float64((2*y+1)*v)*math.Pi/16) * math.Cos(float64((2*x+1)*u)*math.Pi/16)
				}
				ref[y][x] = s + 128
			}
		}
		for _, scale := range []int{2, 4, 8} {
			var tab foldTab
			makeFoldTab(&tab, &q, scale)
			var g block
			lastNZ := uint(0)
			for zig := range blockSize {
				if coef[zig] != 0 {
					e := tab[zig]
					g[e&63] += coef[zig] * int32(e>>32)
					lastNZ = uint(zig)
				}
			}
			bs := 8 / scale
			d := decoder{scale: scale, bs: bs}
			d.planes[0] = make([]byte, bs*bs)
			d.strides[0] = bs
			d.reconstructBlock(&g, lastNZ, 0, 0, 0)
			for j := range bs {
				for i := range bs {
					var s float64
					for y := j * scale; y < (j+1)*scale; y++ {
						for x := i * scale; x < (i+1)*scale; x++ {
							s += ref[y][x]
						}
					}
					want := math.Min(math.Max(math.Round(s/float64(scale*scale)), 0), 255)
					if got := float64(d.planes[0][j*bs+i]); math.Abs(got-want) > 1 {
						t.Fatalf("block %d 1/%d: pixel (%d,%d) is %v, the average of the exact IDCT %v", iter, scale, i, j, got, want)
					}
				}
			}
		}
	}
}

// TestFullBlocks: blocks whose last coefficient (zig-zag 63) is not zero,
// so a symbol pair can straddle two blocks (noise at quality 100), decode
// exactly as image/jpeg decodes them, in colour and luma only.
func TestFullBlocks(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	img := image.NewRGBA(image.Rect(0, 0, 96, 64))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.Intn(256))
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	want, err := jpeg.Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	wy := want.(*image.YCbCr)
	var dec Decoder
	for _, gray := range []bool{false, true} {
		got, err := dec.Decode(buf.Bytes(), Options{Scale: 1, Gray: gray})
		if err != nil {
			t.Fatal(err)
		}
		p := planes(t, got)[0]
		for y := range 64 {
			for x := range 96 {
				if p.at(x, y) != int(wy.Y[y*wy.YStride+x]) {
					t.Fatalf("gray=%v: luma at (%d,%d) is %d, image/jpeg %d", gray, x, y, p.at(x, y), wy.Y[y*wy.YStride+x])
				}
			}
		}
	}
}
