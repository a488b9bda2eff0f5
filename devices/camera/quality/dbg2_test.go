package quality

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ventanilla-kiosk/ventanilla/devices/camera"
)

func TestDbgOne(t *testing.T) {
	f := os.Getenv("QUALITY_ONE")
	if f == "" {
		t.Skip()
	}
	img, err := camera.DecodeFile(f)
	if err != nil {
		t.Fatal(err)
	}
	a := NewAnalyzer(IDCard)
	r := a.Analyze(img)
	fmt.Println(filepath.Base(f), r.Problems.List(), a.fw, a.fh, a.cw, a.ch)
	q, ok := a.findQuad(CardAspect, SheetAspect)
	fmt.Println(ok, q.p, q.cut, q.support)
	var m Metrics
	p := a.outline(&q, &m)
	fmt.Println(p, a.nearEdge(p))
	s, n := a.blur(p)
	var nx, ny int
	for _, c := range a.ratioX {
		nx += int(c)
	}
	for _, c := range a.ratioY {
		ny += int(c)
	}
	fmt.Println("blur", s, n, nx, ny)
}

func TestDbgHist(t *testing.T) {
	f := os.Getenv("QUALITY_ONE")
	if f == "" {
		t.Skip()
	}
	img, _ := camera.DecodeFile(f)
	a := NewAnalyzer(IDCard)
	a.Analyze(img)
	q, _ := a.findQuad(CardAspect, SheetAspect)
	var m Metrics
	p := a.outline(&q, &m)
	a.blur(p)
	for _, h := range []*[ratioBins]int32{&a.ratioX, &a.ratioY} {
		n := 0
		for _, c := range h {
			n += int(c)
		}
		fmt.Println("median", blurOfRatio(medianBin(h[:], n)))
		for i := 0; i < ratioBins; i += 16 {
			s := 0
			for _, c := range h[i : i+16] {
				s += int(c)
			}
			fmt.Printf("%.2f:%d ", 1+float64(i)/512, s)
		}
		fmt.Println()
	}
}

func TestDbgCounts(t *testing.T) {
	if os.Getenv("QUALITY_COUNTS") == "" {
		t.Skip()
	}
	files, _ := filepath.Glob("/work/shared/camera-sample/images/*.jpg")
	for _, f := range files {
		img, _ := camera.DecodeFile(f)
		a := NewAnalyzer(IDCard)
		r := a.Analyze(img)
		q, ok := a.findQuad(CardAspect, SheetAspect)
		if !ok {
			continue
		}
		var m Metrics
		p := a.outline(&q, &m)
		a.blur(p)
		var nx, ny int
		for _, c := range a.ratioX {
			nx += int(c)
		}
		for _, c := range a.ratioY {
			ny += int(c)
		}
		fmt.Printf("%s %v nx=%d ny=%d ratio=%.2f sx=%.2f sy=%.2f\n", filepath.Base(f), r.Problems.List(), nx, ny, float64(nx)/float64(max(ny, 1)), blurOfRatio(medianBin(a.ratioX[:], nx)), blurOfRatio(medianBin(a.ratioY[:], ny)))
	}
}
