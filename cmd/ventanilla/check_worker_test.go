package main

import (
	"bytes"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/ventanilla-kiosk/ventanilla/devices/camera/quality"
)

// sampleBySize returns one sample frame per picture size.
func sampleBySize(t *testing.T) map[[2]int]string {
	t.Helper()
	files, err := filepath.Glob("../../../shared/camera-sample/images/*.jpg")
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample frames: %v", err)
	}
	out := map[[2]int]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if k := [2]int{cfg.Width, cfg.Height}; out[k] == "" {
			out[k] = f
		}
	}
	return out
}

// TestCheckerMixedSizes: a `camera check` worker judging files of
// different sizes in turn allocates no more per file than one judging a
// single size (an analyzer per decoded size: no buffers reallocated at
// each change of size), and judges each file as a fresh worker would.
func TestCheckerMixedSizes(t *testing.T) {
	bySize := sampleBySize(t)
	var mixed []string
	for _, f := range bySize {
		mixed = append(mixed, f)
	}
	if len(mixed) < 2 {
		t.Fatalf("want samples of at least two sizes, have %v", bySize)
	}
	allocs := func(files []string) float64 {
		c := newChecker(quality.IDCard)
		for _, f := range files { // warm up: buffers sized
			if _, err := c.check(f); err != nil {
				t.Fatal(err)
			}
		}
		i := 0
		return testing.AllocsPerRun(3*len(files), func() {
			if _, err := c.check(files[i%len(files)]); err != nil {
				t.Fatal(err)
			}
			i++
		})
	}
	one, several := allocs(mixed[:1]), allocs(mixed)
	if several > one {
		t.Errorf("%.1f allocations per file over %d sizes in turn, %.1f over one size", several, len(mixed), one)
	}

	shared := newChecker(quality.IDCard)
	for range 2 {
		for _, f := range mixed {
			got, err := shared.check(f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := newChecker(quality.IDCard).check(f)
			if err != nil {
				t.Fatal(err)
			}
			if got.Problems != want.Problems || got.Metrics != want.Metrics {
				t.Errorf("%s: %v %+v after other sizes, %v %+v alone", f, got.Problems, got.Metrics, want.Problems, want.Metrics)
			}
		}
	}
}

// TestLargestFirst: the workers take the biggest files first; files that
// cannot be examined still get their turn.
func TestLargestFirst(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, n int) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, make([]byte, n), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	files := []string{write("a", 10), filepath.Join(dir, "missing"), write("b", 30), dir, write("c", 20), write("d", 30)}
	got := largestFirst(files)
	want := []int{2, 5, 4, 0, 1, 3}
	if len(got) != len(want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
}
