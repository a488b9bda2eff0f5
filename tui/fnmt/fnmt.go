// Package fnmt is the kiosk's guide to the FNMT certificate with
// video-identification (issue 7): before starting (needs, cost, time, data
// notice), 1 install the configurator, 2 request the certificate and type
// back the código de solicitud, 3 verify the mobile and rehearse with the
// camera, 4 what the video call asks, the answer deadline, download and
// backup; then a summary that is also queued by SMS, and the session ends.
//
// The rules and facts live in procedure (FNMTFlow, FNMTLinks, FNMTVisit,
// Deadline); this package only shows them. The kiosk never asks for,
// stores or sends the visitor's FNMT password or private key: no screen
// here has a box for them.
package fnmt

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/ventanilla-kiosk/ventanilla/procedure"
	"github.com/ventanilla-kiosk/ventanilla/tui/form"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
	"github.com/ventanilla-kiosk/ventanilla/tui/steps"
)

// Options are the office-specific inputs of the flow.
type Options struct {
	// Links are FNMT's pages (procedure.DefaultFNMTLinks merged with the
	// office's overrides). Zero: the defaults.
	Links procedure.FNMTLinks
	// Calendar counts the 48 business hours with the office's regional
	// and local holidays. Nil: national holidays only.
	Calendar *procedure.Calendar
	// Rand is the source of SMS codes (nil: crypto/rand); tests fix it.
	Rand interface{ Read([]byte) (int, error) }
}

// Factory returns a constructor with the tui.FlowFactory signature bound
// to opts, for the integrator to register under kit.FlowFNMT.
func Factory(opts Options) func(env *kit.Env, carry *kit.Visitor) kit.Screen {
	return func(env *kit.Env, carry *kit.Visitor) kit.Screen { return NewWith(env, carry, opts) }
}

// New builds the FNMT flow with the default links and national holidays.
func New(env *kit.Env, carry *kit.Visitor) kit.Screen { return NewWith(env, carry, Options{}) }

// page is one screenful; several pages make one of FNMT's steps.
type page int

const (
	pgBefore page = iota
	pgNotice
	pgDevice
	pgInstall
	pgData
	pgForm
	pgCode
	pgMobile
	pgFront
	pgBack
	pgFace
	pgVideo
	pgFinish
	pgCount
)

// stepOf maps pages to FNMT's numbered steps (0: not numbered).
var stepOf = [pgCount]int{0, 0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 0}

var stepIDs = [pgCount]procedure.StepID{
	procedure.StepFNMTBefore, procedure.StepFNMTBefore,
	procedure.StepFNMTInstall, procedure.StepFNMTInstall,
	procedure.StepFNMTRequest, procedure.StepFNMTRequest, procedure.StepFNMTRequest,
	procedure.StepFNMTVerify, procedure.StepFNMTVerify, procedure.StepFNMTVerify, procedure.StepFNMTVerify,
	procedure.StepFNMTVideo, procedure.StepFNMTFinish,
}

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

	summary   *procedure.FNMTSummary
	smsState  string // "", "queued", "failed"
	keys      screenKeys
	carryCode string
}

type screenKeys struct {
	Next, CallCentre key.Binding
}

// NewWith builds the FNMT flow with office options; carry pre-fills what
// the visitor typed in another procedure.
func NewWith(env *kit.Env, carry *kit.Visitor, opts Options) *Screen {
	links := procedure.DefaultFNMTLinks()
	if opts.Links.Info != "" || len(opts.Links.Configurator) > 0 || opts.Links.RequestForm != "" {
		links = links.Merge(opts.Links)
	}
	s := &Screen{env: env, opts: opts, links: links, keys: screenKeys{
		Next:       kit.Bind("fnmt.keys.next", "Enter", "enter"),
		CallCentre: kit.Bind("fnmt.keys.callcentre", "F8", "f8"),
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
	}
	s.mobile = steps.NewVerifyMobile(env, steps.MobileConfig{Initial: s.visit.Mobile, Rand: opts.Rand,
		DoneNote: "fnmt.verify.next_camera"})
	return s
}

// Init implements kit.Screen.
func (s *Screen) Init() tea.Cmd { return nil }

// Title implements kit.Screen: the step's title from procedure's flow.
func (s *Screen) Title() string {
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

// StepName implements kit.StepName (no personal data).
func (s *Screen) StepName() string {
	return fmt.Sprintf("fnmt/%d-%s", stepOf[s.page], strings.TrimPrefix(string(stepIDs[s.page]), "fnmt."))
}

// Keys implements kit.Screen.
func (s *Screen) Keys() help.KeyMap {
	switch s.page {
	case pgNotice:
		return s.notice.Keys()
	case pgDevice:
		return kit.KeyList{kit.Bind("keys.move", "↑/↓", "up", "down"), kit.Bind("keys.choose", "Enter", "enter"), s.keys.CallCentre}
	case pgData:
		return kit.Join(s.data.Keys(), kit.KeyList{s.keys.CallCentre})
	case pgCode:
		return kit.Join(s.code.Keys(), kit.KeyList{s.keys.CallCentre})
	case pgMobile:
		return s.mobile.Keys()
	case pgFront, pgBack, pgFace:
		if s.photo != nil && !s.photo.Done() {
			return s.photo.Keys()
		}
	case pgForm, pgInstall:
		return kit.KeyList{s.keys.Next, s.keys.CallCentre}
	}
	return kit.KeyList{s.keys.Next}
}

// Back implements kit.BackHandler: the previous page, false on the first.
func (s *Screen) Back() (kit.Screen, tea.Cmd, bool) {
	if s.page == pgMobile && s.mobile.Back() {
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
	s.carryCode = ""
	s.page = pgBefore
}

// carry is what goes to the call-centre route: everything typed so far.
func (s *Screen) carry() *kit.Visitor {
	v := &kit.Visitor{
		NIF:            s.visit.ID.Number,
		Surname1:       s.visit.Surname1,
		Email:          s.visit.Email,
		Mobile:         s.visit.Mobile,
		MobileVerified: s.visit.MobileVerified(),
		Code:           s.visit.RequestCode,
	}
	// Boxes typed but not yet accepted travel too, so nothing is typed
	// twice; the call-centre screens validate them again.
	if v.NIF == "" {
		v.NIF = strings.ToUpper(strings.TrimSpace(s.data.Value("nif")))
	}
	if v.Surname1 == "" {
		v.Surname1 = strings.TrimSpace(s.data.Value("surname1"))
	}
	if v.Email == "" {
		v.Email = strings.TrimSpace(s.data.Value("email"))
	}
	return v
}

func (s *Screen) toCallCentre() tea.Cmd {
	c := s.carry()
	return func() tea.Msg { return kit.OpenMsg{Flow: kit.FlowCertCall, Carry: c} }
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
	s.photo = steps.NewPhoto(s.env, steps.PhotoConfig{Shot: shot, Rehearsal: true})
	return s.photo.Init()
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
	if isKey && key.Matches(k, s.keys.CallCentre) {
		switch s.page {
		case pgDevice, pgInstall, pgData, pgForm, pgCode:
			return s, s.toCallCentre()
		}
	}
	switch s.page {
	case pgNotice:
		cmd := s.notice.Update(msg)
		if s.notice.Done() {
			s.visit.Consent = true
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
		if isKey && key.Matches(k, s.keys.Next) {
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
	sum := s.visit.Summary(s.env.Clock.Now(), s.opts.Calendar, s.links)
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
