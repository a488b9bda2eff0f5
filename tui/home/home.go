// Package home holds the screens outside any procedure: the home screen
// (office, languages, the three procedures, staff help), the staff help
// screen and the out-of-service screen shown in maintenance mode.
package home

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/ventanilla-kiosk/ventanilla/tui/i18n"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

// Home is the first screen a visitor sees.
type Home struct {
	env  *kit.Env
	menu kit.Menu
	keys homeKeys
}

type homeKeys struct {
	Lang   key.Binding
	Choose key.Binding
	Move   key.Binding
}

func (k homeKeys) ShortHelp() []key.Binding  { return []key.Binding{k.Move, k.Choose, k.Lang} }
func (k homeKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// New returns the home screen.
func New(env *kit.Env) *Home {
	return &Home{
		env: env,
		menu: kit.Menu{Items: []kit.MenuItem{
			{ID: kit.FlowFNMT, Label: "home.fnmt", Hint: "home.fnmt_hint"},
			{ID: kit.FlowClave, Label: "home.clave", Hint: "home.clave_hint"},
			{ID: kit.FlowCertCall, Label: "home.certcall", Hint: "home.certcall_hint"},
			{ID: kit.FlowStaff, Label: "home.staff", Hint: "home.staff_hint"},
		}},
		keys: homeKeys{
			Lang:   kit.Bind("keys.language", "←/→", "left", "right"),
			Choose: kit.Bind("keys.choose", "Enter", "enter"),
			Move:   kit.Bind("keys.move", "↑/↓", "up", "down"),
		},
	}
}

// Init implements kit.Screen.
func (h *Home) Init() tea.Cmd { return nil }

// Update implements kit.Screen.
func (h *Home) Update(msg tea.Msg) (kit.Screen, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok {
		switch k.String() {
		case "left", "right":
			h.switchLang(k.String() == "right")
			return h, nil
		}
	}
	if id := h.menu.Update(msg); id != "" {
		return h, func() tea.Msg { return kit.OpenMsg{Flow: id} }
	}
	return h, nil
}

func (h *Home) langs() []i18n.Lang {
	if len(h.env.Settings.Languages) > 0 {
		return h.env.Settings.Languages
	}
	return i18n.All
}

// switchLang moves the visitor's language one step. It changes the shared
// translator at once rather than asking the root with a message: a message
// is a command's result, delivered after every key already read, so three
// quick presses each started from the same language and landed on the next
// one, and a late message could change the language of a procedure that
// Enter had already opened.
func (h *Home) switchLang(forward bool) {
	langs := h.langs()
	cur := 0
	for i, l := range langs {
		if l == h.env.T.Lang() {
			cur = i
		}
	}
	if forward {
		cur = (cur + 1) % len(langs)
	} else {
		cur = (cur + len(langs) - 1) % len(langs)
	}
	h.env.T.SetLang(langs[cur])
}

// View implements kit.Screen.
func (h *Home) View() string {
	st := h.env.Styles
	var b strings.Builder
	// Language row: every language in its own name, the current one
	// bracketed so it is visible on a monochrome console.
	b.WriteString(st.Muted.Render(h.env.T.T("home.language")) + " ")
	for _, l := range h.langs() {
		name := i18n.Native[l]
		if l == h.env.T.Lang() {
			b.WriteString(st.Selected.Render("[" + name + "]"))
		} else {
			b.WriteString(st.Item.Render(" " + name + " "))
		}
	}
	b.WriteString(strings.Repeat("\n", st.Gap+1))
	b.WriteString(st.Body.Width(max(20, h.env.Width-2)).Render(h.env.T.T("home.intro")))
	b.WriteString(strings.Repeat("\n", st.Gap+1))
	b.WriteString(h.menu.View(h.env, h.env.Width-4))
	return b.String()
}

// Keys implements kit.Screen.
func (h *Home) Keys() help.KeyMap { return h.keys }

// Progress implements kit.Screen: the home screen is not a step.
func (h *Home) Progress() (int, int) { return 0, 0 }

// Title implements kit.Screen.
func (h *Home) Title() string { return h.env.T.T("home.title") }

// Wipe implements kit.Screen: the home screen holds no visitor data, only
// the cursor, which goes back to the top.
func (h *Home) Wipe() { h.menu.Cursor = 0 }

// StepName implements kit.StepName.
func (h *Home) StepName() string { return "home" }
