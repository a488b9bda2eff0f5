package sim

import (
	"bytes"
	"image"
	"testing"
)

func TestRenderDeterministic(t *testing.T) {
	a := image.NewRGBA(image.Rect(0, 0, 160, 90))
	b := image.NewRGBA(image.Rect(0, 0, 160, 90))
	s := Good(CardBack)
	s.Noise = 4
	Render(a, s)
	Render(b, s)
	if !bytes.Equal(a.Pix, b.Pix) {
		t.Fatal("same scene drew different pixels")
	}
	s.Seed++
	Render(b, s)
	if bytes.Equal(a.Pix, b.Pix) {
		t.Fatal("another seed drew the same noise")
	}
}

func TestRenderOddSizesAndKinds(t *testing.T) {
	for _, sz := range [][2]int{{1, 1}, {3, 2}, {17, 9}, {64, 48}} {
		for k := Empty; k <= SheetA5; k++ {
			s := Good(k)
			s.Blur, s.Glare, s.Angle = 3, 1, 30
			m := image.NewRGBA(image.Rect(0, 0, sz[0], sz[1]))
			Render(m, s) // must not panic
		}
	}
}

// TestCardIsWhereTheSceneSays: a light card of the right size appears at
// the centre of the dark desk.
func TestCardIsWhereTheSceneSays(t *testing.T) {
	m := image.NewRGBA(image.Rect(0, 0, 400, 300))
	s := Good(CardFront)
	s.Noise = 0
	Render(m, s)
	lum := func(x, y int) int {
		p := m.PixOffset(x, y)
		return (int(m.Pix[p]) + int(m.Pix[p+1]) + int(m.Pix[p+2])) / 3
	}
	// Scan the middle row for the card's edges: it is 0.62 × 400 = 248 px
	// wide, centred.
	left, right := -1, -1
	y := 170 // the card spans rows ~72..228
	for x := 0; x < 400; x++ {
		if lum(x, y) > 150 && left < 0 {
			left = x
		}
		if lum(x, y) > 150 {
			right = x
		}
	}
	if w := right - left + 1; w < 240 || w > 256 || left < 70 || left > 82 {
		t.Fatalf("card spans %d..%d (width %d), want ~76..323", left, right, w)
	}
}

func TestScript(t *testing.T) {
	sc := Visitor(CardFront, 3)
	want := []string{"far", "far", "far", "close", "close", "close", "blurred", "blurred", "blurred", "dark", "dark", "dark", "glare", "glare", "glare", "steady", "steady"}
	for i, w := range want {
		if _, name := sc.At(i); name != w {
			t.Fatalf("frame %d: %s, want %s", i, name, w)
		}
	}
	if _, name := sc.At(1000); name != "steady" {
		t.Fatal("the last step does not hold")
	}
	if sc.Len() != 15 {
		t.Fatalf("Len %d", sc.Len())
	}
	if s, _ := (Script{}).At(3); s.Kind != Empty {
		t.Fatal("empty script should show the empty desk")
	}
}
