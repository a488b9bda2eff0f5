package console

import (
	"bytes"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// printCell is how the document's print (luma 20) is drawn: only a picture
// fine enough to read shows it.
const printCell = ";5;233m"

// transitions counts, over the rows of a half-block drawing, how often the
// colour changes from one cell to the next: a readable picture changes
// often, an 8-block mosaic at most 7 times a row (twice: fore and back).
func transitions(frame string) int {
	most := 0
	for _, row := range strings.Split(frame, "\n") {
		most = max(most, strings.Count(row, "\x1b[38;5;")+strings.Count(row, "\x1b[48;5;"))
	}
	return most
}

// TestPreviewMosaicWhileVisitor: with a visitor at the kiosk the preview
// is drawn only from an 8-block-wide mosaic of the frame; idle, in full.
func TestPreviewMosaicWhileVisitor(t *testing.T) {
	var p preview
	p.refresh(fakeCamera{}, true, 80, 24, false)
	hidden := string(p.frame)
	if !p.hidden || hidden == "" {
		t.Fatal("no mosaic drawn")
	}
	var c image.Gray
	want := renderHalfBlock(coarsen(&c, documentFrame(), privacyCells), 80, 24, false)
	if hidden != want {
		t.Fatal("the hidden preview is not the mosaic alone")
	}
	if n := transitions(hidden); n > 2*privacyCells {
		t.Fatalf("mosaic rows change colour %d times", n)
	}
	if strings.Contains(hidden, printCell) {
		t.Fatal("the document's print shows through the mosaic")
	}
	p.refresh(fakeCamera{}, false, 80, 24, false)
	if p.hidden || transitions(string(p.frame)) <= 2*privacyCells || !strings.Contains(string(p.frame), printCell) {
		t.Fatal("idle kiosk: the preview should be the full picture")
	}
	p.refresh(fakeCamera{none: true}, false, 80, 24, false)
	if len(p.frame) != 0 {
		t.Fatal("a preview drawn without a frame")
	}
}

// previewDuringVisit opens a w×h console, goes to Devices and opens the
// live preview while the fake kiosk has a visitor on a step, and waits
// for the line saying the picture is blurred.
func previewDuringVisit(t *testing.T, w, h int) (*testEnv, *term) {
	t.Helper()
	e := newEnv(t, nil)
	tm := e.openTerm(t, e.mustDial(t), w, h)
	tm.waitFor("fnmt/2-request")
	tm.send("3")
	tm.waitFor("READY")
	tm.send("p")
	tm.waitFor("blurred for their privacy")
	return e, tm
}

// TestPreviewHiddenDuringVisitOverSSH: a technician opens the preview
// while a visitor is on a step: the line says why the picture is blurred
// and the print never reaches the terminal; once the kiosk is back home
// the full picture shows.
func TestPreviewHiddenDuringVisitOverSSH(t *testing.T) {
	e, tm := previewDuringVisit(t, 110, 40)
	time.Sleep(600 * time.Millisecond) // a few refreshes
	if strings.Contains(tm.raw(), printCell) {
		t.Fatal("the visitor's document reached the technician's terminal")
	}
	e.kiosk.mu.Lock()
	e.kiosk.st.Step, e.kiosk.st.Visitor = "", false
	e.kiosk.mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(tm.raw(), printCell) {
		if time.Now().After(deadline) {
			t.Fatal("idle kiosk: the full preview never showed")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPreviewReasonFitsEightyColumns: at 80×24 the line saying why the
// picture is blurred is whole (a longer one was cut with "…").
func TestPreviewReasonFitsEightyColumns(t *testing.T) {
	_, tm := previewDuringVisit(t, 80, 24)
	s := tm.screen()
	i := strings.LastIndex(s, "blurred for their privacy")
	line := s[i:]
	if j := strings.IndexAny(line, "\r\n"); j >= 0 {
		line = line[:j]
	}
	if strings.Contains(line, "…") {
		t.Fatalf("the reason is cut at 80 columns: %q", line)
	}
}

// TestPreviewNoAllocs: refreshing the preview from a camera (a real sample
// frame) allocates nothing once the buffers have grown, hidden or not.
func TestPreviewNoAllocs(t *testing.T) {
	cam := sampleCamera{img: sampleGray(t)}
	var p preview
	for _, visitor := range []bool{false, true} {
		p.refresh(cam, visitor, 100, 30, false)
		if n := testing.AllocsPerRun(20, func() { p.refresh(cam, visitor, 100, 30, false) }); n != 0 {
			t.Errorf("visitor=%v: %.0f allocations per refresh, want 0", visitor, n)
		}
	}
}

// sampleCamera serves a fixed grey frame the way camera.Shared does
// (copied into the caller's buffer).
type sampleCamera struct{ img *image.Gray }

func (sampleCamera) Info() CameraInfo { return CameraInfo{} }
func (c sampleCamera) LatestFrame(dst *image.Gray) *image.Gray {
	if cap(dst.Pix) < len(c.img.Pix) {
		dst.Pix = make([]byte, len(c.img.Pix))
	}
	dst.Pix = dst.Pix[:len(c.img.Pix)]
	copy(dst.Pix, c.img.Pix)
	dst.Stride, dst.Rect = c.img.Stride, c.img.Rect
	return dst
}

// sampleGray is a webcam-like sample frame (../shared/camera-sample), its
// luma at a quarter size, as the kiosk's camera hands it to the console.
func sampleGray(tb testing.TB) *image.Gray {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "shared", "camera-sample", "images", "frame_001.jpg"))
	if err != nil {
		tb.Fatalf("sample frame: %v", err)
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		tb.Fatal(err)
	}
	y := img.(*image.YCbCr)
	b := y.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx()/4, b.Dy()/4))
	for py := range g.Rect.Dy() {
		for px := range g.Rect.Dx() {
			g.Pix[py*g.Stride+px] = y.Y[y.YOffset(4*px, 4*py)]
		}
	}
	return g
}

// BenchmarkPreviewRefresh: one console preview refresh of a real frame
// (copy from the camera, draw 100×30 cells), the old renderer read every
// pixel through img.At.
func BenchmarkPreviewRefresh(b *testing.B) {
	cam := sampleCamera{img: sampleGray(b)}
	var p preview
	b.ReportAllocs()
	for b.Loop() {
		p.refresh(cam, false, 100, 30, false)
	}
}
