package steps

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

// NoticeText is the procedure-specific part of the first-layer
// data-protection notice, as catalogue keys. Who is responsible (the
// office, from the configuration) and the rights are the same for every
// procedure and come from the steps catalogue.
type NoticeText struct {
	Purpose    string // why the data is asked for
	Basis      string // legal basis (RGPD art. 6)
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
			Basis:      "steps.notice.basis_callcentre",
			Recipients: "steps.notice.recipients_callcentre",
			Retention:  "steps.notice.retention_callcentre",
		}
	case kit.FlowCertCall:
		return NoticeText{
			Purpose:    "steps.notice.purpose_certcall",
			Basis:      "steps.notice.basis_callcentre",
			Recipients: "steps.notice.recipients_callcentre",
			Retention:  "steps.notice.retention_callcentre",
		}
	}
	return NoticeText{
		Purpose:    "steps.notice.purpose_fnmt",
		Basis:      "steps.notice.basis_fnmt",
		Recipients: "steps.notice.recipients_fnmt",
		Retention:  "steps.notice.retention_fnmt",
	}
}

// Notice is the first layer of the data-protection information (who, why,
// legal basis, recipients, rights, how long) with an explicit choice:
// "I have read it and accept" or "I do not accept". A visitor who does not
// accept is told that the procedure cannot go on at the kiosk and where to
// get help; Done stays false, so the screen cannot move on.
type Notice struct {
	env      *kit.Env
	text     NoticeText
	menu     kit.Menu
	accepted bool
	declined bool
}

// Choice IDs of the notice's menu.
const (
	noticeAccept  = "accept"
	noticeDecline = "decline"
)

// NewNotice returns the notice for one procedure (see NoticeFor).
func NewNotice(env *kit.Env, text NoticeText) *Notice {
	return &Notice{env: env, text: text, menu: kit.Menu{Items: []kit.MenuItem{
		{ID: noticeAccept, Label: "steps.notice.accept"},
		{ID: noticeDecline, Label: "steps.notice.decline"},
	}}}
}

// Init implements the step shape; the notice needs no command.
func (n *Notice) Init() tea.Cmd { return nil }

// Update handles ↑/↓/Enter/1/2.
func (n *Notice) Update(msg tea.Msg) tea.Cmd {
	switch n.menu.Update(msg) {
	case noticeAccept:
		n.accepted, n.declined = true, false
	case noticeDecline:
		n.accepted, n.declined = false, true
	}
	return nil
}

// Done reports whether the visitor accepted; only then may the procedure
// continue.
func (n *Notice) Done() bool { return n.accepted }

// Accepted is Done, named for the record a procedure keeps (consent).
func (n *Notice) Accepted() bool { return n.accepted }

// Declined reports whether the visitor chose "I do not accept" last.
func (n *Notice) Declined() bool { return n.declined }

// Reset forgets the choice, for a visitor who comes back to the notice.
func (n *Notice) Reset() { n.accepted, n.declined, n.menu.Cursor = false, false, 0 }

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
	office := env.Settings.Office
	if office == "" {
		office = env.T.T("steps.notice.office_fallback")
	}
	row := func(labelKey, body string) string {
		return st.Body.Width(w).Render(st.Field.Render(env.T.T(labelKey)) + " " + body)
	}
	rows := []string{
		st.Warning.Render(env.T.T("steps.notice.heading")),
		row("steps.notice.who_label", env.T.T("steps.notice.who", "Office", office)),
		row("steps.notice.why_label", env.T.T(n.text.Purpose)),
		row("steps.notice.basis_label", env.T.T(n.text.Basis)),
		row("steps.notice.recipients_label", env.T.T(n.text.Recipients)),
		row("steps.notice.rights_label", env.T.T("steps.notice.rights")),
		row("steps.notice.retention_label", env.T.T(n.text.Retention)),
	}
	var b strings.Builder
	b.WriteString(strings.Join(rows, "\n"))
	b.WriteString("\n\n")
	b.WriteString(n.menu.View(env, w))
	if n.declined {
		b.WriteString("\n")
		b.WriteString(st.Error.Width(w).Render(env.T.T("steps.notice.declined")))
	}
	return b.String()
}
