package kit

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
)

// HelpBar lays the bindings out as the kiosk's help bar: in the order
// given, wrapped between bindings (a key and its description never split)
// over at most maxLines lines of width cells, each line rendered by h.
// bubbles/help alone cuts a long bar with "…", which on the kiosk hid Esc
// and F10 in the longer languages.
//
// When even maxLines lines are not enough, the bindings in dropFirst are
// left out in that order (the least needed first: the caller never lists
// a key the visitor must find, such as Esc, F10 or the screen's Enter);
// only if the bar still does not fit is its last line cut.
func HelpBar(h help.Model, bindings, dropFirst []key.Binding, width, maxLines int) []string {
	h.Width = 0 // the lines are measured here, not cut by help
	var shown []key.Binding
	for _, b := range bindings {
		if b.Enabled() {
			shown = append(shown, b)
		}
	}
	lines := wrapBindings(h, shown, width)
	for _, d := range dropFirst {
		if len(lines) <= maxLines {
			break
		}
		shown = without(shown, d)
		lines = wrapBindings(h, shown, width)
	}
	out := make([]string, 0, maxLines)
	for i, l := range lines {
		if i == maxLines {
			break
		}
		out = append(out, h.ShortHelpView(l))
	}
	if len(lines) > maxLines && len(out) > 0 {
		out[len(out)-1] = lipgloss.NewStyle().MaxWidth(width-1).Render(out[len(out)-1]) + "…"
	}
	return out
}

// wrapBindings fills lines greedily with whole bindings.
func wrapBindings(h help.Model, bs []key.Binding, width int) [][]key.Binding {
	var lines [][]key.Binding
	var cur []key.Binding
	for _, b := range bs {
		next := append(append([]key.Binding(nil), cur...), b)
		if len(cur) > 0 && lipgloss.Width(h.ShortHelpView(next)) > width {
			lines = append(lines, cur)
			cur = []key.Binding{b}
			continue
		}
		cur = next
	}
	if len(cur) > 0 {
		lines = append(lines, cur)
	}
	return lines
}

// without returns bs less the bindings with the same keys and label as d.
func without(bs []key.Binding, d key.Binding) []key.Binding {
	out := bs[:0:0]
	for _, b := range bs {
		if b.Help().Key == d.Help().Key && strings.Join(b.Keys(), ",") == strings.Join(d.Keys(), ",") {
			continue
		}
		out = append(out, b)
	}
	return out
}
