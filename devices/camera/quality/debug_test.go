package quality

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/ventanilla-kiosk/ventanilla/devices/camera"
)

// TestDebugOverlay draws the line finder's view of every image in
// QUALITY_DEBUG_IN into QUALITY_DEBUG_OUT (development aid).
func TestDebugOverlay(t *testing.T) {
	in, out := os.Getenv("QUALITY_DEBUG_IN"), os.Getenv("QUALITY_DEBUG_OUT")
	if in == "" || out == "" {
		t.Skip("set QUALITY_DEBUG_IN and QUALITY_DEBUG_OUT")
	}
	files, _ := filepath.Glob(filepath.Join(in, "*.jpg"))
	a := NewAnalyzer(IDCard)
	for _, f := range files {
		img, err := camera.DecodeFile(f)
		if err != nil {
			t.Fatal(err)
		}
		a.grey(img)
		a.findEdges()
		a.peaks()
		q, ok := a.findQuad(CardAspect, SheetAspect)
		if os.Getenv("QUALITY_DEBUG_FILE") != "" && filepath.Base(f) == os.Getenv("QUALITY_DEBUG_FILE") {
			for _, c := range a.cands {
				if (c.b >= 170 && c.b <= 190) || c.b <= 5 || c.b >= 355 {
					fmt.Printf("cand b=%d r=%d v=%d rank=%d\n", c.b, c.r-a.rhoOff, c.v, c.rank)
				}
			}
			mv := 1 << 30
			for _, c := range a.cands {
				mv = min(mv, c.v)
			}
			fmt.Println("ncands", len(a.cands), "thr", a.edgeThr, "minv", mv, "edges", len(a.edgeList))
			for r := -261; r < -255; r++ {
				row := a.hough[180*a.nRho:]
				q := r + a.rhoOff
				v := int(row[q-1]) + int(row[q]) + int(row[q+1])
				fmt.Println("localMax", r, v, a.localMax(180, q, v))
			}
			for b := 176; b < 188; b++ {
				fmt.Printf("b=%d:", b)
				for r := -264; r < -248; r++ {
					fmt.Printf("%4d", a.hough[b*a.nRho+r+a.rhoOff])
				}
				fmt.Println()
			}
			for y := 100; y < 104; y++ {
				for x := 250; x < 266; x++ {
					i := y*a.cw + x
					fmt.Printf("%4d/%3d", a.mag[i], int(a.ori[i])-1)
				}
				fmt.Println()
			}
			for i, l := range a.lines {
				x0, y0 := l.rho*l.cos-float64(l.first)*l.sin, l.rho*l.sin+float64(l.first)*l.cos
				x1, y1 := l.rho*l.cos-float64(l.end)*l.sin, l.rho*l.sin+float64(l.end)*l.cos
				c, n := a.support(&l, float64(l.first), float64(l.end))
				fmt.Printf("line %d deg=%d rho=%.1f votes=%d (%.0f,%.0f)-(%.0f,%.0f) cov=%.0f/%.0f\n", i, l.deg, l.rho, l.votes, x0, y0, x1, y1, c, n)
			}
		}
		m := image.NewRGBA(image.Rect(0, 0, a.cw*2, a.ch*2))
		for y := 0; y < a.ch*2; y++ {
			for x := 0; x < a.cw*2; x++ {
				v := a.coarse[(y/2)*a.cw+x/2] / 2
				if a.ori[(y/2)*a.cw+x/2] != 0 {
					v = 200
				}
				m.Set(x, y, color.RGBA{v, v, v, 255})
			}
		}
		for i := range a.lines {
			l := &a.lines[i]
			for t := l.t0; t <= l.t1; t++ {
				x := l.rho*l.cos - float64(t)*l.sin
				y := l.rho*l.sin + float64(t)*l.cos
				m.Set(int(2*x), int(2*y), color.RGBA{0, 0, 255, 255})
			}
		}
		if ok {
			for k := 0; k < 4; k++ {
				p, r := q.p[k], q.p[(k+1)%4]
				for s := 0.0; s <= 1; s += 0.002 {
					x, y := p[0]+(r[0]-p[0])*s, p[1]+(r[1]-p[1])*s
					m.Set(int(2*x), int(2*y), color.RGBA{255, 0, 0, 255})
					m.Set(int(2*x)+1, int(2*y), color.RGBA{255, 0, 0, 255})
				}
			}
		}
		w, _ := os.Create(filepath.Join(out, filepath.Base(f)+".png"))
		png.Encode(w, m)
		w.Close()
		var hist [2048]int
		for _, v := range a.mag {
			hist[min(int(v), 2047)]++
		}
		med, p90, acc := 0, 0, 0
		for i, c := range hist {
			acc += c
			if med == 0 && acc > len(a.mag)/2 {
				med = i
			}
			if p90 == 0 && acc > len(a.mag)*9/10 {
				p90 = i
			}
		}
		fmt.Printf("med=%d p90=%d ", med, p90)
		fmt.Printf("%s lines=%d edges=%d ok=%v long=%.0f short=%.0f supp=%.2f score=%.0f\n", filepath.Base(f), len(a.lines), len(a.edgeList), ok, q.long, q.short, q.support, q.score)
	}
}

func BenchmarkFinderSample(b *testing.B) {
	files, _ := filepath.Glob("../../../../shared/camera-sample/images/*.jpg")
	var imgs []image.Image
	for _, f := range files {
		img, err := camera.DecodeFile(f)
		if err != nil {
			b.Fatal(err)
		}
		imgs = append(imgs, img)
	}
	a := NewAnalyzer(IDCard)
	b.ResetTimer()
	for b.Loop() {
		for _, img := range imgs {
			a.grey(img)
			a.findEdges()
			a.peaks()
			a.findQuad(CardAspect, SheetAspect)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(imgs))/1e6, "ms/frame")
}
