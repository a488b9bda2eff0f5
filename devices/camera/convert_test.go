package camera

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"testing"

	"github.com/ventanilla-kiosk/ventanilla/devices/camera/sim"
)

func scene(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	sim.Render(m, sim.Good(sim.CardFront))
	return m
}

func TestYUYVRoundTrip(t *testing.T) {
	src := scene(320, 180)
	raw := EncodeYUYV(nil, src)
	if len(raw) != 320*180*2 {
		t.Fatalf("YUYV length %d", len(raw))
	}
	var c Converter
	img, err := c.YUYV(raw, 320, 180)
	if err != nil {
		t.Fatal(err)
	}
	if img.SubsampleRatio != image.YCbCrSubsampleRatio422 {
		t.Fatalf("ratio %v", img.SubsampleRatio)
	}
	// Luma must match exactly; colour within chroma subsampling error.
	for _, p := range []image.Point{{10, 10}, {160, 90}, {300, 170}, {101, 57}} {
		r, g, b, _ := src.At(p.X, p.Y).RGBA()
		wantY, _, _ := color.RGBToYCbCr(uint8(r>>8), uint8(g>>8), uint8(b>>8))
		if got := img.Y[img.YOffset(p.X, p.Y)]; int(got)-int(wantY) > 1 || int(wantY)-int(got) > 1 {
			t.Errorf("Y at %v = %d, want %d", p, got, wantY)
		}
	}
	// The image is reused for the next frame of the same size.
	img2, _ := c.YUYV(raw, 320, 180)
	if img2 != img {
		t.Error("converter did not reuse its image")
	}
}

func TestYUYVPaddedStride(t *testing.T) {
	w, h, stride := 4, 2, 12
	data := make([]byte, stride*h)
	for y := 0; y < h; y++ {
		copy(data[y*stride:], []byte{10, 100, 20, 200, 30, 101, 40, 201})
	}
	var c Converter
	img, err := c.YUYV(data, w, h)
	if err != nil {
		t.Fatal(err)
	}
	if got := img.Y[img.YStride : img.YStride+4]; !bytes.Equal(got, []byte{10, 20, 30, 40}) {
		t.Fatalf("row 1 luma %v", got)
	}
	if img.Cb[img.CStride+1] != 101 || img.Cr[img.CStride+1] != 201 {
		t.Fatalf("row 1 chroma %v %v", img.Cb, img.Cr)
	}
}

// TestYUYVLuma: with Luma and a Width, a YUYV frame comes out as the box
// average of its luma at the reduction MJPEG frames get (1280 -> 640,
// 1280 -> 320, 640 -> 640), rounded as the analysis rounds its own, and
// padded rows are read right.
func TestYUYVLuma(t *testing.T) {
	for _, tc := range []struct{ w, h, pad, width, k int }{
		{1280, 720, 0, 640, 2}, {1280, 720, 0, 320, 4}, {640, 480, 0, 640, 1},
		{1280, 720, 64, 640, 2}, {1920, 1080, 0, 640, 2}, {640, 360, 32, 80, 8},
	} {
		stride := 2*tc.w + tc.pad
		raw := EncodeYUYV(nil, scene(tc.w, tc.h))
		data := make([]byte, stride*tc.h)
		for y := range tc.h {
			copy(data[y*stride:], raw[y*2*tc.w:(y+1)*2*tc.w])
		}
		var full Converter
		ref, err := full.YUYV(data, tc.w, tc.h)
		if err != nil {
			t.Fatal(err)
		}
		c := Converter{Width: tc.width, Luma: true}
		img, err := c.Convert(Frame{Format: FormatYUYV, Width: tc.w, Height: tc.h, Data: data})
		if err != nil {
			t.Fatal(err)
		}
		g, ok := img.(*image.Gray)
		if !ok || g.Rect != image.Rect(0, 0, tc.w/tc.k, tc.h/tc.k) {
			t.Fatalf("%+v: %T %v, want grey %dx%d", tc, img, img.Bounds(), tc.w/tc.k, tc.h/tc.k)
		}
		n := tc.k * tc.k
		for y := range tc.h / tc.k {
			for x := range tc.w / tc.k {
				sum := 0
				for dy := range tc.k {
					for dx := range tc.k {
						sum += int(ref.Y[(y*tc.k+dy)*ref.YStride+x*tc.k+dx])
					}
				}
				if want := uint8((sum + n/2) / n); g.Pix[y*g.Stride+x] != want {
					t.Fatalf("%+v: (%d,%d) = %d, want %d", tc, x, y, g.Pix[y*g.Stride+x], want)
				}
			}
		}
		// Full still gives the whole frame in colour.
		f, err := c.Full(Frame{Format: FormatYUYV, Width: tc.w, Height: tc.h, Data: data})
		if ycc, ok := f.(*image.YCbCr); err != nil || !ok || ycc.Rect.Dx() != tc.w || !bytes.Equal(ycc.Y[:tc.w], ref.Y[:tc.w]) {
			t.Fatalf("%+v: Full gave %T %v %v", tc, f, f.Bounds(), err)
		}
		if c.Width != tc.width || !c.Luma {
			t.Fatal("Full changed the converter's settings")
		}
	}
}

func TestYUYVRejectsBadInput(t *testing.T) {
	var c Converter
	for _, tc := range []struct {
		data []byte
		w, h int
	}{
		{make([]byte, 10), 4, 4},
		{make([]byte, 100), 3, 2},
		{make([]byte, 100), 0, 2},
		{nil, 5000, 2},
	} {
		if _, err := c.YUYV(tc.data, tc.w, tc.h); !errors.Is(err, ErrBadFrame) {
			t.Errorf("YUYV(%d bytes, %dx%d) = %v, want ErrBadFrame", len(tc.data), tc.w, tc.h, err)
		}
	}
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestMJPEGWithoutHuffmanTables: a frame as many UVC cameras send it (no
// DHT) does not decode as is, and decodes to the same picture once the
// standard tables are inserted.
func TestMJPEGWithoutHuffmanTables(t *testing.T) {
	full := encodeJPEG(t, scene(640, 360))
	bare, err := StripHuffman(full)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(bare[:200], []byte{0xFF, 0xC4}) || len(bare) >= len(full) {
		t.Fatal("StripHuffman left a DHT segment")
	}
	if _, err := jpeg.Decode(bytes.NewReader(bare)); err == nil {
		t.Fatal("image/jpeg decoded a frame without Huffman tables; the test proves nothing")
	}
	var c Converter
	a, err := c.MJPEG(full)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.MJPEG(bare)
	if err != nil {
		t.Fatalf("MJPEG without DHT: %v", err)
	}
	ya, yb := a.(*image.YCbCr), b.(*image.YCbCr)
	if !bytes.Equal(ya.Y, yb.Y) {
		t.Fatal("frame with inserted tables decodes differently")
	}
	// A frame with tables is passed through untouched.
	if got, _ := c.WithHuffman(full); &got[0] != &full[0] {
		t.Fatal("WithHuffman copied a frame that had tables")
	}
}

func TestMJPEGRejectsGarbage(t *testing.T) {
	var c Converter
	full := encodeJPEG(t, scene(64, 48))
	for name, data := range map[string][]byte{
		"empty":     nil,
		"not jpeg":  []byte("hello world, not a jpeg"),
		"truncated": full[:len(full)/2],
		"only SOI":  {0xFF, 0xD8},
		"bad len":   {0xFF, 0xD8, 0xFF, 0xE0, 0xFF, 0xFF, 0x00},
	} {
		if _, err := c.MJPEG(data); !errors.Is(err, ErrBadFrame) {
			t.Errorf("%s: err %v, want ErrBadFrame", name, err)
		}
	}
}

func FuzzMJPEG(f *testing.F) {
	full := encodeJPEG(f, scene(64, 48))
	bare, _ := StripHuffman(full)
	f.Add(full)
	f.Add(bare)
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xDA, 0, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		var c Converter
		img, err := c.MJPEG(data)
		if err == nil && (img.Bounds().Dx() > MaxDimension || img.Bounds().Dy() > MaxDimension) {
			t.Fatalf("accepted %v", img.Bounds())
		}
		if err != nil && !errors.Is(err, ErrBadFrame) {
			t.Fatalf("error not typed: %v", err)
		}
		_, _ = StripHuffman(data)
		// As a camera stream of known size: other sizes are refused.
		if img, err := c.Convert(Frame{Format: FormatMJPEG, Width: 64, Height: 48, Data: data}); err == nil && img.Bounds().Dx() != 64 {
			t.Fatalf("stream frame of size %v accepted", img.Bounds())
		}
	})
}

func FuzzYUYV(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8}, 2, 2)
	f.Add(make([]byte, 64), 4, 8)
	f.Add([]byte{}, 0, 0)
	f.Fuzz(func(t *testing.T, data []byte, w, h int) {
		var c Converter
		img, err := c.YUYV(data, w, h)
		if err == nil {
			if img.Rect.Dx() != w || img.Rect.Dy() != h || len(data) < 2*w*h {
				t.Fatalf("accepted %dx%d from %d bytes", w, h, len(data))
			}
		}
		_, _ = c.Convert(Frame{Format: FormatYUYV, Width: w, Height: h, Data: data})
		for _, width := range []int{1, 2, 320, 640} {
			l := Converter{Width: width, Luma: true}
			g, err := l.Convert(Frame{Format: FormatYUYV, Width: w, Height: h, Data: data})
			if err == nil && (g.Bounds().Dx() < 1 || g.Bounds().Dx() > w || g.Bounds().Dy() < 1 || g.Bounds().Dy() > h) {
				t.Fatalf("%dx%d at width %d: reduced to %v", w, h, width, g.Bounds())
			}
		}
	})
}

func benchFrame(b *testing.B, w, h int, f Format) Frame {
	img := scene(w, h)
	if f == FormatYUYV {
		return Frame{Format: f, Width: w, Height: h, Data: EncodeYUYV(nil, img)}
	}
	bare, err := StripHuffman(encodeJPEG(b, img))
	if err != nil {
		b.Fatal(err)
	}
	return Frame{Format: f, Width: w, Height: h, Data: bare}
}

func benchConvert(b *testing.B, w, h int, f Format) {
	fr := benchFrame(b, w, h, f)
	var c Converter
	b.SetBytes(int64(len(fr.Data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Convert(fr); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkYUYV720p(b *testing.B)   { benchConvert(b, 1280, 720, FormatYUYV) }
func BenchmarkYUYV1080p(b *testing.B)  { benchConvert(b, 1920, 1080, FormatYUYV) }
func BenchmarkMJPEG720p(b *testing.B)  { benchConvert(b, 1280, 720, FormatMJPEG) }
func BenchmarkMJPEG1080p(b *testing.B) { benchConvert(b, 1920, 1080, FormatMJPEG) }
