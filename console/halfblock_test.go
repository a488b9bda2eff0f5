package console

import (
	"image"
	"image/color"
	"strings"
	"testing"
)

func gradient(w, h int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetGray(x, y, color.Gray{Y: uint8(x * 255 / (w - 1))})
		}
	}
	return img
}

func TestHalfBlockASCII(t *testing.T) {
	out := renderHalfBlock(gradient(100, 100), 10, 5, true)
	lines := strings.Split(out, "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines, want 5:\n%s", len(lines), out)
	}
	for _, l := range lines {
		if len(l) != 10 {
			t.Fatalf("line %q is %d wide, want 10", l, len(l))
		}
		if l[0] != ' ' || l[9] != '@' {
			t.Fatalf("gradient not dark→light: %q", l)
		}
	}
}

func TestHalfBlockAspect(t *testing.T) {
	// A tall image in a wide box keeps its aspect: 10x40 px into 40x10 cells
	// gives 20 px tall = 10 rows, 5 cells wide.
	out := renderHalfBlock(gradient(10, 40), 40, 10, true)
	lines := strings.Split(out, "\n")
	if len(lines) != 10 || len(lines[0]) != 5 {
		t.Fatalf("got %d lines of %d, want 10 of 5", len(lines), len(lines[0]))
	}
}

func TestHalfBlockColour(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 2, 2))
	img.SetGray(0, 0, color.Gray{Y: 255}) // top-left white
	out := renderHalfBlock(img, 2, 1, false)
	if !strings.Contains(out, "\x1b[38;5;231m") || !strings.Contains(out, "\x1b[48;5;16m") {
		t.Fatalf("missing white fg / black bg in %q", out)
	}
	if strings.Count(out, "▀") != 2 || !strings.HasSuffix(out, "\x1b[0m") {
		t.Fatalf("bad cells in %q", out)
	}
}

func TestGrey256(t *testing.T) {
	prev := 0
	for l := 0; l < 256; l++ {
		g := grey256(l)
		if g != 16 && g != 231 && (g < 232 || g > 255) {
			t.Fatalf("grey256(%d) = %d outside the grey ramp", l, g)
		}
		rank := map[bool]int{true: 0}[g == 16]
		if g >= 232 {
			rank = g - 231
		} else if g == 231 {
			rank = 99
		}
		if rank < prev {
			t.Fatalf("grey256 not monotonic at %d", l)
		}
		prev = rank
	}
	if renderHalfBlock(nil, 10, 10, true) != "" {
		t.Fatal("nil image rendered")
	}
}
