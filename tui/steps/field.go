package steps

import (
	"strings"
	"unicode/utf8"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

// Field is a one-line text input without a blinking cursor: the kiosk
// redraws only on input, and golden tests stay deterministic. It accepts
// printable characters (typed or pasted), Backspace and Ctrl+U (clear).
// Filter, when set, drops runes the field never wants (letters in a phone
// number), so the visitor sees at once that a key does nothing there.
type Field struct {
	// LabelKey is the catalogue key of the label shown above the box.
	LabelKey string
	// Limit is the maximum number of runes (0: 64).
	Limit int
	// Filter keeps a rune when it returns true (nil: keep all printable).
	Filter func(r rune) bool
	// Mask shows every rune as "•" (not used for personal data the visitor
	// must check, only for codes typed twice).
	Mask bool

	value   []rune
	focused bool
}

// Value returns what was typed.
func (f *Field) Value() string { return string(f.value) }

// SetValue replaces the content (used to prefill carried-over data).
func (f *Field) SetValue(s string) {
	f.Wipe()
	for _, r := range s {
		f.insert(r)
	}
}

// Focus makes the field take keys.
func (f *Field) Focus() { f.focused = true }

// Blur stops the field from taking keys.
func (f *Field) Blur() { f.focused = false }

// Focused reports whether the field takes keys.
func (f *Field) Focused() bool { return f.focused }

// Wipe overwrites and clears the content.
func (f *Field) Wipe() {
	for i := range f.value {
		f.value[i] = 0
	}
	f.value = f.value[:0]
}

func (f *Field) limit() int {
	if f.Limit <= 0 {
		return 64
	}
	return f.Limit
}

func (f *Field) insert(r rune) {
	if r < ' ' || r == utf8.RuneError || r == 0x7f {
		return
	}
	if f.Filter != nil && !f.Filter(r) {
		return
	}
	if len(f.value) >= f.limit() {
		return
	}
	f.value = append(f.value, r)
}

// Update handles a key when the field is focused. It reports whether the
// key was consumed, so the caller can act on the rest (Enter, Tab).
func (f *Field) Update(msg tea.Msg) bool {
	k, ok := msg.(tea.KeyMsg)
	if !ok || !f.focused {
		return false
	}
	switch k.Type {
	case tea.KeyRunes, tea.KeySpace:
		for _, r := range k.Runes {
			f.insert(r)
		}
		if k.Type == tea.KeySpace && len(k.Runes) == 0 {
			f.insert(' ')
		}
		return true
	case tea.KeyBackspace:
		if n := len(f.value); n > 0 {
			f.value[n-1] = 0
			f.value = f.value[:n-1]
		}
		return true
	case tea.KeyCtrlU:
		f.Wipe()
		return true
	}
	return false
}

// View renders the label and the box, width cells wide. The focused box
// shows "▏" where typing goes and brackets that do not depend on colour.
func (f *Field) View(env *kit.Env, width int) string {
	st := env.Styles
	shown := string(f.value)
	if f.Mask {
		shown = strings.Repeat("•", len(f.value))
	}
	box := max(10, min(width, f.limit()+4))
	inner := box - 4
	r := []rune(shown)
	if len(r) > inner {
		r = r[len(r)-inner:]
	}
	shown = string(r)
	cur := " "
	if f.focused {
		cur = "▏"
	}
	pad := inner - utf8.RuneCountInString(shown)
	line := "[ " + shown + cur + strings.Repeat(" ", max(0, pad)) + "]"
	label := ""
	if f.LabelKey != "" {
		label = st.Field.Render(env.T.T(f.LabelKey)) + "\n"
	}
	if f.focused {
		return label + st.Selected.Render(line)
	}
	return label + st.Item.Render(line)
}

// Digits is a Field filter for numeric codes (spaces allowed for groups).
func Digits(r rune) bool { return r >= '0' && r <= '9' || r == ' ' }

// PhoneRunes is a Field filter for phone numbers.
func PhoneRunes(r rune) bool {
	return r >= '0' && r <= '9' || strings.ContainsRune(" +-.()", r)
}
