package quality

import (
	"image"
	"testing"
)

// BenchmarkStages times each stage of the analysis on the camera sample
// (development aid for finding where the time goes).
func BenchmarkStages(b *testing.B) {
	_, imgs := loadSample(b)
	var gs []*image.Gray
	for _, img := range imgs {
		if img.Bounds().Dx() == 1280 {
			g, _ := reduced(img)
			gs = append(gs, g)
		}
	}
	a := NewAnalyzer(IDCard)
	a.Analyze(gs[0])
	var ps [][4][2]float64
	for _, g := range gs {
		a.grey(g)
		a.findEdges()
		a.peaks()
		q, ok := a.findQuad(CardAspect, SheetAspect)
		if ok {
			var m Metrics
			ps = append(ps, a.outline(&q, &m))
		} else {
			ps = append(ps, [4][2]float64{})
		}
	}
	run := func(name string, f func(i int)) {
		b.Run(name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				f(i % len(gs))
				i++
			}
		})
	}
	run("all", func(i int) { a.Analyze(gs[i]) })
	run("grey", func(i int) { a.grey(gs[i]) })
	run("edges", func(i int) { a.grey(gs[i]); a.findEdges() })
	run("peaks", func(i int) { a.grey(gs[i]); a.findEdges(); a.peaks() })
	run("quad", func(i int) { a.grey(gs[i]); a.findEdges(); a.peaks(); a.findQuad(CardAspect, SheetAspect) })
	run("light", func(i int) { a.light(ps[i]) })
	run("blur", func(i int) { a.blur(ps[i]) })
	run("steepest", func(i int) { a.steepest(ps[i]) })
	run("sharpness", func(i int) { x0, y0, x1, y1 := bounds(shrink(ps[i], 0.15)); a.sharpness(x0, y0, x1, y1) })
	run("mrz", func(i int) { a.resample(ps[i]); a.mrzScore(); a.signature(&Signature{}) })
}
