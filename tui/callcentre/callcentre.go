// Package callcentre holds the visitor screens of the two call-centre
// requests: registration in Cl@ve and the FNMT certificate, both by
// videoconference with the call centre (issue 8). One skeleton serves both
// variants; only the third step differs (the signed request sheet for
// Cl@ve, the código de solicitud for the certificate):
//
//	before:   what will happen and what to have at hand; the data notice
//	1 data:   document, names; mobile verified by SMS; e-mail twice, call
//	          slot and language
//	2 photos: ID front and back (camera step, with review and retake)
//	3 Cl@ve:  the model request filled in, signed on paper, photographed
//	3 cert.:  the código de solicitud typed twice
//	4 review: everything that will be sent and what is still missing
//	finish:   queued in the outbox; the reference at once, an SMS, the call
//	          centre's phone and hours
//
// The domain (what is required, the completeness check, the e-mail and the
// request text) is procedure's; these screens collect, show and queue.
// Nothing is sent from here: the e-mail and the SMS go into env.Outbox,
// which commits them durably, so an offline kiosk still gives the visitor a
// reference.
package callcentre

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/ventanilla-kiosk/ventanilla/procedure"
	"github.com/ventanilla-kiosk/ventanilla/tui/form"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
	"github.com/ventanilla-kiosk/ventanilla/tui/steps"
)

// page is one screenful of the flow. Several pages make up one of
// procedure's steps (the data step has three), which is what "Paso N de M"
// counts.
type page int

const (
	pgIntro    page = iota // what will happen, what to have at hand
	pgNotice               // data-protection notice
	pgIdentity             // document and names
	pgMobile               // mobile verified by SMS code
	pgContact              // e-mail twice, call slot, call language
	pgFront                // photo: ID front
	pgBack                 // photo: ID back
	pgSheet                // Cl@ve: the request text to sign
	pgSigned               // Cl@ve: photo of the signed sheet
	pgCode                 // certificate: código de solicitud twice
	pgReview               // everything that will be sent
	pgSending              // waiting for the outbox
	pgFailed               // the outbox refused: retry or ask staff
	pgDone                 // reference, what happens next
)

var pageNames = map[page]string{
	pgIntro: "intro", pgNotice: "notice", pgIdentity: "identity", pgMobile: "mobile",
	pgContact: "contact", pgFront: "front", pgBack: "back", pgSheet: "sheet", pgSigned: "signed",
	pgCode: "code", pgReview: "review", pgSending: "sending", pgFailed: "failed", pgDone: "done",
}

// variant is what differs between the two procedures.
type variant struct {
	id   procedure.Variant
	flow string // kit flow id
	// third lists the pages of the third step, in order.
	third []page
}

var (
	clave = variant{id: procedure.VariantClave, flow: kit.FlowClave, third: []page{pgSheet, pgSigned}}
	cert  = variant{id: procedure.VariantCertificate, flow: kit.FlowCertCall, third: []page{pgCode}}
)

// Form IDs, echoed in form.SubmittedMsg.
const (
	formIdentity = "callcentre.identity"
	formContact  = "callcentre.contact"
	formCode     = "callcentre.code"
)

// Screen is one call-centre procedure in progress.
type Screen struct {
	env  *kit.Env
	v    variant
	flow procedure.Flow
	req  *procedure.Request
	// reqErr is set when no request can be made at this kiosk (no
	// call-centre address configured, no randomness for the reference):
	// the visitor is told at once and sent to staff.
	reqErr error

	page  page
	order []page
	// toReview: the visitor came from the review to correct one thing;
	// when it is done, go back to the review instead of onwards.
	toReview bool

	notice   *steps.Notice
	identity *form.Form
	mobile   *steps.VerifyMobile
	contact  *form.Form
	code     *form.Form
	photo    photoStep
	shot     Shot

	sheetTop int // first line of the request text shown
	review   kit.Menu
	// reviewTried: the visitor pressed "send" while something was
	// missing; the list of problems is then shown as an error.
	reviewTried bool

	// Sending: gen tags the outbox reply so a reply to a wiped screen is
	// ignored; emailID is kept so a retry after a failed SMS does not
	// queue the e-mail twice.
	gen       int
	emailID   string
	smsFailed bool
	failKey   string

	keys screenKeys
}

type screenKeys struct {
	Continue, Photo, Send, Finish, Retry key.Binding
}

// NewClave returns the Cl@ve registration procedure. carry is what the
// visitor typed in another procedure (may be nil): it is shown filled in,
// and the copy passed in is wiped once read (the root hands each
// procedure its own copy).
func NewClave(env *kit.Env, carry *kit.Visitor) kit.Screen { return newScreen(env, carry, clave) }

// NewCertificate returns the FNMT certificate by videoconference procedure.
func NewCertificate(env *kit.Env, carry *kit.Visitor) kit.Screen {
	return newScreen(env, carry, cert)
}

func newScreen(env *kit.Env, carry *kit.Visitor, v variant) *Screen {
	s := &Screen{env: env, v: v, flow: procedure.CallCentreFlow(v.id)}
	s.req, s.reqErr = procedure.NewRequest(v.id, env.Clock.Now())
	if s.req == nil {
		s.req = &procedure.Request{Variant: v.id}
	}
	if strings.TrimSpace(env.Settings.CallCentre.Email) == "" {
		// Better to say so before the visitor types anything than after
		// the last photo.
		s.reqErr = procedure.ErrNoCallCentreAddress
	}
	s.order = append([]page{pgIntro, pgNotice, pgIdentity, pgMobile, pgContact, pgFront, pgBack}, v.third...)
	s.order = append(s.order, pgReview)
	s.keys = screenKeys{
		Continue: kit.Bind("callcentre.keys.continue", "Enter", "enter"),
		Photo:    kit.Bind("callcentre.keys.take_photo", "Enter", "enter"),
		Send:     kit.Bind("callcentre.keys.choose", "Enter", "enter"),
		Finish:   kit.Bind("callcentre.keys.finish", "Enter", "enter"),
		Retry:    kit.Bind("callcentre.keys.retry", "Enter", "enter"),
	}
	s.notice = steps.NewNotice(env, steps.NoticeFor(v.flow))
	s.identity = s.newIdentityForm()
	s.contact = s.newContactForm()
	if v.id == procedure.VariantCertificate {
		s.code = s.newCodeForm()
	}
	var initialMobile string
	if carry != nil {
		initialMobile = carry.Mobile
	}
	s.mobile = steps.NewVerifyMobile(env, steps.MobileConfig{Initial: initialMobile})
	s.applyCarry(carry)
	s.review.Items = s.reviewItems()
	return s
}

// applyCarry fills the forms with what the visitor typed in the procedure
// they come from. The values are checked again like typed ones; a mobile
// already verified by SMS in this session is not verified twice, and
// photos already taken are kept (the review shows them).
func (s *Screen) applyCarry(c *kit.Visitor) {
	if c == nil {
		return
	}
	defer c.Wipe() // the copy the root made for us is not needed any more
	s.identity.SetValue("nif", c.NIF)
	s.identity.SetValue("support", c.SupportNumber)
	s.identity.SetValue("name", c.Name)
	s.identity.SetValue("surname1", c.Surname1)
	s.identity.SetValue("surname2", c.Surname2)
	s.syncSupport()
	s.contact.SetValue("email", c.Email)
	s.contact.SetValue("slot", c.CallSlot)
	if c.CallLang != "" {
		s.contact.SetValue("language", c.CallLang)
	}
	if s.code != nil {
		s.code.SetValue("code", c.Code)
	}
	if c.MobileVerified {
		if m, err := procedure.ParseMobile(c.Mobile); err == nil {
			s.req.Mobile, s.req.VerifiedMobile = m, m
		}
	}
	if len(c.Front) > 0 {
		s.req.Front = procedure.Image{Data: append([]byte(nil), c.Front...)}
	}
	if len(c.Back) > 0 {
		s.req.Back = procedure.Image{Data: append([]byte(nil), c.Back...)}
	}
	if len(c.Signed) > 0 && s.v.id == procedure.VariantClave {
		s.req.Signed = procedure.Image{Data: append([]byte(nil), c.Signed...)}
	}
}

func (s *Screen) newIdentityForm() *form.Form {
	f := form.New(s.env,
		form.Field{Name: "nif", Label: "callcentre.identity.nif_label", Hint: "callcentre.identity.nif_hint", MaxLen: 16,
			Validate: func(v string) (string, error) {
				id, err := procedure.ParseNIF(v)
				return id.Number, err
			}},
		form.Field{Name: "support", Label: "callcentre.identity.support_label", Hint: "callcentre.identity.support_hint", MaxLen: 16},
		form.Field{Name: "name", Label: "callcentre.identity.name_label", MaxLen: procedure.MaxNameLength,
			Validate: func(v string) (string, error) { return procedure.ParseName(v, "name", procedure.KeyNameEmpty) }},
		form.Field{Name: "surname1", Label: "callcentre.identity.surname1_label", MaxLen: procedure.MaxNameLength,
			Validate: func(v string) (string, error) {
				return procedure.ParseName(v, "surname1", procedure.KeySurname1Empty)
			}},
		form.Field{Name: "surname2", Label: "callcentre.identity.surname2_label", Hint: "callcentre.identity.surname2_hint",
			MaxLen:   procedure.MaxNameLength,
			Validate: func(v string) (string, error) { return procedure.ParseName(v, "surname2", "") }},
	)
	f.ID = formIdentity
	// The shape of the support number depends on the document, so its
	// validator reads the NIF box.
	f.SetValidator("support", func(v string) (string, error) {
		id, _ := procedure.ParseNIF(f.Value("nif"))
		return procedure.ParseSupportNumber(v, id.Kind)
	})
	f.SetHidden("support", true)
	return f
}

// syncSupport shows the support-number box only to NIE holders, who are
// the ones the call centre asks it of.
func (s *Screen) syncSupport() {
	id, err := procedure.ParseNIF(s.identity.Value("nif"))
	s.identity.SetHidden("support", err != nil || id.Kind != procedure.KindNIE)
}

func (s *Screen) newContactForm() *form.Form {
	langs := make([]form.Choice, 0, len(procedure.CallLanguages))
	for _, l := range procedure.CallLanguages {
		langs = append(langs, form.Choice{Value: l, Label: "callcentre.lang." + l})
	}
	f := form.New(s.env,
		form.Field{Name: "email", Label: "callcentre.contact.email_label", Hint: "callcentre.contact.email_hint",
			Confirm: "callcentre.contact.email_confirm_label", Mismatch: procedure.KeyEmailMismatch,
			MaxLen: 254, Validate: procedure.ParseEmail},
		form.Field{Name: "slot", Label: "callcentre.contact.slot_label", Choices: []form.Choice{
			{Value: string(procedure.SlotMorning), Label: "callcentre.slot.morning"},
			{Value: string(procedure.SlotAfternoon), Label: "callcentre.slot.afternoon"},
		}},
		form.Field{Name: "language", Label: "callcentre.contact.language_label", Choices: langs},
	)
	f.ID = formContact
	return f
}

func (s *Screen) newCodeForm() *form.Form {
	f := form.New(s.env,
		form.Field{Name: "code", Label: "callcentre.code.code_label", Hint: "callcentre.code.code_hint",
			Confirm: "callcentre.code.confirm_label", Mismatch: procedure.KeyCodeMismatch, MaxLen: 32,
			Validate: func(v string) (string, error) {
				return procedure.ParseRequestCode(v, s.env.Settings.CodeLength)
			}},
	)
	f.ID = formCode
	return f
}

// Init implements kit.Screen.
func (s *Screen) Init() tea.Cmd {
	if s.reqErr != nil {
		return func() tea.Msg { return kit.ErrorMsg{Err: s.reqErr} }
	}
	return nil
}

// step is procedure's step of the current page.
func (s *Screen) step() procedure.StepID {
	switch s.page {
	case pgIntro, pgNotice:
		return procedure.StepCallBefore
	case pgIdentity, pgMobile, pgContact:
		return procedure.StepCallIdentity
	case pgFront, pgBack:
		return procedure.StepCallPhotos
	case pgSheet, pgSigned:
		return procedure.StepCallSigned
	case pgCode:
		return procedure.StepCallCode
	case pgReview, pgSending, pgFailed:
		// Until the outbox has the request, nothing is "sent": a failure
		// is shown under the review's title, not under "Solicitud
		// enviada".
		return procedure.StepCallReview
	}
	return procedure.StepCallFinish
}

// Progress implements kit.Screen: "Paso N de 4" on the counted steps.
func (s *Screen) Progress() (int, int) {
	n, total := s.flow.Position(s.step())
	if n == 0 {
		return 0, 0
	}
	return n, total
}

// Title implements kit.Screen.
func (s *Screen) Title() string {
	if s.page == pgIntro {
		return s.env.T.T(s.flow.TitleKey)
	}
	st, _ := s.flow.Step(s.step())
	return s.env.T.T(st.TitleKey)
}

// StepName implements kit.StepName: flow and page, no personal data.
func (s *Screen) StepName() string { return s.v.flow + "/" + pageNames[s.page] }

// Keys implements kit.Screen.
func (s *Screen) Keys() help.KeyMap {
	if s.reqErr != nil {
		return kit.KeyList{} // only the root's Esc/F10 lead anywhere
	}
	switch s.page {
	case pgIntro:
		return kit.KeyList{s.keys.Continue}
	case pgNotice:
		return s.notice.Keys()
	case pgIdentity:
		return s.identity.Keys()
	case pgMobile:
		return s.mobile.Keys()
	case pgContact:
		return s.contact.Keys()
	case pgCode:
		return s.code.Keys()
	case pgFront, pgBack, pgSigned:
		if s.photo != nil {
			return s.photo.Keys()
		}
	case pgSheet:
		// ↑/↓ are named on the page, next to the line count: the help
		// bar has room for one key beside the shell's own.
		return kit.KeyList{s.keys.Photo}
	case pgReview:
		return kit.KeyList{s.keys.Send}
	case pgFailed:
		return kit.KeyList{s.keys.Retry}
	case pgDone:
		return kit.KeyList{s.keys.Finish}
	}
	return kit.KeyList{}
}

// Update implements kit.Screen.
func (s *Screen) Update(msg tea.Msg) (kit.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		for _, f := range s.forms() {
			f.SetWidth(msg.Width)
		}
		if s.photo != nil {
			return s, s.photo.Update(msg)
		}
		return s, nil
	case sentMsg:
		return s, s.sent(msg)
	case form.SubmittedMsg:
		return s, s.submitted(msg)
	}
	if s.reqErr != nil {
		return s, nil
	}
	switch s.page {
	case pgIntro:
		if k, ok := msg.(tea.KeyMsg); ok && key.Matches(k, s.keys.Continue) {
			return s, s.next()
		}
	case pgNotice:
		cmd := s.notice.Update(msg)
		if s.notice.Done() {
			s.req.NoticeRead = true
			return s, tea.Batch(cmd, s.next())
		}
		return s, cmd
	case pgIdentity:
		cmd := s.identity.Update(msg)
		s.syncSupport()
		return s, cmd
	case pgMobile:
		if s.mobile.Done() {
			if k, ok := msg.(tea.KeyMsg); ok && key.Matches(k, s.keys.Continue) {
				return s, s.mobileDone()
			}
			return s, nil
		}
		cmd := s.mobile.Update(msg)
		if s.mobile.Done() {
			return s, tea.Batch(cmd, s.mobileDone())
		}
		return s, cmd
	case pgContact:
		return s, s.contact.Update(msg)
	case pgCode:
		return s, s.code.Update(msg)
	case pgFront, pgBack, pgSigned:
		return s, s.updatePhoto(msg)
	case pgSheet:
		return s, s.updateSheet(msg)
	case pgReview:
		return s, s.updateReview(msg)
	case pgFailed:
		if k, ok := msg.(tea.KeyMsg); ok && key.Matches(k, s.keys.Retry) {
			return s, s.send()
		}
	case pgDone:
		if k, ok := msg.(tea.KeyMsg); ok && key.Matches(k, s.keys.Finish) {
			flow := s.v.flow
			return s, func() tea.Msg { return kit.FinishedMsg{Flow: flow} }
		}
	}
	return s, nil
}

func (s *Screen) forms() []*form.Form {
	fs := []*form.Form{s.identity, s.contact}
	if s.code != nil {
		fs = append(fs, s.code)
	}
	return fs
}

// submitted stores a form's normalised values in the request and moves on.
func (s *Screen) submitted(m form.SubmittedMsg) tea.Cmd {
	switch {
	case m.ID == formIdentity && s.page == pgIdentity:
		id, err := procedure.ParseNIF(m.Values["nif"])
		if err != nil {
			s.identity.SetError("nif", err)
			return nil
		}
		s.req.ID = id
		s.req.Support = m.Values["support"]
		s.req.Name, s.req.Surname1, s.req.Surname2 = m.Values["name"], m.Values["surname1"], m.Values["surname2"]
		return s.next()
	case m.ID == formContact && s.page == pgContact:
		s.req.Email = m.Values["email"]
		s.req.Slot = procedure.Slot(m.Values["slot"])
		s.req.Language = m.Values["language"]
		return s.next()
	case m.ID == formCode && s.page == pgCode:
		s.req.RequestCode = m.Values["code"]
		return s.next()
	}
	return nil
}

func (s *Screen) mobileDone() tea.Cmd {
	r := s.mobile.Result()
	s.req.Mobile, s.req.VerifiedMobile = r.Mobile, ""
	if r.Verified {
		s.req.VerifiedMobile = r.Mobile
	}
	// VerifyMobile only lets a visitor go on unverified when the code
	// could not be sent now (modem down): the request then goes with the
	// number marked unconfirmed, for the call centre to confirm.
	s.req.MobileUnconfirmed = !r.Verified && r.Mobile != ""
	return s.next()
}

// next goes to the page after the current one, or back to the review when
// the visitor came from there to correct one thing. Correcting the data
// goes through its pages (document, mobile, contact) and the Cl@ve sheet
// leads to its photo; everything else is one page.
func (s *Screen) next() tea.Cmd {
	if s.toReview {
		switch s.page {
		case pgIdentity, pgMobile, pgSheet:
		default:
			return s.goTo(pgReview)
		}
	}
	for i, p := range s.order {
		if p == s.page && i+1 < len(s.order) {
			return s.goTo(s.order[i+1])
		}
	}
	return nil
}

// goTo enters page p, preparing its sub-model.
func (s *Screen) goTo(p page) tea.Cmd {
	if p == pgMobile && s.req.MobileVerified() && !s.mobileChanged() {
		// Verified already (earlier in this session or carried over from
		// the FNMT procedure): going forward skips the SMS step.
		s.page = pgMobile
		return s.next()
	}
	s.page = p
	switch p {
	case pgMobile:
		if s.mobile.Done() && !s.mobile.Result().Verified {
			// Coming back to a number left unverified: start again at the
			// number, so the visitor can ask for a code now.
			s.mobile.Back()
		}
	case pgReview:
		s.toReview = false
		s.reviewTried = false
		s.review.Items = s.reviewItems()
		s.review.Cursor = 0
	case pgFront:
		return s.startPhoto(ShotFront)
	case pgBack:
		return s.startPhoto(ShotBack)
	case pgSigned:
		return s.startPhoto(ShotSigned)
	case pgSheet:
		s.sheetTop = 0
	case pgIdentity:
		s.identity.Focus("nif")
	case pgContact:
		if s.contact.Value("language") == "" {
			// The language of the call starts as the language the
			// visitor is using now, which is almost always the answer.
			s.contact.SetValue("language", string(s.env.T.Lang()))
		}
		s.contact.Focus("email")
	}
	return nil
}

// mobileChanged: the mobile step holds a number other than the verified
// one (the visitor went back and changed it).
func (s *Screen) mobileChanged() bool {
	r := s.mobile.Result()
	return r.Mobile != "" && r.Mobile != s.req.Mobile
}

func (s *Screen) startPhoto(shot Shot) tea.Cmd {
	if s.photo != nil {
		s.photo.Wipe()
	}
	s.shot = shot
	s.photo = newPhoto(s.env, shot)
	_ = s.photo.Update(tea.WindowSizeMsg{Width: s.env.Width, Height: s.env.Height})
	return s.photo.Init()
}

func (s *Screen) updatePhoto(msg tea.Msg) tea.Cmd {
	if s.photo == nil {
		return nil
	}
	cmd := s.photo.Update(msg)
	if !s.photo.Done() {
		return cmd
	}
	img := s.photo.Result()
	img.Data = append([]byte(nil), img.Data...)
	switch s.shot {
	case ShotFront:
		kit.Zero(s.req.Front.Data)
		s.req.Front = img
	case ShotBack:
		kit.Zero(s.req.Back.Data)
		s.req.Back = img
	case ShotSigned:
		kit.Zero(s.req.Signed.Data)
		s.req.Signed = img
	}
	s.photo.Wipe()
	s.photo = nil
	return tea.Batch(cmd, s.next())
}

func (s *Screen) updateSheet(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	page := max(1, s.env.Height-6)
	switch k.String() {
	case "up":
		s.sheetTop--
	case "down":
		s.sheetTop++
	case "pgup":
		s.sheetTop -= page
	case "pgdown", " ":
		s.sheetTop += page
	case "enter":
		return s.next()
	}
	s.sheetTop = max(0, s.sheetTop)
	return nil
}

// Back implements kit.BackHandler: one page back; false on the first page,
// and the root then leaves the procedure and wipes it.
func (s *Screen) Back() (kit.Screen, tea.Cmd, bool) {
	switch s.page {
	case pgIntro:
		return s, nil, false
	case pgSending, pgDone:
		// The request is (being) queued: there is nothing to go back to.
		return s, nil, true
	case pgFailed:
		s.page = pgReview
		return s, nil, true
	case pgMobile:
		if s.mobile.Back() {
			return s, nil, true
		}
	}
	if s.photo != nil {
		s.photo.Wipe()
		s.photo = nil
	}
	if s.toReview {
		switch s.page {
		case pgIdentity, pgFront, pgBack, pgSheet, pgCode:
			// Giving up a correction returns to the review.
			return s, s.goTo(pgReview), true
		}
	}
	i := s.index(s.page)
	if i <= 0 {
		return s, nil, false
	}
	prev := s.order[i-1]
	if prev == pgMobile && s.req.MobileVerified() && s.mobile.Result().Mobile == "" {
		// Verified in the procedure the visitor came from: the mobile
		// page has nothing to show, so back goes past it.
		prev = pgIdentity
	}
	if prev == pgNotice {
		// Back to the notice means reading it again and choosing again.
		s.notice.Reset()
		s.req.NoticeRead = false
	}
	s.page = prev
	switch prev {
	case pgFront, pgBack, pgSigned:
		return s, s.goTo(prev), true
	}
	return s, nil, true
}

// CanGoBack implements kit.BackOffer: once the request is (being) queued
// there is nothing to go back to, so Esc is not offered ("Solicitud
// enviada" ends with Enter).
func (s *Screen) CanGoBack() bool { return s.page != pgSending && s.page != pgDone }

func (s *Screen) index(p page) int {
	for i, q := range s.order {
		if q == p {
			return i
		}
	}
	return -1
}

// Wipe implements kit.Screen: every value typed, every photo, every
// sub-model; a late outbox reply finds a different generation and is
// ignored.
func (s *Screen) Wipe() {
	s.gen++
	s.req.Wipe()
	s.notice.Wipe()
	for _, f := range s.forms() {
		f.Wipe()
	}
	s.mobile.Wipe()
	if s.photo != nil {
		s.photo.Wipe()
		s.photo = nil
	}
	s.emailID, s.smsFailed, s.failKey = "", false, ""
	s.page = pgIntro
}

// reviewItems is the review menu: send, then one way to correct each part.
func (s *Screen) reviewItems() []kit.MenuItem {
	items := []kit.MenuItem{
		{ID: "send", Label: "callcentre.review.send"},
		{ID: "data", Label: "callcentre.review.fix_data"},
		{ID: "front", Label: "callcentre.review.retake_front"},
		{ID: "back", Label: "callcentre.review.retake_back"},
	}
	if s.v.id == procedure.VariantClave {
		items = append(items, kit.MenuItem{ID: "signed", Label: "callcentre.review.retake_signed"})
	} else {
		items = append(items, kit.MenuItem{ID: "code", Label: "callcentre.review.fix_code"})
	}
	return items
}

func (s *Screen) problems() []*procedure.Problem {
	return s.req.Check(procedure.CheckOptions{CodeLength: s.env.Settings.CodeLength})
}

func (s *Screen) updateReview(msg tea.Msg) tea.Cmd {
	switch s.review.Update(msg) {
	case "send":
		if len(s.problems()) > 0 {
			s.reviewTried = true
			s.review.Cursor = s.fixItem(s.problems()[0])
			return nil
		}
		return s.send()
	case "data":
		s.toReview = true
		return s.goTo(pgIdentity)
	case "front":
		s.toReview = true
		return s.goTo(pgFront)
	case "back":
		s.toReview = true
		return s.goTo(pgBack)
	case "signed":
		s.toReview = true
		return s.goTo(pgSheet)
	case "code":
		s.toReview = true
		return s.goTo(pgCode)
	}
	return nil
}

// fixItem is the review menu entry that corrects problem p.
func (s *Screen) fixItem(p *procedure.Problem) int {
	id := "data"
	switch p.Field {
	case "front", "back", "signed", "code":
		id = p.Field
	}
	for i, it := range s.review.Items {
		if it.ID == id {
			return i
		}
	}
	return 0
}

// sheetLines is the filled-in request text wrapped to the body width.
func (s *Screen) sheetText() string {
	txt, err := s.req.SignedRequestText(s.callCentre(), procedure.Madrid())
	if err != nil {
		return ""
	}
	return txt
}

func (s *Screen) callCentre() procedure.CallCentre {
	st := s.env.Settings
	return procedure.CallCentre{
		Address: st.CallCentre.Email,
		Office:  st.Office,
		Place:   st.Place,
		Kiosk:   st.KioskID,
	}
}

// Reference is the request's reference, shown to the visitor; exported
// for tests and the technician's benefit (it is not personal data).
func (s *Screen) Reference() string { return s.req.Reference }
