package quality

import (
	"fmt"
	"image"
	"math"
	"os"
	"testing"

	"github.com/ventanilla-kiosk/ventanilla/devices/camera/sim"
)

func gaussGray(src *image.Gray, sigma float64) *image.Gray {
	if sigma <= 0 {
		return src
	}
	r := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*r+1)
	var s float64
	for i := range k {
		x := float64(i - r)
		k[i] = math.Exp(-x * x / (2 * sigma * sigma))
		s += k[i]
	}
	for i := range k {
		k[i] /= s
	}
	W, H := src.Rect.Dx(), src.Rect.Dy()
	tmp := make([]float64, W*H)
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			var v float64
			for i, w := range k {
				xx := min(max(x+i-r, 0), W-1)
				v += w * float64(src.Pix[y*src.Stride+xx])
			}
			tmp[y*W+x] = v
		}
	}
	out := image.NewGray(src.Rect)
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			var v float64
			for i, w := range k {
				yy := min(max(y+i-r, 0), H-1)
				v += w * tmp[yy*W+x]
			}
			out.Pix[y*out.Stride+x] = uint8(v + 0.5)
		}
	}
	return out
}

func TestCalibBlur(t *testing.T) {
	if os.Getenv("QUALITY_CALIB") == "" {
		t.Skip()
	}
	for _, sz := range [][2]int{{640, 480}, {1280, 720}, {1920, 1080}} {
		for _, kind := range []sim.Kind{sim.CardFront, sim.CardBack} {
			s := sim.Good(kind)
			s.Noise = 2
			m := render(sz[0], sz[1], s)
			g := image.NewGray(m.Rect)
			for i := 0; i < len(g.Pix); i++ {
				p := m.Pix[4*i:]
				g.Pix[i] = uint8((19595*uint32(p[0]) + 38470*uint32(p[1]) + 7471*uint32(p[2]) + 1<<15) >> 16)
			}
			fmt.Printf("%v %v:", sz, kind)
			for _, sg := range []float64{0, 0.7, 1, 1.5, 2, 2.5, 3, 4, 6} {
				b := gaussGray(g, sg)
				a := NewAnalyzer(IDCard)
				r := a.Analyze(b)
				fmt.Printf(" %.1f→%.2f", sg, r.Metrics.BlurPx)
			}
			fmt.Println()
		}
	}
}
