package kit

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// Menu is a vertical list of choices driven by ↑/↓ and Enter. Labels are
// catalogue keys, translated when rendered.
type Menu struct {
	Items  []MenuItem
	Cursor int
}

// MenuItem is one choice: ID is what the screen acts on, Label a catalogue
// key, Hint an optional second catalogue key shown dimmed under it.
type MenuItem struct {
	ID, Label, Hint string
}

// Update moves the cursor and reports the ID chosen with Enter (or "").
// Number keys 1–9 choose directly, for visitors who read the list as
// numbered options.
func (m *Menu) Update(msg tea.Msg) (chosen string) {
	k, ok := msg.(tea.KeyMsg)
	if !ok || len(m.Items) == 0 {
		return ""
	}
	switch {
	case key.Matches(k, KeyUp):
		m.Cursor = (m.Cursor + len(m.Items) - 1) % len(m.Items)
	case key.Matches(k, KeyDown), k.Type == tea.KeyTab:
		m.Cursor = (m.Cursor + 1) % len(m.Items)
	case key.Matches(k, KeyEnter):
		return m.Items[m.Cursor].ID
	case k.Type == tea.KeyRunes && len(k.Runes) == 1 && k.Runes[0] >= '1' && k.Runes[0] <= '9':
		i := int(k.Runes[0] - '1')
		if i < len(m.Items) {
			m.Cursor = i
			return m.Items[i].ID
		}
	}
	return ""
}

// View renders the menu. The selected line carries "▸" as well as the
// highlight so that it is visible without colour.
func (m *Menu) View(env *Env, width int) string {
	var b strings.Builder
	st := env.Styles
	for i, it := range m.Items {
		label := env.T.T(it.Label)
		line := "  " + strconv.Itoa(i+1) + ". " + label
		if i == m.Cursor {
			line = "▸ " + strconv.Itoa(i+1) + ". " + label
			b.WriteString(st.Selected.Render(pad(line, width)))
		} else {
			b.WriteString(st.Item.Render(line))
		}
		b.WriteByte('\n')
		if it.Hint != "" {
			// The hint wraps under its label, indented past the number.
			b.WriteString(st.Muted.PaddingLeft(5).Width(max(20, width)).Render(env.T.T(it.Hint)))
			b.WriteByte('\n')
		}
		for g := 1; g < st.Gap; g++ {
			b.WriteByte('\n')
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// pad widens s with spaces to at least w cells (capped), so the highlight
// bar spans the menu rather than hugging the text.
func pad(s string, w int) string {
	const maxBar = 60
	if w > maxBar {
		w = maxBar
	}
	n := w - lipgloss.Width(s)
	if n <= 0 {
		return s
	}
	return s + strings.Repeat(" ", n)
}
