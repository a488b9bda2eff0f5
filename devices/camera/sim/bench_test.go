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

func BenchmarkSampleShot(b *testing.B) {
	var dst *image.RGBA
	i := uint64(0)
	for b.Loop() {
		i++
		sh := Sample(i)
		if dst == nil || dst.Rect.Dx() != sh.Width {
			dst = image.NewRGBA(image.Rect(0, 0, sh.Width, sh.Height))
		}
		Render(dst, sh.Scene)
	}
}
