package fnmt

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/ventanilla-kiosk/ventanilla/procedure"
	"github.com/ventanilla-kiosk/ventanilla/tui/steps"
)

// View implements kit.Screen: the body of the current page.
func (s *Screen) View() string {
	env, st := s.env, s.env.Styles
	w := s.width()
	gap := strings.Repeat("\n", st.Gap+1)
	para := func(text string) string { return st.Body.Width(w).Render(text) }
	var b strings.Builder
	switch s.page {
	case pgBefore:
		return s.fit(
			block{text: para(env.T.T("fnmt.before.intro"))},
			block{text: s.bullets(procedure.FNMTRequirements())},
			block{text: st.Muted.Width(w).Render(env.T.T("fnmt.before.not_fnmt")), optional: true},
		)
	case pgNotice:
		b.WriteString(s.notice.View())
	case pgDevice:
		b.WriteString(para(env.T.T("fnmt.install.choose")))
		b.WriteString(gap)
		b.WriteString(s.devices.View(env, w))
		b.WriteString(gap)
		b.WriteString(st.Muted.Width(w).Render(env.T.T("fnmt.install.same_device")))
	case pgInstall:
		b.WriteString(s.installView())
	case pgData:
		_, emailFixed := procedure.FNMTReminders()
		return s.fit(
			block{text: para(env.T.T("fnmt.request.data_intro"))},
			block{text: s.data.View()},
			block{text: st.Warning.Width(w).Render("! " + steps.MessageText(env, emailFixed)), optional: true},
			block{text: st.Muted.Width(w).Render(env.T.T("fnmt.request.no_email"))},
		)
	case pgForm:
		b.WriteString(s.formView())
	case pgCode:
		b.WriteString(para(env.T.T("fnmt.request.code_intro")))
		b.WriteString(gap)
		b.WriteString(s.code.View())
	case pgMobile:
		// The kiosk's own preparation sits inside FNMT's step 3.
		b.WriteString(st.Field.Width(w).Render(env.T.T("fnmt.identity.prep_mobile")))
		b.WriteString("\n")
		b.WriteString(s.mobile.View())
	case pgFront, pgBack, pgFace:
		if s.page == pgFront && !s.photo.Done() {
			// The camera step itself says that a rehearsal keeps nothing.
			b.WriteString(st.Field.Width(w).Render(env.T.T("fnmt.identity.prep_camera")))
			b.WriteString("\n")
		}
		b.WriteString(s.photo.View())
	case pgVideo:
		return s.fit(
			block{text: st.Field.Width(w).Render(env.T.T("fnmt.video.heading"))},
			block{text: s.bullets(procedure.FNMTVideoSteps()), tight: true},
			block{text: st.Warning.Width(w).Render(s.deadlineText())},
			block{text: st.Muted.Width(w).Render(steps.MessageText(env, procedure.FNMTCost())), optional: true},
		)
	case pgDownload:
		return s.fit(
			block{text: para(env.T.T("fnmt.download.intro"))},
			block{text: s.bullets(procedure.FNMTDownloadSteps(s.visit.Device)), tight: true},
		)
	case pgFinish:
		b.WriteString(s.finishView())
	case pgHelp:
		b.WriteString(s.helpView())
	}
	return b.String()
}

func (s *Screen) width() int { return max(30, s.env.Width-2) }

// bullets renders messages as a list with hanging indents.
func (s *Screen) bullets(msgs []procedure.Message) string {
	env := s.env
	var out []string
	for _, m := range msgs {
		out = append(out, s.bulletText(steps.MessageText(env, m)))
	}
	return strings.Join(out, "\n")
}

// block is one part of a page: optional blocks are dropped, last first,
// when the page does not fit; tight blocks lose their gap to the block
// before them first.
type block struct {
	text     string
	optional bool
	tight    bool
}

// fit joins blocks with the style's gap and makes the page fit the body
// (80x24, and the large-text mode with its wider gaps): first single
// gaps, then without the optional blocks. Nothing essential is cut; a page
// that still does not fit is a catalogue defect the layout tests catch.
func (s *Screen) fit(blocks ...block) string {
	gap := s.env.Styles.Gap
	join := func(bs []block, g int) string {
		var parts []string
		for i, b := range bs {
			if i > 0 {
				sep := strings.Repeat("\n", g+1)
				if b.tight && g > 1 {
					sep = "\n\n"
				}
				parts = append(parts, sep)
			}
			parts = append(parts, b.text)
		}
		return strings.Join(parts, "")
	}
	fits := func(v string) bool { return s.env.Height <= 0 || lipgloss.Height(v) <= s.env.Height }
	for _, g := range []int{gap, 1, 0} {
		if v := join(blocks, g); fits(v) {
			return v
		}
	}
	kept := blocks
	for i := len(kept) - 1; i >= 0; i-- {
		if !kept[i].optional {
			continue
		}
		kept = append(append([]block(nil), kept[:i]...), kept[i+1:]...)
		for _, g := range []int{1, 0} {
			if v := join(kept, g); fits(v) {
				return v
			}
		}
	}
	return join(kept, 0)
}

// deadlineText is FNMT's answer time: 48 business hours from the
// video-identification, and the day that is if it is done today.
func (s *Screen) deadlineText() string {
	env := s.env
	day := procedure.DeadlineDays(env.Clock.Now(), procedure.FNMTAnswerBusinessDays, s.calendar())
	if s.summary != nil {
		day = s.summary.IfToday
	}
	return steps.MessageText(env, procedure.FNMTDeadlineMessage(steps.MessageText(env, day.Message())))
}

func (s *Screen) calendar() *procedure.Calendar {
	if s.opts.Calendar == nil {
		s.opts.Calendar = procedure.FNMTCalendar(nil, nil)
	}
	return s.opts.Calendar
}

// installView is step 1's second page: the configurator's download page
// for a computer, FNMT's app page for a phone or tablet. The code gets the
// whole body height (a phone must read it from the screen); everything
// else goes in the caption beside it.
func (s *Screen) installView() string {
	env := s.env
	url, _ := s.links.ConfiguratorURL(s.visit.Device)
	var caption string
	if s.visit.Device.UsesApp() {
		caption = env.T.T("fnmt.install.app")
	} else {
		caption = env.T.T("fnmt.install.scan", "Device", env.T.T(s.visit.Device.NameKey())) + "\n" +
			env.T.T("fnmt.install.checks")
		for _, m := range procedure.FNMTChecksAfterInstall() {
			caption += "\n• " + steps.MessageText(env, m)
		}
	}
	return steps.NewQR(env, url, "fnmt.request.form_caption", "Caption", caption).View(env.Height)
}

// formView is step 2's FNMT form: where to go (which link for the
// video-identification route, or FNMT's app), exactly what to type, the new
// password the request sets and the código that comes by e-mail.
func (s *Screen) formView() string {
	env := s.env
	scan, url := env.T.T("fnmt.request.form_scan"), s.links.RequestForm
	if s.visit.Device.UsesApp() {
		scan, url = env.T.T("fnmt.request.form_scan_app"), s.links.App
	}
	password, _ := procedure.FNMTReminders()
	caption := scan + "\n" +
		env.T.T("fnmt.request.form_nif", "NIF", s.visit.ID.Number) + "\n" +
		env.T.T("fnmt.request.form_surname", "Surname", s.visit.Surname1) + "\n" +
		env.T.T("fnmt.request.form_email", "Email", s.visit.Email) + "\n\n! " +
		steps.MessageText(env, password)
	return steps.NewQR(env, url, "fnmt.request.form_caption", "Caption", caption).View(env.Height)
}

// helpView is F8's page: why the e-mail cannot be skipped (the código
// comes by e-mail and every identity route needs it: seed 000, seed 002
// "Debes solicitar previamente a la FNMT tu certificado"), the office staff
// for a visitor without e-mail, and FNMT's accreditation offices (in
// person, with the código) for one who cannot do the video-identification.
// Text only, across the whole width: it must fit in every language.
func (s *Screen) helpView() string {
	env, st, w := s.env, s.env.Styles, s.width()
	staff := env.T.T("fnmt.help.no_email")
	if desk := env.Settings.HelpDesk; desk != "" {
		staff += " " + env.T.T("staff.desk", "Desk", desk)
	}
	return s.fit(
		block{text: st.Body.Width(w).Render(env.T.T("fnmt.help.why"))},
		block{text: s.bulletText(staff)},
		block{text: s.bulletText(env.T.T("fnmt.help.office")) + "\n  " + st.Field.Render(s.links.Offices), tight: true},
	)
}

// bulletText is one list item with a hanging indent.
func (s *Screen) bulletText(text string) string {
	lines := strings.Split(s.env.Styles.Body.Width(s.width()-2).Render(text), "\n")
	for i := range lines {
		if i == 0 {
			lines[i] = "• " + lines[i]
		} else {
			lines[i] = "  " + lines[i]
		}
	}
	return strings.Join(lines, "\n")
}

// finishView is the summary: the código, the answer day if the
// video-identification is done today, the next steps (as many as fit
// beside the take-home code), and whether the SMS is on its way.
func (s *Screen) finishView() string {
	env, st := s.env, s.env.Styles
	if s.summary == nil {
		return ""
	}
	sum := s.summary
	var sms string
	switch {
	case s.visit.Mobile == "":
		sms = env.T.T("fnmt.finish.sms_none")
	case s.smsState == "failed":
		sms = env.T.T("fnmt.finish.sms_failed")
	case s.env.Modem != nil && !s.env.Modem.Ready():
		sms = env.T.T("fnmt.finish.sms_later")
	case s.smsState == "queued":
		sms = env.T.T("fnmt.finish.sms_queued", "Mobile", steps.GroupMobile(s.visit.Mobile))
	}
	head := env.T.T("fnmt.finish.code", "Code", sum.RequestCode) + "\n" + s.deadlineText()
	// The take-home steps in order of need: how to start, then the
	// download and the backup; the wait is already in the deadline line.
	order := []int{0, 2, 3, 4}
	qrText := env.T.T("fnmt.finish.qr_text", "Code", sum.RequestCode)
	end := st.Muted.Render(env.T.T("fnmt.finish.end"))
	rows := env.Height - lipgloss.Height(end)
	for n := len(order); n >= 0; n-- {
		caption := head + "\n\n" + env.T.T("fnmt.finish.next")
		for _, i := range order[:n] {
			caption += "\n• " + steps.MessageText(env, sum.TakeHome[i])
		}
		if sms != "" {
			caption += "\n\n" + sms
		}
		v := steps.NewQR(env, qrText, "fnmt.finish.caption", "Caption", caption).HideText().View(rows)
		if lipgloss.Height(v) <= rows || n == 0 {
			return v + "\n" + end
		}
	}
	return ""
}
