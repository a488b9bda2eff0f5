package quality

import (
	"testing"

	"github.com/ventanilla-kiosk/ventanilla/devices/camera/sim"
)

// BenchmarkVisitorPhases times the analysis of each phase of the scripted
// visitor the demo camera plays (720p, as the kiosk's camera): a bad
// frame must not cost much more than a good one, or the live preview
// slows down exactly when the visitor needs advice.
func BenchmarkVisitorPhases(b *testing.B) {
	script := sim.Visitor(sim.CardFront, 1)
	for i, st := range script {
		sc, _ := script.At(i)
		img := toYCbCr(render(1280, 720, sc))
		b.Run(st.Name, func(b *testing.B) {
			a := NewAnalyzer(IDCard)
			a.Analyze(img)
			b.ReportAllocs()
			for b.Loop() {
				a.Analyze(img)
			}
		})
	}
}
