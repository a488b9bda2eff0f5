package jpegscale

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// sampleDir holds webcam-like frames drawn by someone else's generator.
const sampleDir = "../../../../shared/camera-sample/images"

// stdlibFails are fixtures image/jpeg cannot decode: a progressive file
// with restart intervals (it counts restarts per interleaved MCU in
// non-interleaved scans). The fork decodes it (see the libjpeg test).
var stdlibFails = map[string]bool{"testdata/rst_prog420.jpg": true}

// fixtures are libjpeg-encoded files (testdata/make_fixtures.sh): 4:2:0,
// 4:2:2, 4:4:4, progressive, restart markers, grey, odd sizes.
func fixtures(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/*.jpg")
	if err != nil || len(files) < 10 {
		t.Fatalf("fixtures missing: %v %v", files, err)
	}
	return files
}

// samples returns the sample frames (all sizes: 640×480, 1280×720, 1920×1080).
func samples(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(sampleDir, "*.jpg"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample frames in %s (the camera sample must be beside the repository): %v", sampleDir, err)
	}
	return files
}

// someSamples is one frame of each size, for the tests that compare every
// pixel in Go (slow under -race); the libjpeg test takes them all.
func someSamples(t testing.TB) []string {
	var out []string
	seen := map[[2]int]bool{}
	for _, f := range samples(t) {
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(read(t, f)))
		if err != nil {
			t.Fatal(err)
		}
		if k := [2]int{cfg.Width, cfg.Height}; !seen[k] {
			seen[k] = true
			out = append(out, f)
		}
	}
	return out
}

func read(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// plane is one 8-bit channel with its padded backing (the decoders keep
// whole MCUs; the image is the top-left w×h).
type plane struct {
	pix    []byte
	stride int
	w, h   int
}

func (p plane) at(x, y int) int { return int(p.pix[y*p.stride+x]) }

// planes splits a decoded image into Y (and Cb, Cr) planes.
func planes(t testing.TB, img image.Image) []plane {
	b := img.Bounds()
	switch m := img.(type) {
	case *image.Gray:
		return []plane{{m.Pix, m.Stride, b.Dx(), b.Dy()}}
	case *image.YCbCr:
		cw, ch := m.COffset(b.Max.X-1, b.Max.Y-1)%m.CStride+1, m.COffset(b.Max.X-1, b.Max.Y-1)/m.CStride+1
		return []plane{{m.Y, m.YStride, b.Dx(), b.Dy()}, {m.Cb, m.CStride, cw, ch}, {m.Cr, m.CStride, cw, ch}}
	}
	panic(fmt.Sprintf("unexpected image type %T", img))
}

// box averages s×s cells of p's padded plane into a w×h plane: what a
// perfect reduced decode gives (before its own rounding).
func box(p plane, s, w, h int) plane {
	out := plane{pix: make([]byte, w*h), stride: w, w: w, h: h}
	for y := range h {
		for x := range w {
			sum := 0
			for dy := range s {
				for dx := range s {
					sum += p.at(x*s+dx, y*s+dy)
				}
			}
			out.pix[y*w+x] = uint8((sum + s*s/2) / (s * s))
		}
	}
	return out
}

// psnr compares the w×h top-left of two planes and returns the PSNR (dB)
// and the largest difference.
func psnr(a, b plane) (float64, int) {
	var se float64
	maxd := 0
	for y := range a.h {
		for x := range a.w {
			d := a.at(x, y) - b.at(x, y)
			se += float64(d * d)
			if d < 0 {
				d = -d
			}
			maxd = max(maxd, d)
		}
	}
	if se == 0 {
		return math.Inf(1), 0
	}
	mse := se / float64(a.w*a.h)
	return 10 * math.Log10(255*255/mse), maxd
}

// TestFullScaleMatchesImageJPEG: at scale 1 the fork decodes every plane
// exactly as the standard library, for every layout.
func TestFullScaleMatchesImageJPEG(t *testing.T) {
	var dec Decoder
	files := append(fixtures(t), someSamples(t)...)
	for _, f := range files {
		data := read(t, f)
		ref, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			if stdlibFails[f] {
				continue
			}
			t.Fatalf("%s: image/jpeg: %v", f, err)
		}
		for _, gray := range []bool{false, true} {
			img, err := dec.Decode(data, Options{Gray: gray})
			if err != nil {
				t.Fatalf("%s gray=%v: %v", f, gray, err)
			}
			if img.Bounds() != ref.Bounds() {
				t.Fatalf("%s: bounds %v, image/jpeg %v", f, img.Bounds(), ref.Bounds())
			}
			got, want := planes(t, img), planes(t, ref)
			if gray {
				want = want[:1]
			}
			if len(got) != len(want) {
				t.Fatalf("%s gray=%v: %d planes, want %d", f, gray, len(got), len(want))
			}
			for i := range want {
				if p, maxd := psnr(want[i], got[i]); maxd != 0 {
					t.Errorf("%s gray=%v plane %d: differs from image/jpeg (PSNR %.1f dB, max %d)", f, gray, i, p, maxd)
				}
			}
		}
	}
}

// TestScaledMatchesBoxDownscale: a reduced decode is the box average of
// the full decode (standard library), up to rounding and clipping.
func TestScaledMatchesBoxDownscale(t *testing.T) {
	var dec Decoder
	files := append(fixtures(t), someSamples(t)...)
	for _, f := range files {
		data := read(t, f)
		ref, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			if stdlibFails[f] {
				continue
			}
			t.Fatal(err)
		}
		full := planes(t, ref)
		for _, s := range []int{2, 4, 8} {
			for _, gray := range []bool{true, false} {
				img, err := dec.Decode(data, Options{Scale: s, Gray: gray})
				if err != nil {
					t.Fatalf("%s 1/%d: %v", f, s, err)
				}
				w, h := ScaledSize(ref.Bounds().Dx(), ref.Bounds().Dy(), s)
				if img.Bounds() != image.Rect(0, 0, w, h) {
					t.Fatalf("%s 1/%d: bounds %v, want %dx%d", f, s, img.Bounds(), w, h)
				}
				got := planes(t, img)
				for i, g := range got {
					want := box(full[i], s, g.w, g.h)
					p, maxd := psnr(want, g)
					// Clipping before (box) or after (DCT) averaging and the
					// fixed-point rounding differ by a level or two on a
					// few pixels; anything structural costs tens of dB.
					if p < 42 || maxd > 12 {
						t.Errorf("%s 1/%d gray=%v plane %d: PSNR %.1f dB, max diff %d against the box-downscaled full decode", f, s, gray, i, p, maxd)
					}
				}
			}
		}
	}
}

// TestScaledMatchesLibjpeg compares the luma at 1/1, 1/2, 1/4, 1/8 with
// libjpeg's own scaled IDCT (OpenCV's IMREAD_REDUCED_GRAYSCALE_N). CI
// installs python3-opencv; elsewhere the test skips when cv2 is missing.
func TestScaledMatchesLibjpeg(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import cv2").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must have python3-opencv (.ci/run installs it): %v", err)
		}
		t.Skipf("no OpenCV for /usr/bin/python3 (apt-get install python3-opencv): %v", err)
	}
	files := append(fixtures(t), samples(t)...)
	out := t.TempDir()
	cmd := exec.Command("/usr/bin/python3", append([]string{"testdata/libjpeg_reduced.py", out}, files...)...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("libjpeg_reduced.py: %v\n%s", err, msg)
	}
	var dec Decoder
	worst := map[int]float64{1: math.Inf(1), 2: math.Inf(1), 4: math.Inf(1), 8: math.Inf(1)}
	for i, f := range files {
		data := read(t, f)
		for _, s := range []int{1, 2, 4, 8} {
			want := readPGM(t, filepath.Join(out, fmt.Sprintf("%d.%d.pgm", i, s)))
			img, err := dec.Decode(data, Options{Scale: s, Gray: true})
			if err != nil {
				t.Fatalf("%s 1/%d: %v", f, s, err)
			}
			got := planes(t, img)[0]
			if got.w != want.w || got.h != want.h {
				t.Fatalf("%s 1/%d: %dx%d, libjpeg %dx%d", f, s, got.w, got.h, want.w, want.h)
			}
			p, maxd := psnr(want, got)
			worst[s] = min(worst[s], p)
			// libjpeg's integer IDCTs round differently from Go's (full
			// size) and from ours: ±1 on some pixels, ~50 dB.
			if p < 44 || maxd > 6 {
				t.Errorf("%s 1/%d: PSNR %.1f dB, max diff %d against libjpeg", filepath.Base(f), s, p, maxd)
			}
		}
	}
	t.Logf("worst PSNR against libjpeg over %d files: 1/1 %.1f dB, 1/2 %.1f dB, 1/4 %.1f dB, 1/8 %.1f dB",
		len(files), worst[1], worst[2], worst[4], worst[8])
}

func readPGM(t testing.TB, name string) plane {
	t.Helper()
	data := read(t, name)
	var w, h, maxv int
	n, err := fmt.Sscanf(string(data), "P5\n%d %d\n%d\n", &w, &h, &maxv)
	if err != nil || n != 3 {
		t.Fatalf("%s: bad PGM header: %v", name, err)
	}
	pix := data[len(data)-w*h:]
	return plane{pix: pix, stride: w, w: w, h: h}
}

// TestNoAllocsPerFrame: a stream of same-sized frames decodes without
// allocating, in every mode the kiosk uses.
func TestNoAllocsPerFrame(t *testing.T) {
	data := read(t, samples(t)[0])
	var dec Decoder
	for _, opt := range []Options{{Scale: 2, Gray: true}, {Scale: 2}, {Scale: 1}, {Scale: 4, Gray: true}} {
		if _, err := dec.Decode(data, opt); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(5, func() {
			if _, err := dec.Decode(data, opt); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("%+v: %.0f allocations per frame, want 0", opt, n)
		}
	}
	prog := read(t, "testdata/prog420.jpg")
	if _, err := dec.Decode(prog, Options{Scale: 2}); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(5, func() { _, _ = dec.Decode(prog, Options{Scale: 2}) }); n != 0 {
		t.Errorf("progressive: %.0f allocations per frame, want 0", n)
	}
}

// TestReuseDoesNotLeak: decoding a different image with the same decoder
// gives exactly what a fresh decoder gives (no stale planes, tables or
// progressive coefficients).
func TestReuseDoesNotLeak(t *testing.T) {
	files := fixtures(t)
	var shared Decoder
	for _, opt := range []Options{{Scale: 1}, {Scale: 2}, {Scale: 4, Gray: true}} {
		for _, f := range files {
			data := read(t, f)
			var fresh Decoder
			want, err := fresh.Decode(data, opt)
			if err != nil {
				t.Fatal(err)
			}
			got, err := shared.Decode(data, opt)
			if err != nil {
				t.Fatal(err)
			}
			wp, gp := planes(t, want), planes(t, got)
			for i := range wp {
				if _, maxd := psnr(wp[i], gp[i]); maxd != 0 {
					t.Errorf("%s %+v plane %d: reused decoder differs from a fresh one", f, opt, i)
				}
			}
		}
	}
	// A file without Huffman tables after one with them must fail, not
	// decode with the previous file's tables.
	data := read(t, files[0])
	stripped := stripDHT(t, data)
	if _, err := shared.Decode(stripped, Options{Scale: 2}); err == nil {
		t.Error("a JPEG without Huffman tables decoded with the previous file's tables")
	}
}

// stripDHT removes the DHT segments before the first scan.
func stripDHT(t testing.TB, data []byte) []byte {
	t.Helper()
	out := append([]byte(nil), data[:2]...)
	for i := 2; i+4 <= len(data); {
		m := data[i+1]
		if m == sosMarker {
			return append(out, data[i:]...)
		}
		n := int(data[i+2])<<8 | int(data[i+3])
		if m != dhtMarker {
			out = append(out, data[i:i+2+n]...)
		}
		i += 2 + n
	}
	t.Fatal("no scan")
	return nil
}

func TestLimitsBeforeAllocation(t *testing.T) {
	// A valid header claiming 65000×65000: refused from the header.
	data := read(t, "testdata/base420.jpg")
	big := append([]byte(nil), data...)
	i := bytes.Index(big, []byte{0xff, sof0Marker})
	if i < 0 {
		t.Fatal("no SOF0")
	}
	big[i+5], big[i+6], big[i+7], big[i+8] = 0xfd, 0xe8, 0xfd, 0xe8
	var dec Decoder
	_, err := dec.Decode(big, Options{Scale: 2, MaxPixels: 24_000_000})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("65000² with a 24 MP limit: %v, want ErrTooLarge", err)
	}
	if _, err := dec.Decode(data, Options{Scale: 2, MaxWidth: 300}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("333 wide with MaxWidth 300: %v", err)
	}
	if _, err := dec.Decode(data, Options{Scale: 2, MaxWidth: 333, MaxHeight: 251, MaxPixels: 333 * 251}); err != nil {
		t.Fatalf("at the limits: %v", err)
	}
	cfg, err := dec.Config(data)
	if err != nil || cfg != (Config{Width: 333, Height: 251, Components: 3}) {
		t.Fatalf("Config = %+v, %v", cfg, err)
	}
}

func TestUnsupportedAndBroken(t *testing.T) {
	var dec Decoder
	data := read(t, "testdata/base420.jpg")
	for n := 0; n < len(data); n += 1 + n/8 {
		if _, err := dec.Decode(data[:n], Options{Scale: 2}); err == nil {
			t.Fatalf("truncated to %d of %d bytes: no error", n, len(data))
		}
	}
	if _, err := dec.Decode(data, Options{Scale: 3}); err == nil || !strings.Contains(err.Error(), "scale") {
		t.Fatalf("scale 3: %v", err)
	}
	if _, err := dec.Decode([]byte("not a jpeg"), Options{}); err == nil {
		t.Fatal("text decoded")
	}
}

func TestScaleFor(t *testing.T) {
	for _, c := range []struct{ w, want int }{{640, 1}, {1280, 2}, {1920, 2}, {2560, 4}, {5120, 8}, {100, 1}, {1279, 2}, {1278, 1}} {
		if got := ScaleFor(c.w, 640); got != c.want {
			t.Errorf("ScaleFor(%d, 640) = %d, want %d", c.w, got, c.want)
		}
	}
}

// FuzzDecode: no input panics or hangs the decoder, and parsing does not
// depend on the output asked for: an input that decodes at one scale
// decodes at every scale, to the size its header gives; an input whose
// colour decodes also decodes as luma (luma only may skip a corrupt chroma
// scan). On corrupt input image/jpeg is no oracle: where the two differ on
// files the fuzzer made, libjpeg sides with the fork (over-subscribed
// Huffman tables, which libjpeg and the fork refuse, and bit errors that
// image/jpeg's 8-bit look-up reads differently); valid files are compared
// pixel for pixel with image/jpeg and libjpeg above.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.jpg")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	var dec Decoder
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, cfgErr := dec.Config(data)
		for _, gray := range []bool{false, true} {
			var ok [9]bool
			for _, s := range []int{1, 2, 4, 8} {
				img, err := dec.Decode(data, Options{Scale: s, Gray: gray, MaxPixels: 1 << 20})
				if err != nil {
					continue
				}
				ok[s] = true
				if cfgErr != nil {
					t.Fatalf("1/%d decodes, but Config fails: %v", s, cfgErr)
				}
				w, h := ScaledSize(cfg.Width, cfg.Height, s)
				if img.Bounds() != image.Rect(0, 0, w, h) {
					t.Fatalf("1/%d: bounds %v, header says %dx%d", s, img.Bounds(), cfg.Width, cfg.Height)
				}
				if gray {
					continue
				}
				if _, err := dec.Decode(data, Options{Scale: s, Gray: true, MaxPixels: 1 << 20}); err != nil {
					t.Fatalf("1/%d: colour decodes, luma only fails: %v", s, err)
				}
			}
			if ok[1] != ok[2] || ok[1] != ok[4] || ok[1] != ok[8] {
				t.Fatalf("gray=%v: decodes at some scales only: %v", gray, ok)
			}
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	for _, name := range []string{"frame_001.jpg", "frame_007.jpg"} { // 1280×720, 1920×1080
		data := read(b, filepath.Join(sampleDir, name))
		cfg, _ := jpeg.DecodeConfig(bytes.NewReader(data))
		size := fmt.Sprintf("%dx%d", cfg.Width, cfg.Height)
		b.Run(size+"/image-jpeg", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
		for _, opt := range []Options{{Scale: 1}, {Scale: 1, Gray: true}, {Scale: 2}, {Scale: 2, Gray: true}, {Scale: 4, Gray: true}, {Scale: 8, Gray: true}} {
			name := fmt.Sprintf("%s/scale-1-%d", size, opt.Scale)
			if opt.Gray {
				name += "-luma"
			} else {
				name += "-ycbcr"
			}
			b.Run(name, func(b *testing.B) {
				var dec Decoder
				b.ReportAllocs()
				for b.Loop() {
					if _, err := dec.Decode(data, opt); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkDecodeSamples decodes the sample frames in turn as `camera
// check` does (luma at the largest reduction keeping 640 pixels across:
// 1/2 for 1280 and 1920 wide, 1/1 for 640), or in colour at the same
// scale; one frame per op.
func BenchmarkDecodeSamples(b *testing.B) {
	files := samples(b)
	datas := make([][]byte, len(files))
	scales := make([]int, len(files))
	for i, f := range files {
		datas[i] = read(b, f)
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(datas[i]))
		if err != nil {
			b.Fatal(err)
		}
		scales[i] = ScaleFor(cfg.Width, 640)
	}
	for _, gray := range []bool{true, false} {
		name := "luma"
		if !gray {
			name = "ycbcr"
		}
		b.Run(name, func(b *testing.B) {
			var dec Decoder
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				k := i % len(datas)
				if _, err := dec.Decode(datas[k], Options{Scale: scales[k], Gray: gray}); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
