package quality

import (
	"fmt"
	"image"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"
)

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_THREAD, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestCPUStages prints the CPU time (not wall time: the machine is
// shared) each stage takes per frame on the sample (development aid).
func TestCPUStages(t *testing.T) {
	if os.Getenv("QUALITY_CPU") == "" {
		t.Skip()
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	_, imgs := loadSample(t)
	type fr struct {
		g    *image.Gray
		w, h int
	}
	var frs []fr
	for _, img := range imgs {
		g, _ := reduced(img)
		frs = append(frs, fr{g, img.Bounds().Dx(), img.Bounds().Dy()})
	}
	an := map[image.Point]*Analyzer{}
	for _, f := range frs {
		if an[f.g.Rect.Size()] == nil {
			an[f.g.Rect.Size()] = NewAnalyzer(IDCard)
		}
	}
	stage := func(name string, f func(a *Analyzer, x fr)) {
		const rounds = 20
		t0 := cpuNow()
		for r := 0; r < rounds; r++ {
			for _, x := range frs {
				f(an[x.g.Rect.Size()], x)
			}
		}
		d := cpuNow() - t0
		fmt.Printf("%-10s %7.3f ms/frame\n", name, float64(d.Microseconds())/1000/float64(rounds*len(frs)))
	}
	stage("all", func(a *Analyzer, x fr) { a.AnalyzeReduced(x.g, x.w, x.h) })
	stage("grey", func(a *Analyzer, x fr) { a.grey(x.g) })
	stage("edges", func(a *Analyzer, x fr) { a.grey(x.g); a.findEdges() })
	stage("peaks", func(a *Analyzer, x fr) { a.grey(x.g); a.findEdges(); a.peaks() })
	stage("quad", func(a *Analyzer, x fr) {
		a.grey(x.g)
		a.findEdges()
		a.peaks()
		a.findQuad(CardAspect, SheetAspect)
	})
	ps := map[*Analyzer][4][2]float64{}
	_ = ps
	var corners [][4][2]float64
	for _, x := range frs {
		a := an[x.g.Rect.Size()]
		a.grey(x.g)
		a.findEdges()
		a.peaks()
		q, _ := a.findQuad(CardAspect, SheetAspect)
		var m Metrics
		corners = append(corners, a.outline(&q, &m))
	}
	i := 0
	next := func() [4][2]float64 { c := corners[i%len(corners)]; i++; return c }
	stage("light", func(a *Analyzer, x fr) { a.grey(x.g); a.light(next()) })
	stage("blur", func(a *Analyzer, x fr) { a.grey(x.g); a.blur(next()) })
	stage("steepest", func(a *Analyzer, x fr) { a.grey(x.g); a.steepest(next()) })
	stage("lapvar", func(a *Analyzer, x fr) {
		a.grey(x.g)
		x0, y0, x1, y1 := bounds(shrink(next(), 0.15))
		a.sharpness(x0, y0, x1, y1)
	})
	stage("mrz", func(a *Analyzer, x fr) { a.grey(x.g); a.resample(next()); a.mrzScore(); a.signature(&Signature{}) })
}
