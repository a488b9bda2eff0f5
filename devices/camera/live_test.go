package camera

import (
	"bytes"
	"image"
	"image/jpeg"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/ventanilla-kiosk/ventanilla/devices/camera/quality"

	"golang.org/x/image/draw"
)

// sampleDir holds webcam-like frames drawn by someone else's generator
// (640×480 to 1920×1080).
const sampleDir = "../../../shared/camera-sample/images"

var (
	liveMu     sync.Mutex
	liveRGBA   = map[string]*image.RGBA{}
	liveFrames = map[Format][]Frame{}
)

// liveFrames720p returns the first n sample frames (0: all) as a 1280×720
// camera would send them: MJPEG at quality 85 without Huffman tables (as
// UVC cameras do), or YUYV.
func liveFrames720p(tb testing.TB, f Format, n int) []Frame {
	tb.Helper()
	liveMu.Lock()
	defer liveMu.Unlock()
	files, err := filepath.Glob(filepath.Join(sampleDir, "*.jpg"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no sample frames in %s: %v", sampleDir, err)
	}
	if n <= 0 || n > len(files) {
		n = len(files)
	}
	out := liveFrames[f]
	for i := len(out); i < n; i++ {
		m := liveRGBA[files[i]]
		if m == nil {
			img, err := DecodeFile(files[i])
			if err != nil {
				tb.Fatal(err)
			}
			m = image.NewRGBA(image.Rect(0, 0, 1280, 720))
			draw.ApproxBiLinear.Scale(m, m.Rect, img, img.Bounds(), draw.Src, nil)
			liveRGBA[files[i]] = m
		}
		fr := Frame{Format: f, Width: 1280, Height: 720, Seq: uint64(i + 1)}
		if f == FormatYUYV {
			fr.Data = EncodeYUYV(nil, m)
		} else {
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 85}); err != nil {
				tb.Fatal(err)
			}
			bare, err := StripHuffman(buf.Bytes())
			if err != nil {
				tb.Fatal(err)
			}
			fr.Data = bare
		}
		out = append(out, fr)
	}
	liveFrames[f] = out
	return out[:n]
}

// TestLiveConvertNoAllocs: once warmed up, converting camera frames of one
// size allocates nothing (issue 15.2), for every way the kiosk converts.
func TestLiveConvertNoAllocs(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    Format
		conv Converter
	}{
		{"MJPEG luma 1/2", FormatMJPEG, Converter{Width: 640, Luma: true}},
		{"MJPEG colour 1/2", FormatMJPEG, Converter{Width: 640}},
		{"MJPEG full", FormatMJPEG, Converter{}},
		{"YUYV", FormatYUYV, Converter{}},
		{"YUYV luma 1/2", FormatYUYV, Converter{Width: 640, Luma: true}},
	} {
		frames := liveFrames720p(t, tc.f, 6)
		c := tc.conv
		for _, fr := range frames {
			if _, err := c.Convert(fr); err != nil {
				t.Fatal(err)
			}
		}
		i := 0
		n := testing.AllocsPerRun(len(frames), func() {
			if _, err := c.Convert(frames[i%len(frames)]); err != nil {
				t.Fatal(err)
			}
			i++
		})
		if n != 0 {
			t.Errorf("%s: %.1f allocations per frame, want 0", tc.name, n)
		}
	}
}

// TestLiveMJPEGScaled: a 720p MJPEG frame without Huffman tables comes out
// 640×360, luma only or in colour, and its luma is the box average of the
// full-size decode.
func TestLiveMJPEGScaled(t *testing.T) {
	fr := liveFrames720p(t, FormatMJPEG, 1)[0]
	var full Converter
	ref, err := full.Convert(fr)
	if err != nil {
		t.Fatal(err)
	}
	fy := ref.(*image.YCbCr)
	for _, luma := range []bool{true, false} {
		c := Converter{Width: 640, Luma: luma}
		img, err := c.Convert(fr)
		if err != nil {
			t.Fatal(err)
		}
		if img.Bounds() != image.Rect(0, 0, 640, 360) {
			t.Fatalf("luma=%v: %v, want 640×360", luma, img.Bounds())
		}
		var pix []byte
		var stride int
		switch m := img.(type) {
		case *image.Gray:
			if !luma {
				t.Fatal("colour asked, grey given")
			}
			pix, stride = m.Pix, m.Stride
		case *image.YCbCr:
			if luma {
				t.Fatal("luma asked, colour given")
			}
			pix, stride = m.Y, m.YStride
		}
		worst := 0
		for y := range 360 {
			for x := range 640 {
				s := 0
				for _, d := range [4][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
					s += int(fy.Y[(2*y+d[1])*fy.YStride+2*x+d[0]])
				}
				diff := int(pix[y*stride+x]) - (s+2)/4
				worst = max(worst, diff, -diff)
			}
		}
		if worst > 12 {
			t.Errorf("luma=%v: differs from the box-averaged full decode by up to %d", luma, worst)
		}
	}
}

func benchLive(b *testing.B, f Format, c Converter) {
	frames := liveFrames720p(b, f, 0)
	for _, fr := range frames {
		if _, err := c.Convert(fr); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := c.Convert(frames[i%len(frames)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// The live path on the 40 sample frames as a 720p camera sends them, one
// frame per op (run with -cpu 1): MJPEG to analysis-ready luma at 640×360,
// to colour at 640×360 (preview in colour, face mode), the old full-size
// decode with image/jpeg as the baseline; YUYV to analysis-ready luma at
// 640×360 (Luma), and unpacked whole (colour, and the baseline).
func BenchmarkLiveMJPEG720pLuma(b *testing.B) {
	benchLive(b, FormatMJPEG, Converter{Width: 640, Luma: true})
}
func BenchmarkLiveMJPEG720pColour(b *testing.B) { benchLive(b, FormatMJPEG, Converter{Width: 640}) }
func BenchmarkLiveMJPEG720pFull(b *testing.B)   { benchLive(b, FormatMJPEG, Converter{}) }
func BenchmarkLiveYUYV720p(b *testing.B)        { benchLive(b, FormatYUYV, Converter{}) }
func BenchmarkLiveYUYV720pLuma(b *testing.B) {
	benchLive(b, FormatYUYV, Converter{Width: 640, Luma: true})
}

func BenchmarkLiveMJPEG720pImageJPEG(b *testing.B) {
	frames := liveFrames720p(b, FormatMJPEG, 0)
	var c Converter
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		fixed, err := c.WithHuffman(frames[i%len(frames)].Data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := jpeg.Decode(bytes.NewReader(fixed)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// TestLiveYUYVLumaSameVerdict: the analysis judges a YUYV frame reduced
// to luma (Converter Luma, Width 640) exactly as it judges the whole
// unpacked frame: the reduction is the box average it takes itself.
func TestLiveYUYVLumaSameVerdict(t *testing.T) {
	frames := liveFrames720p(t, FormatYUYV, 8)
	whole, reduced := Converter{}, Converter{Width: 640, Luma: true}
	a, b := quality.NewAnalyzer(quality.IDCard), quality.NewAnalyzer(quality.IDCard)
	for i, fr := range frames {
		full, err := whole.Convert(fr)
		if err != nil {
			t.Fatal(err)
		}
		grey, err := reduced.Convert(fr)
		if err != nil {
			t.Fatal(err)
		}
		want := a.AnalyzeSource(full, fr.Width, fr.Height)
		got := b.AnalyzeSource(grey, fr.Width, fr.Height)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("frame %d: %v %+v from the luma at 640, %v %+v from the whole frame", i, got.Problems, got.Metrics, want.Problems, want.Metrics)
		}
	}
}
