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

// Facts of the FNMT procedure. Sources: seed 000 (the four steps, the
// SMS validation, what the recording asks, "48 horas hábiles", "2,99 euros
// + impuestos", the download and the copy) and FNMT's sede
// (sede.fnmt.gob.es/certificados/persona-fisica, "Obtener certificado con
// video-identificación").
const (
	// FNMTVideoIDPriceCents is the price of the video-identification, in
	// euro cents, taxes not included (seed 000: "2,99 euros + impuestos").
	FNMTVideoIDPriceCents = 299
	// FNMTCertificatePriceCents: the certificate itself is free.
	FNMTCertificatePriceCents = 0
	// FNMTAnswerBusinessHours is FNMT's answer time after the
	// video-identification: 48 business hours (seed 000: "en las
	// próximas 48 horas hábiles la identificación automática será
	// atendida").
	FNMTAnswerBusinessHours = 48
	// FNMTAnswerBusinessDays is the same term counted in days, as a term
	// in hours over 24 must be (Ley 39/2015, art. 30.1). The kiosk gives
	// the day, never an hour: the clock starts when the visitor does the
	// video-identification on their phone, not at the kiosk.
	FNMTAnswerBusinessDays = FNMTAnswerBusinessHours / 24
	// FNMTKioskMinutes is about how long the kiosk part takes.
	FNMTKioskMinutes = 15
)

// Step IDs of the FNMT flow. Steps 1–4 are FNMT's four official steps, as
// its sede names them ("Obtener certificado con video-identificación"):
// 1 Configuración previa, 2 Solicitud vía internet de su certificado,
// 3 Acreditación de la identidad (here, by video-identification), 4
// Descarga de su certificado. What the kiosk adds (checking the mobile by
// SMS, rehearsing with the camera) sits inside step 3, where it prepares
// the video-identification.
const (
	StepFNMTBefore   StepID = "fnmt.before"   // 0: what you need, cost, time, data notice
	StepFNMTInstall  StepID = "fnmt.install"  // 1: configuración previa (device, configurator or FNMT's app)
	StepFNMTRequest  StepID = "fnmt.request"  // 2: solicitud: data check, FNMT's form, código typed back
	StepFNMTIdentity StepID = "fnmt.identity" // 3: acreditación: kiosk SMS check and rehearsal, how the video-identification goes
	StepFNMTDownload StepID = "fnmt.download" // 4: descarga: same device and browser, NIF and código, backup
	StepFNMTFinish   StepID = "fnmt.finish"   // summary, SMS, QR to take home; then wipe
)

// FNMTFlow returns the FNMT video-identification flow.
func FNMTFlow() Flow {
	return Flow{
		ID:       FlowFNMT,
		TitleKey: "flow.fnmt.title",
		Steps: []Step{
			{ID: StepFNMTBefore, TitleKey: "fnmt.before.title", Needs: []Need{NeedNotice}},
			{ID: StepFNMTInstall, TitleKey: "fnmt.install.title", Counted: true, Needs: []Need{NeedDevice}},
			{ID: StepFNMTRequest, TitleKey: "fnmt.request.title", Counted: true,
				Needs: []Need{NeedNIF, NeedSurname1, NeedEmail, NeedCode}},
			{ID: StepFNMTIdentity, TitleKey: "fnmt.identity.title", Counted: true,
				Needs: []Need{NeedMobile, NeedRehearsal}},
			{ID: StepFNMTDownload, TitleKey: "fnmt.download.title", Counted: true},
			{ID: StepFNMTFinish, TitleKey: "fnmt.finish.title"},
		},
	}
}

// DeviceOS is the system of the device where the certificate will live. The
// certificate must later be downloaded on the same device, user account and
// browser where the request generated the keys.
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

// UsesApp reports whether the device takes FNMT's own app instead of the
// configurator. The configurator is for computers (seed 000: "Windows, Mac
// o Linux"); on Android and iOS FNMT's app requests the certificate,
// guides the identity check and installs it on the phone itself (FNMT's
// sede, persona física: "Obtener certificado con Android" and FNMT's app).
func (o DeviceOS) UsesApp() bool { return o == OSAndroid || o == OSIOS }

// FNMTLinks are the official FNMT pages the kiosk points to (QR codes). They
// are public FNMT addresses, kept in this one table; FNMT moves pages from
// time to time, so an office can override any of them in its
// configuration (see Merge) without a new build.
type FNMTLinks struct {
	// Info is the procedure's main page.
	Info string
	// Configurator is the download page of the key-generation software
	// ("configurador FNMT") per computer system. A computer missing here
	// (or with an empty URL) is not offered.
	Configurator map[DeviceOS]string
	// App is FNMT's page on getting the certificate with its app on an
	// Android or iOS phone or tablet; empty hides those devices.
	App string
	// RequestForm is step 2, where the visitor requests the certificate
	// and gets the código de solicitud by e-mail.
	RequestForm string
	// VideoID is step 3, where the video-identification is started (the
	// FNMT e-mail with the código also carries the link).
	VideoID string
	// Download is step 4, where the certificate is downloaded (same
	// device, same user, same browser).
	Download string
	// Offices is where FNMT lists its identity-accreditation offices, for
	// visitors who cannot do the video-identification.
	Offices string
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
// The configurator is offered for Windows, macOS and Linux (FNMT's
// "Descarga de software"); Android and iOS get FNMT's app route, which
// the persona-física page links to.
func DefaultFNMTLinks() FNMTLinks {
	return FNMTLinks{
		Info: fnmtPersonaFisica,
		Configurator: map[DeviceOS]string{
			OSWindows: fnmtDownloads,
			OSMacOS:   fnmtDownloads,
			OSLinux:   fnmtDownloads,
		},
		App:         fnmtPersonaFisica,
		RequestForm: fnmtPersonaFisica,
		VideoID:     fnmtPersonaFisica,
		Download:    fnmtPersonaFisica,
		Offices:     fnmtPersonaFisica,
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
		{&out.Info, o.Info}, {&out.App, o.App}, {&out.RequestForm, o.RequestForm}, {&out.VideoID, o.VideoID},
		{&out.Download, o.Download}, {&out.Offices, o.Offices},
	} {
		if p.src != "" {
			*p.dst = p.src
		}
	}
	return out
}

// ConfiguratorURL returns the page step 1 points to for a device: the
// configurator's download page for a computer, FNMT's app page for a phone
// or tablet; false when the device is not offered.
func (l FNMTLinks) ConfiguratorURL(os DeviceOS) (string, bool) {
	u := l.Configurator[os]
	if os.UsesApp() {
		u = l.App
	}
	return u, u != ""
}

// SupportedDevices lists the devices offered, in chooser order.
func (l FNMTLinks) SupportedDevices() []DeviceOS {
	var out []DeviceOS
	for _, os := range DeviceOSes() {
		if _, ok := l.ConfiguratorURL(os); ok {
			out = append(out, os)
		}
	}
	return out
}

// FNMTRequirements is the "before you start" list: who can apply, what the
// visitor needs and what it costs, as catalogue messages in display order.
// Who can apply: an adult or an emancipated minor (FNMT's requirements for
// the persona-física certificate); the document: the DNI, or for
// foreigners the NIE on its card (TIE) or on the EU citizen's registration
// certificate, since the NIE itself is only a number and the
// video-identification films a document (seed 000: "mostrarlo por ambas
// caras").
func FNMTRequirements() []Message {
	return []Message{
		{Key: "fnmt.before.need_age"},
		{Key: "fnmt.before.need_document"},
		{Key: "fnmt.before.need_mobile"},
		{Key: "fnmt.before.need_email"},
		{Key: "fnmt.before.need_device"},
		{Key: "fnmt.before.need_time", Args: map[string]any{"Minutes": FNMTKioskMinutes}},
		FNMTCost(),
		{Key: "fnmt.before.answer", Args: map[string]any{"Hours": FNMTAnswerBusinessHours}},
	}
}

// FNMTCost is the price line: the video-identification costs 2,99 € plus
// taxes and the certificate is free (seed 000).
func FNMTCost() Message {
	// Euros and cents apart: each catalogue writes the amount its own way
	// (2,99 € in Spanish, €2.99 in English).
	return Message{Key: "fnmt.before.cost", Args: map[string]any{
		"Euros": FNMTVideoIDPriceCents / 100, "Cents": fmt.Sprintf("%02d", FNMTVideoIDPriceCents%100)}}
}

// FNMTChecksAfterInstall are the three things to check after installing
// the configurator (step 1, computers).
func FNMTChecksAfterInstall() []Message {
	return []Message{
		{Key: "fnmt.install.check_installed"},
		{Key: "fnmt.install.check_same_user"},
		{Key: "fnmt.install.check_browser"},
	}
}

// FNMTReminders are step 2's warnings, in this order: the request sets a
// new password that the download asks for again (seed 000: "establecer una
// contraseña nueva"), and the e-mail written into the certificate cannot
// be changed.
func FNMTReminders() (password, emailFixed Message) {
	return Message{Key: "fnmt.request.remind_password"}, Message{Key: "fnmt.request.remind_email_fixed"}
}

// FNMTVideoSteps is how the video-identification goes, in the order the
// visitor meets it on their phone (seed 000): the link in FNMT's e-mail
// with the código, FNMT's own SMS to validate the mobile, a bright place
// with auto-rotate on, both sides of the document (a photo and a video are
// taken), then facial biometrics and a liveness test.
func FNMTVideoSteps() []Message {
	return []Message{
		{Key: "fnmt.video.step_link"},
		{Key: "fnmt.video.step_sms"},
		{Key: "fnmt.video.step_place"},
		{Key: "fnmt.video.step_document"},
		{Key: "fnmt.video.step_face"},
	}
}

// FNMTDownloadSteps is step 4 (seed 000 and FNMT's download page): when
// FNMT's e-mail says the identity was accepted, download on the same
// computer, user and browser where the request was made (the keys are
// there), with the document number, first surname and código; then make a
// backup copy, exported with the private key to a password-protected file
// kept off the computer (seed: "se recomienda … hacer una copia"; how:
// FNMT's sede, preguntas frecuentes, "Exportar, importar y eliminar
// certificados"). A phone keeps it in FNMT's app instead.
func FNMTDownloadSteps(os DeviceOS) []Message {
	if os.UsesApp() {
		return []Message{
			{Key: "fnmt.download.app_same_device"},
			{Key: "fnmt.download.with_data"},
			{Key: "fnmt.download.password"},
			{Key: "fnmt.download.app_backup"},
		}
	}
	return []Message{
		{Key: "fnmt.download.same_device"},
		{Key: "fnmt.download.with_data"},
		{Key: "fnmt.download.password"},
		{Key: "fnmt.download.backup"},
	}
}

// euros formats cents the Spanish way ("2,99 €"). Five of the six
// catalogue languages write euros like this; English may ignore the arg
// and write the price itself.

// FNMTVisit is what the visitor has given in the FNMT flow so far. The UI
// stores normalised values here as each field is accepted by its validator,
// and wipes the whole struct when the session ends.
type FNMTVisit struct {
	// NoticeRead: the data-protection notice was shown and the visitor
	// chose to go on (not consent; see Request.NoticeRead).
	NoticeRead  bool
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
	case NeedNotice:
		if !v.NoticeRead {
			return problem(string(n), KeyNoticeUnread, nil)
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
	// IfToday is the last day of FNMT's answer if the visitor does the
	// video-identification today: FNMTAnswerBusinessDays business days
	// after today, in the office's and Madrid's calendar. It is an "if":
	// the 48 hours start at the video-identification, which the visitor
	// does later on their phone, not at the kiosk.
	IfToday Date
	Device  DeviceOS
	// SMS is the summary SMS (key + args); the outbox sends it, so it is
	// never lost when the modem is down.
	SMS Message
	// TakeHome is the list of next actions, in order.
	TakeHome []Message
}

// Summary builds what is owed to the visitor at now with the office's
// calendar (nil: national and Madrid holidays).
func (v *FNMTVisit) Summary(now time.Time, c *Calendar) FNMTSummary {
	if c == nil {
		c = FNMTCalendar(nil, nil)
	}
	return FNMTSummary{
		RequestCode: v.RequestCode,
		IfToday:     DeadlineDays(now, FNMTAnswerBusinessDays, c),
		Device:      v.Device,
		SMS: Message{Key: KeySMSFNMTSummary, Args: map[string]any{
			"Code":  v.RequestCode,
			"Hours": FNMTAnswerBusinessHours,
		}},
		TakeHome: FNMTTakeHome(v.Device),
	}
}

// FNMTDeadlineMessage is the answer-time sentence of step 3 and the
// summary: 48 business hours from the video-identification, and the day
// that means if it is done today. date is ifToday.Message() already
// translated (the UI renders it first, then passes the text as Date).
func FNMTDeadlineMessage(date string) Message {
	return Message{Key: KeyFNMTDeadline, Args: map[string]any{"Hours": FNMTAnswerBusinessHours, "Date": date}}
}

// KeyFNMTDeadline is the catalogue key of the answer-time sentence. Args:
// Hours, Date (the long date, translated).
const KeyFNMTDeadline = "fnmt.deadline.if_today"

// KeySMSFNMTSummary is the catalogue key of the final FNMT SMS. Args: Code
// (código de solicitud), Hours (48). The SMS says how to start the
// video-identification (the link in FNMT's e-mail) and that the answer
// comes 48 business hours after it; the day it would be if done today is
// on the screen, not in the SMS, which the visitor may read days later.
const KeySMSFNMTSummary = "sms.fnmt.summary"

// FNMTTakeHome is the list of steps the visitor does after the kiosk, in
// order.
func FNMTTakeHome(os DeviceOS) []Message {
	download := "fnmt.takehome.download"
	if os.UsesApp() {
		download = "fnmt.takehome.download_app"
	}
	return []Message{
		{Key: "fnmt.takehome.video"},
		{Key: "fnmt.takehome.wait", Args: map[string]any{"Hours": FNMTAnswerBusinessHours}},
		{Key: download},
		{Key: "fnmt.takehome.backup"},
		{Key: "fnmt.takehome.help"},
	}
}
