package steps

import (
	"image"
	"image/color"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zqr "github.com/makiuchi-d/gozxing/qrcode"
	"github.com/ventanilla-kiosk/ventanilla/procedure"
	"github.com/ventanilla-kiosk/ventanilla/tui/i18n"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

// textToImage paints the half-block rendering back into pixels the way a
// terminal shows it: each cell is 4 px wide and 8 px tall (two 4x4
// modules), the glyph's lit part white, the rest black, all on a black
// screen margin.
func textToImage(s string) image.Image {
	lines := strings.Split(s, "\n")
	w := 0
	for _, l := range lines {
		w = max(w, len([]rune(l)))
	}
	const cw, margin = 4, 16
	img := image.NewGray(image.Rect(0, 0, w*cw+2*margin, len(lines)*2*cw+2*margin))
	for y, l := range lines {
		for x, r := range []rune(l) {
			top := r == '█' || r == '▀'
			bot := r == '█' || r == '▄'
			for dy := 0; dy < 2*cw; dy++ {
				lit := top
				if dy >= cw {
					lit = bot
				}
				if !lit {
					continue
				}
				for dx := 0; dx < cw; dx++ {
					img.SetGray(margin+x*cw+dx, margin+y*2*cw+dy, color.Gray{255})
				}
			}
		}
	}
	return img
}

func decode(t *testing.T, s string) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(textToImage(s))
	if err != nil {
		t.Fatal(err)
	}
	res, err := zqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return res.GetText()
}

func TestRenderQRDecodesAndFits(t *testing.T) {
	const rows = 19 // the body of an 80x24 screen
	urls := []string{
		"https://example.org/x",
		"https://www.sede.fnmt.gob.es/certificados/persona-fisica",
		"https://www.sede.fnmt.gob.es/descargas/descarga-software",
		// 78 bytes: the most that fits 19 rows (version 4, level L).
		"https://www.sede.fnmt.gob.es/certificados/persona-fisica/obtener-certificado-x",
	}
	for _, u := range urls {
		s, err := RenderQR(u, rows)
		if err != nil {
			t.Fatalf("%s (%d bytes): %v", u, len(u), err)
		}
		lines := strings.Split(s, "\n")
		if len(lines) > rows {
			t.Errorf("%s: %d rows, want ≤ %d", u, len(lines), rows)
		}
		for _, l := range lines {
			if n := len([]rune(l)); n > 40 {
				t.Errorf("%s: line %d cells wide leaves no room for text", u, n)
			}
		}
		if got := decode(t, s); got != u {
			t.Errorf("decoded %q, want %q", got, u)
		}
	}
}

// TestProcedureLinksFit: every built-in FNMT address is drawn as a QR code
// in the 19 rows an 80x24 screen leaves, and reads back; so does the
// longest address the office may configure.
func TestProcedureLinksFit(t *testing.T) {
	links := procedure.DefaultFNMTLinks()
	all := []string{links.Info, links.RequestForm, links.VideoID, links.Download,
		"https://" + strings.Repeat("x", procedure.MaxQRLinkLength-len("https://"))}
	for _, u := range links.Configurator {
		all = append(all, u)
	}
	for _, u := range all {
		s, err := RenderQR(u, 19)
		if err != nil {
			t.Errorf("%s (%d bytes): %v", u, len(u), err)
			continue
		}
		if got := decode(t, s); got != u {
			t.Errorf("decoded %q, want %q", got, u)
		}
	}
}

func TestRenderQRTooLong(t *testing.T) {
	_, err := RenderQR(strings.Repeat("https://www.sede.fnmt.gob.es/", 10), 19)
	if err == nil {
		t.Fatal("a 290-byte text cannot fit 19 rows")
	}
}

func BenchmarkRenderQR(b *testing.B) {
	// The finish screen's take-home text is the longest content the FNMT
	// flow puts in a QR that fits.
	u := "FNMT. Código de solicitud: 123456789. Respuesta prevista: 24/11/2026 12:40."
	for i := 0; i < b.N; i++ {
		if _, err := RenderQR(u, 19); err != nil {
			b.Fatal(err)
		}
	}
}

// TestQRViewAddressWholeAndReads: on the body of an 80x24 screen, in every
// language and in large text, the QR step shows the address whole on one
// line (the configurator address was cut in the caption column) and the
// code it draws still reads back.
func TestQRViewAddressWholeAndReads(t *testing.T) {
	env, _, _, _ := testEnv(t)
	env.Width, env.Height = 80, 19
	links := procedure.DefaultFNMTLinks()
	all := []string{links.Info, links.Configurator[procedure.OSWindows],
		"https://" + strings.Repeat("x", procedure.MaxQRLinkLength-len("https://"))}
	for _, high := range []bool{false, true} {
		env.Styles = kit.NewStyles(env.Renderer, high)
		for _, l := range i18n.All {
			env.T.SetLang(l)
			for _, u := range all {
				v := NewQR(env, u, "fnmt.install.scan", "Device", "Windows").View(0)
				lines := strings.Split(v, "\n")
				if len(lines) > env.Height {
					t.Errorf("%s %s: %d lines, %d fit", l, u, len(lines), env.Height)
				}
				addr := strings.TrimPrefix(u, "https://")
				whole := false
				for _, line := range lines {
					if strings.Contains(line, addr) {
						whole = true
					}
				}
				if !whole {
					t.Errorf("%s %s: the address is not whole on one line:\n%s", l, u, v)
				}
				// The code is the block of half-block lines at the left.
				var code []string
				for _, line := range lines {
					r := []rune(line)
					if len(r) == 0 || !strings.ContainsRune("█▀▄", r[0]) {
						break
					}
					n := strings.IndexFunc(line, func(c rune) bool { return !strings.ContainsRune("█▀▄ ", c) })
					if n < 0 {
						n = len(line)
					}
					code = append(code, strings.TrimRight(line[:n], " "))
				}
				if got := decode(t, strings.Join(code, "\n")); got != u {
					t.Errorf("%s: decoded %q, want %q", l, got, u)
				}
			}
		}
	}
}
