package procedure

// This file is the call-centre request of issue 8 in its two variants: Cl@ve
// registration and the FNMT certificate by videoconference. The kiosk's job
// is to make every request complete and legible on the first try, because an
// incomplete one is sent back and gets no appointment; Check names exactly
// what is missing or unreadable. BuildEmail produces the e-mail for the
// outbox; nothing is sent from here.

import (
	"bytes"
	"crypto/rand"
	"embed"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // register the decoders used to check the photos
	_ "image/png"
	"io"
	"strings"
	"sync"
	"text/template"
	"time"
)

// Variant is the kind of call-centre request.
type Variant string

// The two variants.
const (
	VariantClave       Variant = "clave"       // Cl@ve registration by videoconference
	VariantCertificate Variant = "certificate" // FNMT certificate by videoconference
)

// Valid reports whether v is one of the two variants.
func (v Variant) Valid() bool { return v == VariantClave || v == VariantCertificate }

// Flow returns the flow ID of the variant.
func (v Variant) Flow() FlowID {
	if v == VariantClave {
		return FlowClave
	}
	return FlowCertificateCall
}

// refPrefix is the first part of the request reference.
func (v Variant) refPrefix() string {
	if v == VariantClave {
		return "CLV"
	}
	return "CER"
}

// Slot is the visitor's preferred time to be phoned.
type Slot string

// Call slots. The hours behind them are the call centre's, shown from config.
const (
	SlotMorning   Slot = "morning"
	SlotAfternoon Slot = "afternoon"
)

// NameKey returns the catalogue key of the slot's name, written to follow
// "le llamarán …" ("por la mañana").
func (s Slot) NameKey() string { return "callcentre.slot." + string(s) }

// CallLanguages are the languages a call can be asked in (the kiosk's six);
// whether the call centre can honour it is up to them, it is a preference.
var CallLanguages = []string{"es", "ca", "gl", "eu", "en", "fr"}

// Step IDs of the call-centre flows. The shared steps have the same ID in
// both variants, so the UI reuses the same screen.
const (
	StepCallBefore   StepID = "callcentre.before"   // data notice, what will happen
	StepCallIdentity StepID = "callcentre.identity" // document, names, mobile (verified), e-mail, slot, language
	StepCallPhotos   StepID = "callcentre.photos"   // document front and back
	StepCallSigned   StepID = "clave.signed"        // Cl@ve: photo of the signed request
	StepCallCode     StepID = "certificate.code"    // certificate: código de solicitud typed twice
	StepCallReview   StepID = "callcentre.review"   // everything that will be sent, completeness check
	StepCallFinish   StepID = "callcentre.finish"   // reference, SMS; then wipe
)

// CallCentreFlow returns the flow of a variant.
func CallCentreFlow(v Variant) Flow {
	third := Step{ID: StepCallCode, TitleKey: "certificate.code.title", Counted: true, Needs: []Need{NeedCode}}
	title := "flow.certificate_call.title"
	if v == VariantClave {
		third = Step{ID: StepCallSigned, TitleKey: "clave.signed.title", Counted: true, Needs: []Need{NeedSigned}}
		title = "flow.clave.title"
	}
	return Flow{
		ID:       v.Flow(),
		TitleKey: title,
		Steps: []Step{
			{ID: StepCallBefore, TitleKey: "callcentre.before.title", Needs: []Need{NeedNotice}},
			{ID: StepCallIdentity, TitleKey: "callcentre.identity.title", Counted: true, Needs: []Need{
				NeedNIF, NeedSupport, NeedName, NeedSurname1, NeedSurname2, NeedMobile, NeedEmail, NeedSlot, NeedLanguage}},
			{ID: StepCallPhotos, TitleKey: "callcentre.photos.title", Counted: true, Needs: []Need{NeedFront, NeedBack}},
			third,
			{ID: StepCallReview, TitleKey: "callcentre.review.title", Counted: true},
			{ID: StepCallFinish, TitleKey: "callcentre.finish.title"},
		},
	}
}

// Minimum short side, in pixels, for a photo to be legible to an agent. An
// ID card at 300 px is about 5.5 px per millimetre, enough for its printed
// text; a handwritten A4/A5 sheet needs twice that.
const (
	MinCardShortSide  = 300
	MinSheetShortSide = 600
)

// Image is a photo taken by the camera component (JPEG or PNG bytes) with
// the problems its quality check reported ("blurry", "glare"…; see
// `ventanilla camera check`). A photo with problems is unreadable and blocks
// sending.
type Image struct {
	Data   []byte
	Issues []string
}

// Request is a call-centre request being put together. The UI fills it with
// normalised values as each validator accepts them; Check says what is still
// missing; BuildEmail turns a complete one into the e-mail. It holds
// personal data: never log it (mask), and call Wipe when the session ends.
type Request struct {
	Variant Variant
	// Reference is the visitor-facing request reference, assigned once by
	// NewRequest and stable for the life of the request.
	Reference string
	// Created is when the request was started (the date of the signed
	// request and of the e-mail).
	Created time.Time

	// NoticeRead: the data-protection notice was shown and the visitor
	// chose to go on. It is not consent: the processing rests on one
	// legal basis, a task in the public interest (RGPD art. 6.1.e, Ley
	// 39/2015 art. 12), which the notice states.
	NoticeRead bool
	ID         ID
	Support    string // número de soporte; required for NIE holders
	Name       string
	Surname1   string
	Surname2   string // optional: many foreign visitors have one surname
	Mobile     string // E.164
	// VerifiedMobile is the number an SMS code proved the visitor holds
	// (E.164). The number is verified only while it is the one in
	// Mobile: a number changed after the check is not (issue 14), so the
	// review, the completeness check and the call centre's e-mail can
	// never call a number verified that no code reached.
	VerifiedMobile string
	// MobileUnconfirmed: the code could not reach the visitor now (the
	// kiosk's modem is down; the SMS waits in the outbox), so the request
	// goes with the number unconfirmed and the e-mail tells the call
	// centre to confirm it when it calls. Without this a kiosk with no
	// signal could not take call-centre requests at all.
	MobileUnconfirmed bool
	Email             string
	Slot              Slot
	Language          string // one of CallLanguages

	Front Image
	Back  Image
	// Signed is the photo of the signed request sheet (Cl@ve only).
	Signed Image
	// RequestCode is the FNMT código de solicitud (certificate only).
	RequestCode string
}

// MobileVerified reports whether the mobile in the request is the number
// an SMS code was checked for.
func (r *Request) MobileVerified() bool { return r.Mobile != "" && r.VerifiedMobile == r.Mobile }

// NewRequest starts a request of the given variant at now, with a fresh
// random reference (crypto/rand).
func NewRequest(v Variant, now time.Time) (*Request, error) {
	return NewRequestRand(v, now, rand.Reader)
}

// NewRequestRand is NewRequest with the randomness injected (tests).
func NewRequestRand(v Variant, now time.Time, rnd io.Reader) (*Request, error) {
	if !v.Valid() {
		return nil, problem("variant", KeyVariantUnknown, nil)
	}
	ref, err := NewReference(v, rnd)
	if err != nil {
		return nil, err
	}
	return &Request{Variant: v, Reference: ref, Created: now}, nil
}

// Wipe drops every piece of personal data, overwriting the photo bytes
// first so they do not linger in memory the session no longer owns.
func (r *Request) Wipe() {
	for _, img := range []*Image{&r.Front, &r.Back, &r.Signed} {
		clear(img.Data)
	}
	*r = Request{}
}

// CheckOptions are the office settings that Check depends on.
type CheckOptions struct {
	// CodeLength is the length of the código de solicitud (≤ 0: default).
	CodeLength int
}

// Check returns every problem that stops the request from being sent: what
// is missing, invalid or unreadable, one Problem per item in the order the
// flow asks for them; nil when the request is complete. Text fields are
// re-validated, so data carried over from another flow is checked too.
//
// K/L/M NIFs are accepted here (the agent decides how such a visitor can be
// identified); the support number is required only for NIE holders, and
// validated when given by anyone.
func (r *Request) Check(opt CheckOptions) []*Problem {
	if !r.Variant.Valid() {
		return []*Problem{problem("variant", KeyVariantUnknown, nil)}
	}
	var out []*Problem
	for _, s := range CallCentreFlow(r.Variant).Steps {
		for _, n := range s.Needs {
			if p := r.check(n, opt); p != nil {
				out = append(out, p)
			}
		}
	}
	return out
}

// Missing is Check restricted to one step's needs: what the visitor must
// still give before leaving that step.
func (r *Request) Missing(step StepID, opt CheckOptions) []*Problem {
	s, ok := CallCentreFlow(r.Variant).Step(step)
	if !ok {
		return nil
	}
	var out []*Problem
	for _, n := range s.Needs {
		if p := r.check(n, opt); p != nil {
			out = append(out, p)
		}
	}
	return out
}

// Complete reports whether Check finds nothing.
func (r *Request) Complete(opt CheckOptions) bool { return len(r.Check(opt)) == 0 }

func (r *Request) check(n Need, opt CheckOptions) *Problem {
	switch n {
	case NeedNotice:
		if !r.NoticeRead {
			return problem(string(n), KeyNoticeUnread, nil)
		}
	case NeedNIF:
		_, err := ParseNIF(r.ID.Number)
		return firstProblem(err)
	case NeedSupport:
		if r.Support == "" {
			if r.ID.Kind == KindNIE {
				return problem(string(n), KeySupportMissing, nil)
			}
			return nil
		}
		_, err := ParseSupportNumber(r.Support, r.ID.Kind)
		return firstProblem(err)
	case NeedName:
		_, err := ParseName(r.Name, "name", KeyNameEmpty)
		return firstProblem(err)
	case NeedSurname1:
		_, err := ParseName(r.Surname1, "surname1", KeySurname1Empty)
		return firstProblem(err)
	case NeedSurname2:
		_, err := ParseName(r.Surname2, "surname2", "")
		return firstProblem(err)
	case NeedMobile:
		if _, err := ParseMobile(r.Mobile); err != nil {
			return firstProblem(err)
		}
		if !r.MobileVerified() && !r.MobileUnconfirmed {
			return problem(string(n), KeyMobileUnverified, nil)
		}
	case NeedEmail:
		_, err := ParseEmail(r.Email)
		return firstProblem(err)
	case NeedSlot:
		if r.Slot != SlotMorning && r.Slot != SlotAfternoon {
			return problem(string(n), KeySlotMissing, nil)
		}
	case NeedLanguage:
		for _, l := range CallLanguages {
			if r.Language == l {
				return nil
			}
		}
		return problem(string(n), KeyLanguageMissing, nil)
	case NeedFront:
		return checkImage(r.Front, "front", KeyFrontMissing, KeyFrontUnreadable, MinCardShortSide)
	case NeedBack:
		return checkImage(r.Back, "back", KeyBackMissing, KeyBackUnreadable, MinCardShortSide)
	case NeedSigned:
		return checkImage(r.Signed, "signed", KeySignedMissing, KeySignedUnreadable, MinSheetShortSide)
	case NeedCode:
		_, err := ParseRequestCode(r.RequestCode, opt.CodeLength)
		return firstProblem(err)
	}
	return nil
}

// Reasons an image is unreadable (Args["Reason"] of the unreadable keys;
// camera issue codes are passed through as they are).
const (
	ReasonNotImage = "not_image"
	ReasonTooSmall = "too_small"
)

func checkImage(img Image, field, missingKey, unreadableKey string, minSide int) *Problem {
	if len(img.Data) == 0 {
		return problem(field, missingKey, nil)
	}
	if len(img.Issues) > 0 {
		return problem(field, unreadableKey, map[string]any{"Reason": img.Issues[0]})
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(img.Data))
	if err != nil {
		return problem(field, unreadableKey, map[string]any{"Reason": ReasonNotImage})
	}
	if min(cfg.Width, cfg.Height) < minSide {
		return problem(field, unreadableKey, map[string]any{"Reason": ReasonTooSmall})
	}
	return nil
}

// refAlphabet has no characters that are confused when read aloud or
// copied by hand: no 0/O, 1/I/L, U/V... (U is dropped, V kept).
const refAlphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"

// refWeights are coprime with len(refAlphabet)=30, so any single mistyped
// character changes the check character.
var refWeights = [5]int{1, 7, 11, 13, 17}

// NewReference returns a fresh request reference like "CLV-7KQ4-M2": the
// variant, four and one random characters from an unambiguous alphabet, and
// a check character, so a reference read over the phone can be verified.
// 30⁵ ≈ 24 million combinations per variant; the reference is for people
// to quote, not a database key (the outbox has its own ids).
func NewReference(v Variant, rnd io.Reader) (string, error) {
	var vals [5]int
	buf := make([]byte, 16)
	n := 0
	for n < len(vals) {
		if _, err := io.ReadFull(rnd, buf); err != nil {
			return "", fmt.Errorf("procedure: reference: read random: %w", err)
		}
		for _, b := range buf {
			// 240 = 8*30: rejecting bytes ≥ 240 keeps every character
			// equally likely.
			if b < 240 && n < len(vals) {
				vals[n] = int(b) % len(refAlphabet)
				n++
			}
		}
	}
	return formatReference(v.refPrefix(), vals), nil
}

func formatReference(prefix string, vals [5]int) string {
	sum := 0
	for i, x := range vals {
		sum += refWeights[i] * x
	}
	c := func(i int) byte { return refAlphabet[i] }
	return string([]byte{
		prefix[0], prefix[1], prefix[2], '-',
		c(vals[0]), c(vals[1]), c(vals[2]), c(vals[3]), '-',
		c(vals[4]), c(sum % len(refAlphabet)),
	})
}

// ParseReference normalises a reference typed or read back (lower case,
// spaces, missing dashes) and checks its shape and check character. It is
// for the technician console ("find request CLV-7KQ4-M2").
func ParseReference(s string) (string, bool) {
	t, ok := cleanToken(s)
	if !ok || len(t) != 9 || (t[:3] != "CLV" && t[:3] != "CER") {
		return "", false
	}
	var vals [5]int
	for i := 0; i < 5; i++ {
		j := strings.IndexByte(refAlphabet, t[3+i])
		if j < 0 {
			return "", false
		}
		vals[i] = j
	}
	ref := formatReference(t[:3], vals)
	if ref[len(ref)-1] != t[8] {
		return "", false
	}
	return ref, true
}

// CallCentre is the office's configuration of its call centre. None of it
// is a public fact: it comes from the office's config and is shown to the
// visitor as configured.
type CallCentre struct {
	// Address is where requests are e-mailed.
	Address string
	// Office is the office's name; Place is the town written in "En
	// <Place>, a <date>" of the signed request.
	Office string
	Place  string
	// Kiosk identifies the kiosk in the e-mail, for the technician.
	Kiosk string
}

// Attachment is one file of the e-mail.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// Email is the e-mail to the call centre, ready for the outbox. It carries
// personal data and must only travel through the encrypted store.
type Email struct {
	To string
	// ReplyTo is the visitor's address: when the call centre answers
	// ("si no tiene toda la documentación te la reclamará", seed 002) the
	// reply reaches the visitor, not the kiosk's unattended From address.
	ReplyTo     string
	Subject     string
	Body        string
	Attachments []Attachment
}

// IncompleteError is returned by BuildEmail when Check finds problems:
// nothing is sent until the request is complete.
type IncompleteError struct {
	Problems []*Problem
}

// Error lists the missing items (keys only, no personal data).
func (e *IncompleteError) Error() string {
	keys := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		keys[i] = p.Key
	}
	return "procedure: request incomplete: " + strings.Join(keys, ", ")
}

// ErrNoCallCentreAddress means the office has not configured where to send
// requests: a technician problem, not the visitor's.
var ErrNoCallCentreAddress = errors.New("procedure: call-centre e-mail address not configured (set it in the config file)")

//go:embed templates/*.tmpl
var templateFS embed.FS

// templates holds the Spanish documents; they are fixed and covered by
// tests, so a parse failure is a build defect. Parsed on first use, not at
// package initialisation: every command of the binary, and the kiosk
// before its first screen, would pay for it.
var templates = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("").Funcs(template.FuncMap{
		"list":       func(s ...string) []string { return s },
		"monthIndex": func(t time.Time) int { return int(t.Month()) - 1 },
	}).ParseFS(templateFS, "templates/*.tmpl"))
})

// docData is what the Spanish templates see. Field names are Spanish to
// keep the templates readable by the people who approve their wording.
type docData struct {
	Variante        string
	Referencia      string
	Oficina         string
	Quiosco         string
	Lugar           string
	Fecha           time.Time
	FechaHora       string
	Nombre          string
	Apellido1       string
	Apellido2       string
	NombreCompleto  string
	TipoDocumento   string
	NumeroDocumento string
	Soporte         string
	Movil           string
	MovilVerificado bool
	Email           string
	Franja          string
	Idioma          string
	CodigoSolicitud string
	Adjuntos        []adjunto
}

type adjunto struct{ Nombre, Descripcion string }

func (r *Request) docData(cc CallCentre, loc *time.Location) docData {
	if loc == nil {
		loc = Madrid()
	}
	created := r.Created
	if created.IsZero() {
		created = time.Now()
	}
	created = created.In(loc)
	full := strings.Join(strings.Fields(strings.Join([]string{r.Name, r.Surname1, r.Surname2}, " ")), " ")
	d := docData{
		Variante:        string(r.Variant),
		Referencia:      r.Reference,
		Oficina:         cc.Office,
		Quiosco:         cc.Kiosk,
		Lugar:           cc.Place,
		Fecha:           created,
		FechaHora:       created.Format("02/01/2006 15:04"),
		Nombre:          r.Name,
		Apellido1:       r.Surname1,
		Apellido2:       r.Surname2,
		NombreCompleto:  full,
		TipoDocumento:   r.ID.DocType(),
		NumeroDocumento: r.ID.Number,
		Soporte:         r.Support,
		Movil:           FormatMobile(r.Mobile),
		MovilVerificado: r.MobileVerified(),
		Email:           r.Email,
		Franja:          string(r.Slot),
		Idioma:          r.Language,
		CodigoSolicitud: r.RequestCode,
	}
	for _, a := range r.attachmentList() {
		d.Adjuntos = append(d.Adjuntos, adjunto{Nombre: a.name, Descripcion: a.desc})
	}
	return d
}

type attachmentSpec struct {
	name string // file name without extension
	desc string // Spanish description for the e-mail body
	img  Image
}

func (r *Request) attachmentList() []attachmentSpec {
	doc := r.ID.DocType()
	list := []attachmentSpec{
		{"front", "anverso del " + doc, r.Front},
		{"back", "reverso del " + doc, r.Back},
	}
	if r.Variant == VariantClave {
		list = append(list, attachmentSpec{"solicitud-firmada", "solicitud de registro en Cl@ve firmada", r.Signed})
	}
	for i := range list {
		list[i].name += extFor(list[i].img.Data)
	}
	return list
}

// extFor names the file by its real format; the camera sends JPEG.
func extFor(data []byte) string {
	if bytes.HasPrefix(data, []byte("\x89PNG")) {
		return ".png"
	}
	return ".jpg"
}

func contentTypeFor(data []byte) string {
	if extFor(data) == ".png" {
		return "image/png"
	}
	return "image/jpeg"
}

// FormatMobile writes an E.164 Spanish mobile in groups for people:
// "+34 600 123 456". Other input is returned unchanged.
func FormatMobile(e164 string) string {
	if len(e164) != 12 || !strings.HasPrefix(e164, "+34") {
		return e164
	}
	d := e164[3:]
	return "+34 " + d[:3] + " " + d[3:6] + " " + d[6:]
}

// SignedRequestText returns the short model of the handwritten Cl@ve
// request filled in with the visitor's data, in Spanish
// (templates/clave-solicitud.txt.tmpl): name, document, "solicito el
// registro en Cl@ve", place and date, signature. The visitor copies it by
// hand and signs it (a visitor who brings the printed model signs that
// instead); the UI shows it verbatim. Items not yet given are left as lines
// to fill in by hand.
func (r *Request) SignedRequestText(cc CallCentre, loc *time.Location) (string, error) {
	var b strings.Builder
	if err := templates().ExecuteTemplate(&b, "clave-solicitud.txt.tmpl", r.docData(cc, loc)); err != nil {
		return "", fmt.Errorf("procedure: signed request text: %w", err)
	}
	return b.String(), nil
}

// BuildEmail returns the e-mail to the call centre for a complete request:
// subject with procedure and reference (no personal data, subjects end up
// in mail logs), a plain-text Spanish body with what the agent needs, and
// the photos attached (front.jpg, back.jpg, and solicitud-firmada.jpg for
// Cl@ve). An incomplete request returns *IncompleteError.
func (r *Request) BuildEmail(cc CallCentre, opt CheckOptions, loc *time.Location) (Email, error) {
	if ps := r.Check(opt); len(ps) > 0 {
		return Email{}, &IncompleteError{Problems: ps}
	}
	if strings.TrimSpace(cc.Address) == "" {
		return Email{}, ErrNoCallCentreAddress
	}
	data := r.docData(cc, loc)
	var subject, body strings.Builder
	if err := templates().ExecuteTemplate(&subject, "asunto", data); err != nil {
		return Email{}, fmt.Errorf("procedure: e-mail subject: %w", err)
	}
	if err := templates().ExecuteTemplate(&body, "cuerpo", data); err != nil {
		return Email{}, fmt.Errorf("procedure: e-mail body: %w", err)
	}
	e := Email{To: cc.Address, ReplyTo: r.Email, Subject: subject.String(), Body: body.String()}
	for _, a := range r.attachmentList() {
		e.Attachments = append(e.Attachments, Attachment{
			Name:        a.name,
			ContentType: contentTypeFor(a.img.Data),
			Data:        a.img.Data,
		})
	}
	return e, nil
}

// Catalogue keys of the SMS sent to the visitor once the request is in the
// outbox. Args: Reference.
const (
	KeySMSClaveSent       = "sms.clave.sent"
	KeySMSCertificateSent = "sms.certificate_call.sent"
)

// SentSMS is the SMS owed to the visitor after sending: the reference and
// what happens next (the call centre will phone; have the original document
// and a device with a camera ready).
func (r *Request) SentSMS() Message {
	key := KeySMSCertificateSent
	if r.Variant == VariantClave {
		key = KeySMSClaveSent
	}
	return Message{Key: key, Args: map[string]any{"Reference": r.Reference}}
}
