package steps

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

// NoticeText is the procedure-specific part of the first-layer
// data-protection notice, as catalogue keys. Who is responsible, the legal
// basis and where to exercise the rights are the same for every procedure
// and come from the configuration ([privacy]) and the steps catalogue.
type NoticeText struct {
	Purpose    string // why the data is asked for
	Recipients string // who receives it
	Retention  string // how long it is kept
}

// NoticeFor returns the notice keys of one of the kiosk's procedures
// (kit.FlowFNMT, kit.FlowClave, kit.FlowCertCall). An unknown flow gets the
// FNMT text, which promises the least (nothing leaves the kiosk but SMS).
func NoticeFor(flow string) NoticeText {
	switch flow {
	case kit.FlowClave:
		return NoticeText{
			Purpose:    "steps.notice.purpose_clave",
			Recipients: "steps.notice.recipients_callcentre",
			Retention:  "steps.notice.retention_callcentre",
		}
	case kit.FlowCertCall:
		return NoticeText{
			Purpose:    "steps.notice.purpose_certcall",
			Recipients: "steps.notice.recipients_callcentre",
			Retention:  "steps.notice.retention_callcentre",
		}
	}
	return NoticeText{
		Purpose:    "steps.notice.purpose_fnmt",
		Recipients: "steps.notice.recipients_fnmt",
		Retention:  "steps.notice.retention_fnmt",
	}
}

// Notice is the first layer of the data-protection information (who, why,
// legal basis, recipients, how long, rights and where to exercise them).
// The legal basis is one, a task in the public interest (RGPD art. 6.1.e,
// Ley 39/2015 art. 12), not consent (see procedure.Privacy): so the
// visitor is not asked to "accept". They read it and go on, or choose a
// person instead, which hands the session to the staff screen before
// anything is typed.
type Notice struct {
	env  *kit.Env
	text NoticeText
	menu kit.Menu
	read bool
}

// Choice IDs of the notice's menu.
const (
	noticeContinue = "continue"
	noticePerson   = "person"
)

// NewNotice returns the notice for one procedure (see NoticeFor).
func NewNotice(env *kit.Env, text NoticeText) *Notice {
	return &Notice{env: env, text: text, menu: kit.Menu{Items: []kit.MenuItem{
		{ID: noticeContinue, Label: "steps.notice.accept"},
		{ID: noticePerson, Label: "steps.notice.decline"},
	}}}
}

// Init implements the step shape; the notice needs no command.
func (n *Notice) Init() tea.Cmd { return nil }

// Update handles ↑/↓/Enter/1/2. Choosing a person opens the staff screen
// (the root wipes the procedure: nothing has been typed yet).
func (n *Notice) Update(msg tea.Msg) tea.Cmd {
	switch n.menu.Update(msg) {
	case noticeContinue:
		n.read = true
	case noticePerson:
		return func() tea.Msg { return kit.OpenMsg{Flow: kit.FlowStaff} }
	}
	return nil
}

// Done reports whether the visitor read the notice and chose to go on.
func (n *Notice) Done() bool { return n.read }

// Reset forgets the choice, for a visitor who comes back to the notice.
func (n *Notice) Reset() { n.read, n.menu.Cursor = false, 0 }

// Wipe implements the step shape: the notice holds no personal data.
func (n *Notice) Wipe() { n.Reset() }

// Keys lists the notice's bindings for the help bar.
func (n *Notice) Keys() help.KeyMap {
	return kit.KeyList{kit.Bind("keys.move", "↑/↓", "up", "down"), kit.Bind("keys.choose", "Enter", "enter")}
}

// View renders the notice to fit the body (width env.Width).
func (n *Notice) View() string {
	env, st := n.env, n.env.Styles
	w := max(30, env.Width-2)
	p := env.Settings.Privacy
	controller := p.Controller
	if controller == "" {
		// Not reached in a running kiosk (the config requires it); tests
		// and a bare Env still read a sensible sentence.
		controller = env.Settings.Office
	}
	if controller == "" {
		controller = env.T.T("steps.notice.office_fallback")
	}
	contact := p.Contact
	if contact == "" {
		contact = env.T.T("steps.notice.office_fallback")
	}
	row := func(labelKey, body string) string {
		return st.Body.Width(w).Render(st.Field.Render(env.T.T(labelKey)) + " " + body)
	}
	rows := []string{
		st.Warning.Render(env.T.T("steps.notice.heading")),
		row("steps.notice.who_label", env.T.T("steps.notice.who", "Office", controller)),
		row("steps.notice.why_label", env.T.T(n.text.Purpose)),
		row("steps.notice.basis_label", env.T.T("steps.notice.basis")),
		row("steps.notice.recipients_label", env.T.T(n.text.Recipients)),
		row("steps.notice.retention_label", env.T.T(n.text.Retention)+" "+env.T.T("steps.notice.technicians")),
		row("steps.notice.rights_label", env.T.T("steps.notice.rights", "Contact", contact)),
	}
	if p.Info != "" {
		rows = append(rows, st.Muted.Width(w).Render(env.T.T("steps.notice.more_info", "Info", p.Info)))
	}
	var b strings.Builder
	b.WriteString(strings.Join(rows, "\n"))
	b.WriteString("\n\n")
	// The two choices stay together, single-spaced even in large text:
	// the notice is long and must leave room to read it whole.
	compact := *env
	cst := *env.Styles
	cst.Gap = 1
	compact.Styles = &cst
	b.WriteString(n.menu.View(&compact, w))
	return b.String()
}
