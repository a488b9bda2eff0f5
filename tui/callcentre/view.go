package callcentre

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/ventanilla-kiosk/ventanilla/procedure"
	"github.com/ventanilla-kiosk/ventanilla/tui/form"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
	"github.com/ventanilla-kiosk/ventanilla/tui/steps"
)

// View implements kit.Screen. Text is looked up now, so a language switch
// shows at once; the body fits env.Width x env.Height.
func (s *Screen) View() string {
	if s.reqErr != nil {
		st := s.env.Styles
		v := st.Error.Width(s.width()).Render(s.env.T.T("callcentre.unavailable"))
		if desk := s.env.Settings.HelpDesk; desk != "" {
			v += s.gap() + st.Body.Width(s.width()).Render(s.env.T.T("callcentre.photo.staff_desk", "Desk", desk))
		}
		return v
	}
	switch s.page {
	case pgIntro:
		return s.viewIntro()
	case pgNotice:
		return s.notice.View()
	case pgIdentity:
		return s.viewForm("callcentre.identity.intro", s.identity)
	case pgMobile:
		// Done, the step itself says "Enter to continue".
		return s.mobile.View()
	case pgContact:
		return s.viewForm("callcentre.contact.intro", s.contact)
	case pgCode:
		return s.viewForm("callcentre.code.intro", s.code)
	case pgFront, pgBack, pgSigned:
		return s.viewPhoto()
	case pgSheet:
		return s.viewSheet()
	case pgReview:
		return s.viewReview()
	case pgSending:
		return s.env.Styles.Body.Width(s.width()).Render(s.env.T.T("callcentre.sending"))
	case pgFailed:
		return s.viewFailed()
	case pgDone:
		return s.viewDone()
	}
	return ""
}

func (s *Screen) width() int { return max(30, s.env.Width-2) }

func (s *Screen) gap() string { return strings.Repeat("\n", s.env.Styles.Gap+1) }

func (s *Screen) viewIntro() string {
	env, st, w := s.env, s.env.Styles, s.width()
	what, last := "callcentre.intro.what_clave", "callcentre.intro.need_paper"
	if s.v.id == procedure.VariantCertificate {
		what, last = "callcentre.intro.what_certificate", "callcentre.intro.need_code"
	}
	var b strings.Builder
	b.WriteString(st.Body.Width(w).Render(env.T.T(what)))
	b.WriteString(s.gap())
	b.WriteString(st.Field.Render(env.T.T("callcentre.intro.need_heading")))
	for _, k := range []string{"callcentre.intro.need_document", "callcentre.intro.need_mobile",
		"callcentre.intro.need_email", last} {
		b.WriteString("\n")
		b.WriteString(bullet(st.Body, env.T.T(k), w))
	}
	essential := b.String()
	b.WriteString(s.gap())
	b.WriteString(st.Field.Render(env.T.T("callcentre.intro.steps_heading")))
	n := 0
	for _, step := range s.flow.Steps {
		if !step.Counted {
			continue
		}
		n++
		b.WriteString("\n")
		b.WriteString(st.Body.Render("  " + strconv.Itoa(n) + ". " + env.T.T(step.TitleKey)))
	}
	if env.Height > 0 && lipgloss.Height(b.String()) > env.Height {
		// Large text: the list of steps is also in the header ("Paso N
		// de 4") as the visitor goes; what to bring is not.
		return essential
	}
	return b.String()
}

func (s *Screen) viewForm(introKey string, f *form.Form) string {
	st := s.env.Styles
	return st.Body.Width(s.width()).Render(s.env.T.T(introKey)) + s.gap() + f.View()
}

// viewPhoto is the camera step's own view: it sizes the preview to the
// whole body and names the shot itself.
func (s *Screen) viewPhoto() string {
	if s.photo == nil {
		return ""
	}
	return s.photo.View()
}

// viewSheet shows the short model of the handwritten request, filled in,
// in a box, and says what to do with a printed model brought from home.
// The model is the Spanish document the visitor signs (procedure owns it);
// the instructions around it are translated. Should the box not fit (a
// very long name in large text), it scrolls with ↑/↓.
func (s *Screen) viewSheet() string {
	env, st, w := s.env, s.env.Styles, s.width()
	head := st.Body.Width(w).Render(env.T.T("callcentre.sheet.intro"))
	foot := st.Body.Width(w).Render(env.T.T("callcentre.sheet.printed")) + "\n" +
		st.Muted.Width(w).Render(env.T.T("callcentre.sheet.spanish_note"))
	text := lipgloss.NewStyle().Width(min(w-4, 76)).Render(strings.TrimRight(s.sheetText(), "\n"))
	lines := strings.Split(text, "\n")
	frame := st.Box.GetVerticalFrameSize()
	rows := max(3, env.Height-lipgloss.Height(head)-frame-lipgloss.Height(foot)-2)
	if len(lines) <= rows {
		s.sheetTop = 0
		return head + "\n" + st.Box.Render(text) + "\n" + foot
	}
	rows--
	top := min(s.sheetTop, max(0, len(lines)-rows))
	s.sheetTop = top
	end := min(len(lines), top+rows)
	shown := strings.Join(lines[top:end], "\n")
	pos := env.T.T("callcentre.sheet.position", "From", top+1, "To", end, "Total", len(lines))
	return head + "\n" + st.Box.Render(shown) + "\n" + st.Muted.Render(pos) + "\n" + foot
}

func (s *Screen) viewReview() string {
	env, st, w := s.env, s.env.Styles, s.width()
	r := s.req
	probs := s.problems()
	bad := map[string]bool{}
	for _, p := range probs {
		bad[p.Field] = true
	}
	mark := func(fields ...string) string {
		for _, f := range fields {
			if bad[f] {
				return st.Error.Render("✗")
			}
		}
		return st.OK.Render("✓")
	}
	row := func(m, labelKey, value string) string {
		return m + " " + st.Field.Render(env.T.T(labelKey)) + " " + value
	}
	doc := env.T.T(r.ID.NameKey()) + " " + r.ID.Number
	if r.Support != "" {
		doc += " · " + env.T.T("callcentre.review.support") + " " + r.Support
	}
	mobile := steps.GroupMobile(r.Mobile)
	if r.MobileVerified() {
		mobile += " " + env.T.T("callcentre.review.verified")
	} else if r.Mobile != "" {
		mobile += " " + env.T.T("callcentre.review.not_verified")
	}
	call := ""
	if r.Slot != "" {
		call = env.T.T(r.Slot.NameKey())
	}
	if r.Language != "" {
		call += " · " + env.T.T("callcentre.lang."+r.Language)
	}
	lines := []string{
		row(mark("name", "surname1", "surname2"), "callcentre.review.name", strings.Join(strings.Fields(r.Name+" "+r.Surname1+" "+r.Surname2), " ")),
		row(mark("nif", "support"), "callcentre.review.document", doc),
		row(mark("mobile"), "callcentre.review.mobile", mobile),
		row(mark("email"), "callcentre.review.email", r.Email),
		row(mark("slot", "language"), "callcentre.review.call", call),
	}
	if s.v.id == procedure.VariantCertificate {
		lines = append(lines, row(mark("code"), "callcentre.review.code", r.RequestCode))
	}
	photos := []string{mark("front") + " " + env.T.T("callcentre.review.photo_front"),
		mark("back") + " " + env.T.T("callcentre.review.photo_back")}
	if s.v.id == procedure.VariantClave {
		photos = append(photos, mark("signed")+" "+env.T.T("callcentre.review.photo_signed"))
	}
	lines = append(lines, st.Field.Render(env.T.T("callcentre.review.photos"))+" "+strings.Join(photos, "  "))
	for i, l := range lines {
		lines[i] = lipgloss.NewStyle().MaxWidth(w).Render(l)
	}

	var status string
	var probLines []string
	if len(probs) == 0 {
		status = st.OK.Width(w).Render(env.T.T("callcentre.review.complete"))
	} else {
		head := st.Warning
		if s.reviewTried {
			head = st.Error
		}
		status = head.Width(w).Render(env.T.T("callcentre.review.incomplete", "N", len(probs)))
		for _, p := range probs {
			probLines = append(probLines, bullet(st.Error, env.T.T(p.Key, form.Args(p.Args)...), w))
		}
	}
	menu := s.review.View(env, w)
	// In the large-text mode everything does not fit in the body. What
	// the visitor must act on comes first: the menu (compacted), the
	// status, then the problems, then the summary rows.
	compose := func(shownProbs, summaryRows int) string {
		parts := []string{}
		if summaryRows > 0 {
			parts = append(parts, strings.Join(lines[:summaryRows], "\n"), "")
		}
		parts = append(parts, status)
		if shownProbs > 0 {
			parts = append(parts, probLines[:shownProbs]...)
			if rest := len(probLines) - shownProbs; rest > 0 {
				parts = append(parts, st.Error.Width(w).Render("    "+env.T.T("callcentre.review.more", "N", rest)))
			}
		}
		parts = append(parts, "", menu)
		return strings.Join(parts, "\n")
	}
	fits := func(v string) bool { return env.Height <= 0 || lipgloss.Height(v) <= env.Height }
	shown := min(len(probLines), 3)
	out := compose(shown, len(lines))
	if fits(out) {
		return out
	}
	menu = s.review.View(compactEnv(env), w)
	for rows := len(lines); rows >= 0; rows-- {
		for n := shown; n >= min(1, len(probLines)); n-- {
			if out = compose(n, rows); fits(out) {
				return out
			}
		}
	}
	return out
}

// compactEnv is env with single spacing, for lists that must fit the body
// in the large-text mode.
func compactEnv(env *kit.Env) *kit.Env {
	e := *env
	st := *env.Styles
	st.Gap = 1
	e.Styles = &st
	return &e
}

func (s *Screen) viewFailed() string {
	env, st, w := s.env, s.env.Styles, s.width()
	var b strings.Builder
	b.WriteString(st.Error.Width(w).Render(env.T.T(s.failKey)))
	b.WriteString(s.gap())
	b.WriteString(st.Body.Width(w).Render(env.T.T("callcentre.failed.kept")))
	if desk := env.Settings.HelpDesk; desk != "" {
		b.WriteString("\n")
		b.WriteString(st.Body.Width(w).Render(env.T.T("callcentre.photo.staff_desk", "Desk", desk)))
	}
	return b.String()
}

func (s *Screen) viewDone() string {
	env, st, w := s.env, s.env.Styles, s.width()
	var b strings.Builder
	b.WriteString(st.Body.Width(w).Render(env.T.T("callcentre.done.reference_intro")))
	b.WriteString("\n")
	b.WriteString(st.Box.Render(st.Title.Render(s.req.Reference)))
	b.WriteString("\n")
	switch {
	case s.smsFailed:
		b.WriteString(st.Warning.Width(w).Render(env.T.T("callcentre.done.sms_failed")))
	case env.Modem != nil && !env.Modem.Ready():
		b.WriteString(st.Body.Width(w).Render(env.T.T("callcentre.done.sms_delayed")))
	default:
		b.WriteString(st.Body.Width(w).Render(env.T.T("callcentre.done.sms_sent")))
	}
	b.WriteString("\n\n")
	slot := env.T.T("callcentre.done.any_time")
	if s.req.Slot != "" {
		slot = env.T.T(s.req.Slot.NameKey())
	}
	next := "callcentre.done.next_certificate"
	if s.v.id == procedure.VariantClave {
		next = "callcentre.done.next_clave"
	}
	b.WriteString(st.Body.Width(w).Render(env.T.T(next, "Slot", slot)))
	b.WriteString("\n\n")
	b.WriteString(st.Muted.Width(w).Render(env.T.T("callcentre.done.offline")))
	if cc := env.Settings.CallCentre; cc.Phone != "" {
		b.WriteString("\n\n")
		b.WriteString(st.Field.Width(w).Render(env.T.T("callcentre.done.phone", "Phone", cc.Phone, "Hours", cc.Hours)))
	}
	return b.String()
}

// bullet renders a list item with a hanging indent, so wrapped lines stay
// under their bullet.
func bullet(style lipgloss.Style, text string, width int) string {
	lines := strings.Split(style.Width(max(10, width-4)).Render(text), "\n")
	for i := range lines {
		if i == 0 {
			lines[i] = "  • " + lines[i]
		} else {
			lines[i] = "    " + lines[i]
		}
	}
	return strings.Join(lines, "\n")
}

// compile-time checks that the screen has the optional shell interfaces.
var (
	_ kit.Screen      = (*Screen)(nil)
	_ kit.BackHandler = (*Screen)(nil)
	_ kit.StepName    = (*Screen)(nil)
	_ kit.BackOffer   = (*Screen)(nil)
)
