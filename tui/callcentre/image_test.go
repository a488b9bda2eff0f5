package callcentre

import (
	"bytes"
	"image"
	"image/png"
	"testing"

	"github.com/ventanilla-kiosk/ventanilla/tui/callcentre/callcentretest"
)

func TestPrepareAttachment(t *testing.T) {
	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, image.NewGray(image.Rect(0, 0, 150, 100))); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		src          []byte
		wantW, wantH int
	}{
		// Limits scaled down tenfold (160 px wide, 60 px short side) to
		// keep the test fast under the race detector.
		{"small stays", callcentretest.JPEG(100, 63), 100, 63},
		{"wide is reduced", callcentretest.JPEG(200, 112), 160, 89},
		{"far too wide uses the real filter", callcentretest.JPEG(480, 270), 160, 90},
		{"portrait sheet", callcentretest.JPEG(180, 240), 160, 213},
		{"panorama keeps a legible height", callcentretest.JPEG(300, 70), 257, 60},
		{"png becomes jpeg", pngBuf.Bytes(), 150, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := prepare(tt.src, 160, 60)
			if err != nil {
				t.Fatal(err)
			}
			cfg, format, err := image.DecodeConfig(bytes.NewReader(out))
			if err != nil || format != "jpeg" {
				t.Fatalf("not a JPEG: %v %s", err, format)
			}
			if cfg.Width != tt.wantW || cfg.Height != tt.wantH {
				t.Fatalf("%dx%d, want %dx%d", cfg.Width, cfg.Height, tt.wantW, tt.wantH)
			}
		})
	}
	if _, err := prepare([]byte("not an image"), 160, 60); err == nil {
		t.Fatal("garbage accepted")
	}
}
