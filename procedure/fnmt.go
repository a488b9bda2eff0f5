package procedure

// This file is the FNMT procedure "certificado de persona física con
// video-identificación" as the kiosk guides it (issue 7), readable in one
// place: the steps and what each needs, the official links, the price and the
// answer time, and what is owed to the visitor at the end (the summary SMS
// and the steps to take home).
//
// The kiosk never pretends to be FNMT and never asks for, stores or sends
// the visitor's FNMT password or private key: nothing here has a field for
// them.

import (
	"fmt"
	"time"
)

// Facts of the FNMT procedure as published by FNMT (2025).
const (
	// FNMTVideoIDPriceCents is the price of the video-identification, in
	// euro cents, VAT not included (2,99 € + IVA).
	FNMTVideoIDPriceCents = 299
	// FNMTCertificatePriceCents: the certificate itself is free.
	FNMTCertificatePriceCents = 0
	// FNMTAnswerBusinessHours is FNMT's answer time after the
	// video-identification: 48 business hours ("48 horas hábiles").
	FNMTAnswerBusinessHours = 48
	// FNMTKioskMinutes is about how long the kiosk part takes.
	FNMTKioskMinutes = 15
)

// Step IDs of the FNMT flow. Steps 1–4 are FNMT's four official steps.
const (
	StepFNMTBefore  StepID = "fnmt.before"  // 0: what you need, cost, time, data notice
	StepFNMTInstall StepID = "fnmt.install" // 1: install the FNMT configurator
	StepFNMTRequest StepID = "fnmt.request" // 2: request the certificate, type the código back
	StepFNMTVerify  StepID = "fnmt.verify"  // 3: verify the mobile, camera rehearsal
	StepFNMTVideo   StepID = "fnmt.video"   // 4: video-identification, download, install, backup
	StepFNMTFinish  StepID = "fnmt.finish"  // summary, SMS, QR to take home; then wipe
)

// FNMTFlow returns the FNMT video-identification flow.
func FNMTFlow() Flow {
	return Flow{
		ID:       FlowFNMT,
		TitleKey: "flow.fnmt.title",
		Steps: []Step{
			{ID: StepFNMTBefore, TitleKey: "fnmt.before.title", Needs: []Need{NeedConsent}},
			{ID: StepFNMTInstall, TitleKey: "fnmt.install.title", Counted: true, Needs: []Need{NeedDevice}},
			{ID: StepFNMTRequest, TitleKey: "fnmt.request.title", Counted: true,
				Needs: []Need{NeedNIF, NeedSurname1, NeedEmail, NeedCode}},
			{ID: StepFNMTVerify, TitleKey: "fnmt.verify.title", Counted: true,
				Needs: []Need{NeedMobile, NeedRehearsal}},
			{ID: StepFNMTVideo, TitleKey: "fnmt.video.title", Counted: true},
			{ID: StepFNMTFinish, TitleKey: "fnmt.finish.title"},
		},
	}
}

// DeviceOS is the system of the device where the certificate will live. The
// certificate must later be downloaded on the same device and user account
// where the configurator generated the keys.
type DeviceOS string

// Devices the visitor can choose.
const (
	OSWindows DeviceOS = "windows"
	OSMacOS   DeviceOS = "macos"
	OSLinux   DeviceOS = "linux"
	OSAndroid DeviceOS = "android"
	OSIOS     DeviceOS = "ios"
)

// DeviceOSes lists the devices in the order the chooser shows them.
func DeviceOSes() []DeviceOS { return []DeviceOS{OSWindows, OSMacOS, OSLinux, OSAndroid, OSIOS} }

// NameKey returns the catalogue key of the device's name.
func (o DeviceOS) NameKey() string { return "device." + string(o) }

// FNMTLinks are the official FNMT pages the kiosk points to (QR codes). They
// are public FNMT addresses as of 2025, kept in this one table; FNMT moves
// pages from time to time, so an office can override any of them in its
// configuration (see Merge) without a new build.
type FNMTLinks struct {
	// Info is the procedure's main page.
	Info string
	// Configurator is the download page of the key-generation software
	// ("configurador FNMT") per device. A device missing here (or with an
	// empty URL) is not supported for this procedure; the UI then explains
	// and suggests another device or the call-centre route.
	Configurator map[DeviceOS]string
	// RequestForm is step 2, where the visitor requests the certificate
	// and gets the código de solicitud by e-mail.
	RequestForm string
	// VideoID is step 3/4, where the video-identification is started.
	VideoID string
	// Download is step 4, where the certificate is downloaded (same
	// device, same user).
	Download string
}

// The kiosk shows these addresses as QR codes that must fit, readable, in
// the 19 rows an 80x24 screen leaves for the body: at most 78 bytes (a
// version-4 code). FNMT's deep links (…/obtener-certificado-con-video-
// identificacion/solicitar-certificado) are over 100 bytes, so the table
// points at FNMT's section pages and the screens say which link to follow
// there. An office with shorter deep links (its own redirects) sets them in
// config.
const (
	// MaxQRLinkLength is the longest address that fits the QR space.
	MaxQRLinkLength = 78

	fnmtPersonaFisica = "https://www.sede.fnmt.gob.es/certificados/persona-fisica"
	fnmtDownloads     = "https://www.sede.fnmt.gob.es/descargas/descarga-software"
)

// DefaultFNMTLinks returns the built-in table (a fresh copy each call).
//
// Android has FNMT's app for requesting and installing the certificate; the
// procedure page links to it. iOS is left out by default because the
// configurator (key generation) is not offered there; an office that knows
// better can add it in config.
func DefaultFNMTLinks() FNMTLinks {
	return FNMTLinks{
		Info: fnmtPersonaFisica,
		Configurator: map[DeviceOS]string{
			OSWindows: fnmtDownloads,
			OSMacOS:   fnmtDownloads,
			OSLinux:   fnmtDownloads,
			OSAndroid: fnmtPersonaFisica,
		},
		RequestForm: fnmtPersonaFisica,
		VideoID:     fnmtPersonaFisica,
		Download:    fnmtPersonaFisica,
	}
}

// Merge returns l with every non-empty field of o replacing it (per device
// for Configurator). This is how office configuration overrides the table.
func (l FNMTLinks) Merge(o FNMTLinks) FNMTLinks {
	out := l
	out.Configurator = make(map[DeviceOS]string, len(l.Configurator)+len(o.Configurator))
	for k, v := range l.Configurator {
		out.Configurator[k] = v
	}
	for k, v := range o.Configurator {
		out.Configurator[k] = v
	}
	for _, p := range []struct {
		dst *string
		src string
	}{
		{&out.Info, o.Info}, {&out.RequestForm, o.RequestForm}, {&out.VideoID, o.VideoID}, {&out.Download, o.Download},
	} {
		if p.src != "" {
			*p.dst = p.src
		}
	}
	return out
}

// ConfiguratorURL returns the configurator download page for a device, and
// false when the device is not supported.
func (l FNMTLinks) ConfiguratorURL(os DeviceOS) (string, bool) {
	u := l.Configurator[os]
	return u, u != ""
}

// SupportedDevices lists the devices with a configurator URL, in chooser
// order.
func (l FNMTLinks) SupportedDevices() []DeviceOS {
	var out []DeviceOS
	for _, os := range DeviceOSes() {
		if _, ok := l.ConfiguratorURL(os); ok {
			out = append(out, os)
		}
	}
	return out
}

// FNMTRequirements is step 0's list: what the visitor needs and what it
// costs, as catalogue messages in display order.
func FNMTRequirements() []Message {
	return []Message{
		{Key: "fnmt.before.need_document"},
		{Key: "fnmt.before.need_mobile"},
		{Key: "fnmt.before.need_email"},
		{Key: "fnmt.before.need_device"},
		{Key: "fnmt.before.need_time", Args: map[string]any{"Minutes": FNMTKioskMinutes}},
		{Key: "fnmt.before.cost", Args: map[string]any{"Price": euros(FNMTVideoIDPriceCents)}},
		{Key: "fnmt.before.answer", Args: map[string]any{"Hours": FNMTAnswerBusinessHours}},
	}
}

// FNMTChecksAfterInstall are the three things to check after installing
// the configurator (step 1).
func FNMTChecksAfterInstall() []Message {
	return []Message{
		{Key: "fnmt.install.check_installed"},
		{Key: "fnmt.install.check_same_user"},
		{Key: "fnmt.install.check_browser"},
	}
}

// FNMTReminders are step 2's warnings, shown before the visitor leaves the
// step: the password the configurator asks for is needed for the download,
// and the e-mail written into the certificate cannot be changed.
func FNMTReminders() []Message {
	return []Message{
		{Key: "fnmt.request.remind_code_email"},
		{Key: "fnmt.request.remind_password"},
		{Key: "fnmt.request.remind_email_fixed"},
	}
}

// euros formats cents the Spanish way ("2,99 €"). Five of the six
// catalogue languages write euros like this; English may ignore the arg
// and write the price itself.
func euros(cents int) string { return fmt.Sprintf("%d,%02d €", cents/100, cents%100) }

// FNMTVisit is what the visitor has given in the FNMT flow so far. The UI
// stores normalised values here as each field is accepted by its validator,
// and wipes the whole struct when the session ends.
type FNMTVisit struct {
	Consent     bool
	Device      DeviceOS
	ID          ID
	Surname1    string
	Email       string
	RequestCode string
	Mobile      string // E.164
	// VerifiedMobile is the number an SMS code proved (see
	// Request.VerifiedMobile): Mobile is verified only while it equals it.
	VerifiedMobile string
	RehearsalDone  bool
}

// MobileVerified reports whether Mobile is the number an SMS code was
// checked for.
func (v *FNMTVisit) MobileVerified() bool { return v.Mobile != "" && v.VerifiedMobile == v.Mobile }

// Missing returns what still stops the visitor from leaving step: one
// Problem per missing or invalid item, in the order of the step's Needs;
// nil when the step is complete. Values are re-validated, so data carried
// over from another screen cannot slip through unchecked. links decides
// which devices are supported; codeLength is the configured length of the
// código de solicitud (≤ 0: default).
func (v *FNMTVisit) Missing(step StepID, links FNMTLinks, codeLength int) []*Problem {
	s, ok := FNMTFlow().Step(step)
	if !ok {
		return nil
	}
	var out []*Problem
	for _, n := range s.Needs {
		if p := v.check(n, links, codeLength); p != nil {
			out = append(out, p)
		}
	}
	return out
}

func (v *FNMTVisit) check(n Need, links FNMTLinks, codeLength int) *Problem {
	switch n {
	case NeedConsent:
		if !v.Consent {
			return problem(string(n), KeyConsentMissing, nil)
		}
	case NeedDevice:
		if _, ok := links.ConfiguratorURL(v.Device); !ok {
			return problem(string(n), KeyDeviceMissing, nil)
		}
	case NeedNIF:
		_, err := ParseDNIOrNIE(v.ID.Number)
		return firstProblem(err)
	case NeedSurname1:
		_, err := ParseName(v.Surname1, "surname1", KeySurname1Empty)
		return firstProblem(err)
	case NeedEmail:
		_, err := ParseEmail(v.Email)
		return firstProblem(err)
	case NeedCode:
		_, err := ParseRequestCode(v.RequestCode, codeLength)
		return firstProblem(err)
	case NeedMobile:
		if _, err := ParseMobile(v.Mobile); err != nil {
			return firstProblem(err)
		}
		if !v.MobileVerified() {
			return problem(string(n), KeyMobileUnverified, nil)
		}
	case NeedRehearsal:
		if !v.RehearsalDone {
			return problem(string(n), KeyRehearsalMissing, nil)
		}
	}
	return nil
}

func firstProblem(err error) *Problem {
	if err == nil {
		return nil
	}
	if p, ok := AsProblem(err); ok {
		return p
	}
	// Not reached (every validator returns a *Problem); should it be,
	// the visitor reads "call staff", never a raw key.
	return &Problem{Key: KeyVariantUnknown}
}

// FNMTSummary is what is owed to the visitor at the end: shown on the
// finish screen, sent by SMS, put in the take-home QR.
type FNMTSummary struct {
	RequestCode string
	// Deadline is the estimated answer time: 48 business hours from the
	// moment given to Summary (the video-identification is done right
	// after the kiosk, so the kiosk's "now" is the best estimate it has).
	Deadline time.Time
	When     When
	Device   DeviceOS
	// SMS is the summary SMS (key + args); the outbox sends it, so it is
	// never lost when the modem is down.
	SMS Message
	// TakeHome is the list of next actions, in order.
	TakeHome []Message
}

// Summary builds what is owed to the visitor at now with the office's
// calendar.
func (v *FNMTVisit) Summary(now time.Time, c *Calendar, links FNMTLinks) FNMTSummary {
	if c == nil {
		c = NewCalendar(nil, nil)
	}
	dl := Deadline(now, FNMTAnswerBusinessHours, c)
	w := Approximate(dl, c.Location())
	return FNMTSummary{
		RequestCode: v.RequestCode,
		Deadline:    dl,
		When:        w,
		Device:      v.Device,
		SMS: Message{Key: KeySMSFNMTSummary, Args: map[string]any{
			"Code":     v.RequestCode,
			"Deadline": w.Numeric(),
			"URL":      links.Download,
		}},
		TakeHome: FNMTTakeHome(links),
	}
}

// KeySMSFNMTSummary is the catalogue key of the final FNMT SMS. Args: Code
// (código de solicitud), Deadline ("DD/MM/YYYY HH:MM"), URL (download page;
// optional in the text: the long address would make the SMS a part longer,
// and the take-home QR carries it).
const KeySMSFNMTSummary = "sms.fnmt.summary"

// FNMTTakeHome is the list of steps the visitor does at home, in order,
// with the URLs they need as args.
func FNMTTakeHome(links FNMTLinks) []Message {
	return []Message{
		{Key: "fnmt.takehome.video", Args: map[string]any{"URL": links.VideoID}},
		{Key: "fnmt.takehome.wait", Args: map[string]any{"Hours": FNMTAnswerBusinessHours}},
		{Key: "fnmt.takehome.download", Args: map[string]any{"URL": links.Download}},
		{Key: "fnmt.takehome.backup"},
		{Key: "fnmt.takehome.help"},
	}
}

// CarryInto copies the data typed in the FNMT flow into a call-centre
// request ("I don't have e-mail / I can't do it on my phone"), so the
// visitor types nothing twice; fields the request already has are kept. The
// mobile keeps its verified state. Consent is not carried: the call-centre
// route has other recipients, so the visitor accepts its own data notice.
func (v *FNMTVisit) CarryInto(r *Request) {
	if r.ID.IsZero() {
		r.ID = v.ID
	}
	if r.Surname1 == "" {
		r.Surname1 = v.Surname1
	}
	if r.Email == "" {
		r.Email = v.Email
	}
	if r.Mobile == "" {
		r.Mobile, r.VerifiedMobile = v.Mobile, v.VerifiedMobile
	}
	if r.RequestCode == "" && r.Variant == VariantCertificate {
		r.RequestCode = v.RequestCode
	}
}
