package callcentre

import (
	"context"
	"errors"
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/ventanilla-kiosk/ventanilla/procedure"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
	"github.com/ventanilla-kiosk/ventanilla/tui/steps"
)

// queueTimeout bounds one outbox commit. The store answers in
// milliseconds; a commit that takes longer means a disk problem, and the
// visitor should hear about it rather than watch a spinner.
const queueTimeout = 20 * time.Second

// ErrNoOutbox means the kiosk was started without an outbox: a wiring
// problem for the technician.
var ErrNoOutbox = errors.New("callcentre: no outbox configured")

// sentMsg is the outbox's answer to send.
type sentMsg struct {
	gen int
	// emailID is the outbox id of the e-mail, once queued.
	emailID string
	// err: the e-mail could not be queued (nothing was sent).
	err error
	// smsErr: the e-mail is queued but the confirmation SMS is not.
	smsErr error
}

// send prepares the e-mail and the SMS and queues both, in a command: the
// photos are re-encoded for e-mail there, off the UI loop. It works on
// copies of the photos, so a wipe of the screen (idle timeout) while it
// runs cannot race with it.
func (s *Screen) send() tea.Cmd {
	if len(s.problems()) > 0 {
		s.page, s.reviewTried = pgReview, true
		return nil
	}
	s.gen++
	s.page = pgSending
	r := *s.req
	for _, img := range []*procedure.Image{&r.Front, &r.Back, &r.Signed} {
		img.Data = append([]byte(nil), img.Data...)
	}
	sms := s.req.SentSMS()
	// The SMS is the visitor's, in the language they are using now.
	smsText := steps.SMSText(s.env, sms)
	gen, emailID, out := s.gen, s.emailID, s.env.Outbox
	cc, opt := s.callCentre(), procedure.CheckOptions{CodeLength: s.env.Settings.CodeLength}
	return func() tea.Msg {
		defer func() {
			for _, img := range []*procedure.Image{&r.Front, &r.Back, &r.Signed} {
				kit.Zero(img.Data)
			}
		}()
		res := sentMsg{gen: gen, emailID: emailID}
		if out == nil {
			res.err = ErrNoOutbox
			return res
		}
		if res.emailID == "" {
			m, err := buildEmail(&r, cc, opt)
			if err != nil {
				res.err = err
				return res
			}
			ctx, cancel := context.WithTimeout(context.Background(), queueTimeout)
			id, err := out.EnqueueEmail(ctx, m)
			cancel()
			if err != nil {
				res.err = fmt.Errorf("callcentre: queue e-mail: %w", err)
				return res
			}
			res.emailID = id
		}
		ctx, cancel := context.WithTimeout(context.Background(), queueTimeout)
		defer cancel()
		if _, err := out.EnqueueSMS(ctx, r.Mobile, smsText); err != nil {
			res.smsErr = fmt.Errorf("callcentre: queue confirmation SMS: %w", err)
		}
		return res
	}
}

// buildEmail re-encodes r's photos for e-mail (in place: r holds copies)
// and has procedure write the message.
func buildEmail(r *procedure.Request, cc procedure.CallCentre, opt procedure.CheckOptions) (kit.Email, error) {
	for _, img := range []*procedure.Image{&r.Front, &r.Back, &r.Signed} {
		if len(img.Data) == 0 {
			continue
		}
		small, err := PrepareAttachment(img.Data)
		if err != nil {
			return kit.Email{}, err
		}
		kit.Zero(img.Data)
		img.Data = small
	}
	e, err := r.BuildEmail(cc, opt, procedure.Madrid())
	if err != nil {
		return kit.Email{}, err
	}
	m := kit.Email{To: e.To, ReplyTo: e.ReplyTo, Subject: e.Subject, Body: e.Body, Ref: r.Reference}
	for _, a := range e.Attachments {
		m.Attachments = append(m.Attachments, kit.Attachment{Name: a.Name, ContentType: a.ContentType, Data: a.Data})
	}
	return m, nil
}

// sent handles the outbox's answer.
func (s *Screen) sent(m sentMsg) tea.Cmd {
	if m.gen != s.gen || s.page != pgSending {
		return nil
	}
	if m.err != nil {
		var inc *procedure.IncompleteError
		switch {
		case errors.As(m.err, &inc):
			// Cannot happen after the check in send, but if it does the
			// review says what is missing.
			s.page, s.reviewTried = pgReview, true
			return nil
		case errors.Is(m.err, procedure.ErrNoCallCentreAddress), errors.Is(m.err, ErrNoOutbox):
			s.failKey = "callcentre.failed.not_configured"
		default:
			s.failKey = "callcentre.failed.queue"
		}
		// The visitor's data stays: they can retry, or staff can help.
		s.page = pgFailed
		err := m.err
		return func() tea.Msg { return kit.ErrorMsg{Err: err} }
	}
	s.emailID = m.emailID
	s.smsFailed = m.smsErr != nil
	s.page = pgDone
	// The photos are in the encrypted store now; this screen does not
	// need them any more.
	for _, img := range []*procedure.Image{&s.req.Front, &s.req.Back, &s.req.Signed} {
		kit.Zero(img.Data)
		img.Data = nil
	}
	if m.smsErr != nil {
		err := m.smsErr
		return func() tea.Msg { return kit.ErrorMsg{Err: err} }
	}
	return nil
}
