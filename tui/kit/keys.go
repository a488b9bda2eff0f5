package kit

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
)

// Translated binding help is built at render time: key.Binding holds plain
// strings, so screens create bindings with keys from the catalogue and the
// help bar translates them through Localize.

// Bind makes a binding whose help text is the catalogue key descKey; the
// help bar translates it when it renders.
func Bind(descKey, label string, keys ...string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(label, descKey))
}

// Common bindings that many screens use.
var (
	KeyUp     = Bind("keys.up", "↑", "up")
	KeyDown   = Bind("keys.down", "↓", "down")
	KeyEnter  = Bind("keys.enter", "Enter", "enter")
	KeyTab    = Bind("keys.next_field", "Tab", "tab")
	KeyAccept = Bind("keys.accept", "Enter", "enter")
)

// Localize returns a copy of km whose help descriptions are translated.
func Localize(km help.KeyMap, t interface{ T(string, ...any) string }) help.KeyMap {
	return localized{km: km, t: t}
}

type localized struct {
	km help.KeyMap
	t  interface{ T(string, ...any) string }
}

func (l localized) tr(bs []key.Binding) []key.Binding {
	out := make([]key.Binding, 0, len(bs))
	for _, b := range bs {
		if !b.Enabled() {
			continue
		}
		h := b.Help()
		label := h.Key
		if strings.Contains(label, ".") {
			// A key whose name is words ("Espacio") names it by catalogue
			// key; "F10", "Esc" and "↑/↓" are the same in every language.
			label = l.t.T(label)
		}
		nb := key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(label, l.t.T(h.Desc)))
		out = append(out, nb)
	}
	return out
}

func (l localized) ShortHelp() []key.Binding { return l.tr(l.km.ShortHelp()) }

func (l localized) FullHelp() [][]key.Binding {
	var out [][]key.Binding
	for _, col := range l.km.FullHelp() {
		out = append(out, l.tr(col))
	}
	return out
}

// KeyList is a help.KeyMap made of a fixed list of bindings.
type KeyList []key.Binding

// ShortHelp implements help.KeyMap.
func (k KeyList) ShortHelp() []key.Binding { return k }

// FullHelp implements help.KeyMap.
func (k KeyList) FullHelp() [][]key.Binding { return [][]key.Binding{k} }

// Join concatenates key maps' short help, for a screen that embeds a
// component with keys of its own.
func Join(maps ...help.KeyMap) KeyList {
	var out KeyList
	for _, m := range maps {
		if m != nil {
			out = append(out, m.ShortHelp()...)
		}
	}
	return out
}
