// Package fnmt is the kiosk's guide to the FNMT certificate with
// video-identification, along FNMT's own four steps, which the header
// numbers "Paso N de 4": before starting (who can apply, what to bring,
// cost, answer time, data notice); 1 configuración previa (the
// configurator on a computer, FNMT's app on a phone or tablet); 2
// solicitud (the data checked here, FNMT's form, the código typed back);
// 3 acreditación de la identidad (the kiosk's own preparation, checking
// the mobile by SMS and rehearsing with the camera, then how the
// video-identification goes on the visitor's phone and when FNMT answers);
// 4 descarga (same computer and browser, the data it asks, the backup);
// then a summary that is also queued by SMS, and the session ends. F8
// ("no e-mail / I can't do it") explains why the e-mail is needed and sends
// the visitor to the office staff or to an accreditation office.
//
// The rules and facts live in procedure (FNMTFlow, FNMTLinks, FNMTVisit,
// DeadlineDays); this package only shows them. The kiosk never asks for,
// stores or sends the visitor's FNMT password or private key: no screen
// here has a box for them.
package fnmt

import (
	"context"
	"fmt"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/ventanilla-kiosk/ventanilla/procedure"
	"github.com/ventanilla-kiosk/ventanilla/tui/form"
	"github.com/ventanilla-kiosk/ventanilla/tui/i18n"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
	"github.com/ventanilla-kiosk/ventanilla/tui/steps"
)

// Options are the office-specific inputs of the flow.
type Options struct {
	// Links are FNMT's pages (procedure.DefaultFNMTLinks merged with the
	// office's overrides). Zero: the defaults.
	Links procedure.FNMTLinks
	// Calendar counts the 48 business hours with the office's and
	// Madrid's holidays (procedure.FNMTCalendar). Nil: national and
	// Madrid holidays only.
	Calendar *procedure.Calendar
	// Rand is the source of SMS codes (nil: crypto/rand); tests fix it.
	Rand interface{ Read([]byte) (int, error) }
}

// Factory returns a constructor with the tui.FlowFactory signature bound
// to opts, for the integrator to register under kit.FlowFNMT.
func Factory(opts Options) func(env *kit.Env, carry *kit.Visitor) kit.Screen {
	return func(env *kit.Env, carry *kit.Visitor) kit.Screen { return NewWith(env, carry, opts) }
}

// New builds the FNMT flow with the default links and calendar.
func New(env *kit.Env, carry *kit.Visitor) kit.Screen { return NewWith(env, carry, Options{}) }

// page is one screenful; several pages make one of FNMT's steps.
type page int

const (
	pgBefore page = iota
	pgNotice
	pgDevice   // 1: where the certificate will live
	pgInstall  // 1: the configurator, or FNMT's app
	pgData     // 2: NIF, surname, e-mail checked here
	pgForm     // 2: FNMT's form, which link, what to type
	pgCode     // 2: the código typed back twice
	pgMobile   // 3: the kiosk's SMS check
	pgFront    // 3: rehearsal, document front
	pgBack     // 3: rehearsal, document back
	pgFace     // 3: rehearsal, face
	pgVideo    // 3: how the video-identification goes; when FNMT answers
	pgDownload // 4: same device and browser, the data, the backup
	pgFinish
	pgHelp // F8's detour: why the e-mail is needed, who can help
	pgCount
)

// stepOf maps pages to FNMT's numbered steps (0: not numbered).
var stepOf = [pgCount]int{0, 0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 4, 0, 0}

var stepIDs = [pgCount]procedure.StepID{
	procedure.StepFNMTBefore, procedure.StepFNMTBefore,
	procedure.StepFNMTInstall, procedure.StepFNMTInstall,
	procedure.StepFNMTRequest, procedure.StepFNMTRequest, procedure.StepFNMTRequest,
	procedure.StepFNMTIdentity, procedure.StepFNMTIdentity, procedure.StepFNMTIdentity, procedure.StepFNMTIdentity,
	procedure.StepFNMTIdentity,
	procedure.StepFNMTDownload, procedure.StepFNMTFinish, procedure.StepFNMTBefore,
}

// pageNames name the pages for the technician console (no personal data).
var pageNames = [pgCount]string{"before", "notice", "device", "install", "data", "form", "code", "mobile",
	"front", "back", "face", "video", "download", "finish", "help"}

type smsQueuedMsg struct {
	screen *Screen
	err    error
}

// Screen is the FNMT procedure as one kit.Screen that owns its pages.
type Screen struct {
	env   *kit.Env
	opts  Options
	links procedure.FNMTLinks
	page  page
	visit procedure.FNMTVisit

	notice  *steps.Notice
	devices kit.Menu
	data    *form.Form
	code    *form.Form
	mobile  *steps.VerifyMobile
	photo   *steps.Photo
	// rehearsal records which shots were tried (no images are kept).
	issues []string

	summary  *procedure.FNMTSummary
	smsState string // "", "queued", "failed"
	keys     screenKeys
	// helpFrom is the page F8 came from, where Esc returns.
	helpFrom page
}

type screenKeys struct {
	Next, OtherWays, Staff, Finish key.Binding
}

// NewWith builds the FNMT flow with office options; carry pre-fills what
// the visitor typed in another procedure.
func NewWith(env *kit.Env, carry *kit.Visitor, opts Options) *Screen {
	// Zero fields of opts.Links keep the built-in addresses.
	links := procedure.DefaultFNMTLinks().Merge(opts.Links)
	if opts.Calendar == nil {
		opts.Calendar = procedure.FNMTCalendar(nil, nil)
	}
	s := &Screen{env: env, opts: opts, links: links, keys: screenKeys{
		Next:      kit.Bind("fnmt.keys.next", "Enter", "enter"),
		OtherWays: kit.Bind("fnmt.keys.other_ways", "F8", "f8"),
		Staff:     kit.Bind("fnmt.keys.staff", "Enter", "enter"),
		Finish:    kit.Bind("fnmt.keys.finish", "Enter", "enter"),
	}}
	s.notice = steps.NewNotice(env, steps.NoticeFor(kit.FlowFNMT))
	for _, d := range links.SupportedDevices() {
		s.devices.Items = append(s.devices.Items, kit.MenuItem{ID: string(d), Label: d.NameKey()})
	}
	s.data = form.New(env,
		form.Field{Name: "nif", Label: "fnmt.request.nif_label", Hint: "fnmt.request.nif_hint", MaxLen: 14,
			Validate: func(v string) (string, error) {
				id, err := procedure.ParseDNIOrNIE(v)
				return id.Number, err
			}},
		form.Field{Name: "surname1", Label: "fnmt.request.surname1_label", MaxLen: procedure.MaxNameLength,
			Validate: func(v string) (string, error) {
				return procedure.ParseName(v, "surname1", procedure.KeySurname1Empty)
			}},
		form.Field{Name: "email", Label: "fnmt.request.email_label", Confirm: "fnmt.request.email_confirm_label",
			Mismatch: procedure.KeyEmailMismatch, MaxLen: 254, Validate: procedure.ParseEmail},
	)
	s.data.ID = "fnmt-data"
	codeLen := env.Settings.CodeLength
	if codeLen <= 0 {
		codeLen = procedure.DefaultRequestCodeLength
	}
	s.code = form.New(env,
		form.Field{Name: "code", Label: "fnmt.request.code_label", Confirm: "fnmt.request.code_confirm_label",
			Mismatch: procedure.KeyCodeMismatch, MaxLen: codeLen + 6,
			Validate: func(v string) (string, error) { return procedure.ParseRequestCode(v, codeLen) }},
	)
	s.code.ID = "fnmt-code"
	if carry != nil {
		s.data.SetValue("nif", carry.NIF)
		s.data.SetValue("surname1", carry.Surname1)
		s.data.SetValue("email", carry.Email)
		s.data.SetValue("email_confirm", carry.Email)
		s.code.SetValue("code", carry.Code)
		s.visit.Mobile = carry.Mobile
		carry.Wipe() // the root's copy for us; the forms hold the values now
	}
	s.mobile = steps.NewVerifyMobile(env, steps.MobileConfig{Initial: s.visit.Mobile, Rand: opts.Rand,
		DoneNote: "fnmt.identity.next_camera"})
	return s
}

// Init implements kit.Screen.
func (s *Screen) Init() tea.Cmd { return nil }

// Title implements kit.Screen: the step's title from procedure's flow.
func (s *Screen) Title() string {
	if s.page == pgHelp {
		return s.env.T.T("fnmt.help.title")
	}
	if st, ok := procedure.FNMTFlow().Step(stepIDs[s.page]); ok {
		return s.env.T.T(st.TitleKey)
	}
	return s.env.T.T("flow.fnmt.title")
}

// Progress implements kit.Screen: "Paso N de 4" on FNMT's four steps.
func (s *Screen) Progress() (int, int) {
	if n := stepOf[s.page]; n > 0 {
		return n, 4
	}
	return 0, 0
}

// StepName implements kit.StepName (no personal data): FNMT's step and
// the page, e.g. "fnmt/3-mobile".
func (s *Screen) StepName() string {
	return fmt.Sprintf("fnmt/%d-%s", stepOf[s.page], pageNames[s.page])
}

// Keys implements kit.Screen.
func (s *Screen) Keys() help.KeyMap {
	switch s.page {
	case pgNotice:
		return s.notice.Keys()
	case pgDevice:
		return kit.KeyList{kit.Bind("keys.move", "↑/↓", "up", "down"), kit.Bind("keys.choose", "Enter", "enter"), s.keys.OtherWays}
	case pgData:
		return kit.Join(s.data.Keys(), kit.KeyList{s.keys.OtherWays})
	case pgCode:
		return kit.Join(s.code.Keys(), kit.KeyList{s.keys.OtherWays})
	case pgMobile:
		return s.mobile.Keys()
	case pgFront, pgBack, pgFace:
		if s.photo != nil && !s.photo.Done() {
			return s.photo.Keys()
		}
	case pgBefore, pgForm, pgInstall:
		return kit.KeyList{s.keys.Next, s.keys.OtherWays}
	case pgHelp:
		return kit.KeyList{s.keys.Staff}
	case pgFinish:
		return kit.KeyList{s.keys.Finish}
	}
	return kit.KeyList{s.keys.Next}
}

// otherWaysFrom reports whether F8 works on page p: the pages before the
// código arrives, where a visitor finds out they lack an e-mail or cannot
// go on.
func otherWaysFrom(p page) bool {
	switch p {
	case pgBefore, pgDevice, pgInstall, pgData, pgForm, pgCode:
		return true
	}
	return false
}

// Back implements kit.BackHandler: the previous page, false on the first.
func (s *Screen) Back() (kit.Screen, tea.Cmd, bool) {
	if s.page == pgMobile && s.mobile.Back() {
		return s, nil, true
	}
	if s.page == pgHelp {
		s.page = s.helpFrom
		return s, nil, true
	}
	if s.page == pgBefore {
		return s, nil, false
	}
	if s.page == pgFinish {
		// The summary SMS is already queued; going back would only
		// invite a second one.
		return s, nil, true
	}
	s.page--
	if s.page == pgNotice {
		s.notice.Reset()
	}
	if s.page == pgFront || s.page == pgBack || s.page == pgFace {
		return s, s.startPhoto(), true
	}
	return s, nil, true
}

// CanGoBack implements kit.BackOffer: the summary is final (its SMS is
// queued), so Esc is not offered there; Enter ends the session.
func (s *Screen) CanGoBack() bool { return s.page != pgFinish }

// Wipe implements kit.Screen.
func (s *Screen) Wipe() {
	s.visit = procedure.FNMTVisit{}
	s.notice.Wipe()
	s.data.Wipe()
	s.code.Wipe()
	s.mobile.Wipe()
	if s.photo != nil {
		s.photo.Wipe()
		s.photo = nil
	}
	s.issues = nil
	s.summary = nil
	s.smsState = ""
	s.page = pgBefore
}

// toStaff leaves the procedure for the staff screen, which records the
// request for the technician console. The root wipes this screen: a
// person takes over, and nothing typed here is needed.
func (s *Screen) toStaff() tea.Cmd {
	return func() tea.Msg { return kit.OpenMsg{Flow: kit.FlowStaff} }
}

func (s *Screen) next() tea.Cmd {
	s.page++
	switch s.page {
	case pgFront, pgBack, pgFace:
		return s.startPhoto()
	case pgFinish:
		return s.finish()
	}
	return nil
}

func (s *Screen) startPhoto() tea.Cmd {
	shot := map[page]steps.Shot{pgFront: steps.ShotIDFront, pgBack: steps.ShotIDBack, pgFace: steps.ShotFace}[s.page]
	if s.photo != nil {
		s.photo.Wipe()
	}
	cfg := steps.PhotoConfig{Shot: shot, Rehearsal: true}
	if s.page == pgFront {
		cfg.Above = s.rehearsalIntroHeight()
	}
	s.photo = steps.NewPhoto(s.env, cfg)
	return s.photo.Init()
}

// rehearsalIntroHeight is the height of the lines the first rehearsal
// page shows above the camera, in the language where they are longest
// (the visitor may switch language while the camera runs).
func (s *Screen) rehearsalIntroHeight() int {
	w := max(30, s.env.Width-2)
	h := 0
	langs := s.env.Settings.Languages
	if len(langs) == 0 {
		langs = i18n.All
	}
	for _, l := range langs {
		n := 0
		for _, k := range []string{"fnmt.identity.prep_camera"} {
			n += lipgloss.Height(s.env.Styles.Body.Width(w).Render(s.env.T.Catalog().Text(l, k)))
		}
		h = max(h, n)
	}
	return max(h, 2)
}

// Update implements kit.Screen.
func (s *Screen) Update(msg tea.Msg) (kit.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		s.data.SetWidth(msg.Width)
		s.code.SetWidth(msg.Width)
		if s.photo != nil {
			s.photo.Update(msg)
		}
		return s, nil
	case smsQueuedMsg:
		if msg.screen != s || s.page != pgFinish {
			return s, nil
		}
		if msg.err != nil {
			s.smsState = "failed"
			err := fmt.Errorf("fnmt: queue summary SMS: %w", msg.err)
			return s, func() tea.Msg { return kit.ErrorMsg{Err: err} }
		}
		s.smsState = "queued"
		return s, nil
	case form.SubmittedMsg:
		return s, s.submitted(msg)
	}
	k, isKey := msg.(tea.KeyMsg)
	if isKey && key.Matches(k, s.keys.OtherWays) && otherWaysFrom(s.page) {
		s.helpFrom, s.page = s.page, pgHelp
		return s, nil
	}
	switch s.page {
	case pgHelp:
		if isKey && key.Matches(k, s.keys.Staff) {
			return s, s.toStaff()
		}
		return s, nil
	case pgNotice:
		cmd := s.notice.Update(msg)
		if s.notice.Done() {
			s.visit.NoticeRead = true
			return s, tea.Batch(cmd, s.next())
		}
		return s, cmd
	case pgDevice:
		if id := s.devices.Update(msg); id != "" {
			s.visit.Device = procedure.DeviceOS(id)
			return s, s.next()
		}
		return s, nil
	case pgData:
		return s, s.data.Update(msg)
	case pgCode:
		return s, s.code.Update(msg)
	case pgMobile:
		if s.mobile.Done() && isKey && key.Matches(k, s.keys.Next) {
			// The step showed its verdict; this Enter moves on.
			return s, s.next()
		}
		cmd := s.mobile.Update(msg)
		if s.mobile.Done() {
			// The verified number, not a flag: a number changed later is
			// not verified (issue 14).
			r := s.mobile.Result()
			s.visit.Mobile, s.visit.VerifiedMobile = r.Mobile, ""
			if r.Verified {
				s.visit.VerifiedMobile = r.Mobile
			}
		}
		return s, cmd
	case pgFront, pgBack, pgFace:
		if s.photo == nil {
			return s, nil
		}
		if s.photo.Done() && isKey && key.Matches(k, s.keys.Next) {
			s.issues = append(s.issues, s.photo.Result().Issues...)
			if s.page == pgFace {
				s.visit.RehearsalDone = !s.photo.Skipped()
			}
			s.photo.Wipe()
			return s, s.next()
		}
		return s, s.photo.Update(msg)
	case pgFinish:
		if isKey && key.Matches(k, s.keys.Finish) {
			return s, func() tea.Msg { return kit.FinishedMsg{Flow: kit.FlowFNMT} }
		}
		return s, nil
	}
	if isKey && key.Matches(k, s.keys.Next) {
		return s, s.next()
	}
	return s, nil
}

func (s *Screen) submitted(msg form.SubmittedMsg) tea.Cmd {
	switch {
	case msg.ID == s.data.ID && s.page == pgData:
		id, err := procedure.ParseDNIOrNIE(msg.Values["nif"])
		if err != nil {
			s.data.SetError("nif", err)
			return nil
		}
		s.visit.ID = id
		s.visit.Surname1 = msg.Values["surname1"]
		s.visit.Email = msg.Values["email"]
		return s.next()
	case msg.ID == s.code.ID && s.page == pgCode:
		s.visit.RequestCode = msg.Values["code"]
		return s.next()
	}
	return nil
}

// finish builds the summary and queues it by SMS. It is queued even when
// the modem is down: the outbox keeps it until the modem can send.
func (s *Screen) finish() tea.Cmd {
	sum := s.visit.Summary(s.env.Clock.Now(), s.opts.Calendar)
	s.summary = &sum
	s.smsState = ""
	if s.visit.Mobile == "" {
		return nil
	}
	text := steps.SMSText(s.env, sum.SMS)
	to, out, me := s.visit.Mobile, s.env.Outbox, s
	return func() tea.Msg {
		if out == nil {
			return smsQueuedMsg{screen: me, err: fmt.Errorf("no outbox configured")}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		_, err := out.EnqueueSMS(ctx, to, text)
		return smsQueuedMsg{screen: me, err: err}
	}
}
