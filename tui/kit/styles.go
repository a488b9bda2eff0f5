package kit

import "github.com/charmbracelet/lipgloss"

// Styles are built once per renderer (the kiosk's tty, or one SSH session)
// and per contrast mode. Only the 16 ANSI colours are used, so the Linux
// text console on tty1 shows exactly what a modern terminal shows, and
// nothing relies on colour alone: the selected item also carries a marker
// and reverse video, so a monochrome console stays usable.
type Styles struct {
	HighContrast bool

	Header   lipgloss.Style // top bar: office name and step
	Office   lipgloss.Style
	Step     lipgloss.Style
	Title    lipgloss.Style
	Body     lipgloss.Style
	Muted    lipgloss.Style
	Item     lipgloss.Style
	Selected lipgloss.Style
	Error    lipgloss.Style
	Warning  lipgloss.Style
	OK       lipgloss.Style
	Box      lipgloss.Style // framed block (warnings, summaries)
	Field    lipgloss.Style // an input field's label
	Footer   lipgloss.Style
	// Gap is the number of blank lines between blocks: larger in the
	// large-text mode, where visitors read from further away.
	Gap int
}

// ANSI colour numbers; 0–15 map onto the console palette.
const (
	black       = lipgloss.Color("0")
	yellow      = lipgloss.Color("3")
	blue        = lipgloss.Color("4")
	white       = lipgloss.Color("7")
	grey        = lipgloss.Color("8")
	brightRed   = lipgloss.Color("9")
	brightGreen = lipgloss.Color("10")
	brightYell  = lipgloss.Color("11")
	brightWhite = lipgloss.Color("15")
)

// NewStyles builds the styles for renderer r. high selects the large-text,
// high-contrast mode: bright white on black, bold everywhere, no grey text,
// more spacing.
func NewStyles(r *lipgloss.Renderer, high bool) *Styles {
	s := &Styles{HighContrast: high, Gap: 1}
	ns := r.NewStyle
	if !high {
		s.Header = ns().Foreground(brightWhite).Background(blue).Bold(true).Padding(0, 1)
		s.Office = ns().Foreground(brightWhite).Background(blue).Bold(true)
		s.Step = ns().Foreground(brightYell).Background(blue).Bold(true)
		s.Title = ns().Foreground(brightWhite).Bold(true)
		s.Body = ns().Foreground(white)
		s.Muted = ns().Foreground(grey)
		s.Item = ns().Foreground(white)
		s.Selected = ns().Foreground(black).Background(brightYell).Bold(true)
		s.Error = ns().Foreground(brightRed).Bold(true)
		s.Warning = ns().Foreground(brightYell).Bold(true)
		s.OK = ns().Foreground(brightGreen).Bold(true)
		s.Box = ns().Border(lipgloss.NormalBorder()).BorderForeground(yellow).Padding(0, 1)
		s.Field = ns().Foreground(brightWhite).Bold(true)
		s.Footer = ns().Foreground(grey)
		return s
	}
	s.Gap = 2
	s.Header = ns().Foreground(black).Background(brightWhite).Bold(true).Padding(0, 1)
	s.Office = ns().Foreground(black).Background(brightWhite).Bold(true)
	s.Step = ns().Foreground(black).Background(brightWhite).Bold(true).Underline(true)
	s.Title = ns().Foreground(brightYell).Bold(true).Underline(true)
	s.Body = ns().Foreground(brightWhite).Bold(true)
	s.Muted = ns().Foreground(brightWhite).Bold(true)
	s.Item = ns().Foreground(brightWhite).Bold(true)
	s.Selected = ns().Foreground(black).Background(brightYell).Bold(true).Reverse(false)
	s.Error = ns().Foreground(brightRed).Bold(true).Underline(true)
	s.Warning = ns().Foreground(brightYell).Bold(true)
	s.OK = ns().Foreground(brightGreen).Bold(true)
	s.Box = ns().Border(lipgloss.ThickBorder()).BorderForeground(brightWhite).Padding(1, 2)
	s.Field = ns().Foreground(brightYell).Bold(true)
	s.Footer = ns().Foreground(brightWhite).Bold(true)
	return s
}
