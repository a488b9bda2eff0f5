package fnmt

import (
	"strings"

	"github.com/ventanilla-kiosk/ventanilla/procedure"
	"github.com/ventanilla-kiosk/ventanilla/tui/steps"
)

// View implements kit.Screen: the body of the current page.
func (s *Screen) View() string {
	env, st := s.env, s.env.Styles
	w := max(30, env.Width-2)
	gap := strings.Repeat("\n", st.Gap+1)
	para := func(text string) string { return st.Body.Width(w).Render(text) }
	bullets := func(msgs []procedure.Message) string {
		var out []string
		for _, m := range msgs {
			out = append(out, st.Body.Width(w).Render("• "+steps.MessageText(env, m)))
		}
		return strings.Join(out, "\n")
	}
	var b strings.Builder
	switch s.page {
	case pgBefore:
		b.WriteString(para(env.T.T("fnmt.before.intro")))
		b.WriteString(gap)
		b.WriteString(bullets(procedure.FNMTRequirements()))
		b.WriteString(gap)
		b.WriteString(st.Muted.Width(w).Render(env.T.T("fnmt.before.not_fnmt")))
	case pgNotice:
		b.WriteString(s.notice.View())
	case pgDevice:
		b.WriteString(para(env.T.T("fnmt.install.choose")))
		b.WriteString(gap)
		b.WriteString(s.devices.View(env, w))
		b.WriteString(gap)
		b.WriteString(st.Muted.Width(w).Render(env.T.T("fnmt.install.same_device")))
	case pgInstall:
		// The code gets the whole body height (a phone must read it from
		// the screen); everything else goes in the caption beside it.
		url, _ := s.links.ConfiguratorURL(s.visit.Device)
		caption := env.T.T("fnmt.install.scan", "Device", env.T.T(s.visit.Device.NameKey())) + "\n" +
			env.T.T("fnmt.install.checks")
		for _, m := range procedure.FNMTChecksAfterInstall() {
			caption += "\n• " + steps.MessageText(env, m)
		}
		qr := steps.NewQR(env, url, "fnmt.request.form_caption", "Caption", caption)
		b.WriteString(qr.View(env.Height))
	case pgData:
		b.WriteString(para(env.T.T("fnmt.request.data_intro")))
		b.WriteString(gap)
		b.WriteString(s.data.View())
		b.WriteString(gap)
		b.WriteString(st.Muted.Width(w).Render(env.T.T("fnmt.request.no_email")))
	case pgForm:
		caption := env.T.T("fnmt.request.form_scan") + "\n\n" +
			env.T.T("fnmt.request.form_nif", "NIF", s.visit.ID.Number) + "\n" +
			env.T.T("fnmt.request.form_surname", "Surname", s.visit.Surname1) + "\n" +
			env.T.T("fnmt.request.form_email", "Email", s.visit.Email) + "\n\n! " +
			steps.MessageText(env, procedure.FNMTReminders()[0])
		qr := steps.NewQR(env, s.links.RequestForm, "fnmt.request.form_caption", "Caption", caption)
		b.WriteString(qr.View(env.Height))
	case pgCode:
		b.WriteString(para(env.T.T("fnmt.request.code_intro")))
		b.WriteString(gap)
		b.WriteString(s.code.View())
		b.WriteString(gap)
		for _, m := range procedure.FNMTReminders()[1:] {
			b.WriteString(st.Warning.Width(w).Render("! " + steps.MessageText(env, m)))
			b.WriteString("\n")
		}
	case pgMobile:
		b.WriteString(s.mobile.View())
	case pgFront, pgBack, pgFace:
		if s.page == pgFront && !s.photo.Done() {
			b.WriteString(st.Muted.Width(w).Render(env.T.T("fnmt.verify.rehearsal_intro")))
			b.WriteString("\n")
		}
		b.WriteString(s.photo.View())
	case pgVideo:
		b.WriteString(st.Field.Render(env.T.T("fnmt.video.asks_heading")))
		b.WriteString("\n")
		b.WriteString(para(env.T.T("fnmt.video.asks")))
		b.WriteString(gap)
		when := procedure.Approximate(procedure.Deadline(env.Clock.Now(), procedure.FNMTAnswerBusinessHours, s.calendar()), s.calendar().Location())
		b.WriteString(st.Warning.Width(w).Render(env.T.T("fnmt.video.deadline", "Estimate", steps.MessageText(env, when.Message()))))
		b.WriteString(gap)
		b.WriteString(para(env.T.T("fnmt.video.download")))
		b.WriteString("\n")
		b.WriteString(para(env.T.T("fnmt.video.backup")))
	case pgFinish:
		b.WriteString(s.finishView())
	}
	return b.String()
}

func (s *Screen) calendar() *procedure.Calendar {
	if s.opts.Calendar == nil {
		s.opts.Calendar = procedure.NewCalendar(nil, nil)
	}
	return s.opts.Calendar
}

func (s *Screen) finishView() string {
	env, st := s.env, s.env.Styles
	if s.summary == nil {
		return ""
	}
	sum := s.summary
	est := steps.MessageText(env, sum.When.Message())
	caption := env.T.T("fnmt.finish.code", "Code", sum.RequestCode) + "\n" +
		env.T.T("fnmt.finish.deadline", "Estimate", est) + "\n\n" +
		env.T.T("fnmt.finish.next")
	for i, m := range sum.TakeHome {
		if i == 0 || i == 2 {
			// The steps with an address: the QR's text and the SMS carry
			// it; on screen the short form keeps the summary in one view.
			continue
		}
		caption += "\n• " + steps.MessageText(env, m)
	}
	switch {
	case s.visit.Mobile == "":
		caption += "\n\n" + env.T.T("fnmt.finish.sms_none")
	case s.smsState == "failed":
		caption += "\n\n" + env.T.T("fnmt.finish.sms_failed")
	case s.env.Modem != nil && !s.env.Modem.Ready():
		caption += "\n\n" + env.T.T("fnmt.finish.sms_later")
	case s.smsState == "queued":
		caption += "\n\n" + env.T.T("fnmt.finish.sms_queued", "Mobile", steps.GroupMobile(s.visit.Mobile))
	}
	qrText := env.T.T("fnmt.finish.qr_text", "Code", sum.RequestCode, "Deadline", sum.When.Numeric())
	qr := steps.NewQR(env, qrText, "fnmt.finish.caption", "Caption", caption).HideText()
	return qr.View(env.Height-1) + "\n" + st.Muted.Render(env.T.T("fnmt.finish.end"))
}
