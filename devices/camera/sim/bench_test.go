package sim

import (
	"image"
	"testing"
)

func BenchmarkRender720p(b *testing.B) {
	m := image.NewRGBA(image.Rect(0, 0, 1280, 720))
	s := Good(CardFront)
	s.Noise = 3
	for b.Loop() {
		Render(m, s)
	}
}
