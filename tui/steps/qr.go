package steps

import (
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
	qrcode "github.com/yeqown/go-qrcode/v2"
)

// ErrQRTooLarge means the content needs a bigger QR code than fits the
// rows available; the caller shows the text instead.
var ErrQRTooLarge = errors.New("qr: content too long for the space available")

// QRModules returns the QR matrix of content (true = dark module) at the
// lowest error-correction level that keeps it within maxModules per side,
// trying medium first: a screen photographed at an angle loses more than
// paper does, so more correction is better when it fits.
func QRModules(content string, maxModules int) ([][]bool, error) {
	var last error
	for _, lvl := range []qrcode.EncodeOption{
		qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionMedium),
		qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionLow),
	} {
		q, err := qrcode.NewWith(content, lvl)
		if err != nil {
			last = fmt.Errorf("qr: encode: %w", err)
			continue
		}
		var mw matrixWriter
		if err := q.Save(&mw); err != nil {
			last = fmt.Errorf("qr: build matrix: %w", err)
			continue
		}
		if len(mw.bits) <= maxModules {
			return mw.bits, nil
		}
		last = fmt.Errorf("%w (%d modules, %d fit)", ErrQRTooLarge, len(mw.bits), maxModules)
	}
	return nil, last
}

// matrixWriter is a qrcode.Writer that keeps the matrix as booleans.
type matrixWriter struct{ bits [][]bool }

func (w *matrixWriter) Write(m qrcode.Matrix) error { w.bits = m.Bitmap(); return nil }
func (w *matrixWriter) Close() error                { return nil }

// RenderQR draws content as a QR code with half-block characters: each
// character cell holds two modules stacked, so modules come out square on
// a terminal whose cells are twice as tall as wide. Light modules and the
// quiet zone are drawn ("█", "▀", "▄") and dark ones left as the terminal's
// black background, which gives dark modules on white on the kiosk's dark
// console. The code uses at most maxRows lines; the quiet zone is 2
// modules (4 is the standard, but 2 reads reliably from a screen and lets
// a longer address fit 80x24), 1 when 2 does not fit.
func RenderQR(content string, maxRows int) (string, error) {
	for _, quiet := range []int{2, 1} {
		bits, err := QRModules(content, 2*maxRows-2*quiet)
		if errors.Is(err, ErrQRTooLarge) {
			continue
		}
		if err != nil {
			return "", err
		}
		return halfBlocks(bits, quiet), nil
	}
	return "", fmt.Errorf("%w (%d rows)", ErrQRTooLarge, maxRows)
}

func halfBlocks(bits [][]bool, quiet int) string {
	n := len(bits)
	size := n + 2*quiet
	light := func(x, y int) bool {
		x, y = x-quiet, y-quiet
		if x < 0 || y < 0 || x >= n || y >= n {
			return true // quiet zone
		}
		return !bits[y][x]
	}
	var b strings.Builder
	for y := 0; y < size; y += 2 {
		for x := 0; x < size; x++ {
			top := light(x, y)
			// An odd size leaves the last row's lower half outside the
			// code: it is drawn dark (background) like the rest of the
			// screen around the code.
			bottom := y+1 < size && light(x, y+1)
			switch {
			case top && bottom:
				b.WriteString("█")
			case top:
				b.WriteString("▀")
			case bottom:
				b.WriteString("▄")
			default:
				b.WriteByte(' ')
			}
		}
		if y+2 < size {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// QR shows a QR code with a caption beside it and the address written
// out underneath the caption, for a visitor whose phone cannot scan.
type QR struct {
	env        *kit.Env
	content    string
	captionKey string
	args       []any
	showText   bool
}

// NewQR returns a QR step for content (usually an https address).
// captionKey (with args) is the catalogue text beside the code.
func NewQR(env *kit.Env, content, captionKey string, args ...any) *QR {
	return &QR{env: env, content: content, captionKey: captionKey, args: args, showText: true}
}

// HideText stops the content from being printed beside the code (for
// content that is not an address worth typing).
func (q *QR) HideText() *QR { q.showText = false; return q }

// Content returns what the code encodes.
func (q *QR) Content() string { return q.content }

// Init implements the step shape.
func (q *QR) Init() tea.Cmd { return nil }

// Update implements the step shape; a QR takes no input.
func (q *QR) Update(tea.Msg) tea.Cmd { return nil }

// Done is always true: showing the code is all the step does.
func (q *QR) Done() bool { return true }

// Keys implements the step shape; a QR has no keys.
func (q *QR) Keys() help.KeyMap { return kit.KeyList{} }

// Wipe forgets the content (it may carry personal data, e.g. a summary).
func (q *QR) Wipe() { q.content, q.args = "", nil }

// View renders the code at most rows lines tall (0: the body height),
// with the caption to its right. The address is written out for typing
// without its "https://" (browsers add it), and always whole on one line:
// when it is wider than the caption's column, the code gives up a row
// (its quiet zone narrows) and the address takes the bottom line, under
// "or type this address" at the foot of the caption.
func (q *QR) View(rows int) string {
	env, st := q.env, q.env.Styles
	if rows <= 0 {
		rows = env.Height
	}
	addr := strings.TrimPrefix(q.content, "https://")
	code, err := RenderQR(q.content, rows)
	capW := env.Width - 4
	if err == nil {
		capW = env.Width - lipgloss.Width(code) - 3
	}
	below := false
	if q.showText && lipgloss.Width(addr) > max(20, capW) {
		if c, e := RenderQR(q.content, rows-1); e == nil {
			code, err, below = c, nil, true
			capW = env.Width - lipgloss.Width(code) - 3
		}
	}
	capW = max(20, capW)
	caption := st.Body.Width(capW).Render(env.T.T(q.captionKey, q.args...))
	orType := st.Muted.Width(capW).Render(env.T.T("steps.qr.or_type"))
	if q.showText && !below {
		caption += "\n\n" + orType + "\n" + st.Field.Width(capW).Render(addr)
	}
	if err != nil {
		return caption
	}
	// The code is drawn white on black explicitly, so it stays readable
	// whatever the terminal's own colours (and in high contrast).
	r := env.Renderer
	if r == nil {
		r = lipgloss.DefaultRenderer()
	}
	qs := r.NewStyle().Foreground(lipgloss.Color("15")).Background(lipgloss.Color("0"))
	if !below {
		return lipgloss.JoinHorizontal(lipgloss.Top, qs.Render(code), "  ", caption)
	}
	// "Or type" sits at the foot of the caption, just above the address.
	codeH := lipgloss.Height(code)
	if gap := codeH - lipgloss.Height(caption) - lipgloss.Height(orType); gap > 0 {
		caption += strings.Repeat("\n", gap)
	} else {
		caption += "\n"
	}
	caption += orType
	return lipgloss.JoinHorizontal(lipgloss.Top, qs.Render(code), "  ", caption) + "\n" + st.Field.Render(addr)
}
